//! The fix for a finding about a resource of a Terraform plan, as the
//! Terraform to write in that resource's module. The plan's resources are
//! referred to as the module refers to them (`aws_security_group.encoders.id`),
//! so no id that only apply will know is needed; plan text becomes code
//! only as a checked reference or an HCL string literal.

use std::sync::LazyLock;

use regex::Regex;

use super::{
    GroupRef, attributes, check_permission, comment, hcl_string, ident, one_line,
    rule_resource_kind, rule_resources,
};
use crate::findings::FixData;
use crate::net::Permission;
use crate::snapshot::terraform::{Direction, Written};

/// A module's reference to its own resource: `TYPE.NAME`, with `[0]` or a
/// plain `["key"]` instance key; any other address is not written as code.
static LOCAL_REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"^[a-z][a-z0-9_]*\.[A-Za-z_][A-Za-z0-9_-]*(\[([0-9]+|"[A-Za-z0-9_.:/-]*")\])?$"#)
        .expect("the reference pattern is valid")
});

/// How the resource's own module refers to it; `None` when it cannot be
/// written as a reference.
fn reference(written: &Written) -> Option<&str> {
    let local = match &written.module {
        Some(module) => written.address.strip_prefix(module)?.strip_prefix('.')?,
        None => written.address.as_str(),
    };
    LOCAL_REFERENCE.is_match(local).then_some(local)
}

/// The Terraform for `fix` in the module of the resource at `written`, or
/// `None` when the fix is not one the code can say.
pub fn in_code(rule: &str, fix: &FixData, written: &Written) -> Option<String> {
    let reference = reference(written)?;
    let kind = reference.split('.').next().unwrap_or_default();
    let base = ident(&[rule]);
    let mut out = String::new();
    let mut counter = 0;
    match fix {
        FixData::Ingress {
            group_id,
            permissions,
        }
        | FixData::Egress {
            group_id,
            permissions,
        } => {
            let (direction, block) = match fix {
                FixData::Ingress { .. } => (Direction::Ingress, "ingress"),
                _ => (Direction::Egress, "egress"),
            };
            let group = GroupRef {
                id: group_id,
                expression: format!("{reference}.id"),
            };
            // A group that writes this direction's rules inline gets a block
            // inside it: the provider revokes rule resources beside them.
            let inline = written.inline.contains(&direction);
            if inline {
                out.push_str(&format!("# Add inside {reference}:\n"));
            }
            for permission in permissions {
                // Every value but the group itself must be in its AWS format.
                let others = Permission {
                    group_ids: permission
                        .group_ids
                        .iter()
                        .filter(|g| *g != group_id)
                        .cloned()
                        .collect(),
                    ..permission.clone()
                };
                check_permission(&others).ok()?;
                if inline {
                    out.push_str(&inline_block(block, rule, permission, &others));
                } else {
                    out.push_str(&rule_resources(
                        rule_resource_kind(fix),
                        &base,
                        None,
                        &group,
                        rule,
                        permission,
                        &mut counter,
                    ));
                }
            }
        }
        FixData::Revoke { permissions, .. } => {
            out.push_str("# Remove from the group's rules (inline or rule resources):\n");
            for permission in permissions {
                out.push_str(&format!(
                    "#   {}\n",
                    one_line(&serde_json::to_string(permission).ok()?)
                ));
            }
        }
        FixData::UserPolicy { document, .. } if kind == "aws_iam_user" => {
            out.push_str(&format!(
                "resource \"aws_iam_user_policy\" \"{base}\" {{\n  name   = \"bitmovin-cloud-connect-guide-policy\"\n  user   = {reference}.name\n  policy = {}\n}}\n",
                hcl_string(document)
            ));
        }
        FixData::Quota { value, .. } if kind == "aws_servicequotas_service_quota" => {
            out.push_str(&format!(
                "# In {reference}, request at least this (AWS grants an increase after apply,\n# or not; until it does, the quota is judged on its current value):\nvalue = {value}\n"
            ));
        }
        FixData::Quota {
            service_code,
            quota_code,
            value,
        } => {
            out.push_str(&format!(
                "resource \"aws_servicequotas_service_quota\" \"{base}\" {{\n  service_code = {}\n  quota_code   = {}\n  value        = {value}\n}}\n",
                hcl_string(service_code),
                hcl_string(quota_code)
            ));
        }
        FixData::DefaultVpc if kind == "aws_default_vpc" => {
            out.push_str(&comment(
                &format!("Keep {reference} in the configuration: destroying it with force_destroy = true deletes the default VPC."),
                "# ",
            ));
        }
        FixData::SubnetPublicIp { .. } if kind == "aws_subnet" => {
            out.push_str(&format!(
                "# In {reference}:\nmap_public_ip_on_launch = true\n"
            ));
        }
        _ => return None,
    }
    Some(out)
}

/// One inline rule block (`ingress { … }`) for `permission`; `others` is
/// it without the group itself, which is `self = true`.
fn inline_block(block: &str, rule: &str, permission: &Permission, others: &Permission) -> String {
    let list = |items: Vec<&String>| {
        let quoted: Vec<String> = items.into_iter().map(|i| hcl_string(i)).collect();
        format!("[{}]", quoted.join(", "))
    };
    let (v6, v4): (Vec<&String>, Vec<&String>) = others.cidrs.iter().partition(|c| c.contains(':'));
    let mut pairs = vec![
        (
            "description",
            hcl_string(&format!("Bitmovin Cloud Connect ({rule})")),
        ),
        ("protocol", hcl_string(&permission.protocol)),
        ("from_port", permission.from_port.unwrap_or(0).to_string()),
        ("to_port", permission.to_port.unwrap_or(0).to_string()),
    ];
    if !v4.is_empty() {
        pairs.push(("cidr_blocks", list(v4)));
    }
    if !v6.is_empty() {
        pairs.push(("ipv6_cidr_blocks", list(v6)));
    }
    if !others.group_ids.is_empty() {
        pairs.push(("security_groups", list(others.group_ids.iter().collect())));
    }
    if others.group_ids.len() < permission.group_ids.len() {
        pairs.push(("self", "true".to_string()));
    }
    format!("{block} {{\n{}}}\n", attributes(&pairs, "  "))
}
