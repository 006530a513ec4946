//! What every output keeps for any snapshot text, however hostile: shared
//! by the hostile-snapshot suite, the proptest tests and the fuzz targets
//! (`fuzz/`), so all three check the same thing.

#![allow(dead_code)]

use std::path::Path;

use ccaudit::fix;
use ccaudit::report::{self, Report};
use ccaudit::rules::RuleSet;
use ccaudit::snapshot::Snapshot;

/// Text a hostile customer might put in any field: shell, Terraform,
/// Markdown and HTML syntax, terminal escapes, bidi overrides, a CR, a
/// noncharacter. `START` and `END` let a check see whether it was cut up
/// or where it went: the checks look for them only when asked (`markers`),
/// since arbitrary fuzzer input may hold them legitimately (an IAM user
/// may be named PWNSTART).
pub const START: &str = "PWNSTART";
pub const END: &str = "PWNEND";
/// (No `/` or `:`: ARNs are split there, which would cut it up for real.)
pub const PAYLOAD: &str = "PWNSTART\n$(touch ccaudit-pwned)`id`';\"${x}%{y}\u{1b}[31m\u{9b}2J\u{202e}\r\u{fffe}\u{7}```\n<script>alert(1)<img src=x onerror=alert(1)>|\\]]><!--&amp;[link](evil) !![img](p.png) *em* _u_PWNEND";

fn hidden(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Nothing that a terminal would act on: no control character but the
/// line break, no bidirectional override.
pub fn terminal_safe(what: &str, text: &str) -> Result<(), String> {
    match text.char_indices().find(|(_, c)| hidden(*c)) {
        Some((at, c)) => Err(format!(
            "{what}: raw {:?} at byte {at}: {:?}",
            c,
            &text[text[..at].rfind('\n').map_or(0, |n| n + 1)..]
                .chars()
                .take(120)
                .collect::<String>()
        )),
        None => Ok(()),
    }
}

/// The characters of a shell line outside quotes, or an error when a quote
/// is left open (POSIX rules: `'…'` takes everything, `"…"` ends at an
/// unescaped `"`).
pub fn unquoted(line: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next() {
                    Some('\'') => break,
                    Some(_) => {}
                    None => return Err(format!("open single quote: {line}")),
                }
            },
            '"' => loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => {
                        chars.next();
                    }
                    // Inside double quotes these still expand.
                    Some(c @ ('$' | '`')) => out.push(c),
                    Some(_) => {}
                    None => return Err(format!("open double quote: {line}")),
                }
            },
            c => out.push(c),
        }
    }
    Ok(out)
}

/// A fix script: every line a comment, blank, or a command whose unquoted
/// characters are plain words (no `$`, `` ` ``, `;`, `|`, `&`, `<`, `>`,
/// `(`, line break…), so no snapshot text can run.
pub fn shell_script(script: &str, markers: bool) -> Result<(), String> {
    terminal_safe("shell script", script)?;
    for line in script.lines() {
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        if line == "set -eu" {
            continue;
        }
        let bare = unquoted(line)?;
        if let Some(bad) = bare
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || " ._:/@+=,-[]{}".contains(*c)))
        {
            return Err(format!("unquoted {bad:?} in a runnable line: {line}"));
        }
        if markers && (line.contains(START) || line.contains(END)) {
            return Err(format!("snapshot text in a runnable line: {line}"));
        }
    }
    Ok(())
}

/// A command with a `<name>` left to fill in: shown to a person, not run.
pub fn has_placeholder(command: &str) -> bool {
    command.split('<').skip(1).any(|rest| {
        rest.split_once('>').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        })
    })
}

/// A Terraform string literal: no `${` or `%{` starts a template.
fn hcl_string_ok(literal: &str) -> bool {
    let bytes = literal.as_bytes();
    (1..bytes.len()).all(|i| {
        if bytes[i] != b'{' || !matches!(bytes[i - 1], b'$' | b'%') {
            return true;
        }
        // `$${` and `%%{` are the escapes.
        i >= 2 && bytes[i - 2] == bytes[i - 1]
    })
}

/// Terraform fixes: comments, blocks of ours, and `key = value` lines whose
/// value is a checked literal; snapshot text only in comments.
pub fn terraform(hcl: &str, markers: bool) -> Result<(), String> {
    terminal_safe("terraform", hcl)?;
    for line in hcl.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed == "}" {
            continue;
        }
        if markers && (line.contains(START) || line.contains(END)) {
            return Err(format!("snapshot text outside a comment: {line}"));
        }
        let block = trimmed.ends_with(" {")
            && (trimmed.starts_with("resource \"") || trimmed.starts_with("provider \"aws\""));
        if block {
            if !trimmed
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " _\"{".contains(c))
            {
                return Err(format!("block header from data: {line}"));
            }
            continue;
        }
        let Some((key, value)) = trimmed.split_once(" = ") else {
            return Err(format!("not Terraform of ours: {line}"));
        };
        let key = key.trim_end();
        if !key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(format!("attribute name from data: {line}"));
        }
        let value = value.trim();
        let literal = value.starts_with('"')
            && value.ends_with('"')
            && serde_json::from_str::<String>(value).is_ok()
            && hcl_string_ok(value);
        let number = !value.is_empty()
            && value.chars().all(|c| c.is_ascii_digit() || c == '.')
            && value.parse::<f64>().is_ok();
        let reference = value
            .strip_prefix("aws.")
            .is_some_and(|a| a.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        if !(literal || number || reference) {
            return Err(format!("value is not a safe literal: {line}"));
        }
    }
    Ok(())
}

/// Markdown: no HTML, image or link from data, and the payload never cut
/// into pieces by a backtick or fence of its own.
pub fn markdown(text: &str, markers: bool) -> Result<(), String> {
    use pulldown_cmark::{Event, Options, Parser, Tag, TextMergeStream};
    terminal_safe("markdown", text)?;
    let parser = Parser::new_ext(text, Options::ENABLE_TABLES);
    for event in TextMergeStream::new(parser) {
        match &event {
            Event::Html(h) | Event::InlineHtml(h) => {
                return Err(format!("HTML in Markdown: {h}"));
            }
            Event::Start(Tag::Image { .. } | Tag::Link { .. }) => {
                return Err(format!("image or link in Markdown: {event:?}"));
            }
            // A tail without its head was split off by syntax in the data
            // (a head without its tail may just be shortened).
            Event::Text(t) | Event::Code(t) if markers && t.contains(END) && !t.contains(START) => {
                return Err(format!("snapshot text cut by Markdown syntax: {t:?}"));
            }
            _ => {}
        }
    }
    Ok(())
}

/// XML 1.0: well-formed, and only characters XML allows.
pub fn xml(what: &str, text: &str) -> Result<(), String> {
    if let Some(c) = text.chars().find(|&c| {
        let code = u32::from(c);
        !(matches!(c, '\t' | '\n' | '\r')
            || (0x20..=0xd7ff).contains(&code)
            || (0xe000..=0xfffd).contains(&code)
            || (0x10000..=0x10ffff).contains(&code))
    }) {
        return Err(format!("{what}: {c:?} is not allowed in XML"));
    }
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => return Ok(()),
            Ok(_) => {}
            Err(e) => {
                return Err(format!(
                    "{what}: not well-formed at {}: {e}",
                    reader.buffer_position()
                ));
            }
        }
    }
}

/// HTML: no element or script from data, no character HTML calls a parse
/// error (controls, noncharacters).
pub fn html(text: &str) -> Result<(), String> {
    if text.contains("<img") {
        return Err("an <img> element from data".into());
    }
    if text.matches("</script>").count() != text.matches("<script").count() {
        return Err("a </script> from data".into());
    }
    if let Some(c) = text.chars().find(|&c| {
        let code = u32::from(c);
        (c.is_control() && !matches!(c, '\n' | '\t'))
            || (0xfdd0..=0xfdef).contains(&code)
            || code & 0xfffe == 0xfffe
    }) {
        return Err(format!("html: {c:?} is a parse error"));
    }
    Ok(())
}

/// What a format writes, as text; its error is the property's failure.
fn written(
    what: &str,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<String, String> {
    let mut bytes = Vec::new();
    write(&mut bytes).map_err(|e| format!("{what}: {e}"))?;
    String::from_utf8(bytes).map_err(|e| format!("{what}: {e}"))
}

/// Every rendering of a report, each checked.
pub fn report_outputs(report: &Report<'_>, rules: &RuleSet, markers: bool) -> Result<(), String> {
    // Every format may be printed to a terminal (stdout is the default).
    let table = report::table::render(report, Some(100));
    let json = report.to_json_string().map_err(|e| format!("json: {e}"))?;
    let sarif = written("sarif", |w| {
        report::sarif::write(report, rules, "snapshot.json", w)
    })?;
    let junit = written("junit", |w| report::junit::write(report, w))?;
    let markdown_text = report::markdown::render(report);
    let html_text = report::html::render(report, rules, &[]);
    let csv = written("csv", |w| report::csv::write(report, w))?;
    let script = fix::shell(&report.targets, "snapshot.json", None);
    let hcl = fix::terraform(&report.targets, None).map_err(|e| format!("terraform: {e}"))?;
    for (what, text) in [
        ("table", &table),
        ("json", &json),
        ("sarif", &sarif),
        ("junit", &junit),
        ("markdown", &markdown_text),
        ("html", &html_text),
        ("csv", &csv),
    ] {
        terminal_safe(what, text)?;
    }
    serde_json::from_str::<serde_json::Value>(&json).map_err(|e| format!("json: {e}"))?;
    serde_json::from_str::<serde_json::Value>(&sarif).map_err(|e| format!("sarif: {e}"))?;
    xml("junit", &junit)?;
    markdown(&markdown_text, markers)?;
    html(&html_text)?;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    for record in reader.records() {
        let record = record.map_err(|e| format!("csv: {e}"))?;
        // A spreadsheet would run a cell that starts like a formula.
        if let Some(cell) = record
            .iter()
            .find(|c| c.starts_with(['=', '+', '-', '@', '\t', '\r']))
        {
            return Err(format!("csv: a formula cell: {cell:?}"));
        }
    }
    shell_script(&script, markers)?;
    terraform(&hcl, markers)?;
    Ok(())
}

/// Parse `bytes` as a snapshot and check every output of its audit. An
/// unusable snapshot is fine: its error must still be safe to print.
pub fn audit_bytes(rules: &RuleSet, bytes: &[u8], markers: bool) -> Result<(), String> {
    match Snapshot::from_slice(Path::new("snapshot.json"), bytes) {
        Ok(snapshot) => {
            let report = Report::audit(rules, &snapshot, &[]);
            report_outputs(&report, rules, markers)
        }
        Err(error) => {
            let text = error.to_string();
            if text.is_empty() {
                return Err("an error without a message".into());
            }
            Ok(())
        }
    }
}

/// Every string in `value` (object keys included), as JSON pointers with
/// whether it is a key.
pub fn string_places(value: &serde_json::Value) -> Vec<(String, bool)> {
    fn walk(value: &serde_json::Value, at: String, out: &mut Vec<(String, bool)>) {
        match value {
            serde_json::Value::String(_) => out.push((at, false)),
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, format!("{at}/{i}"), out);
                }
            }
            serde_json::Value::Object(map) => {
                for (key, item) in map {
                    let at = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                    out.push((at.clone(), true));
                    walk(item, at, out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, String::new(), &mut out);
    out
}

/// `value` with the string (or key) at `place` replaced by `text`.
pub fn replace_at(
    value: &serde_json::Value,
    place: &(String, bool),
    text: &str,
) -> serde_json::Value {
    let mut copy = value.clone();
    let (pointer, is_key) = place;
    if *is_key {
        let (parent, key) = pointer.rsplit_once('/').expect("a key has a parent");
        let key = key.replace("~1", "/").replace("~0", "~");
        if let Some(serde_json::Value::Object(map)) = copy.pointer_mut(parent)
            && let Some(item) = map.remove(&key)
        {
            map.insert(text.to_string(), item);
        }
    } else if let Some(slot) = copy.pointer_mut(pointer) {
        *slot = serde_json::Value::from(text);
    }
    copy
}
