//! `subnet-attribute`: an attribute of the setup's subnet has the expected value.

use serde::Deserialize;

use super::{Found, subnet};
use crate::checks::CheckType;
use crate::checks::verdict::Verdict;
use crate::checks::{Reads, decides_on};
use crate::findings::{FixData, Resource};
use crate::snapshot::Target;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SubnetAttributeName {
    MapPublicIpOnLaunch,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubnetAttribute {
    pub attribute: SubnetAttributeName,
    pub expected: bool,
}

impl CheckType for SubnetAttribute {
    fn how_judged(&self) -> &'static str {
        "Reads the attribute of setup.subnet_id from ec2:DescribeSubnets."
    }

    fn evidence_key(&self) -> Option<&'static str> {
        Some("ec2:DescribeSubnets")
    }

    fn reads(&self, key: &str, _name: Option<&str>) -> Reads {
        decides_on(&["ec2:DescribeSubnets"], key)
    }

    fn resource(&self, target: &Target) -> Resource {
        Resource::Subnet {
            subnet_id: target.setup.subnet_id.clone(),
        }
    }

    fn evaluate(&self, target: &Target) -> Verdict {
        subnet_attribute(self, target)
    }
}

fn subnet_attribute(check: &SubnetAttribute, target: &Target) -> Verdict {
    let subnet = match subnet(target) {
        Found::Yes(s) => s,
        Found::No(why) => return Verdict::fail(why),
        Found::Unseen(why) => return Verdict::unknown(why),
    };
    let (name, value) = match check.attribute {
        SubnetAttributeName::MapPublicIpOnLaunch => {
            ("MapPublicIpOnLaunch", subnet.map_public_ip_on_launch)
        }
    };
    match value {
        Some(v) if v == check.expected => {
            Verdict::pass(format!("{name} is {v} on {}", subnet.subnet_id))
        }
        Some(v) => Verdict::fail(format!(
            "{name} is {v} on {} (must be {})",
            subnet.subnet_id, check.expected
        ))
        .with_fix(FixData::SubnetPublicIp {
            subnet_id: subnet.subnet_id.clone(),
        }),
        None => Verdict::unknown(format!(
            "the snapshot does not show {name} for {}",
            subnet.subnet_id
        )),
    }
}
