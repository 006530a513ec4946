//! Evaluation: rules × snapshot → findings. A pure function: no I/O, no
//! clock, no network, so offline audits and fixtures are reproducible.
//! Each check type (`src/checks/`) returns a `Verdict`; this module decides
//! whether a rule applies, and fills the rule's texts and fix command.

mod terraform;

use std::collections::BTreeMap;

use crate::checks::verdict::Verdict;
use crate::findings::{Finding, Outcome, TargetReport};
use crate::rules::{Applies, Rule, RuleSet};
use crate::snapshot::{Setup, Snapshot, Target};
use crate::template::{Placeholder, Values, placeholders, render, render_command};

/// Audit every target with every rule (or only the rules named in `only`).
/// Every target's findings, in snapshot order; `Report::audit` wraps them
/// in the report envelope.
pub fn audit<'a>(
    rules: &'a RuleSet,
    snapshot: &Snapshot,
    only: &[String],
) -> Vec<TargetReport<'a>> {
    let selected = select(rules, only);
    // Targets are independent: split them over the cores, keeping order.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = snapshot.targets.len().div_ceil(workers).max(64);
    std::thread::scope(|scope| {
        let handles: Vec<_> = snapshot
            .targets
            .chunks(chunk)
            .map(|part| {
                let selected = &selected;
                scope.spawn(move || {
                    part.iter()
                        .map(|target| audit_target(selected, target))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

/// The rules an audit runs: all, or the ones `only` names, in rule order.
pub fn select<'a>(rules: &'a RuleSet, only: &[String]) -> Vec<&'a Rule> {
    rules
        .rules
        .iter()
        .filter(|r| only.is_empty() || only.contains(&r.id))
        .collect()
}

/// One target's findings, one per selected rule.
pub fn audit_target<'a>(selected: &[&'a Rule], target: &Target) -> TargetReport<'a> {
    TargetReport {
        name: target.name.clone(),
        account_id: target.setup.account_id.clone(),
        region: target.setup.region.clone(),
        findings: selected.iter().map(|rule| evaluate(rule, target)).collect(),
    }
}

pub fn evaluate<'a>(rule: &'a Rule, target: &Target) -> Finding<'a> {
    let mut verdict = match not_applicable(&rule.applies, &target.setup) {
        Some(reason) => Verdict::skip(reason),
        None => rule.check.evaluate(target),
    };
    let problem = verdict.outcome.is_problem();
    let about = rule.check.resource(target);
    // A plan's resource: fixed in its Terraform code, with no command.
    // (The key is made only for a plan's target: this runs for every
    // finding of a fleet.)
    let written = target
        .terraform
        .as_ref()
        .and_then(|origin| origin.resources.get(&about.plan_key()?))
        .cloned();
    // Only a problem shows texts: most findings pass, and skip the filling.
    let mut texts = if problem {
        filled_texts(rule, &verdict, target, written.is_none())
    } else {
        Texts::default()
    };
    let mut detail = pointers(std::mem::take(&mut verdict.detail), &rule.see);
    if let (Some(origin), Outcome::Fail) = (&target.terraform, verdict.outcome) {
        let words = terraform::Failure {
            rule,
            verdict: &verdict,
            target,
            origin,
            written: written.as_ref(),
        };
        words.explain(&mut detail, &mut texts.fix);
    }
    Finding {
        terraform: written.map(Box::new),
        rule: &rule.id,
        outcome: verdict.outcome,
        severity: rule.severity,
        resource: about.label(),
        about,
        title: &rule.title,
        detail,
        documented_error: texts.documented_error,
        symptom: rule.symptom.as_deref().filter(|_| problem),
        stage: rule.stage,
        fix: texts.fix,
        fix_command: texts.fix_command,
        fix_caution: rule
            .fix_caution
            .filter(|_| verdict.outcome == Outcome::Fail),
        // Boxed: most findings have none, and there are many findings.
        fix_data: verdict
            .fix
            .filter(|_| verdict.outcome == Outcome::Fail)
            .map(Box::new),
        muted: None,
        evidence: rule.check.evidence_key(),
    }
}

/// A problem's texts, filled with the target's values.
#[derive(Default)]
struct Texts {
    documented_error: Option<String>,
    fix: Option<String>,
    fix_command: Option<String>,
}

/// `with_command`: whether a fix command may be made (not for a resource
/// Terraform manages).
fn filled_texts(rule: &Rule, verdict: &Verdict, target: &Target, with_command: bool) -> Texts {
    let mut values = setup_values(target);
    values.extend(verdict.vars.iter().map(|(k, v)| (*k, v.clone())));
    let command = rule
        .fix_command
        .as_ref()
        .filter(|_| with_command && verdict.outcome == Outcome::Fail)
        // A value the check itself provides is missing: this failure is
        // not the kind the command fixes (e.g. a Deny, not a missing Allow).
        .filter(|t| {
            placeholders(t).iter().all(|(_, name)| {
                Placeholder::from_name(name).is_none_or(|p| {
                    !rule.check.placeholders().contains(&p) || verdict.vars.contains_key(&p)
                })
            })
        })
        .map(|t| render_command(t, &values));
    let mut fix = render(&rule.fix, &values);
    // The id of a group the setup names by its name, when no group of
    // that name was found: no one can fill it in (other values the setup
    // leaves out are marked in the command for the reader to fill in).
    let group_unknown = target.setup.security_group_id.is_none()
        && !values.contains_key(&Placeholder::SecurityGroupId);
    let missing: std::collections::BTreeSet<&str> = command
        .as_ref()
        .and(rule.fix_command.as_ref())
        .filter(|_| group_unknown)
        .map(|t| {
            placeholders(t)
                .into_iter()
                .filter(|(_, name)| {
                    Placeholder::from_name(name) == Some(Placeholder::SecurityGroupId)
                })
                .map(|(_, name)| name)
                .collect()
        })
        .unwrap_or_default();
    // A snapshot value without its AWS format never becomes code: no
    // command, and the fix says which value to check by hand.
    let fix_command = match command {
        Some(_) if !missing.is_empty() => {
            fix = format!(
                "{}\nNo command is given: the target's {} is not known.",
                fix.trim_end(),
                missing.into_iter().collect::<Vec<_>>().join(" and ")
            );
            None
        }
        Some(command) if command.malformed.is_empty() => Some(command.text),
        Some(command) => {
            let bad: Vec<String> = command.malformed.iter().map(|m| m.describe()).collect();
            fix = format!(
                "{}\nNo command is given: the snapshot's {}. Check the value in the AWS console and apply the fix by hand.",
                fix.trim_end(),
                bad.join("; ")
            );
            None
        }
        None => None,
    };
    Texts {
        documented_error: rule.documented_error.as_ref().map(|t| render(t, &values)),
        fix: Some(fix),
        fix_command,
    }
}

/// A detail's pointers to other rules (`checks::verdict::see`) made into
/// their ids, or dropped when the rule set has no such rule.
fn pointers(detail: String, see: &BTreeMap<String, String>) -> String {
    const OPEN: &str = " (see {rule:";
    if !detail.contains(OPEN) {
        return detail;
    }
    let mut out = String::with_capacity(detail.len());
    let mut rest = detail.as_str();
    while let Some(start) = rest.find(OPEN) {
        let Some(len) = rest[start..].find("})") else {
            break;
        };
        out.push_str(&rest[..start]);
        if let Some(id) = see.get(&rest[start + OPEN.len()..start + len]) {
            out.push_str(&format!(" (see {id})"));
        }
        rest = &rest[start + len + 2..];
    }
    out.push_str(rest);
    out
}

/// Why a rule does not apply to this setup, if it does not.
fn not_applicable(applies: &Applies, setup: &Setup) -> Option<String> {
    match (applies.subnet, &setup.subnet_id) {
        (Some(true), None) => {
            return Some("applies only with a custom subnet (setup.subnet_id is not set)".into());
        }
        (Some(false), Some(subnet)) => {
            return Some(format!(
                "applies only without a custom subnet (setup.subnet_id is {subnet})"
            ));
        }
        _ => {}
    }
    if let Some(protocol) = applies.live
        && !setup.live.contains(&protocol)
    {
        return Some(format!(
            "applies only to live {protocol} streams (setup.live does not include {protocol})"
        ));
    }
    if let Some(min) = &applies.encoder_at_least
        && !setup.encoder_version.at_least(min)
    {
        return Some(format!(
            "applies only to encoder {min} or newer (setup.encoder_version is {})",
            setup.encoder_version
        ));
    }
    None
}

/// The setup's values for a rule's texts (the group's id also when the
/// setup names the group by its name). Fix commands take them only after
/// checking each against its AWS format (`render_command`).
pub fn setup_values(target: &Target) -> Values {
    let setup = &target.setup;
    let ssh_port = setup.ssh_port.to_string();
    let group_id = crate::checks::sg::group_id(target).map(str::to_string);
    let fields = [
        (Placeholder::Region, Some(&setup.region)),
        (Placeholder::SecurityGroupId, group_id.as_ref()),
        (Placeholder::SshPort, Some(&ssh_port)),
        (Placeholder::SubnetId, setup.subnet_id.as_ref()),
        (Placeholder::AccountId, setup.account_id.as_ref()),
        (Placeholder::IamUser, setup.iam_user.as_ref()),
    ];
    fields
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_name_the_sets_rule_or_go() {
        let see = BTreeMap::from([("group-id-format".to_string(), "sg-id-valid".to_string())]);
        let detail = format!(
            "`sg-1` is malformed{}; and{}",
            crate::checks::verdict::see("group-id-format"),
            crate::checks::verdict::see("keys-owner")
        );
        assert_eq!(
            pointers(detail, &see),
            "`sg-1` is malformed (see sg-id-valid); and"
        );
        assert_eq!(pointers("plain".into(), &see), "plain");
    }
}
