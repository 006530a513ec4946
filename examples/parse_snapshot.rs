//! The benchmark's floor: read and type-check a snapshot the way `audit`
//! does (a target at a time, each dropped once read), and nothing else.
//! `scripts/bench.sh` times it beside the audit.
//!
//! Usage: cargo run --release --example parse_snapshot -- SNAPSHOT

use std::path::PathBuf;
use std::process::ExitCode;

use ccaudit::snapshot::stream::{Stopped, each_target};

// The allocator `ccaudit` itself uses, so the floor is measured alike.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: parse_snapshot SNAPSHOT");
        return ExitCode::from(2);
    };
    let mut count = 0usize;
    let read = each_target(&path, |target| {
        count += 1;
        drop(target);
        Ok::<(), std::convert::Infallible>(())
    });
    match read {
        Ok(()) => {
            println!("{count} targets");
            ExitCode::SUCCESS
        }
        Err(Stopped::Input(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(Stopped::By(never)) => match never {},
    }
}
