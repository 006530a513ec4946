//! Markdown to paste into a ticket: a summary, then per target the
//! problems with their message and fix, then the rest in one line each.

use super::Report;
use crate::findings::{Finding, Outcome};

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Snapshot text in Markdown: one line, with every character that could
/// start a code span, emphasis, link, image or HTML backslash-escaped (it
/// shows as itself) or written as an entity, and a leading `#`, `>`, `-`,
/// `+`, `=` or `1.` escaped so the text cannot start a heading, quote or
/// list. (`|` is left to `cell`, which escapes it in tables.)
fn plain(text: &str) -> String {
    let spaced: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    // Bidirectional controls are shown as `\u{202e}`, never sent.
    let shown = crate::output::visible(&spaced);
    let trimmed = shown.trim_start();
    let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
    // The byte of a list marker the text starts with, if any.
    let marker = match trimmed.chars().next() {
        Some('#' | '>' | '-' | '+' | '=' | '*') => Some(shown.len() - trimmed.len()),
        Some(_) if digits > 0 && matches!(trimmed[digits..].chars().next(), Some('.' | ')')) => {
            Some(shown.len() - trimmed.len() + digits)
        }
        _ => None,
    };
    let mut out = String::with_capacity(shown.len() + 8);
    for (at, c) in shown.char_indices() {
        match c {
            '<' => out.push_str("&lt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '!' | '~' => {
                out.push('\\');
                out.push(c);
            }
            c if Some(at) == marker => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The longest run of backticks in `text`.
fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// Data as an inline code span: delimited by more backticks than it holds,
/// so no backtick in it can close the span (CommonMark 6.1).
fn code_span(text: &str) -> String {
    let text = crate::output::visible(text);
    let ticks = "`".repeat(longest_backtick_run(&text) + 1);
    // A space keeps a backtick at either end from joining the delimiter.
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// Lines as a fenced code block whose fence no line can close: longer than
/// any backtick run in them (CommonMark 4.5), and at least three.
fn code_block(language: &str, lines: &[String]) -> String {
    let body: Vec<String> = lines
        .iter()
        .map(|l| crate::output::visible(l).into_owned())
        .collect();
    let body = body.join("\n");
    let fence = "`".repeat((longest_backtick_run(&body) + 1).max(3));
    format!("{fence}{language}\n{body}\n{fence}\n")
}

fn problem(f: &Finding<'_>) -> String {
    let mut out = format!(
        "#### {} `{}` — {} ({})\n\n{}\n",
        f.outcome.as_str().to_uppercase(),
        f.rule,
        f.title,
        f.severity,
        plain(&f.detail)
    );
    if let Some(m) = &f.muted {
        out.push_str(&format!(
            "\n_Muted until {} by {}: {}_\n",
            m.expires, m.owner, m.reason
        ));
    }
    if let Some(error) = &f.documented_error {
        out.push_str(&format!("\n> The dashboard says: {}\n", code_span(error)));
    }
    if let Some(symptom) = &f.symptom {
        out.push_str(&format!("\n> Symptom: {symptom}\n"));
    }
    if let Some(fix) = &f.fix {
        out.push_str(&format!("\n**Fix:** {}\n", plain(fix.trim())));
    }
    if let Some(lines) = f.command_lines() {
        out.push('\n');
        out.push_str(&code_block("sh", &lines));
    }
    out
}

pub fn render(report: &Report<'_>) -> String {
    let s = &report.summary;
    let mut out = format!(
        "# ccaudit report\n\n{} targets: **{} fail**, **{} unknown**, {} pass, {} skip{}\n\n",
        report.targets.len(),
        s.fail,
        s.unknown,
        s.pass,
        s.skip,
        if s.muted > 0 {
            format!(" ({} muted)", s.muted)
        } else {
            String::new()
        }
    );
    out.push_str("| target | account | region | fail | unknown | pass | skip |\n| --- | --- | --- | --- | --- | --- | --- |\n");
    for t in &report.targets {
        let c = super::Summary::of(&t.findings);
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |\n",
            cell(&plain(&t.name)),
            cell(&plain(t.account_id.as_deref().unwrap_or("—"))),
            cell(&plain(&t.region)),
            c.fail,
            c.unknown,
            c.pass,
            c.skip
        ));
    }
    for t in &report.targets {
        out.push_str(&format!(
            "\n## {} ({}, {})\n\n",
            plain(&t.name),
            plain(t.account_id.as_deref().unwrap_or("account not given")),
            plain(&t.region)
        ));
        let mut problems: Vec<&Finding> = t
            .findings
            .iter()
            .filter(|f| f.outcome.is_problem())
            .collect();
        problems.sort_by_key(|f| (f.muted.is_some(), f.outcome, std::cmp::Reverse(f.severity)));
        if problems.is_empty() {
            out.push_str("No problems.\n");
        }
        for f in problems {
            out.push_str(&problem(f));
            out.push('\n');
        }
        let rest = |o: Outcome| -> Vec<String> {
            t.findings
                .iter()
                .filter(|f| f.outcome == o)
                .map(|f| format!("`{}`", f.rule))
                .collect()
        };
        out.push_str(&format!("Passed: {}\n", rest(Outcome::Pass).join(", ")));
        let skipped = rest(Outcome::Skip);
        if !skipped.is_empty() {
            out.push_str(&format!("\nNot applicable: {}\n", skipped.join(", ")));
        }
    }
    if let Some(sup) = &report.suppressions {
        for (label, list) in [
            ("Expired suppressions (no longer muting)", &sup.expired),
            ("Stale suppressions (match nothing)", &sup.stale),
        ] {
            if !list.is_empty() {
                out.push_str(&format!("\n## {label}\n\n"));
                for s in list {
                    out.push_str(&format!(
                        "- `{}` at {}, owner {}, expires {}: {}\n",
                        s.rule, s.origin, s.owner, s.expires, s.reason
                    ));
                }
            }
        }
    }
    if let Some(drift) = &report.drift {
        let lines: Vec<String> = drift.render_text().lines().map(String::from).collect();
        out.push_str("\n## Since the baseline\n\n");
        out.push_str(&code_block("text", &lines));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backticks_in_data_cannot_close_a_span_or_fence() {
        assert_eq!(code_span("sg-1"), "`sg-1`");
        assert_eq!(code_span("a`b``c"), "```a`b``c```");
        assert_eq!(code_span("`x"), "`` `x ``");
        let block = code_block("sh", &["echo ```".to_string(), "x\u{1b}".to_string()]);
        assert_eq!(block, "````sh\necho ```\nx\\u{1b}\n````\n");
        assert_eq!(plain("a`b\nc<d"), "a\\`b c&lt;d");
        assert_eq!(
            plain("!![x](http://e/p.png)"),
            "\\!\\!\\[x\\](http://e/p.png)"
        );
        assert_eq!(plain("# head"), "\\# head");
        assert_eq!(plain("12. item"), "12\\. item");
        assert_eq!(plain("sg-0a1b 10.0.0.0/8"), "sg-0a1b 10.0.0.0/8");
        assert_eq!(plain("a\u{202e}b"), "a\\\\u{202e}b");
        assert_eq!(plain("a\\`b`"), "a\\\\\\`b\\`");
    }
}
