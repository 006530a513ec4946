//! Helpers shared by the integration tests: fixture paths, the base target
//! of the rule cases, the built-in rule set, and a target's verdicts against
//! its scenario's expected.json.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ccaudit::rules::RuleSet;
use ccaudit::snapshot::Snapshot;
use serde_json::Value;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(relative: &str) -> PathBuf {
    root().join("fixtures").join(relative)
}

pub fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A snapshot holding the given targets, parsed like a file would be.
pub fn snapshot_of(targets: Vec<Value>) -> Snapshot {
    let document = serde_json::json!({ "schema": "ccaudit/snapshot/v1", "targets": targets });
    let bytes = serde_json::to_vec(&document).expect("serializable");
    Snapshot::from_slice(Path::new("<test>"), &bytes).unwrap_or_else(|e| panic!("{e}"))
}

pub fn builtin_rules() -> RuleSet {
    RuleSet::builtin().unwrap_or_else(|e| panic!("built-in rules must load: {e}"))
}

pub fn base_target() -> Value {
    let snapshot = read_json(&fixture("scenarios/guide-production/snapshot.json"));
    snapshot["targets"][0].clone()
}

/// How a target's findings (rule id → outcome and detail) differ from what
/// its scenario's expected.json says of it (`expected`, an object of rule id
/// → outcome): a named rule has exactly the named outcome, a name that is no
/// rule of `rules` is an error, and no rule that is not named fails.
pub fn verdict_differences(
    rules: &RuleSet,
    expected: &Value,
    findings: &BTreeMap<&str, (&str, &str)>,
) -> Vec<String> {
    let Some(expected) = expected.as_object() else {
        return vec![format!(
            "no expectations (an object of rule id → outcome): {expected}"
        )];
    };
    let mut differences = Vec::new();
    for id in expected.keys() {
        if !rules.rules.iter().any(|rule| rule.id == *id) {
            differences.push(format!("{id}: named, but there is no such rule"));
        }
    }
    for rule in &rules.rules {
        let id = rule.id.as_str();
        let (got, detail) = findings.get(id).copied().unwrap_or(("no finding", ""));
        match expected.get(id) {
            Some(want) if want.as_str() != Some(got) => {
                let want = want
                    .as_str()
                    .map_or_else(|| want.to_string(), str::to_string);
                differences.push(format!("{id}: expected {want}, got {got} ({detail})"));
            }
            None if matches!(got, "fail" | "no finding") => differences.push(format!(
                "{id}: not named, so it must not fail, but got {got} ({detail})"
            )),
            _ => {}
        }
    }
    differences
}

/// `terraform fmt -check -diff` on `paths` (a file, or a folder with
/// `-recursive` among them); panics with Terraform's diff when it refuses.
/// `fmt` needs no provider, so it runs offline.
pub fn assert_terraform_formatted(args: &[&std::ffi::OsStr]) {
    let out = std::process::Command::new("terraform")
        .args(["fmt", "-check", "-diff"])
        .args(args)
        .env("TF_CLI_CONFIG_FILE", "/dev/null")
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| {
            panic!("terraform is needed for this test (it is on the build machines): {e}")
        });
    assert!(
        out.status.success(),
        "terraform fmt -check refuses it:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the ccaudit binary from the crate's root, checks that it exits with
/// `code`, and gives its standard output.
pub fn run_ccaudit(args: &[&str], code: i32) -> Vec<u8> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run ccaudit");
    assert_eq!(
        out.status.code(),
        Some(code),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Every target of the named scenarios' snapshots, in order.
pub fn scenario_targets(names: &[&str]) -> Vec<Value> {
    names
        .iter()
        .flat_map(|name| {
            let snapshot = read_json(&fixture(&format!("scenarios/{name}/snapshot.json")));
            snapshot["targets"].as_array().expect("targets").clone()
        })
        .collect()
}
