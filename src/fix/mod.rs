//! `ccaudit fix`: the commands that fix every failing finding, as a
//! commented shell script of `aws` commands or as Terraform resources.
//! Nothing that widens access is emitted; what removes access or creates a
//! secret is printed commented out, with the reason.

mod in_code;

use std::collections::BTreeSet;

use crate::aws_format::{Format, Malformed, check};
use crate::findings::FixCaution;
use crate::findings::{Finding, FixData, Outcome, TargetReport};
use crate::net::Permission;
pub use in_code::in_code;

fn failing<'r, 'a>(target: &'r TargetReport<'a>) -> Vec<&'r Finding<'a>> {
    let mut list: Vec<&Finding> = target
        .findings
        .iter()
        .filter(|f| f.outcome == Outcome::Fail)
        .collect();
    list.sort_by_key(|f| std::cmp::Reverse(f.severity));
    list
}

fn selected<'r, 'a>(
    targets: &'r [TargetReport<'a>],
    target: Option<&str>,
) -> Vec<&'r TargetReport<'a>> {
    targets
        .iter()
        .filter(|t| target.is_none_or(|name| t.name == name))
        .collect()
}

/// Snapshot text on one comment line: no line break can end the comment,
/// and control characters are shown escaped (`\u{1b}`), not sent.
fn one_line(text: &str) -> String {
    crate::output::visible(text).into_owned()
}

/// Text as comment lines: every line starts with `prefix`, and control
/// characters in it (a CR, an ESC) are shown escaped.
fn comment(text: &str, prefix: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| format!("{prefix}{}\n", one_line(l)).replace(&format!("{prefix}\n"), "#\n"))
        .collect()
}

/// Placeholders left unfilled (`<iam_user>`): the command cannot run as is.
fn missing_values(command: &str) -> Vec<String> {
    let mut names = BTreeSet::new();
    let mut rest = command;
    while let Some(start) = rest.find('<') {
        let Some(len) = rest[start + 1..].find('>') else {
            break;
        };
        let name = &rest[start + 1..start + 1 + len];
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            names.insert(name.to_string());
        }
        rest = &rest[start + 1..];
    }
    names.into_iter().collect()
}

pub fn shell(targets: &[TargetReport<'_>], source: &str, target: Option<&str>) -> String {
    // The snapshot's file name is the customer's too: one comment line.
    let source = one_line(source);
    let mut out = format!(
        "#!/bin/sh\n\
         # Fixes for the failing findings of {source}, written by ccaudit {}.\n\
         # Read each command before running it. Commands that remove access or\n\
         # create secrets are commented out; commands that would widen access\n\
         # are not emitted.\n\
         set -eu\n",
        env!("CARGO_PKG_VERSION")
    );
    let mut any = false;
    // Targets sharing a group or an account need a command once: a second
    // identical authorize or quota request would fail and stop the script.
    let mut emitted: BTreeSet<String> = BTreeSet::new();
    for t in selected(targets, target) {
        let fixes = failing(t);
        if fixes.is_empty() {
            continue;
        }
        any = true;
        out.push_str(&format!(
            "\n# ==== {} ({}, {}) ====\n",
            one_line(&t.name),
            one_line(t.account_id.as_deref().unwrap_or("account not given")),
            one_line(&t.region)
        ));
        for f in fixes {
            out.push_str(&format!("\n# [{}] {}: {}\n", f.rule, f.severity, f.title));
            out.push_str(&comment(&one_line(&f.detail), "#   "));
            let Some(command) = &f.fix_command else {
                out.push_str("# No command for this one; by hand:\n");
                out.push_str(&comment(f.fix.as_deref().unwrap_or(""), "#   "));
                continue;
            };
            let missing = missing_values(command);
            match f.fix_caution {
                Some(FixCaution::WidensAccess) => {
                    out.push_str("# Not emitted: the fix would open access beyond Bitmovin's addresses. By hand:\n");
                    out.push_str(&comment(f.fix.as_deref().unwrap_or(""), "#   "));
                }
                // A commented command stays one comment line, whatever it holds.
                Some(caution) => {
                    out.push_str(&format!("# {}\n# {}\n", caution.note(), one_line(command)));
                }
                None if !missing.is_empty() => {
                    out.push_str(&format!(
                        "# Fill in {} (not in the snapshot), then uncomment:\n# {}\n",
                        missing.join(", "),
                        one_line(command)
                    ));
                }
                None if !emitted.insert(command.clone()) => {
                    out.push_str("# Same command as above (the group or quota is shared).\n");
                }
                None => out.push_str(&format!("{command}\n")),
            }
        }
    }
    if !any {
        out.push_str("\n# Nothing to fix: no finding fails.\n");
    }
    out
}

/// A Terraform identifier from free text.
fn ident(parts: &[&str]) -> String {
    let joined = parts.join("_");
    let mut id: String = joined
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if id.starts_with(|c: char| c.is_ascii_digit()) {
        id.insert(0, 't');
    }
    id
}

/// A Terraform string literal, in HCL's own escapes (`\n`, `\"`, `\\`,
/// `\uNNNN` for any other control or bidirectional character), plus `$${`
/// and `%%{` so that neither an interpolation nor a template directive can
/// start.
fn hcl_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || crate::output::is_bidi_control(c) => {
                out.push_str(&format!("\\u{:04X}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out.replace("${", "$${").replace("%{", "%%{")
}

/// Every value of `permission` in its AWS format, or the first that is not.
fn check_permission(permission: &Permission) -> Result<(), Malformed> {
    check(Format::IpProtocol, "IpProtocol", &permission.protocol)?;
    for cidr in &permission.cidrs {
        check(Format::Cidr, "CIDR", cidr)?;
    }
    for group in &permission.group_ids {
        check(Format::SecurityGroupId, "GroupId", group)?;
    }
    Ok(())
}

/// The values a fix writes into resources, each checked against its AWS
/// format; the first that fails keeps the resource from being written.
fn check_fix_values(region: &str, fix: Option<&FixData>) -> Result<(), Malformed> {
    check(Format::Region, "region", region)?;
    match fix {
        Some(FixData::Ingress {
            group_id,
            permissions,
        })
        | Some(FixData::Egress {
            group_id,
            permissions,
        }) => {
            check(Format::SecurityGroupId, "security_group_id", group_id)?;
            permissions.iter().try_for_each(check_permission)
        }
        Some(FixData::UserPolicy {
            user: Some(user),
            document,
        }) => {
            check(Format::IamName, "iam_user", user)?;
            check(Format::PolicyDocument, "policy document", document)
        }
        Some(FixData::RolePolicy { role, document }) => {
            check(Format::IamName, "role", role)?;
            check(Format::PolicyDocument, "policy document", document)
        }
        Some(FixData::Quota {
            service_code,
            quota_code,
            ..
        }) => {
            check(Format::ServiceCode, "service_code", service_code)?;
            check(Format::QuotaCode, "quota_code", quota_code)
        }
        _ => Ok(()),
    }
}

/// One Terraform security-group rule resource per source of `permission`.
/// The group rules are written for: its id, and the HCL expression that
/// names it (a string literal, or a plan's reference to its resource).
struct GroupRef<'a> {
    id: &'a str,
    expression: String,
}

impl<'a> GroupRef<'a> {
    fn literal(id: &'a str) -> Self {
        GroupRef {
            id,
            expression: hcl_string(id),
        }
    }

    /// A source group: the group itself by its expression, another by id.
    fn source(&self, group: &str) -> String {
        if group == self.id {
            self.expression.clone()
        } else {
            hcl_string(group)
        }
    }
}

/// The rule resource that adds an `Ingress` or `Egress` fix's permissions.
fn rule_resource_kind(fix: &FixData) -> &'static str {
    match fix {
        FixData::Egress { .. } => "aws_vpc_security_group_egress_rule",
        _ => "aws_vpc_security_group_ingress_rule",
    }
}

fn rule_resources(
    kind: &str,
    base: &str,
    provider: Option<&str>,
    group: &GroupRef<'_>,
    rule: &str,
    permission: &Permission,
    counter: &mut usize,
) -> String {
    let mut out = String::new();
    let sources = permission
        .cidrs
        .iter()
        .map(|c| {
            let key = if c.contains(':') {
                "cidr_ipv6"
            } else {
                "cidr_ipv4"
            };
            (key, hcl_string(c))
        })
        .chain(
            permission
                .group_ids
                .iter()
                .map(|g| ("referenced_security_group_id", group.source(g))),
        );
    for (key, value) in sources {
        *counter += 1;
        let mut pairs = Vec::new();
        if let Some(provider) = provider {
            pairs.push(("provider", provider.to_string()));
        }
        pairs.push(("security_group_id", group.expression.clone()));
        pairs.push(("ip_protocol", hcl_string(&permission.protocol)));
        if let (Some(from), Some(to)) = (permission.from_port, permission.to_port) {
            pairs.push(("from_port", from.to_string()));
            pairs.push(("to_port", to.to_string()));
        }
        pairs.push((key, value));
        pairs.push((
            "description",
            hcl_string(&format!("Bitmovin Cloud Connect ({rule})")),
        ));
        out.push_str(&format!("resource \"{kind}\" \"{base}_{counter}\" {{\n"));
        out.push_str(&attributes(&pairs, "  "));
        out.push_str("}\n\n");
    }
    out
}

/// A block's attributes as `terraform fmt` writes them: each `=` aligned
/// one space after the longest name.
fn attributes(pairs: &[(&str, String)], indent: &str) -> String {
    let width = pairs.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    pairs
        .iter()
        .map(|(name, value)| format!("{indent}{name:<width$} = {value}\n"))
        .collect()
}

fn provider_alias(region: &str) -> String {
    ident(&[region])
}

/// Terraform for the failing findings. It fails only if a permission to
/// revoke cannot be written as JSON for its comment.
pub fn terraform(
    targets: &[TargetReport<'_>],
    target: Option<&str>,
) -> Result<String, serde_json::Error> {
    let targets = selected(targets, target);
    let mut out = format!(
        "# Fixes for the failing findings, written by ccaudit {}. Review before `terraform apply`.\n\
         # Resources that remove access or would widen it are not emitted; see the comments.\n\n",
        env!("CARGO_PKG_VERSION")
    );
    // A provider block only for a real region name: a snapshot's region
    // is data, and a malformed one leaves its targets' resources unwritten.
    let regions: BTreeSet<&str> = targets
        .iter()
        .filter(|t| !failing(t).is_empty())
        .map(|t| t.region.as_str())
        .filter(|region| Format::Region.accepts(region))
        .collect();
    for region in &regions {
        out.push_str(&format!(
            "provider \"aws\" {{\n  alias  = \"{}\"\n  region = {}\n}}\n\n",
            provider_alias(region),
            hcl_string(region)
        ));
    }
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut any = false;
    for t in targets {
        let provider = format!("aws.{}", provider_alias(&t.region));
        for f in failing(t) {
            any = true;
            // Names that differ only in punctuation must not collide.
            let mut base = ident(&[&t.name, f.rule]);
            let stem = base.clone();
            let mut n = 1;
            while !used.insert(base.clone()) {
                n += 1;
                base = format!("{stem}_{n}");
            }
            out.push_str(&format!(
                "# {} — [{}] {}\n",
                one_line(&t.name),
                f.rule,
                f.title
            ));
            out.push_str(&comment(&one_line(&f.detail), "#   "));
            let mut counter = 0;
            if let Err(bad) = check_fix_values(&t.region, f.fix_data.as_deref()) {
                out.push_str(&format!(
                    "# Not emitted: the snapshot's {}. Check the value in the AWS console and write this resource by hand.\n\n",
                    one_line(&bad.describe())
                ));
                continue;
            }
            match (f.fix_data.as_deref(), f.fix_caution) {
                (_, Some(FixCaution::WidensAccess)) => {
                    out.push_str("# Not emitted: it would open access beyond Bitmovin's addresses. By hand:\n");
                    out.push_str(&comment(f.fix.as_deref().unwrap_or(""), "#   "));
                    out.push('\n');
                }
                (
                    Some(
                        data @ (FixData::Ingress {
                            group_id,
                            permissions,
                        }
                        | FixData::Egress {
                            group_id,
                            permissions,
                        }),
                    ),
                    _,
                ) => {
                    for p in permissions {
                        out.push_str(&rule_resources(
                            rule_resource_kind(data),
                            &base,
                            Some(&provider),
                            &GroupRef::literal(group_id),
                            f.rule,
                            p,
                            &mut counter,
                        ));
                    }
                }
                (
                    Some(FixData::Revoke {
                        group_id,
                        permissions,
                    }),
                    _,
                ) => {
                    out.push_str(&format!(
                        "# Review first: remove these inbound rules of {} from wherever they are defined\n# (Terraform cannot revoke rules it does not manage):\n",
                        one_line(group_id)
                    ));
                    for p in permissions {
                        out.push_str(&format!("#   {}\n", one_line(&serde_json::to_string(p)?)));
                    }
                    out.push('\n');
                }
                (
                    Some(FixData::UserPolicy {
                        user: Some(user),
                        document,
                    }),
                    _,
                ) => {
                    out.push_str(&format!(
                        "resource \"aws_iam_user_policy\" \"{base}\" {{\n  provider = {provider}\n  name     = \"bitmovin-cloud-connect-guide-policy\"\n  user     = {}\n  policy   = {}\n}}\n\n",
                        hcl_string(user),
                        hcl_string(document)
                    ));
                }
                (Some(FixData::RolePolicy { role, document }), _) => {
                    out.push_str(&format!(
                        "resource \"aws_iam_role_policy\" \"{base}\" {{\n  provider = {provider}\n  name     = \"bitmovin-cloud-connect-guide-policy\"\n  role     = {}\n  policy   = {}\n}}\n\n",
                        hcl_string(role),
                        hcl_string(document)
                    ));
                }
                (
                    Some(FixData::Quota {
                        service_code,
                        quota_code,
                        value,
                    }),
                    _,
                ) => {
                    out.push_str(&format!(
                        "resource \"aws_servicequotas_service_quota\" \"{base}\" {{\n  provider     = {provider}\n  service_code = {}\n  quota_code   = {}\n  value        = {value}\n}}\n\n",
                        hcl_string(service_code),
                        hcl_string(quota_code)
                    ));
                }
                (Some(FixData::DefaultVpc), _) => {
                    out.push_str(&format!("resource \"aws_default_vpc\" \"{base}\" {{\n  provider = {provider}\n}}\n\n"));
                }
                (Some(FixData::SubnetPublicIp { subnet_id }), _) => {
                    // Snapshot text in a comment: one line, whatever it holds.
                    let subnet_id = one_line(subnet_id);
                    out.push_str(&format!(
                        "# {subnet_id} is not managed here: set `map_public_ip_on_launch = true` on its aws_subnet\n# (or `terraform import aws_subnet.<name> {subnet_id}` first).\n\n"
                    ));
                }
                _ => {
                    out.push_str("# No resource for this one; by hand:\n");
                    out.push_str(&comment(f.fix.as_deref().unwrap_or(""), "#   "));
                    out.push('\n');
                }
            }
        }
    }
    if !any {
        out.push_str("# Nothing to fix: no finding fails.\n");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_strings_are_safe() {
        assert_eq!(
            ident(&["acme-prod.eu", "sg-bitmovin-9999"]),
            "acme_prod_eu_sg_bitmovin_9999"
        );
        assert_eq!(ident(&["1st"]), "t1st");
        assert_eq!(hcl_string("a \"b\" ${c}"), "\"a \\\"b\\\" $${c}\"");
        assert_eq!(hcl_string("%{if x}"), "\"%%{if x}\"");
        assert_eq!(hcl_string("a\u{202e}b\u{1b}"), "\"a\\u202Eb\\u001B\"");
        assert_eq!(hcl_string("\u{8}\u{c}\\b"), "\"\\u0008\\u000C\\\\b\"");
    }

    #[test]
    fn unfilled_placeholders_are_found() {
        assert_eq!(
            missing_values("aws iam create-access-key --user-name <iam_user>"),
            vec!["iam_user"]
        );
        assert!(
            missing_values(
                "aws ec2 x --group-id sg-1 --ip-permissions 'IpRanges=[{CidrIp=1.2.3.4/32}]'"
            )
            .is_empty()
        );
    }
}
