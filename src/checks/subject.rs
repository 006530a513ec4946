//! Whose permissions the IAM rules judge: the owner of the keys entered in
//! the dashboard, as `sts:GetCallerIdentity` made with those keys shows it.
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

/// The IAM user whose evidence the IAM rules read.
#[derive(Debug, Clone)]
pub struct Subject {
    /// Its name, when the evidence or the setup gives one.
    pub user: Option<String>,
    /// Said in a passing finding when the keys' owner was not verified.
    pub caveat: Option<String>,
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

/// The subject of the IAM rules, or the verdict when the evidence is not
/// about the principal Bitmovin acts as.
pub fn subject(target: &Target) -> Result<Subject, Verdict> {
    if let Some(role) = bitmovin_role(target) {
        // Bitmovin acts as the role: no user's policies say what it may do.
        return Err(Verdict::unknown(format!(
            "Bitmovin assumes role {} for this account; a role's permission policies are not collected yet, so they are not judged{}",
            crate::output::visible(role),
            see("role-trust")
        )));
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
            Ok(Subject {
                user: Some(name),
                caveat: None,
            })
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
            Ok(Subject {
                user: described
                    .map(|(u, _)| u.to_string())
                    .or(configured.map(str::to_string)),
                caveat: Some(format!(
                    "not verified that the dashboard's keys belong to this user ({why})"
                )),
            })
        }
    }
}
