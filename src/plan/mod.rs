//! `audit --terraform-plan`: the JSON `terraform show -json PLANFILE`
//! prints (Terraform's documented plan representation, format 1.x), read
//! into a snapshot target, so the audit judges what the plan will build
//! before it exists. What only apply will know is left out of the evidence,
//! and so is never a pass.
//!
//! It reads the security group (`groups`), Bitmovin's IAM user and its
//! groups (`iam`), the subnet and the default VPC (`network`) and the
//! service quotas (`quotas`), in modules at any depth; `merge` lays the
//! plan over a live snapshot, and `code` finds where each resource is
//! written.

mod code;
pub mod config;
mod groups;
mod iam;
mod merge;
mod network;
mod quotas;
mod resources;

use std::path::Path;

use serde_json::{Value, json};

use crate::error::InputError;
use crate::snapshot::Target;
use crate::snapshot::terraform::Origin;
pub use resources::{Plan, Resource, Tag};

/// How the plan's target is chosen and placed.
#[derive(Debug, Clone, Default)]
pub struct Choice {
    /// The group Bitmovin is given, by resource address; needed only when
    /// the plan has more than one.
    pub group_address: Option<String>,
    /// The IAM user whose keys Bitmovin is given, likewise.
    pub user_address: Option<String>,
    /// The subnet entered in the region settings, likewise.
    pub subnet_address: Option<String>,
    /// A tag Bitmovin's resources have, to choose among several of a kind
    /// without an address.
    pub tag: Option<Tag>,
    /// The region, when the provider configuration does not state it.
    pub region: Option<String>,
    /// The target's name in the report (default: the group's address).
    pub name: Option<String>,
    /// The root module's directory, where findings' files and lines are
    /// looked up (default: the plan file's directory).
    pub code: Option<std::path::PathBuf>,
}

/// A live account's snapshot, for what the plan does not manage.
#[derive(Debug, Clone)]
pub struct Live {
    pub path: std::path::PathBuf,
    /// The snapshot's target to use; needed when it has several in the
    /// plan's region.
    pub target: Option<String>,
}

/// The plan at `path`, as a snapshot target; over the target of `live`
/// when given.
pub fn load(path: &Path, choice: &Choice, live: Option<&Live>) -> Result<Target, InputError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError::new(path, format!("cannot read the plan: {e}")))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| InputError::json(path, &e))?;
    let plan = Plan::read(&value).map_err(|why| InputError::new(path, why))?;
    let code = match &choice.code {
        Some(dir) => code::Code::at(dir),
        // `plan.json`'s directory is "", the current one.
        None => code::Code::at(
            path.parent()
                .filter(|dir| !dir.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        ),
    };
    // Over a live snapshot, the subnet is the dashboard's (the snapshot's)
    // unless --subnet-address names the plan's.
    let choose_subnet = live.is_none() || choice.subnet_address.is_some();
    let (mut target, mut origin) =
        target(&plan, choice, &code, choose_subnet).map_err(|why| InputError::new(path, why))?;
    if let Some(live) = live {
        let region = target["setup"]["region"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let snapshot = merge::live_target(live, &region)?;
        target = merge::over(&plan, choice, target, &mut origin, snapshot)
            .map_err(|why| InputError::new(&live.path, why))?;
    }
    let refused = |e: serde_json::Error| {
        InputError::new(
            path,
            format!("the plan's values are not what AWS would accept: {e}"),
        )
    };
    let mut target: Target = serde_json::from_value(target).map_err(refused)?;
    target.terraform = Some(origin);
    Ok(target)
}

/// The snapshot target the plan builds (its group, user and groups, subnet,
/// default VPC and quotas, as AWS would describe them after apply), and
/// where each is written (`subnet` only when `choose_subnet`).
fn target(
    plan: &Plan,
    choice: &Choice,
    code: &code::Code,
    choose_subnet: bool,
) -> Result<(Value, Origin), String> {
    let group = groups::chosen(plan, choice)?;
    let region = match (plan.region(group), &choice.region) {
        (Some(stated), Some(given)) if &stated != given => {
            return Err(format!(
                "the plan makes the group in {}, not in {} (--region): give the plan's region, or leave --region out",
                crate::output::visible(&stated),
                crate::output::visible(given)
            ));
        }
        (Some(stated), _) => stated,
        (None, Some(given)) => given.clone(),
        (None, None) => return Err(
            "neither the group nor its AWS provider configuration states a region: give --region (the region the plan applies to)".into(),
        ),
    };
    if !crate::aws_format::Format::Region.accepts(&region) {
        return Err(format!(
            "the region \"{}\" is not {}",
            crate::output::visible(&region),
            crate::aws_format::Format::Region.expected()
        ));
    }
    let described = groups::describe(plan, group);
    let mut setup = json!({ "region": region });
    match (&described.id, &described.name) {
        (Some(id), _) => setup["security_group_id"] = json!(id),
        (None, Some(name)) => setup["security_group_name"] = json!(name),
        // Neither known before apply: found by the address it is described under.
        (None, None) => setup["security_group_name"] = json!(group.address),
    }
    let mut aws = serde_json::Map::new();
    let mut origin = Origin::default();
    let mut place = |key: String, resource: &Resource| {
        origin.resources.insert(key, code.written(plan, resource));
    };
    place("security_group".into(), group);
    let default_vpc = network::describe_default_vpc(plan, &region, group);
    let mut group_evidence = described.evidence;
    if let (Some((vpcs, _)), Some(described)) = (
        &default_vpc,
        group_evidence.pointer_mut("/SecurityGroups/0"),
    ) {
        // A new group given no VPC is made in the region's default VPC.
        if described.get("VpcId").is_none()
            && group.created()
            && plan.leaves_out(group, "vpc_id")
            && let Some(id) = vpcs.pointer("/Vpcs/0/VpcId")
        {
            described["VpcId"] = id.clone();
        }
    }
    aws.insert("ec2:DescribeSecurityGroups".into(), group_evidence);
    if let Some((vpcs, vpc)) = default_vpc {
        aws.insert("ec2:DescribeVpcs".into(), vpcs);
        place("default_vpc".into(), vpc);
    }
    let subnet = match choose_subnet {
        true => network::chosen_subnet(plan, choice, &region)?,
        false => None,
    };
    if let Some(subnet) = subnet {
        let (id, evidence) = network::describe_subnet(plan, subnet);
        setup["subnet_id"] = json!(id);
        aws.insert("ec2:DescribeSubnets".into(), evidence);
        place("subnet".into(), subnet);
    }
    let (quotas, quota_resources) = quotas::describe(plan, &region, group);
    if let Some(quotas) = quotas {
        aws.insert("servicequotas:GetServiceQuota".into(), quotas);
    }
    for (key, quota) in quota_resources {
        place(format!("quota:{key}"), quota);
    }
    // Policies' documents by ARN, whoever they are attached to: a live
    // snapshot's older versions give way to them.
    let versions = iam::policy_versions(plan);
    if !versions.is_empty() {
        aws.insert("iam:GetPolicyVersion".into(), Value::Object(versions));
    }
    if let Some(user) = iam::chosen(plan, choice)? {
        let (name, evidence) = iam::describe(plan, user);
        if let Some(name) = name {
            setup["iam_user"] = json!(name);
        }
        for (key, value) in evidence {
            match (aws.get_mut(&key), value) {
                // The documents the user's attachments found join the plan's others.
                (Some(Value::Object(known)), Value::Object(more)) => known.extend(more),
                (_, value) => {
                    aws.insert(key, value);
                }
            }
        }
        place("iam_user".into(), user);
    }
    if let Some(written) = origin.resources.get_mut("security_group") {
        written.inline = groups::inline_directions(plan, group);
    }
    origin.removed = described.removed;
    let target = json!({
        "name": choice.name.clone().unwrap_or_else(|| group.address.clone()),
        "setup": setup,
        "aws": aws,
    });
    Ok((target, origin))
}
