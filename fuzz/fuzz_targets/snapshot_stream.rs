//! The streamed reading of a snapshot file against the whole-file one: for
//! any bytes, `stream::each_target` hands on exactly the targets
//! `Snapshot::load` reads, in order, or stops with its error to the byte
//! (after handing on some targets first, none of them twice). The first
//! byte shapes the file, so that most inputs reach the split of the plain
//! shape: its head, a valid target before the fuzzed text, and the fuzzed
//! text across the split's first read.
//!
//! With `CCAUDIT_FUZZ_PIPELINE` set, `pipeline::run` on the file (a
//! `Source::File`) is held to the same. Its worker threads' thread-locals
//! are still being freed when LeakSanitizer looks, so run it with
//! `-detect_leaks=0`, e.g. over the corpus:
//! `CCAUDIT_FUZZ_PIPELINE=1 cargo +nightly fuzz run snapshot_stream -- -detect_leaks=0 -runs=0`.

#![no_main]

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use ccaudit::output::Stop;
use ccaudit::pipeline::{self, Source};
use ccaudit::snapshot::stream::{self, Stopped};
use ccaudit::snapshot::{Snapshot, Target};
use libfuzzer_sys::fuzz_target;

/// Where the input is written: one file per fuzzing process.
static PATH: LazyLock<PathBuf> = LazyLock::new(|| {
    std::env::temp_dir().join(format!("ccaudit-fuzz-stream-{}.json", std::process::id()))
});

/// Whether `pipeline::run` is checked too.
static PIPELINE: LazyLock<bool> =
    LazyLock::new(|| std::env::var_os("CCAUDIT_FUZZ_PIPELINE").is_some());

/// The plain shape's head, up to the first target.
const HEAD: &[u8] = br#"{"schema":"ccaudit/snapshot/v1","targets":["#;
/// A target that parses.
const TARGET: &[u8] =
    br#"{"name":"a","setup":{"region":"eu-west-1","security_group_id":"sg-0123abcd"}}"#;
/// How much the split reads at a time (`split::CHUNK`): the file's first
/// read ends here.
const CHUNK: usize = 1 << 18;

/// The file the input stands for.
fn document(data: &[u8]) -> Vec<u8> {
    let [shape, rest @ ..] = data else {
        return Vec::new();
    };
    match shape % 8 {
        0 | 1 => rest.to_vec(),
        2 => [HEAD, rest].concat(),
        3 => [HEAD, TARGET, b",", rest].concat(),
        4 => [HEAD, rest, b"]}"].concat(),
        5 => [HEAD, TARGET, b",", rest, b"]}"].concat(),
        // The rest begins up to 255 bytes before the first read ends:
        // between the values (spaces), or inside a target's name.
        shape => {
            let [back, rest @ ..] = rest else {
                return Vec::new();
            };
            let (open, pad) = if shape == 6 {
                (HEAD, b' ')
            } else {
                (
                    &br#"{"schema":"ccaudit/snapshot/v1","targets":[{"name":""#[..],
                    b'a',
                )
            };
            let mut doc = open.to_vec();
            doc.resize(CHUNK - usize::from(*back), pad);
            doc.extend_from_slice(rest);
            doc
        }
    }
}

/// How a reading ended: each target's name and `Debug` (which shows every
/// field) and, when it failed, the error as shown.
type Reading = (Vec<(String, String)>, Result<(), String>);

fn shown(target: &Target) -> (String, String) {
    (target.name.clone(), format!("{target:?}"))
}

fn streamed(path: &Path) -> Reading {
    let mut targets = Vec::new();
    let end = stream::each_target(path, |target| {
        targets.push(shown(&target));
        Ok::<(), ()>(())
    });
    let end = match end {
        Ok(()) => Ok(()),
        Err(Stopped::Input(e)) => Err(e.to_string()),
        Err(Stopped::By(())) => unreachable!("the receiver never stops"),
    };
    (targets, end)
}

fn piped(path: &Path) -> Reading {
    let mut targets = Vec::new();
    let end = pipeline::run(
        Source::File(path),
        |index, target| (index, shown(&target)),
        |(index, target)| {
            assert_eq!(index, targets.len(), "results in order");
            targets.push(target);
            Ok(())
        },
    );
    let end = match end {
        Ok(()) => Ok(()),
        Err(Stop::Input(e)) => Err(e.to_string()),
        Err(Stop::Io(e)) => panic!("the taker never fails: {e}"),
    };
    (targets, end)
}

/// `got` read as `whole` says: the same targets, or the same error after
/// a prefix of distinct targets.
fn agrees(how: &str, whole: &Reading, got: &Reading) {
    match &whole.1 {
        Ok(()) => assert_eq!(got, whole, "{how}"),
        Err(expected) => {
            assert_eq!(got.1.as_ref().err(), Some(expected), "{how}");
            let mut names = std::collections::HashSet::new();
            for (name, _) in &got.0 {
                assert!(names.insert(name), "{how}: {name:?} handed on twice");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let path = PATH.as_path();
    std::fs::write(path, document(data)).expect("temp file");
    let whole = match Snapshot::load(path) {
        Ok(snapshot) => (snapshot.targets.iter().map(shown).collect(), Ok(())),
        Err(e) => (Vec::new(), Err(e.to_string())),
    };
    agrees("stream::each_target", &whole, &streamed(path));
    if *PIPELINE {
        agrees("pipeline::run", &whole, &piped(path));
    }
});
