//! `account-matches`: the keys belong to `setup.account_id`.

use serde::Deserialize;

use super::{failed_identity, missing_identity};
use crate::checks::CheckType;
use crate::checks::verdict::Verdict;
use crate::checks::{Reads, decides_on};
use crate::findings::Resource;
use crate::snapshot::Target;
use crate::snapshot::aws::{Evidence, evidence};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountMatches {}

impl CheckType for AccountMatches {
    fn how_judged(&self) -> &'static str {
        "Compares the Account of sts:GetCallerIdentity, made with the dashboard's keys, with setup.account_id. Unknown when the keys were not tested."
    }

    fn evidence_key(&self) -> Option<&'static str> {
        Some("sts:GetCallerIdentity")
    }

    fn reads(&self, key: &str, _name: Option<&str>) -> Reads {
        decides_on(&["sts:GetCallerIdentity"], key)
    }

    fn resource(&self, target: &Target) -> Resource {
        crate::checks::account_resource(target)
    }

    fn evaluate(&self, target: &Target) -> Verdict {
        account_matches(target)
    }
}

fn account_matches(target: &Target) -> Verdict {
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
