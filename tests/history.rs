//! Nightly use: drift between runs (`diff`, `--baseline`, `--fail-on-new`)
//! and suppressions with owners and expiry dates.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::base_target;
use serde_json::{Value, json};

fn ccaudit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args(args)
        .output()
        .expect("run")
}

/// A snapshot of the given targets, each under its name.
fn snapshot(dir: &Path, file: &str, targets: &[(&str, Value)]) -> String {
    let targets: Vec<Value> = targets
        .iter()
        .map(|(name, target)| {
            let mut t = target.clone();
            t["name"] = json!(name);
            t
        })
        .collect();
    let path = dir.join(file);
    std::fs::write(
        &path,
        json!({"schema": "ccaudit/snapshot/v1", "targets": targets}).to_string(),
    )
    .expect("write");
    path.to_str().expect("utf-8").to_string()
}

/// The guide's target without one inbound permission (by FromPort).
fn without_port(port: i64) -> Value {
    let mut target = base_target();
    let perms = target["aws"]["ec2:DescribeSecurityGroups"]["SecurityGroups"][0]["IpPermissions"]
        .as_array_mut()
        .expect("perms");
    let before = perms.len();
    perms.retain(|p| p["FromPort"] != json!(port));
    assert_eq!(
        perms.len(),
        before - 1,
        "the guide's group opens port {port}"
    );
    target
}

fn json_report(snapshot: &str, extra: &[&str]) -> (Output, Value) {
    let mut args = vec!["audit", snapshot, "--format", "json"];
    args.extend_from_slice(extra);
    let out = ccaudit(&args);
    let value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out, value)
}

#[test]
fn drift_reports_what_changed_and_fail_on_new_only_counts_regressions() {
    let dir = tempfile::tempdir().expect("temp dir");
    // Yesterday: "a" lacks SSH; "gone" exists. Today: "a" lacks 9999 instead
    // (SSH fixed), "b" still lacks SSH, "gone" vanished, "new" appeared.
    let old = snapshot(
        dir.path(),
        "old.json",
        &[
            ("a", without_port(22)),
            ("b", without_port(22)),
            ("gone", base_target()),
        ],
    );
    let new = snapshot(
        dir.path(),
        "new.json",
        &[
            ("a", without_port(9999)),
            ("b", without_port(22)),
            ("new", base_target()),
        ],
    );
    let (_, old_report) = json_report(&old, &["--fail-on", "none"]);
    let old_path = dir.path().join("old-report.json");
    std::fs::write(&old_path, old_report.to_string()).expect("write");
    let (_, new_report) = json_report(&new, &["--fail-on", "none"]);
    let new_path = dir.path().join("new-report.json");
    std::fs::write(&new_path, new_report.to_string()).expect("write");

    let out = ccaudit(&[
        "diff",
        old_path.to_str().expect("p"),
        new_path.to_str().expect("p"),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let drift: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(drift["appeared"], json!(["new"]));
    assert_eq!(drift["vanished"], json!(["gone"]));
    let target = |name: &str| {
        drift["targets"]
            .as_array()
            .expect("t")
            .iter()
            .find(|t| t["target"] == name)
            .cloned()
            .expect(name)
    };
    let rules = |t: &Value, key: &str| -> Vec<String> {
        t[key]
            .as_array()
            .expect(key)
            .iter()
            .map(|c| c["rule"].as_str().unwrap_or("").to_string())
            .collect()
    };
    let a = target("a");
    assert_eq!(rules(&a, "new_failures"), ["sg-bitmovin-9999"]);
    assert_eq!(rules(&a, "fixed"), ["sg-bitmovin-ssh"]);
    assert!(rules(&a, "still_failing").is_empty());
    let b = target("b");
    assert_eq!(rules(&b, "still_failing"), ["sg-bitmovin-ssh"]);
    assert!(rules(&b, "new_failures").is_empty());

    // diff: --fail-on-new reflects regressions only.
    let out = ccaudit(&[
        "diff",
        old_path.to_str().expect("p"),
        new_path.to_str().expect("p"),
        "--fail-on-new",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("+ target new appeared") && text.contains("- target gone vanished"),
        "{text}"
    );
    let out = ccaudit(&[
        "diff",
        new_path.to_str().expect("p"),
        new_path.to_str().expect("p"),
        "--fail-on-new",
    ]);
    assert_eq!(out.status.code(), Some(0), "nothing new against itself");

    // audit --baseline: the drift is in the report; still failing alone does not fail the run.
    let (out, report) = json_report(
        &new,
        &["--baseline", old_path.to_str().expect("p"), "--fail-on-new"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "a new failure since the baseline"
    );
    assert_eq!(report["drift"]["appeared"], json!(["new"]));
    let (out, _) = json_report(
        &new,
        &["--baseline", new_path.to_str().expect("p"), "--fail-on-new"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "only old problems: exit 0 with --fail-on-new"
    );
    let (out, _) = json_report(&new, &["--baseline", new_path.to_str().expect("p")]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "without --fail-on-new every problem counts"
    );
}

fn suppressions(dir: &Path, text: &str) -> String {
    let path = dir.join("suppressions.toml");
    std::fs::write(&path, text).expect("write");
    path.to_str().expect("utf-8").to_string()
}

#[test]
fn suppressions_mute_until_their_last_day_and_report_stale_and_expired_entries() {
    let dir = tempfile::tempdir().expect("temp dir");
    let snap = snapshot(
        dir.path(),
        "s.json",
        &[("prod-eu", without_port(22)), ("lab-eu", without_port(22))],
    );
    let file = suppressions(
        dir.path(),
        r#"
[[suppress]]
rule = "sg-bitmovin-ssh"
target = "lab-*"
reason = "lab account, SSH through the bastion"
owner = "platform@example.com"
expires = 2026-11-30

[[suppress]]
rule = "sg-bitmovin-ssh"
target = "*"
region = "eu-*"
reason = "overlapping, broader entry"
owner = "security@example.com"
expires = 2026-11-01

[[suppress]]
rule = "quota-spot-vcpu"
reason = "matches nothing"
owner = "platform@example.com"
expires = 2027-01-31
"#,
    );
    let muted_on = |day: &str| -> (Output, Value) {
        json_report(&snap, &["--suppressions", &file, "--now", day])
    };
    let ssh = |report: &Value, target: &str| -> Value {
        report["targets"]
            .as_array()
            .expect("t")
            .iter()
            .find(|t| t["name"] == target)
            .expect("target")["findings"]
            .as_array()
            .expect("f")
            .iter()
            .find(|f| f["rule"] == "sg-bitmovin-ssh")
            .cloned()
            .expect("finding")
    };

    // On its last day the lab entry still mutes; prod is not covered (the
    // broad entry expired on the 1st) and keeps the exit code at 1.
    let (out, report) = muted_on("2026-11-30");
    assert_eq!(out.status.code(), Some(1));
    let lab = ssh(&report, "lab-eu");
    assert_eq!(lab["outcome"], "fail", "a muted finding keeps its outcome");
    assert_eq!(lab["muted"]["owner"], "platform@example.com");
    assert!(ssh(&report, "prod-eu")["muted"].is_null());
    assert_eq!(report["summary"]["muted"], 1);
    let expired: Vec<&str> = report["suppressions"]["expired"]
        .as_array()
        .expect("e")
        .iter()
        .filter_map(|s| s["reason"].as_str())
        .collect();
    assert_eq!(expired, ["overlapping, broader entry"]);
    let stale: Vec<&str> = report["suppressions"]["stale"]
        .as_array()
        .expect("s")
        .iter()
        .filter_map(|s| s["rule"].as_str())
        .collect();
    assert_eq!(stale, ["quota-spot-vcpu"]);

    // The day after, nothing mutes any more.
    let (_, report) = muted_on("2026-12-01");
    assert!(ssh(&report, "lab-eu")["muted"].is_null());
    assert_eq!(report["summary"]["muted"], 0);

    // While the broad entry was live, both were muted and the exit code is 0.
    let (out, report) = muted_on("2026-10-15");
    assert_eq!(report["summary"]["muted"], 2);
    assert_eq!(
        out.status.code(),
        Some(0),
        "muted findings no longer affect the exit code"
    );
    let sarif = ccaudit(&[
        "audit",
        &snap,
        "--format",
        "sarif",
        "--suppressions",
        &file,
        "--now",
        "2026-10-15",
    ]);
    let sarif: Value = serde_json::from_slice(&sarif.stdout).expect("sarif");
    let suppressed = sarif["runs"][0]["results"]
        .as_array()
        .expect("r")
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .count();
    assert_eq!(suppressed, 2, "muted in every format");
}

#[test]
fn bad_suppression_files_are_input_errors_with_a_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let snap = snapshot(dir.path(), "s.json", &[("t", base_target())]);
    let cases = [
        (
            "unknown rule",
            "[[suppress]]\nrule = \"sg-bitmovin-999\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-12-31\n",
            ":2:8: unknown rule id `sg-bitmovin-999`",
        ),
        (
            "missing owner",
            "[[suppress]]\nrule = \"sg-bitmovin-ssh\"\nreason = \"r\"\nexpires = 2026-12-31\n",
            ":1:1: missing field `owner`",
        ),
        (
            "not a date",
            "[[suppress]]\nrule = \"sg-bitmovin-ssh\"\nreason = \"r\"\nowner = \"o\"\nexpires = \"soon\"\n",
            ":5:11:",
        ),
        (
            "unknown field",
            "[[suppress]]\nrule = \"sg-bitmovin-ssh\"\nreason = \"r\"\nowner = \"o\"\nexpires = 2026-12-31\nteam = \"x\"\n",
            ":6:1: unknown field `team`",
        ),
    ];
    for (name, text, wanted) in cases {
        let file = suppressions(dir.path(), text);
        let out = ccaudit(&["audit", &snap, "--suppressions", &file]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(&format!("suppressions.toml{wanted}")),
            "{name}: {err}"
        );
    }
    let out = ccaudit(&["audit", &snap, "--now", "24.11.2026"]);
    assert_eq!(out.status.code(), Some(2));
}

/// A report read back is typed: an outcome that is none of the four is an
/// input error at its place, never a finding quietly left out.
#[test]
fn a_baseline_with_an_unknown_outcome_is_refused_at_its_place() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good = dir.path().join("good.json");
    let report = json!({"schema": "ccaudit/report/v1", "targets": [{"name": "t", "findings": [
        {"rule": "sg-bitmovin-ssh", "outcome": "fail", "severity": "critical",
         "resource": "sg-1", "title": "t", "later_field": 1}]}], "summary": {}});
    std::fs::write(&good, serde_json::to_string_pretty(&report).expect("json")).expect("write");
    let good = good.to_str().expect("utf-8 path");
    let out = ccaudit(&["diff", good, good]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bad = dir.path().join("bad.json");
    let text = serde_json::to_string_pretty(&report)
        .expect("json")
        .replace("\"fail\"", "\"error\"");
    std::fs::write(&bad, text).expect("write");
    let out = ccaudit(&["diff", good, bad.to_str().expect("utf-8 path")]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("bad.json:") && err.contains("unknown variant `error`"),
        "{err}"
    );
}
