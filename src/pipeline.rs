//! Targets through the cores in order: one thread reads them, every core
//! parses and works on them side by side, and the caller takes each result
//! in the order the targets came. The channels are bounded, so at most a
//! couple of hundred targets are in flight (in batches), however many the
//! snapshot has.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use crate::error::InputError;
use crate::output::Stop;
use crate::snapshot::Target;
use crate::snapshot::stream::{self, Stopped, Streamed};

/// Where the targets come from.
#[derive(Debug)]
pub enum Source<'p> {
    /// A snapshot file (`-`: standard input), read a target at a time.
    File(&'p Path),
    /// Targets already in memory (just collected).
    Collected(Vec<Target>),
}

/// The receiving end went away: the reader should stop, quietly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Closed;

/// Targets travel in batches of this many: a channel operation can cost
/// as much as a small target's audit.
const BATCH: usize = 16;

/// How many batches wait in each channel.
const IN_FLIGHT: usize = 4;

/// A worker's answer for one target.
enum Done<W> {
    /// The work's result, with the target's name when the taker is to
    /// check that no earlier target had it.
    Worked { name: Option<String>, result: W },
    /// The target's text does not parse: the snapshot is unusable.
    Unparsable,
}

/// Why taking stopped.
enum Ended {
    Stop(Stop),
    /// A target that makes the snapshot unusable.
    Unusable,
}

/// Read `source` on its own thread, parse and `work` on every core, and
/// `take` each work's result on the calling thread, in the order of the
/// targets (`work` also gets that index). The first error stops the whole
/// pipeline and is returned; a snapshot found unusable wins over what
/// `take` said.
pub fn run<W: Send>(
    source: Source<'_>,
    work: impl Fn(usize, Target) -> W + Sync,
    mut take: impl FnMut(W) -> Result<(), Stop>,
) -> Result<(), Stop> {
    let path = match &source {
        Source::File(path) => Some(*path),
        Source::Collected(_) => None,
    };
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (job_tx, job_rx) = sync_channel::<Batch<Streamed>>(IN_FLIGHT);
    let (done_tx, done_rx) = sync_channel::<Batch<Done<W>>>(IN_FLIGHT);
    // Shared by the workers alone: when the last one stops, the reader's
    // next send fails and it stops too.
    let jobs = Arc::new(Mutex::new(job_rx));
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut batch = Batch::new(0);
            let mut count = 0;
            let mut feed = |streamed| {
                batch.items.push(streamed);
                count += 1;
                if batch.items.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Batch::new(count));
                    job_tx.send(full).map_err(|_| Closed)?;
                }
                Ok(())
            };
            let read = read(source, &mut feed);
            if !batch.items.is_empty() {
                // Nobody left to take it means the run is stopping anyway.
                let _ = job_tx.send(batch);
            }
            read
        });
        for _ in 0..workers {
            let (jobs, done_tx, work) = (Arc::clone(&jobs), done_tx.clone(), &work);
            scope.spawn(move || serve(&jobs, &done_tx, work));
        }
        drop((jobs, done_tx));
        let taken = take_in_order(&done_rx, &mut take);
        // Stop the workers (and through them the reader) if taking stopped.
        drop(done_rx);
        let read = reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        // An unusable snapshot explains a run cut short better than the
        // write that followed it, and the reader stops only when it fails.
        read.map_err(Stop::Input)?;
        match taken {
            Ok(()) => Ok(()),
            Err(Ended::Stop(stop)) => Err(stop),
            Err(Ended::Unusable) => Err(Stop::Input(match path {
                Some(path) => stream::unusable(path),
                // Collected targets are never texts to parse.
                None => InputError::new("<collected>", "a collected target could not be read"),
            })),
        }
    })
}

/// Send each target of `source` to `feed`, until it is closed.
fn read(
    source: Source<'_>,
    feed: &mut impl FnMut(Streamed) -> Result<(), Closed>,
) -> Result<(), InputError> {
    match source {
        Source::File(path) => match stream::each_streamed(path, feed) {
            Ok(()) | Err(Stopped::By(Closed)) => Ok(()),
            Err(Stopped::Input(e)) => Err(e),
        },
        Source::Collected(targets) => {
            for target in targets {
                if feed(Streamed::Parsed(Box::new(target))).is_err() {
                    break;
                }
            }
            Ok(())
        }
    }
}

/// Consecutive items, the first of them at index `first`.
struct Batch<T> {
    first: usize,
    items: Vec<T>,
}

impl<T> Batch<T> {
    fn new(first: usize) -> Self {
        Batch {
            first,
            items: Vec::with_capacity(BATCH),
        }
    }
}

/// A worker: take the next batch, work, hand the results on, until the
/// reader is done or the taker is gone.
fn serve<W>(
    jobs: &Mutex<Receiver<Batch<Streamed>>>,
    done: &SyncSender<Batch<Done<W>>>,
    work: &(impl Fn(usize, Target) -> W + Sync),
) {
    loop {
        // The lock is held only to receive, never while working.
        let next = match jobs.lock() {
            Ok(jobs) => jobs.recv(),
            Err(_) => return,
        };
        let Ok(batch) = next else { return };
        let first = batch.first;
        let items = (first..)
            .zip(batch.items)
            .map(|(index, streamed)| match streamed {
                Streamed::Parsed(target) => Done::Worked {
                    name: None,
                    result: work(index, *target),
                },
                Streamed::Text(text) => match text.parse() {
                    Some(target) => Done::Worked {
                        name: Some(target.name.clone()),
                        result: work(index, target),
                    },
                    None => Done::Unparsable,
                },
            })
            .collect();
        if done.send(Batch { first, items }).is_err() {
            return;
        }
    }
}

/// Take the results in index order, holding back those that come early;
/// stop at a target the snapshot cannot have (its text does not parse, or
/// an earlier target has its name).
fn take_in_order<W>(
    done: &Receiver<Batch<Done<W>>>,
    take: &mut impl FnMut(W) -> Result<(), Stop>,
) -> Result<(), Ended> {
    let mut early = BTreeMap::new();
    let mut next = 0;
    let mut names = HashSet::new();
    for batch in done {
        early.insert(batch.first, batch.items);
        while let Some(items) = early.remove(&next) {
            next += items.len();
            for done in items {
                let Done::Worked { name, result } = done else {
                    return Err(Ended::Unusable);
                };
                if name.is_some_and(|name| !names.insert(name)) {
                    return Err(Ended::Unusable);
                }
                take(result).map_err(Ended::Stop)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::snapshot::Snapshot;

    fn target(name: &str) -> serde_json::Value {
        serde_json::json!({"name": name,
            "setup": {"region": "eu-west-1", "security_group_id": "sg-1"}})
    }

    /// A snapshot file of these targets, then `tail` (kept while the folder lives).
    fn snapshot(
        targets: &[serde_json::Value],
        tail: &str,
    ) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("s.json");
        let doc = serde_json::json!({"schema": crate::snapshot::SCHEMA, "targets": targets});
        std::fs::write(&path, format!("{doc}{tail}")).expect("write");
        (dir, path)
    }

    fn names(count: usize) -> Vec<serde_json::Value> {
        (0..count).map(|i| target(&format!("t{i}"))).collect()
    }

    /// The names `take` got, and how the run ended.
    fn taken(source: Source<'_>) -> (Vec<String>, Result<(), Stop>) {
        let mut names = Vec::new();
        let result = run(
            source,
            |index, target| {
                // Uneven work, so results finish out of order.
                if index % 7 == 0 {
                    std::thread::sleep(std::time::Duration::from_micros(200));
                }
                (index, target.name)
            },
            |(index, name)| {
                assert_eq!(index, names.len());
                names.push(name);
                Ok(())
            },
        );
        (names, result)
    }

    #[test]
    fn results_come_in_the_order_read() {
        let expected: Vec<String> = (0..500).map(|i| format!("t{i}")).collect();
        let (_dir, path) = snapshot(&names(500), "");
        let (from_file, result) = taken(Source::File(&path));
        assert!(result.is_ok());
        assert_eq!(from_file, expected);
        let collected = Snapshot::load(&path).expect("load").targets;
        let (from_memory, result) = taken(Source::Collected(collected));
        assert!(result.is_ok());
        assert_eq!(from_memory, expected);
    }

    #[test]
    fn a_failed_take_stops_the_reader() {
        let (_dir, path) = snapshot(&names(100_000), "");
        let worked = AtomicUsize::new(0);
        let result = run(
            Source::File(&path),
            |index, _| {
                worked.fetch_add(1, Ordering::Relaxed);
                index
            },
            |index| {
                if index == 3 {
                    Err(Stop::Io(std::io::Error::other("full disk")))
                } else {
                    Ok(())
                }
            },
        );
        assert!(matches!(result, Err(Stop::Io(_))));
        let worked = worked.into_inner();
        assert!(
            worked < 1000,
            "the reader stopped early ({worked} worked on)"
        );
    }

    /// The run stops with `Snapshot::load`'s error, after taking the
    /// targets before the first bad one.
    fn stops_exactly(targets: &[serde_json::Value], tail: &str, good: usize) {
        let (_dir, path) = snapshot(targets, tail);
        let expected = Snapshot::load(&path).expect_err("unusable");
        let (names, result) = taken(Source::File(&path));
        match result {
            Err(Stop::Input(e)) => assert_eq!(e.to_string(), expected.to_string()),
            other => panic!("{other:?}"),
        }
        assert_eq!(names.len(), good, "{names:?}");
    }

    #[test]
    fn an_unusable_snapshot_stops_the_run_where_it_turns_bad() {
        let mut targets = names(100);
        targets[60] = serde_json::json!({"name": 3});
        stops_exactly(&targets, "", 60);
        let mut targets = names(100);
        targets[70] = target("t2");
        stops_exactly(&targets, "", 70);
        // A duplicate before a parse error: the parse error is named.
        targets[80] = serde_json::json!([]);
        stops_exactly(&targets, "", 70);
        stops_exactly(&names(50), " trailing", 50);
    }
}
