//! Where the instances start: the default VPC or the custom subnet, the
//! group's VPC, the subnet's attributes, and the encoder version that
//! custom subnets need.

use super::{Verdict, call_failed, not_collected};
use crate::findings::FixData;
use crate::rules::check::{EncoderVersionAtLeast, SubnetAttribute, SubnetAttributeName};
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

pub fn default_vpc_exists(target: &Target) -> Verdict {
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

pub fn group_in_launch_vpc(target: &Target) -> Verdict {
    let group_vpc = match super::sg::group_vpc(target) {
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
            Found::No(why) => return Verdict::skip(format!("{why} (see subnet-public-ip)")),
            Found::Unseen(why) => return Verdict::unknown(why),
        }
    } else {
        match default_vpc(target) {
            Found::Yes(v) => (&v.vpc_id, "the default VPC".to_string()),
            Found::No(why) => return Verdict::skip(format!("{why} (see vpc-default-exists)")),
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

pub fn subnet_attribute(check: &SubnetAttribute, target: &Target) -> Verdict {
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

pub fn encoder_version_at_least(check: &EncoderVersionAtLeast, target: &Target) -> Verdict {
    let have = &target.setup.encoder_version;
    if have.at_least(&check.version) {
        Verdict::pass(format!("encoder {have} is {} or newer", check.version))
    } else {
        Verdict::fail(format!("encoder {have} is older than {}", check.version))
    }
}
