//! Helpers shared by the integration tests: fixture paths, the base target
//! of the rule cases, and the built-in rule set.

#![allow(dead_code)]

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
