//! The test harness itself: servers started by a test binary end with it,
//! even when it dies without unwinding.

mod servers;

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const HELPER: &str = "helper_starts_moto_then_aborts";

/// Run by `servers_end_with_their_test_binary` in a process of its own.
#[test]
#[ignore = "a helper: run by servers_end_with_their_test_binary"]
fn helper_starts_moto_then_aborts() {
    println!("moto at {}", servers::moto());
    std::process::abort();
}

#[test]
fn servers_end_with_their_test_binary() {
    let mut child = Command::new(std::env::current_exe().expect("test binary"))
        .args([
            HELPER,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the helper");
    let stdout = child.stdout.take().expect("stdout");
    let url = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            line.split_once("moto at ")
                .map(|(_, url)| url.trim().to_string())
        });
    let Some(url) = url else {
        // Say why (e.g. a missing prerequisite, named with its install command).
        let mut why = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut stderr, &mut why);
        }
        panic!("the helper started no server:\n{why}");
    };
    let status = child.wait().expect("helper ends");
    assert!(!status.success(), "the helper aborts");
    let address = url.trim_start_matches("http://").to_string();
    let started = Instant::now();
    while TcpStream::connect(&address).is_ok() {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "moto at {url} outlived its test binary"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
