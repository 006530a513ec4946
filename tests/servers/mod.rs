//! The programs the tests need, found or started by the tests themselves:
//! moto's AWS API server (from the project's `.venv`), the `aws` CLI (same
//! venv) and Chromium (a system package). A server is started once per test
//! binary, on a free loopback port, and stops when the binary exits, however
//! it exits: a small watchdog holds it, and ends it when the pipe from this
//! process closes. A missing prerequisite fails the test with one line that
//! names the command installing it; nothing is skipped.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How to install what the tests need (`scripts/test.sh --setup` creates
/// the venv; `--install-system-deps` adds Chromium).
const SETUP: &str = "scripts/test.sh --setup";
const SYSTEM_SETUP: &str = "scripts/test.sh --setup --install-system-deps";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn venv_program(name: &str) -> PathBuf {
    let path = root().join(".venv/bin").join(name);
    if !path.is_file() {
        panic!(
            "{} is missing: run `{SETUP}` (it installs moto[server] and awscli into .venv)",
            path.display()
        );
    }
    path
}

/// The `aws` CLI of the project's venv.
pub fn aws_cli() -> PathBuf {
    venv_program("aws")
}

/// The venv's Python, which has py-ocsf-models.
pub fn python() -> PathBuf {
    venv_program("python")
}

/// Debian's Chromium, for the HTML report's tests.
pub fn chromium() -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("chromium"))
            .find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| {
        panic!("chromium is not installed: run `{SYSTEM_SETUP}` (or `apt-get install chromium`)")
    })
}

/// Headless Chromium on the local `page` (with a URL `fragment`), as
/// `extra` asks (`--dump-dom`, `--screenshot=…`), in a profile of its own.
pub fn headless(page: &std::path::Path, fragment: &str, extra: &[&str]) -> std::process::Output {
    let profile = tempfile::tempdir().expect("profile dir");
    Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}{fragment}", page.display()))
        .output()
        .expect("chromium runs")
}

/// A running server and the pipe that keeps it alive.
struct Server {
    url: String,
    /// Never written to: when this process ends, the OS closes it, and the
    /// watchdog stops the server.
    _lifeline: Mutex<ChildStdin>,
    _watchdog: Mutex<Child>,
}

/// The watchdog: starts the server, waits for end of input, stops it.
const WATCHDOG: &str = r#"
import os, subprocess, sys
server = subprocess.Popen(sys.argv[2:], stdin=subprocess.DEVNULL,
                          stdout=open(sys.argv[1], "wb"), stderr=subprocess.STDOUT)
try:
    sys.stdin.buffer.read()
finally:
    server.terminate()
    try:
        server.wait(5)
    except subprocess.TimeoutExpired:
        server.kill()
    try:
        os.remove(sys.argv[1])
    except OSError:
        pass
"#;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// True once an HTTP request to `path` is answered with 200.
fn answers(port: u16, path: &str) -> bool {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    let mut response = String::new();
    stream.write_all(request.as_bytes()).is_ok()
        && stream.read_to_string(&mut response).is_ok()
        && response.split_whitespace().nth(1) == Some("200")
}

fn start_moto(name: &str) -> Server {
    let python = venv_program("python");
    let moto = venv_program("moto_server");
    let port = free_port();
    let log = std::env::temp_dir().join(format!(
        "ccaudit-test-{name}-{}-{port}.log",
        std::process::id()
    ));
    let mut watchdog = Command::new(python)
        .arg("-c")
        .arg(WATCHDOG)
        .arg(&log)
        .arg(moto)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start moto_server: {e}"));
    let lifeline = watchdog.stdin.take().expect("piped stdin");
    let started = Instant::now();
    while !answers(port, "/moto-api/") {
        if started.elapsed() > Duration::from_secs(60)
            || watchdog.try_wait().ok().flatten().is_some()
        {
            let output = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("moto_server did not start on port {port}; its output:\n{output}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Server {
        url: format!("http://127.0.0.1:{port}"),
        _lifeline: Mutex::new(lifeline),
        _watchdog: Mutex::new(watchdog),
    }
}

/// The moto server shared by the tests of this binary.
pub fn moto() -> String {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| start_moto("moto")).url.clone()
}

/// A second moto server, whose authentication mode (global to a server)
/// the credential tests switch on and off.
pub fn moto_auth() -> String {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| start_moto("moto-auth")).url.clone()
}
