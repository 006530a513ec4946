//! `account-matches`: the keys (or, for a role-based account read from
//! Bitmovin, the role) belong to `setup.account_id`.

use serde::Deserialize;

use super::{failed_identity, missing_identity};
use crate::checks::CheckType;
use crate::checks::subject::{bitmovin_role, role_read_elsewhere};
use crate::checks::verdict::{Verdict, call_failed, not_collected};
use crate::checks::{Reads, decides_on};
use crate::findings::Resource;
use crate::output::visible;
use crate::snapshot::Target;
use crate::snapshot::aws::{Evidence, evidence};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountMatches {}

impl CheckType for AccountMatches {
    fn how_judged(&self) -> &'static str {
        "Compares the Account of sts:GetCallerIdentity, made with the dashboard's keys, with setup.account_id; for a role-based account read from Bitmovin, the account in the ARN of the role iam:GetRole read. Unknown when the keys were not tested or the role not read."
    }

    fn evidence_key(&self) -> Option<&'static str> {
        Some("sts:GetCallerIdentity")
    }

    fn reads(&self, key: &str, _name: Option<&str>) -> Reads {
        decides_on(&["sts:GetCallerIdentity", "iam:GetRole"], key)
    }

    fn resource(&self, target: &Target) -> Resource {
        crate::checks::account_resource(target)
    }

    fn evaluate(&self, target: &Target) -> Verdict {
        account_matches(target)
    }
}

fn account_matches(target: &Target) -> Verdict {
    if let Some(role) = bitmovin_role(target) {
        return role_account_matches(target, role);
    }
    let key = "sts:GetCallerIdentity";
    let identity = match evidence(target.aws.caller_identity.as_ref()) {
        Evidence::Present(identity) => identity,
        Evidence::Failed(error) => return Verdict::unknown(failed_identity(key, error)),
        Evidence::Missing => return Verdict::unknown(missing_identity(key)),
    };
    let Some(expected) = &target.setup.account_id else {
        return Verdict::unknown(
            "setup.account_id is not given, so there is nothing to compare the keys' account with",
        );
    };
    match &identity.account {
        Some(actual) if actual == expected => {
            Verdict::pass(format!("the keys belong to account {actual}"))
        }
        Some(actual) => Verdict::fail(format!(
            "the keys belong to account {actual}, but the dashboard is given account {expected}"
        )),
        None => Verdict::unknown(format!("{key} answered without an Account field")),
    }
}

/// Bitmovin assumes `arn:aws:iam::{accountNumber}:role/{roleName}`: the
/// role read must be in that account. The role is read with the auditor's
/// credentials, so a role found elsewhere says the audit read another
/// account, not that Bitmovin's setting is wrong: unknown, not fail.
fn role_account_matches(target: &Target, role: &str) -> Verdict {
    let key = "iam:GetRole";
    let shown = visible(role);
    let Some(expected) = &target.setup.account_id else {
        return Verdict::unknown("Bitmovin's AwsAccount has no accountNumber to compare with");
    };
    let answer = match evidence(target.aws.role.as_ref()) {
        Evidence::Present(answer) => answer,
        Evidence::Failed(error) => {
            return Verdict::unknown(format!(
                "{}: which account role {shown} is in is not known",
                call_failed(key, error)
            ));
        }
        Evidence::Missing => return Verdict::unknown(not_collected(key)),
    };
    if let Some(why) = role_read_elsewhere(target) {
        return Verdict::unknown(why);
    }
    let arn = answer.role.as_ref().and_then(|r| r.arn.as_deref());
    match arn.and_then(|arn| arn.split(':').nth(4)) {
        Some(actual) if actual == expected => Verdict::pass(format!(
            "role {shown} is in account {actual}, the accountNumber Bitmovin assumes it in"
        )),
        _ => Verdict::unknown(format!("{key} answered without the role's Arn")),
    }
}
