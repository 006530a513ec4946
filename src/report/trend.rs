//! The fleet's failures night by night, for the HTML report: earlier JSON
//! reports (`--history`, `--baseline`) read for their totals alone, and the
//! line they draw, as inline SVG (no script, no external resource).

use std::path::Path;

use serde::Deserialize;

use crate::error::InputError;
use crate::findings::Outcome;

/// One run: what to call it, and its unmuted-or-not problem counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub label: String,
    pub fail: usize,
    pub unknown: usize,
}

/// What a report's totals need; every other field is skipped.
#[derive(Deserialize)]
struct Totals {
    schema: String,
    summary: Counts,
}

#[derive(Deserialize)]
struct Counts {
    fail: usize,
    unknown: usize,
}

/// The totals of the JSON report at `path`, named after the night it is
/// filed under: `runs/2026-11-28/report.json` is "2026-11-28", and
/// `2026-11-28.json` too.
pub fn load(path: &Path) -> Result<Point, InputError> {
    let totals: Totals = super::baseline::read(path, |t: &Totals| &t.schema)?;
    Ok(Point {
        label: label(path),
        fail: totals.summary.fail,
        unknown: totals.summary.unknown,
    })
}

/// The same point, from the report at `path` already read in full (the
/// baseline): counted from its findings, as its summary counts them.
pub fn of_run(path: &Path, run: &crate::drift::Run) -> Point {
    let seen = run.targets.iter().flat_map(|t| &t.findings);
    let count = |outcome: Outcome| seen.clone().filter(|f| f.outcome == outcome).count();
    Point {
        label: label(path),
        fail: count(Outcome::Fail),
        unknown: count(Outcome::Unknown),
    }
}

/// The file's name without its extension, or its folder's when the file
/// is only called `report`.
fn label(path: &Path) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    let folder = path
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|s| s.to_str());
    match folder {
        Some(folder) if stem == "report" || stem.is_empty() => folder.to_string(),
        _ => stem.to_string(),
    }
}

// Sized for a phone as much as a desktop: the drawing scales to the
// page's width, its text with it.
const WIDTH: f64 = 480.0;
const HEIGHT: f64 = 200.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 36.0;

/// A line of failures and one of unknowns over `points`, oldest first
/// (`escape` makes a label safe inside the SVG). Nothing for fewer than two
/// points: one night is no trend.
pub fn svg(points: &[Point], escape: impl Fn(&str) -> String) -> Option<String> {
    if points.len() < 2 {
        return None;
    }
    let top = points
        .iter()
        .map(|p| p.fail.max(p.unknown))
        .max()
        .unwrap_or(0)
        .max(1);
    let step = (WIDTH - LEFT - RIGHT) / (points.len() - 1) as f64;
    let x = |i: usize| LEFT + step * i as f64;
    let y = |n: usize| TOP + (HEIGHT - TOP - BOTTOM) * (1.0 - n as f64 / top as f64);
    let line = |class: &str, count: fn(&Point) -> usize| {
        let coordinates: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{:.1},{:.1}", x(i), y(count(p))))
            .collect();
        let dots: String = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                format!(
                    "<circle class=\"{class}\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\"><title>{}: {} {class}</title></circle>",
                    x(i),
                    y(count(p)),
                    escape(&p.label),
                    count(p)
                )
            })
            .collect();
        format!(
            "<polyline class=\"{class}\" points=\"{}\"/>{dots}",
            coordinates.join(" ")
        )
    };
    let baseline = HEIGHT - BOTTOM;
    let first = &points[0];
    let last = &points[points.len() - 1];
    Some(format!(
        "<svg class=\"trend\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"failures and unknowns per run, {} to {}\">\
         <line class=\"axis\" x1=\"{LEFT}\" y1=\"{baseline}\" x2=\"{}\" y2=\"{baseline}\"/>\
         <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{top}</text>\
         <text x=\"{}\" y=\"{baseline}\" text-anchor=\"end\">0</text>\
         {}{}\
         <text x=\"{LEFT}\" y=\"{}\">{}</text>\
         <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text></svg>",
        escape(&first.label),
        escape(&last.label),
        WIDTH - RIGHT,
        LEFT - 6.0,
        TOP + 4.0,
        LEFT - 6.0,
        line("unknown", |p| p.unknown),
        line("fail", |p| p.fail),
        HEIGHT - 8.0,
        escape(&first.label),
        WIDTH - RIGHT,
        HEIGHT - 8.0,
        escape(&last.label),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(label: &str, fail: usize, unknown: usize) -> Point {
        Point {
            label: label.into(),
            fail,
            unknown,
        }
    }

    #[test]
    fn a_report_is_named_after_the_night_it_is_filed_under() {
        assert_eq!(
            label(Path::new("runs/2026-11-28/report.json")),
            "2026-11-28"
        );
        assert_eq!(label(Path::new("history/2026-11-27.json")), "2026-11-27");
        assert_eq!(label(Path::new("report.json")), "report");
    }

    #[test]
    fn the_lines_rise_with_the_counts_and_one_night_draws_none() {
        assert!(svg(&[point("a", 1, 0)], str::to_string).is_none());
        let drawn = svg(
            &[point("a", 0, 2), point("b", 4, 0), point("<c>", 2, 1)],
            |s| s.replace('<', "&lt;"),
        )
        .expect("svg");
        // Highest count at the top of the plot, zero on the axis.
        assert!(
            drawn
                .contains("<polyline class=\"fail\" points=\"56.0,164.0 262.0,16.0 468.0,90.0\"/>"),
            "{drawn}"
        );
        assert!(
            drawn.contains("<title>&lt;c>: 1 unknown</title>"),
            "{drawn}"
        );
        assert!(!drawn.contains("<c>"));
    }
}
