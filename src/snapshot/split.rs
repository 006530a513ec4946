//! The quick way through a snapshot file: find where each target's text
//! begins and ends, without parsing it, so the targets can be parsed from
//! memory (serde_json reads a slice several times faster than a reader)
//! and on every core.
//!
//! Only the plain shape is followed: an object whose `schema` (ours) comes
//! before its `targets` array. Keys and the other fields are read by
//! serde, exactly as the careful reading (`stream::Walk`) reads them; the
//! targets' texts are checked only for where they end. Anything else stops
//! the split as `Odd`: before a target went on, the careful reading starts
//! over (it holds targets that come before the schema, and it names the
//! errors); after, the snapshot is unusable, and the careful reading of the
//! whole file says exactly why.

use std::io::{self, Read};
use std::ops::Range;

use super::{Field, SCHEMA};

/// How much is read at a time.
const CHUNK: usize = 1 << 18;

/// How a split ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Split {
    /// A plain snapshot of ours, this many targets, every one handed on.
    Whole { targets: usize },
    /// Something the split does not follow, after this many targets were
    /// handed on.
    Odd { handed: usize },
}

/// Why a split stopped short of an answer.
#[derive(Debug)]
pub(super) enum Halt<E> {
    Io(io::Error),
    /// The receiver of the targets' texts stopped it.
    By(E),
}

impl<E> From<io::Error> for Halt<E> {
    fn from(e: io::Error) -> Self {
        Halt::Io(e)
    }
}

/// Split the snapshot `source` holds, handing each target's text to
/// `visit` in file order.
pub(super) fn split<E>(
    source: impl Read,
    mut visit: impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<Split, Halt<E>> {
    let mut text = Text::new(source);
    let mut handed = 0;
    let plain = outer(&mut text, &mut visit, &mut handed)?;
    Ok(if plain && handed > 0 {
        Split::Whole { targets: handed }
    } else {
        Split::Odd { handed }
    })
}

/// The snapshot object; false as soon as something is odd.
fn outer<E>(
    text: &mut Text<impl Read>,
    visit: &mut impl FnMut(&[u8]) -> Result<(), E>,
    handed: &mut usize,
) -> Result<bool, Halt<E>> {
    if !text.eat(b'{')? {
        return Ok(false);
    }
    let mut seen = [false; 4];
    let mut ours = false;
    loop {
        let Some(key) = text.value()? else {
            return Ok(false);
        };
        let Ok(field) = serde_json::from_slice::<Field>(text.at(key)) else {
            return Ok(false);
        };
        if std::mem::replace(&mut seen[field as usize], true) || !text.eat(b':')? {
            return Ok(false);
        }
        match field {
            Field::Schema => {
                let Some(value) = text.value()? else {
                    return Ok(false);
                };
                match serde_json::from_slice::<String>(text.at(value)) {
                    Ok(schema) if schema == SCHEMA => ours = true,
                    _ => return Ok(false),
                }
            }
            Field::CollectedAt | Field::Source => {
                let Some(value) = text.value()? else {
                    return Ok(false);
                };
                if serde_json::from_slice::<Option<String>>(text.at(value)).is_err() {
                    return Ok(false);
                }
            }
            // Targets before the schema are for the careful reading to hold.
            Field::Targets if !ours => return Ok(false),
            Field::Targets => {
                if !targets(text, visit, handed)? {
                    return Ok(false);
                }
            }
        }
        if text.eat(b'}')? {
            break;
        }
        if !text.eat(b',')? {
            return Ok(false);
        }
    }
    Ok(seen[Field::Targets as usize] && text.peek()?.is_none())
}

/// The `targets` array: each element's text to `visit`.
fn targets<E>(
    text: &mut Text<impl Read>,
    visit: &mut impl FnMut(&[u8]) -> Result<(), E>,
    handed: &mut usize,
) -> Result<bool, Halt<E>> {
    if !text.eat(b'[')? {
        return Ok(false);
    }
    if text.eat(b']')? {
        return Ok(true);
    }
    loop {
        let Some(target) = text.value()? else {
            return Ok(false);
        };
        visit(text.at(target)).map_err(Halt::By)?;
        *handed += 1;
        if text.eat(b']')? {
            return Ok(true);
        }
        if !text.eat(b',')? {
            return Ok(false);
        }
    }
}

/// The file's bytes, read a chunk at a time; what is behind the value
/// being read is let go.
struct Text<R> {
    source: R,
    buf: Vec<u8>,
    /// The next byte not yet read, in `buf`.
    at: usize,
    eof: bool,
}

impl<R: Read> Text<R> {
    fn new(source: R) -> Self {
        Text {
            source,
            buf: Vec::new(),
            at: 0,
            eof: false,
        }
    }

    fn at(&self, range: Range<usize>) -> &[u8] {
        &self.buf[range]
    }

    /// Read more, letting go of the bytes before `keep`; how many were let
    /// go (positions in `buf` move down by as many). False at the end.
    fn more(&mut self, keep: usize) -> io::Result<(bool, usize)> {
        if self.eof {
            return Ok((false, 0));
        }
        self.buf.drain(..keep);
        self.at -= keep;
        if self.buf.capacity() > 4 * CHUNK && self.buf.len() < CHUNK {
            // A huge target is behind: let its memory go.
            self.buf.shrink_to(2 * CHUNK);
        }
        let len = self.buf.len();
        self.buf.resize(len + CHUNK, 0);
        let read = loop {
            match self.source.read(&mut self.buf[len..]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => break other,
            }
        };
        self.buf.truncate(len + *read.as_ref().unwrap_or(&0));
        let read = read?;
        self.eof = read == 0;
        Ok((!self.eof, keep))
    }

    /// The next byte that is not JSON whitespace, left unread; `None` at
    /// the end.
    fn peek(&mut self) -> io::Result<Option<u8>> {
        loop {
            while let Some(&byte) = self.buf.get(self.at) {
                if !matches!(byte, b' ' | b'\t' | b'\n' | b'\r') {
                    return Ok(Some(byte));
                }
                self.at += 1;
            }
            if !self.more(self.at)?.0 {
                return Ok(None);
            }
        }
    }

    /// Read `byte` if it comes next (after whitespace).
    fn eat(&mut self, byte: u8) -> io::Result<bool> {
        let next = self.peek()? == Some(byte);
        if next {
            self.at += 1;
        }
        Ok(next)
    }

    /// Where the next value's text lies in `buf`, or `None` if no value
    /// starts here or the file ends inside it. The text is not checked
    /// beyond where it ends: serde parses it.
    fn value(&mut self) -> io::Result<Option<Range<usize>>> {
        let Some(first) = self.peek()? else {
            return Ok(None);
        };
        let mut start = self.at;
        let mut scan = match first {
            // Past the opening quote.
            b'"' => Scan {
                pos: 1,
                in_string: true,
                ..Scan::default()
            },
            b'{' | b'[' => Scan::default(),
            b'-' | b'0'..=b'9' | b't' | b'f' | b'n' => Scan {
                scalar: true,
                ..Scan::default()
            },
            _ => return Ok(None),
        };
        loop {
            if let Some(len) = scan.end(&self.buf[start..], self.eof) {
                self.at = start + len;
                return Ok(Some(start..self.at));
            }
            if self.eof {
                return Ok(None);
            }
            let (_, let_go) = self.more(start)?;
            start -= let_go;
        }
    }
}

/// How far a value's text has been looked through, so that reading more
/// of the file goes on from there.
#[derive(Default)]
struct Scan {
    /// Bytes of the value looked through.
    pos: usize,
    depth: usize,
    in_string: bool,
    scalar: bool,
}

impl Scan {
    /// The value's length, if it ends in `text` (the value's bytes so far;
    /// `eof`: there are no more).
    fn end(&mut self, text: &[u8], eof: bool) -> Option<usize> {
        if self.scalar {
            // A number or a literal ends where a separator or space begins.
            let rest = &text[self.pos..];
            return match rest
                .iter()
                .position(|b| matches!(b, b',' | b']' | b'}' | b' ' | b'\t' | b'\n' | b'\r'))
            {
                Some(len) => Some(self.pos + len),
                None if eof => Some(text.len()),
                None => {
                    self.pos = text.len();
                    None
                }
            };
        }
        loop {
            if self.in_string {
                // Most of a snapshot is inside strings: jump to the next
                // quote or escape.
                let Some(found) = memchr::memchr2(b'"', b'\\', &text[self.pos..]) else {
                    self.pos = text.len();
                    return None;
                };
                let at = self.pos + found;
                if text[at] == b'\\' {
                    if at + 1 >= text.len() {
                        self.pos = at;
                        return None;
                    }
                    self.pos = at + 2;
                    continue;
                }
                self.pos = at + 1;
                self.in_string = false;
                if self.depth == 0 {
                    return Some(self.pos);
                }
                continue;
            }
            let &byte = text.get(self.pos)?;
            self.pos += 1;
            match byte {
                b'"' => self.in_string = true,
                b'{' | b'[' => self.depth += 1,
                b'}' | b']' => {
                    self.depth -= 1;
                    if self.depth == 0 {
                        return Some(self.pos);
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The texts a split hands on, and how it ends, reading `chunk` bytes
    /// at a time (so values cross the reads).
    fn split_by(doc: &str, chunk: usize) -> (Vec<String>, Split) {
        struct Trickle<'a>(&'a [u8], usize);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let n = self.1.min(buf.len()).min(self.0.len());
                buf[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                Ok(n)
            }
        }
        let mut texts = Vec::new();
        let end = split(Trickle(doc.as_bytes(), chunk), |text| {
            texts.push(String::from_utf8(text.to_vec()).expect("utf-8"));
            Ok::<(), ()>(())
        })
        .expect("no halt");
        (texts, end)
    }

    fn every_chunking(doc: &str) -> (Vec<String>, Split) {
        let whole = split_by(doc, CHUNK);
        for chunk in 1..=9 {
            assert_eq!(
                split_by(doc, chunk),
                whole,
                "{doc} read {chunk} bytes at a time"
            );
        }
        whole
    }

    #[test]
    fn the_plain_shape_is_split_into_the_targets_texts() {
        let doc = r#" { "schema" : "ccaudit/snapshot/v1", "collected_at": null,
            "targets": [ {"name": "a \"q\" \\", "x": [1, {"y": "]}"}], "n": -1.5e3},
              {"name":"b","z":[[]]} ] , "source": "cli" }
        "#;
        let (texts, end) = every_chunking(doc);
        assert_eq!(
            texts,
            [
                r#"{"name": "a \"q\" \\", "x": [1, {"y": "]}"}], "n": -1.5e3}"#,
                r#"{"name":"b","z":[[]]}"#
            ]
        );
        assert_eq!(end, Split::Whole { targets: 2 });
    }

    #[test]
    fn escaped_keys_are_read_as_serde_reads_them() {
        let doc = r#"{"sch\u0065ma": "ccaudit/snapshot/v1", "t\u0061rgets": [3]}"#;
        assert_eq!(
            every_chunking(doc),
            (vec!["3".into()], Split::Whole { targets: 1 })
        );
    }

    #[test]
    fn anything_else_is_odd() {
        let t = r#"{"name": "a"}"#;
        let head = r#""schema": "ccaudit/snapshot/v1""#;
        let cases = [
            (format!(r#"{{"targets": [{t}], {head}}}"#), 0),
            (format!(r#"{{"schema": "v9", "targets": [{t}]}}"#), 0),
            (format!(r#"{{{head}, {head}, "targets": [{t}]}}"#), 0),
            (format!(r#"{{{head}, "targets": []}}"#), 0),
            (format!(r#"{{{head}, "targets": {{}}}}"#), 0),
            (format!(r#"{{{head}, "other": 1, "targets": [{t}]}}"#), 0),
            (format!(r#"{{{head}, "source": 3, "targets": [{t}]}}"#), 0),
            (format!(r#"{{{head}}}"#), 0),
            (format!(r#"{{{head}, "targets": [,{t}]}}"#), 0),
            (format!(r#"[{head}]"#), 0),
            (format!("\u{feff}{{{head}, \"targets\": [{t}]}}"), 0),
            (format!(r#"{{{head}, "targets": [{t},]}}"#), 1),
            (format!(r#"{{{head}, "targets": [{t} {t}]}}"#), 1),
            (format!(r#"{{{head}, "targets": [{t}, {t}"#), 2),
            (format!(r#"{{{head}, "targets": [{t}, {{"name": "b"#), 1),
            (format!(r#"{{{head}, "targets": [{t}]}} x"#), 1),
            (format!(r#"{{{head}, "targets": [{t}],}}"#), 1),
            (format!(r#"{{{head}, "targets": [{t}], "targets": []}}"#), 1),
            (format!(r#"{{{head}, "targets": [{t}], "schema": "x"}}"#), 1),
        ];
        for (doc, handed) in cases {
            assert_eq!(every_chunking(&doc).1, Split::Odd { handed }, "{doc}");
        }
    }

    #[test]
    fn a_read_error_halts() {
        struct Broken;
        impl Read for Broken {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                Err(io::Error::other("disk gone"))
            }
        }
        let end = split(Broken, |_| Ok::<(), ()>(()));
        assert!(matches!(end, Err(Halt::Io(e)) if e.to_string() == "disk gone"));
    }
}
