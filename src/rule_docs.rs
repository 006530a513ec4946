//! What `ccaudit rules list` and `ccaudit rules explain` print, and the
//! README's rule table (generated here, checked by a test).

use serde::Serialize;

use crate::report::table::new_table;
use crate::rules::{Check, Rule, RuleSet};

#[derive(Serialize)]
struct RuleSummary<'a> {
    id: &'a str,
    title: &'a str,
    severity: &'a str,
    stage: &'a str,
    check: &'a str,
    documented_error: Option<&'a str>,
}

fn summary(rule: &Rule) -> RuleSummary<'_> {
    RuleSummary {
        id: &rule.id,
        title: &rule.title,
        severity: rule.severity.as_str(),
        stage: rule.stage.as_str(),
        check: rule.check.type_name(),
        documented_error: rule.documented_error.as_deref(),
    }
}

pub fn list_table(rules: &RuleSet, width: Option<u16>) -> String {
    let mut table = new_table(width);
    table.set_header(["rule", "severity", "stage", "title"]);
    for rule in &rules.rules {
        table.add_row([
            rule.id.as_str(),
            rule.severity.as_str(),
            rule.stage.as_str(),
            rule.title.as_str(),
        ]);
    }
    format!("{table}\n")
}

/// The rules as JSON, written into `out` like every JSON ccaudit prints
/// (safe for a terminal, ending with a line break).
pub fn list_json(rules: &RuleSet, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let list: Vec<RuleSummary> = rules.rules.iter().map(summary).collect();
    crate::output::write_json(out, &list)
}

/// The README's rule table.
pub fn list_markdown(rules: &RuleSet) -> String {
    let mut out = String::from(
        "| rule | severity | stage | checks | dashboard message or symptom |\n| --- | --- | --- | --- | --- |\n",
    );
    for rule in &rules.rules {
        let said = rule
            .documented_error
            .as_deref()
            .or(rule.symptom.as_deref())
            .map(|t| format!("`{}`", t.replace('|', "\\|")))
            .unwrap_or_default();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            rule.id,
            rule.severity,
            rule.stage,
            rule.title.replace('|', "\\|"),
            said
        ));
    }
    out
}

pub fn explain(rule: &Rule) -> String {
    let mut out = format!("{}: {}\n\n", rule.id, rule.title);
    out.push_str(&format!(
        "severity: {}    stage: {}    check: {}\n",
        rule.severity,
        rule.stage,
        rule.check.type_name()
    ));
    let applies = &rule.applies;
    let mut conditions = Vec::new();
    if let Some(subnet) = applies.subnet {
        conditions.push(if subnet {
            "with a custom subnet".to_string()
        } else {
            "without a custom subnet".to_string()
        });
    }
    if let Some(live) = applies.live {
        conditions.push(format!("when setup.live includes {live}"));
    }
    if let Some(min) = &applies.encoder_at_least {
        conditions.push(format!(
            "for encoder {min} or newer (STABLE and BETA included)"
        ));
    }
    if !conditions.is_empty() {
        out.push_str(&format!("applies: {}\n", conditions.join(", ")));
    }
    out.push_str(&format!("\nWhy it matters\n{}\n", indent(&rule.why)));
    out.push_str(&format!(
        "\nHow ccaudit judges it\n{}\n",
        indent(&wrap(how_judged(&rule.check), 76))
    ));
    if let Some(error) = &rule.documented_error {
        out.push_str(&format!(
            "\nDashboard message (from the guide)\n{}\n",
            indent(error)
        ));
    }
    if let Some(symptom) = &rule.symptom {
        out.push_str(&format!(
            "\nSymptom (from the guide)\n{}\n",
            indent(symptom)
        ));
    }
    out.push_str(&format!("\nFix\n{}\n", indent(&rule.fix)));
    if let Some(command) = &rule.fix_command {
        out.push_str(&format!(
            "\nFix command (placeholders are filled in from the snapshot)\n{}\n",
            indent(command)
        ));
    }
    out.push_str("\nReferences (Bitmovin's Cloud Connect AWS guide)\n");
    for reference in &rule.references {
        out.push_str(&format!("  - {reference}\n"));
    }
    out.push_str(&format!("\nDefined in {}\n", rule.origin.display()));
    out
}

/// The semantics of a check type, as `rules explain` states them.
fn how_judged(check: &Check) -> &'static str {
    match check {
        Check::ApiCallSucceeds(_) => {
            "Pass when the named call succeeded (with the fields a success carries); fail on the listed error codes; unknown when the call was not made or failed for another reason."
        }
        Check::AccountMatches(_) => {
            "Compares the Account of sts:GetCallerIdentity, made with the dashboard's keys, with setup.account_id. Unknown when the keys were not tested."
        }
        Check::KeysOwner(_) => {
            "Reads the Arn of sts:GetCallerIdentity made with the dashboard's keys: Bitmovin acts as that principal. Fail when it is not an IAM user (a role session, a federated user, the root user), or is another IAM user than setup.iam_user (the configured user's policies then do not apply). Unknown when the keys were not tested."
        }
        Check::GroupIdFormat(_) => {
            "Matches setup.security_group_id against the id pattern, and fails on EC2's InvalidGroupId.Malformed."
        }
        Check::GroupExists(_) => {
            "Pass when ec2:DescribeSecurityGroups in the target's region shows the group; fail on InvalidGroup.NotFound, naming the regions where it does exist when they were searched."
        }
        Check::IngressSelfAllTraffic(_) => {
            "Looks for an inbound permission of protocol -1 whose source is the group itself."
        }
        Check::IngressAllows(_) => {
            "Every port must be reachable from every listed source (a wider CIDR covers a narrower one; a port range covers its ports; -1 covers everything). With from_any_address, any address range counts except those inside `excluding`: for live streams, Bitmovin's own addresses and security groups are no stream source. The finding names the sources it saw. A port reachable only through a prefix list is unknown."
        }
        Check::EgressAllows(_) => {
            "Every port must be reachable outbound to every listed destination."
        }
        Check::SourcesRestricted(_) => {
            "Lists every source on the given ports beyond the allowed ones and the group itself. `offenders` chooses which this rule reports: sources open to every address (0.0.0.0/0, ::/0; the dashboard's documented rejection), the other extra sources (least privilege), or any. A prefix list on those ports is unknown."
        }
        Check::DefaultVpcExists(_) => {
            "Pass when ec2:DescribeVpcs shows a VPC with IsDefault true in the region."
        }
        Check::GroupInLaunchVpc(_) => {
            "Compares the group's VpcId with the VPC the instances start in: the subnet's VPC, or the default VPC."
        }
        Check::SubnetAttribute(_) => {
            "Reads the attribute of setup.subnet_id from ec2:DescribeSubnets."
        }
        Check::EncoderVersionAtLeast(_) => {
            "Compares setup.encoder_version with the version (STABLE and BETA count as newest)."
        }
        Check::IamBroadGrant(_) => {
            "Judges the owner of the dashboard's keys (unknown when the IAM evidence describes another principal). Fails when a listed managed policy is attached to the user or one of its groups, or when an Allow statement's actions take in every action of a listed wildcard; the fix command detaches the policy from where it is attached (the user, or a group)."
        }
        Check::IamNoMfaCondition(_) | Check::IamActionsAllowed(_) => {
            "Judges the owner of the dashboard's keys (unknown when the IAM evidence describes another principal). Bitmovin's requests are (action, resource) pairs of the guide's policy in the target's region and account; an action the guide grants on * is asked on the resources AWS authorizes it against (resource_scopes), or, with no resource-level permissions, on the string * itself, as AWS does; a statement applies only when its Action and its Resource match. Evaluated like AWS for access-key requests: inline and attached policies of the user and its groups, the permissions boundary and the organization's service control policies (every level from the root to the account must allow; an explicit Deny anywhere blocks). Access keys carry no MFA keys, and aws:RequestedRegion is the target's region; a grant or Deny that depends on any other condition (aws:SourceIp, tags, time) is unknown, naming it. A pass says when the SCPs could not be weighed or the keys' owner was not verified."
        }
        Check::AccessKeyActive(_) => {
            "Reads iam:ListAccessKeys of the keys' owner (unknown when the evidence describes another principal)."
        }
        Check::QuotaAtLeast(_) => {
            "Compares the applied quota with the formula. The AWS default stands in only when Service Quotas answered NoSuchResourceException (no applied value); an applied value that was not collected, or a failed call, is unknown: an applied value can be lower than the default."
        }
    }
}

/// Words folded to lines of at most `width` characters.
fn wrap(text: &str, width: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.len() + 1 + word.len() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines.join("\n")
}

fn indent(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
