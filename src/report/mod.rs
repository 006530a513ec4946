//! The report: one value per audit, rendered to each format. Its JSON form
//! is a contract (docs/report.md): extend it, never rename.

pub mod baseline;
pub mod csv;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod table;

use serde::Serialize;

use crate::drift::Drift;
use crate::findings::{Finding, Outcome, Severity, TargetReport};
use crate::suppress::SuppressionReport;

pub const SCHEMA: &str = "ccaudit/report/v1";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub pass: usize,
    pub fail: usize,
    pub unknown: usize,
    pub skip: usize,
    /// Of the failing and unknown ones, how many are muted.
    pub muted: usize,
}

impl Summary {
    pub fn of<'a: 'b, 'b>(findings: impl IntoIterator<Item = &'b Finding<'a>>) -> Summary {
        let mut summary = Summary::default();
        for finding in findings {
            summary.muted += usize::from(finding.muted.is_some());
            *match finding.outcome {
                Outcome::Pass => &mut summary.pass,
                Outcome::Fail => &mut summary.fail,
                Outcome::Unknown => &mut summary.unknown,
                Outcome::Skip => &mut summary.skip,
            } += 1;
        }
        summary
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report<'a> {
    pub schema: &'static str,
    pub targets: Vec<TargetReport<'a>>,
    pub summary: Summary,
    /// Expired and stale suppressions, when a suppressions file was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressions: Option<SuppressionReport>,
    /// What changed since a baseline report, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub drift: Option<Drift>,
}

impl<'a> Report<'a> {
    pub fn new(targets: Vec<TargetReport<'a>>) -> Report<'a> {
        let summary = Summary::of(targets.iter().flat_map(|t| &t.findings));
        Report {
            schema: SCHEMA,
            targets,
            summary,
            suppressions: None,
            drift: None,
        }
    }

    /// Audit `snapshot` with `rules` (all, or the `only` ones).
    pub fn audit(
        rules: &'a crate::rules::RuleSet,
        snapshot: &'a crate::snapshot::Snapshot,
        only: &[String],
    ) -> Report<'a> {
        Report::new(crate::engine::audit(rules, snapshot, only))
    }

    /// True when a finding at or above `threshold` failed or is unknown
    /// (and is not muted).
    pub fn has_problems_at(&self, threshold: Severity) -> bool {
        self.targets
            .iter()
            .flat_map(|t| &t.findings)
            .any(|f| f.outcome.is_problem() && f.severity >= threshold && f.muted.is_none())
    }

    /// The JSON report as text (`write_json` streams it instead).
    pub fn to_json_string(&self) -> std::io::Result<String> {
        crate::output::to_json(self)
    }

    /// The JSON report, streamed into `writer`.
    pub fn write_json(&self, writer: &mut dyn std::io::Write) -> std::io::Result<()> {
        crate::output::write_json(writer, self)
    }
}
