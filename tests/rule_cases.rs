//! Every rule against its data-driven cases (fixtures/rule-cases): each case
//! patches the guide-following baseline with a JSON Patch (RFC 6902) and
//! names the expected outcome.

mod common;

use std::collections::BTreeMap;

use ccaudit::engine::evaluate;
use common::{base_target, builtin_rules, fixture, read_json, snapshot_of};
use serde_json::Value;

/// The base target with a case's `patch` applied: a list of RFC 6902
/// operations, e.g. `[{"op": "remove", "path": "/setup/subnet_id"}]`.
fn patched_base(patch: &Value) -> Result<Value, String> {
    let patch: json_patch::Patch = serde_json::from_value(patch.clone())
        .map_err(|e| format!("`patch` is not a JSON Patch (a list of RFC 6902 operations): {e}"))?;
    let mut target = base_target();
    json_patch::patch(&mut target, &patch).map_err(|e| format!("the patch does not apply: {e}"))?;
    Ok(target)
}

#[test]
fn every_rule_case_gives_its_expected_outcome() {
    let rules = builtin_rules();
    let mut failures = Vec::new();
    let mut count = 0;
    for rule in &rules.rules {
        let path = fixture(&format!("rule-cases/{}.json", rule.id));
        let cases = read_json(&path);
        assert_eq!(cases["rule"], rule.id.as_str(), "{}", path.display());
        for case in cases["cases"].as_array().expect("cases is a list") {
            count += 1;
            let name = case["name"].as_str().unwrap_or("?");
            let target = match patched_base(&case["patch"]) {
                Ok(target) => target,
                Err(e) => {
                    failures.push(format!("{} / {name}: {e}", path.display()));
                    continue;
                }
            };
            let snapshot = snapshot_of(vec![target]);
            let finding = evaluate(rule, &snapshot.targets[0]);
            let expected = case["expect"].as_str().expect("expect is a string");
            if finding.outcome.as_str() != expected {
                failures.push(format!(
                    "{} / {name}: expected {expected}, got {} ({})",
                    rule.id,
                    finding.outcome.as_str(),
                    finding.detail
                ));
            }
            // Optional wording checks: what the finding must (not) say.
            let command = finding.fix_command.as_deref().unwrap_or("");
            let checks = [
                ("detail_contains", finding.detail.as_str(), true),
                ("detail_excludes", finding.detail.as_str(), false),
                ("fix_command_contains", command, true),
            ];
            for (field, text, wanted) in checks {
                for needle in case[field].as_array().into_iter().flatten() {
                    let needle = needle.as_str().expect("wording checks are strings");
                    if text.contains(needle) != wanted {
                        failures.push(format!(
                            "{} / {name}: {field} {needle:?}, but it says: {text}",
                            rule.id
                        ));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(count >= 60, "only {count} cases ran");
}

/// The meta-test: a rule without a passing and a failing case, or without
/// the text a person needs, is not done.
#[test]
fn every_rule_has_cases_both_ways_and_complete_text() {
    let rules = builtin_rules();
    let mut problems = Vec::new();
    for rule in &rules.rules {
        let path = fixture(&format!("rule-cases/{}.json", rule.id));
        if !path.exists() {
            problems.push(format!("{}: no {}", rule.id, path.display()));
            continue;
        }
        let cases = read_json(&path);
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for case in cases["cases"].as_array().into_iter().flatten() {
            *seen
                .entry(case["expect"].as_str().unwrap_or("").to_string())
                .or_default() += 1;
        }
        for needed in ["pass", "fail"] {
            if !seen.contains_key(needed) {
                problems.push(format!("{}: no `{needed}` case", rule.id));
            }
        }
        if rule.title.trim().is_empty() || rule.fix.trim().is_empty() || rule.references.is_empty()
        {
            problems.push(format!("{}: title, fix or references missing", rule.id));
        }
        if rule.documented_error.is_none()
            && rule.symptom.is_none()
            && rule.stage != ccaudit::rules::Stage::Advice
        {
            problems.push(format!(
                "{}: says neither the dashboard's message nor the symptom",
                rule.id
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Code names no rule id: a user's rule that copies a built-in one under
/// another id gives the same finding on every scenario target.
#[test]
fn a_copied_rule_behaves_like_the_built_in_one() {
    let builtin = builtin_rules();
    let scenarios = std::fs::read_dir(fixture("scenarios")).expect("scenarios folder");
    let snapshots: Vec<_> = scenarios
        .map(|e| e.expect("entry").path().join("snapshot.json"))
        .map(|p| ccaudit::snapshot::Snapshot::load(&p).unwrap_or_else(|e| panic!("{e}")))
        .collect();
    let mut compared = 0;
    for rule in &builtin.rules {
        let text = std::fs::read_to_string(&rule.origin)
            .or_else(|_| std::fs::read_to_string(common::root().join(&rule.origin)))
            .unwrap_or_else(|e| panic!("{}: {e}", rule.origin.display()));
        let copy_id = format!("team-{}", rule.id);
        let copied_text = text.replacen(
            &format!("id = \"{}\"", rule.id),
            &format!("id = \"{copy_id}\""),
            1,
        );
        assert_ne!(copied_text, text, "{}: no `id = …` line", rule.id);
        let mut set = builtin_rules();
        set.add_file(std::path::Path::new("team/copy.toml"), &copied_text)
            .unwrap_or_else(|e| panic!("{e}"));
        let copy = set.get(&copy_id).expect("the copy is loaded");
        for snapshot in &snapshots {
            for target in &snapshot.targets {
                let (a, b) = (evaluate(rule, target), evaluate(copy, target));
                let same = (
                    a.outcome,
                    &a.detail,
                    &a.resource,
                    &a.about,
                    &a.fix_command,
                    &a.fix,
                ) == (
                    b.outcome,
                    &b.detail,
                    &b.resource,
                    &b.about,
                    &b.fix_command,
                    &b.fix,
                ) && a.fix_data == b.fix_data
                    && a.evidence == b.evidence;
                assert!(same, "{} vs {copy_id} on {}", rule.id, target.name);
                compared += 1;
            }
        }
    }
    assert!(compared > 300, "only {compared} comparisons");
}

/// Placeholders are typed everywhere a rule file names one: in its texts
/// and in the named groups of its triage patterns.
#[test]
fn unknown_placeholders_are_load_errors_with_their_place() {
    let rule = |extra: &str| {
        format!(
            "id = \"team-x\"\ntitle = \"t\"\nseverity = \"high\"\nstage = \"queue\"\nreferences = [\"x\"]\nwhy = \"w\"\nfix = \"f\"\n{extra}\n[check.account-matches]\n"
        )
    };
    let error = |text: String| {
        let mut set = builtin_rules();
        set.add_file(std::path::Path::new("team/x.toml"), &text)
            .expect_err("refused")
            .to_string()
    };
    let triage = error(rule(
        "[triage]\ncase = \"c\"\npatterns = [\"group (?P<group_id>sg-[0-9a-f]+)\"]\n",
    ));
    assert!(
        triage.starts_with("team/x.toml:10:")
            && triage.contains("names group `group_id`, which is no placeholder"),
        "{triage}"
    );
    let text = error(rule("documented_error = \"no {security_groupid}\""));
    assert!(
        text.starts_with("team/x.toml:8:")
            && text.contains("unknown placeholder `{security_groupid}`"),
        "{text}"
    );
    let fix = error(rule("").replace("fix = \"f\"", "fix = \"in {regoin}\""));
    assert!(
        fix.starts_with("team/x.toml:7:")
            && fix.contains("unknown placeholder `{regoin}` in `fix`"),
        "{fix}"
    );
    // A placeholder the check type does not fill is refused as well.
    let other = error(rule("documented_error = \"{policy_arn}\""));
    assert!(
        other.contains("a `account-matches` rule may use"),
        "{other}"
    );
    // The same names, known, load.
    let mut set = builtin_rules();
    set.add_file(
        std::path::Path::new("team/x.toml"),
        &rule("documented_error = \"{security_group_id}\"\n[triage]\ncase = \"c\"\npatterns = [\"group (?P<security_group_id>sg-[0-9a-f]+)\"]\n"),
    )
    .unwrap_or_else(|e| panic!("{e}"));
}
