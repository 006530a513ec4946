//! `ccaudit merge`: the snapshots (or JSON reports) of a sharded run joined
//! into one, as if one run had read every target. Inputs are read one at a
//! time and their targets written as they are, so the merge holds one
//! input in memory, not the fleet. A target name twice is refused: two
//! shards that overlap, or the same shard merged twice, would otherwise
//! count a target twice.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::error::InputError;
use crate::output::Stop;
use crate::snapshot::{SCHEMA as SNAPSHOT, Snapshot};

const REPORT: &str = crate::report::SCHEMA;

/// What the inputs are: all snapshots or all reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Snapshot,
    Report,
}

/// A snapshot's fields around its targets, for a shard that has none.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Read only to be checked.
struct EmptyShard {
    schema: String,
    collected_at: Option<String>,
    source: Option<String>,
    targets: [(); 0],
}

/// One input, read and checked.
struct Input {
    path: PathBuf,
    text: String,
    document: Map<String, Value>,
}

/// Merge `paths` into `out`, in their order; the count of targets written.
pub fn merge(paths: &[PathBuf], out: &mut dyn Write) -> Result<usize, Stop> {
    let mut kind = None;
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    let mut merged = Merged::default();
    let mut first = true;
    for path in paths {
        let input = read(path)?;
        let this = kind_of(&input)?;
        match kind {
            None => kind = Some(this),
            Some(k) if k != this => {
                return Err(InputError::new(
                    path,
                    format!(
                        "is a {}, but {} is a {}: merge snapshots with snapshots, reports with reports",
                        name_of(this),
                        paths[0].display(),
                        name_of(k)
                    ),
                )
                .into());
            }
            Some(_) => {}
        }
        check(&input, this)?;
        if first {
            write_head(out, &input, this)?;
        }
        let targets = input
            .document
            .get("targets")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice);
        for target in targets {
            let name = target["name"].as_str().unwrap_or_default().to_string();
            if let Some(earlier) = seen.get(&name) {
                return Err(duplicate(&input, &name, earlier).into());
            }
            out.write_all(if merged.targets == 0 {
                b"\n    "
            } else {
                b",\n    "
            })?;
            serde_json::to_writer(&mut *out, target).map_err(std::io::Error::from)?;
            merged.targets += 1;
            seen.insert(name, path.clone());
        }
        if this == Kind::Report {
            merged.add_report(&input)?;
        }
        first = false;
    }
    out.write_all(if merged.targets == 0 { b"]" } else { b"\n  ]" })?;
    if kind == Some(Kind::Report) {
        out.write_all(b",\n  \"summary\": ")?;
        serde_json::to_writer(&mut *out, &merged.summary).map_err(std::io::Error::from)?;
        if let Some(suppressions) = merged.suppressions() {
            out.write_all(b",\n  \"suppressions\": ")?;
            serde_json::to_writer(&mut *out, &suppressions).map_err(std::io::Error::from)?;
        }
    }
    out.write_all(b"\n}\n")?;
    Ok(merged.targets)
}

fn name_of(kind: Kind) -> &'static str {
    match kind {
        Kind::Snapshot => "snapshot",
        Kind::Report => "JSON report",
    }
}

fn read(path: &Path) -> Result<Input, InputError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError::new(path, format!("cannot read: {e}")))?;
    let document: Map<String, Value> =
        serde_json::from_str(&text).map_err(|e| InputError::json(path, &e))?;
    Ok(Input {
        path: path.to_path_buf(),
        text,
        document,
    })
}

fn kind_of(input: &Input) -> Result<Kind, InputError> {
    match input.document.get("schema").and_then(Value::as_str) {
        Some(SNAPSHOT) => Ok(Kind::Snapshot),
        Some(REPORT) => Ok(Kind::Report),
        other => Err(InputError::new(
            &input.path,
            format!(
                "neither a ccaudit snapshot (\"{SNAPSHOT}\") nor a JSON report (\"{REPORT}\"): its schema is {}",
                other.map_or("missing".to_string(), |s| format!(
                    "\"{}\"",
                    s.escape_debug()
                ))
            ),
        )),
    }
}

/// Each input must be what `audit` or `diff` would read: a snapshot whose
/// targets all parse (a shard with none is fine: the merge has the others),
/// a report as `--baseline` reads it, with no drift (drift against one
/// baseline is not additive: run `ccaudit diff` on the merged report).
fn check(input: &Input, kind: Kind) -> Result<(), InputError> {
    let empty = input
        .document
        .get("targets")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty);
    match kind {
        // `Snapshot` refuses a snapshot of nothing; its fields are checked alone.
        Kind::Snapshot if empty => serde_json::from_str::<EmptyShard>(&input.text)
            .map(|_| ())
            .map_err(|e| InputError::json(&input.path, &e)),
        Kind::Snapshot => Snapshot::from_slice(&input.path, input.text.as_bytes()).map(|_| ()),
        Kind::Report => {
            crate::report::baseline::load(&input.path)?;
            if input.document.contains_key("drift") {
                return Err(InputError::new(
                    &input.path,
                    "carries drift against a baseline, which does not add up across shards: merge the reports of runs without --baseline, then run `ccaudit diff BASELINE merged.json`",
                ));
            }
            Ok(())
        }
    }
}

/// The merged document's opening, up to its target list: for snapshots,
/// the first input's `collected_at` and `source` (the files are written one
/// after the other, so the head cannot wait for the others).
fn write_head(out: &mut dyn Write, input: &Input, kind: Kind) -> std::io::Result<()> {
    out.write_all(b"{\n  \"schema\": ")?;
    let schema = match kind {
        Kind::Snapshot => SNAPSHOT,
        Kind::Report => REPORT,
    };
    serde_json::to_writer(&mut *out, schema)?;
    if kind == Kind::Snapshot {
        for field in ["collected_at", "source"] {
            if let Some(value) = input.document.get(field).filter(|v| !v.is_null()) {
                write!(out, ",\n  \"{field}\": ")?;
                serde_json::to_writer(&mut *out, value)?;
            }
        }
    }
    out.write_all(b",\n  \"targets\": [")
}

/// The second place a target name is found, naming the first.
fn duplicate(input: &Input, name: &str, earlier: &Path) -> InputError {
    let message = format!(
        "target `{}` is also in {}: shards must not overlap (is a file given twice?)",
        crate::output::visible(name),
        earlier.display()
    );
    let quoted = serde_json::to_string(name).unwrap_or_default();
    let pattern = format!(r#""name"\s*:\s*{}"#, regex::escape(&quoted));
    match regex::Regex::new(&pattern)
        .ok()
        .and_then(|re| re.find(&input.text))
    {
        Some(found) => {
            let (line, col) = crate::error::line_col(&input.text, found.start());
            InputError::at(&input.path, line, col, message)
        }
        None => InputError::new(&input.path, message),
    }
}

/// What the reports add up to.
#[derive(Default)]
struct Merged {
    targets: usize,
    summary: Map<String, Value>,
    /// Each report's suppression lists, when the runs had a suppressions file.
    suppressions: Vec<Map<String, Value>>,
    /// A report with them and one without, to name when both kinds come.
    with_suppressions: Option<PathBuf>,
    without_suppressions: Option<PathBuf>,
}

impl Merged {
    /// Sum the summary's counts; keep the suppressions to join at the end.
    fn add_report(&mut self, input: &Input) -> Result<(), InputError> {
        if let Some(Value::Object(summary)) = input.document.get("summary") {
            for (key, value) in summary {
                let count = value.as_u64().unwrap_or(0);
                let total = self.summary.get(key).and_then(Value::as_u64).unwrap_or(0);
                self.summary.insert(key.clone(), Value::from(total + count));
            }
        }
        match input.document.get("suppressions") {
            Some(Value::Object(lists)) => {
                self.suppressions.push(lists.clone());
                self.with_suppressions = Some(input.path.clone());
            }
            _ => self.without_suppressions = Some(input.path.clone()),
        }
        match (&self.with_suppressions, &self.without_suppressions) {
            (Some(with), Some(without)) => Err(InputError::new(
                &input.path,
                format!(
                    "{} was made with a suppressions file and {} without: merge reports of the same kind of run",
                    with.display(),
                    without.display()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// An entry expired for one shard is expired for all (one file, one
    /// date); an entry is stale for the fleet only when it matched nothing
    /// in any shard.
    fn suppressions(&self) -> Option<Value> {
        let (first, rest) = self.suppressions.split_first()?;
        let list = |lists: &Map<String, Value>, key: &str| -> Vec<Value> {
            lists
                .get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        // An entry is the same wherever its file was named from: its
        // `origin` (path:line) is left out of the comparison.
        let same = |entry: &Value| -> String {
            let mut entry = entry.clone();
            if let Some(fields) = entry.as_object_mut() {
                fields.remove("origin");
            }
            entry.to_string()
        };
        let mut expired: Vec<Value> = Vec::new();
        let mut seen = HashSet::new();
        for lists in &self.suppressions {
            for entry in list(lists, "expired") {
                if seen.insert(same(&entry)) {
                    expired.push(entry);
                }
            }
        }
        let stale: Vec<Value> = list(first, "stale")
            .into_iter()
            .filter(|entry| {
                rest.iter()
                    .all(|lists| list(lists, "stale").iter().any(|e| same(e) == same(entry)))
            })
            .collect();
        Some(serde_json::json!({ "expired": expired, "stale": stale }))
    }
}
