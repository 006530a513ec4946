//! Rules are data: one TOML file per rule under `rules/`, found by walking
//! the folder. This module holds the rule model; `loader` reads and
//! validates files, `check` is the vocabulary of check types.

pub mod check;
pub mod formula;
pub mod loader;
pub mod shared;
pub mod template;

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use check::Check;
pub use loader::RuleSet;

use crate::snapshot::LiveProtocol;
use crate::version::EncoderVersion;

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

/// When a rule applies; a rule that does not apply to a target is `skip`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applies {
    /// true: only with a custom subnet; false: only without one.
    pub subnet: Option<bool>,
    /// Only when `setup.live` has this protocol.
    pub live: Option<LiveProtocol>,
    /// Only for this encoder version or newer (STABLE and BETA are newest).
    pub encoder_at_least: Option<EncoderVersion>,
}

/// What identifies a documented failure in a message someone pasted.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Triage {
    /// The case's heading in the guide's troubleshooting section.
    pub case: String,
    /// Regular expressions (case-insensitive), or "@name" of shared ones;
    /// named groups such as `(?P<security_group_id>…)` capture the ids the
    /// fix needs.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// AWS error codes that mean this case.
    #[serde(default)]
    pub codes: Vec<String>,
    /// `patterns` and `codes` compiled when the rule is loaded.
    #[serde(skip)]
    pub compiled: Vec<regex::Regex>,
}

/// One rule, as written in its file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub stage: Stage,
    /// Sections of the guide this rule comes from.
    pub references: Vec<String>,
    /// Why it matters, in plain words.
    pub why: String,
    /// The dashboard's error message, verbatim from the guide, with
    /// `{placeholders}` for the real ids.
    pub documented_error: Option<String>,
    /// The documented behaviour when there is no message (e.g. stuck in Queue).
    pub symptom: Option<String>,
    /// Console steps.
    pub fix: String,
    /// An `aws` command with `{placeholders}`.
    pub fix_command: Option<String>,
    /// Why the fix command must not simply be run, if so.
    pub fix_caution: Option<FixCaution>,
    #[serde(default)]
    pub applies: Applies,
    /// How `ccaudit triage` recognises this problem in pasted text.
    pub triage: Option<Triage>,
    pub check: Check,
    /// Where the rule was read from (for messages).
    #[serde(skip)]
    pub origin: PathBuf,
}

/// The setup names every template may use.
pub const SETUP_TEMPLATE_NAMES: [&str; 6] = [
    "region",
    "security_group_id",
    "subnet_id",
    "account_id",
    "iam_user",
    "ssh_port",
];
