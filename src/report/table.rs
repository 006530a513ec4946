//! The human report: per target a table, problems first, then the fixes as
//! plain lines so a command can be copied without table borders in it.

use crate::output::visible;

use super::grid::Grid;
use super::{Report, Summary, Totals};
use crate::findings::{Finding, Outcome, TargetReport};

/// Width used when the output is not a terminal (files, pipes, tests).
pub const DEFAULT_WIDTH: u16 = 120;

/// A table's text, `width` wide (the default width when not given).
pub fn draw<const N: usize>(grid: &Grid<'_, N>, width: Option<u16>) -> String {
    grid.render(width.unwrap_or(DEFAULT_WIDTH))
}

fn summary_text(s: &Summary) -> String {
    format!(
        "{} fail, {} unknown, {} pass, {} skip",
        s.fail, s.unknown, s.pass, s.skip
    )
}

fn finding_cell(f: &Finding<'_>) -> String {
    let mut text = format!("{}\n{}", f.title, visible(&f.detail));
    // An unknown finding shows what a failure would look like.
    let when = if f.outcome == Outcome::Unknown {
        "If it fails, "
    } else {
        ""
    };
    if let Some(error) = &f.documented_error {
        let says = if when.is_empty() {
            "Dashboard says"
        } else {
            "the dashboard says"
        };
        text.push_str(&format!("\n{when}{says}: {}", visible(error)));
    }
    if let Some(symptom) = &f.symptom {
        let label = if when.is_empty() {
            "Symptom"
        } else {
            "the symptom is"
        };
        text.push_str(&format!("\n{when}{label}: {symptom}"));
    }
    text
}

fn sorted<'a, 'b>(findings: &'b [Finding<'a>]) -> Vec<&'b Finding<'a>> {
    let mut sorted: Vec<&Finding> = findings.iter().collect();
    // Problems first, the most severe first; the rule order breaks ties.
    sorted.sort_by_key(|f| (f.outcome, std::cmp::Reverse(f.severity)));
    sorted
}

pub fn render(report: &Report<'_>, width: Option<u16>) -> String {
    let mut out = String::new();
    for target in &report.targets {
        out.push_str(&self::target(target, width, false));
    }
    out.push_str(&tail(&report.totals()));
    out
}

/// One target's part: its counts, its table, then how to fix what fails;
/// `color` marks the outcomes for a terminal (`--color`).
pub fn target(target: &TargetReport<'_>, width: Option<u16>, color: bool) -> String {
    let mut out = String::new();
    let account = visible(target.account_id.as_deref().unwrap_or("account not given"));
    out.push_str(&format!(
        "{} ({account}, {}): {}\n",
        visible(&target.name),
        visible(&target.region),
        summary_text(&Summary::of(&target.findings))
    ));
    let mut table = Grid::new(["outcome", "severity", "rule", "finding"]);
    let sorted = sorted(&target.findings);
    for f in &sorted {
        table.row([
            f.outcome.as_str().to_uppercase(),
            f.severity.to_string(),
            format!("{}\n{}", f.rule, visible(&f.about.short_label())),
            finding_cell(f),
        ]);
    }
    let drawn = draw(&table, width);
    if color {
        out.push_str(&colored(&drawn));
    } else {
        out.push_str(&drawn);
    }
    out.push('\n');
    let failing: Vec<&Finding> = sorted
        .into_iter()
        .filter(|f| f.outcome == Outcome::Fail)
        .collect();
    if !failing.is_empty() {
        out.push_str("\nHow to fix:\n");
        for f in failing {
            out.push_str(&format!("\n[{}] {}\n", f.rule, f.title));
            if let Some(fix) = &f.fix {
                for line in fix.trim_end().lines() {
                    out.push_str(&format!("  {}\n", visible(line)));
                }
            }
            for line in f.command_lines().unwrap_or_default() {
                out.push_str(&format!("  {}\n", visible(&line)));
            }
        }
    }
    out.push('\n');
    out
}

/// The table with each row's outcome word in its colour. The layout is
/// done first, so the escapes take no width; they are ours, never text
/// from a snapshot, which `visible` has already escaped.
fn colored(table: &str) -> String {
    const STYLES: [(&str, &str); 4] = [
        ("FAIL", "\x1b[1;31m"),
        ("UNKNOWN", "\x1b[1;33m"),
        ("PASS", "\x1b[32m"),
        ("SKIP", "\x1b[2m"),
    ];
    let mut out = String::with_capacity(table.len() + table.len() / 8);
    for line in table.split_inclusive('\n') {
        let cell = line.strip_prefix("│ ");
        match cell.and_then(|rest| {
            STYLES
                .iter()
                .find(|(word, _)| rest.starts_with(word) && rest[word.len()..].starts_with(' '))
        }) {
            Some((word, style)) => {
                out.push_str("│ ");
                out.push_str(style);
                out.push_str(word);
                out.push_str("\x1b[0m");
                out.push_str(&line["│ ".len() + word.len()..]);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// The last line: the counts of every target.
pub fn tail(totals: &Totals<'_>) -> String {
    format!(
        "{} target{}: {}\n",
        totals.targets,
        if totals.targets == 1 { "" } else { "s" },
        summary_text(&totals.summary)
    )
}
