//! What an audit finds, the bottom layer: the outcome of one rule on one
//! target, its fix as data, and whether an accepted problem is muted. The
//! engine makes these; suppressions, drift, the report and its renderers
//! read them. Their JSON form is part of the report contract
//! (docs/report.md).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::net::Permission;

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a problem shows up for the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The dashboard refuses the region settings.
    RegionSettings,
    /// Encodings sit in Queue.
    Queue,
    /// Encodings are slow or fail to scale.
    Capacity,
    /// Works, but not as the guide recommends.
    Advice,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::RegionSettings => "region-settings",
            Stage::Queue => "queue",
            Stage::Capacity => "capacity",
            Stage::Advice => "advice",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a fix command needs a person's decision before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixCaution {
    /// It takes access away (revoking a source, detaching a policy).
    RemovesAccess,
    /// It opens access beyond Bitmovin's needs (e.g. a port to anywhere).
    WidensAccess,
    /// It creates a new secret that must then be entered elsewhere.
    CreatesSecret,
    /// It only reads: it finds the right value, it changes nothing.
    Diagnostic,
}

impl FixCaution {
    /// The line printed above the command.
    pub fn note(self) -> &'static str {
        match self {
            FixCaution::RemovesAccess => "Review first: this removes access. Uncomment to run.",
            FixCaution::WidensAccess => {
                "This opens the ports to any address, as the guide allows; narrow the sources to where your streams come from, then uncomment."
            }
            FixCaution::CreatesSecret => {
                "This creates a new secret access key, shown once: enter it in the Bitmovin dashboard. Uncomment to run."
            }
            FixCaution::Diagnostic => "Read-only: finds the right value to enter.",
        }
    }

    /// A fix command as a person should see it: with the reason above it,
    /// and commented out when it must not simply be run.
    pub fn command_lines(caution: Option<FixCaution>, command: &str) -> Vec<String> {
        match caution {
            None => vec![command.to_string()],
            Some(FixCaution::Diagnostic) => vec![
                format!("# {}", FixCaution::Diagnostic.note()),
                command.to_string(),
            ],
            Some(caution) => vec![format!("# {}", caution.note()), format!("# {command}")],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FixCaution::RemovesAccess => "removes-access",
            FixCaution::WidensAccess => "widens-access",
            FixCaution::CreatesSecret => "creates-secret",
            FixCaution::Diagnostic => "diagnostic",
        }
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
