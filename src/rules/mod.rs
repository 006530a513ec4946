//! Rules are data: one TOML file per rule under `rules/`, found by walking
//! the folder. This module holds the rule model; `loader` reads and
//! validates files; the check types a rule names live in `src/checks/`.

pub mod loader;

use std::path::PathBuf;

use serde::Deserialize;

pub use crate::checks::Check;
pub use crate::findings::{FixCaution, Severity, Stage};
pub use loader::RuleSet;

use crate::snapshot::LiveProtocol;
use crate::version::EncoderVersion;

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
    /// `patterns` (with `@name` resolved) and `codes` as the regular
    /// expressions they become, in that order.
    #[serde(skip)]
    pub(crate) sources: Vec<loader::TriageSource>,
    /// `sources` compiled: when a rule file is read, which also checks them;
    /// for the built-in rules, whose tests check them, on first use (an
    /// audit never uses them, and compiling them was a sixth of starting).
    #[serde(skip)]
    pub(crate) compiled: std::sync::OnceLock<Vec<regex::Regex>>,
}

impl Triage {
    /// The patterns and codes, compiled.
    pub fn compiled(&self) -> &[regex::Regex] {
        self.compiled.get_or_init(|| {
            loader::compile_triage(&self.sources).unwrap_or_else(|(_, why)| {
                unreachable!("built-in triage is checked by tests: {why}")
            })
        })
    }
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
    /// Which rule of its set judges each check type (`checks::verdict::see`),
    /// filled when the set is loaded.
    #[serde(skip)]
    pub see: std::sync::Arc<std::collections::BTreeMap<String, String>>,
}

impl Rule {
    /// The rule's family: the folder of `rules/` it was read from
    /// (`security-group`, `quotas`, …), as the fleet view groups rules.
    pub fn family(&self) -> &str {
        self.origin
            .parent()
            .and_then(|folder| folder.file_name())
            .and_then(|name| name.to_str())
            .unwrap_or("rules")
    }
}
