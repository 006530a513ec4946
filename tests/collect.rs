//! The collector against a real AWS API implementation (moto's server,
//! started by the test binary itself, see `servers`) and a Service Quotas
//! server speaking the
//! real wire format. Each scenario seeds an account through the SDK as the
//! guide (or a mistake) would set it up, runs `ccaudit scan`, and compares
//! its verdicts with the matching offline fixture's expected.json.

mod aws;
mod common;
mod servers;

use std::collections::BTreeMap;

use aws::{ACCOUNT, Grant, GroupSpec, Quotas};
use serde_json::{Value, json};

const REGION: &str = "eu-central-1";

/// Seed a group and a user in `region`, then scan them with the user's own
/// keys as Bitmovin's; the JSON report and the collected snapshot.
fn scan_seeded(scan_region: &str, spec: &GroupSpec, grant: Grant, name: &str) -> (Value, Value) {
    let moto = aws::moto();
    let (group, user, keys) = aws::runtime().block_on(async {
        let config = aws::sdk(&moto, REGION, "testing", "testing").await;
        let group = aws::create_group(&config, spec).await;
        let user = aws::unique("bitmovin");
        let keys = aws::create_user(&config, &user, grant).await;
        (group, user, keys)
    });
    scan(&moto, scan_region, &group, &user, &keys, name)
}

/// A guide-following group and Bitmovin user (the guide's inline policy)
/// in moto: the group id, the user name and its keys.
fn seed_guide_account(moto: &str) -> (String, String, (String, String)) {
    aws::runtime().block_on(async {
        let config = aws::sdk(moto, REGION, "testing", "testing").await;
        let group = aws::create_group(&config, &GroupSpec::guide()).await;
        let user = aws::unique("bitmovin");
        let keys = aws::create_user(&config, &user, Grant::GuideInline).await;
        (group, user, keys)
    })
}

/// Scan with `keys` as both the auditor's and Bitmovin's (`--as-bitmovin`).
fn scan(
    moto: &str,
    region: &str,
    group: &str,
    user: &str,
    keys: &(String, String),
    name: &str,
) -> (Value, Value) {
    Scan {
        region,
        group,
        user,
        account: ACCOUNT,
        keys,
        name,
        profiles: None,
        extra: &[],
    }
    .run(moto)
}

/// One `ccaudit scan` of a seeded account.
struct Scan<'a> {
    region: &'a str,
    group: &'a str,
    user: &'a str,
    account: &'a str,
    keys: &'a (String, String),
    name: &'a str,
    /// A shared-credentials file with named profiles.
    profiles: Option<&'a std::path::Path>,
    extra: &'a [&'a str],
}

impl Scan<'_> {
    /// The JSON report and the collected snapshot.
    fn run(&self, moto: &str) -> (Value, Value) {
        let Scan {
            region,
            group,
            user,
            account,
            keys,
            name,
            profiles,
            extra,
        } = *self;
        let dir = tempfile::tempdir().expect("temp dir");
        let saved = dir.path().join("snapshot.json");
        let mut args = vec![
            "scan",
            "--region",
            region,
            "--security-group",
            group,
            "--iam-user",
            user,
            "--account-id",
            account,
            "--max-encodings",
            "10",
            "--live",
            "rtmp",
            "--name",
            name,
            "--format",
            "json",
            "--fail-on",
            "none",
            "--quiet",
            "--as-bitmovin",
            "--save-snapshot",
            saved.to_str().expect("utf-8"),
        ];
        args.extend_from_slice(extra);
        let out = aws::ccaudit_with_profiles(
            moto,
            &aws::guide_quotas(),
            (&keys.0, &keys.1),
            profiles,
            &args,
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
        let snapshot: Value =
            serde_json::from_str(&std::fs::read_to_string(&saved).expect("snapshot saved"))
                .expect("json");
        (report, snapshot)
    }
}

/// The scan's verdicts for target `name` meet what the offline fixture's
/// expected.json says of `fixture_target` (see `common::verdict_differences`).
fn assert_same_verdicts(report: &Value, name: &str, scenario: &str, fixture_target: &str) {
    let expected = common::read_json(&common::fixture(&format!(
        "scenarios/{scenario}/expected.json"
    )));
    let findings = report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no target {name} in the report"))["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let text = |key: &str| f[key].as_str().unwrap_or("");
            (text("rule"), (text("outcome"), text("detail")))
        })
        .collect();
    let differences = common::verdict_differences(
        &common::builtin_rules(),
        &expected[fixture_target],
        &findings,
    );
    assert!(
        differences.is_empty(),
        "{scenario}/{fixture_target}, moto scan:\n{}\nreport: {report:#}",
        differences.join("\n")
    );
}

fn finding<'a>(report: &'a Value, rule: &str) -> &'a Value {
    report["targets"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no finding for {rule}"))
}

#[test]
fn healthy_setup_matches_the_offline_fixture() {
    let (report, snapshot) = scan_seeded(
        REGION,
        &GroupSpec::guide(),
        Grant::GuideInline,
        "guide-production",
    );
    assert_same_verdicts(
        &report,
        "guide-production",
        "guide-production",
        "guide-production",
    );

    // Every key the collector wrote is an operation of the auditor policy.
    let aws = snapshot["targets"][0]["aws"].as_object().expect("aws");
    for key in aws.keys() {
        assert!(
            ccaudit::collect::operations::ALL.contains(&key.as_str()),
            "{key} is not in the auditor policy"
        );
    }
    assert_eq!(snapshot["schema"], "ccaudit/snapshot/v1");
    assert!(
        aws["iam:GetUserPolicy"]["bitmovin"]["PolicyDocument"].is_object(),
        "policy documents are decoded"
    );
}

/// A pre-onboarding scan of one account and region: how many calls it
/// makes (the collector's own count, on its progress line) and how long it
/// takes. The count is held to 20; the time is printed (a debug build here,
/// the README gives the release figure).
#[test]
fn a_scan_of_one_account_region_makes_at_most_20_calls() {
    let moto = aws::moto();
    let (group, user, keys) = seed_guide_account(&moto);
    let started = std::time::Instant::now();
    let out = aws::ccaudit(
        &moto,
        &aws::guide_quotas(),
        (&keys.0, &keys.1),
        &[
            "scan",
            "--region",
            REGION,
            "--security-group",
            &group,
            "--iam-user",
            &user,
            "--account-id",
            ACCOUNT,
            "--max-encodings",
            "10",
            "--name",
            "one",
            "--as-bitmovin",
            "--format",
            "json",
        ],
    );
    let seconds = started.elapsed().as_secs_f64();
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{log}");
    let calls: usize = log
        .lines()
        .find_map(|l| {
            l.strip_prefix("collected one (1/1): ")?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no progress line: {log}"));
    eprintln!("scan of one account-region: {calls} calls, {seconds:.2} s");
    assert!(calls <= 20, "{calls} calls");
}

/// `--machine-types` has the collector read their vCPUs from EC2 (moto's
/// DescribeInstanceTypes) and `--max-instances` caps the instance count: the
/// vCPU quotas are sized from both.
#[test]
fn machine_types_and_an_instance_cap_from_the_flags_size_the_vcpu_quotas() {
    let moto = aws::moto();
    let (group, user, keys) = seed_guide_account(&moto);
    let (report, snapshot) = Scan {
        region: REGION,
        group: &group,
        user: &user,
        account: ACCOUNT,
        keys: &keys,
        name: "sized",
        profiles: None,
        extra: &[
            "--machine-types",
            "c5.large,c5.9xlarge",
            "--max-instances",
            "4",
        ],
    }
    .run(&moto);
    let target = &snapshot["targets"][0];
    assert_eq!(
        target["setup"]["machine_types"],
        json!(["c5.large", "c5.9xlarge"])
    );
    assert_eq!(target["setup"]["max_instances"], 4);
    let vcpus: Vec<(String, i64)> = target["aws"]["ec2:DescribeInstanceTypes"]["InstanceTypes"]
        .as_array()
        .expect("instance types")
        .iter()
        .map(|t| {
            let name = t["InstanceType"].as_str().unwrap_or_default().to_string();
            (
                name,
                t["VCpuInfo"]["DefaultVCpus"].as_i64().unwrap_or_default(),
            )
        })
        .collect();
    assert!(vcpus.contains(&("c5.9xlarge".to_string(), 36)), "{vcpus:?}");
    // min(10 encodings, 4 instances) × 36 vCPUs = 144, under the 160 applied.
    let on_demand = finding(&report, "quota-on-demand-vcpu");
    assert_eq!(on_demand["outcome"], "pass", "{on_demand}");
    assert!(
        on_demand["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("capped at 4 instances, each up to c5.9xlarge's 36 vCPUs (144 needed)"),
        "{on_demand}"
    );
}

#[test]
fn full_access_matches_the_evaluation_fixture() {
    let (report, _) = scan_seeded(REGION, &GroupSpec::guide(), Grant::Ec2FullAccess, "eval");
    assert_same_verdicts(&report, "eval", "guide-evaluation", "guide-evaluation");
}

#[test]
fn missing_self_rule_is_found() {
    let spec = GroupSpec {
        self_rule: false,
        ..GroupSpec::guide()
    };
    let (report, _) = scan_seeded(REGION, &spec, Grant::GuideInline, "t");
    assert_same_verdicts(&report, "t", "missing-self-rule", "self-rule-missing");
    let f = finding(&report, "sg-self-all-traffic");
    let group = f["resource"].as_str().expect("resource");
    assert_eq!(
        f["documented_error"],
        format!("No 'All' IpPermission found for Group {group} .")
    );
}

#[test]
fn missing_ssh_rule_is_found() {
    let spec = GroupSpec {
        ssh_from: vec![],
        ..GroupSpec::guide()
    };
    let (report, _) = scan_seeded(REGION, &spec, Grant::GuideInline, "t");
    assert_same_verdicts(&report, "t", "missing-ssh-rule", "ssh-rule-missing");
}

#[test]
fn missing_9999_rule_is_found() {
    let spec = GroupSpec {
        p9999_from: vec![],
        ..GroupSpec::guide()
    };
    let (report, _) = scan_seeded(REGION, &spec, Grant::GuideInline, "t");
    assert_same_verdicts(&report, "t", "missing-9999-rule", "port-9999-rule-missing");
}

#[test]
fn missing_egress_is_found() {
    let spec = GroupSpec {
        keep_default_egress: false,
        ..GroupSpec::guide()
    };
    let (report, _) = scan_seeded(REGION, &spec, Grant::GuideInline, "t");
    assert_same_verdicts(&report, "t", "missing-egress", "default-egress-deleted");
}

#[test]
fn group_in_another_region_is_located() {
    let (report, snapshot) = scan_seeded("eu-west-1", &GroupSpec::guide(), Grant::GuideInline, "t");
    assert_same_verdicts(
        &report,
        "t",
        "group-in-other-region",
        "group-created-in-frankfurt-entered-for-ireland",
    );
    let detail = finding(&report, "sg-exists-in-region")["detail"]
        .as_str()
        .expect("detail")
        .to_string();
    assert!(
        detail.ends_with("exists in eu-central-1, not eu-west-1"),
        "{detail}"
    );
    let elsewhere = &snapshot["targets"][0]["aws"]["ec2:DescribeSecurityGroups:OtherRegions"];
    assert_eq!(
        elsewhere
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["eu-central-1".to_string()])
    );
}

#[test]
fn malformed_group_id_is_found_despite_motos_answer() {
    // moto answers InvalidGroup.NotFound where AWS says InvalidGroupId.Malformed.
    let moto = aws::moto();
    let user = aws::unique("bitmovin");
    let keys = aws::runtime().block_on(async {
        let config = aws::sdk(&moto, REGION, "testing", "testing").await;
        aws::create_user(&config, &user, Grant::GuideInline).await
    });
    let (report, snapshot) = scan(&moto, REGION, "sg-12345", &user, &keys, "t");
    assert_same_verdicts(&report, "t", "malformed-group-id", "guide-example-sg-12345");
    assert!(
        snapshot["targets"][0]["aws"]
            .get("ec2:DescribeSecurityGroups:OtherRegions")
            .is_none(),
        "a malformed id is not searched for in other regions"
    );
}

/// Authentication mode is global to a moto server, so every credential
/// case runs in this one test against the second server.
#[test]
fn credentials_bitmovin_keys_and_a_restricted_auditor() {
    let moto = aws::moto_auth();
    aws::moto_control(&moto, "/moto-api/reset-auth", "inf");
    let auditor_policy = ccaudit::collect::operations::auditor_policy();
    let no_iam_policy = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["sts:GetCallerIdentity", "ec2:Describe*", "servicequotas:Get*"], "Resource": "*"}]}"#;
    let (group, bitmovin_user, bitmovin, auditor, restricted) = aws::runtime().block_on(async {
        let config = aws::sdk(&moto, REGION, "testing", "testing").await;
        let group = aws::create_group(&config, &GroupSpec::guide()).await;
        let user = aws::unique("bitmovin");
        let bitmovin = aws::create_user(&config, &user, Grant::GuideInline).await;
        let auditor = aws::create_user(
            &config,
            &aws::unique("auditor"),
            Grant::Inline(auditor_policy),
        )
        .await;
        let restricted = aws::create_user(
            &config,
            &aws::unique("no-iam"),
            Grant::Inline(no_iam_policy.into()),
        )
        .await;
        (group, user, bitmovin, auditor, restricted)
    });
    let mut quotas = Quotas::from_fixture("guide-production");
    quotas.accepted_keys = Some(vec![
        bitmovin.0.clone(),
        auditor.0.clone(),
        restricted.0.clone(),
    ]);
    let quotas = aws::serve_quotas(quotas);
    aws::moto_control(&moto, "/moto-api/reset-auth", "0");

    let dir = tempfile::tempdir().expect("temp dir");
    let credentials = dir.path().join("credentials");
    let run_with = |key: (&str, &str),
                    profiles: Option<&std::path::Path>,
                    extra: &[&str]|
     -> (Value, std::process::Output) {
        let mut args = vec![
            "scan",
            "--region",
            REGION,
            "--security-group",
            &group,
            "--account-id",
            ACCOUNT,
            "--max-encodings",
            "10",
            "--live",
            "rtmp",
            "--name",
            "t",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--quiet",
        ];
        args.extend_from_slice(extra);
        let out = aws::ccaudit_with_profiles(&moto, &quotas, key, profiles, &args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            serde_json::from_slice(&out.stdout).expect("JSON report"),
            out,
        )
    };
    let run = |key: (&str, &str), extra: &[&str]| run_with(key, None, extra).0;

    // 1. The auditor runs with exactly `ccaudit policy auditor`; Bitmovin's
    // own keys come from a profile, and the user is found from them.
    std::fs::write(
        &credentials,
        format!(
            "[bitmovin]\naws_access_key_id = {}\naws_secret_access_key = {}\n",
            bitmovin.0, bitmovin.1
        ),
    )
    .expect("write credentials");
    let saved = dir.path().join("snapshot.json");
    let (report, out) = run_with(
        (&auditor.0, &auditor.1),
        Some(&credentials),
        &[
            "--bitmovin-profile",
            "bitmovin",
            "--save-snapshot",
            saved.to_str().expect("utf-8"),
        ],
    );
    // Secrets never reach the output, the log, the snapshot or an error.
    let snapshot = std::fs::read(&saved).expect("snapshot saved");
    for secret in [&bitmovin.1, &auditor.1] {
        for (what, text) in [
            ("report", &out.stdout),
            ("log", &out.stderr),
            ("snapshot", &snapshot),
        ] {
            assert!(
                !String::from_utf8_lossy(text).contains(secret.as_str()),
                "a secret is in the {what}"
            );
        }
    }
    assert_same_verdicts(&report, "t", "guide-production", "guide-production");
    // Complete: with only the auditor policy, no call was refused. (Not
    // being in an organization is an answer, not a refusal.)
    let saved: Value = serde_json::from_slice(&snapshot).expect("snapshot JSON");
    let text = saved.to_string();
    let codes: Vec<&str> = text
        .split("\"Error\":{\"Code\":\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert!(
        codes
            .iter()
            .all(|c| *c == "AWSOrganizationsNotInUseException"),
        "calls refused with only the auditor policy: {codes:?}"
    );
    let user_arn = finding(&report, "iam-ec2-permissions")["resource"]
        .as_str()
        .expect("resource")
        .to_string();
    assert!(
        user_arn.ends_with(&format!(":user/{bitmovin_user}")),
        "{user_arn}"
    );

    // 2. Keys AWS does not know: the documented credentials failure.
    let report = run(
        (
            "AKIAIOSFODNN7EXAMPLE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ),
        &["--iam-user", &bitmovin_user, "--as-bitmovin"],
    );
    assert_same_verdicts(&report, "t", "bad-credentials", "wrong-access-key");
    let f = finding(&report, "credentials-valid");
    assert!(
        f["documented_error"]
            .as_str()
            .unwrap_or("")
            .ends_with("AWS was not able to validate the provided access credentials.")
    );

    // 3. An auditor without IAM read access: IAM rules are unknown and say
    // which permission to grant; everything else is still checked.
    let report = run(
        (&restricted.0, &restricted.1),
        &["--iam-user", &bitmovin_user],
    );
    let verdicts: BTreeMap<String, String> = aws::verdicts(&report)["t"].clone();
    for rule in [
        "iam-ec2-permissions",
        "iam-no-mfa-required",
        "iam-least-privilege",
        "iam-access-key-active",
    ] {
        assert_eq!(verdicts[rule], "unknown", "{rule}: {report:#}");
    }
    let detail = finding(&report, "iam-ec2-permissions")["detail"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(detail.contains("the auditor may not call iam:"), "{detail}");
    assert_eq!(verdicts["sg-bitmovin-9999"], "pass");
    // Bitmovin's keys were not given: they are not judged by the auditor's.
    assert_eq!(verdicts["credentials-valid"], "unknown");
    let detail = finding(&report, "credentials-valid")["detail"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(detail.contains("--bitmovin-profile"), "{detail}");

    aws::moto_control(&moto, "/moto-api/reset-auth", "inf");
}

#[test]
fn an_inventory_of_many_targets_keeps_order_and_verdicts() {
    let moto = aws::moto();
    let regions = ["eu-central-1", "us-east-1", "ap-southeast-2", "eu-west-1"];
    let count = 100;
    let (targets, user) = aws::runtime().block_on(async {
        let mut targets = Vec::new();
        let admin = aws::sdk(&moto, REGION, "testing", "testing").await;
        let user = aws::unique("bitmovin");
        aws::create_user(&admin, &user, Grant::GuideInline).await;
        for i in 0..count {
            let region = regions[i % regions.len()];
            let config = aws::sdk(&moto, region, "testing", "testing").await;
            // Every fifth target misses SSH from one Bitmovin address.
            let spec = if i % 5 == 0 {
                GroupSpec {
                    ssh_from: vec![aws::BITMOVIN[0]],
                    ..GroupSpec::guide()
                }
            } else {
                GroupSpec::guide()
            };
            targets.push((
                format!("target-{i:03}"),
                region,
                aws::create_group(&config, &spec).await,
            ));
        }
        (targets, user)
    });
    let mut inventory = format!(
        "[defaults]\niam_user = \"{user}\"\naccount_id = \"{ACCOUNT}\"\nmax_encodings = 10\nlive = [\"rtmp\"]\n"
    );
    for (name, region, group) in &targets {
        inventory.push_str(&format!("\n[[targets]]\nname = \"{name}\"\nregion = \"{region}\"\nsecurity_group_id = \"{group}\"\n"));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let inventory_path = dir.path().join("inventory.toml");
    std::fs::write(&inventory_path, inventory).expect("write inventory");
    let snapshot_path = dir.path().join("snapshot.json");

    let started = std::time::Instant::now();
    let out = aws::ccaudit(
        &moto,
        &aws::guide_quotas(),
        ("testing", "testing"),
        &[
            "collect",
            "--inventory",
            inventory_path.to_str().expect("utf-8"),
            "--concurrency",
            "8",
            "-o",
            snapshot_path.to_str().expect("utf-8"),
        ],
    );
    let seconds = started.elapsed().as_secs_f64();
    let log = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{log}");
    // Not a terminal: one plain progress line per target.
    assert_eq!(
        log.lines()
            .filter(|l| l.starts_with("collected target-"))
            .count(),
        count,
        "{log}"
    );
    let calls: Vec<usize> = log
        .lines()
        .filter_map(|l| l.split(": ").nth(1)?.split(' ').next()?.parse().ok())
        .collect();
    eprintln!(
        "{count} targets collected in {seconds:.1} s; calls per target: min {}, max {}",
        calls.iter().min().unwrap_or(&0),
        calls.iter().max().unwrap_or(&0)
    );

    let snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(&snapshot_path).expect("written"))
            .expect("json");
    let names: Vec<&str> = snapshot["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    let wanted: Vec<&str> = targets.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(names, wanted, "targets keep the inventory's order");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args([
            "audit",
            snapshot_path.to_str().expect("utf-8"),
            "--format",
            "json",
            "--fail-on",
            "none",
        ])
        .output()
        .expect("audit");
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let verdicts = aws::verdicts(&report);
    for (i, (name, _, _)) in targets.iter().enumerate() {
        let want = if i % 5 == 0 { "fail" } else { "pass" };
        assert_eq!(verdicts[name]["sg-bitmovin-ssh"], want, "{name}");
        assert_eq!(verdicts[name]["sg-bitmovin-9999"], "pass", "{name}");
        assert_eq!(verdicts[name]["iam-ec2-permissions"], "pass", "{name}");
        assert_eq!(verdicts[name]["quota-spot-vcpu"], "pass", "{name}");
    }
}

#[test]
fn collect_errors_are_input_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let bad = dir.path().join("inventory.toml");
    std::fs::write(&bad, "[[targets]]\nname = \"a\"\nregion = \"eu-west-1\"\n").expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args(["collect", "--inventory", bad.to_str().expect("utf-8")])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("inventory.toml:1:1: a has no `security_group_id`"),
        "{err}"
    );

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args(["collect", "--security-group", "sg-0123abcd"])
        .env_remove("AWS_REGION")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--region"));

    // AWS_REGION stands in for --region (and, read in code, conflicts with
    // nothing: --inventory and --from-bitmovin take it as given).
    let down = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    let endpoint = format!("http://{}", down.local_addr().expect("addr"));
    drop(down);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args([
            "collect",
            "--security-group",
            "sg-0123abcd",
            "--quiet",
            "--timeout",
            "1",
        ])
        .args(["--endpoint-url", &endpoint])
        .env("AWS_REGION", "ap-south-1")
        .env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "x")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snapshot: serde_json::Value = serde_json::from_slice(&out.stdout).expect("snapshot");
    assert_eq!(snapshot["targets"][0]["setup"]["region"], "ap-south-1");
}

#[test]
fn roles_are_assumed_and_one_broken_target_does_not_stop_the_others() {
    let moto = aws::moto();
    let (group, user, keys, role) = aws::runtime().block_on(async {
        let config = aws::sdk(&moto, REGION, "testing", "testing").await;
        let group = aws::create_group(&config, &GroupSpec::guide()).await;
        let user = aws::unique("bitmovin");
        let keys = aws::create_user(&config, &user, Grant::GuideInline).await;
        let trust = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}"#;
        let role = aws_sdk_iam::Client::new(&config)
            .create_role()
            .role_name(aws::unique("ccaudit"))
            .assume_role_policy_document(trust)
            .send()
            .await
            .expect("create role")
            .role()
            .map(|r| r.arn().to_string())
            .expect("role arn");
        (group, user, keys, role)
    });
    let inventory = format!(
        r#"
[defaults]
as_bitmovin = true
region = "{REGION}"
security_group_id = "{group}"
iam_user = "{user}"
account_id = "{ACCOUNT}"

[[targets]]
name = "via-role"
role_arn = "{role}"
external_id = "acme-audit"

[[targets]]
name = "missing-profile"
profile = "no-such-profile"

[[targets]]
name = "plain"
"#
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("inventory.toml");
    std::fs::write(&path, inventory).expect("write");
    // The auditor runs with the Bitmovin user's own keys.
    let out = aws::ccaudit(
        &moto,
        &aws::guide_quotas(),
        (&keys.0, &keys.1),
        &[
            "scan",
            "--inventory",
            path.to_str().expect("utf-8"),
            "--format",
            "json",
            "--fail-on",
            "none",
            "--quiet",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("json");
    let verdicts = aws::verdicts(&report);
    assert_eq!(verdicts.len(), 3);
    for name in ["via-role", "plain"] {
        assert_eq!(verdicts[name]["credentials-valid"], "pass", "{name}");
        assert_eq!(verdicts[name]["sg-bitmovin-9443"], "pass", "{name}");
    }
    assert_eq!(verdicts["plain"]["iam-keys-owner"], "pass");
    assert_eq!(verdicts["plain"]["iam-ec2-permissions"], "pass");
    // Keys of a role session are not an IAM user's: the owner rule fails,
    // and the user's policies prove nothing about those keys.
    assert_eq!(verdicts["via-role"]["iam-keys-owner"], "fail");
    assert_eq!(verdicts["via-role"]["iam-ec2-permissions"], "unknown");
    // No credentials at all: nothing AWS would say is known. Only the
    // group id's form, which the setup alone shows, can pass.
    let broken = &verdicts["missing-profile"];
    for (rule, outcome) in broken {
        let allowed: &[&str] = if rule == "sg-id-valid" {
            &["pass"]
        } else {
            &["unknown", "skip"]
        };
        assert!(allowed.contains(&outcome.as_str()), "{rule}: {outcome}");
    }
    let detail = report["targets"][1]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "credentials-valid")
        .and_then(|f| f["detail"].as_str())
        .unwrap_or("")
        .to_string();
    assert!(
        detail.contains("no-such-profile"),
        "the failure says why: {detail}"
    );
}

#[test]
fn triage_live_says_where_the_group_is() {
    let moto = aws::moto();
    let group = aws::runtime().block_on(async {
        let config = aws::sdk(&moto, REGION, "testing", "testing").await;
        aws::create_group(&config, &GroupSpec::guide()).await
    });
    let message = format!(
        "Got AmazonEC2Exception on retrieval of security group '{group}': The security group '{group}' does not exist."
    );
    let out = aws::ccaudit(
        &moto,
        &aws::guide_quotas(),
        ("testing", "testing"),
        &[
            "triage",
            &message,
            "--live",
            "--region",
            "ap-southeast-2",
            "--security-group",
            &group,
            "--quiet",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Documented failure: Wrong region for the security group ID"),
        "{text}"
    );
    assert!(
        text.contains(&format!("CONFIRMED       sg-exists-in-region — {group} exists in eu-central-1, not ap-southeast-2")),
        "{text}"
    );
}

#[test]
fn keys_of_another_user_are_judged_as_that_user() {
    // The setup names the guide's user, but the keys entered in the
    // dashboard belong to a CI user with only S3 access.
    let moto = aws::moto();
    let s3_only = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}"#;
    let (group, configured, other, other_keys) = aws::runtime().block_on(async {
        let config = aws::sdk(&moto, REGION, "testing", "testing").await;
        let group = aws::create_group(&config, &GroupSpec::guide()).await;
        let configured = aws::unique("bitmovin");
        aws::create_user(&config, &configured, Grant::GuideInline).await;
        let other = aws::unique("ci-deployer");
        let keys = aws::create_user(&config, &other, Grant::Inline(s3_only.into())).await;
        (group, configured, other, keys)
    });
    let (report, snapshot) = scan(&moto, REGION, &group, &configured, &other_keys, "t");
    let owner = finding(&report, "iam-keys-owner");
    assert_eq!(owner["outcome"], "fail");
    let detail = owner["detail"].as_str().expect("detail");
    assert!(
        detail.contains(&other) && detail.contains(&configured),
        "names both users: {detail}"
    );
    // The IAM evidence is the keys' owner's, and judged as such.
    let aws = &snapshot["targets"][0]["aws"];
    assert_eq!(aws["iam:GetUser"]["User"]["UserName"], other.as_str());
    assert_eq!(finding(&report, "iam-ec2-permissions")["outcome"], "fail");
    let command = finding(&report, "iam-ec2-permissions")["fix_command"]
        .as_str()
        .expect("a fix command");
    assert!(
        command.contains(&format!("--user-name {other} ")),
        "{command}"
    );
}

#[test]
fn service_control_policies_are_collected_and_weighed() {
    use aws_sdk_organizations::types::{OrganizationFeatureSet, PolicyType};
    let moto = aws::moto();
    let deny_run = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "NoRunInstances",
        "Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*"}]}"#;
    let (member, ou, group, user, keys) = aws::runtime().block_on(async {
        let admin = aws::sdk(&moto, REGION, "testing", "testing").await;
        let org = aws_sdk_organizations::Client::new(&admin);
        // One organization per moto server: created here, or by an earlier run.
        let _ = org
            .create_organization()
            .feature_set(OrganizationFeatureSet::All)
            .send()
            .await;
        let roots = org.list_roots().send().await.expect("list roots");
        let root = roots.roots()[0].id().expect("root id").to_string();
        let _ = org
            .enable_policy_type()
            .root_id(&root)
            .policy_type(PolicyType::ServiceControlPolicy)
            .send()
            .await;
        let request = org
            .create_account()
            .email(format!("{}@example.com", aws::unique("member")))
            .account_name(aws::unique("member"))
            .send()
            .await
            .expect("create account");
        let request_id = request
            .create_account_status()
            .and_then(|s| s.id())
            .expect("request id")
            .to_string();
        let member = org
            .describe_create_account_status()
            .create_account_request_id(request_id)
            .send()
            .await
            .expect("account status")
            .create_account_status()
            .and_then(|s| s.account_id())
            .expect("account id")
            .to_string();
        let ou = org
            .create_organizational_unit()
            .parent_id(&root)
            .name(aws::unique("media"))
            .send()
            .await
            .expect("create OU")
            .organizational_unit()
            .and_then(|o| o.id())
            .expect("OU id")
            .to_string();
        org.move_account()
            .account_id(&member)
            .source_parent_id(&root)
            .destination_parent_id(&ou)
            .send()
            .await
            .expect("move account");
        let policy = org
            .create_policy()
            .name(aws::unique("no-run-instances"))
            .description("Deny ec2:RunInstances")
            .r#type(PolicyType::ServiceControlPolicy)
            .content(deny_run)
            .send()
            .await
            .expect("create policy")
            .policy()
            .and_then(|p| p.policy_summary())
            .and_then(|s| s.id())
            .expect("policy id")
            .to_string();
        org.attach_policy()
            .policy_id(&policy)
            .target_id(&ou)
            .send()
            .await
            .expect("attach policy");
        // The member account's own user, group and keys.
        let session = aws_sdk_sts::Client::new(&admin)
            .assume_role()
            .role_arn(format!(
                "arn:aws:iam::{member}:role/OrganizationAccountAccessRole"
            ))
            .role_session_name("ccaudit-test-setup")
            .send()
            .await
            .expect("assume role");
        let in_member =
            aws::sdk_session(&moto, REGION, session.credentials().expect("credentials")).await;
        let group = aws::create_group(&in_member, &GroupSpec::guide()).await;
        let user = aws::unique("bitmovin");
        let keys = aws::create_user(&in_member, &user, Grant::GuideInline).await;
        (member, ou, group, user, keys)
    });
    // The member account is read with its own keys; the organization with
    // the management account's (a profile).
    let dir = tempfile::tempdir().expect("temp dir");
    let credentials = dir.path().join("credentials");
    std::fs::write(
        &credentials,
        "[management]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .expect("write credentials");
    let (report, snapshot) = Scan {
        region: REGION,
        group: &group,
        user: &user,
        account: &member,
        keys: &keys,
        name: "t",
        profiles: Some(&credentials),
        extra: &["--organizations-profile", "management"],
    }
    .run(&moto);
    let aws = &snapshot["targets"][0]["aws"];
    let organization: serde_json::Map<String, Value> = aws
        .as_object()
        .expect("aws")
        .iter()
        .filter(|(k, _)| k.starts_with("organizations:"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(
        aws["organizations:ListParents"][&member]["Parents"][0]["Id"],
        ou.as_str(),
        "{organization:#?}"
    );
    assert!(aws["organizations:ListPoliciesForTarget"][&ou]["Policies"].is_array());
    assert_eq!(finding(&report, "iam-keys-owner")["outcome"], "pass");
    let permissions = finding(&report, "iam-ec2-permissions");
    assert_eq!(permissions["outcome"], "fail", "{permissions:#}");
    let detail = permissions["detail"].as_str().expect("detail");
    assert!(
        detail.contains("NoRunInstances") && detail.contains(&format!("OU {ou}")),
        "{detail}"
    );
    // No SCP ties EC2 to MFA: a pass with no caveat, since SCPs were weighed.
    let mfa = finding(&report, "iam-no-mfa-required");
    assert_eq!(mfa["outcome"], "pass");
    assert!(
        !mfa["detail"].as_str().unwrap_or("").contains("not weighed"),
        "{mfa:#}"
    );
}
