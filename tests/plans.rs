//! `audit --terraform-plan`: hand-written plans (fixtures/plans/<name>/,
//! in the format of `terraform show -json`) give the verdicts their
//! expected.json names, the same as the live scenario they mirror; every
//! fixture has the documented plan structure; and the command line names
//! the plan's groups when it cannot choose.

mod common;

use std::path::Path;
use std::process::Command;

use ccaudit::engine::evaluate;
use ccaudit::plan::{self, Choice};
use common::{builtin_rules, fixture, read_json, root};
use serde_json::Value;

fn plans() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixture("plans"))
        .expect("plans folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| fixture(&format!("plans/{n}/plan.json")).is_file())
        .collect();
    names.sort();
    names
}

/// What Terraform documents for `terraform show -json PLANFILE` (the
/// parts the reader relies on), so a fixture cannot drift from the format.
fn check_structure(name: &str, plan: &Value) {
    let version = plan["format_version"].as_str().expect("format_version");
    assert!(
        version.starts_with("1."),
        "{name}: format_version {version}"
    );
    fn module(name: &str, m: &Value, root: bool) {
        assert!(m.is_object(), "{name}: a module is an object");
        if !root {
            assert!(
                m["address"]
                    .as_str()
                    .is_some_and(|a| a.starts_with("module.")),
                "{name}: module address"
            );
        }
        for r in m["resources"].as_array().into_iter().flatten() {
            for field in ["address", "mode", "type", "name", "provider_name"] {
                assert!(r[field].is_string(), "{name}: resource {field}: {r}");
            }
            assert!(r["values"].is_object(), "{name}: values");
            assert!(r["schema_version"].is_u64(), "{name}: schema_version");
            let address = r["address"].as_str().unwrap_or_default();
            if let Some(parent) = m["address"].as_str() {
                assert!(
                    address.starts_with(&format!("{parent}.")),
                    "{name}: {address} in {parent}"
                );
            }
        }
        for child in m["child_modules"].as_array().into_iter().flatten() {
            module(name, child, false);
        }
    }
    module(name, &plan["planned_values"]["root_module"], true);
    let allowed: [&[&str]; 9] = [
        &["forget"],
        &["create", "forget"],
        &["no-op"],
        &["create"],
        &["read"],
        &["update"],
        &["delete", "create"],
        &["create", "delete"],
        &["delete"],
    ];
    for change in plan["resource_changes"]
        .as_array()
        .expect("resource_changes")
    {
        for field in ["address", "mode", "type", "name"] {
            assert!(
                change[field].is_string(),
                "{name}: change {field}: {change}"
            );
        }
        let actions: Vec<&str> = change["change"]["actions"]
            .as_array()
            .expect("actions")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            allowed.contains(&actions.as_slice()),
            "{name}: actions {actions:?}"
        );
        let c = &change["change"];
        if actions.contains(&"create") || actions == ["update"] {
            assert!(c["after"].is_object(), "{name}: after");
            assert!(c["after_unknown"].is_object(), "{name}: after_unknown");
        }
        if actions == ["delete"] {
            assert!(
                c["after"].is_null() && c["before"].is_object(),
                "{name}: a deletion"
            );
        }
    }
    let config = &plan["configuration"]["root_module"];
    assert!(config.is_object(), "{name}: configuration.root_module");
}

#[test]
fn every_plan_gives_the_verdicts_of_its_live_scenario() {
    let rules = builtin_rules();
    let names = plans();
    assert!(names.len() >= 5, "{names:?}");
    for name in &names {
        let path = fixture(&format!("plans/{name}/plan.json"));
        let plan_json = read_json(&path);
        check_structure(name, &plan_json);
        let expected = read_json(&fixture(&format!("plans/{name}/expected.json")));
        let choice = Choice {
            group_address: expected["address"].as_str().map(str::to_string),
            user_address: expected["user_address"].as_str().map(str::to_string),
            region: expected["region"].as_str().map(str::to_string),
            name: None,
        };
        let target = plan::load(&path, &choice).unwrap_or_else(|e| panic!("{name}: {e}"));
        let outcome = |rule: &str| {
            let rule = rules
                .get(rule)
                .unwrap_or_else(|| panic!("{name}: no rule {rule}"));
            evaluate(rule, &target).outcome.as_str()
        };
        // The rules named outright.
        for (rule, want) in expected["outcomes"].as_object().expect("outcomes") {
            assert_eq!(outcome(rule), want, "{name}: {rule}");
        }
        // And the live scenario's outcomes, rule by rule.
        if let Some(like) = expected.get("like") {
            let scenario = like["scenario"].as_str().expect("scenario");
            let snapshot = ccaudit::snapshot::Snapshot::load(&fixture(&format!(
                "scenarios/{scenario}/snapshot.json"
            )))
            .expect("scenario");
            let live = snapshot
                .targets
                .iter()
                .find(|t| t.name == like["target"])
                .unwrap_or_else(|| panic!("{name}: no target {}", like["target"]));
            for rule in like["rules"].as_array().expect("rules") {
                let rule = rule.as_str().expect("rule id");
                let live_outcome = evaluate(rules.get(rule).expect("rule"), live)
                    .outcome
                    .as_str();
                let want = expected["outcomes"][rule].as_str().unwrap_or(live_outcome);
                assert_eq!(outcome(rule), want, "{name}: {rule} (live: {live_outcome})");
                assert_eq!(want, live_outcome, "{name}: {rule} is as in {scenario}");
            }
        }
    }
}

fn ccaudit(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run")
}

#[test]
fn the_command_line_audits_a_plan_and_names_the_groups_it_cannot_choose_between() {
    let plan = "fixtures/plans/per-rule-nested-module-without-ssh/plan.json";
    let out = ccaudit(&[
        "audit",
        "--terraform-plan",
        plan,
        "--format",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let target = &report["targets"][0];
    assert_eq!(
        target["name"],
        "module.cloud_connect.module.network.aws_security_group.encoders"
    );
    assert_eq!(target["region"], "eu-central-1");
    let ssh = target["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "sg-bitmovin-ssh")
        .expect("ssh");
    assert_eq!(ssh["outcome"], "fail");
    // The group's id is only known after apply: no command is made of it.
    assert!(ssh["fix_command"].is_null(), "{ssh}");

    let two = "fixtures/plans/two-groups-and-a-rule-of-a-variable/plan.json";
    let out = ccaudit(&["audit", "--terraform-plan", two, "--region", "eu-west-1"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for needle in [
        "the plan has 2 aws_security_group resources; name Bitmovin's with --security-group-address",
        "module.cc.aws_security_group.bastion",
        "module.cc.aws_security_group.encoders",
    ] {
        assert!(stderr.contains(needle), "{needle}: {stderr}");
    }
    let out = ccaudit(&[
        "audit",
        "--terraform-plan",
        two,
        "--security-group-address",
        "module.cc.aws_security_group.encoders",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("give --region"), "{stderr}");

    // Not a plan: the file is named, with the place when the JSON is bad.
    let dir = tempfile::tempdir().expect("temp dir");
    for (text, message) in [
        ("{\"format_version\": \"2.0\"}", "not 1.x"),
        ("{\"values\": {}}", "no \"format_version\""),
        ("{\"format_version\": \"1.2\"}", "no \"planned_values\""),
        (
            "{\"format_version\": \"1.2\",\n  \"planned_values\": }",
            ":2:",
        ),
    ] {
        let path = dir.path().join("plan.json");
        std::fs::write(&path, text).expect("write");
        let out = ccaudit(&["audit", "--terraform-plan", path.to_str().expect("utf-8")]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {stderr}");
        assert!(
            stderr.contains("plan.json") && stderr.contains(message),
            "{text}: {stderr}"
        );
    }
    assert!(Path::new(&root().join(plan)).is_file());
}
