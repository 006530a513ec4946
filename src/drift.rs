//! Drift between two runs: what failed anew, what was fixed, what still
//! fails, what became unknown, per target, and targets that appeared or
//! vanished. The baseline is yesterday's JSON report (read by
//! `report::baseline`), so that file is all a nightly job keeps.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::findings::{Muted, Outcome, Severity, TargetReport};

/// One run's findings as drift compares them: read from a baseline JSON
/// report (`report::baseline`) or taken from the findings of this run.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Run {
    pub targets: Vec<RunTarget>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RunTarget {
    pub name: String,
    pub findings: Vec<Seen>,
}

/// The parts of a finding drift needs.
#[derive(Debug, Clone, Deserialize)]
pub struct Seen {
    pub rule: String,
    pub outcome: Outcome,
    pub severity: Severity,
    pub resource: String,
    pub title: String,
    #[serde(default)]
    pub detail: String,
    #[serde(default)]
    pub muted: Option<Muted>,
}

impl Run {
    /// The findings being reported now.
    pub fn of(targets: &[TargetReport<'_>]) -> Run {
        Run {
            targets: targets.iter().map(RunTarget::of).collect(),
        }
    }
}

impl RunTarget {
    /// One target's findings being reported now.
    pub fn of(t: &TargetReport<'_>) -> RunTarget {
        RunTarget {
            name: t.name.clone(),
            findings: t
                .findings
                .iter()
                .map(|f| Seen {
                    rule: f.rule.to_string(),
                    outcome: f.outcome,
                    severity: f.severity,
                    resource: f.resource.clone(),
                    title: f.title.to_string(),
                    detail: f.detail.clone(),
                    muted: f.muted.as_deref().cloned(),
                })
                .collect(),
        }
    }
}

/// One finding that changed (or did not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub rule: String,
    pub severity: Severity,
    pub resource: String,
    pub title: String,
    pub before: String,
    pub after: String,
    pub detail: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct TargetDrift {
    pub target: String,
    pub new_failures: Vec<Change>,
    pub fixed: Vec<Change>,
    pub still_failing: Vec<Change>,
    pub new_unknowns: Vec<Change>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Drift {
    pub targets: Vec<TargetDrift>,
    pub appeared: Vec<String>,
    pub vanished: Vec<String>,
}

pub fn compare(old: &Run, new: &Run) -> Drift {
    let baseline = Baseline::new(old);
    let targets = new.targets.iter().map(|t| baseline.target(t)).collect();
    baseline.finish(targets)
}

/// A previous run, indexed to compare each new target with as it comes
/// (a streamed audit keeps no run of its own).
pub struct Baseline<'o> {
    old: &'o Run,
    by_name: BTreeMap<&'o str, &'o RunTarget>,
}

impl<'o> Baseline<'o> {
    pub fn new(old: &'o Run) -> Baseline<'o> {
        Baseline {
            old,
            by_name: old.targets.iter().map(|t| (t.name.as_str(), t)).collect(),
        }
    }

    /// What changed on one target.
    pub fn target(&self, target: &RunTarget) -> TargetDrift {
        let empty = RunTarget {
            name: String::new(),
            findings: Vec::new(),
        };
        // A target that appeared brings all its problems as new ones.
        let before = self
            .by_name
            .get(target.name.as_str())
            .copied()
            .unwrap_or(&empty);
        // One finding per rule and target: the rule is the key (a resource's
        // label may change when only the evidence about it did).
        let before: BTreeMap<&str, &Seen> = before
            .findings
            .iter()
            .map(|f| (f.rule.as_str(), f))
            .collect();
        let mut t = TargetDrift {
            target: target.name.clone(),
            ..TargetDrift::default()
        };
        for f in &target.findings {
            // A finding muted now is an accepted problem, not news.
            if f.muted.is_some() {
                continue;
            }
            let past = before.get(f.rule.as_str());
            let was = past.map(|p| p.outcome);
            let was_label = was.map_or("absent", Outcome::as_str);
            // Muted yesterday, counted today (its suppression expired): news.
            let was_muted = past.is_some_and(|p| p.muted.is_some());
            let change = Change {
                rule: f.rule.clone(),
                severity: f.severity,
                resource: f.resource.clone(),
                title: f.title.clone(),
                before: if was_muted {
                    format!("{was_label} (muted)")
                } else {
                    was_label.to_string()
                },
                after: f.outcome.as_str().to_string(),
                detail: f.detail.clone(),
            };
            let failed_before = was == Some(Outcome::Fail) && !was_muted;
            let now_fails = f.outcome == Outcome::Fail;
            let now_unknown = f.outcome == Outcome::Unknown;
            match (failed_before, now_fails) {
                (false, true) => t.new_failures.push(change),
                (true, true) => t.still_failing.push(change),
                (true, false) if !now_unknown => t.fixed.push(change),
                _ if now_unknown && (was != Some(Outcome::Unknown) || was_muted) => {
                    t.new_unknowns.push(change)
                }
                _ => {}
            }
        }
        t
    }

    /// The drift of a run whose targets, in order, `target` compared into
    /// `targets` (each names its target).
    pub fn finish(&self, targets: Vec<TargetDrift>) -> Drift {
        let new_names: BTreeSet<&str> = targets.iter().map(|t| t.target.as_str()).collect();
        Drift {
            appeared: targets
                .iter()
                .filter(|t| !self.by_name.contains_key(t.target.as_str()))
                .map(|t| t.target.clone())
                .collect(),
            vanished: self
                .old
                .targets
                .iter()
                .filter(|t| !new_names.contains(t.name.as_str()))
                .map(|t| t.name.clone())
                .collect(),
            targets,
        }
    }
}

impl Drift {
    /// Regressions (new failures or new unknowns) at or above `threshold`.
    pub fn has_regressions_at(&self, threshold: Severity) -> bool {
        self.targets
            .iter()
            .flat_map(|t| t.new_failures.iter().chain(&t.new_unknowns))
            .any(|c| c.severity >= threshold)
    }

    /// For a terminal: names and resources come from snapshots (through
    /// the reports) and are shown escaped.
    pub fn render_text(&self) -> String {
        use crate::output::visible;
        let mut out = String::new();
        for name in &self.appeared {
            out.push_str(&format!("+ target {} appeared\n", visible(name)));
        }
        for name in &self.vanished {
            out.push_str(&format!("- target {} vanished\n", visible(name)));
        }
        for t in &self.targets {
            let groups = [
                ("new failures", &t.new_failures),
                ("new unknowns", &t.new_unknowns),
                ("fixed", &t.fixed),
                ("still failing", &t.still_failing),
            ];
            if groups.iter().all(|(_, list)| list.is_empty()) {
                continue;
            }
            out.push_str(&format!("{}:\n", visible(&t.target)));
            for (label, list) in groups {
                for c in list.iter() {
                    out.push_str(&format!(
                        "  {label:<13} {:<8} {:<24} {} ({} → {})\n",
                        c.severity,
                        visible(&c.rule),
                        visible(&c.resource),
                        visible(&c.before),
                        visible(&c.after)
                    ));
                }
            }
        }
        let count = |pick: fn(&TargetDrift) -> usize| self.targets.iter().map(pick).sum::<usize>();
        out.push_str(&format!(
            "{} new failures, {} new unknowns, {} fixed, {} still failing; {} targets appeared, {} vanished\n",
            count(|t| t.new_failures.len()),
            count(|t| t.new_unknowns.len()),
            count(|t| t.fixed.len()),
            count(|t| t.still_failing.len()),
            self.appeared.len(),
            self.vanished.len()
        ));
        out
    }
}
