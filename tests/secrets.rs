//! Secrets never leak. Canary values stand for the secret access key and
//! the session token (of the auditor and of Bitmovin's keys); collect,
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

/// Each canary, and a distinctive piece of it: a secret cut short or
/// re-encoded in part is still a leak.
fn leaks(text: &str) -> Vec<&'static str> {
    [SECRET, TOKEN, BITMOVIN_SECRET, BITMOVIN_TOKEN]
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
    for format in ["table", "json", "sarif", "junit", "markdown", "html", "csv"] {
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
