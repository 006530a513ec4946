//! A real AWS API for the collector's tests: moto's server (started on
//! loopback by the tests themselves, see `servers`), seeded through the
//! official SDK, plus a
//! local Service Quotas server speaking the real awsJson1.1 wire format
//! (moto has no EC2/EBS quotas). Nothing here stands in for ccaudit's code.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex, OnceLock};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use serde_json::{Value, json};

pub const ACCOUNT: &str = "123456789012";
pub const BITMOVIN: [&str; 2] = ["104.199.97.13/32", "35.205.157.162/32"];

/// The moto server shared by most tests.
pub fn moto() -> String {
    crate::servers::moto()
}

/// The moto server whose authentication mode the credential tests switch on.
pub fn moto_auth() -> String {
    crate::servers::moto_auth()
}

pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

pub async fn sdk(endpoint: &str, region: &str, key: &str, secret: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(key, secret, None, None, "test"))
        .load()
        .await
}

/// The same with temporary credentials (an assumed role's).
pub async fn sdk_session(
    endpoint: &str,
    region: &str,
    credentials: &aws_sdk_sts::types::Credentials,
) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            credentials.access_key_id(),
            credentials.secret_access_key(),
            Some(credentials.session_token().to_string()),
            None,
            "test",
        ))
        .load()
        .await
}

/// A name no other test uses (IAM is global to a moto server).
pub fn unique(prefix: &str) -> String {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{prefix}-{}-{n}", std::process::id())
}

/// What to put in a security group; `guide()` is the guide's setup.
#[derive(Clone)]
pub struct GroupSpec {
    pub self_rule: bool,
    pub ssh_port: i32,
    pub ssh_from: Vec<&'static str>,
    pub p9999_from: Vec<&'static str>,
    pub p9443_from: Vec<&'static str>,
    pub keep_default_egress: bool,
    pub rtmp: bool,
}

impl GroupSpec {
    pub fn guide() -> GroupSpec {
        GroupSpec {
            self_rule: true,
            ssh_port: 22,
            ssh_from: BITMOVIN.to_vec(),
            p9999_from: BITMOVIN.to_vec(),
            p9443_from: BITMOVIN.to_vec(),
            keep_default_egress: true,
            rtmp: true,
        }
    }
}

fn tcp(port: i32, sources: &[&str]) -> aws_sdk_ec2::types::IpPermission {
    let ranges = sources
        .iter()
        .map(|c| aws_sdk_ec2::types::IpRange::builder().cidr_ip(*c).build())
        .collect();
    aws_sdk_ec2::types::IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(port)
        .to_port(port)
        .set_ip_ranges(Some(ranges))
        .build()
}

/// Create a group in the region's default VPC as `spec` says; its id.
pub async fn create_group(config: &SdkConfig, spec: &GroupSpec) -> String {
    create_group_named(config, spec, &unique("bitmovin")).await
}

/// The same, with the group's name given.
pub async fn create_group_named(config: &SdkConfig, spec: &GroupSpec, name: &str) -> String {
    let ec2 = aws_sdk_ec2::Client::new(config);
    let vpcs = ec2.describe_vpcs().send().await.expect("describe vpcs");
    let vpc = vpcs
        .vpcs()
        .iter()
        .find(|v| v.is_default == Some(true))
        .and_then(|v| v.vpc_id())
        .expect("moto has a default VPC")
        .to_string();
    let id = ec2
        .create_security_group()
        .group_name(name)
        .description("Bitmovin Cloud Connect")
        .vpc_id(vpc)
        .send()
        .await
        .expect("create group")
        .group_id()
        .expect("group id")
        .to_string();
    let mut permissions = Vec::new();
    if spec.self_rule {
        permissions.push(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("-1")
                .user_id_group_pairs(
                    aws_sdk_ec2::types::UserIdGroupPair::builder()
                        .group_id(&id)
                        .build(),
                )
                .build(),
        );
    }
    for (port, from) in [
        (spec.ssh_port, &spec.ssh_from),
        (9999, &spec.p9999_from),
        (9443, &spec.p9443_from),
    ] {
        if !from.is_empty() {
            permissions.push(tcp(port, from));
        }
    }
    if spec.rtmp {
        for port in [1935, 443] {
            let mut p = tcp(port, &["0.0.0.0/0"]);
            p.ipv6_ranges = Some(vec![
                aws_sdk_ec2::types::Ipv6Range::builder()
                    .cidr_ipv6("::/0")
                    .build(),
            ]);
            permissions.push(p);
        }
    }
    ec2.authorize_security_group_ingress()
        .group_id(&id)
        .set_ip_permissions(Some(permissions))
        .send()
        .await
        .expect("authorize ingress");
    if !spec.keep_default_egress {
        let all = aws_sdk_ec2::types::IpPermission::builder()
            .ip_protocol("-1")
            .ip_ranges(
                aws_sdk_ec2::types::IpRange::builder()
                    .cidr_ip("0.0.0.0/0")
                    .build(),
            )
            .build();
        ec2.revoke_security_group_egress()
            .group_id(&id)
            .ip_permissions(all)
            .send()
            .await
            .expect("revoke default egress");
    }
    id
}

/// The guide's limited-access policy, from the rule set's shared values.
pub fn guide_policy() -> String {
    let rules = ccaudit::rules::RuleSet::builtin().expect("rules");
    let statements: Vec<Value> = rules.shared.grants["guide_limited_policy"]
        .iter()
        .map(|g| json!({ "Effect": "Allow", "Action": g.actions, "Resource": g.resources }))
        .collect();
    json!({ "Version": "2012-10-17", "Statement": statements }).to_string()
}

/// How the Bitmovin user is given its permissions.
pub enum Grant {
    GuideInline,
    Ec2FullAccess,
    Inline(String),
}

/// Create the Bitmovin user; its access key (id, secret).
pub async fn create_user(config: &SdkConfig, name: &str, grant: Grant) -> (String, String) {
    let iam = aws_sdk_iam::Client::new(config);
    iam.create_user()
        .user_name(name)
        .send()
        .await
        .expect("create user");
    match grant {
        Grant::GuideInline => {
            put_inline(&iam, name, "bitmovin", &guide_policy()).await;
        }
        Grant::Inline(document) => put_inline(&iam, name, "custom", &document).await,
        Grant::Ec2FullAccess => {
            iam.attach_user_policy()
                .user_name(name)
                .policy_arn("arn:aws:iam::aws:policy/AmazonEC2FullAccess")
                .send()
                .await
                .expect("attach policy");
        }
    }
    let key = iam
        .create_access_key()
        .user_name(name)
        .send()
        .await
        .expect("access key");
    let key = key.access_key().expect("key");
    (
        key.access_key_id().to_string(),
        key.secret_access_key().to_string(),
    )
}

async fn put_inline(iam: &aws_sdk_iam::Client, user: &str, name: &str, document: &str) {
    iam.put_user_policy()
        .user_name(user)
        .policy_name(name)
        .policy_document(document)
        .send()
        .await
        .expect("put user policy");
}

/// POST to moto's control API (`reset-auth` with a count of requests to
/// leave unauthenticated: "0" turns authentication on, "inf" off).
pub fn moto_control(endpoint: &str, path: &str, body: &str) {
    let address = endpoint.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).expect("connect to moto");
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    assert!(
        response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.0 200"),
        "{path}: {response}"
    );
}

// ---- Service Quotas ---------------------------------------------------------

/// Applied and default quota answers, keyed `service/QuotaCode`, in the
/// snapshot's shape (`{"Quota": …}` or `{"Error": …}`).
#[derive(Clone, Default)]
pub struct Quotas {
    pub applied: BTreeMap<String, Value>,
    pub defaults: BTreeMap<String, Value>,
    /// When set, requests signed with other access keys are refused.
    pub accepted_keys: Option<Vec<String>>,
}

impl Quotas {
    /// The quotas of a fixture target (what AWS answered there).
    pub fn from_fixture(scenario: &str) -> Quotas {
        let path = format!(
            "{}/fixtures/scenarios/{scenario}/snapshot.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let snapshot: Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
        let aws = &snapshot["targets"][0]["aws"];
        let map = |key: &str| -> BTreeMap<String, Value> {
            aws[key]
                .as_object()
                .map(|m| m.clone().into_iter().collect())
                .unwrap_or_default()
        };
        Quotas {
            applied: map("servicequotas:GetServiceQuota"),
            defaults: map("servicequotas:GetAWSDefaultServiceQuota"),
            accepted_keys: None,
        }
    }
}

/// Start a Service Quotas server on loopback; its endpoint URL.
pub fn serve_quotas(quotas: Quotas) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    let quotas = Arc::new(Mutex::new(quotas));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let quotas = Arc::clone(&quotas);
            std::thread::spawn(move || {
                let _ = answer(stream, &quotas);
            });
        }
    });
    format!("http://{address}")
}

/// The Service Quotas server for the guide-production quotas, shared.
pub fn guide_quotas() -> String {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| serve_quotas(Quotas::from_fixture("guide-production")))
        .clone()
}

fn answer(stream: TcpStream, quotas: &Mutex<Quotas>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut headers = BTreeMap::new();
    let mut line = String::new();
    reader.read_line(&mut line)?; // request line
    loop {
        line.clear();
        reader.read_line(&mut line)?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        if let Some((name, value)) = trimmed.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let key = format!(
        "{}/{}",
        request["ServiceCode"].as_str().unwrap_or(""),
        request["QuotaCode"].as_str().unwrap_or("")
    );
    let target = headers.get("x-amz-target").cloned().unwrap_or_default();
    let signer = headers
        .get("authorization")
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').next())
        .unwrap_or("")
        .to_string();
    let quotas = quotas.lock().expect("quotas").clone();
    let (status, reply) = if quotas
        .accepted_keys
        .as_ref()
        .is_some_and(|keys| !keys.contains(&signer))
    {
        (
            400,
            error(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
            ),
        )
    } else {
        let table = match target.as_str() {
            "ServiceQuotasV20190624.GetServiceQuota" => &quotas.applied,
            "ServiceQuotasV20190624.GetAWSDefaultServiceQuota" => &quotas.defaults,
            other => return respond(stream, 400, &error("UnknownOperationException", other)),
        };
        match table.get(&key) {
            Some(found) if found.get("Error").is_some() => (
                400,
                error(
                    found["Error"]["Code"]
                        .as_str()
                        .unwrap_or("ServiceException"),
                    found["Error"]["Message"].as_str().unwrap_or(""),
                ),
            ),
            Some(found) => (200, found.clone()),
            None => (
                400,
                error(
                    "NoSuchResourceException",
                    &format!(
                        "The request failed because the specified service quota {key} does not exist."
                    ),
                ),
            ),
        }
    };
    respond(stream, status, &reply)
}

fn error(code: &str, message: &str) -> Value {
    json!({ "__type": code, "message": message })
}

fn respond(mut stream: TcpStream, status: u16, body: &Value) -> std::io::Result<()> {
    let text = body.to_string();
    let reason = if status == 200 { "OK" } else { "Bad Request" };
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    )?;
    stream.flush()
}

// ---- running ccaudit --------------------------------------------------------

/// Run the binary against `moto`, with credentials from the environment
/// and no user AWS config in the way.
pub fn ccaudit(moto: &str, quotas: &str, key: (&str, &str), args: &[&str]) -> Output {
    ccaudit_with_profiles(moto, quotas, key, None, args)
}

/// The same, with an AWS shared-credentials file holding named profiles.
pub fn ccaudit_with_profiles(
    moto: &str,
    quotas: &str,
    key: (&str, &str),
    credentials: Option<&std::path::Path>,
    args: &[&str],
) -> Output {
    let empty = std::env::temp_dir().join("ccaudit-test-no-aws-config");
    Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_ACCESS_KEY_ID", key.0)
        .env("AWS_SECRET_ACCESS_KEY", key.1)
        .env("AWS_ENDPOINT_URL", moto)
        .env("AWS_ENDPOINT_URL_SERVICE_QUOTAS", quotas)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", &empty)
        .env("AWS_SHARED_CREDENTIALS_FILE", credentials.unwrap_or(&empty))
        .output()
        .expect("run ccaudit")
}

/// rule id → outcome for every target of a JSON report.
pub fn verdicts(report: &Value) -> BTreeMap<String, BTreeMap<String, String>> {
    report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| {
            let findings = t["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(|f| {
                    (
                        f["rule"].as_str().unwrap_or("").to_string(),
                        f["outcome"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect();
            (t["name"].as_str().unwrap_or("").to_string(), findings)
        })
        .collect()
}
