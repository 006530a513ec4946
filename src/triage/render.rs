//! What `ccaudit triage` prints, as text for a person or JSON for tools.

use crate::output::visible;

use serde_json::{Value, json};

use super::{Diagnosis, TargetEvidence, symptom_rules, verdict_word, weigh};
use crate::findings::Outcome;
use crate::findings::{FixCaution, Stage};
use crate::rules::{Rule, RuleSet};
use crate::snapshot::Snapshot;
use crate::template::{Placeholder, Values, render as fill, render_command};

/// Everything one triage found.
pub struct Triage<'a> {
    pub diagnosis: Diagnosis<'a>,
    /// Per case (in `diagnosis.cases` order), the evidence when a snapshot was given.
    pub case_evidence: Vec<Vec<TargetEvidence<'a>>>,
    /// For a symptom, the evidence for every rule of its stage.
    pub symptom_evidence: Option<Vec<TargetEvidence<'a>>>,
    /// The symptom's rules (listed when there is no snapshot).
    pub symptom_rules: Vec<&'a Rule>,
    /// Where the evidence came from ("snapshot.json", "live collection").
    pub source: Option<String>,
}

impl<'a> Triage<'a> {
    /// The diagnosis with its evidence from `snapshot`: per case the
    /// targets using the group the message names (or `target`), and for a
    /// symptom every rule of its stage.
    pub fn weighed(
        rules: &'a RuleSet,
        diagnosis: Diagnosis<'a>,
        snapshot: Option<&'a Snapshot>,
        target: Option<&str>,
        source: Option<String>,
    ) -> Triage<'a> {
        // The group the message names, unless a target was chosen.
        let group = diagnosis
            .ids
            .get("security_group_id")
            .filter(|_| target.is_none())
            .cloned();
        let case_evidence = diagnosis
            .cases
            .iter()
            .map(|c| {
                snapshot
                    .map(|s| weigh(&c.rules, s, target, group.as_deref()))
                    .unwrap_or_default()
            })
            .collect();
        let symptom_rules = diagnosis
            .symptom
            .map(|s| symptom_rules(rules, s))
            .unwrap_or_default();
        let symptom_evidence = diagnosis
            .symptom
            .and(snapshot)
            .map(|s| weigh(&symptom_rules, s, target, None));
        Triage {
            diagnosis,
            case_evidence,
            symptom_evidence,
            symptom_rules,
            source,
        }
    }
}

/// The ids found in the text, filling a rule's placeholders for the
/// fixes. A pasted message is data: a command takes an id only in its AWS
/// format (`sg-1$(…)` is not an id).
fn ids(diagnosis: &Diagnosis<'_>) -> Values {
    diagnosis
        .ids
        .iter()
        // Shown escaped in the prose; an escaped value fails any format.
        .filter_map(|(k, v)| Some((Placeholder::from_name(k)?, visible(v).into_owned())))
        .collect()
}

fn command(template: &str, values: &Values) -> String {
    render_command(template, values).text
}

fn indent(text: &str, by: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| format!("{by}{l}\n"))
        .collect()
}

fn symptom_name(stage: Stage) -> &'static str {
    match stage {
        Stage::Queue => "encodings stuck in Queue (the guide documents no message for this)",
        Stage::RegionSettings => "the dashboard refuses the region settings",
        Stage::Capacity => "encodings slow to start or failing to scale",
        Stage::Advice => "works, but not as the guide recommends",
    }
}

pub fn text(t: &Triage<'_>, rules: &RuleSet) -> String {
    let d = &t.diagnosis;
    if !d.recognised() {
        return unrecognised(rules);
    }
    let values = ids(d);
    let mut out = String::new();
    for (index, case) in d.cases.iter().enumerate() {
        out.push_str(&format!("Documented failure: {}\n", case.case));
        out.push_str("  (Bitmovin's Cloud Connect guide, Appendix > Troubleshooting Guide)\n");
        out.push_str(&format!(
            "  matched: {}\n",
            visible(&case.matched.join(" | "))
        ));
        let evidence = t.case_evidence.get(index).filter(|e| !e.is_empty());
        if evidence.is_none() && t.source.is_some() {
            let group = d
                .ids
                .get("security_group_id")
                .map(String::as_str)
                .map_or("named".into(), |id| visible(id));
            out.push_str(&format!(
                "\n  No target of {} uses the security group {group}: nothing to weigh (give --target NAME to check one anyway).\n",
                visible(t.source.as_deref().unwrap_or("the snapshot"))
            ));
        }
        match evidence {
            None => {
                let several = case.rules.len() > 1;
                if several {
                    out.push_str("\nPossible causes (give --snapshot or --live to check which):\n");
                }
                for rule in &case.rules {
                    out.push_str(&format!("\n  {} — {}\n", rule.id, rule.title));
                    out.push_str(&format!("  Cause:\n{}", indent(&rule.why, "    ")));
                    out.push_str(&format!(
                        "  Fix:\n{}",
                        indent(&fill(&rule.fix, &values), "    ")
                    ));
                    if let Some(command) = &rule.fix_command {
                        let command = self::command(command, &values);
                        for line in FixCaution::command_lines(rule.fix_caution, &command) {
                            out.push_str(&format!("    {line}\n"));
                        }
                    }
                }
            }
            Some(targets) => {
                out.push_str(&format!(
                    "\nEvidence from {}:\n",
                    visible(t.source.as_deref().unwrap_or("the snapshot"))
                ));
                for target in targets {
                    out.push_str(&format!("\n  target {}:\n", visible(target.target)));
                    for f in &target.findings {
                        out.push_str(&format!(
                            "    {:<15} {} — {}\n",
                            verdict_word(f.outcome).to_uppercase(),
                            f.rule,
                            visible(&f.detail)
                        ));
                        if f.outcome == Outcome::Fail {
                            // Filled with the snapshot's values: shown escaped.
                            if let Some(fix) = &f.fix {
                                let lines: Vec<_> = fix.lines().map(visible).collect();
                                out.push_str(&indent(&lines.join("\n"), "      "));
                            }
                            for line in f.command_lines().unwrap_or_default() {
                                out.push_str(&format!("      {}\n", visible(&line)));
                            }
                        }
                    }
                }
            }
        }
        out.push('\n');
    }
    if let Some(stage) = d.symptom {
        out.push_str(&format!("Symptom: {}\n", symptom_name(stage)));
        match &t.symptom_evidence {
            None => {
                out.push_str("Possible causes, from the rules of this stage (give --snapshot or --live to rank them):\n");
                for rule in &t.symptom_rules {
                    out.push_str(&format!("  {:<24} {}\n", rule.id, rule.title));
                }
            }
            Some(targets) => {
                out.push_str(&format!(
                    "Causes ranked by evidence from {}:\n",
                    t.source.as_deref().unwrap_or("the snapshot")
                ));
                for target in targets {
                    out.push_str(&format!("\n  target {}:\n", visible(target.target)));
                    for (rank, f) in target.findings.iter().enumerate() {
                        out.push_str(&format!(
                            "  {:>3}. {:<15} {:<24} {}\n",
                            rank + 1,
                            verdict_word(f.outcome).to_uppercase(),
                            f.rule,
                            visible(&f.detail)
                        ));
                    }
                }
            }
        }
    }
    out
}

fn unrecognised(rules: &RuleSet) -> String {
    let mut out = String::from(
        "Not a documented Cloud Connect failure: no message or symptom documented in Bitmovin's guide matches this text.\n\nccaudit recognises:\n",
    );
    let mut seen: Vec<&str> = Vec::new();
    for rule in &rules.rules {
        let Some(triage) = &rule.triage else { continue };
        if seen.contains(&triage.case.as_str()) {
            continue;
        }
        seen.push(&triage.case);
        let example = rule
            .documented_error
            .as_deref()
            .or(rule.symptom.as_deref())
            .unwrap_or("");
        out.push_str(&format!("  - {}: {}\n", triage.case, example));
        // Every code any rule of this case knows.
        let mut codes: Vec<&str> = rules
            .rules
            .iter()
            .filter_map(|r| r.triage.as_ref().filter(|t| t.case == triage.case))
            .flat_map(|t| t.codes.iter().map(String::as_str))
            .collect();
        codes.sort_unstable();
        codes.dedup();
        if !codes.is_empty() {
            out.push_str(&format!(
                "      or the AWS error codes {}\n",
                codes.join(", ")
            ));
        }
    }
    out.push_str("  - encodings stuck in Queue (a symptom without a message): e.g. \"the encoding is stuck in the 'Queue' state\", or --symptom queue\n");
    out
}

pub fn json(t: &Triage<'_>) -> Value {
    let d = &t.diagnosis;
    let values = ids(d);
    let cases: Vec<Value> = d
        .cases
        .iter()
        .enumerate()
        .map(|(index, case)| {
            let rules: Vec<Value> = case
                .rules
                .iter()
                .map(|r| {
                    json!({
                        "rule": r.id,
                        "title": r.title,
                        "cause": r.why.trim(),
                        "fix": fill(&r.fix, &values),
                        "fix_command": r.fix_command.as_ref().map(|c| command(c, &values)),
                    })
                })
                .collect();
            json!({
                "case": case.case,
                "matched": case.matched,
                "rules": rules,
                "evidence": t.case_evidence.get(index),
            })
        })
        .collect();
    json!({
        "recognised": d.recognised(),
        "cases": cases,
        "symptom": d.symptom.map(|s| s.as_str()),
        "symptom_rules": t.symptom_rules.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        "symptom_evidence": t.symptom_evidence,
        "ids": d.ids,
    })
}
