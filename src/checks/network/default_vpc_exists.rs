//! `default-vpc-exists`: the region has a default VPC.

use serde::Deserialize;

use super::{Found, default_vpc};
use crate::checks::CheckType;
use crate::checks::verdict::Verdict;
use crate::checks::{Reads, decides_on};
use crate::findings::{FixData, Resource};
use crate::snapshot::Target;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultVpcExists {}

impl CheckType for DefaultVpcExists {
    fn how_judged(&self) -> &'static str {
        "Pass when ec2:DescribeVpcs shows a VPC with IsDefault true in the region."
    }

    fn evidence_key(&self) -> Option<&'static str> {
        Some("ec2:DescribeVpcs")
    }

    fn reads(&self, key: &str, _name: Option<&str>) -> Reads {
        decides_on(&["ec2:DescribeVpcs"], key)
    }

    fn resource(&self, target: &Target) -> Resource {
        Resource::DefaultVpc {
            region: target.setup.region.clone(),
        }
    }

    fn evaluate(&self, target: &Target) -> Verdict {
        default_vpc_exists(target)
    }
}

fn default_vpc_exists(target: &Target) -> Verdict {
    match default_vpc(target) {
        Found::Yes(vpc) => Verdict::pass(format!(
            "default VPC {} exists in {}",
            vpc.vpc_id, target.setup.region
        )),
        Found::No(why) => Verdict::fail(format!(
            "{why}, and no subnet is set, so instances cannot be placed"
        ))
        .with_fix(FixData::DefaultVpc),
        Found::Unseen(why) => Verdict::unknown(why),
    }
}
