//! Targets through the cores in order: one thread reads them, every core
//! works on them side by side, and the caller takes each result in the
//! order the targets came. The channels are bounded, so at most a couple of
//! hundred targets are in flight (in batches), however many the snapshot has.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use crate::error::InputError;
use crate::output::Stop;
use crate::snapshot::Target;
use crate::snapshot::stream::Stopped;

/// The receiving end went away: the reader should stop, quietly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

/// Hands each target read to the pipeline; `Closed` once it is stopping.
pub type Feed<'a> = dyn FnMut(Target) -> Result<(), Closed> + 'a;

/// A reader of the snapshot at `path` (`-`: standard input), a target at
/// a time.
pub fn from_file(path: &std::path::Path) -> impl FnOnce(&mut Feed<'_>) -> Result<(), InputError> {
    move |send| match crate::snapshot::stream::each_target(path, send) {
        Ok(()) | Err(Stopped::By(Closed)) => Ok(()),
        Err(Stopped::Input(e)) => Err(e),
    }
}

/// A reader of targets already in memory (just collected).
pub fn from_targets(targets: Vec<Target>) -> impl FnOnce(&mut Feed<'_>) -> Result<(), InputError> {
    move |send| {
        for target in targets {
            if send(target).is_err() {
                break;
            }
        }
        Ok(())
    }
}

/// Targets travel in batches of this many: a channel operation can cost
/// as much as a small target's audit.
const BATCH: usize = 16;

/// How many batches wait in each channel.
const IN_FLIGHT: usize = 4;

/// Run `read` on its own thread, `work` on every core, and `take` on the
/// calling thread with each work's result, in the order `read` sent the
/// targets (`work` also gets that index). The first error of `read` or
/// `take` stops the whole pipeline and is returned.
pub fn run<W: Send>(
    read: impl FnOnce(&mut Feed<'_>) -> Result<(), InputError> + Send,
    work: impl Fn(usize, Target) -> W + Sync,
    mut take: impl FnMut(W) -> Result<(), Stop>,
) -> Result<(), Stop> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (job_tx, job_rx) = sync_channel::<Batch<Target>>(IN_FLIGHT);
    let (done_tx, done_rx) = sync_channel::<Batch<W>>(IN_FLIGHT);
    // Shared by the workers alone: when the last one stops, the reader's
    // next send fails and it stops too.
    let jobs = Arc::new(Mutex::new(job_rx));
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            let mut batch = Batch::new(0);
            let mut count = 0;
            let read = read(&mut |target| {
                batch.items.push(target);
                count += 1;
                if batch.items.len() == BATCH {
                    let full = std::mem::replace(&mut batch, Batch::new(count));
                    job_tx.send(full).map_err(|_| Closed)?;
                }
                Ok(())
            });
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
        // Stop the workers (and through them the reader) if `take` failed.
        drop(done_rx);
        let read = reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        // An unusable snapshot explains a run cut short better than the
        // write that followed it, and the reader stops only when it fails.
        read.map_err(Stop::Input)?;
        taken
    })
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
    jobs: &Mutex<Receiver<Batch<Target>>>,
    done: &SyncSender<Batch<W>>,
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
            .map(|(i, t)| work(i, t))
            .collect();
        if done.send(Batch { first, items }).is_err() {
            return;
        }
    }
}

/// Take the results in index order, holding back those that come early.
fn take_in_order<W>(
    done: &Receiver<Batch<W>>,
    take: &mut impl FnMut(W) -> Result<(), Stop>,
) -> Result<(), Stop> {
    let mut early = BTreeMap::new();
    let mut next = 0;
    for batch in done {
        early.insert(batch.first, batch.items);
        while let Some(items) = early.remove(&next) {
            next += items.len();
            for result in items {
                take(result)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: String) -> Target {
        serde_json::from_value(serde_json::json!({"name": name,
            "setup": {"region": "eu-west-1", "security_group_id": "sg-1"}}))
        .expect("target")
    }

    #[test]
    fn results_come_in_the_order_read() {
        let mut names = Vec::new();
        run(
            |send| {
                for i in 0..500 {
                    send(target(format!("t{i}"))).expect("open");
                }
                Ok(())
            },
            |index, target| {
                // Uneven work, so results finish out of order.
                if index % 7 == 0 {
                    std::thread::sleep(std::time::Duration::from_micros(200));
                }
                (index, target.name)
            },
            |(index, name)| {
                assert_eq!(name, format!("t{index}"));
                names.push(index);
                Ok(())
            },
        )
        .expect("run");
        assert_eq!(names, (0..500).collect::<Vec<_>>());
    }

    #[test]
    fn a_failed_take_stops_the_reader() {
        let mut sent = 0;
        let result = run(
            |send| {
                for i in 0..100_000 {
                    if send(target(format!("t{i}"))).is_err() {
                        return Ok(());
                    }
                    sent += 1;
                }
                Ok(())
            },
            |index, _| index,
            |index| {
                if index == 3 {
                    Err(Stop::Io(std::io::Error::other("full disk")))
                } else {
                    Ok(())
                }
            },
        );
        assert!(matches!(result, Err(Stop::Io(_))));
        assert!(sent < 1000, "the reader stopped early ({sent} sent)");
    }

    #[test]
    fn a_reader_error_wins_over_what_was_taken() {
        let result = run(
            |send| {
                send(target("a".into())).expect("open");
                Err(InputError::new("s.json", "bad CIDR"))
            },
            |_, target| target.name,
            |_| Ok(()),
        );
        match result {
            Err(Stop::Input(e)) => assert_eq!(e.message, "bad CIDR"),
            other => panic!("{other:?}"),
        }
    }
}
