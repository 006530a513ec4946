//! `group-in-launch-vpc`: the group lives in the VPC the instances are launched into.

use serde::Deserialize;

use super::{Found, default_vpc, subnet};
use crate::checks::CheckType;
use crate::checks::verdict::{Verdict, see};
use crate::checks::{Reads, decides_on};
use crate::findings::Resource;
use crate::snapshot::Target;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupInLaunchVpc {}

impl CheckType for GroupInLaunchVpc {
    fn how_judged(&self) -> &'static str {
        "Compares the group's VpcId with the VPC the instances start in: the subnet's VPC, or the default VPC."
    }

    fn evidence_key(&self) -> Option<&'static str> {
        Some(crate::checks::sg::KEY)
    }

    fn reads(&self, key: &str, _name: Option<&str>) -> Reads {
        // The group's VPC, and the VPC the instances start in.
        let keys = [
            crate::checks::sg::KEY,
            "ec2:DescribeVpcs",
            "ec2:DescribeSubnets",
        ];
        decides_on(&keys, key)
    }

    fn resource(&self, target: &Target) -> Resource {
        crate::checks::group_resource(target)
    }

    fn evaluate(&self, target: &Target) -> Verdict {
        group_in_launch_vpc(target)
    }
}

fn group_in_launch_vpc(target: &Target) -> Verdict {
    let group_vpc = match crate::checks::sg::group_vpc(target) {
        Ok(Some(vpc)) => vpc,
        Ok(None) => return Verdict::unknown("the group's VpcId is not in the snapshot"),
        Err(verdict) => return verdict,
    };
    let (launch_vpc, what) = if target.setup.subnet_id.is_some() {
        match subnet(target) {
            Found::Yes(s) => match &s.vpc_id {
                Some(vpc) => (vpc, format!("subnet {}", s.subnet_id)),
                None => return Verdict::unknown("the subnet's VpcId is not in the snapshot"),
            },
            Found::No(why) => return Verdict::skip(format!("{why}{}", see("subnet-attribute"))),
            Found::Unseen(why) => return Verdict::unknown(why),
        }
    } else {
        match default_vpc(target) {
            Found::Yes(v) => (&v.vpc_id, "the default VPC".to_string()),
            Found::No(why) => return Verdict::skip(format!("{why}{}", see("default-vpc-exists"))),
            Found::Unseen(why) => return Verdict::unknown(why),
        }
    };
    if group_vpc == launch_vpc {
        Verdict::pass(format!("the group is in {launch_vpc}, like {what}"))
    } else {
        Verdict::fail(format!(
            "the group is in {group_vpc}, but instances start in {launch_vpc} ({what})"
        ))
    }
}
