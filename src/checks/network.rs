//! Where the instances start: the default VPC or the custom subnet, the
//! group's VPC, the subnet's attributes, and the encoder version that
//! custom subnets need.

pub mod default_vpc_exists;
pub mod encoder_version_at_least;
pub mod group_in_launch_vpc;
pub mod subnet_attribute;

use crate::checks::verdict::{call_failed, not_collected};
use crate::snapshot::Target;
use crate::snapshot::aws::{Evidence, Paged, Subnet, Vpc, evidence};

const SUBNET_NOT_FOUND: &str = "InvalidSubnetID.NotFound";

enum Found<'a, T> {
    Yes(&'a T),
    /// Known not to exist.
    No(String),
    Unseen(String),
}

fn default_vpc(target: &Target) -> Found<'_, Vpc> {
    let key = "ec2:DescribeVpcs";
    match evidence(target.aws.vpcs.as_ref()) {
        Evidence::Missing => Found::Unseen(not_collected(key)),
        Evidence::Failed(e) => Found::Unseen(call_failed(key, e)),
        Evidence::Present(r) => match &r.vpcs {
            None => Found::Unseen(format!("{key} answered without Vpcs")),
            Some(vpcs) => match vpcs.iter().find(|v| v.is_default) {
                Some(vpc) => Found::Yes(vpc),
                None if r.truncated() => Found::Unseen(format!(
                    "no default VPC on the first page of {key}, and the rest was not collected"
                )),
                None => Found::No(format!("{} has no default VPC", target.setup.region)),
            },
        },
    }
}

fn subnet(target: &Target) -> Found<'_, Subnet> {
    let key = "ec2:DescribeSubnets";
    let Some(id) = &target.setup.subnet_id else {
        return Found::No("no subnet is set".into());
    };
    let not_there = || format!("subnet {id} does not exist in {}", target.setup.region);
    match evidence(target.aws.subnets.as_ref()) {
        Evidence::Missing => Found::Unseen(not_collected(key)),
        Evidence::Failed(e) if e.code == SUBNET_NOT_FOUND => Found::No(not_there()),
        Evidence::Failed(e) => Found::Unseen(call_failed(key, e)),
        Evidence::Present(r) => match &r.subnets {
            None => Found::Unseen(format!("{key} answered without Subnets")),
            Some(subnets) => match subnets.iter().find(|s| &s.subnet_id == id) {
                Some(subnet) => Found::Yes(subnet),
                None => Found::No(not_there()),
            },
        },
    }
}
