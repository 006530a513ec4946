//! Writing results: standard output, or a file replaced atomically so a
//! killed run never leaves half a report behind. Output is streamed through
//! a buffer: a report of many targets is never held twice in memory.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::InputError;

/// Write `text` to `path`, or to standard output when there is no path.
pub fn write(path: Option<&Path>, text: &str) -> Result<(), InputError> {
    write_with(path, |w| w.write_all(text.as_bytes()))
}

/// Let `produce` write into the destination.
pub fn write_with(
    path: Option<&Path>,
    produce: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> Result<(), InputError> {
    let Some(path) = path else {
        let mut stdout = BufWriter::new(io::stdout().lock());
        let result = produce(&mut stdout).and_then(|_| stdout.flush());
        return match result {
            // A closed pipe (`| head`) is not an error worth reporting.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
            Err(e) => Err(InputError::new(
                "<stdout>",
                format!("cannot write output: {e}"),
            )),
            Ok(()) => Ok(()),
        };
    };
    // A device, a pipe or a link (`-o /dev/null`, `-o /dev/stdout`) is written
    // to, never replaced; only regular files are swapped in atomically.
    let existing = std::fs::symlink_metadata(path).ok();
    if existing.as_ref().is_some_and(|m| !m.file_type().is_file()) {
        let result = std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .and_then(|file| {
                let mut writer = BufWriter::new(file);
                produce(&mut writer)?;
                writer.flush()
            });
        return result.map_err(|e| InputError::new(path, format!("cannot write output: {e}")));
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
        .and_then(|file| {
            let mut writer = BufWriter::new(file);
            produce(&mut writer)?;
            let file = writer.into_inner().map_err(|e| e.into_error())?;
            // Keep the permissions of the file being replaced.
            if let Some(meta) = &existing {
                file.set_permissions(meta.permissions())?;
            }
            file.sync_all()
        })
        .and_then(|_| std::fs::rename(&temporary, path));
    result.map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        InputError::new(path, format!("cannot write output: {e}"))
    })
}

/// Several files in `dir` as one set (`--output-dir` with several formats):
/// every file is written beside its final name first, and only when all are
/// written are they moved into place. A move that fails puts back the ones
/// already moved. A failed run leaves the previous set as it was, never a
/// mix of old and new reports. Each file is produced straight into its
/// temporary file by `produce`, so no two are in memory at a time.
pub fn write_set<T: Copy>(
    dir: &Path,
    files: &[(&str, T)],
    produce: impl Fn(T, &mut dyn Write) -> io::Result<()>,
) -> Result<(), InputError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| InputError::new(dir, format!("cannot create folder: {e}")))?;
    // Only regular files are replaced: anything else in the way stops the
    // run before a single file changes.
    for (name, _) in files {
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
    for (name, what) in files {
        let target = dir.join(name);
        let temporary = dir.join(format!(".{name}.{pid}.tmp"));
        let written = std::fs::File::create(&temporary).and_then(|file| {
            let mut writer = BufWriter::new(file);
            produce(*what, &mut writer)?;
            let file = writer.into_inner().map_err(|e| e.into_error())?;
            if let Ok(meta) = std::fs::metadata(&target) {
                file.set_permissions(meta.permissions())?;
            }
            file.sync_all()
        });
        staged.push((temporary, target));
        if let Err(e) = written {
            discard(&staged);
            return Err(InputError::new(
                &staged[staged.len() - 1].1,
                format!("cannot write output: {e} (the previous reports are unchanged)"),
            ));
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

/// JSON as serde_json pretty-prints it, but with the characters a terminal
/// acts on that JSON may leave raw (DEL, the C1 controls, bidirectional
/// overrides, U+2028/U+2029, U+FFFE/U+FFFF) written as `\uXXXX`: the same
/// JSON to a parser, nothing for a terminal to act on.
struct TerminalSafe(serde_json::ser::PrettyFormatter<'static>);

fn json_escaped(c: char) -> bool {
    matches!(
        c,
        '\u{7f}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'
    ) || is_bidi_control(c)
}

macro_rules! delegate {
    ($($name:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {$(
        fn $name<W: ?Sized + Write>(&mut self, writer: &mut W $(, $arg: $ty)*) -> io::Result<()> {
            self.0.$name(writer $(, $arg)*)
        }
    )*};
}

impl serde_json::ser::Formatter for TerminalSafe {
    delegate!(
        begin_array(),
        end_array(),
        begin_array_value(first: bool),
        begin_object(),
        end_object(),
        begin_object_key(first: bool),
        begin_object_value(),
        end_array_value(),
        end_object_value(),
    );

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|(_, c)| json_escaped(*c)) {
            writer.write_all(&rest.as_bytes()[..at])?;
            write!(writer, "\\u{:04x}", u32::from(c))?;
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }
}

/// `value` as pretty JSON safe for a terminal, ending with a line break.
pub fn write_json<T: serde::Serialize + ?Sized>(
    writer: &mut dyn Write,
    value: &T,
) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(
        &mut *writer,
        TerminalSafe(serde_json::ser::PrettyFormatter::new()),
    );
    // An I/O error comes back as itself (a full disk stays StorageFull).
    value.serialize(&mut serializer).map_err(io::Error::from)?;
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
    if !text.chars().any(hidden) {
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
        let files = [("a.json", 1), ("b.csv", 2)];
        let error = super::write_set(dir.path(), &files, |n, w| {
            w.write_all(b"new")?;
            match n {
                2 => Err(io::Error::other("the format refused")),
                _ => Ok(()),
            }
        })
        .unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("{}:", dir.path().join("b.csv").display()))
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
