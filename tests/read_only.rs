//! The collector only reads. Every AWS operation it can call is read from
//! its source: any method of an AWS SDK client (the operations the SDK
//! crates define) that `src/collect/` calls. Each must be a Describe, Get
//! or List, or sts:GetCallerIdentity / sts:AssumeRole, and be in the
//! auditor policy (`ccaudit policy auditor`), and the policy holds nothing
//! the code does not call.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use ccaudit::collect::operations;

/// The SDK crates the collector uses, with the service prefix of their
/// IAM actions.
const SDK_CRATES: [(&str, &str); 5] = [
    ("aws-sdk-ec2", "ec2"),
    ("aws-sdk-iam", "iam"),
    ("aws-sdk-sts", "sts"),
    ("aws-sdk-servicequotas", "servicequotas"),
    ("aws-sdk-organizations", "organizations"),
];

/// This machine's target triple: `cargo metadata` then needs no crate
/// for another platform (the tests run offline).
fn host() -> String {
    let out = Command::new("rustc")
        .arg("-vV")
        .output()
        .expect("rustc runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .expect("rustc names its host")
        .to_string()
}

/// Each SDK crate's source folder, from `cargo metadata`.
fn sdk_sources() -> BTreeMap<String, PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--filter-platform",
        ])
        .arg(host())
        .current_dir(common::root())
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let metadata: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata");
    metadata["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .filter_map(|p| {
            let name = p["name"].as_str()?;
            let manifest = PathBuf::from(p["manifest_path"].as_str()?);
            Some((name.to_string(), manifest.parent()?.to_path_buf()))
        })
        .filter(|(name, _)| SDK_CRATES.iter().any(|(c, _)| c == name))
        .collect()
}

/// The operations an SDK crate defines: one module per operation under
/// `src/operation/` (`describe_security_groups.rs`).
fn operations_of(crate_dir: &Path) -> BTreeSet<String> {
    std::fs::read_dir(crate_dir.join("src/operation"))
        .expect("the SDK's operation folder")
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            Some(name.strip_suffix(".rs")?.to_string())
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `describe_security_groups` → `DescribeSecurityGroups`.
fn pascal(snake: &str) -> String {
    snake
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn the_collector_calls_only_read_operations_all_in_the_auditor_policy() {
    let sources = sdk_sources();
    assert_eq!(
        sources.len(),
        SDK_CRATES.len(),
        "SDK crates found: {sources:?}"
    );
    // Every `.operation(` in the collector's code, for every SDK operation.
    let mut files = Vec::new();
    rust_files(&common::root().join("src/collect"), &mut files);
    let code: String = files
        .iter()
        .map(|f| std::fs::read_to_string(f).expect("read"))
        .collect();
    let mut called: BTreeSet<String> = BTreeSet::new();
    for (krate, prefix) in SDK_CRATES {
        let defined = operations_of(&sources[krate]);
        assert!(defined.len() > 5, "{krate}: {} operations", defined.len());
        for op in &defined {
            if code.contains(&format!(".{op}(")) {
                called.insert(format!("{prefix}:{}", pascal(op)));
            }
        }
    }
    let read_only = |action: &str| {
        let name = action.split_once(':').map_or(action, |(_, n)| n);
        ["Describe", "Get", "List"]
            .iter()
            .any(|p| name.starts_with(p))
            || action == "sts:AssumeRole"
    };
    let writes: Vec<&String> = called.iter().filter(|a| !read_only(a)).collect();
    assert!(
        writes.is_empty(),
        "operations that are not reads: {writes:?}"
    );

    // The auditor policy is exactly what the code calls (IAM action names
    // differ from the SDK's only in case: GetAWSDefaultServiceQuota).
    let policy: BTreeSet<String> = operations::ALL.iter().map(|a| a.to_lowercase()).collect();
    let code_calls: BTreeSet<String> = called.iter().map(|a| a.to_lowercase()).collect();
    assert_eq!(
        code_calls, policy,
        "the auditor policy and the operations in src/collect differ"
    );
    assert!(called.contains("sts:GetCallerIdentity"));
}

#[test]
fn the_auditor_policy_grants_only_reads() {
    let policy = operations::auditor_policy();
    let document: serde_json::Value = serde_json::from_str(&policy).expect("policy JSON");
    for statement in document["Statement"].as_array().expect("statements") {
        assert_eq!(statement["Effect"], "Allow");
        let actions: Vec<&str> = match &statement["Action"] {
            serde_json::Value::String(a) => vec![a.as_str()],
            serde_json::Value::Array(list) => list.iter().filter_map(|a| a.as_str()).collect(),
            other => panic!("Action {other}"),
        };
        for action in actions {
            let name = action.split_once(':').map_or(action, |(_, n)| n);
            assert!(
                !name.contains('*')
                    && ["Describe", "Get", "List"]
                        .iter()
                        .any(|p| name.starts_with(p)),
                "{action} is not a read"
            );
        }
    }
}
