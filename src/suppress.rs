//! Suppressions: known, accepted problems muted with an owner, a reason and
//! an expiry date, so they cannot quietly live forever. A muted finding
//! keeps its outcome but no longer affects the exit code; an expired entry
//! stops muting and is reported, as is an entry that matches nothing.
//!
//! ```toml
//! [[suppress]]
//! rule = "iam-least-privilege"
//! target = "sandbox-*"          # optional patterns: target, account, region, resource
//! reason = "evaluation account, deleted in January"
//! owner = "platform-team@example.com"
//! expires = 2026-12-31          # the last day it mutes
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::error::InputError;
use crate::findings::{Muted, TargetReport};
use crate::iam::glob;
use crate::rules::RuleSet;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    suppress: Vec<Spanned<Entry>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    rule: Spanned<String>,
    target: Option<String>,
    account: Option<String>,
    region: Option<String>,
    resource: Option<String>,
    reason: String,
    owner: String,
    expires: Spanned<toml::value::Datetime>,
}

/// One loaded entry.
#[derive(Debug, Clone, Serialize)]
pub struct Suppression {
    pub rule: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    pub reason: String,
    pub owner: String,
    /// YYYY-MM-DD, the last day the entry mutes.
    pub expires: String,
    /// Where it is written ("file:line").
    pub origin: String,
}

/// What the suppressions did in one audit.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SuppressionReport {
    /// Past their date: they mute nothing any more.
    pub expired: Vec<Suppression>,
    /// Matched no finding that fails or is unknown.
    pub stale: Vec<Suppression>,
}

pub fn load(path: &Path, rules: &RuleSet) -> Result<Vec<Suppression>, InputError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError::new(path, format!("cannot read suppressions: {e}")))?;
    let file: File = toml::from_str(&text)
        .map_err(|e| InputError::at_span(path, &text, e.span(), e.message().trim().to_string()))?;
    let mut out = Vec::new();
    for spanned in file.suppress {
        let (line, _) = crate::error::line_col(&text, spanned.span().start);
        let entry = spanned.into_inner();
        if rules.get(entry.rule.get_ref()).is_none() {
            return Err(InputError::at_span(
                path,
                &text,
                Some(entry.rule.span()),
                format!(
                    "unknown rule id `{}` (see `ccaudit rules list`)",
                    entry.rule.get_ref()
                ),
            ));
        }
        let date = entry.expires.get_ref();
        let (Some(day), None, None) = (date.date, date.time, date.offset) else {
            return Err(InputError::at_span(
                path,
                &text,
                Some(entry.expires.span()),
                "`expires` must be a date like 2026-12-31",
            ));
        };
        for (field, value) in [("reason", &entry.reason), ("owner", &entry.owner)] {
            if value.trim().is_empty() {
                return Err(InputError::at(
                    path,
                    line,
                    1,
                    format!("`{field}` must not be empty"),
                ));
            }
        }
        out.push(Suppression {
            rule: entry.rule.into_inner(),
            target: entry.target,
            account: entry.account,
            region: entry.region,
            resource: entry.resource,
            reason: entry.reason,
            owner: entry.owner,
            expires: day.to_string(),
            origin: format!("{}:{line}", path.display()),
        });
    }
    Ok(out)
}

fn pattern_matches(pattern: &Option<String>, value: Option<&str>) -> bool {
    match pattern {
        None => true,
        Some(pattern) => value.is_some_and(|v| glob::matches(pattern, v, false)),
    }
}

/// Mute the findings that live entries match; `today` is YYYY-MM-DD. The
/// report's summary must be counted afterwards: muting changes it.
pub fn apply(
    targets: &mut [TargetReport<'_>],
    entries: &[Suppression],
    today: &str,
) -> SuppressionReport {
    let mut used = Used::new(entries);
    for target in targets {
        apply_to(target, entries, today, &mut used);
    }
    used.report(entries, today)
}

/// Which entries matched a finding: the ones that never did are stale.
#[derive(Debug, Clone, Default)]
pub struct Used(Vec<bool>);

impl Used {
    pub fn new(entries: &[Suppression]) -> Used {
        Used(vec![false; entries.len()])
    }

    /// Add what another part of the run used (a streamed audit mutes each
    /// target on its own).
    pub fn merge(&mut self, other: &Used) {
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            *mine |= *theirs;
        }
    }

    /// The expired entries, and the live ones no finding matched.
    pub fn report(&self, entries: &[Suppression], today: &str) -> SuppressionReport {
        SuppressionReport {
            expired: entries
                .iter()
                .filter(|s| !live(s, today))
                .cloned()
                .collect(),
            stale: entries
                .iter()
                .zip(&self.0)
                .filter(|(s, used)| live(s, today) && !**used)
                .map(|(s, _)| s.clone())
                .collect(),
        }
    }
}

fn live(entry: &Suppression, today: &str) -> bool {
    entry.expires.as_str() >= today
}

/// Mute one target's findings that live entries match, noting the entries
/// that matched in `used`.
pub fn apply_to(
    target: &mut TargetReport<'_>,
    entries: &[Suppression],
    today: &str,
    used: &mut Used,
) {
    for finding in &mut target.findings {
        if !finding.outcome.is_problem() {
            continue;
        }
        for (index, entry) in entries.iter().enumerate() {
            let matches = entry.rule == finding.rule
                && pattern_matches(&entry.target, Some(&target.name))
                && pattern_matches(&entry.account, target.account_id.as_deref())
                && pattern_matches(&entry.region, Some(&target.region))
                && pattern_matches(&entry.resource, Some(&finding.resource));
            if !matches {
                continue;
            }
            used.0[index] = true;
            if live(entry, today) && finding.muted.is_none() {
                finding.muted = Some(Box::new(Muted {
                    reason: entry.reason.clone(),
                    owner: entry.owner.clone(),
                    expires: entry.expires.clone(),
                }));
            }
        }
    }
}

/// Today's date (UTC), YYYY-MM-DD, for expiry. A clock outside the years
/// 0000–9999 is an error: its date would not compare, as text, with the
/// suppressions' ones.
pub fn today() -> Result<String, InputError> {
    let now = aws_smithy_types::DateTime::from(std::time::SystemTime::now());
    let today = crate::date::date(&now);
    if today.len() == "YYYY-MM-DD".len() {
        Ok(today)
    } else {
        Err(InputError::new(
            "<clock>",
            format!(
                "the system clock reads {}Z, which no suppression's date compares with: give --now YYYY-MM-DD",
                crate::date::date_time(&now)
            ),
        ))
    }
}
