//! Reading a JSON report back (the report contract, docs/report.md) as the
//! verdicts drift compares: the baseline of `--baseline` and both sides of
//! `ccaudit diff`.

use std::path::Path;

use serde::Deserialize;

use crate::drift::{Run, RunTarget};
use crate::error::InputError;

/// The parts of a JSON report drift needs; other fields are ignored, so a
/// report written by a later version with more fields still reads.
#[derive(Deserialize)]
struct Document {
    schema: String,
    targets: Vec<RunTarget>,
}

pub fn load(path: &Path) -> Result<Run, InputError> {
    let document: Document = read(path, |d: &Document| &d.schema)?;
    Ok(Run {
        targets: document.targets,
    })
}

/// The JSON report at `path`, read as `T` (the parts a reader needs, with
/// `schema` among them), refused unless `schema` says it is our report.
pub(crate) fn read<T: serde::de::DeserializeOwned>(
    path: &Path,
    schema: impl FnOnce(&T) -> &str,
) -> Result<T, InputError> {
    let bytes = std::fs::read(path)
        .map_err(|e| InputError::new(path, format!("cannot read report: {e}")))?;
    let document: T = serde_json::from_slice(&bytes).map_err(|e| {
        let mut error = InputError::json(path, &e);
        error.message = format!("not a ccaudit JSON report: {}", error.message);
        error
    })?;
    let found = schema(&document);
    if found != super::SCHEMA {
        return Err(InputError::new(
            path,
            format!(
                "unsupported report schema \"{found}\" (expected \"{}\")",
                super::SCHEMA
            ),
        ));
    }
    Ok(document)
}
