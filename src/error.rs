//! Errors about input the user gave us: a snapshot, a rule file, a flag.
//! Every one names the place (file:line:col) so it can be fixed without
//! guessing; the CLI turns them into exit status 2.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    pub path: PathBuf,
    /// 1-based line and column, when the problem has a position.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl InputError {
    pub fn new(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        InputError {
            path: path.as_ref().to_path_buf(),
            position: None,
            message: message.into(),
        }
    }

    pub fn at(path: impl AsRef<Path>, line: usize, col: usize, message: impl Into<String>) -> Self {
        InputError {
            position: Some((line, col)),
            ..InputError::new(path, message)
        }
    }

    /// A JSON parse error at its place; serde's own text repeats the
    /// position, which the error already carries, so it is left out.
    pub fn json(path: impl AsRef<Path>, error: &serde_json::Error) -> Self {
        let text = error.to_string();
        let message = text
            .rsplit_once(" at line ")
            .map_or(text.as_str(), |(m, _)| m);
        InputError::at(path, error.line(), error.column(), message)
    }

    /// Position of a byte span inside `source` (as TOML errors report them).
    pub fn at_span(
        path: impl AsRef<Path>,
        source: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> Self {
        match span {
            Some(span) => {
                let (line, col) = line_col(source, span.start);
                InputError::at(path, line, col, message)
            }
            None => InputError::new(path, message),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some((line, col)) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for InputError {}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..floor_char_boundary(source, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_from_one() {
        let src = "a = 1\nbb = 2\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        assert_eq!(line_col(src, 9), (2, 4));
        assert_eq!(line_col(src, 999), (3, 1));
    }

    #[test]
    fn display_names_the_place() {
        let e = InputError::at("rules/x.toml", 3, 7, "unknown field `foo`");
        assert_eq!(e.to_string(), "rules/x.toml:3:7: unknown field `foo`");
        assert_eq!(
            InputError::new("a.json", "missing").to_string(),
            "a.json: missing"
        );
    }
}
