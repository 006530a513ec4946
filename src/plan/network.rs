//! Where the plan's instances start: the subnet Bitmovin is given
//! (`aws_subnet`) and the region's default VPC (`aws_default_vpc`), as EC2
//! would describe them once applied. A VPC id only apply will know is the
//! VPC's address, so a group and a subnet of the same new VPC match.

use serde_json::{Value, json};

use super::resources::{Plan, Resource, choose};

const SUBNET: &str = "aws_subnet";
const DEFAULT_VPC: &str = "aws_default_vpc";
/// What a `vpc_id` refers to.
pub const VPCS: [&str; 2] = ["aws_vpc", DEFAULT_VPC];

/// Bitmovin's subnet: the one at `address`, or the plan's only one that may
/// be in the group's region; `None` when it makes none (instances then
/// start in the default VPC).
pub fn chosen_subnet<'p>(
    plan: &'p Plan,
    choice: &super::Choice,
    region: &str,
) -> Result<Option<&'p Resource>, String> {
    let by = (choice.subnet_address.as_deref(), choice.tag.as_ref());
    // One whose region cannot be told may be in the group's.
    choose(plan, SUBNET, by, "--subnet-address", |r| {
        plan.region(r).is_none_or(|own| own == region)
    })
}

/// The subnet's id for the setup (its address until apply gives one), and
/// the `ec2:DescribeSubnets` answer.
pub fn describe_subnet(plan: &Plan, subnet: &Resource) -> (String, Value) {
    let id = subnet
        .known("id")
        .and_then(Value::as_str)
        .map_or_else(|| subnet.address.clone(), str::to_string);
    if subnet.destroyed {
        // After apply, EC2 knows no such subnet.
        return (id, json!({ "Subnets": [] }));
    }
    let mut described = json!({ "SubnetId": id });
    if let Some(vpc) = plan.id_of(subnet, "vpc_id", &VPCS) {
        described["VpcId"] = json!(vpc);
    }
    if let Some(public) = subnet
        .known("map_public_ip_on_launch")
        .and_then(Value::as_bool)
    {
        described["MapPublicIpOnLaunch"] = json!(public);
    }
    (id, json!({ "Subnets": [described] }))
}

/// The `ec2:DescribeVpcs` answer for the region's default VPC, when the
/// plan manages it (`aws_default_vpc` adopts the default VPC, or creates
/// one where there is none; destroying it deletes the VPC only with
/// `force_destroy`), with the resource. `None` when the plan does not say.
pub fn describe_default_vpc<'p>(
    plan: &'p Plan,
    region: &str,
    group: &Resource,
) -> Option<(Value, &'p Resource)> {
    if default_vpc_unsure(plan, region, group) {
        return None;
    }
    let managed: Vec<&Resource> = plan
        .resources
        .iter()
        .filter(|r| r.kind == DEFAULT_VPC && plan.in_region(r, region, group))
        .collect();
    let [vpc] = managed[..] else {
        return None;
    };
    let id = vpc
        .known("id")
        .and_then(Value::as_str)
        .map_or_else(|| vpc.address.clone(), str::to_string);
    let exists = json!({ "Vpcs": [{ "VpcId": id, "IsDefault": true }] });
    if !vpc.destroyed {
        return Some((exists, vpc));
    }
    match vpc.values.get("force_destroy").and_then(Value::as_bool) {
        Some(true) => Some((json!({ "Vpcs": [] }), vpc)),
        // Only forgotten by Terraform: the VPC stays.
        Some(false) => Some((exists, vpc)),
        None => None,
    }
}

/// Whether the plan changes an `aws_default_vpc` whose region cannot be
/// told (a provider with a region from a variable): it may be the target's.
pub fn default_vpc_unsure(plan: &Plan, region: &str, group: &Resource) -> bool {
    plan.resources.iter().any(|r| {
        r.kind == DEFAULT_VPC
            && !r.unchanged()
            && plan.region(r).is_none()
            && !plan.in_region(r, region, group)
    })
}

/// Whether the plan changes, replaces or destroys the subnet of id `id`
/// (an `aws_subnet`, or an `aws_default_subnet` it manages): a live
/// snapshot's answer for it is then stale.
pub fn changes_subnet(plan: &Plan, id: &str) -> bool {
    plan.resources.iter().any(|r| {
        [SUBNET, "aws_default_subnet"].contains(&r.kind.as_str())
            && !r.unchanged()
            && [&r.before, &r.values]
                .iter()
                .any(|values| values.get("id").and_then(Value::as_str) == Some(id))
    })
}
