//! Sharded runs: `collect --shard I/N` takes a stable share of an
//! inventory's targets (moto on loopback is the account), and `ccaudit
//! merge` joins the shards' snapshots or reports into what one unsharded
//! run gives. Merging refuses what would count a target twice or add up
//! what does not add up.

mod aws;
mod servers;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use aws::{ACCOUNT, Grant, GroupSpec};

const REGION: &str = "eu-central-1";
use serde_json::Value;

/// An inventory of `count` targets in moto, every third one missing the
/// 9999 rule, in a temporary folder with the run's files.
struct Fleet {
    dir: tempfile::TempDir,
    inventory: PathBuf,
    names: Vec<String>,
}

fn fleet(count: usize) -> Fleet {
    let moto = aws::moto();
    let (groups, user) = aws::runtime().block_on(async {
        let config = aws::sdk(&moto, REGION, "testing", "testing").await;
        let user = aws::unique("bitmovin");
        aws::create_user(&config, &user, Grant::GuideInline).await;
        let mut groups = Vec::new();
        for i in 0..count {
            let spec = if i % 3 == 0 {
                GroupSpec {
                    p9999_from: vec![],
                    ..GroupSpec::guide()
                }
            } else {
                GroupSpec::guide()
            };
            groups.push(aws::create_group(&config, &spec).await);
        }
        (groups, user)
    });
    let mut inventory = format!(
        "[defaults]\niam_user = \"{user}\"\naccount_id = \"{ACCOUNT}\"\nregion = \"{REGION}\"\nmax_encodings = 10\n"
    );
    let mut names = Vec::new();
    for (i, group) in groups.iter().enumerate() {
        let name = format!("acme-{i:02}");
        inventory.push_str(&format!(
            "\n[[targets]]\nname = \"{name}\"\nsecurity_group_id = \"{group}\"\n"
        ));
        names.push(name);
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fleet.toml");
    std::fs::write(&path, inventory).expect("write the inventory");
    Fleet {
        dir,
        inventory: path,
        names,
    }
}

impl Fleet {
    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `collect` (or `scan --format json`) of the inventory, maybe one shard
    /// of it, written to `out`.
    fn run(&self, command: &str, shard: Option<&str>, out: &Path) -> Output {
        let mut args = vec![
            command,
            "--inventory",
            self.inventory.to_str().expect("utf-8"),
            "-o",
            out.to_str().expect("utf-8"),
        ];
        if command == "scan" {
            args.extend(["--format", "json", "--fail-on", "none"]);
        }
        if let Some(shard) = shard {
            args.extend(["--shard", shard]);
        }
        let output = aws::ccaudit(
            &aws::moto(),
            &aws::guide_quotas(),
            ("testing", "testing"),
            &args,
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        output
    }
}

fn ccaudit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args(args)
        .output()
        .expect("run ccaudit")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("JSON")
}

fn names(document: &Value) -> Vec<String> {
    document["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| t["name"].as_str().expect("name").to_string())
        .collect()
}

/// Target name → the target's whole report (findings, fixes, details).
fn by_name(report: &Value) -> BTreeMap<String, Value> {
    report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap_or_default().to_string(),
                t.clone(),
            )
        })
        .collect()
}

/// A run that must be refused with exit 2, saying `words`.
fn refused(args: &[&str], words: &str) {
    let out = ccaudit(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    assert!(stderr(&out).contains(words), "{args:?}: {}", stderr(&out));
    assert!(out.stdout.is_empty(), "nothing half-merged is printed");
}

fn audit(snapshot: &Path, report: &Path) {
    let out = ccaudit(&[
        "audit",
        snapshot.to_str().expect("utf-8"),
        "--format",
        "json",
        "--fail-on",
        "none",
        "-o",
        report.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn the_shards_of_an_inventory_merge_into_the_unsharded_run() {
    let fleet = fleet(10);
    let whole = fleet.file("whole.json");
    fleet.run("collect", None, &whole);

    // Three shards: disjoint, together every target, each said on stderr.
    let mut shard_files = Vec::new();
    let mut sharded_names = Vec::new();
    for i in 0..3 {
        let file = fleet.file(&format!("shard-{i}.json"));
        let out = fleet.run("collect", Some(&format!("{i}/3")), &file);
        let held = names(&json(&file));
        assert!(
            stderr(&out).contains(&format!("shard {i}/3: {} of the 10 targets", held.len())),
            "{}",
            stderr(&out)
        );
        sharded_names.extend(held);
        shard_files.push(file);
    }
    sharded_names.sort();
    assert_eq!(
        sharded_names, fleet.names,
        "every target in exactly one shard"
    );

    let merged = fleet.file("merged.json");
    let mut args = vec!["merge"];
    args.extend(shard_files.iter().map(|f| f.to_str().expect("utf-8")));
    args.extend(["-o", merged.to_str().expect("utf-8")]);
    let out = ccaudit(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // The merged snapshot audits to the very verdicts of the whole run.
    let (whole_report, merged_report) = (
        fleet.file("whole-report.json"),
        fleet.file("merged-report.json"),
    );
    audit(&whole, &whole_report);
    audit(&merged, &merged_report);
    let (whole_report, merged_report) = (json(&whole_report), json(&merged_report));
    assert_eq!(by_name(&merged_report), by_name(&whole_report));
    assert_eq!(merged_report["summary"], whole_report["summary"]);
    assert!(
        whole_report["summary"]["fail"].as_u64() > Some(0),
        "the fleet has problems to find"
    );
}

#[test]
fn shard_reports_merge_into_the_unsharded_report_and_empty_shards_are_fine() {
    let fleet = fleet(2);
    let whole = fleet.file("whole.json");
    fleet.run("scan", None, &whole);
    // Eight shards of two targets: most are empty, say so, and still write
    // a report (of no target), so no older file is left in its place.
    let mut reports = Vec::new();
    let mut empty = 0;
    for i in 0..8 {
        let file = fleet.file(&format!("report-{i}.json"));
        let out = fleet.run("scan", Some(&format!("{i}/8")), &file);
        let report = json(&file);
        if report["targets"].as_array().is_some_and(Vec::is_empty) {
            assert!(
                stderr(&out).contains(&format!("shard {i}/8 holds no target")),
                "{}",
                stderr(&out)
            );
            assert_eq!(report["summary"]["fail"], 0);
            empty += 1;
        }
        reports.push(file);
    }
    assert!(empty >= 6, "{empty} empty shards");
    let merged = fleet.file("merged.json");
    let mut args = vec!["merge"];
    args.extend(reports.iter().map(|f| f.to_str().expect("utf-8")));
    args.extend(["-o", merged.to_str().expect("utf-8")]);
    let out = ccaudit(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (whole, merged) = (json(&whole), json(&merged));
    assert_eq!(by_name(&merged), by_name(&whole));
    assert_eq!(merged["summary"], whole["summary"]);
    // `collect` of an empty shard writes a snapshot with no target, which
    // merges with the others and which `audit` refuses as evidence of nothing.
    let shard = (0..8)
        .find(|i| {
            !fleet.names.iter().any(|n| {
                ccaudit::shard::Shard {
                    index: *i,
                    count: 8,
                }
                .holds(n)
            })
        })
        .expect("an empty shard");
    let nothing = fleet.file("nothing.json");
    fleet.run("collect", Some(&format!("{shard}/8")), &nothing);
    assert_eq!(json(&nothing)["targets"], serde_json::json!([]));
    let out = ccaudit(&["audit", nothing.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no targets: nothing to audit"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn merging_refuses_what_would_count_a_target_twice_or_add_up_wrongly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let scenario = |name: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/scenarios")
            .join(name)
            .join("snapshot.json")
    };
    let several = scenario("several-problems");
    let several = several.to_str().expect("utf-8");
    let production = scenario("guide-production");
    let production = production.to_str().expect("utf-8");

    // The same file twice: the target is named where it repeats.
    refused(
        &["merge", production, production],
        &format!(
            "{production}:7:7: target `guide-production` is also in {production}: shards must not overlap"
        ),
    );

    // Snapshots and reports do not mix.
    let report = dir.path().join("report.json");
    let report = report.to_str().expect("utf-8");
    audit(Path::new(several), Path::new(report));
    refused(&["merge", production, report], "is a JSON report, but");

    // Drift against one baseline does not add up across shards.
    let drifted = dir.path().join("drifted.json");
    let drifted = drifted.to_str().expect("utf-8");
    let out = ccaudit(&[
        "audit",
        several,
        "--format",
        "json",
        "--fail-on",
        "none",
        "--baseline",
        report,
        "-o",
        drifted,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    refused(&["merge", drifted], "carries drift");

    // Not JSON, or not ours: the place and the reason.
    let garbage = dir.path().join("garbage.json");
    std::fs::write(
        &garbage,
        "{\"schema\": \"ccaudit/snapshot/v1\",\n \"targets\": [}",
    )
    .expect("write");
    refused(
        &["merge", production, garbage.to_str().expect("utf-8")],
        "garbage.json:2:14:",
    );
    // No targets at all, or an empty shard with a field of the wrong type.
    let bare = dir.path().join("bare.json");
    std::fs::write(&bare, "{\"schema\": \"ccaudit/snapshot/v1\"}").expect("write");
    refused(
        &["merge", production, bare.to_str().expect("utf-8")],
        "missing field `targets`",
    );
    let odd = dir.path().join("odd-shard.json");
    std::fs::write(
        &odd,
        "{\"schema\": \"ccaudit/snapshot/v1\",\n \"collected_at\": 5, \"targets\": []}",
    )
    .expect("write");
    refused(
        &["merge", odd.to_str().expect("utf-8"), production],
        "odd-shard.json:2:18: invalid type: integer `5`, expected a string",
    );
    let foreign = dir.path().join("foreign.json");
    std::fs::write(&foreign, "{\"schema\": \"other/v1\", \"targets\": []}").expect("write");
    refused(
        &["merge", foreign.to_str().expect("utf-8")],
        "its schema is \"other/v1\"",
    );
}

/// Reports of runs with one suppressions file merge into the whole run's:
/// an expired entry is listed once, and an entry is stale only when it
/// matched nothing in any shard.
#[test]
fn merged_reports_keep_the_whole_runs_suppressions() {
    let dir = tempfile::tempdir().expect("temp dir");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/scenarios/several-problems/snapshot.json");
    let whole: Value = json(&fixture);
    let suppressions = dir.path().join("suppressions.toml");
    std::fs::write(
        &suppressions,
        r#"[[suppress]]
rule = "iam-ec2-permissions"
target = "archive-*"
reason = "matches in the first half only"
owner = "platform@example.com"
expires = 2027-01-31

[[suppress]]
rule = "quota-spot-vcpu"
target = "nowhere-*"
reason = "matches nothing"
owner = "platform@example.com"
expires = 2027-01-31

[[suppress]]
rule = "sg-bitmovin-ssh"
reason = "over"
owner = "platform@example.com"
expires = 2026-01-01
"#,
    )
    .expect("write suppressions");
    // The halves name the file differently: entries are compared without
    // where they were read from.
    let spelled = [
        suppressions.clone(),
        dir.path().join(".").join("suppressions.toml"),
    ];
    let report_of = |snapshot: &Path, name: &str, suppressions: &Path| -> PathBuf {
        let report = dir.path().join(name);
        let out = ccaudit(&[
            "audit",
            snapshot.to_str().expect("utf-8"),
            "--format",
            "json",
            "--fail-on",
            "none",
            "--suppressions",
            suppressions.to_str().expect("utf-8"),
            "--now",
            "2026-11-29",
            "-o",
            report.to_str().expect("utf-8"),
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        report
    };
    let mut halves = Vec::new();
    for (i, targets) in whole["targets"]
        .as_array()
        .expect("targets")
        .chunks(2)
        .enumerate()
    {
        let mut half = whole.clone();
        half["targets"] = Value::from(targets.to_vec());
        let path = dir.path().join(format!("half-{i}.json"));
        std::fs::write(&path, half.to_string()).expect("write a half");
        halves.push(report_of(&path, &format!("report-{i}.json"), &spelled[i]));
    }
    let merged = dir.path().join("merged.json");
    let out = ccaudit(&[
        "merge",
        halves[0].to_str().expect("utf-8"),
        halves[1].to_str().expect("utf-8"),
        "-o",
        merged.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (merged, whole) = (
        json(&merged),
        json(&report_of(&fixture, "whole.json", &suppressions)),
    );
    let reasons = |report: &Value, list: &str| -> Vec<String> {
        let mut reasons: Vec<String> = report["suppressions"][list]
            .as_array()
            .expect("list")
            .iter()
            .map(|s| s["reason"].as_str().unwrap_or_default().to_string())
            .collect();
        reasons.sort();
        reasons
    };
    assert_eq!(reasons(&whole, "stale"), ["matches nothing"]);
    assert_eq!(reasons(&whole, "expired"), ["over"]);
    for list in ["stale", "expired"] {
        assert_eq!(reasons(&merged, list), reasons(&whole, list), "{list}");
    }
    assert_eq!(merged["summary"], whole["summary"]);
    assert_eq!(by_name(&merged), by_name(&whole));
    // A half run without the file does not join them.
    let plain = dir.path().join("plain.json");
    audit(&dir.path().join("half-0.json"), &plain);
    refused(
        &[
            "merge",
            halves[1].to_str().expect("utf-8"),
            plain.to_str().expect("utf-8"),
        ],
        "was made with a suppressions file and",
    );
}
