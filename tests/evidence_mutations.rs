//! No pass without evidence: every evidence key of whole-account scenarios
//! is removed, replaced by an error record, emptied, and (for per-name
//! keys) stripped of each entry in turn. A rule that passed and reads that
//! evidence must then say unknown or fail. Evidence that only qualifies a
//! pass (the keys' identity for the IAM rules, the organization's SCPs) may
//! leave it a pass, but then its detail must say what was not verified.

mod common;

use ccaudit::engine::evaluate;
use ccaudit::findings::Outcome;
use ccaudit::rules::Rule;
use common::{builtin_rules, fixture, read_json, snapshot_of};
use serde_json::{Value, json};

const IAM_KEYS: [&str; 10] = [
    "iam:GetUser",
    "iam:ListUserPolicies",
    "iam:GetUserPolicy",
    "iam:ListAttachedUserPolicies",
    "iam:ListGroupsForUser",
    "iam:ListGroupPolicies",
    "iam:GetGroupPolicy",
    "iam:ListAttachedGroupPolicies",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
];

/// How a rule's pass depends on a snapshot key.
#[derive(Debug, PartialEq)]
enum Dependency {
    /// The pass rests on it: broken, the rule must not pass.
    Evidence,
    /// It qualifies the pass: broken, a pass must say what was not verified.
    Qualifies(&'static [&'static str]),
    None,
}

/// What each check type reads (its module's evidence), by snapshot key.
fn dependency(rule: &Rule, key: &str, name: Option<&str>) -> Dependency {
    use Dependency::*;
    let not_verified: &'static [&'static str] = &["not verified"];
    let not_weighed: &'static [&'static str] = &["not weighed"];
    let security_group = key == "ec2:DescribeSecurityGroups";
    match rule.check.type_name() {
        "api-call-succeeds" if rule.check.evidence_key() == Some(key) => Evidence,
        "account-matches" | "keys-owner" if key == "sts:GetCallerIdentity" => Evidence,
        "group-exists"
        | "ingress-self-all-traffic"
        | "ingress-allows"
        | "egress-allows"
        | "sources-restricted"
            if security_group =>
        {
            Evidence
        }
        "default-vpc-exists" if key == "ec2:DescribeVpcs" => Evidence,
        "group-in-launch-vpc"
            if security_group || key == "ec2:DescribeVpcs" || key == "ec2:DescribeSubnets" =>
        {
            Evidence
        }
        "subnet-attribute" if key == "ec2:DescribeSubnets" => Evidence,
        "iam-no-mfa-condition" | "iam-actions-allowed" | "iam-broad-grant" => {
            if IAM_KEYS.contains(&key) {
                Evidence
            } else if key == "sts:GetCallerIdentity" {
                Qualifies(not_verified)
            } else if key.starts_with("organizations:")
                && rule.check.type_name() != "iam-broad-grant"
            {
                Qualifies(not_weighed)
            } else {
                None
            }
        }
        "access-key-active" if key == "iam:ListAccessKeys" => Evidence,
        "access-key-active" if key == "sts:GetCallerIdentity" => Qualifies(not_verified),
        "quota-at-least" if key == "servicequotas:GetServiceQuota" => {
            // A per-name mutation only touches the quota of that name.
            let quota = match &rule.check {
                ccaudit::rules::Check::QuotaAtLeast(c) => c.quota.as_str(),
                _ => "",
            };
            if name.is_none_or(|n| n == quota) {
                Evidence
            } else {
                None
            }
        }
        _ => None,
    }
}

fn error_record() -> Value {
    json!({"Error": {"Code": "InternalFailure", "Message": "mutation: the call failed"}})
}

/// Every mutation of one key: (description, entry name, new value or None
/// for removal).
fn mutations(key: &str, value: &Value) -> Vec<(String, Option<String>, Option<Value>)> {
    let mut out = vec![
        (format!("{key} removed"), None, None),
        (format!("{key} failed"), None, Some(error_record())),
        (format!("{key} empty"), None, Some(json!({}))),
    ];
    // Per-name keys (maps of responses): each entry removed, or failed.
    let per_name = key.contains(':')
        && value.as_object().is_some_and(|o| {
            !o.is_empty()
                && o.values().all(|v| v.is_object())
                && !o.contains_key("Error")
                && o.keys()
                    .all(|k| !k.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
        });
    if per_name {
        for name in value.as_object().into_iter().flatten().map(|(n, _)| n) {
            let mut without = value.clone();
            without.as_object_mut().expect("object").remove(name);
            out.push((
                format!("{key}[{name}] removed"),
                Some(name.clone()),
                Some(without),
            ));
            let mut failed = value.clone();
            failed[name] = error_record();
            out.push((
                format!("{key}[{name}] failed"),
                Some(name.clone()),
                Some(failed),
            ));
        }
    }
    out
}

fn check_scenario(name: &str) -> usize {
    let rules = builtin_rules();
    let snapshot = read_json(&fixture(&format!("scenarios/{name}/snapshot.json")));
    let mut problems = Vec::new();
    let mut checked = 0;
    for target in snapshot["targets"].as_array().expect("targets") {
        let original = snapshot_of(vec![target.clone()]);
        let passing: Vec<&Rule> = rules
            .rules
            .iter()
            .filter(|r| evaluate(r, &original.targets[0]).outcome == Outcome::Pass)
            .collect();
        let aws = target["aws"].as_object().expect("aws");
        for (key, value) in aws {
            for (what, entry, replacement) in mutations(key, value) {
                let mut mutated = target.clone();
                match replacement {
                    Some(v) => mutated["aws"][key] = v,
                    None => {
                        mutated["aws"].as_object_mut().expect("aws").remove(key);
                    }
                }
                let mutated = snapshot_of(vec![mutated]);
                for rule in &passing {
                    let dependency = dependency(rule, key, entry.as_deref());
                    if dependency == Dependency::None {
                        continue;
                    }
                    checked += 1;
                    let finding = evaluate(rule, &mutated.targets[0]);
                    let ok = match (&dependency, finding.outcome) {
                        (_, Outcome::Unknown | Outcome::Fail) => true,
                        (Dependency::Qualifies(words), Outcome::Pass) => {
                            words.iter().any(|w| finding.detail.contains(w))
                        }
                        _ => false,
                    };
                    if !ok {
                        problems.push(format!(
                            "{name}/{} {what}: {} is {} ({})",
                            target["name"].as_str().unwrap_or("?"),
                            rule.id,
                            finding.outcome.as_str(),
                            finding.detail
                        ));
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} passes survived broken evidence:\n{}",
        problems.len(),
        problems.join("\n")
    );
    checked
}

#[test]
fn guide_production_evidence_is_needed_for_every_pass() {
    let checked = check_scenario("guide-production");
    println!("guide-production: {checked} rule/mutation pairs checked");
    assert!(checked > 100, "only {checked} rule/mutation pairs checked");
}

#[test]
fn round_two_scenario_evidence_is_needed_for_every_pass() {
    let checked = check_scenario("keys-owner-streams-scoped-denies");
    println!("keys-owner-streams-scoped-denies: {checked} rule/mutation pairs checked");
    assert!(checked > 100, "only {checked} rule/mutation pairs checked");
}
