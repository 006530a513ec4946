//! The report: one value per audit, rendered to each format. Its JSON form
//! is a contract (docs/report.md): extend it, never rename.

pub mod asff;
pub mod baseline;
pub mod csv;
pub mod grid;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod ocsf;
pub mod sarif;
pub mod table;
pub mod trend;

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

impl std::ops::AddAssign for Summary {
    fn add_assign(&mut self, other: Summary) {
        self.pass += other.pass;
        self.fail += other.fail;
        self.unknown += other.unknown;
        self.skip += other.skip;
        self.muted += other.muted;
    }
}

/// What the end of a report says, known only after its last target.
#[derive(Debug, Clone, Copy)]
pub struct Totals<'r> {
    pub targets: usize,
    pub summary: Summary,
    pub suppressions: Option<&'r SuppressionReport>,
    pub drift: Option<&'r Drift>,
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
        self.targets.iter().any(|t| t.has_problems_at(threshold))
    }

    pub fn totals(&self) -> Totals<'_> {
        Totals {
            targets: self.targets.len(),
            summary: self.summary,
            suppressions: self.suppressions.as_ref(),
            drift: self.drift.as_ref(),
        }
    }

    /// The JSON report as text (`write_json` streams it instead).
    pub fn to_json_string(&self) -> std::io::Result<String> {
        let mut bytes = Vec::new();
        self.write_json(&mut bytes)?;
        String::from_utf8(bytes).map_err(std::io::Error::other)
    }

    /// The JSON report, streamed into `writer` (as a streamed audit writes
    /// it, a target at a time).
    pub fn write_json(&self, writer: &mut dyn std::io::Write) -> std::io::Result<()> {
        json::head(writer)?;
        for (index, target) in self.targets.iter().enumerate() {
            json::target(target, index == 0, writer)?;
        }
        json::tail(&self.totals(), writer)
    }
}
