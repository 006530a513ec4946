//! Markdown to paste into a ticket: a summary, then per target the
//! problems with their message and fix, then the rest in one line each.

use super::{Finding, Outcome, Report};

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Snapshot text in Markdown: one line, no code fences, images or links.
fn plain(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .replace('`', "'")
        .replace("![", "[")
        .replace('<', "&lt;")
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
        out.push_str(&format!("\n> The dashboard says: `{error}`\n"));
    }
    if let Some(symptom) = &f.symptom {
        out.push_str(&format!("\n> Symptom: {symptom}\n"));
    }
    if let Some(fix) = &f.fix {
        out.push_str(&format!("\n**Fix:** {}\n", fix.trim().replace('\n', " ")));
    }
    if let Some(lines) = f.command_lines() {
        out.push_str(&format!("\n```sh\n{}\n```\n", lines.join("\n")));
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
            cell(&plain(t.name)),
            cell(&plain(t.account_id.unwrap_or("—"))),
            cell(&plain(t.region)),
            c.fail,
            c.unknown,
            c.pass,
            c.skip
        ));
    }
    for t in &report.targets {
        out.push_str(&format!(
            "\n## {} ({}, {})\n\n",
            plain(t.name),
            plain(t.account_id.unwrap_or("account not given")),
            plain(t.region)
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
        out.push_str(&format!(
            "\n## Since the baseline\n\n```text\n{}```\n",
            drift.render_text()
        ));
    }
    out
}
