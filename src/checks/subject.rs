//! Whose permissions the IAM rules judge: the owner of the keys entered in
//! the dashboard, as `sts:GetCallerIdentity` made with those keys shows it,
//! or, for an account Bitmovin reads as role-based, the role it assumes.
//! Bitmovin calls AWS as that principal, so IAM evidence about any other
//! user proves nothing, and a rule reading it says unknown, never pass.

use crate::checks::verdict::{Verdict, call_failed, not_collected, see};
use crate::iam::Principal;
use crate::snapshot::Target;
use crate::snapshot::aws::{Evidence, evidence};

/// What `sts:GetCallerIdentity` says about the keys' owner.
pub enum KeysOwner {
    Known(Principal),
    /// Why the owner is not known.
    Unverified(String),
}

pub fn keys_owner(target: &Target) -> KeysOwner {
    let key = "sts:GetCallerIdentity";
    match evidence(target.aws.caller_identity.as_ref()) {
        Evidence::Present(identity) => match identity.arn.as_deref() {
            Some(arn) if !arn.is_empty() => KeysOwner::Known(Principal::from_arn(arn)),
            _ => KeysOwner::Unverified(format!("{key} answered without an Arn")),
        },
        Evidence::Failed(error) => KeysOwner::Unverified(call_failed(key, error)),
        Evidence::Missing => KeysOwner::Unverified(not_collected(key)),
    }
}

/// Whose permissions the IAM rules judge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectKind {
    /// The IAM user whose access keys Bitmovin holds.
    User,
    /// The role Bitmovin assumes.
    Role,
}

impl SubjectKind {
    /// IAM's word for it, as in `put-user-policy` / `put-role-policy`.
    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::User => "user",
            SubjectKind::Role => "role",
        }
    }
}

/// The IAM principal whose evidence the IAM rules read.
#[derive(Debug, Clone)]
pub struct Subject {
    pub kind: SubjectKind,
    /// Its name, when the evidence or the setup gives one (a role's name
    /// is always known, without the path).
    pub name: Option<String>,
    /// Said in a passing finding when the keys' owner was not verified.
    pub caveat: Option<String>,
}

impl Subject {
    /// The user's name; none for a role.
    pub fn user(&self) -> Option<&str> {
        match self.kind {
            SubjectKind::User => self.name.as_deref(),
            SubjectKind::Role => None,
        }
    }

    fn user_named(name: Option<String>, caveat: Option<String>) -> Subject {
        Subject {
            kind: SubjectKind::User,
            name,
            caveat,
        }
    }
}

/// The user the snapshot's IAM evidence describes (`iam:GetUser`).
fn evidence_user(target: &Target) -> Option<(&str, Option<&str>)> {
    match evidence(target.aws.user.as_ref()) {
        Evidence::Present(response) => response
            .user
            .as_ref()
            .map(|u| (u.user_name.as_str(), u.arn.as_deref())),
        _ => None,
    }
}

/// The role Bitmovin assumes, when the target was read from Bitmovin's
/// API and its account is set up with a role instead of access keys.
pub fn bitmovin_role(target: &Target) -> Option<&str> {
    target.bitmovin.as_ref()?.account.role()
}

/// For a role-based target whose `iam:GetRole` answer is another role than
/// the one Bitmovin assumes (another name, or a role in another account
/// than `accountNumber`: read with another account's credentials): why
/// that evidence says nothing about Bitmovin's role.
pub fn role_read_elsewhere(target: &Target) -> Option<String> {
    let role = bitmovin_role(target)?;
    let Evidence::Present(answer) = evidence(target.aws.role.as_ref()) else {
        return None;
    };
    let read = answer.role.as_ref()?;
    // IAM names a role without the path Bitmovin's roleName may include.
    let name = role.rsplit('/').next().unwrap_or(role);
    if read.role_name != name {
        return Some(format!(
            "iam:GetRole describes role {}, but Bitmovin assumes role {}",
            crate::output::visible(&read.role_name),
            crate::output::visible(role)
        ));
    }
    let expected = target.setup.account_id.as_deref()?;
    let arn = read.arn.as_deref()?;
    let actual = arn.split(':').nth(4)?;
    (actual != expected).then(|| {
        format!(
            "the role read with iam:GetRole ({}) is in account {}, but Bitmovin assumes role {} in account {expected}: the audit read another account (give account {expected} its own credentials in the inventory)",
            crate::output::visible(arn),
            crate::output::visible(actual),
            crate::output::visible(role),
        )
    })
}

/// The subject of the IAM rules, or the verdict when the evidence is not
/// about the principal Bitmovin acts as.
pub fn subject(target: &Target) -> Result<Subject, Verdict> {
    if let Some(role) = bitmovin_role(target) {
        // Bitmovin acts as the role: no user's policies say what it may do,
        // and no keys are tested. Evidence of another role proves nothing.
        if let Some(why) = role_read_elsewhere(target) {
            return Err(Verdict::unknown(why));
        }
        // IAM names a role without its path.
        return Ok(Subject {
            kind: SubjectKind::Role,
            name: Some(role.rsplit('/').next().unwrap_or(role).to_string()),
            caveat: None,
        });
    }
    let described = evidence_user(target);
    match keys_owner(target) {
        KeysOwner::Known(Principal::User { account, name }) => {
            if let Some((user, arn)) = described {
                let same = match arn.map(Principal::from_arn) {
                    Some(Principal::User {
                        account: a,
                        name: n,
                    }) => a == account && n == name,
                    _ => user == name,
                };
                if !same {
                    return Err(Verdict::unknown(format!(
                        "the IAM evidence describes user {}, but the dashboard's keys belong to IAM user {name}: {name}'s policies were not collected{}",
                        arn.unwrap_or(user),
                        see("keys-owner")
                    )));
                }
            }
            Ok(Subject::user_named(Some(name), None))
        }
        KeysOwner::Known(other) => Err(Verdict::unknown(format!(
            "the dashboard's keys belong to {other}, not to an IAM user, so no IAM user's policies govern Bitmovin's requests{}",
            see("keys-owner")
        ))),
        KeysOwner::Unverified(why) => {
            let configured = target.setup.iam_user.as_deref();
            if let (Some(configured), Some((user, _))) = (configured, described)
                && configured != user
            {
                return Err(Verdict::unknown(format!(
                    "the IAM evidence describes user {user}, but setup.iam_user is {configured}"
                )));
            }
            Ok(Subject::user_named(
                described
                    .map(|(u, _)| u.to_string())
                    .or(configured.map(str::to_string)),
                Some(format!(
                    "not verified that the dashboard's keys belong to this user ({why})"
                )),
            ))
        }
    }
}
