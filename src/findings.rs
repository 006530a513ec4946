//! What an audit finds, the bottom layer: the outcome of one rule on one
//! target, its fix as data, and whether an accepted problem is muted. The
//! engine makes these; suppressions, drift, the report and its renderers
//! read them. Their JSON form is part of the report contract
//! (docs/report.md).

use serde::{Deserialize, Serialize};

use crate::net::Permission;
use crate::rules::{FixCaution, Severity, Stage};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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

/// Why a finding is muted (shown in every format): an entry of the
/// suppressions file matched it and has not expired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Muted {
    pub reason: String,
    pub owner: String,
    pub expires: String,
}
