//! Many targets at once: evaluation is split over threads, and the CLI
//! streams the snapshot through them in batches, so order and counts must
//! come out exactly as for targets audited one by one, and every report
//! exactly as the library writes the whole report.

mod common;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use ccaudit::engine::evaluate;
use ccaudit::report::{self, Report};
use common::{builtin_rules, scenario_targets, snapshot_of};
use serde_json::Value;

/// `count` targets cycling through four scenarios, named in order.
fn many(count: usize) -> Vec<Value> {
    let pool = scenario_targets(&[
        "guide-production",
        "several-problems",
        "bad-credentials",
        "missing-egress",
    ]);
    (0..count)
        .map(|i| {
            let mut target = pool[i % pool.len()].clone();
            target["name"] = format!("target-{i:05}").into();
            target
        })
        .collect()
}

#[test]
fn many_targets_keep_their_order_and_verdicts() {
    let snapshot = snapshot_of(many(1500));
    let rules = builtin_rules();
    let report = Report::audit(&rules, &snapshot, &[]);

    assert_eq!(report.targets.len(), 1500);
    for (i, (target, reported)) in snapshot.targets.iter().zip(&report.targets).enumerate() {
        assert_eq!(reported.name, format!("target-{i:05}"));
        let one_by_one: Vec<_> = rules
            .rules
            .iter()
            .map(|r| evaluate(r, target).outcome)
            .collect();
        let together: Vec<_> = reported.findings.iter().map(|f| f.outcome).collect();
        assert_eq!(one_by_one, together, "target {i}");
    }
    let total =
        report.summary.pass + report.summary.fail + report.summary.unknown + report.summary.skip;
    assert_eq!(total, 1500 * rules.rules.len());
    assert!(report.summary.fail > 0 && report.summary.pass > 0);
}

/// A snapshot file of these targets.
fn snapshot_file(dir: &Path, targets: &[Value]) -> PathBuf {
    let path = dir.join("snapshot.json");
    let document = serde_json::json!({ "schema": "ccaudit/snapshot/v1", "targets": targets });
    std::fs::write(&path, serde_json::to_vec(&document).expect("json")).expect("write");
    path
}

fn ccaudit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args(args)
        .output()
        .expect("the binary runs")
}

#[test]
fn the_streamed_reports_are_the_whole_ones() {
    let dir = tempfile::tempdir().expect("temp dir");
    let targets = many(700);
    let path = snapshot_file(dir.path(), &targets);
    let path = path.to_str().expect("utf-8");
    let rules = builtin_rules();
    let snapshot = snapshot_of(targets);
    let whole = Report::audit(&rules, &snapshot, &[]);
    let mut csv = Vec::new();
    report::csv::write(&whole, &mut csv).expect("csv");
    for (format, expected) in [
        ("json", whole.to_json_string().expect("json").into_bytes()),
        ("table", report::table::render(&whole, None).into_bytes()),
        ("csv", csv),
    ] {
        let out = ccaudit(&["audit", path, "--format", format]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert!(
            out.stdout == expected,
            "{format}: the streamed report differs"
        );
    }
    // OCSF events carry the run's time: the same events, time aside.
    let out = ccaudit(&["audit", path, "--format", "ocsf"]);
    let streamed: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("ocsf");
    let time = streamed[0]["time"].as_u64().expect("time");
    let mut at_once = Vec::new();
    report::ocsf::write(&whole, time, &mut at_once).expect("ocsf");
    let at_once: Vec<serde_json::Value> = serde_json::from_slice(&at_once).expect("ocsf");
    assert!(streamed == at_once, "ocsf: the streamed events differ");
    let out = ccaudit(&["audit", path, "--format", "asff"]);
    let streamed: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("asff");
    let time = streamed[0]["CreatedAt"].as_str().expect("time").to_string();
    let mut at_once = Vec::new();
    report::asff::write(&whole, &time, &mut at_once).expect("asff");
    let at_once: Vec<serde_json::Value> = serde_json::from_slice(&at_once).expect("asff");
    assert!(streamed == at_once, "asff: the streamed findings differ");
}

#[test]
fn a_bad_target_late_in_a_large_snapshot_cuts_the_report_short_and_says_so() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut targets = many(700);
    let mut bad = targets[0].clone();
    bad["name"] = "bad".into();
    bad["setup"]["ssh_port"] = "twenty-two".into();
    targets.push(bad);
    let path = snapshot_file(dir.path(), &targets);
    let path = path.to_str().expect("utf-8");
    let out = ccaudit(&["audit", path, "--format", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("snapshot.json:1:") && stderr.contains("cut short"),
        "{stderr}"
    );
    // Past the 8 MiB held back, targets before the bad one were written.
    assert!(out.stdout.len() > 4 << 20, "{} bytes", out.stdout.len());
    assert!(
        out.stdout
            .starts_with(b"{\n  \"schema\": \"ccaudit/report/v1\"")
    );
    // A file is written whole or not at all.
    let report = dir.path().join("report.json");
    let out = ccaudit(&[
        "audit",
        path,
        "--format",
        "json",
        "-o",
        report.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("cut short"));
    assert!(!report.exists(), "no report file");
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        1,
        "no temporary left"
    );
}

#[test]
fn a_reader_that_stops_early_does_not_change_the_exit_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = snapshot_file(dir.path(), &many(700));
    let mut child = Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args(["audit", path.to_str().expect("utf-8"), "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // Like `| head -c 100`: read a little, then close the pipe.
    let mut start = [0u8; 100];
    child
        .stdout
        .take()
        .expect("stdout")
        .read_exact(&mut start)
        .expect("the report starts");
    let out = child.wait_with_output().expect("it ends");
    assert_eq!(
        out.status.code(),
        Some(1),
        "problems found: exit 1, as if read whole"
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
