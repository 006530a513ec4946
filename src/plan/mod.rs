//! `audit --terraform-plan`: the JSON `terraform show -json PLANFILE`
//! prints (Terraform's documented plan representation, format 1.x), read
//! into a snapshot target, so the audit judges what the plan will build
//! before it exists. What only apply will know is left out of the evidence,
//! and so is never a pass.
//!
//! It reads the security group (`groups`: `aws_security_group` with its
//! inline `ingress` and `egress`, `aws_security_group_rule`, and
//! `aws_vpc_security_group_ingress_rule` / `…_egress_rule`) and Bitmovin's
//! IAM user (`iam`), in modules at any depth. The plan's other resources
//! (IAM groups, subnets, quotas) are not read yet: the rules about them
//! say unknown.

mod groups;
mod iam;
mod resources;

use std::path::Path;

use serde_json::{Value, json};

use crate::error::InputError;
use crate::snapshot::Target;
pub use resources::{Plan, Resource};

/// How the plan's target is chosen and placed.
#[derive(Debug, Clone, Default)]
pub struct Choice {
    /// The group Bitmovin is given, by resource address; needed only when
    /// the plan has more than one.
    pub group_address: Option<String>,
    /// The IAM user whose keys Bitmovin is given, likewise.
    pub user_address: Option<String>,
    /// The region, when the provider configuration does not state it.
    pub region: Option<String>,
    /// The target's name in the report (default: the group's address).
    pub name: Option<String>,
}

/// The plan at `path`, as a snapshot target.
pub fn load(path: &Path, choice: &Choice) -> Result<Target, InputError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError::new(path, format!("cannot read the plan: {e}")))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| InputError::json(path, &e))?;
    let plan = Plan::read(&value).map_err(|why| InputError::new(path, why))?;
    let target = target(&plan, choice).map_err(|why| InputError::new(path, why))?;
    serde_json::from_value(target).map_err(|e| {
        InputError::new(
            path,
            format!("the plan's values are not what AWS would accept: {e}"),
        )
    })
}

/// The snapshot target the plan builds: its group, as EC2 would describe it.
fn target(plan: &Plan, choice: &Choice) -> Result<Value, String> {
    let group = groups::chosen(plan, choice.group_address.as_deref())?;
    let region = choice.region.clone().or_else(|| plan.region(group)).ok_or(
        "neither the group nor its AWS provider configuration states a region: give --region (the region the plan applies to)",
    )?;
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
    aws.insert("ec2:DescribeSecurityGroups".into(), described.evidence);
    if let Some(user) = iam::chosen(plan, choice.user_address.as_deref())? {
        let (name, evidence) = iam::describe(plan, user);
        if let Some(name) = name {
            setup["iam_user"] = json!(name);
        }
        aws.extend(evidence);
    }
    Ok(json!({
        "name": choice.name.clone().unwrap_or_else(|| group.address.clone()),
        "setup": setup,
        "aws": aws,
    }))
}
