//! Targets from Bitmovin's own configuration: `collect`/`scan
//! --from-bitmovin` against a local server speaking Bitmovin's documented
//! envelope and models (wiremock, on loopback), with moto for the AWS side.
//! Each error of the API is a clear message and exit 2; one account's
//! failure does not stop the others; the API key is never written anywhere.

mod aws;
mod servers;

use std::path::PathBuf;
use std::process::{Command, Output};

use aws::{ACCOUNT, Grant, GroupSpec};
use serde_json::{Value, json};
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "CanaryBitmovinApiKeyDoNotPrint-0123456789abcdef";
const ORG: &str = "6f1c0a2e-org";
const SECRET: &str = "CanaryBitmovinAccountSecretDoNotPrint0123";
/// AWS keys for runs whose AWS side is not seeded (Bitmovin's side is what they test).
const UNSEEDED: (&str, &str) = ("AKIAEXAMPLE", "x");

/// Bitmovin's API, stood in for on loopback.
struct Bitmovin {
    runtime: tokio::runtime::Runtime,
    server: MockServer,
    dir: tempfile::TempDir,
}

/// `{"requestId", "status": "SUCCESS", "data": {"result": …}}`.
fn envelope(result: Value) -> Value {
    json!({"requestId": "5a0e2f3c-request", "status": "SUCCESS", "data": {"result": result}})
}

/// One page of a list holding all `items`.
fn page(items: Vec<Value>) -> Value {
    let count = items.len();
    envelope(json!({"totalCount": count, "offset": 0, "limit": 100, "items": items}))
}

/// An error answer, as the API writes it (`data` is `ResponseErrorData`).
fn error(code: i64, message: &str) -> Value {
    json!({"requestId": "5a0e2f3c-error", "status": "ERROR",
        "data": {"code": code, "message": message, "developerMessage": "see the documentation",
                 "links": [], "details": []}})
}

/// A key-based Cloud Connect account (`AwsAccount`), secret and custom data included.
fn account(id: &str, access_key: &str) -> Value {
    json!({"id": id, "name": "prod", "createdAt": "2024-01-01T10:00:00Z",
        "accountNumber": ACCOUNT, "accessKey": access_key, "secretKey": SECRET,
        "customData": {"owner": "platform"}})
}

/// An `AwsAccountRegionSettings`.
fn region_setting(region: &str, group: &str) -> Value {
    json!({"id": format!("rs-{region}"), "region": region, "securityGroupId": group,
        "sshPort": 22, "limitParallelEncodings": 10, "createdAt": "2024-01-01T10:00:00Z"})
}

impl Bitmovin {
    fn start() -> Bitmovin {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let server = runtime.block_on(MockServer::start());
        Bitmovin {
            runtime,
            server,
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// Bitmovin listing one key-based account with one region setting.
    fn one_account(access_key: &str, region: &str, group: &str) -> Bitmovin {
        Bitmovin::one_account_with(access_key, region_setting(region, group))
    }

    /// Bitmovin listing one key-based account with this region setting.
    fn one_account_with(access_key: &str, setting: Value) -> Bitmovin {
        let bitmovin = Bitmovin::start();
        bitmovin.answer(
            "/encoding/infrastructure/aws",
            200,
            page(vec![account("acc-1", access_key)]),
        );
        bitmovin.answer(
            "/encoding/infrastructure/aws/acc-1/regions",
            200,
            page(vec![setting]),
        );
        bitmovin
    }

    fn url(&self) -> String {
        format!("{}/v1", self.server.uri())
    }

    /// Answer GET `api_path` (with the right key) with `status` and `body`.
    fn answer(&self, api_path: &str, status: u16, body: Value) {
        self.mount(
            api_path,
            ResponseTemplate::new(status).set_body_json(body),
            None,
        );
    }

    fn mount(&self, api_path: &str, response: ResponseTemplate, times: Option<u64>) {
        let mut mock = Mock::given(method("GET"))
            .and(path(format!("/v1{api_path}")))
            .and(header("X-Api-Key", KEY))
            .respond_with(response);
        if let Some(times) = times {
            mock = mock.up_to_n_times(times).with_priority(1);
        }
        self.runtime.block_on(mock.mount(&self.server));
    }

    /// How many requests reached `api_path`.
    fn requests(&self, api_path: &str) -> usize {
        let wanted = format!("/v1{api_path}");
        self.runtime
            .block_on(self.server.received_requests())
            .unwrap_or_default()
            .iter()
            .filter(|r| r.url.path() == wanted)
            .count()
    }

    fn key_file(&self) -> PathBuf {
        let file = self.dir.path().join("bitmovin-api-key");
        std::fs::write(&file, format!("{KEY}\n")).expect("key file");
        file
    }

    /// The same, with AWS keys moto was not seeded for.
    fn unseeded(&self, args: &[&str]) -> Output {
        self.ccaudit(&aws::moto(), UNSEEDED, args)
    }

    /// `ccaudit ARGS --bitmovin-api-url … --bitmovin-api-key-file …`
    /// against moto, with `keys` as the AWS credentials.
    fn ccaudit(&self, moto: &str, keys: (&str, &str), args: &[&str]) -> Output {
        let url = self.url();
        let key_file = self.key_file();
        let mut all: Vec<&str> = args.to_vec();
        all.extend([
            "--bitmovin-api-url",
            &url,
            "--bitmovin-api-key-file",
            key_file.to_str().expect("utf-8"),
        ]);
        run(moto, keys, &all, &[])
    }
}

fn run(moto: &str, keys: (&str, &str), args: &[&str], env: &[(&str, &str)]) -> Output {
    let empty = std::env::temp_dir().join("ccaudit-test-no-aws-config");
    let mut command = Command::new(env!("CARGO_BIN_EXE_ccaudit"));
    command
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", keys.0)
        .env("AWS_SECRET_ACCESS_KEY", keys.1)
        .env("AWS_ENDPOINT_URL", moto)
        .env("AWS_ENDPOINT_URL_SERVICE_QUOTAS", aws::guide_quotas())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", &empty);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("run ccaudit")
}

/// A guide-following group and Bitmovin user in `region`; the group id,
/// the user name and its keys.
fn seed(region: &str) -> (String, String, (String, String)) {
    let moto = aws::moto();
    aws::runtime().block_on(async {
        let config = aws::sdk(&moto, region, "testing", "testing").await;
        let group = aws::create_group(&config, &GroupSpec::guide()).await;
        let user = aws::unique("bitmovin");
        let keys = aws::create_user(&config, &user, Grant::GuideInline).await;
        (group, user, keys)
    })
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// rule → outcome for the report's target `name`.
fn outcomes(report: &Value, name: &str) -> std::collections::BTreeMap<String, String> {
    aws::verdicts(report)
        .remove(name)
        .unwrap_or_else(|| panic!("no target {name} in {report}"))
}

/// `scan --from-bitmovin` of a seeded account, with its keys as the
/// auditor's and Bitmovin's: the report, the saved snapshot's text.
fn scan(bitmovin: &Bitmovin, user: &str, keys: &(String, String)) -> (Output, Value, String) {
    scan_with(bitmovin, keys, &["--iam-user", user, "--as-bitmovin"])
}

/// `scan --from-bitmovin --format json` with `keys` and `extra` flags: the
/// output, the report and the text of the snapshot saved beside it.
fn scan_with(
    bitmovin: &Bitmovin,
    keys: &(String, String),
    extra: &[&str],
) -> (Output, Value, String) {
    let saved = bitmovin.dir.path().join("snapshot.json");
    let mut args = vec![
        "scan",
        "--from-bitmovin",
        "--format",
        "json",
        "--fail-on",
        "none",
        "--quiet",
        "--save-snapshot",
        saved.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    let out = bitmovin.ccaudit(&aws::moto(), (&keys.0, &keys.1), &args);
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    let snapshot = std::fs::read_to_string(&saved).unwrap_or_default();
    (out, report, snapshot)
}

#[test]
fn a_healthy_key_based_account_is_audited_from_bitmovins_settings() {
    let (group, user, keys) = seed("eu-central-1");
    let bitmovin = Bitmovin::one_account(&keys.0, "EU_CENTRAL_1", &group);
    let (out, report, snapshot) = scan(&bitmovin, &user, &keys);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let name = format!("{ACCOUNT}-eu-central-1");
    let outcomes = outcomes(&report, &name);
    for rule in [
        "account-id-matches",
        "credentials-valid",
        "sg-exists-in-region",
        "sg-bitmovin-9443",
        "sg-bitmovin-9999",
        "iam-ec2-permissions",
        "bitmovin-access-key-active",
    ] {
        assert_eq!(outcomes[rule], "pass", "{rule}: {outcomes:?}");
    }
    // What Bitmovin said is evidence in the snapshot, redacted.
    let snapshot: Value = serde_json::from_str(&snapshot).expect("snapshot");
    let target = &snapshot["targets"][0];
    assert_eq!(target["setup"]["account_id"], ACCOUNT);
    assert_eq!(target["setup"]["region"], "eu-central-1");
    assert_eq!(target["setup"]["security_group_id"], group.as_str());
    assert_eq!(target["setup"]["max_encodings"], 10);
    assert_eq!(
        target["bitmovin"]["AwsAccount"]["accessKey"],
        keys.0.as_str()
    );
    assert_eq!(
        target["bitmovin"]["AwsAccountRegionSettings"]["region"],
        "EU_CENTRAL_1"
    );
    let all = format!("{stdout}{stderr}{snapshot}");
    for secret in [KEY, SECRET, "customData", "platform"] {
        assert!(!all.contains(secret), "{secret} was written");
    }
    // The key went in the header the API reads.
    assert_eq!(bitmovin.requests("/encoding/infrastructure/aws"), 1);
}

/// A role-based Cloud Connect account (`roleName` and `externalId`).
fn role_account(id: &str, role: &str, external_id: &str) -> Value {
    json!({"id": id, "name": "prod", "createdAt": "2025-08-01T10:00:00Z",
        "accountNumber": ACCOUNT, "roleName": role, "externalId": external_id})
}

/// What a seeded role may do.
enum RolePermissions {
    /// The guide's policy, as a customer managed policy attached to it.
    GuideManaged,
    /// The guide's policy inline, and the usual "deny everything without
    /// MFA" policy next to it (harmless for access keys, not for a role).
    GuideWithMfaDeny,
    /// No permission policy at all.
    Nothing,
}

/// A role in moto whose trust policy lets account 630681592166 assume it
/// with `external_id`.
fn seed_role(external_id: &str, permissions: RolePermissions) -> String {
    let moto = aws::moto();
    aws::runtime().block_on(async {
        let config = aws::sdk(&moto, "eu-central-1", "testing", "testing").await;
        let name = aws::unique("bitmovin-role");
        let trust = json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::630681592166:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": external_id}}}]});
        let iam = aws_sdk_iam::Client::new(&config);
        iam.create_role()
            .role_name(&name)
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .expect("create role");
        match permissions {
            RolePermissions::GuideManaged => {
                let policy = iam
                    .create_policy()
                    .policy_name(format!("{name}-guide"))
                    .policy_document(aws::guide_policy())
                    .send()
                    .await
                    .expect("create policy");
                let arn = policy.policy().and_then(|p| p.arn()).expect("arn");
                iam.attach_role_policy()
                    .role_name(&name)
                    .policy_arn(arn)
                    .send()
                    .await
                    .expect("attach role policy");
            }
            RolePermissions::GuideWithMfaDeny => {
                let mfa_deny = json!({"Version": "2012-10-17", "Statement": [{
                    "Sid": "DenyWithoutMfa", "Effect": "Deny", "Action": "*", "Resource": "*",
                    "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]});
                for (policy, document) in [
                    ("bitmovin", aws::guide_policy()),
                    ("require-mfa", mfa_deny.to_string()),
                ] {
                    iam.put_role_policy()
                        .role_name(&name)
                        .policy_name(policy)
                        .policy_document(document)
                        .send()
                        .await
                        .expect("put role policy");
                }
            }
            RolePermissions::Nothing => {}
        }
        name
    })
}

/// `scan --from-bitmovin` of role-based accounts, read with the auditor's
/// keys (Bitmovin holds none): the report.
fn scan_with_auditor_keys(bitmovin: &Bitmovin) -> Value {
    let auditor = ("testing".to_string(), "testing".to_string());
    let (out, report, _) = scan_with(bitmovin, &auditor, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    report
}

/// The finding of `rule` on the report's target `name`.
fn finding<'a>(report: &'a Value, name: &str, rule: &str) -> &'a Value {
    report["targets"]
        .as_array()
        .and_then(|targets| targets.iter().find(|t| t["name"] == name))
        .and_then(|t| t["findings"].as_array())
        .and_then(|f| f.iter().find(|f| f["rule"] == rule))
        .unwrap_or_else(|| panic!("no {rule} finding on {name}"))
}

#[test]
fn role_based_accounts_are_judged_by_the_roles_trust_policy() {
    let (group, _, _) = seed("eu-central-1");
    let (wrong, right) = (
        seed_role(
            "external-id-before-rotation",
            RolePermissions::GuideWithMfaDeny,
        ),
        seed_role("7f3c9a2e-ext", RolePermissions::GuideManaged),
    );
    let bitmovin = Bitmovin::start();
    bitmovin.answer(
        "/encoding/infrastructure/aws",
        200,
        page(vec![
            role_account("acc-1", &wrong, "7f3c9a2e-ext"),
            role_account("acc-2", &right, "7f3c9a2e-ext"),
            role_account("acc-3", "no-such-role", "7f3c9a2e-ext"),
        ]),
    );
    for id in ["acc-1", "acc-2", "acc-3"] {
        bitmovin.answer(
            &format!("/encoding/infrastructure/aws/{id}/regions"),
            200,
            page(vec![region_setting("EU_CENTRAL_1", &group)]),
        );
    }
    let report = scan_with_auditor_keys(&bitmovin);
    let detail = |target: &str| {
        report["targets"]
            .as_array()
            .expect("targets")
            .iter()
            .find(|t| t["name"] == target)
            .and_then(|t| t["findings"].as_array())
            .and_then(|f| f.iter().find(|f| f["rule"] == "bitmovin-role-trust"))
            .and_then(|f| f["detail"].as_str())
            .unwrap_or_default()
            .to_string()
    };
    let (first, second, third) = (
        format!("{ACCOUNT}-eu-central-1"),
        format!("{ACCOUNT}-eu-central-1-2"),
        format!("{ACCOUNT}-eu-central-1-3"),
    );
    let wrong_id = outcomes(&report, &first);
    assert_eq!(wrong_id["bitmovin-role-trust"], "fail", "{wrong_id:?}");
    assert!(
        detail(&first).contains("requires sts:ExternalId external-id-before-rotation, but Bitmovin's AwsAccount has externalId 7f3c9a2e-ext"),
        "{}",
        detail(&first)
    );
    // The role's own policies are judged as a user's would be, but its
    // sessions carry aws:MultiFactorAuthPresent false: the Deny that
    // access keys slip past blocks the role.
    assert_eq!(wrong_id["iam-no-mfa-required"], "fail", "{wrong_id:?}");
    assert_eq!(wrong_id["iam-ec2-permissions"], "fail", "{wrong_id:?}");
    let mfa = finding(&report, &first, "iam-no-mfa-required");
    assert!(
        mfa["detail"].as_str().unwrap_or_default().contains(
            "inline policy 'require-mfa' on the role (DenyWithoutMfa): Deny when aws:MultiFactorAuthPresent is false (Bool): the sessions Bitmovin opens with the role carry aws:MultiFactorAuthPresent false"
        ),
        "{mfa}"
    );
    assert_eq!(
        mfa["resource"],
        format!("arn:aws:iam::{ACCOUNT}:role/{wrong}"),
        "{mfa}"
    );
    // A role has no access key.
    assert_eq!(wrong_id["iam-access-key-active"], "skip");
    assert_eq!(wrong_id["bitmovin-access-key-active"], "skip");
    let healthy = outcomes(&report, &second);
    for rule in [
        "bitmovin-role-trust",
        "iam-ec2-permissions",
        "iam-no-mfa-required",
        "iam-least-privilege",
    ] {
        assert_eq!(healthy[rule], "pass", "{rule}: {healthy:?}");
    }
    assert!(
        detail(&second).contains("not checked: that these are the principal Bitmovin assumes from")
    );
    let third_outcomes = outcomes(&report, &third);
    assert_eq!(third_outcomes["bitmovin-role-trust"], "fail");
    assert!(
        detail(&third).contains("role no-such-role does not exist"),
        "{}",
        detail(&third)
    );
    // A missing role has no policies to judge: unknown, naming the call.
    assert_eq!(third_outcomes["iam-ec2-permissions"], "unknown");
    let missing = finding(&report, &third, "iam-ec2-permissions");
    assert!(
        missing["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("iam:GetRole failed with NoSuchEntity"),
        "{missing}"
    );
}

/// `ccaudit fix` on a role-based account puts the guide's policy on the
/// role: the script, run with the real `aws` CLI against moto, makes
/// iam-ec2-permissions pass on the next scan; Terraform gets a role policy.
#[test]
fn the_fix_for_a_role_without_permissions_puts_the_policy_on_the_role() {
    let aws_cli = servers::aws_cli();
    let (group, _, _) = seed("eu-central-1");
    let role = seed_role("7f3c9a2e-ext", RolePermissions::Nothing);
    let bitmovin = Bitmovin::start();
    bitmovin.answer(
        "/encoding/infrastructure/aws",
        200,
        page(vec![role_account("acc-1", &role, "7f3c9a2e-ext")]),
    );
    bitmovin.answer(
        "/encoding/infrastructure/aws/acc-1/regions",
        200,
        page(vec![region_setting("EU_CENTRAL_1", &group)]),
    );
    let snapshot = bitmovin.dir.path().join("snapshot.json");
    let scan_once = || {
        let report = scan_with_auditor_keys(&bitmovin);
        outcomes(&report, &format!("{ACCOUNT}-eu-central-1"))["iam-ec2-permissions"].clone()
    };
    assert_eq!(scan_once(), "fail");

    let fix = |format: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_ccaudit"))
            .args(["fix", snapshot.to_str().expect("utf-8"), "--format", format])
            .output()
            .expect("run fix");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
        text(&out).0
    };
    let hcl = fix("terraform");
    assert!(
        hcl.contains(&format!(
            "resource \"aws_iam_role_policy\" \"t{ACCOUNT}_eu_central_1_iam_ec2_permissions\" {{\n  provider = aws.eu_central_1\n  name     = \"bitmovin-cloud-connect-guide-policy\"\n  role     = \"{role}\"\n"
        )),
        "{hcl}"
    );
    let script = fix("sh");
    let put = format!(
        "aws iam put-role-policy --role-name {role} --policy-name bitmovin-cloud-connect-guide-policy --policy-document "
    );
    assert!(script.contains(&put), "{script}");
    let path = bitmovin.dir.path().join("fix.sh");
    std::fs::write(&path, &script).expect("write the script");
    let bin = aws_cli.parent().expect("venv bin").to_path_buf();
    let run = Command::new("sh")
        .arg(&path)
        .env_clear()
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "eu-central-1")
        .env("AWS_ENDPOINT_URL", aws::moto())
        .env("AWS_CONFIG_FILE", bitmovin.dir.path().join("none"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            bitmovin.dir.path().join("none"),
        )
        .output()
        .expect("sh runs");
    assert!(run.status.success(), "{}", text(&run).1);
    assert_eq!(scan_once(), "pass");
}

/// A region setting made before the models dropped `machineTypes` and
/// `maximumAmountOfCoordinatorsAndWorkersInRegion` still sizes the quotas:
/// the largest machine type's vCPUs (from moto's ec2:DescribeInstanceTypes),
/// the cap bounding the instance count.
#[test]
fn legacy_machine_types_and_instance_cap_size_the_vcpu_quotas() {
    let (group, user, keys) = seed("eu-central-1");
    let mut setting = region_setting("EU_CENTRAL_1", &group);
    setting["machineTypes"] = json!(["c5.large", "c5.9xlarge"]);
    setting["maximumAmountOfCoordinatorsAndWorkersInRegion"] = json!(200);
    let bitmovin = Bitmovin::one_account_with(&keys.0, setting);
    let (out, report, snapshot) = scan(&bitmovin, &user, &keys);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    let snapshot: Value = serde_json::from_str(&snapshot).expect("snapshot");
    let target = &snapshot["targets"][0];
    assert_eq!(
        target["setup"]["machine_types"],
        json!(["c5.large", "c5.9xlarge"])
    );
    assert_eq!(target["setup"]["max_instances"], 200);
    assert_eq!(
        target["bitmovin"]["AwsAccountRegionSettings"]["maximumAmountOfCoordinatorsAndWorkersInRegion"],
        200
    );
    let described = target["aws"]["ec2:DescribeInstanceTypes"]["InstanceTypes"]
        .as_array()
        .expect("instance types");
    assert_eq!(described.len(), 2, "{described:?}");
    let name = format!("{ACCOUNT}-eu-central-1");
    // 10 encodings, one on-demand instance each, up to 36 vCPUs: 360 > 160.
    let on_demand = finding(&report, &name, "quota-on-demand-vcpu");
    assert_eq!(on_demand["outcome"], "fail", "{on_demand}");
    assert!(
        on_demand["detail"].as_str().unwrap_or_default().contains(
            "below the 360 needed for 10 parallel encodings × 60 instances, capped at 200 instances, each up to c5.9xlarge's 36 vCPUs"
        ),
        "{on_demand}"
    );
    // 600 instances capped at 200: 200 × 36 × 3 = 21600, under 28800.
    let spot = finding(&report, &name, "quota-spot-vcpu");
    assert_eq!(spot["outcome"], "pass", "{spot}");
    assert!(
        spot["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("(21600 needed)"),
        "{spot}"
    );
}

/// A region setting whose subnet does not exist in its region fails the
/// subnet rule, which names the subnet and the region.
#[test]
fn a_region_setting_whose_subnet_does_not_exist_fails() {
    let (group, user, keys) = seed("eu-central-1");
    let mut setting = region_setting("EU_CENTRAL_1", &group);
    setting["subnetId"] = json!("subnet-0123456789abcdef0");
    let bitmovin = Bitmovin::one_account_with(&keys.0, setting);
    let (out, report, _) = scan(&bitmovin, &user, &keys);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    let subnet = finding(
        &report,
        &format!("{ACCOUNT}-eu-central-1"),
        "subnet-public-ip",
    );
    assert_eq!(subnet["outcome"], "fail", "{subnet}");
    assert_eq!(
        subnet["detail"],
        "subnet subnet-0123456789abcdef0 does not exist in eu-central-1"
    );
}

/// The nightly shape: 10 role-based Cloud Connect accounts with 5 region
/// settings each, 50 targets from one scan. Bitmovin is asked 11 times (the
/// account list, then each account's regions); every target is judged on
/// its own role and region.
#[test]
fn fifty_region_settings_of_ten_role_based_accounts_in_one_scan() {
    const REGIONS: [(&str, &str); 5] = [
        ("EU_CENTRAL_1", "eu-central-1"),
        ("EU_WEST_1", "eu-west-1"),
        ("US_EAST_1", "us-east-1"),
        ("US_WEST_2", "us-west-2"),
        ("AP_SOUTHEAST_2", "ap-southeast-2"),
    ];
    let groups: Vec<String> = REGIONS.iter().map(|(_, region)| seed(region).0).collect();
    let bitmovin = Bitmovin::start();
    let accounts: Vec<(String, String)> = (1..=10)
        .map(|n| {
            let external_id = format!("ext-{n}");
            let role = seed_role(&external_id, RolePermissions::GuideManaged);
            (format!("acc-{n}"), role)
        })
        .collect();
    bitmovin.answer(
        "/encoding/infrastructure/aws",
        200,
        page(
            accounts
                .iter()
                .enumerate()
                .map(|(i, (id, role))| role_account(id, role, &format!("ext-{}", i + 1)))
                .collect(),
        ),
    );
    for (id, _) in &accounts {
        let settings = REGIONS
            .iter()
            .zip(&groups)
            .map(|((region, _), group)| region_setting(region, group))
            .collect();
        bitmovin.answer(
            &format!("/encoding/infrastructure/aws/{id}/regions"),
            200,
            page(settings),
        );
    }
    let started = std::time::Instant::now();
    let report = scan_with_auditor_keys(&bitmovin);
    let seconds = started.elapsed().as_secs_f64();
    let verdicts = aws::verdicts(&report);
    assert_eq!(verdicts.len(), 50, "{:?}", verdicts.keys());
    for (target, outcomes) in &verdicts {
        for rule in [
            "bitmovin-role-trust",
            "iam-ec2-permissions",
            "sg-exists-in-region",
        ] {
            assert_eq!(outcomes[rule], "pass", "{target} {rule}: {outcomes:?}");
        }
    }
    let list = bitmovin.requests("/encoding/infrastructure/aws");
    let regions: usize = accounts
        .iter()
        .map(|(id, _)| bitmovin.requests(&format!("/encoding/infrastructure/aws/{id}/regions")))
        .sum();
    assert_eq!((list, regions), (1, 10));
    eprintln!("50 region settings of 10 role-based accounts: {seconds:.1} s, 11 Bitmovin calls");
}

#[test]
fn a_region_setting_whose_group_is_in_another_region_fails() {
    let (group, user, keys) = seed("eu-central-1");
    let bitmovin = Bitmovin::one_account(&keys.0, "EU_WEST_1", &group);
    let (out, report, _) = scan(&bitmovin, &user, &keys);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    let target = format!("{ACCOUNT}-eu-west-1");
    assert_eq!(outcomes(&report, &target)["sg-exists-in-region"], "fail");
    let detail = report["targets"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "sg-exists-in-region")
        .and_then(|f| f["detail"].as_str())
        .unwrap_or_default()
        .to_string();
    assert!(
        detail.ends_with("exists in eu-central-1, not eu-west-1"),
        "{detail}"
    );
}

#[test]
fn lists_are_read_page_by_page_and_one_failing_account_does_not_stop_the_others() {
    let (group, user, keys) = seed("eu-central-1");
    let bitmovin = Bitmovin::start();
    let first = envelope(json!({"totalCount": 2, "offset": 0, "limit": 100,
        "items": [account("acc-1", &keys.0)]}));
    let second = envelope(json!({"totalCount": 2, "offset": 1, "limit": 100,
        "items": [account("acc-2", &keys.0)]}));
    for (offset, body) in [("0", first), ("1", second)] {
        let mock = Mock::given(method("GET"))
            .and(path("/v1/encoding/infrastructure/aws"))
            .and(query_param("offset", offset))
            .and(query_param("limit", "100"))
            .and(header("X-Api-Key", KEY))
            .respond_with(ResponseTemplate::new(200).set_body_json(body));
        bitmovin.runtime.block_on(mock.mount(&bitmovin.server));
    }
    bitmovin.answer(
        "/encoding/infrastructure/aws/acc-1/regions",
        200,
        page(vec![region_setting("EU_CENTRAL_1", &group)]),
    );
    bitmovin.mount(
        "/encoding/infrastructure/aws/acc-2/regions",
        ResponseTemplate::new(500)
            .insert_header("Retry-After", "0")
            .set_body_json(error(1000, "Internal error")),
        None,
    );
    let (out, report, _) = scan(&bitmovin, &user, &keys);
    let (_, stderr) = text(&out);
    // The report covers the account that could be read …
    assert_eq!(
        outcomes(&report, &format!("{ACCOUNT}-eu-central-1"))["sg-exists-in-region"],
        "pass"
    );
    // … and the run says it is incomplete, naming the other.
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("1 of Bitmovin's Cloud Connect settings could not be audited")
            && stderr.contains(&format!("Cloud Connect account {ACCOUNT} (acc-2)"))
            && stderr.contains("Bitmovin's API failed (HTTP 500) 4 times: \"Internal error\""),
        "{stderr}"
    );
    assert_eq!(bitmovin.requests("/encoding/infrastructure/aws"), 2);
    assert_eq!(
        bitmovin.requests("/encoding/infrastructure/aws/acc-2/regions"),
        4
    );
}

#[test]
fn each_api_error_is_a_clear_message_and_exit_2() {
    let cases: Vec<(ResponseTemplate, &str)> = vec![
        (
            ResponseTemplate::new(401).set_body_json(error(1001, "Invalid API key")),
            "the API key was refused (HTTP 401: \"Invalid API key\"); check --bitmovin-api-key-file or BITMOVIN_API_KEY (request id 5a0e2f3c-error)",
        ),
        (
            ResponseTemplate::new(403).set_body_json(error(1002, "Forbidden")),
            "the API key may not read this (HTTP 403: \"Forbidden\"); check --bitmovin-org-id",
        ),
        (
            ResponseTemplate::new(429).insert_header("Retry-After", "0"),
            "still rate-limited (HTTP 429) after 4 attempts; try again later",
        ),
        (
            ResponseTemplate::new(503).insert_header("Retry-After", "0"),
            "Bitmovin's API failed (HTTP 503) 4 times; try again later",
        ),
        (
            ResponseTemplate::new(200).set_body_string(
                "{\"requestId\": \"x\", \"data\": {\"result\": {\"items\": [{\"id\": 3}]",
            ),
            "the answer is not the JSON Bitmovin's API models describe: ",
        ),
    ];
    for (response, expected) in cases {
        let bitmovin = Bitmovin::start();
        bitmovin.mount("/encoding/infrastructure/aws", response, None);
        let out = bitmovin.unseeded(&["collect", "--from-bitmovin", "--quiet"]);
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr
                .starts_with("error: <bitmovin>: Bitmovin API GET /encoding/infrastructure/aws: ")
                && stderr.contains(expected),
            "{expected}\n{stderr}"
        );
        assert!(
            stdout.is_empty(),
            "no snapshot without the accounts: {stdout}"
        );
        assert!(
            !stderr.contains(KEY) && !stderr.contains("panicked"),
            "{stderr}"
        );
    }
}

#[test]
fn rate_limiting_is_retried_and_the_organisation_is_sent() {
    let bitmovin = Bitmovin::start();
    bitmovin.mount(
        "/encoding/infrastructure/aws",
        ResponseTemplate::new(429).insert_header("Retry-After", "0"),
        Some(2),
    );
    let listed = Mock::given(method("GET"))
        .and(path("/v1/encoding/infrastructure/aws"))
        .and(header("X-Api-Key", KEY))
        .and(header("X-Tenant-Org-Id", ORG))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(page(vec![account("acc-1", "AKIAEXAMPLE")])),
        );
    bitmovin.runtime.block_on(listed.mount(&bitmovin.server));
    bitmovin.answer(
        "/encoding/infrastructure/aws/acc-1/regions",
        200,
        page(vec![region_setting("EU_WEST_1", "sg-0123abcd")]),
    );
    let out = run(
        &aws::moto(),
        UNSEEDED,
        &[
            "collect",
            "--from-bitmovin",
            "--quiet",
            "--bitmovin-api-url",
            &bitmovin.url(),
            "--bitmovin-org-id",
            ORG,
        ],
        // A region in the environment is no region flag: no conflict.
        &[("BITMOVIN_API_KEY", KEY), ("AWS_REGION", "us-east-1")],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(bitmovin.requests("/encoding/infrastructure/aws"), 3);
    let snapshot: Value = serde_json::from_str(&stdout).expect("snapshot");
    assert_eq!(
        snapshot["targets"][0]["name"],
        format!("{ACCOUNT}-eu-west-1")
    );
    assert!(!stdout.contains(KEY) && !stderr.contains(KEY));
}

#[test]
fn no_key_and_bad_settings_are_named() {
    let bitmovin = Bitmovin::start();
    let out = run(
        &aws::moto(),
        UNSEEDED,
        &[
            "collect",
            "--from-bitmovin",
            "--bitmovin-api-url",
            &bitmovin.url(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).1.contains("no Bitmovin API key in BITMOVIN_API_KEY: give --bitmovin-api-key-file FILE or set BITMOVIN_API_KEY"),
        "{}",
        text(&out).1
    );
    // The key never crosses the network in clear text.
    let out = run(
        &aws::moto(),
        UNSEEDED,
        &[
            "collect",
            "--from-bitmovin",
            "--bitmovin-api-url",
            "http://api.example.com/v1",
        ],
        &[("BITMOVIN_API_KEY", KEY)],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).1.contains("the API key is sent only over https"),
        "{}",
        text(&out).1
    );
    // An id that is not one never becomes a path.
    let out = bitmovin.unseeded(&["triage", "--encoding", ".."]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out)
            .1
            .contains("--encoding: \"..\" is not a Bitmovin id"),
        "{}",
        text(&out).1
    );
    // Region settings that cannot become a target are each named.
    bitmovin.answer(
        "/encoding/infrastructure/aws",
        200,
        page(vec![account("acc-1", "AKIAEXAMPLE")]),
    );
    bitmovin.answer(
        "/encoding/infrastructure/aws/acc-1/regions",
        200,
        page(vec![
            region_setting("EU_WEST_1", "sg-0123abcd"),
            json!({"id": "rs-x", "region": "MARS_1\u{1b}[31m", "securityGroupId": "sg-0123abcd"}),
            json!({"id": "rs-y", "region": "US_EAST_1"}),
            json!({"id": "rs-z", "region": "US_WEST_2", "securityGroupId": "sg-0123abcd", "sshPort": 70000}),
        ]),
    );
    let out = bitmovin.unseeded(&["collect", "--from-bitmovin", "--quiet"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("3 of Bitmovin's Cloud Connect settings could not be audited"),
        "{stderr}"
    );
    assert!(
        stderr.contains("a region setting's region \"MARS_1\\u{1b}[31m\" is not an AWS region"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the region setting for us-east-1 has no securityGroupId"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the region setting for us-west-2 has sshPort 70000, not a port"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "control characters reach the terminal"
    );
    let snapshot: Value = serde_json::from_str(&stdout).expect("the rest is still collected");
    assert_eq!(snapshot["targets"].as_array().map(Vec::len), Some(1));
}

/// Bitmovin serving encoding `enc-1` (`status`, on Cloud Connect account
/// `acc-1` in eu-central-1 when `cloud_connect`) with these status messages.
fn encoding_stub(bitmovin: &Bitmovin, status: &str, cloud_connect: bool, messages: Value) {
    let encoding = if cloud_connect {
        json!({"id": "enc-1", "name": "trailer", "status": status, "cloudRegion": "EXTERNAL",
            "infrastructure": {"infrastructureId": "acc-1", "cloudRegion": "AWS_EU_CENTRAL_1"},
            "encoderVersion": "STABLE", "selectedEncoderVersion": "2.200.0",
            "queuedAt": "2026-11-28T09:14:00Z"})
    } else {
        json!({"id": "enc-1", "name": "trailer", "status": status,
            "cloudRegion": "AUTO", "selectedCloudRegion": "GOOGLE_EUROPE_WEST_1"})
    };
    bitmovin.answer("/encoding/encodings/enc-1", 200, envelope(encoding));
    bitmovin.answer(
        "/encoding/encodings/enc-1/status",
        200,
        envelope(json!({"status": status, "progress": 0, "messages": messages})),
    );
}

/// The Cloud Connect account `acc-1` and its eu-central-1 region setting.
fn cloud_connect_stub(bitmovin: &Bitmovin, access_key: &str, group: &str) {
    bitmovin.answer(
        "/encoding/infrastructure/aws/acc-1",
        200,
        envelope(account("acc-1", access_key)),
    );
    bitmovin.answer(
        "/encoding/infrastructure/aws/acc-1/regions/EU_CENTRAL_1",
        200,
        envelope(region_setting("EU_CENTRAL_1", group)),
    );
}

#[test]
fn a_queued_encoding_is_traced_to_a_missing_9443_rule() {
    let moto = aws::moto();
    let spec = GroupSpec {
        p9443_from: Vec::new(),
        ..GroupSpec::guide()
    };
    let (group, user, keys) = aws::runtime().block_on(async {
        let config = aws::sdk(&moto, "eu-central-1", "testing", "testing").await;
        let group = aws::create_group(&config, &spec).await;
        let user = aws::unique("bitmovin");
        let keys = aws::create_user(&config, &user, Grant::GuideInline).await;
        (group, user, keys)
    });
    let bitmovin = Bitmovin::start();
    encoding_stub(&bitmovin, "QUEUED", true, json!([]));
    cloud_connect_stub(&bitmovin, &keys.0, &group);
    let args = |format: &'static str| {
        vec![
            "triage",
            "--encoding",
            "enc-1",
            "--live",
            "--iam-user",
            &user,
            "--as-bitmovin",
            "--quiet",
            "--format",
            format,
        ]
    };
    let out = bitmovin.ccaudit(&moto, (&keys.0, &keys.1), &args("json"));
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let triage: Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(triage["symptom"], "queue");
    assert_eq!(triage["encoding"]["status"], "QUEUED");
    assert_eq!(
        triage["encoding"]["target"]["setup"]["encoder_version"],
        "2.200.0"
    );
    let evidence = &triage["symptom_evidence"][0];
    assert_eq!(evidence["target"], format!("{ACCOUNT}-eu-central-1"));
    // The most likely cause first: the one confirmed.
    let first = &evidence["findings"][0];
    assert_eq!(
        (first["rule"].as_str(), first["outcome"].as_str()),
        (Some("sg-bitmovin-9443"), Some("fail"))
    );
    let out = bitmovin.ccaudit(&moto, (&keys.0, &keys.1), &args("text"));
    let (stdout, _) = text(&out);
    assert!(
        stdout.starts_with(&format!(
            "Encoding enc-1 (\"trailer\"): QUEUED since 2026-11-28T09:14:00Z\nRuns on Cloud Connect: account {ACCOUNT}, eu-central-1 (infrastructure acc-1), security group {group}, encoder 2.200.0.\n"
        )),
        "{stdout}"
    );
    assert!(!stdout.contains(KEY) && !stdout.contains(SECRET));
}

#[test]
fn an_encoding_on_bitmovins_cloud_does_not_involve_cloud_connect() {
    let bitmovin = Bitmovin::start();
    encoding_stub(
        &bitmovin,
        "ERROR",
        false,
        json!([{"type": "ERROR", "text": "Input file could not be read\u{1b}[2J"}, {"type": "INFO", "text": "started"}]),
    );
    let out = bitmovin.unseeded(&["triage", "--encoding", "enc-1"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "not a documented failure: {stderr}"
    );
    assert!(
        stdout.starts_with("Encoding enc-1 (\"trailer\"): ERROR\nRuns on Bitmovin's own cloud (GOOGLE_EUROPE_WEST_1): Cloud Connect is not involved"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Messages:\n  Input file could not be read\\u{1b}[2J\n"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("started") && !stdout.contains('\u{1b}'),
        "{stdout}"
    );
}

#[test]
fn an_unknown_encoding_is_named() {
    let bitmovin = Bitmovin::start();
    bitmovin.answer(
        "/encoding/encodings/nope",
        404,
        error(2001, "Encoding not found"),
    );
    let out = bitmovin.unseeded(&["triage", "--encoding", "nope"]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("Bitmovin API GET /encoding/encodings/nope: not found (HTTP 404: \"Encoding not found\") (request id 5a0e2f3c-error) (no encoding `nope` for this key; with --bitmovin-org-id if it belongs to another organisation)"),
        "{stderr}"
    );
}

#[test]
fn an_encoding_is_weighed_with_the_snapshots_target_of_its_account_and_region() {
    let bitmovin = Bitmovin::start();
    encoding_stub(&bitmovin, "QUEUED", true, json!([]));
    cloud_connect_stub(&bitmovin, "AKIAEXAMPLE", "sg-0a1b2c3d4e5f60718");
    let snapshot = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/scenarios/guide-production/snapshot.json"
    );
    let args = [
        "triage",
        "--encoding",
        "enc-1",
        "--snapshot",
        snapshot,
        "--format",
        "json",
    ];
    let out = bitmovin.unseeded(&args);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let triage: Value = serde_json::from_str(&stdout).expect("json");
    let weighed: Vec<&str> = triage["symptom_evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .filter_map(|e| e["target"].as_str())
        .collect();
    assert_eq!(weighed, ["guide-production"]);
    // A target read from the encoding's own infrastructure comes before a
    // typed-in one of the same account and region.
    let mut doc: Value =
        serde_json::from_str(&std::fs::read_to_string(snapshot).expect("fixture")).expect("json");
    let mut from_bitmovin = doc["targets"][0].clone();
    from_bitmovin["name"] = json!("from-bitmovin");
    from_bitmovin["bitmovin"] = json!({"AwsAccount": account("acc-1", "AKIAEXAMPLE"),
        "AwsAccountRegionSettings": region_setting("EU_CENTRAL_1", "sg-0a1b2c3d4e5f60718")});
    doc["targets"]
        .as_array_mut()
        .expect("targets")
        .push(from_bitmovin);
    let both = bitmovin.dir.path().join("both.json");
    std::fs::write(&both, doc.to_string()).expect("write");
    let mut from_both = args.to_vec();
    from_both[4] = both.to_str().expect("utf-8");
    let out = bitmovin.unseeded(&from_both);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out).1);
    let triage: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(triage["symptom_evidence"][0]["target"], "from-bitmovin");
    let mut with_target = args.to_vec();
    with_target.extend(["--target", "elsewhere"]);
    let out = bitmovin.unseeded(&with_target);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).1.contains("no target named `elsewhere`"),
        "{}",
        text(&out).1
    );
}

#[test]
fn a_scan_with_no_readable_account_says_why() {
    let bitmovin = Bitmovin::start();
    bitmovin.answer(
        "/encoding/infrastructure/aws",
        200,
        page(vec![account("acc-1", "AKIAEXAMPLE")]),
    );
    bitmovin.answer(
        "/encoding/infrastructure/aws/acc-1/regions",
        403,
        error(1002, "Forbidden"),
    );
    let out = bitmovin.unseeded(&["scan", "--from-bitmovin", "--quiet"]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stdout.is_empty(), "nothing audited, no report: {stdout}");
    assert!(
        stderr.contains("1 of Bitmovin's Cloud Connect settings could not be audited")
            && stderr.contains("the API key may not read this (HTTP 403"),
        "{stderr}"
    );
}
