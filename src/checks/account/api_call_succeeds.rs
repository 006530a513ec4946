//! `api-call-succeeds`: a collected call succeeded; listed error codes mean `fail`.

use serde::Deserialize;

use super::{erase, missing_identity};
use crate::checks::CheckType;
use crate::checks::subject::bitmovin_role;
use crate::checks::verdict::{Verdict, call_failed, see};
use crate::checks::{Reads, decides_on};
use crate::findings::Resource;
use crate::snapshot::Target;
use crate::snapshot::aws::{Evidence, evidence};

/// The snapshot keys a rule may name in `api-call-succeeds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum CallKey {
    #[serde(rename = "sts:GetCallerIdentity")]
    GetCallerIdentity,
    #[serde(rename = "ec2:DescribeSecurityGroups")]
    DescribeSecurityGroups,
    #[serde(rename = "iam:GetUser")]
    GetUser,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiCallSucceeds {
    pub call: CallKey,
    /// Error codes that prove the requirement does not hold.
    pub failing_codes: Vec<String>,
}

impl CallKey {
    pub fn as_str(self) -> &'static str {
        match self {
            CallKey::GetCallerIdentity => "sts:GetCallerIdentity",
            CallKey::DescribeSecurityGroups => "ec2:DescribeSecurityGroups",
            CallKey::GetUser => "iam:GetUser",
        }
    }
}

impl CheckType for ApiCallSucceeds {
    fn how_judged(&self) -> &'static str {
        "Pass when the named call succeeded (with the fields a success carries); fail on the listed error codes; unknown when the call was not made or failed for another reason."
    }

    fn evidence_key(&self) -> Option<&'static str> {
        Some(self.call.as_str())
    }

    fn reads(&self, key: &str, _name: Option<&str>) -> Reads {
        decides_on(&[self.call.as_str()], key)
    }

    fn resource(&self, target: &Target) -> Resource {
        crate::checks::account_resource(target)
    }

    fn evaluate(&self, target: &Target) -> Verdict {
        api_call_succeeds(self, target)
    }
}

fn api_call_succeeds(check: &ApiCallSucceeds, target: &Target) -> Verdict {
    if check.call == CallKey::GetCallerIdentity && bitmovin_role(target).is_some() {
        // The call tests the dashboard's keys; a role-based account has none.
        return Verdict::skip(format!(
            "the account is role-based: Bitmovin holds no access keys for it{}",
            see("role-trust")
        ));
    }
    let aws = &target.aws;
    // A success must carry what AWS always returns with it; an empty answer
    // is broken evidence, not a success.
    let (outcome, complete): (Evidence<'_, ()>, bool) = match check.call {
        CallKey::GetCallerIdentity => {
            let e = evidence(aws.caller_identity.as_ref());
            let complete =
                matches!(e, Evidence::Present(r) if r.arn.is_some() && r.account.is_some());
            (erase(e), complete)
        }
        CallKey::DescribeSecurityGroups => {
            let e = evidence(aws.security_groups.as_ref());
            let complete = matches!(e, Evidence::Present(r) if r.security_groups.is_some());
            (erase(e), complete)
        }
        CallKey::GetUser => {
            let e = evidence(aws.user.as_ref());
            let complete = matches!(e, Evidence::Present(r) if r.user.is_some());
            (erase(e), complete)
        }
    };
    let key = check.call.as_str();
    match outcome {
        Evidence::Present(_) if !complete => Verdict::unknown(format!(
            "{key} answered without the fields a success carries"
        )),
        Evidence::Present(_) => Verdict::pass(format!("{key} succeeded")),
        Evidence::Failed(error) if check.failing_codes.contains(&error.code) => Verdict::fail(
            format!("{key} was refused with {}: {}", error.code, error.message),
        ),
        Evidence::Failed(error) => Verdict::unknown(call_failed(key, error)),
        Evidence::Missing => Verdict::unknown(missing_identity(key)),
    }
}
