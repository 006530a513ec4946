//! The benchmark's floor: read and type-check a snapshot the way `audit`
//! does, and nothing else. `scripts/bench.sh` times it beside the audit.
//!
//! Usage: cargo run --release --example parse_snapshot -- SNAPSHOT

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: parse_snapshot SNAPSHOT");
        return ExitCode::from(2);
    };
    match ccaudit::snapshot::Snapshot::load(&path) {
        Ok(snapshot) => {
            println!("{} targets", snapshot.targets.len());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
