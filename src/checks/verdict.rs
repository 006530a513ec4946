//! What a check concludes about one target, and the wording checks share
//! for evidence that is missing or a call that failed.

use crate::findings::{FixData, Outcome};
use crate::snapshot::aws::AwsError;
use crate::template::{Placeholder, Values};

/// What a check concluded about one target.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub outcome: Outcome,
    pub detail: String,
    /// Values for the fix-command template beyond the setup's. The engine
    /// reads them only for a failing or unknown verdict (its texts are
    /// filled only for a problem), so a check may leave them out otherwise.
    pub vars: Values,
    /// The fix as data (Terraform and other structured outputs). Read only
    /// for a failing verdict.
    pub fix: Option<FixData>,
}

impl Verdict {
    fn new(outcome: Outcome, detail: impl Into<String>) -> Verdict {
        Verdict {
            outcome,
            detail: detail.into(),
            vars: Values::new(),
            fix: None,
        }
    }

    pub fn pass(detail: impl Into<String>) -> Verdict {
        Verdict::new(Outcome::Pass, detail)
    }

    pub fn fail(detail: impl Into<String>) -> Verdict {
        Verdict::new(Outcome::Fail, detail)
    }

    pub fn unknown(detail: impl Into<String>) -> Verdict {
        Verdict::new(Outcome::Unknown, detail)
    }

    pub fn skip(detail: impl Into<String>) -> Verdict {
        Verdict::new(Outcome::Skip, detail)
    }

    pub fn with(mut self, name: Placeholder, value: String) -> Verdict {
        self.vars.insert(name, value);
        self
    }

    pub fn with_fix(mut self, fix: FixData) -> Verdict {
        self.fix = Some(fix);
        self
    }
}

/// A pointer to the rule that judges something else, for a detail: the
/// engine puts in the id of the rule set's first rule of that check type
/// (`check` is a type name, or a type name and its evidence key), or
/// drops the pointer when the set has none. Check code names no rule id.
pub fn see(check: &str) -> String {
    format!(" (see {{rule:{check}}})")
}

/// Codes with which AWS says the caller lacks a permission.
const ACCESS_DENIED_CODES: [&str; 4] = [
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
];

/// The detail for a call that failed for a reason the rule cannot explain.
pub fn call_failed(key: &str, error: &AwsError) -> String {
    let message = if error.message.is_empty() {
        String::new()
    } else {
        format!(": {}", error.message)
    };
    if ACCESS_DENIED_CODES.contains(&error.code.as_str()) {
        format!(
            "the auditor may not call {key} ({}{message}); grant it {key} to check this",
            error.code
        )
    } else {
        format!("{key} failed with {}{message}", error.code)
    }
}

pub fn not_collected(key: &str) -> String {
    format!("{key} was not collected")
}

/// Render a number the way a person writes it: 80, 0.5, 2.35.
pub fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        // Exact in i64; avoids float formatting on a hot path.
        (value as i64).to_string()
    } else {
        let text = format!("{value:.2}");
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}
