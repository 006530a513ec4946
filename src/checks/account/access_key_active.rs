//! `access-key-active`: the user has an active access key.

use serde::Deserialize;

use crate::checks::CheckType;
use crate::checks::Reads;
use crate::checks::subject::{bitmovin_role, subject};
use crate::checks::verdict::{Verdict, call_failed, not_collected};
use crate::findings::Resource;
use crate::snapshot::Target;
use crate::snapshot::aws::{AccessKeyMetadata, Evidence, Paged, evidence};
use crate::template::Placeholder;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessKeyActive {}

impl CheckType for AccessKeyActive {
    fn how_judged(&self) -> &'static str {
        "Reads iam:ListAccessKeys of the keys' owner (unknown when the evidence describes another principal)."
    }

    fn evidence_key(&self) -> Option<&'static str> {
        Some("iam:ListAccessKeys")
    }

    fn reads(&self, key: &str, _name: Option<&str>) -> Reads {
        match key {
            "iam:ListAccessKeys" => Reads::Decides,
            "sts:GetCallerIdentity" => Reads::Qualifies("not verified"),
            _ => Reads::Ignores,
        }
    }

    fn placeholders(&self) -> &'static [Placeholder] {
        &[Placeholder::IamUser]
    }

    fn resource(&self, target: &Target) -> Resource {
        crate::checks::iam::principal(target)
    }

    fn evaluate(&self, target: &Target) -> Verdict {
        access_key_active(target)
    }
}

/// The user's access keys as `iam:ListAccessKeys` lists them, and whether
/// the list goes on; the verdict when it cannot be read.
pub(super) fn listed_keys(target: &Target) -> Result<(&[AccessKeyMetadata], bool), Verdict> {
    let key = "iam:ListAccessKeys";
    match evidence(target.aws.access_keys.as_ref()) {
        Evidence::Present(response) => match &response.access_key_metadata {
            Some(keys) => Ok((keys, response.truncated())),
            None => Err(Verdict::unknown(format!(
                "{key} answered without AccessKeyMetadata"
            ))),
        },
        Evidence::Failed(error) => Err(Verdict::unknown(call_failed(key, error))),
        Evidence::Missing => Err(Verdict::unknown(not_collected(key))),
    }
}

fn access_key_active(target: &Target) -> Verdict {
    if bitmovin_role(target).is_some() {
        return Verdict::skip("Bitmovin uses a role for this account, not an access key");
    }
    let subject = match subject(target) {
        Ok(subject) => subject,
        Err(verdict) => return verdict,
    };
    let key = "iam:ListAccessKeys";
    let (keys, truncated) = match listed_keys(target) {
        Ok(listed) => listed,
        Err(verdict) => return verdict,
    };
    let active: Vec<&str> = keys
        .iter()
        .filter(|k| k.status == "Active")
        .map(|k| k.access_key_id.as_deref().unwrap_or("(id not shown)"))
        .collect();
    let verdict = match active.as_slice() {
        [] if truncated => Verdict::unknown(format!(
            "no active key on the first page of {key}, and the rest was not collected"
        )),
        [] if keys.is_empty() => Verdict::fail("the user has no access key"),
        [] => Verdict::fail(format!(
            "all {} access keys of the user are inactive",
            keys.len()
        )),
        ids => Verdict::pass(format!(
            "active access key: {}{}",
            ids.join(", "),
            subject
                .caveat
                .as_ref()
                .map(|c| format!("; {c}"))
                .unwrap_or_default()
        )),
    };
    // The fix names the user the evidence is about, never another one.
    match subject.user() {
        Some(user) => verdict.with(Placeholder::IamUser, user.to_string()),
        None => verdict,
    }
}
