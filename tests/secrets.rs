//! Secrets never leak. Canary values stand for the secret access key and
//! the session token (of the auditor and of Bitmovin's keys) and for
//! Bitmovin's API key (and a secret key its API might return); collect,
//! scan (every report format), `triage --live` and failing runs (refused
//! keys, an endpoint that is down) must not show any part of them in any
//! output file, log line, error or snapshot.

mod aws;
mod servers;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SECRET: &str = "CanarySecretKeyDoNotPrint0123456789abcdef";
const TOKEN: &str = "CanarySessionTokenDoNotPrint/abcdef0123456789+XYZ==";
const BITMOVIN_SECRET: &str = "CanaryBitmovinSecretDoNotPrint0123456789a";
const BITMOVIN_TOKEN: &str = "CanaryBitmovinTokenDoNotPrint0123456789==";
const BITMOVIN_API_KEY: &str = "CanaryBitmovinApiKeyDoNotPrint-0123456789ab";
const BITMOVIN_ACCOUNT_SECRET: &str = "CanaryBitmovinAccountSecretDoNotPrint01234";

/// Each canary, and a distinctive piece of it: a secret cut short or
/// re-encoded in part is still a leak.
fn leaks(text: &str) -> Vec<&'static str> {
    [
        SECRET,
        TOKEN,
        BITMOVIN_SECRET,
        BITMOVIN_TOKEN,
        BITMOVIN_API_KEY,
        BITMOVIN_ACCOUNT_SECRET,
    ]
    .into_iter()
    .filter(|canary| text.contains(canary) || text.contains(&canary[6..22]))
    .collect()
}

struct Run {
    dir: tempfile::TempDir,
    credentials: PathBuf,
}

impl Run {
    fn new() -> Run {
        let dir = tempfile::tempdir().expect("temp dir");
        let credentials = dir.path().join("credentials");
        std::fs::write(
            &credentials,
            format!(
                "[bitmovin]\naws_access_key_id = AKIABITMOVINCANARY01\naws_secret_access_key = {BITMOVIN_SECRET}\naws_session_token = {BITMOVIN_TOKEN}\n"
            ),
        )
        .expect("credentials file");
        Run { dir, credentials }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn ccaudit(&self, endpoint: &str, args: &[&str]) -> Output {
        let empty = self.path("no-config");
        Command::new(env!("CARGO_BIN_EXE_ccaudit"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("AWS_ACCESS_KEY_ID", "AKIAAUDITORCANARY001")
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env("AWS_SESSION_TOKEN", TOKEN)
            .env("BITMOVIN_API_KEY", BITMOVIN_API_KEY)
            .env("AWS_ENDPOINT_URL", endpoint)
            .env("AWS_ENDPOINT_URL_SERVICE_QUOTAS", aws::guide_quotas())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", &empty)
            .env("AWS_SHARED_CREDENTIALS_FILE", &self.credentials)
            // A retry budget small enough for the endpoint that is down.
            .env("AWS_MAX_ATTEMPTS", "2")
            .output()
            .expect("run ccaudit")
    }

    /// Every file the runs wrote (but the credentials file itself).
    fn files(&self) -> Vec<(PathBuf, String)> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).expect("dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.push(path);
                }
            }
        }
        let mut paths = Vec::new();
        walk(self.dir.path(), &mut paths);
        paths
            .into_iter()
            .filter(|p| *p != self.credentials)
            .map(|p| {
                let text = String::from_utf8_lossy(&std::fs::read(&p).expect("read")).into_owned();
                (p, text)
            })
            .collect()
    }
}

/// Bitmovin's API on loopback: `/v1` lists one account (whose answer
/// holds a secret key) with one region setting; `/refusing` refuses the key.
struct Bitmovin {
    /// Runs the server while it lives.
    _runtime: tokio::runtime::Runtime,
    server: wiremock::MockServer,
}

impl Bitmovin {
    fn start(group: &str) -> Bitmovin {
        use wiremock::matchers::{method, path};
        use wiremock::{Mock, ResponseTemplate};
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("runtime");
        let server = runtime.block_on(wiremock::MockServer::start());
        let envelope = |items: serde_json::Value| {
            serde_json::json!({"requestId": "r", "status": "SUCCESS",
                "data": {"result": {"totalCount": 1, "offset": 0, "limit": 100, "items": items}}})
        };
        let answers = [
            (
                "/v1/encoding/infrastructure/aws",
                200,
                envelope(
                    serde_json::json!([{"id": "acc-1", "accountNumber": "123456789012",
                    "accessKey": "AKIABITMOVINCANARY01", "secretKey": BITMOVIN_ACCOUNT_SECRET}]),
                ),
            ),
            (
                "/v1/encoding/infrastructure/aws/acc-1/regions",
                200,
                envelope(serde_json::json!([{"region": "EU_CENTRAL_1", "securityGroupId": group}])),
            ),
            (
                "/refusing/encoding/infrastructure/aws",
                401,
                serde_json::json!({"requestId": "r", "status": "ERROR",
                    "data": {"code": 1001, "message": "Invalid API key", "developerMessage": "x"}}),
            ),
        ];
        for (at, status, body) in answers {
            let mock = Mock::given(method("GET"))
                .and(path(at))
                .respond_with(ResponseTemplate::new(status).set_body_json(body));
            runtime.block_on(mock.mount(&server));
        }
        Bitmovin {
            _runtime: runtime,
            server,
        }
    }

    fn url(&self) -> String {
        format!("{}/v1", self.server.uri())
    }

    fn refusing_url(&self) -> String {
        format!("{}/refusing", self.server.uri())
    }
}

fn target_args(group: &str) -> Vec<&str> {
    vec![
        "--region",
        "eu-central-1",
        "--security-group",
        group,
        "--iam-user",
        "bitmovin",
        "--max-encodings",
        "10",
        "--bitmovin-profile",
        "bitmovin",
    ]
}

#[test]
fn canaries_never_appear_in_any_output() {
    let moto = aws::moto();
    let moto_auth = aws::moto_auth();
    // Nothing listens here: every call fails to connect.
    let down = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        format!("http://{}", listener.local_addr().expect("addr"))
    };
    let group = "sg-0a1b2c3d4e5f60718";
    let run = Run::new();
    let mut outputs: Vec<(String, Output)> = Vec::new();
    let mut with = |label: &str, endpoint: &str, args: Vec<&str>| {
        let out = run.ccaudit(endpoint, &args);
        outputs.push((label.to_string(), out));
    };

    let snapshot = run.path("collected.json");
    let mut collect = vec!["collect", "-o", snapshot.to_str().expect("utf-8")];
    collect.extend(target_args(group));
    with("collect", &moto, collect);

    let reports = run.path("reports");
    let saved = run.path("scan-snapshot.json");
    let mut scan = vec![
        "scan",
        "--output-dir",
        reports.to_str().expect("utf-8"),
        "--save-snapshot",
        saved.to_str().expect("utf-8"),
    ];
    for format in [
        "table", "json", "sarif", "junit", "markdown", "html", "csv", "ocsf",
    ] {
        scan.extend(["--format", format]);
    }
    scan.extend(target_args(group));
    with("scan", &moto, scan);

    let message = format!("No 'All' IpPermission found for Group {group} .");
    for format in ["text", "json"] {
        let mut triage = vec!["triage", &message, "--live", "--format", format];
        triage.extend(target_args(group));
        with("triage --live", &moto, triage);
    }

    // Keys AWS refuses: the errors quote AWS's answer, never the key.
    let refused = run.path("refused.json");
    let mut collect = vec!["collect", "-o", refused.to_str().expect("utf-8")];
    collect.extend(target_args(group));
    with("collect with refused keys", &moto_auth, collect);

    // An endpoint that is down.
    let mut scan = vec!["scan", "--format", "json"];
    scan.extend(target_args(group));
    with("scan of an endpoint that is down", &down, scan);

    // Bitmovin's API: one that answers (with a secret key it should not
    // return), one that refuses the key, one that is down.
    let bitmovin = Bitmovin::start(group);
    let from_bitmovin = run.path("from-bitmovin");
    let from_saved = run.path("from-bitmovin-snapshot.json");
    let url = bitmovin.url();
    let mut scan = vec![
        "scan",
        "--from-bitmovin",
        "--bitmovin-api-url",
        &url,
        "--output-dir",
        from_bitmovin.to_str().expect("utf-8"),
        "--save-snapshot",
        from_saved.to_str().expect("utf-8"),
        "--bitmovin-profile",
        "bitmovin",
    ];
    for format in [
        "table", "json", "sarif", "junit", "markdown", "html", "csv", "ocsf",
    ] {
        scan.extend(["--format", format]);
    }
    with("scan --from-bitmovin", &moto, scan);
    let refusing = bitmovin.refusing_url();
    with(
        "collect --from-bitmovin with a refused key",
        &moto,
        vec![
            "collect",
            "--from-bitmovin",
            "--bitmovin-api-url",
            &refusing,
        ],
    );
    let down_api = format!("{down}/v1");
    with(
        "collect --from-bitmovin of an API that is down",
        &moto,
        vec![
            "collect",
            "--from-bitmovin",
            "--bitmovin-api-url",
            &down_api,
        ],
    );
    assert!(from_saved.exists() && from_bitmovin.join("report.json").exists());
    assert!(
        std::fs::read_to_string(&from_saved)
            .expect("read")
            .contains("AwsAccountRegionSettings"),
        "Bitmovin's settings are in the snapshot"
    );

    assert!(snapshot.exists() && saved.exists() && refused.exists());
    assert!(reports.join("report.html").exists());
    let refused_text = std::fs::read_to_string(&refused).expect("read");
    assert!(
        refused_text.contains("\"Error\""),
        "the refused keys left error records: {refused_text}"
    );
    for (label, out) in &outputs {
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            let text = String::from_utf8_lossy(bytes);
            assert!(
                leaks(&text).is_empty(),
                "{label}: a canary is in {stream}: {text}"
            );
        }
    }
    let files = run.files();
    assert!(files.len() >= 10, "{} files written", files.len());
    for (path, text) in files {
        assert!(leaks(&text).is_empty(), "a canary is in {}", path.display());
    }
}
