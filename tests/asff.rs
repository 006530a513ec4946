//! `--format asff` into Security Hub: the findings are imported with the
//! real `aws` CLI (which checks them against Security Hub's API model) into
//! moto's Security Hub, 100 per call as the README's recipe does, and read
//! back with GetFindings. A failure fixed by the next run is imported again
//! under the same Id, archived and PASSED: the hub keeps no stale failure.

mod aws;
mod servers;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// `aws securityhub …` against moto, with the venv's CLI.
fn securityhub(dir: &Path, args: &[&str]) -> Value {
    let out = Command::new(servers::aws_cli())
        .arg("securityhub")
        .args(args)
        .args(["--region", "eu-central-1", "--output", "json"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL", aws::moto())
        .env("AWS_CONFIG_FILE", dir.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.join("none"))
        .output()
        .expect("run the aws CLI");
    assert!(
        out.status.success(),
        "aws securityhub {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

/// The snapshot's findings as ASFF (`extra`: more `audit` flags).
fn asff(snapshot: &Path, extra: &[&str]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args([
            "audit",
            snapshot.to_str().expect("utf-8"),
            "--format",
            "asff",
            "--fail-on",
            "none",
        ])
        .args(extra)
        .output()
        .expect("run ccaudit");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("a JSON array")
}

/// Import `findings` 100 at a time; the count imported.
fn import(dir: &Path, findings: &[Value]) -> u64 {
    let mut imported = 0;
    for (i, batch) in findings.chunks(100).enumerate() {
        let file = dir.join(format!("batch-{i}.json"));
        std::fs::write(&file, serde_json::to_string(batch).expect("json")).expect("write");
        let answer = securityhub(
            dir,
            &[
                "batch-import-findings",
                "--findings",
                &format!("file://{}", file.display()),
            ],
        );
        assert_eq!(answer["FailedCount"], 0, "{answer}");
        imported += answer["SuccessCount"].as_u64().unwrap_or(0);
    }
    imported
}

/// Id → the finding as the hub holds it.
fn in_the_hub(dir: &Path) -> std::collections::BTreeMap<String, Value> {
    securityhub(dir, &["get-findings"])["Findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (f["Id"].as_str().unwrap_or_default().to_string(), f.clone()))
        .collect()
}

#[test]
fn findings_are_imported_into_security_hub_and_a_fix_archives_its_failure() {
    let dir = tempfile::tempdir().expect("temp dir");
    securityhub(dir.path(), &["enable-security-hub"]);
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/scenarios/several-problems/snapshot.json");
    let tonight = asff(&fixture, &[]);
    assert!(
        tonight.len() > 100,
        "{} findings: one batch would do",
        tonight.len()
    );
    assert_eq!(import(dir.path(), &tonight), tonight.len() as u64);
    let hub = in_the_hub(dir.path());
    assert_eq!(
        hub.len(),
        tonight.len(),
        "one hub finding per ccaudit finding"
    );
    let id = |rule: &str, target: &str| -> String {
        tonight
            .iter()
            .find(|f| {
                f["GeneratorId"] == format!("ccaudit/{rule}")
                    && f["ProductFields"]["ccaudit/target"] == target
            })
            .and_then(|f| f["Id"].as_str())
            .unwrap_or_else(|| panic!("no {rule} finding for {target}"))
            .to_string()
    };
    let quota = id("quota-network-interfaces", "sandbox-eu-west-1");
    assert_eq!(hub[&quota]["RecordState"], "ACTIVE");
    assert_eq!(hub[&quota]["Compliance"]["Status"], "FAILED");
    assert_eq!(hub[&quota]["Resources"][0]["Type"], "Other");

    // The next night the quota was raised: the same Id, archived, passed.
    let mut snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(&fixture).expect("read")).expect("json");
    let sandbox = snapshot["targets"]
        .as_array_mut()
        .expect("targets")
        .iter_mut()
        .find(|t| t["name"] == "sandbox-eu-west-1")
        .expect("sandbox");
    sandbox["aws"]["servicequotas:GetServiceQuota"]["vpc/L-DF5E4CA3"]["Quota"]["Value"] =
        Value::from(5000.0);
    let fixed = dir.path().join("fixed.json");
    std::fs::write(&fixed, snapshot.to_string()).expect("write");
    let next = asff(&fixed, &[]);
    import(dir.path(), &next);
    let hub = in_the_hub(dir.path());
    assert_eq!(hub.len(), tonight.len(), "updated in place, nothing added");
    assert_eq!(hub[&quota]["RecordState"], "ARCHIVED", "{}", hub[&quota]);
    assert_eq!(hub[&quota]["Compliance"]["Status"], "PASSED");
    let failing: Vec<&str> = tonight
        .iter()
        .filter(|f| f["RecordState"] == "ACTIVE" && f["Id"] != quota.as_str())
        .filter_map(|f| f["Id"].as_str())
        .collect();
    assert!(failing.len() > 10, "{failing:?}");
    for still in failing {
        assert_eq!(
            hub[still]["RecordState"], "ACTIVE",
            "{still}: what still fails stays"
        );
    }
}

/// A scenario's snapshot, to change.
fn scenario(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/scenarios")
        .join(name)
        .join("snapshot.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json")
}

/// Two targets in one account and region, sized apart: each keeps its own
/// finding (a failure of one is never archived by the other's pass), and
/// a muted finding says who accepted it.
#[test]
fn ids_are_per_target_and_rule_and_a_mute_is_said() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut snapshot = scenario("guide-production");
    let mut big = snapshot["targets"][0].clone();
    big["name"] = Value::from("big");
    big["setup"]["max_encodings"] = Value::from(1000);
    snapshot["targets"]
        .as_array_mut()
        .expect("targets")
        .push(big);
    let path = dir.path().join("two.json");
    std::fs::write(&path, snapshot.to_string()).expect("write");
    let suppressions = dir.path().join("suppressions.toml");
    std::fs::write(
        &suppressions,
        "[[suppress]]\nrule = \"quota-spot-vcpu\"\ntarget = \"big\"\nreason = \"raise requested\"\nowner = \"platform@example.com\"\nexpires = 2027-01-31\n",
    )
    .expect("write");
    let findings = asff(
        &path,
        &[
            "--suppressions",
            suppressions.to_str().expect("utf-8"),
            "--now",
            "2026-11-29",
        ],
    );
    let mut ids: Vec<&str> = findings.iter().filter_map(|f| f["Id"].as_str()).collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "every finding has its own Id");
    let spot = |target: &str| {
        findings
            .iter()
            .find(|f| {
                f["GeneratorId"] == "ccaudit/quota-spot-vcpu"
                    && f["ProductFields"]["ccaudit/target"] == target
            })
            .unwrap_or_else(|| panic!("no spot finding for {target}"))
    };
    assert_eq!(spot("big")["Compliance"]["Status"], "FAILED");
    assert_eq!(
        spot("big")["ProductFields"]["ccaudit/muted-by"],
        "platform@example.com"
    );
    assert_eq!(spot("guide-production")["Compliance"]["Status"], "PASSED");
}

#[test]
fn a_target_without_an_account_id_is_refused_not_guessed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut snapshot = scenario("guide-production");
    snapshot["targets"][0]["setup"]
        .as_object_mut()
        .expect("setup")
        .remove("account_id");
    let path = dir.path().join("no-account.json");
    std::fs::write(&path, snapshot.to_string()).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args(["audit", path.to_str().expect("utf-8"), "--format", "asff"])
        .output()
        .expect("run ccaudit");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("target guide-production: Security Hub findings need the target's AWS account id, and the snapshot gives none"),
        "{stderr}"
    );
    assert!(!stderr.contains("cannot write output"), "{stderr}");
    assert!(out.stdout.is_empty(), "no half array");
}
