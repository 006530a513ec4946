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
use common::{builtin_rules, fixture, read_json, root, run_ccaudit};
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
            subnet_address: expected["subnet_address"].as_str().map(str::to_string),
            region: expected["region"].as_str().map(str::to_string),
            name: None,
            code: None,
            tag: expected["tag"]
                .as_str()
                .map(|t| t.parse().expect("KEY=VALUE")),
        };
        // Over a live snapshot: a scenario's, by its file and target.
        let live = expected["over"].as_object().map(|over| plan::Live {
            path: fixture(&format!(
                "scenarios/{}/snapshot.json",
                over.get("scenario")
                    .and_then(Value::as_str)
                    .expect("scenario")
            )),
            target: over
                .get("target")
                .and_then(Value::as_str)
                .map(str::to_string),
        });
        let target =
            plan::load(&path, &choice, live.as_ref()).unwrap_or_else(|e| panic!("{name}: {e}"));
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
        let finding = |rule: &str| evaluate(rules.get(rule).expect("rule"), &target);
        // Words a finding's detail must hold.
        for (rule, words) in expected["detail"].as_object().into_iter().flatten() {
            let detail = finding(rule).detail;
            let words = words.as_str().expect("words");
            assert!(detail.contains(words), "{name}: {rule}: {detail}");
        }
        // Where a finding's resource is written: address, and file (the
        // end of its path: the plan was given by its full path) and line.
        for (rule, want) in expected["written"].as_object().into_iter().flatten() {
            let mut written = serde_json::to_value(finding(rule).terraform).expect("json");
            if let (Some(file), Some(end)) = (written["file"].as_str(), want["file"].as_str()) {
                assert!(file.ends_with(&format!("/{end}")), "{name}: {rule}: {file}");
                written["file"] = want["file"].clone();
            }
            assert_eq!(&written, want, "{name}: {rule}");
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

/// Runs ccaudit expecting exit 2 (unusable input) with all of `words` said.
fn refused(args: &[&str], words: &[&str]) {
    let out = ccaudit(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    for word in words {
        assert!(stderr.contains(word), "{args:?}: {word}: {stderr}");
    }
}

#[test]
fn the_command_line_audits_a_plan_and_names_the_groups_it_cannot_choose_between() {
    let plan = "fixtures/plans/per-rule-nested-module-without-ssh/plan.json";
    let out = run_ccaudit(
        &[
            "audit",
            "--terraform-plan",
            plan,
            "--format",
            "json",
            "--fail-on",
            "none",
        ],
        0,
    );
    let report: Value = serde_json::from_slice(&out).expect("json");
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
    refused(
        &["audit", "--terraform-plan", two, "--region", "eu-west-1"],
        &[
            "the plan has 2 aws_security_group resources; name Bitmovin's with --security-group-address",
            "module.cc.aws_security_group.bastion",
            "module.cc.aws_security_group.encoders",
        ],
    );
    refused(
        &[
            "audit",
            "--terraform-plan",
            two,
            "--security-group-address",
            "module.cc.aws_security_group.encoders",
        ],
        &["give --region"],
    );

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
        let path = path.to_str().expect("utf-8");
        refused(
            &["audit", "--terraform-plan", path],
            &["plan.json", message],
        );
    }
    assert!(Path::new(&root().join(plan)).is_file());
}

#[test]
fn sarif_from_a_plan_points_at_the_terraform_code_and_a_live_snapshot_fills_in() {
    let plan = "fixtures/plans/custom-vpc-subnet-without-public-ips/plan.json";
    let out = run_ccaudit(
        &[
            "audit",
            "--terraform-plan",
            plan,
            "--format",
            "sarif",
            "--only",
            "subnet-public-ip",
        ],
        1,
    );
    let sarif: Value = serde_json::from_slice(&out).expect("sarif");
    let location = &sarif["runs"][0]["results"][0]["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        "fixtures/plans/custom-vpc-subnet-without-public-ips/main.tf"
    );
    assert_eq!(location["physicalLocation"]["region"]["startLine"], 17);
    assert_eq!(
        location["logicalLocations"][0]["name"],
        "aws_subnet.encoders"
    );

    // The fix is in the code, with no command; from another directory the
    // code is not found, and the finding still has its address.
    let out = run_ccaudit(
        &[
            "audit",
            "--terraform-plan",
            plan,
            "--format",
            "json",
            "--only",
            "subnet-public-ip",
            "--terraform-dir",
            "fixtures",
        ],
        1,
    );
    let report: Value = serde_json::from_slice(&out).expect("json");
    let finding = &report["targets"][0]["findings"][0];
    assert_eq!(
        finding["terraform"],
        serde_json::json!({"address": "aws_subnet.encoders"})
    );
    assert!(finding["fix_command"].is_null(), "{finding}");
    assert!(
        finding["fix"].as_str().is_some_and(
            |f| f.starts_with("In the Terraform code of aws_subnet.encoders, write this")
        ),
        "{finding}"
    );

    // Over a live snapshot: its target in the plan's region, by name, or an
    // error that lists them.
    let live = "fixtures/plans/over-a-live-snapshot/plan.json";
    let snapshot = "fixtures/scenarios/guide-production/snapshot.json";
    let out = run_ccaudit(
        &[
            "audit",
            "--terraform-plan",
            live,
            "--snapshot",
            snapshot,
            "--format",
            "json",
        ],
        1,
    );
    let report: Value = serde_json::from_slice(&out).expect("json");
    assert_eq!(report["targets"][0]["name"], "guide-production");
    let outcome = |rule: &str| {
        report["targets"][0]["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["rule"] == rule)
            .map(|f| f["outcome"].clone())
    };
    assert_eq!(outcome("quota-on-demand-vcpu"), Some("pass".into()));
    // The dashboard's keys are still the snapshot's user's, not the new one's.
    assert_eq!(outcome("iam-keys-owner"), Some("fail".into()));
    assert_eq!(outcome("iam-ec2-permissions"), Some("unknown".into()));
    refused(
        &[
            "audit",
            "--terraform-plan",
            live,
            "--snapshot",
            snapshot,
            "--snapshot-target",
            "nope",
        ],
        &["snapshot.json", "no target nope", "guide-production"],
    );
    // --region cannot move a plan that states its own.
    refused(
        &[
            "audit",
            "--terraform-plan",
            live,
            "--snapshot",
            snapshot,
            "--region",
            "us-east-1",
        ],
        &["the plan makes the group in eu-central-1, not in us-east-1"],
    );
    // A plan of another region than the snapshot's targets.
    refused(
        &[
            "audit",
            "--terraform-plan",
            "fixtures/plans/two-groups-and-a-rule-of-a-variable/plan.json",
            "--security-group-address",
            "module.cc.aws_security_group.encoders",
            "--snapshot",
            snapshot,
            "--region",
            "us-east-1",
        ],
        &["no target in us-east-1"],
    );
}

#[test]
fn the_terraform_code_of_the_fixtures_is_formatted() {
    // The code a fixture holds is what `terraform fmt` writes.
    common::assert_terraform_formatted(&["-recursive".as_ref(), "fixtures/plans".as_ref()]);
}

#[test]
fn a_plan_s_fix_is_terraform_in_the_resource_s_module() {
    // The SSH rule is missing from a group two modules deep: the fix is the
    // rule resources to write there, referring to the group as that module
    // does, and Terraform's formatter accepts them as written.
    let out = run_ccaudit(
        &[
            "audit",
            "--terraform-plan",
            "fixtures/plans/per-rule-nested-module-without-ssh/plan.json",
            "--only",
            "sg-bitmovin-ssh",
            "--color",
            "never",
        ],
        1,
    );
    let text = String::from_utf8(out).expect("utf-8");
    insta::assert_snapshot!("plan_fix_missing_ssh_rule", text);
    // The fix's lines, without the report's indent, up to the summary.
    let blocks: String = text
        .lines()
        .skip_while(|l| !l.ends_with("write this, then plan again:"))
        .skip(1)
        .take_while(|l| !l.starts_with("1 target"))
        .map(|l| format!("{}\n", l.strip_prefix("  ").unwrap_or(l).trim_end()))
        .collect::<String>()
        .trim_end()
        .to_string()
        + "\n";
    assert_eq!(
        blocks
            .matches("resource \"aws_vpc_security_group_ingress_rule\"")
            .count(),
        2,
        "{blocks}"
    );
    assert!(
        blocks.contains("security_group_id = aws_security_group.encoders.id"),
        "{blocks}"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("fix.tf");
    std::fs::write(&file, &blocks).expect("write");
    common::assert_terraform_formatted(&[file.as_os_str()]);

    // An inline block for a group that writes its rules inline, the rule
    // to keep when the plan destroys it, the subnet's attribute, and a
    // policy for the user Bitmovin's keys belong to (an instance of a
    // `count`); each as `terraform fmt` writes it.
    for (plan, extra, rule, words) in [
        (
            "inline-group-without-ssh",
            None,
            "sg-bitmovin-ssh",
            "# Add inside aws_security_group.encoders:\ningress {\n  description = \"Bitmovin Cloud Connect (sg-bitmovin-ssh)\"\n  protocol    = \"tcp\"\n  from_port   = 22\n  to_port     = 22\n  cidr_blocks = [\"104.199.97.13/32\", \"35.205.157.162/32\"]\n}\n",
        ),
        (
            "existing-group-destroys-a-9443-rule",
            None,
            "sg-bitmovin-9443",
            "keep aws_vpc_security_group_ingress_rule.bitmovin_9443[1], which this plan destroys, or write this instead",
        ),
        (
            "custom-vpc-subnet-without-public-ips",
            None,
            "subnet-public-ip",
            "# In aws_subnet.encoders:\nmap_public_ip_on_launch = true",
        ),
        (
            "iam-users-by-count",
            Some(["--iam-user-address", "aws_iam_user.bitmovin[0]"]),
            "iam-ec2-permissions",
            "  user   = aws_iam_user.bitmovin[0].name\n",
        ),
    ] {
        let path = format!("fixtures/plans/{plan}/plan.json");
        let mut args = vec![
            "audit",
            "--terraform-plan",
            path.as_str(),
            "--format",
            "json",
            "--only",
            rule,
        ];
        args.extend(extra.into_iter().flatten());
        let report: Value = serde_json::from_slice(&run_ccaudit(&args, 1)).expect("json");
        let finding = &report["targets"][0]["findings"][0];
        let fix = finding["fix"].as_str().unwrap_or_default();
        assert!(fix.contains(words), "{plan}: {fix}");
        assert!(finding["fix_command"].is_null(), "{plan}: {finding}");
        let (_, code) = fix.split_once('\n').expect("the code after the first line");
        std::fs::write(&file, code).expect("write");
        common::assert_terraform_formatted(&[file.as_os_str()]);
    }
}

#[test]
fn bitmovin_s_resources_by_tag_or_by_a_config_file_beside_the_code() {
    let two = "fixtures/plans/two-groups-chosen-by-tag/plan.json";
    refused(
        &["audit", "--terraform-plan", two],
        &[
            "the plan has 2 aws_security_group resources",
            "--tag KEY=VALUE",
        ],
    );
    refused(
        &[
            "audit",
            "--terraform-plan",
            two,
            "--tag",
            "bitmovin=elsewhere",
        ],
        &["none of the plan's 2 aws_security_group resources is tagged bitmovin=elsewhere"],
    );
    let chosen = |args: &[&str]| {
        let out = run_ccaudit(
            &[&["audit", "--format", "json", "--fail-on", "none"], args].concat(),
            0,
        );
        let report: Value = serde_json::from_slice(&out).expect("json");
        report["targets"][0]["name"].as_str().map(str::to_string)
    };
    assert_eq!(
        chosen(&["--terraform-plan", two, "--tag", "bitmovin=cloud-connect"]).as_deref(),
        Some("aws_security_group.encoders")
    );

    // The same choices in a file; a flag wins over it.
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("ccaudit-plan.toml");
    let config_path = config.to_str().expect("utf-8");
    std::fs::write(
        &config,
        "# Bitmovin's\nsecurity_group = \"aws_security_group.bastion\"\n",
    )
    .expect("write");
    let with = |extra: &[&str]| {
        chosen(
            &[
                &["--terraform-plan", two, "--plan-config", config_path],
                extra,
            ]
            .concat(),
        )
    };
    assert_eq!(with(&[]).as_deref(), Some("aws_security_group.bastion"));
    assert_eq!(
        with(&["--security-group-address", "aws_security_group.encoders"]).as_deref(),
        Some("aws_security_group.encoders")
    );
    // A file it cannot use: the place, and what is wrong.
    for (text, words) in [
        (
            "security_grup = \"x\"\n",
            vec![":1:1", "unknown field `security_grup`"],
        ),
        (
            "region = \"eu-west-1\"\ntag = \"bitmovin\"\n",
            vec![":2:7", "is not KEY=VALUE"],
        ),
    ] {
        std::fs::write(&config, text).expect("write");
        let mut expected = vec!["ccaudit-plan.toml"];
        expected.extend(words);
        refused(
            &[
                "audit",
                "--terraform-plan",
                two,
                "--plan-config",
                config_path,
            ],
            &expected,
        );
    }
}

#[test]
fn a_module_source_with_control_characters_gives_no_file() {
    // The module's code is found by its `source` (the plan's text); a path
    // with control characters would break a report's lines, so the finding
    // keeps its address only.
    let plan = read_json(&fixture(
        "plans/per-rule-nested-module-without-ssh/plan.json",
    ));
    let block =
        "resource \"aws_security_group\" \"encoders\" {\n  name = \"bitmovin-encoders\"\n}\n";
    let file_of = |source: &str| {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut plan = plan.clone();
        plan["configuration"]["root_module"]["module_calls"]["cloud_connect"]["source"] =
            Value::from(source);
        let code = dir.path().join(source).join("network");
        std::fs::create_dir_all(&code).expect("module dir");
        std::fs::write(code.join("main.tf"), block).expect("main.tf");
        let path = dir.path().join("plan.json");
        std::fs::write(&path, plan.to_string()).expect("plan");
        let out = run_ccaudit(
            &[
                "audit",
                "--terraform-plan",
                path.to_str().expect("utf-8"),
                "--only",
                "sg-bitmovin-ssh",
                "--format",
                "json",
            ],
            1,
        );
        let report: Value = serde_json::from_slice(&out).expect("json");
        report["targets"][0]["findings"][0]["terraform"].clone()
    };
    let found = file_of("./cloud-connect");
    assert!(
        found["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("cloud-connect/network/main.tf")),
        "{found}"
    );
    assert_eq!(found["line"], 1);
    let hostile = file_of("./cc\n  aws ec2 delete-security-group");
    assert!(hostile["file"].is_null(), "{hostile}");
    assert_eq!(
        hostile["address"],
        "module.cloud_connect.module.network.aws_security_group.encoders"
    );
}
