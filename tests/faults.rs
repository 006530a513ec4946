//! The collector under faults. A fault-injecting HTTP proxy on loopback sits
//! between the collector and moto. Two targets read the same healthy
//! account; the proxy spoils only the calls signed with the first target's
//! key: throttling, 503, a reset connection, a truncated body, a delay past
//! the timeout, a failure on the second page of a list. For each fault the
//! target records the error (never a partial list), the rules that needed
//! the call say unknown, the other target is untouched, retries stay within
//! the limit, and the run ends within the time stated below.

mod aws;
mod servers;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aws::{ACCOUNT, Grant, GroupSpec};
use serde_json::Value;

const REGION: &str = "eu-central-1";
const FAULTED_KEY: &str = "AKIAFAULTEDTARGET001";
const HEALTHY_KEY: &str = "AKIAHEALTHYTARGET001";
/// The collector's own limit (`max_attempts`): a call is tried at most this often.
const MAX_ATTEMPTS: usize = 3;
/// Each faulted run ends within this time (`--timeout 10`, and 2 for the
/// delay fault, whose answer the proxy holds 6 s).
const RUN_LIMIT: Duration = Duration::from_secs(25);

#[derive(Clone, Copy, Debug)]
enum Kind {
    /// The service's own throttling error, every time.
    Throttle,
    /// 503 Service Unavailable, every time.
    Unavailable,
    /// The connection is reset instead of answered.
    Reset,
    /// A 200 whose body stops halfway (Content-Length promises more).
    Truncate,
    /// The answer comes long after the collector's timeout.
    Delay,
    /// The first page says there is more; the second page fails (500).
    FailSecondPage,
}

struct Fault {
    /// Only calls signed with this access key id are spoiled.
    key: &'static str,
    /// The API action (`DescribeSecurityGroups`).
    action: &'static str,
    kind: Kind,
}

/// One HTTP request as read from the client.
struct Request {
    head: String,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then_some(value.trim())
        })
    }

    /// The action of a query-protocol call (EC2, IAM, STS) or of a JSON one.
    fn action(&self) -> String {
        let body = String::from_utf8_lossy(&self.body);
        body.split('&')
            .find_map(|pair| pair.strip_prefix("Action="))
            .map(String::from)
            .or_else(|| {
                self.header("x-amz-target")
                    .and_then(|t| t.rsplit('.').next())
                    .map(String::from)
            })
            .unwrap_or_default()
    }

    fn signed_by(&self, key: &str) -> bool {
        self.header("authorization")
            .is_some_and(|a| a.contains(&format!("Credential={key}/")))
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut request = Request {
        head,
        body: buffer[head_end..].to_vec(),
    };
    let length: usize = request
        .header("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    while request.body.len() < length {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        request.body.extend_from_slice(&chunk[..n]);
    }
    Some(request)
}

/// Send `request` to moto on a fresh connection and return its answer as
/// (status line and headers without the framing ones, body).
fn forward(upstream: &str, request: &Request) -> (String, Vec<u8>) {
    let address = upstream.trim_start_matches("http://");
    let mut moto = TcpStream::connect(address).expect("moto is up");
    let mut head: Vec<&str> = request
        .head
        .trim_end()
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    head.push("Connection: close");
    let mut bytes = head.join("\r\n").into_bytes();
    bytes.extend_from_slice(b"\r\n\r\n");
    bytes.extend_from_slice(&request.body);
    moto.write_all(&bytes).expect("to moto");
    let mut answer = Vec::new();
    moto.read_to_end(&mut answer).expect("from moto");
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP answer")
        + 4;
    let head = String::from_utf8_lossy(&answer[..split]).into_owned();
    let mut body = answer[split..].to_vec();
    let chunked = head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked");
    if chunked {
        body = dechunk(&body);
    }
    let kept: Vec<&str> = head
        .trim_end()
        .lines()
        .filter(|l| {
            let l = l.to_ascii_lowercase();
            !(l.starts_with("content-length:")
                || l.starts_with("transfer-encoding:")
                || l.starts_with("connection:"))
        })
        .collect();
    (kept.join("\r\n"), body)
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&body[..line_end])
                .split(';')
                .next()
                .unwrap_or("0")
                .trim(),
            16,
        )
        .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = line_end + 2;
        out.extend_from_slice(&body[start..start + size]);
        body = &body[start + size + 2..];
    }
    out
}

fn respond(stream: &mut TcpStream, head: &str, body: &[u8]) {
    let text = format!(
        "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(text.as_bytes());
    let _ = stream.write_all(body);
    let _ = stream.flush();
}

/// The service's error document for `code` (EC2 and the others differ).
fn error_body(request: &Request, code: &str, message: &str) -> Vec<u8> {
    let ec2 = request.head.contains("/ec2/aws4_request")
        || request
            .header("authorization")
            .is_some_and(|a| a.contains("/ec2/aws4_request"));
    if ec2 {
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>")
    } else {
        format!("<ErrorResponse><Error><Type>Receiver</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>")
    }
    .into_bytes()
}

fn serve(mut client: TcpStream, upstream: &str, fault: &Fault, hits: &AtomicUsize) {
    let Some(request) = read_request(&mut client) else {
        return;
    };
    let spoiled = request.signed_by(fault.key) && request.action() == fault.action;
    if !spoiled {
        let (head, body) = forward(upstream, &request);
        respond(&mut client, &head, &body);
        return;
    }
    match fault.kind {
        Kind::Throttle => {
            hits.fetch_add(1, Ordering::SeqCst);
            let ec2 = error_body(&request, "RequestLimitExceeded", "Request limit exceeded.");
            let body = if String::from_utf8_lossy(&ec2).contains("<Response>") {
                ec2
            } else {
                error_body(&request, "Throttling", "Rate exceeded")
            };
            let status = if String::from_utf8_lossy(&body).contains("<Response>") {
                "HTTP/1.1 503 Service Unavailable"
            } else {
                "HTTP/1.1 400 Bad Request"
            };
            respond(
                &mut client,
                &format!("{status}\r\nContent-Type: text/xml"),
                &body,
            );
        }
        Kind::Unavailable => {
            hits.fetch_add(1, Ordering::SeqCst);
            let body = error_body(&request, "ServiceUnavailable", "Service is unavailable.");
            respond(
                &mut client,
                "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/xml",
                &body,
            );
        }
        Kind::Reset => {
            hits.fetch_add(1, Ordering::SeqCst);
            // Linger 0: dropping the socket sends a reset, not a clean end.
            let _ = socket2::SockRef::from(&client).set_linger(Some(Duration::ZERO));
            drop(client);
        }
        Kind::Truncate => {
            hits.fetch_add(1, Ordering::SeqCst);
            let (head, body) = forward(upstream, &request);
            let text = format!(
                "{head}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = client.write_all(text.as_bytes());
            let _ = client.write_all(&body[..body.len() / 2]);
            let _ = client.flush();
            let _ = client.shutdown(Shutdown::Both);
        }
        Kind::Delay => {
            hits.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_secs(6));
            let (head, body) = forward(upstream, &request);
            respond(&mut client, &head, &body);
        }
        Kind::FailSecondPage => {
            let body_text = String::from_utf8_lossy(&request.body);
            if body_text.contains("Marker=ccaudit-page-2") {
                hits.fetch_add(1, Ordering::SeqCst);
                let body = error_body(&request, "ServiceFailure", "Internal failure.");
                respond(
                    &mut client,
                    "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/xml",
                    &body,
                );
            } else {
                let (head, body) = forward(upstream, &request);
                let text = String::from_utf8_lossy(&body).replace(
                    "<IsTruncated>false</IsTruncated>",
                    "<IsTruncated>true</IsTruncated><Marker>ccaudit-page-2</Marker>",
                );
                assert!(text.contains("ccaudit-page-2"), "a page to spoil: {text}");
                respond(&mut client, &head, text.as_bytes());
            }
        }
    }
}

/// The proxy's address, and how many spoiled requests it answered.
fn start_proxy(upstream: String, fault: Fault) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("proxy port");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    let fault = Arc::new(fault);
    let upstream = Arc::new(upstream);
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let (fault, upstream, counter) = (
                Arc::clone(&fault),
                Arc::clone(&upstream),
                Arc::clone(&counter),
            );
            std::thread::spawn(move || serve(client, &upstream, &fault, &counter));
        }
    });
    (address, hits)
}

struct Account {
    group: String,
    user: String,
}

fn seeded_account(moto: &str) -> Account {
    aws::runtime().block_on(async {
        let config = aws::sdk(moto, REGION, "testing", "testing").await;
        let group = aws::create_group(&config, &GroupSpec::guide()).await;
        let user = aws::unique("bitmovin");
        aws::create_user(&config, &user, Grant::GuideInline).await;
        Account { group, user }
    })
}

/// One scan of both targets through `endpoint`: the report, the snapshot
/// and how long it took.
fn scan(endpoint: &str, account: &Account, timeout: &str) -> (Value, Value, Duration) {
    let dir = tempfile::tempdir().expect("temp dir");
    let credentials = dir.path().join("credentials");
    std::fs::write(
        &credentials,
        format!(
            "[faulted]\naws_access_key_id = {FAULTED_KEY}\naws_secret_access_key = x\n\n[healthy]\naws_access_key_id = {HEALTHY_KEY}\naws_secret_access_key = y\n"
        ),
    )
    .expect("credentials");
    let inventory = dir.path().join("inventory.toml");
    let target = |name: &str| {
        format!(
            "[[targets]]\nname = \"{name}\"\nprofile = \"{name}\"\nregion = \"{REGION}\"\nsecurity_group_id = \"{}\"\niam_user = \"{}\"\naccount_id = \"{ACCOUNT}\"\nmax_encodings = 10\n\n",
            account.group, account.user
        )
    };
    std::fs::write(&inventory, target("faulted") + &target("healthy")).expect("inventory");
    let saved = dir.path().join("snapshot.json");
    let started = Instant::now();
    let out = aws::ccaudit_with_profiles(
        endpoint,
        &aws::guide_quotas(),
        ("unused", "unused"),
        Some(&credentials),
        &[
            "scan",
            "--inventory",
            inventory.to_str().expect("utf-8"),
            "--timeout",
            timeout,
            "--format",
            "json",
            "--fail-on",
            "none",
            "--quiet",
            "--save-snapshot",
            saved.to_str().expect("utf-8"),
        ],
    );
    let took = started.elapsed();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let snapshot: Value =
        serde_json::from_str(&std::fs::read_to_string(&saved).expect("snapshot")).expect("json");
    (report, snapshot, took)
}

fn outcomes(report: &Value, target: &str) -> BTreeMap<String, String> {
    aws::verdicts(report)
        .remove(target)
        .unwrap_or_else(|| panic!("no target {target}"))
}

#[test]
fn each_fault_makes_only_its_target_unknown() {
    let moto = aws::moto();
    let account = seeded_account(&moto);
    // Without faults both targets are the same healthy account.
    let (baseline, _, _) = scan(&moto, &account, "10");
    let healthy = outcomes(&baseline, "healthy");
    assert_eq!(healthy, outcomes(&baseline, "faulted"));
    // (Bitmovin's keys are not given: the rules about them say unknown.)
    assert!(healthy.values().all(|o| o != "fail"), "{healthy:?}");
    assert!(
        healthy.values().filter(|o| *o == "pass").count() > 20,
        "{healthy:?}"
    );

    let faults = [
        (
            "ec2:DescribeSecurityGroups",
            "DescribeSecurityGroups",
            Kind::Throttle,
        ),
        (
            "iam:ListAttachedUserPolicies",
            "ListAttachedUserPolicies",
            Kind::Unavailable,
        ),
        ("iam:GetUser", "GetUser", Kind::Reset),
        ("ec2:DescribeVpcs", "DescribeVpcs", Kind::Truncate),
        ("iam:ListAccessKeys", "ListAccessKeys", Kind::Delay),
        (
            "iam:ListUserPolicies",
            "ListUserPolicies",
            Kind::FailSecondPage,
        ),
    ];
    for (key, action, kind) in faults {
        let (proxy, hits) = start_proxy(
            moto.clone(),
            Fault {
                key: FAULTED_KEY,
                action,
                kind,
            },
        );
        // The delay outlasts a 2-second timeout; the other faults get time
        // for every retry.
        let timeout = if matches!(kind, Kind::Delay) {
            "2"
        } else {
            "10"
        };
        let (report, snapshot, took) = scan(&proxy, &account, timeout);
        let label = format!("{kind:?} on {key}");
        assert!(took < RUN_LIMIT, "{label}: the run took {took:?}");
        let spoiled = hits.load(Ordering::SeqCst);
        assert!(
            (1..=MAX_ATTEMPTS).contains(&spoiled),
            "{label}: {spoiled} spoiled requests (retries must stay within {MAX_ATTEMPTS})"
        );
        // The error is recorded, never a list (or a partial one).
        let evidence = &snapshot["targets"][0]["aws"][key];
        assert_eq!(snapshot["targets"][0]["name"], "faulted");
        assert!(
            evidence["Error"]["Code"].is_string()
                && evidence.as_object().is_some_and(|o| o.len() == 1),
            "{label}: the snapshot holds {evidence}"
        );
        // The other target read the same account as if nothing happened.
        assert_eq!(
            outcomes(&report, "healthy"),
            healthy,
            "{label}: healthy target"
        );
        let other = &snapshot["targets"][1]["aws"][key];
        assert!(other.get("Error").is_none(), "{label}: {other}");
        // Every verdict the fault changed became unknown: no pass, no fail
        // from missing evidence; and the fault did change something.
        let faulted = outcomes(&report, "faulted");
        let changed: Vec<(&String, &String)> = faulted
            .iter()
            .filter(|(rule, outcome)| healthy.get(*rule) != Some(*outcome))
            .collect();
        assert!(!changed.is_empty(), "{label}: no rule noticed the fault");
        for (rule, outcome) in &changed {
            assert_eq!(*outcome, "unknown", "{label}: {rule}");
        }
        eprintln!(
            "{label}: recorded {}, {spoiled} spoiled request(s), {} rule(s) unknown, run {:.1} s",
            evidence["Error"]["Code"],
            changed.len(),
            took.as_secs_f64()
        );
    }
}
