//! Writing results: standard output, or a file replaced atomically so a
//! killed run never leaves half a report behind. Output is streamed through
//! a buffer: a report of many targets is never held twice in memory.

use std::io::{self, BufWriter, Write};
use std::path::Path;

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
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
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

/// Text from a snapshot, made safe for a terminal: control characters (C0,
/// DEL, C1, line breaks included) and the invisible bidirectional controls
/// are written as `\u{…}`, so no escape sequence reaches the terminal and
/// a line stays one line.
pub fn visible(text: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
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

/// Text from a snapshot for XML and HTML: line breaks and tabs kept, every
/// other character those formats refuse or browsers warn about (C0 and C1
/// controls, noncharacters such as U+FFFE) and the bidirectional controls
/// written as `\u{…}`, so the document stays well-formed for any input.
pub fn markup_text(text: &str) -> std::borrow::Cow<'_, str> {
    let refused = |c: char| {
        let code = u32::from(c);
        (c.is_control() && c != '\n' && c != '\t')
            || (0xfdd0..=0xfdef).contains(&code)
            || code & 0xfffe == 0xfffe
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
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

#[cfg(test)]
mod tests {
    use super::{markup_text, visible};

    #[test]
    fn markup_keeps_lines_and_escapes_what_xml_refuses() {
        assert_eq!(markup_text("a\nb\tc"), "a\nb\tc");
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
}
