//! No pass without evidence: every evidence key of whole-account scenarios
//! is removed, replaced by an error record, emptied, and (for per-name
//! keys) stripped of each entry in turn. A rule that passed and reads that
//! evidence must then say unknown or fail. Evidence that only qualifies a
//! pass (the keys' identity for the IAM rules, the organization's SCPs) may
//! leave it a pass, but then its detail must say what was not verified.
//! What each check type reads is declared in its module (`CheckType::reads`),
//! so a new check type is covered without touching this file.

mod common;

use ccaudit::checks::Reads;
use ccaudit::engine::evaluate;
use ccaudit::findings::Outcome;
use ccaudit::rules::Rule;
use common::{builtin_rules, fixture, read_json, snapshot_of};
use serde_json::{Value, json};

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
                    // What the rule's check type says it reads.
                    let reads = rule.check.reads(key, entry.as_deref());
                    if reads == Reads::Ignores {
                        continue;
                    }
                    checked += 1;
                    let finding = evaluate(rule, &mutated.targets[0]);
                    let ok = match (reads, finding.outcome) {
                        (_, Outcome::Unknown | Outcome::Fail) => true,
                        (Reads::Qualifies(words), Outcome::Pass) => finding.detail.contains(words),
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

#[test]
fn role_based_scenario_evidence_is_needed_for_every_pass() {
    let checked = check_scenario("role-based");
    println!("role-based: {checked} rule/mutation pairs checked");
    assert!(checked > 100, "only {checked} rule/mutation pairs checked");
}

#[test]
fn group_found_by_name_needs_its_evidence_for_every_pass() {
    let checked = check_scenario("group-by-name");
    println!("group-by-name: {checked} rule/mutation pairs checked");
    assert!(checked > 100, "only {checked} rule/mutation pairs checked");
}
