//! Writing results: standard output, or a file replaced atomically so a
//! killed run never leaves half a report behind. Output is streamed through
//! a buffer: a report of many targets is never held twice in memory.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::InputError;

/// Why producing an output stopped: it could not be written, or the input
/// it is made from turned out unusable half way (a streamed snapshot).
#[derive(Debug)]
pub enum Stop {
    Io(io::Error),
    Input(InputError),
}

impl From<io::Error> for Stop {
    fn from(error: io::Error) -> Self {
        Stop::Io(error)
    }
}

impl From<InputError> for Stop {
    fn from(error: InputError) -> Self {
        Stop::Input(error)
    }
}

/// How much standard output holds back: a run that fails before writing
/// this much prints nothing, as a run that fails at once.
const STDOUT_HOLD: usize = 8 << 20;

/// Write `text` to `path`, or to standard output when there is no path.
pub fn write(path: Option<&Path>, text: &str) -> Result<(), InputError> {
    write_with(path, |w| w.write_all(text.as_bytes()))
}

/// Let `produce` write into the destination. A file is replaced only when
/// `produce` succeeds; standard output keeps back its first 8 MiB, so a
/// failed run of that size prints nothing.
pub fn write_with<E: Into<Stop>>(
    path: Option<&Path>,
    produce: impl FnOnce(&mut dyn Write) -> Result<(), E>,
) -> Result<(), InputError> {
    let Some(path) = path else {
        let mut stdout =
            BufWriter::with_capacity(STDOUT_HOLD, Recorded::until_closed(io::stdout().lock()));
        let stop = match produce(&mut stdout).map_err(Into::into) {
            Ok(()) => match stdout.flush() {
                Ok(()) => return Ok(()),
                Err(e) => Stop::Io(e),
            },
            Err(stop) => stop,
        };
        // Never flushed: what is still held back is dropped.
        let (out, _) = stdout.into_parts();
        return match stop {
            Stop::Io(e) => stdout_error(e).map_or(Ok(()), Err),
            Stop::Input(e) if out.reached => Err(InputError {
                message: format!(
                    "{} (the report on standard output is cut short here)",
                    e.message
                ),
                ..e
            }),
            Stop::Input(e) => Err(e),
        };
    };
    let failed = |stop: Stop| match stop {
        Stop::Io(e) => InputError::new(path, format!("cannot write output: {e}")),
        Stop::Input(e) => e,
    };
    // A device, a pipe or a link (`-o /dev/null`, `-o /dev/stdout`) is written
    // to, never replaced; only regular files are swapped in atomically.
    let existing = std::fs::symlink_metadata(path).ok();
    if existing.as_ref().is_some_and(|m| !m.file_type().is_file()) {
        let result = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .map_err(Stop::Io)
            .and_then(|file| {
                let mut writer = BufWriter::new(file);
                produce(&mut writer).map_err(Into::into)?;
                writer.flush().map_err(Stop::Io)
            });
        return result.map_err(failed);
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // `dir/..` or `/`: nothing to name the file by, and nothing to replace.
    let Some(file_name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Err(InputError::new(
            path,
            "cannot write output: the path names a folder, not a file",
        ));
    };
    let temporary = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    // Nightly runs write into a new dated folder.
    let result = std::fs::create_dir_all(dir)
        .and_then(|_| std::fs::File::create(&temporary))
        .map_err(Stop::Io)
        .and_then(|file| {
            let mut writer = BufWriter::new(file);
            produce(&mut writer).map_err(Into::into)?;
            let file = writer.into_inner().map_err(|e| e.into_error())?;
            // Keep the permissions of the file being replaced.
            if let Some(meta) = &existing {
                file.set_permissions(meta.permissions())?;
            }
            Ok(file.sync_all()?)
        })
        .and_then(|_| Ok(std::fs::rename(&temporary, path)?));
    result.map_err(|stop| {
        let _ = std::fs::remove_file(&temporary);
        failed(stop)
    })
}

/// A write error on standard output, unless it is a closed pipe (`| head`):
/// that is not an error worth reporting.
fn stdout_error(error: io::Error) -> Option<InputError> {
    (error.kind() != io::ErrorKind::BrokenPipe)
        .then(|| InputError::new("<stdout>", format!("cannot write output: {error}")))
}

/// Several files in `dir` as one set (`--output-dir` with several formats):
/// every file is written beside its final name first, and only when all are
/// written are they moved into place. A move that fails puts back the ones
/// already moved. A failed run leaves the previous set as it was, never a
/// mix of old and new reports. `produce` writes all of them in one go (one
/// writer per name, in order), so a streamed audit reads its snapshot once.
pub fn write_set<E: Into<Stop>>(
    dir: &Path,
    names: &[&str],
    produce: impl FnOnce(&mut [&mut dyn Write]) -> Result<(), E>,
) -> Result<(), InputError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| InputError::new(dir, format!("cannot create folder: {e}")))?;
    // Only regular files are replaced: anything else in the way stops the
    // run before a single file changes.
    for name in names {
        let path = dir.join(name);
        if let Ok(meta) = std::fs::symlink_metadata(&path)
            && !meta.file_type().is_file()
        {
            return Err(InputError::new(
                &path,
                "cannot replace it: not a regular file (no report of the set was written)",
            ));
        }
    }
    let pid = std::process::id();
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    let mut writers = Vec::new();
    let unchanged = |path: &Path, e: io::Error| {
        InputError::new(
            path,
            format!("cannot write output: {e} (the previous reports are unchanged)"),
        )
    };
    for name in names {
        let target = dir.join(name);
        let temporary = dir.join(format!(".{name}.{pid}.tmp"));
        let created = std::fs::File::create(&temporary);
        staged.push((temporary, target));
        match created {
            Ok(file) => writers.push(Recorded::new(BufWriter::new(file))),
            Err(e) => {
                discard(&staged);
                return Err(unchanged(&staged[staged.len() - 1].1, e));
            }
        }
    }
    let mut outs: Vec<&mut dyn Write> = writers.iter_mut().map(|w| w as &mut dyn Write).collect();
    if let Err(stop) = produce(&mut outs).map_err(Into::into) {
        discard(&staged);
        return Err(match stop {
            Stop::Input(e) => e,
            Stop::Io(e) => match writers.iter().position(|w| w.failed) {
                Some(failed) => unchanged(&staged[failed].1, e),
                None => unchanged(dir, e),
            },
        });
    }
    for (writer, (_, target)) in writers.into_iter().zip(&staged) {
        let finished = writer
            .inner
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(|file| {
                if let Ok(meta) = std::fs::metadata(target) {
                    file.set_permissions(meta.permissions())?;
                }
                file.sync_all()
            });
        if let Err(e) = finished {
            discard(&staged);
            return Err(unchanged(target, e));
        }
    }
    install(&staged).map_err(|failure| {
        discard(&staged);
        let outcome = if failure.restored {
            "the previous reports are unchanged"
        } else {
            "the previous reports could not all be put back"
        };
        InputError::new(
            &failure.path,
            format!("cannot write output: {} ({outcome})", failure.error),
        )
    })
}

/// A writer that remembers whether anything reached it, and whether a
/// write to it failed (to name the file).
struct Recorded<W> {
    inner: W,
    reached: bool,
    failed: bool,
    /// Standard output closed by its reader (`| head`): the run goes on,
    /// for its exit code, and what it writes goes nowhere.
    closed: Option<bool>,
}

impl<W> Recorded<W> {
    fn new(inner: W) -> Self {
        Recorded {
            inner,
            reached: false,
            failed: false,
            closed: None,
        }
    }

    fn until_closed(inner: W) -> Self {
        Recorded {
            closed: Some(false),
            ..Recorded::new(inner)
        }
    }

    fn failed<T>(&mut self, result: io::Result<T>, instead: T) -> io::Result<T> {
        match (result, &mut self.closed) {
            (Err(e), Some(closed)) if e.kind() == io::ErrorKind::BrokenPipe => {
                *closed = true;
                Ok(instead)
            }
            (result, _) => {
                self.failed |= result.is_err();
                result
            }
        }
    }
}

impl<W: Write> Write for Recorded<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed == Some(true) {
            return Ok(buf.len());
        }
        self.reached |= !buf.is_empty();
        let result = self.inner.write(buf);
        self.failed(result, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed == Some(true) {
            return Ok(());
        }
        let result = self.inner.flush();
        self.failed(result, ())
    }
}

/// Why a set could not be installed, and whether the old set is whole.
#[derive(Debug)]
struct InstallFailure {
    path: PathBuf,
    error: io::Error,
    restored: bool,
}

/// Move every staged file to its target, keeping each old version (a hard
/// link) until all are in place, and putting them back if one move fails.
fn install(staged: &[(PathBuf, PathBuf)]) -> Result<(), InstallFailure> {
    let mut done: Vec<(&Path, Option<PathBuf>)> = Vec::new();
    let mut failure = None;
    for (temporary, target) in staged {
        let backup = target.with_file_name(format!(
            ".{}.{}.old",
            target.file_name().unwrap_or_default().to_string_lossy(),
            std::process::id()
        ));
        let kept = if target.exists() {
            match std::fs::hard_link(target, &backup)
                .or_else(|_| std::fs::copy(target, &backup).map(|_| ()))
            {
                Ok(()) => Some(backup),
                Err(e) => {
                    failure = Some((target.clone(), e));
                    break;
                }
            }
        } else {
            None
        };
        match std::fs::rename(temporary, target) {
            Ok(()) => done.push((target, kept)),
            Err(e) => {
                if let Some(backup) = kept {
                    let _ = std::fs::remove_file(backup);
                }
                failure = Some((target.clone(), e));
                break;
            }
        }
    }
    let Some((path, error)) = failure else {
        for (_, backup) in done {
            if let Some(backup) = backup {
                let _ = std::fs::remove_file(backup);
            }
        }
        return Ok(());
    };
    // Undo, newest first: the old file back, or no file where there was none.
    let mut restored = true;
    for (target, backup) in done.into_iter().rev() {
        let undone = match backup {
            Some(backup) => std::fs::rename(backup, target),
            None => std::fs::remove_file(target),
        };
        restored &= undone.is_ok();
    }
    Err(InstallFailure {
        path,
        error,
        restored,
    })
}

fn discard(staged: &[(PathBuf, PathBuf)]) {
    for (temporary, _) in staged {
        let _ = std::fs::remove_file(temporary);
    }
}

/// JSON as serde_json pretty-prints it (two spaces a level), but with the
/// characters a terminal acts on that JSON may leave raw (DEL, the C1
/// controls, bidirectional overrides, U+2028/U+2029, U+FFFE/U+FFFF) written
/// as `\uXXXX`: the same JSON to a parser, nothing for a terminal to act on.
/// It can start at any depth, so a streamed report writes one target at a
/// time exactly as it would sit inside the whole report.
struct TerminalSafe {
    depth: usize,
    has_value: bool,
}

fn json_escaped(c: char) -> bool {
    matches!(
        c,
        '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'
    ) || is_bidi_control(c)
}

impl TerminalSafe {
    fn indent<W: ?Sized + Write>(&self, writer: &mut W) -> io::Result<()> {
        const SPACES: &[u8] = &[b' '; 64];
        let mut left = self.depth * 2;
        while left > 0 {
            let now = left.min(SPACES.len());
            writer.write_all(&SPACES[..now])?;
            left -= now;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            writer.write_all(b"\n")?;
            self.indent(writer)?;
        }
        writer.write_all(bracket)
    }

    fn item<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        writer.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(writer)
    }
}

impl serde_json::ser::Formatter for TerminalSafe {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.item(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        // Everything escaped here is DEL or beyond ASCII: most text is not.
        if fragment.is_ascii() && !fragment.contains('\u{7f}') {
            return writer.write_all(fragment.as_bytes());
        }
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|(_, c)| json_escaped(*c)) {
            writer.write_all(&rest.as_bytes()[..at])?;
            write!(writer, "\\u{:04x}", u32::from(c))?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }
}

/// `value` as pretty JSON safe for a terminal, as it is written `depth`
/// levels deep (no line break before or after it).
pub fn write_json_at<T: serde::Serialize + ?Sized>(
    writer: &mut dyn Write,
    value: &T,
    depth: usize,
) -> io::Result<()> {
    let formatter = TerminalSafe {
        depth,
        has_value: false,
    };
    let mut serializer = serde_json::Serializer::with_formatter(&mut *writer, formatter);
    // An I/O error comes back as itself (a full disk stays StorageFull).
    value.serialize(&mut serializer).map_err(io::Error::from)
}

/// `value` as pretty JSON safe for a terminal, ending with a line break.
pub fn write_json<T: serde::Serialize + ?Sized>(
    writer: &mut dyn Write,
    value: &T,
) -> io::Result<()> {
    write_json_at(writer, value, 0)?;
    writer.write_all(b"\n")
}

/// `value` as pretty JSON safe for a terminal, ending with a line break.
/// It fails where `write_json` does: a `Serialize` that refuses its value
/// (a map with keys that are not strings, say).
pub fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> io::Result<String> {
    let mut bytes = Vec::new();
    write_json(&mut bytes, value)?;
    String::from_utf8(bytes).map_err(io::Error::other)
}

/// The invisible bidirectional controls (marks, embeddings, overrides,
/// isolates): text can look other than it is with them, so no output sends
/// them raw.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Text from a snapshot, made safe for a terminal: control characters (C0,
/// DEL, C1, line breaks included) and the invisible bidirectional controls
/// are written as `\u{…}`, so no escape sequence reaches the terminal and
/// a line stays one line.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| c.is_control() || is_bidi_control(c);
    // Most text is ASCII, whose only controls are below space and DEL.
    let clean = if text.is_ascii() {
        !text.bytes().any(|b| b < b' ' || b == 0x7f)
    } else {
        !text.chars().any(hidden)
    };
    if clean {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Text from a snapshot for XML and HTML: line breaks kept, every
/// other character those formats refuse or browsers warn about (C0 and C1
/// controls, noncharacters such as U+FFFE) and the bidirectional controls
/// written as `\u{…}`, so the document stays well-formed for any input.
pub fn markup_text(text: &str) -> std::borrow::Cow<'_, str> {
    let refused = |c: char| {
        let code = u32::from(c);
        (c.is_control() && c != '\n')
            || (0xfdd0..=0xfdef).contains(&code)
            || code & 0xfffe == 0xfffe
            || is_bidi_control(c)
    };
    if !text.chars().any(refused) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| {
                if refused(c) {
                    format!("\\u{{{:x}}}", u32::from(c))
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// A destination every write to fails, as on a full disk (for tests).
#[cfg(test)]
pub(crate) struct FullDisk;

#[cfg(test)]
impl Write for FullDisk {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::from(io::ErrorKind::StorageFull))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{install, markup_text, visible};
    use std::io;

    #[test]
    fn a_failed_rename_after_the_backup_puts_everything_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = |name: &str| dir.path().join(name);
        for name in ["a.json", "b.json"] {
            std::fs::write(path(name), format!("old {name}")).unwrap();
        }
        std::fs::write(path(".a.new"), "new a").unwrap();
        // The staged `b` is gone: its backup is made, then the rename fails.
        let staged = vec![
            (path(".a.new"), path("a.json")),
            (path(".b.missing"), path("b.json")),
        ];
        let failure = install(&staged).unwrap_err();
        assert_eq!(failure.path, path("b.json"));
        assert!(failure.restored);
        for name in ["a.json", "b.json"] {
            assert_eq!(
                std::fs::read_to_string(path(name)).unwrap(),
                format!("old {name}")
            );
        }
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["a.json", "b.json"], "no backup left behind");
    }

    #[test]
    fn json_is_serde_jsons_pretty_print_at_any_depth() {
        let value = serde_json::json!({"a": [1, {"b": [], "c": {}}, [[]]], "d": {"e": null},
            "f": "x\ny", "g": [{"h": [1, 2]}]});
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        assert_eq!(super::to_json(&value).unwrap(), format!("{pretty}\n"));
        // Three levels down, every line but the first is indented by six.
        let mut deep = Vec::new();
        super::write_json_at(&mut deep, &value, 3).unwrap();
        assert_eq!(
            String::from_utf8(deep).unwrap(),
            pretty.replace('\n', "\n      ")
        );
    }

    #[test]
    fn json_leaves_nothing_raw_for_a_terminal() {
        let value = serde_json::json!({"name": "a\u{9b}2J\u{202e}b\u{1b}\u{fffe}ü"});
        let text = super::to_json(&value).unwrap();
        assert_eq!(
            text,
            "{\n  \"name\": \"a\\u009b2J\\u202eb\\u001b\\ufffeü\"\n}\n"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn a_failed_move_puts_the_previous_set_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = |name: &str| dir.path().join(name);
        std::fs::write(path("a.json"), "old a").unwrap();
        std::fs::write(path(".a.new"), "new a").unwrap();
        std::fs::write(path(".b.new"), "new b").unwrap();
        // `b` cannot be replaced: a folder with a file in it is in the way.
        std::fs::create_dir(path("b.json")).unwrap();
        std::fs::write(path("b.json").join("x"), "").unwrap();
        let staged = vec![
            (path(".a.new"), path("a.json")),
            (path(".b.new"), path("b.json")),
        ];
        let failure = install(&staged).unwrap_err();
        assert_eq!(failure.path, path("b.json"));
        assert!(failure.restored);
        assert_eq!(std::fs::read_to_string(path("a.json")).unwrap(), "old a");
        // No backup is left behind.
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".old")), "{names:?}");
    }

    #[test]
    fn markup_keeps_lines_and_escapes_what_xml_refuses() {
        assert_eq!(markup_text("a\nb\tc"), "a\nb\\u{9}c");
        assert_eq!(
            markup_text("x\u{fffe}\u{1}\u{9b}\u{ffff}\u{1fffe}\r"),
            "x\\u{fffe}\\u{1}\\u{9b}\\u{ffff}\\u{1fffe}\\u{d}"
        );
        assert_eq!(markup_text("ümlaut ✓ \u{fffd}"), "ümlaut ✓ \u{fffd}");
    }

    #[test]
    fn control_characters_are_shown_not_sent() {
        assert_eq!(visible("sg-1"), "sg-1");
        assert_eq!(visible("a\u{1b}[31mb"), "a\\u{1b}[31mb");
        assert_eq!(visible("x\ny\r"), "x\\u{a}y\\u{d}");
        assert_eq!(visible("a\u{7f}b"), "a\\u{7f}b");
        assert_eq!(visible("\u{9b}2J"), "\\u{9b}2J");
        assert_eq!(visible("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(visible("ümlaut ✓"), "ümlaut ✓");
    }

    #[test]
    fn a_failed_write_names_the_file_and_leaves_the_old_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("report.csv");
        std::fs::write(&path, "old").unwrap();
        let error = super::write_with(Some(&path), |w| {
            w.write_all(b"half a report")?;
            Err(io::Error::other("the format refused"))
        })
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "{}: cannot write output: the format refused",
                path.display()
            )
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
    }

    #[test]
    fn a_path_naming_no_file_is_refused_before_anything_is_made() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("new").join("..");
        let error = super::write_with(Some(&path), |w| w.write_all(b"report")).unwrap_err();
        assert!(error.to_string().contains("names a folder"), "{error}");
        assert!(!dir.path().join("new").exists(), "no folder made");
    }

    #[test]
    fn a_set_with_one_failed_file_leaves_the_previous_set() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("a.json"), "old a").unwrap();
        let error = super::write_set(dir.path(), &["a.json", "b.csv"], |outs| {
            for out in outs.iter_mut() {
                out.write_all(b"new")?;
            }
            Err(io::Error::other("the format refused"))
        })
        .unwrap_err();
        let message = error.to_string();
        // No file's writer failed: the error names the folder of the set.
        assert!(
            message.starts_with(&format!("{}:", dir.path().display()))
                && message.contains("the format refused")
                && message.contains("the previous reports are unchanged"),
            "{message}"
        );
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.json")).unwrap(),
            "old a"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
    }

    #[test]
    fn json_to_a_full_disk_is_an_error() {
        let error = super::write_json(&mut super::FullDisk, &["a"]).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::StorageFull);
    }
}
