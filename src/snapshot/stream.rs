//! A snapshot read one target at a time: memory holds the target being
//! read, not the file, so an audit of 50,000 targets needs no more than an
//! audit of one. The checks and the errors are `Snapshot::load`'s, to the
//! byte: the same parse decides them (`judge_parsed`, `judge_failed`).
//!
//! A target is handed on only once the schema is known to be ours (a
//! snapshot whose `targets` come before its `schema` is held until then)
//! and while no error is certain. A parse error or a duplicate name found
//! later stops the stream after the targets already handed on.

use std::collections::HashSet;
use std::fmt;
use std::io::BufReader;
use std::path::Path;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{Facts, SCHEMA, Target, judge_failed, judge_parsed, read_all};
use crate::error::InputError;

/// Why a stream ended early.
#[derive(Debug)]
pub enum Stopped<E> {
    /// The snapshot is unusable: exit 2, naming the place.
    Input(InputError),
    /// The receiver of the targets stopped it (a report that cannot be written).
    By(E),
}

/// Read the snapshot at `path` (`-`: standard input, which is read whole)
/// and hand each target to `visit`, in file order.
pub fn each_target<E>(
    path: &Path,
    visit: impl FnMut(Target) -> Result<(), E>,
) -> Result<(), Stopped<E>> {
    if path == Path::new("-") {
        let bytes = read_all(path).map_err(Stopped::Input)?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        return walk(&mut de, path, visit, || Ok(bytes.clone()));
    }
    let file = std::fs::File::open(path)
        .map_err(|e| Stopped::Input(InputError::new(path, format!("cannot read snapshot: {e}"))))?;
    let mut de = serde_json::Deserializer::from_reader(BufReader::with_capacity(1 << 18, file));
    walk(&mut de, path, visit, || read_all(path))
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

/// The snapshot's fields, as `Snapshot` names them.
#[derive(Clone, Copy, Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Schema,
    CollectedAt,
    Source,
    Targets,
}

const FIELDS: &[&str] = &["schema", "collected_at", "source", "targets"];

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
        ];
        for text in &cases {
            let (whole, streamed) = both(text);
            assert_eq!(whole, streamed, "{text}");
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
