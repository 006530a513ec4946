//! `keys-owner`: the keys belong to an IAM user, the one `setup.iam_user` names.

use serde::Deserialize;

use crate::checks::CheckType;
use crate::checks::subject::{self, keys_owner};
use crate::checks::verdict::Verdict;
use crate::checks::{Reads, decides_on};
use crate::findings::Resource;
use crate::iam::Principal;
use crate::snapshot::Target;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysOwner {}

impl CheckType for KeysOwner {
    fn how_judged(&self) -> &'static str {
        "Reads the Arn of sts:GetCallerIdentity made with the dashboard's keys: Bitmovin acts as that principal. Fail when it is not an IAM user (a role session, a federated user, the root user), or is another IAM user than setup.iam_user (the configured user's policies then do not apply). Unknown when the keys were not tested."
    }

    fn evidence_key(&self) -> Option<&'static str> {
        Some("sts:GetCallerIdentity")
    }

    fn reads(&self, key: &str, _name: Option<&str>) -> Reads {
        decides_on(&["sts:GetCallerIdentity"], key)
    }

    fn resource(&self, target: &Target) -> Resource {
        crate::checks::iam::principal(target)
    }

    fn evaluate(&self, target: &Target) -> Verdict {
        keys_owner_is_user(target)
    }
}

/// The dashboard's keys belong to an IAM user, and to the one the setup
/// names. Bitmovin acts as the keys' owner, whatever the setup says.
fn keys_owner_is_user(target: &Target) -> Verdict {
    if subject::bitmovin_role(target).is_some() {
        return Verdict::skip(format!(
            "the account is role-based: Bitmovin holds no access keys for it{}",
            crate::checks::verdict::see("role-trust")
        ));
    }
    let principal = match keys_owner(target) {
        subject::KeysOwner::Known(principal) => principal,
        subject::KeysOwner::Unverified(why) => {
            return Verdict::unknown(format!(
                "{why}: whose keys the dashboard holds is not known"
            ));
        }
    };
    if let Some(reason) = principal.unsuitable_because() {
        return Verdict::fail(format!(
            "the dashboard's keys belong to {principal}, not to an IAM user: {reason}"
        ));
    }
    let Principal::User { name, .. } = &principal else {
        return Verdict::unknown(format!("{principal} is not an IAM user"));
    };
    match target.setup.iam_user.as_deref() {
        Some(configured) if configured != name => Verdict::fail(format!(
            "the dashboard's keys belong to IAM user {name}, but setup.iam_user is {configured}: {configured}'s policies do not apply to Bitmovin's requests; {name}'s do"
        )),
        Some(_) => Verdict::pass(format!(
            "the dashboard's keys belong to IAM user {name}, the user named in the setup"
        )),
        None => Verdict::pass(format!("the dashboard's keys belong to IAM user {name}")),
    }
}
