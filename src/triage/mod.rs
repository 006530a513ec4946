//! Support triage: from an error message or a symptom someone pasted to
//! the documented failure it is, the rules that can cause it and, given a
//! snapshot, the evidence for each. The patterns live in the rule files;
//! nothing here knows a message.

pub mod render;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::evaluate;
use crate::findings::Stage;
use crate::findings::{Finding, Outcome};
use crate::rules::{Rule, RuleSet};
use crate::snapshot::Snapshot;

/// Undo what pasting does to a message: JSON and HTML escapes, curly
/// quotes, line breaks and runs of spaces.
pub fn normalize(text: &str) -> String {
    // JSON inside JSON is escaped twice: undo until nothing changes.
    let mut out = text.to_string();
    for _ in 0..4 {
        let next = unescape_once(&out);
        if next == out {
            break;
        }
        out = next;
    }
    let out: String = out
        .chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{2032}' | '`' | '\u{b4}' => '\'',
            '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{2033}' | '\u{ab}' | '\u{bb}' => '"',
            other => other,
        })
        .collect();
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn unescape_once(text: &str) -> String {
    let mut out = text.to_string();
    for (from, to) in [
        ("\\\"", "\""),
        ("\\'", "'"),
        ("\\n", " "),
        ("\\r", " "),
        ("\\t", " "),
        ("\\u0027", "'"),
        ("\\u0022", "\""),
        ("\\u2018", "'"),
        ("\\u2019", "'"),
        ("\\u201c", "\""),
        ("\\u201d", "\""),
        ("\\\\", "\\"),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&apos;", "'"),
        ("&#34;", "\""),
        ("&#x22;", "\""),
        ("&amp;", "&"),
    ] {
        out = out.replace(from, to);
    }
    out
}

/// One documented failure recognised in the text.
#[derive(Debug, Clone)]
pub struct CaseMatch<'a> {
    /// The case's heading in the guide's troubleshooting section.
    pub case: &'a str,
    /// The rules that can cause it, in rule order.
    pub rules: Vec<&'a Rule>,
    /// The pieces of text that matched.
    pub matched: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Diagnosis<'a> {
    pub cases: Vec<CaseMatch<'a>>,
    /// A described symptom without a message (e.g. stuck in Queue).
    pub symptom: Option<Stage>,
    /// Ids found in the text (e.g. `security_group_id`), for the fixes.
    pub ids: BTreeMap<String, String>,
}

impl Diagnosis<'_> {
    pub fn recognised(&self) -> bool {
        !self.cases.is_empty() || self.symptom.is_some()
    }
}

/// What the text is, by the rules' triage patterns only: no guessing.
pub fn diagnose<'a>(rules: &'a RuleSet, text: &str) -> Diagnosis<'a> {
    let text = normalize(text);
    let mut diagnosis = Diagnosis::default();
    for rule in &rules.rules {
        let Some(triage) = &rule.triage else { continue };
        let mut matched = Vec::new();
        for regex in triage.compiled() {
            if let Some(captures) = regex.captures(&text) {
                matched.push(captures[0].trim().to_string());
                for name in regex.capture_names().flatten() {
                    if let Some(value) = captures.name(name) {
                        diagnosis
                            .ids
                            .entry(name.to_string())
                            .or_insert_with(|| value.as_str().to_string());
                    }
                }
            }
        }
        if matched.is_empty() {
            continue;
        }
        match diagnosis.cases.iter_mut().find(|c| c.case == triage.case) {
            Some(case) => {
                case.rules.push(rule);
                for m in matched {
                    if !case.matched.contains(&m) {
                        case.matched.push(m);
                    }
                }
            }
            None => diagnosis.cases.push(CaseMatch {
                case: &triage.case,
                rules: vec![rule],
                matched,
            }),
        }
    }
    diagnosis.symptom = rules
        .shared
        .symptom_patterns
        .iter()
        .find(|(_, regex)| regex.is_match(&text))
        .map(|(stage, _)| *stage);
    diagnosis
}

/// Every rule behind a symptom: the rules of that stage. Encodings also
/// wait in Queue when a quota leaves no room to start their instances, so
/// capacity rules are suspects of the Queue symptom too.
pub fn symptom_rules(rules: &RuleSet, stage: Stage) -> Vec<&Rule> {
    let suspects =
        |r: &&Rule| r.stage == stage || (stage == Stage::Queue && r.stage == Stage::Capacity);
    rules.rules.iter().filter(suspects).collect()
}

/// Each rule's verdict on one target, most likely cause first: confirmed
/// (fail), then unknown, then ruled out (pass), then not applicable.
#[derive(Debug, Clone, Serialize)]
pub struct TargetEvidence<'a> {
    pub target: &'a str,
    pub findings: Vec<Finding<'a>>,
}

/// Only the targets named `target`, and when `group` is given (the id the
/// message names), only the targets using that security group: evidence
/// about another group is no evidence.
pub fn weigh<'a>(
    rules: &[&'a Rule],
    snapshot: &'a Snapshot,
    target: Option<&str>,
    group: Option<&str>,
) -> Vec<TargetEvidence<'a>> {
    snapshot
        .targets
        .iter()
        .filter(|t| target.is_none_or(|name| t.name == name))
        .filter(|t| group.is_none_or(|id| crate::checks::sg::group_id(t) == Some(id)))
        .map(|t| {
            let mut findings: Vec<Finding<'a>> =
                rules.iter().map(|rule| evaluate(rule, t)).collect();
            findings.sort_by_key(|f| (f.outcome, std::cmp::Reverse(f.severity)));
            TargetEvidence {
                target: &t.name,
                findings,
            }
        })
        .collect()
}

/// How a verdict reads as evidence for a suspected cause.
pub fn verdict_word(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Fail => "confirmed",
        Outcome::Unknown => "unknown",
        Outcome::Pass => "ruled out",
        Outcome::Skip => "does not apply",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_undoes_pasting() {
        assert_eq!(
            normalize(
                "Got AmazonEC2Exception\\n on retrieval of security group \u{2018}sg-1\u{2019}:\n  Invalid id: \\\"sg-1\\\"."
            ),
            "Got AmazonEC2Exception on retrieval of security group 'sg-1': Invalid id: \"sg-1\"."
        );
        assert_eq!(normalize("&quot;x&quot; &#39;y&#39;"), "\"x\" 'y'");
    }
}
