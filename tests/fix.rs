//! `ccaudit fix`: pinned output on a scenario, and the shell script run
//! with the real `aws` CLI against moto, after which the fixed rules pass.

mod aws;
mod common;
mod servers;

use std::path::Path;
use std::process::Command;

use aws::{ACCOUNT, Grant, GroupSpec};
use common::{root, run_ccaudit};
use serde_json::Value;

fn ccaudit_fix(args: &[&str]) -> String {
    String::from_utf8(run_ccaudit(&[&["fix"], args].concat(), 0)).expect("utf-8")
}

#[test]
fn shell_script_for_a_messy_account() {
    let script = ccaudit_fix(&["fixtures/scenarios/several-problems/snapshot.json"]);
    // Widening is never emitted; removals and secrets are commented out.
    for line in script
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        assert!(
            line.starts_with("aws ") || line == "set -eu",
            "only aws commands run: {line}"
        );
        assert!(
            !line.contains("0.0.0.0/0") && !line.contains("::/0"),
            "widens access: {line}"
        );
        assert!(
            !line.contains("revoke")
                && !line.contains("detach")
                && !line.contains("create-access-key"),
            "{line}"
        );
    }
    insta::assert_snapshot!("fix_sh_several_problems", script);
}

#[test]
fn terraform_for_a_messy_account() {
    let hcl = ccaudit_fix(&[
        "fixtures/scenarios/several-problems/snapshot.json",
        "--format",
        "terraform",
    ]);
    assert_eq!(
        hcl.matches('{').count(),
        hcl.matches('}').count(),
        "balanced blocks"
    );
    assert!(hcl.contains("resource \"aws_vpc_security_group_ingress_rule\""));
    assert!(hcl.contains("resource \"aws_servicequotas_service_quota\""));
    insta::assert_snapshot!("fix_terraform_several_problems", hcl);
    // Terraform's own formatter accepts it as written (`fmt` needs no
    // provider, so it runs offline).
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("fix.tf");
    std::fs::write(&file, &hcl).expect("write");
    common::assert_terraform_formatted(&[file.as_os_str()]);
}

#[test]
fn nothing_to_fix_says_so() {
    let script = ccaudit_fix(&["fixtures/scenarios/guide-production/snapshot.json"]);
    assert!(
        script.contains("# Nothing to fix: no finding fails."),
        "{script}"
    );
}

/// Collect with the user's own keys as Bitmovin's (`--as-bitmovin`); the
/// snapshot as text.
fn collect(moto: &str, group: &str, user: &str, keys: &(String, String)) -> String {
    let out = aws::ccaudit(
        moto,
        &aws::guide_quotas(),
        (&keys.0, &keys.1),
        &[
            "collect",
            "--region",
            "eu-central-1",
            "--security-group",
            group,
            "--iam-user",
            user,
            "--account-id",
            ACCOUNT,
            "--max-encodings",
            "10",
            "--as-bitmovin",
            "--quiet",
            "--name",
            "broken",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn outcomes(snapshot: &str) -> std::collections::BTreeMap<String, String> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("snapshot.json");
    std::fs::write(&path, snapshot).expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args([
            "audit",
            path.to_str().expect("utf-8"),
            "--format",
            "json",
            "--fail-on",
            "none",
        ])
        .output()
        .expect("audit");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    aws::verdicts(&report).remove("broken").expect("target")
}

#[test]
fn the_fix_script_repairs_a_broken_account_end_to_end() {
    let aws_cli = servers::aws_cli();
    let moto = aws::moto();
    let broken = GroupSpec {
        self_rule: false,
        ssh_from: vec![aws::BITMOVIN[0]],
        p9999_from: vec![],
        keep_default_egress: false,
        ..GroupSpec::guide()
    };
    let user = aws::unique("bitmovin");
    let no_ec2 = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListAllMyBuckets", "Resource": "*"}]}"#;
    let (group, keys) = aws::runtime().block_on(async {
        let config = aws::sdk(&moto, "eu-central-1", "testing", "testing").await;
        let group = aws::create_group(&config, &broken).await;
        let keys = aws::create_user(&config, &user, Grant::Inline(no_ec2.into())).await;
        (group, keys)
    });

    let fixable = [
        "sg-self-all-traffic",
        "sg-bitmovin-ssh",
        "sg-bitmovin-9999",
        "sg-egress-all",
        "iam-ec2-permissions",
    ];
    let before = outcomes(&collect(&moto, &group, &user, &keys));
    for rule in fixable {
        assert_eq!(before[rule], "fail", "{rule} is broken before the fix");
    }

    let dir = tempfile::tempdir().expect("temp dir");
    let snapshot = dir.path().join("snapshot.json");
    std::fs::write(&snapshot, collect(&moto, &group, &user, &keys)).expect("write");
    let script = dir.path().join("fix.sh");
    std::fs::write(&script, ccaudit_fix(&[snapshot.to_str().expect("utf-8")])).expect("write");

    let bin = std::path::Path::new(&aws_cli)
        .parent()
        .expect("venv bin")
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = Command::new("sh")
        .arg(&script)
        .env_clear()
        .env("PATH", path)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "eu-central-1")
        .env("AWS_ENDPOINT_URL", &moto)
        .env("AWS_CONFIG_FILE", dir.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .output()
        .expect("sh runs");
    assert!(
        run.status.success(),
        "the fix script failed:\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );

    let after = outcomes(&collect(&moto, &group, &user, &keys));
    for rule in fixable {
        assert_eq!(after[rule], "pass", "{rule} after the fix");
    }
    assert_eq!(
        after["sg-sources-restricted"], "pass",
        "the fix adds only Bitmovin's addresses"
    );
}

/// A snapshot whose names and ids try to be shell code.
fn hostile_snapshot(dir: &Path) -> String {
    let mut snapshot =
        common::read_json(&common::fixture("scenarios/several-problems/snapshot.json"));
    let targets = snapshot["targets"].as_array_mut().expect("targets");
    targets[0]["name"] = Value::from("media\ntouch /tmp/ccaudit-pwned-name\n#");
    targets[0]["setup"]["region"] = Value::from("eu-central-1$(touch /tmp/ccaudit-pwned-region)");
    // Ids that close a comment line and open Terraform code, in the setup
    // and in the evidence that matches them.
    let group = "sg-0a1b2c3d4e5f60718\nresource \"terraform_data\" \"pwned\" {}\n#";
    targets[0]["setup"]["security_group_id"] = Value::from(group);
    targets[0]["aws"]["ec2:DescribeSecurityGroups"]["SecurityGroups"][0]["GroupId"] =
        Value::from(group);
    let subnet = "subnet-0f1e2d3c4b5a69788\nresource \"terraform_data\" \"pwned_too\" {}\n#";
    targets[1]["setup"]["subnet_id"] = Value::from(subnet);
    targets[1]["aws"]["ec2:DescribeSubnets"]["Subnets"][0]["SubnetId"] = Value::from(subnet);
    targets[1]["setup"]["iam_user"] = Value::from("bitmovin'; rm -rf ~; '");
    // Group ids in the evidence, reported as extra sources on 9443.
    let permissions =
        targets[0]["aws"]["ec2:DescribeSecurityGroups"]["SecurityGroups"][0]["IpPermissions"]
            .as_array_mut()
            .expect("permissions");
    permissions.push(serde_json::json!({
        "IpProtocol": "tcp", "FromPort": 9443, "ToPort": 9443,
        "UserIdGroupPairs": [
            {"GroupId": "sg-1'$(touch /tmp/ccaudit-pwned-group)'"},
            {"GroupId": "sg-2\ntouch /tmp/ccaudit-pwned-line\n#"}
        ]
    }));
    let path = dir.join("hostile.json");
    std::fs::write(&path, snapshot.to_string()).expect("write");
    path.to_str().expect("utf-8").to_string()
}

#[test]
fn snapshot_text_never_becomes_shell_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = ccaudit_fix(&[&hostile_snapshot(dir.path())]);
    for line in script
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        for bad in ["$(", "`", "touch", "rm -rf", "';"] {
            assert!(!line.contains(bad), "runnable line carries {bad:?}: {line}");
        }
    }
    // Commands whose values are not in their AWS format are left for a
    // person, and the fix names the value.
    assert!(
        script.contains("No command is given: the snapshot's region \"eu-central-1$(touch"),
        "{script}"
    );
    // Terraform: the ids' line breaks open no block of the snapshot's own.
    let hcl = ccaudit_fix(&[&hostile_snapshot(dir.path()), "--format", "terraform"]);
    for line in hcl.lines() {
        assert!(
            !line.starts_with("resource \"terraform_data\""),
            "Terraform code from the snapshot: {line}"
        );
    }
    assert!(
        hcl.contains("pwned_too"),
        "the hostile ids are in the output, as comments"
    );
    // A provider block only for a real region name; the target with the
    // malformed region gets comments, no resource.
    assert!(!hcl.contains("region = \"eu-central-1$"), "{hcl}");
    assert!(
        hcl.contains("# Not emitted: the snapshot's region"),
        "{hcl}"
    );
    // Every comment line stays one line: the group id's line break did not
    // start a line of its own.
    assert!(!script.lines().any(|l| l.starts_with("touch")), "{script}");
    // A malformed group id never enters a command, even a commented one.
    let report = Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args(["audit", &hostile_snapshot(dir.path()), "--format", "json"])
        .output()
        .expect("audit");
    let report: Value = serde_json::from_slice(&report.stdout).expect("json");
    let extra = report["targets"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "sg-sources-extra")
        .expect("sg-sources-extra");
    assert_eq!(extra["outcome"], "fail");
    assert_eq!(extra["fix_command"], Value::Null, "{extra}");
    let fix = extra["fix"].as_str().unwrap_or("");
    assert!(
        fix.contains("No command is given: the snapshot's")
            && fix.contains("offending_ip_permissions \"sg-1'$(touch"),
        "{fix}"
    );
}

#[test]
fn terraform_names_stay_unique_and_shared_commands_run_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let base = common::read_json(&common::fixture(
        "scenarios/missing-self-rule/snapshot.json",
    ));
    let mut one = base["targets"][0].clone();
    one["name"] = Value::from("acme-prod");
    let mut two = base["targets"][0].clone();
    two["name"] = Value::from("acme.prod");
    let path = dir.path().join("twins.json");
    std::fs::write(
        &path,
        serde_json::json!({"schema": "ccaudit/snapshot/v1", "targets": [one, two]}).to_string(),
    )
    .expect("write");
    let path = path.to_str().expect("utf-8");

    let hcl = ccaudit_fix(&[path, "--format", "terraform"]);
    let names: Vec<&str> = hcl
        .lines()
        .filter(|l| l.starts_with("resource "))
        .map(|l| l.split('"').nth(3).unwrap_or(""))
        .collect();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(
        names.len(),
        unique.len(),
        "duplicate resource names: {names:?}"
    );

    // The same group in both targets: the authorize command runs once.
    let script = ccaudit_fix(&[path]);
    let runnable: Vec<&str> = script
        .lines()
        .filter(|l| l.starts_with("aws ec2 authorize"))
        .collect();
    assert_eq!(runnable.len(), 1, "{script}");
    assert!(script.contains("# Same command as above"));
}

#[test]
fn a_value_the_setup_leaves_out_is_marked_to_fill_in_but_an_unfound_group_gives_no_command() {
    let mut snapshot =
        common::read_json(&root().join("fixtures/scenarios/bad-credentials/snapshot.json"));
    for target in snapshot["targets"].as_array_mut().expect("targets") {
        target["setup"]
            .as_object_mut()
            .expect("setup")
            .remove("iam_user");
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("snapshot.json");
    std::fs::write(&path, snapshot.to_string()).expect("write");
    let script = ccaudit_fix(&[path.to_str().expect("utf-8")]);
    assert!(
        script.contains("# aws iam create-access-key --user-name <iam_user>"),
        "{script}"
    );
    // A group named by its name and not found: there is no id to fill in.
    let script = ccaudit_fix(&["fixtures/scenarios/group-by-name/snapshot.json"]);
    assert!(!script.contains("<security_group_id>"), "{script}");
    assert!(
        script.contains("No command is given: the target's security_group_id is not known."),
        "{script}"
    );
}
