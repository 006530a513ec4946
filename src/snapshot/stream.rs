//! A snapshot read one target at a time: memory holds the targets being
//! read, not the file, so an audit of 50,000 targets needs no more than an
//! audit of one. The checks and the errors are `Snapshot::load`'s, to the
//! byte: the same parse decides them (`judge_parsed`, `judge_failed`).
//!
//! A file of the plain shape is split into its targets' texts
//! (`split.rs`), which are parsed from memory, on any core. Any other
//! shape, and standard input, take the careful reading: serde walks the
//! document (`Walk`), holding targets that come before the schema until it
//! is known to be ours.
//!
//! Either way a target is handed on only while no error is certain: a
//! parse error or a duplicate name found later stops the stream after the
//! targets already handed on, and `unusable` names the error exactly.

use std::collections::HashSet;
use std::fmt;
use std::io::BufReader;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::split::{Halt, Split, split};
use super::{FIELDS, Facts, Field, SCHEMA, Target, judge_failed, judge_parsed, read_all};
use crate::error::InputError;

/// Why a stream ended early.
#[derive(Debug)]
pub enum Stopped<E> {
    /// The snapshot is unusable: exit 2, naming the place.
    Input(InputError),
    /// The receiver of the targets stopped it (a report that cannot be written).
    By(E),
}

/// A target as the stream hands it on.
#[derive(Debug)]
pub enum Streamed {
    /// Its text, to be parsed by the receiver (on any thread). A text that
    /// does not parse, or a name an earlier target has, makes the snapshot
    /// unusable from there on: `unusable` says why.
    Text(TargetText),
    /// Parsed and checked already.
    Parsed(Box<Target>),
}

/// A target's JSON text, as the split found it.
#[derive(Debug)]
pub struct TargetText(Vec<u8>);

impl TargetText {
    fn new(text: &[u8]) -> Self {
        // Inside two arrays the target is nested as deep as in the
        // snapshot (an object, an array), so serde's depth limit falls
        // where it falls there.
        let mut wrapped = Vec::with_capacity(text.len() + 4);
        wrapped.extend_from_slice(b"[[");
        wrapped.extend_from_slice(text);
        wrapped.extend_from_slice(b"]]");
        TargetText(wrapped)
    }

    /// The target; `None` makes the snapshot unusable.
    pub fn parse(&self) -> Option<Target> {
        serde_json::from_slice::<[[Target; 1]; 1]>(&self.0)
            .ok()
            .map(|[[target]]| target)
    }
}

/// Read the snapshot at `path` (`-`: standard input, which is read whole)
/// and hand each target to `visit`, parsed and checked, in file order.
pub fn each_target<E>(
    path: &Path,
    mut visit: impl FnMut(Target) -> Result<(), E>,
) -> Result<(), Stopped<E>> {
    /// A text the snapshot cannot have.
    struct Unusable;
    let mut names = HashSet::new();
    let streamed = each_streamed(path, |streamed| {
        let target = match streamed {
            Streamed::Parsed(target) => *target,
            Streamed::Text(text) => {
                let target = text.parse().ok_or(Err(Unusable))?;
                if !names.insert(target.name.clone()) {
                    return Err(Err(Unusable));
                }
                target
            }
        };
        visit(target).map_err(Ok)
    });
    match streamed {
        Ok(()) => Ok(()),
        Err(Stopped::Input(e)) => Err(Stopped::Input(e)),
        Err(Stopped::By(Ok(e))) => Err(Stopped::By(e)),
        Err(Stopped::By(Err(Unusable))) => Err(Stopped::Input(unusable(path))),
    }
}

/// Read the snapshot at `path` (`-`: standard input, which is read whole,
/// as is a pipe) and hand each target to `visit` in file order, as text
/// where the receiver is to parse and check it.
pub fn each_streamed<E>(
    path: &Path,
    mut visit: impl FnMut(Streamed) -> Result<(), E>,
) -> Result<(), Stopped<E>> {
    // The split may start over, and an error is named from the file read
    // again: only a regular file can be read twice.
    let regular = path != Path::new("-") && std::fs::metadata(path).is_ok_and(|m| m.is_file());
    if !regular {
        let bytes = read_all(path).map_err(Stopped::Input)?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        return walk(
            &mut de,
            path,
            |t| visit(Streamed::Parsed(Box::new(t))),
            || Ok(bytes.clone()),
        );
    }
    let open = || {
        std::fs::File::open(path).map_err(|e| {
            Stopped::Input(InputError::new(path, format!("cannot read snapshot: {e}")))
        })
    };
    let split = split(open()?, |text| visit(Streamed::Text(TargetText::new(text))));
    match split {
        Ok(Split::Whole { .. }) => Ok(()),
        // Nothing handed on yet: the careful reading from the start.
        Ok(Split::Odd { handed: 0 }) => {
            let reader = BufReader::with_capacity(1 << 18, open()?);
            let mut de = serde_json::Deserializer::from_reader(reader);
            walk(
                &mut de,
                path,
                |t| visit(Streamed::Parsed(Box::new(t))),
                || read_all(path),
            )
        }
        Ok(Split::Odd { .. }) => Err(Stopped::Input(unusable(path))),
        Err(Halt::By(e)) => Err(Stopped::By(e)),
        Err(Halt::Io(e)) => Err(Stopped::Input(InputError::new(
            path,
            format!("cannot read snapshot: {e}"),
        ))),
    }
}

/// Why the snapshot file at `path` is unusable, exactly as
/// `Snapshot::load` would say, once streaming found it so (a text that
/// did not parse, a name twice, or an odd shape after targets went on).
/// The file is read whole again, targets dropped as they are parsed.
pub fn unusable(path: &Path) -> InputError {
    let bytes = match read_all(path) {
        Ok(bytes) => bytes,
        Err(e) => return e,
    };
    let mut de = serde_json::Deserializer::from_slice(&bytes);
    let ignore = |_: Target| Ok::<(), std::convert::Infallible>(());
    match walk(&mut de, path, ignore, || Ok(bytes.clone())) {
        Err(Stopped::Input(e)) => e,
        Err(Stopped::By(never)) => match never {},
        // Read whole it is fine, so it changed while it was streamed.
        Ok(()) => InputError::new(
            path,
            "the snapshot changed while it was being read; audit it again",
        ),
    }
}

fn walk<'de, R: serde_json::de::Read<'de>, E>(
    de: &mut serde_json::Deserializer<R>,
    path: &Path,
    mut visit: impl FnMut(Target) -> Result<(), E>,
    bytes: impl FnOnce() -> Result<Vec<u8>, InputError>,
) -> Result<(), Stopped<E>> {
    let mut walk = Walk::new(&mut visit);
    let parsed = (&mut walk).deserialize(&mut *de).and_then(|()| de.end());
    if let Some(stop) = walk.stopped {
        return Err(Stopped::By(stop));
    }
    let facts = match parsed {
        Ok(()) => Facts {
            schema: walk.schema.unwrap_or_default(),
            targets: walk.targets,
            duplicate: walk.duplicate,
        },
        Err(e) => {
            // serde_json places some errors of a reader one column further
            // than those of a slice: the file's bytes, parsed again (and
            // dropped), give the position `Snapshot::load` gives.
            let bytes = match bytes() {
                Ok(bytes) => bytes,
                Err(e) => return Err(Stopped::Input(e)),
            };
            let exact = reparse(&bytes).err();
            let error = exact.as_ref().unwrap_or(&e);
            return Err(Stopped::Input(judge_failed(path, error, || Ok(bytes))));
        }
    };
    let schema_known = facts.schema == SCHEMA;
    judge_parsed(path, facts, bytes).map_err(Stopped::Input)?;
    // Targets read before the schema go now that it is known to be ours.
    debug_assert!(schema_known || walk.held.is_empty());
    for target in std::mem::take(&mut walk.held) {
        visit(target).map_err(Stopped::By)?;
    }
    Ok(())
}

/// The parse of a whole snapshot in memory, keeping nothing: its error.
fn reparse(bytes: &[u8]) -> Result<(), serde_json::Error> {
    let mut ignore = |_: Target| Ok::<(), std::convert::Infallible>(());
    let mut walk = Walk::new(&mut ignore);
    walk.keep = false;
    let mut de = serde_json::Deserializer::from_slice(bytes);
    (&mut walk).deserialize(&mut de).and_then(|()| de.end())
}

/// The walk through the document, as serde drives it.
struct Walk<'v, F, E> {
    visit: &'v mut F,
    /// The schema, once read.
    schema: Option<String>,
    targets: usize,
    names: HashSet<String>,
    /// The first name seen twice: no target is handed on after it.
    duplicate: Option<String>,
    /// Targets read before the schema.
    held: Vec<Target>,
    /// What the receiver stopped the walk with.
    stopped: Option<E>,
    /// False: only parse, hand on and hold nothing.
    keep: bool,
}

impl<'v, F, E> Walk<'v, F, E> {
    fn new(visit: &'v mut F) -> Self {
        Walk {
            visit,
            schema: None,
            targets: 0,
            names: HashSet::new(),
            duplicate: None,
            held: Vec::new(),
            stopped: None,
            keep: true,
        }
    }
}

impl<F: FnMut(Target) -> Result<(), E>, E> Walk<'_, F, E> {
    /// Hand a target on, hold it, or drop it (an error is already certain).
    fn take<Er: de::Error>(&mut self, target: Target) -> Result<(), Er> {
        self.targets += 1;
        if !self.keep || self.duplicate.is_some() {
            return Ok(());
        }
        if !self.names.insert(target.name.clone()) {
            self.duplicate = Some(target.name);
            return Ok(());
        }
        match self.schema.as_deref() {
            None => self.held.push(target),
            Some(SCHEMA) => {
                if let Err(stop) = (self.visit)(target) {
                    self.stopped = Some(stop);
                    return Err(Er::custom("the receiver stopped the stream"));
                }
            }
            // Another schema: the error is certain; the parse goes on
            // only to find which one `judge_failed` would name.
            Some(_) => {}
        }
        Ok(())
    }
}

impl<'de, F: FnMut(Target) -> Result<(), E>, E> DeserializeSeed<'de> for &mut Walk<'_, F, E> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_struct("Snapshot", FIELDS, self)
    }
}

impl<'de, F: FnMut(Target) -> Result<(), E>, E> Visitor<'de> for &mut Walk<'_, F, E> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("struct Snapshot")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = [false; 4];
        while let Some(field) = map.next_key::<Field>()? {
            let index = field as usize;
            if std::mem::replace(&mut seen[index], true) {
                return Err(de::Error::duplicate_field(FIELDS[index]));
            }
            match field {
                Field::Schema => self.schema = Some(map.next_value()?),
                Field::CollectedAt | Field::Source => {
                    map.next_value::<Option<String>>()?;
                }
                Field::Targets => map.next_value_seed(Targets(&mut *self))?,
            }
        }
        for (index, name) in FIELDS.iter().enumerate() {
            // `collected_at` and `source` may be left out.
            if !seen[index] && matches!(*name, "schema" | "targets") {
                return Err(de::Error::missing_field(name));
            }
        }
        Ok(())
    }

    // A snapshot written as an array of its fields: too odd to stream, so
    // serde's own reading of `Snapshot` decides, and its targets follow.
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        let snapshot = super::Snapshot::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
        self.schema = Some(snapshot.schema);
        for target in snapshot.targets {
            self.take(target)?;
        }
        Ok(())
    }
}

/// The `targets` array, one target at a time.
struct Targets<'w, 'v, F, E>(&'w mut Walk<'v, F, E>);

impl<'de, F: FnMut(Target) -> Result<(), E>, E> DeserializeSeed<'de> for Targets<'_, '_, F, E> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(Target) -> Result<(), E>, E> Visitor<'de> for Targets<'_, '_, F, E> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a sequence")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(target) = seq.next_element::<Target>()? {
            self.0.take(target)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Snapshot;

    const T1: &str =
        r#"{"name": "a", "setup": {"region": "eu-west-1", "security_group_id": "sg-0123abcd"}}"#;
    const T2: &str =
        r#"{"name": "b", "setup": {"region": "eu-west-1", "security_group_id": "sg-0123abcd"}}"#;

    /// `text` in a file of its own (kept while the folder lives).
    fn file(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("s.json");
        std::fs::write(&path, text).expect("write");
        (dir, path)
    }

    /// The names streaming hands on, and how it ends.
    fn streamed(path: &Path) -> (Vec<String>, Result<(), Stopped<()>>) {
        let mut names = Vec::new();
        let result = each_target(path, |t| {
            names.push(t.name);
            Ok(())
        });
        (names, result)
    }

    /// What streaming the text hands on, or its error, beside what the
    /// whole-file reading says.
    fn both(
        text: &str,
    ) -> (
        Result<Vec<String>, InputError>,
        Result<Vec<String>, InputError>,
    ) {
        let (_dir, path) = file(text);
        let whole = Snapshot::load(&path).map(|s| s.targets.into_iter().map(|t| t.name).collect());
        let streamed = match streamed(&path) {
            (names, Ok(())) => Ok(names),
            (_, Err(Stopped::Input(e))) => Err(e),
            (_, Err(Stopped::By(()))) => unreachable!("the visitor never stops"),
        };
        (whole, streamed)
    }

    #[test]
    fn streaming_decides_as_the_whole_file_does() {
        let head = r#""schema": "ccaudit/snapshot/v1""#;
        let cases = [
            format!(r#"{{{head}, "targets": [{T1}, {T2}]}}"#),
            format!(r#"{{"targets": [{T1}, {T2}], {head}}}"#),
            format!(
                r#"{{{head}, "collected_at": "2026-11-28T00:00:00Z", "source": "x", "targets": [{T1}]}}"#
            ),
            format!(r#"["ccaudit/snapshot/v1", null, null, [{T1}, {T2}]]"#),
            r#"["ccaudit/snapshot/v1", null]"#.to_string(),
            format!(r#"{{"schema": "ccaudit/snapshot/v9", "targets": [{T1}]}}"#),
            format!(r#"{{"targets": [{T1}], "schema": "ccaudit/snapshot/v9"}}"#),
            format!(r#"{{"schema": "ccaudit/snapshot/v9", "schema": "x", "targets": [{T1}]}}"#),
            format!(r#"{{"schema": "ccaudit/snapshot/v9", "targets": [{T1}, 3]}}"#),
            format!(r#"{{"targets": [{T1}, {{"name": 3}}]}}"#),
            format!(r#"{{{head}, "targets": [{T1}, {{"name": "c", "setup": {{}}}}]}}"#),
            format!(r#"{{{head}, "targets": [{T1}, {T1}]}}"#),
            format!(r#"{{{head}, "targets": [{T1}, {T1}, {{"name": 3}}]}}"#),
            format!(r#"{{{head}, "targets": []}}"#),
            format!(r#"{{{head}}}"#),
            format!(r#"{{{head}, "targets": {{}}}}"#),
            format!(r#"{{{head}, "targets": [{T1}], "extra": 1}}"#),
            format!(r#"{{{head}, "targets": [{T1}], "targets": []}}"#),
            format!(r#"{{{head}, "targets": [{T1}]}} trailing"#),
            format!(r#"{{{head}, "targets": [{T1}"#),
            "{}".to_string(),
            "[]".to_string(),
            "".to_string(),
            "  \n  {}".to_string(),
            "3".to_string(),
            "\u{feff}{}".to_string(),
            // What the split of the plain shape must read as serde does.
            format!(r#"{{"sch\u0065ma": "ccaudit/snapshot/v1", "targets": [{T1}]}}"#),
            format!("\n{{ {head} ,\r\n\t\"targets\" :\n[ {T1} ,\n{T2} ] }}\n"),
            format!(
                r#"{{{head}, "targets": [{{"name": "a\"]}}\\", "x": "{{[", "setup": {{"region": "eu-west-1", "security_group_id": "sg-0123abcd"}}}}]}}"#
            ),
            format!(r#"{{{head}, "collected_at": null, "targets": [{T1}], "source": "cli"}}"#),
            format!(r#"{{{head}, "source": 3, "targets": [{T1}]}}"#),
            format!(r#"{{{head}, "targets": [{T1},]}}"#),
            format!(r#"{{{head}, "targets": [{T1} {T2}]}}"#),
            format!(r#"{{{head}, "targets": [{T1}],}}"#),
            format!(r#"{{{head}, "targets": [{T1}, 3]}}"#),
            format!(r#"{{{head}, "targets": [{T1}, {T2}], "schema": "ccaudit/snapshot/v1"}}"#),
            format!(r#"{{{head}, "targets": [{T1}, {{"name": "b\u0000"}}]}}"#),
            format!("{{{head}, \"targets\": [{T1}, {{\"name\": \"\u{1}\"}}]}}"),
        ];
        let cases = cases.into_iter().chain(deep_cases());
        for text in cases {
            let (whole, streamed) = both(&text);
            assert_eq!(whole, streamed, "{text}");
        }
    }

    /// Targets nested about as deep as serde allows: parsed alone, a
    /// target must hit the limit where it hits it inside the snapshot.
    fn deep_cases() -> impl Iterator<Item = String> {
        // A policy document is read as a `serde_json::Value`, which counts
        // its depth (a field serde ignores is not counted).
        (114..=126).map(|depth| {
            let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let aws = format!(
                r#""aws": {{"iam:GetUserPolicy": {{"p": {{"PolicyDocument": {deep}}}}}}}, "#
            );
            let target = T2.replacen('{', &format!("{{{aws}"), 1);
            format!(r#"{{"schema": "ccaudit/snapshot/v1", "targets": [{T1}, {target}]}}"#)
        })
    }

    #[test]
    fn the_deep_cases_straddle_the_depth_limit() {
        let usable: Vec<bool> = deep_cases().map(|text| both(&text).0.is_ok()).collect();
        assert!(
            usable.contains(&true) && usable.contains(&false),
            "{usable:?}"
        );
    }

    #[test]
    fn the_plain_shape_is_handed_on_as_text() {
        let plain = format!(r#"{{"schema": "ccaudit/snapshot/v1", "targets": [{T1}, {T2}]}}"#);
        let schema_last =
            format!(r#"{{"targets": [{T1}, {T2}], "schema": "ccaudit/snapshot/v1"}}"#);
        for (text, as_text) in [(plain, true), (schema_last, false)] {
            let (_dir, path) = file(&text);
            let mut kinds = Vec::new();
            each_streamed(&path, |streamed| {
                kinds.push(matches!(streamed, Streamed::Text(_)));
                Ok::<(), ()>(())
            })
            .expect("usable");
            assert_eq!(kinds, [as_text; 2], "{text}");
        }
    }

    #[test]
    fn a_pipe_is_read_once() {
        // `audit <(…)` or a named pipe: the split's fallback and the
        // error's second reading would find it empty.
        let dir = tempfile::tempdir().expect("temp dir");
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.is_ok_and(|s| s.success()), "mkfifo");
        let schema_last =
            format!(r#"{{"targets": [{T1}, {T2}], "schema": "ccaudit/snapshot/v1"}}"#);
        let twice = format!(r#"{{"schema": "ccaudit/snapshot/v1", "targets": [{T1}, {T1}]}}"#);
        for text in [schema_last, twice] {
            let writer = {
                let (fifo, text) = (fifo.clone(), text.clone());
                std::thread::spawn(move || std::fs::write(fifo, text).expect("write the pipe"))
            };
            let (names, result) = streamed(&fifo);
            writer.join().expect("writer");
            let (_dir, path) = file(&text);
            match (Snapshot::load(&path), result) {
                (Ok(whole), Ok(())) => {
                    assert_eq!(
                        names,
                        whole
                            .targets
                            .iter()
                            .map(|t| t.name.clone())
                            .collect::<Vec<_>>()
                    )
                }
                (Err(whole), Err(Stopped::Input(piped))) => {
                    assert_eq!(piped.message, whole.message)
                }
                (whole, piped) => panic!("{text}: {whole:?} / {piped:?}"),
            }
        }
    }

    #[test]
    fn targets_after_the_first_error_are_not_handed_on() {
        let text = format!(r#"{{"schema": "ccaudit/snapshot/v1", "targets": [{T1}, {T1}, {T2}]}}"#);
        let (_dir, path) = file(&text);
        let (names, result) = streamed(&path);
        assert!(matches!(result, Err(Stopped::Input(_))));
        assert_eq!(names, ["a"], "nothing after the duplicate");
    }

    #[test]
    fn the_receiver_can_stop_the_stream() {
        let text = format!(r#"{{"schema": "ccaudit/snapshot/v1", "targets": [{T1}, {T2}]}}"#);
        let (_dir, path) = file(&text);
        let mut seen = 0;
        let result = each_target(&path, |_| {
            seen += 1;
            Err("full disk")
        });
        assert!(matches!(result, Err(Stopped::By("full disk"))));
        assert_eq!(seen, 1);
    }
}
