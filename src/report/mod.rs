//! The report: one value per audit, rendered to each format. Its JSON form
//! is a contract (docs/report.md): extend it, never rename.

pub mod csv;
pub mod html;
pub mod junit;
pub mod markdown;
pub mod sarif;
pub mod table;

use serde::Serialize;

use crate::drift::Drift;
use crate::net::Permission;
use crate::rules::{FixCaution, Severity, Stage};
use crate::suppress::{Muted, SuppressionReport};

pub const SCHEMA: &str = "ccaudit/report/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    // Declared in the order a reader wants them: problems first.
    Fail,
    Unknown,
    Pass,
    Skip,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Fail => "fail",
            Outcome::Unknown => "unknown",
            Outcome::Pass => "pass",
            Outcome::Skip => "skip",
        }
    }

    /// Outcomes that count against `--fail-on`: a missing answer is never
    /// taken for a good one.
    pub fn is_problem(self) -> bool {
        matches!(self, Outcome::Fail | Outcome::Unknown)
    }
}

/// What a fix changes, for formats that are not `aws` commands (Terraform).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FixData {
    /// Add these inbound permissions to the group.
    Ingress {
        group_id: String,
        permissions: Vec<Permission>,
    },
    /// Add these outbound permissions to the group.
    Egress {
        group_id: String,
        permissions: Vec<Permission>,
    },
    /// Remove these inbound permissions from the group.
    Revoke {
        group_id: String,
        permissions: Vec<Permission>,
    },
    /// Put this inline policy on the user.
    UserPolicy {
        user: Option<String>,
        document: String,
    },
    /// Raise a service quota.
    Quota {
        service_code: String,
        quota_code: String,
        value: f64,
    },
    /// Create the region's default VPC.
    DefaultVpc,
    /// Turn on public IPv4 addresses for the subnet.
    SubnetPublicIp { subnet_id: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding<'a> {
    pub rule: &'a str,
    pub outcome: Outcome,
    pub severity: Severity,
    pub resource: String,
    pub title: &'a str,
    pub detail: String,
    /// The dashboard's message for this problem, with the real ids.
    pub documented_error: Option<String>,
    /// The documented behaviour when there is no message.
    pub symptom: Option<&'a str>,
    pub stage: Stage,
    pub fix: Option<String>,
    pub fix_command: Option<String>,
    /// Why the fix command must not simply be run (removes-access,
    /// widens-access, creates-secret, diagnostic), when so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix_caution: Option<FixCaution>,
    /// The fix as data, for failing findings that have one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix_data: Option<Box<FixData>>,
    /// An accepted problem: it keeps its outcome, but no longer counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muted: Option<Box<Muted>>,
    /// The snapshot key of the evidence (for locating the finding).
    #[serde(skip)]
    pub evidence: Option<&'static str>,
}

impl Finding<'_> {
    /// The fix command as a person should see it: commented out, with the
    /// reason, when it must not simply be run.
    pub fn command_lines(&self) -> Option<Vec<String>> {
        let command = self.fix_command.as_ref()?;
        Some(FixCaution::command_lines(self.fix_caution, command))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetReport<'a> {
    pub name: &'a str,
    pub account_id: Option<&'a str>,
    pub region: &'a str,
    pub findings: Vec<Finding<'a>>,
}

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

    pub fn recount(&mut self) {
        self.summary = Summary::of(self.targets.iter().flat_map(|t| &t.findings));
    }

    /// True when a finding at or above `threshold` failed or is unknown
    /// (and is not muted).
    pub fn has_problems_at(&self, threshold: Severity) -> bool {
        self.targets
            .iter()
            .flat_map(|t| &t.findings)
            .any(|f| f.outcome.is_problem() && f.severity >= threshold && f.muted.is_none())
    }

    pub fn to_json_string(&self) -> String {
        crate::output::json_string(self)
    }

    /// The JSON report, streamed into `writer`.
    pub fn write_json(&self, writer: &mut dyn std::io::Write) -> std::io::Result<()> {
        crate::output::write_json(writer, self)
    }
}
