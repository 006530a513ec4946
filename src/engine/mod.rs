//! Evaluation: rules × snapshot → report. A pure function: no I/O, no
//! clock, no network, so offline audits and fixtures are reproducible.
//! Each check family lives in its own module and returns a `Verdict`.

mod account;
mod iam;
mod network;
mod quota;
mod scp;
mod sg;
mod subject;

use std::collections::BTreeMap;

use crate::findings::{Finding, FixData, Outcome, TargetReport};
use crate::rules::template::{placeholders, render, render_command};
use crate::rules::{Applies, Check, Rule, RuleSet};
use crate::snapshot::aws::AwsError;
use crate::snapshot::{Setup, Snapshot, Target};

/// What a check concluded about one target.
#[derive(Debug, Clone)]
pub struct Verdict {
    pub outcome: Outcome,
    pub detail: String,
    /// Values for the fix-command template beyond the setup's.
    pub vars: BTreeMap<&'static str, String>,
    /// The fix as data (Terraform and other structured outputs).
    pub fix: Option<FixData>,
}

impl Verdict {
    fn new(outcome: Outcome, detail: impl Into<String>) -> Verdict {
        Verdict {
            outcome,
            detail: detail.into(),
            vars: BTreeMap::new(),
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

    pub fn with(mut self, name: &'static str, value: String) -> Verdict {
        self.vars.insert(name, value);
        self
    }

    pub fn with_fix(mut self, fix: FixData) -> Verdict {
        self.fix = Some(fix);
        self
    }
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

/// Audit every target with every rule (or only the rules named in `only`).
/// Every target's findings, in snapshot order; `Report::audit` wraps them
/// in the report envelope.
pub fn audit<'a>(
    rules: &'a RuleSet,
    snapshot: &'a Snapshot,
    only: &[String],
) -> Vec<TargetReport<'a>> {
    let selected: Vec<&Rule> = rules
        .rules
        .iter()
        .filter(|r| only.is_empty() || only.contains(&r.id))
        .collect();
    let audit_target = |target: &'a Target| TargetReport {
        name: &target.name,
        account_id: target.setup.account_id.as_deref(),
        region: &target.setup.region,
        findings: selected.iter().map(|rule| evaluate(rule, target)).collect(),
    };
    // Targets are independent: split them over the cores, keeping order.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = snapshot.targets.len().div_ceil(workers).max(64);
    std::thread::scope(|scope| {
        let handles: Vec<_> = snapshot
            .targets
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(audit_target).collect::<Vec<_>>()))
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

pub fn evaluate<'a>(rule: &'a Rule, target: &Target) -> Finding<'a> {
    let verdict = match not_applicable(&rule.applies, &target.setup) {
        Some(reason) => Verdict::skip(reason),
        None => check(&rule.check, target),
    };
    let mut values: BTreeMap<&str, String> = setup_values(&target.setup);
    values.extend(verdict.vars.iter().map(|(k, v)| (*k, v.clone())));
    let problem = verdict.outcome.is_problem();
    let text = |t: &Option<String>| t.as_ref().filter(|_| problem).map(|t| render(t, &values));
    let command = rule
        .fix_command
        .as_ref()
        .filter(|_| verdict.outcome == Outcome::Fail)
        // A value the check itself provides is missing: this failure is
        // not the kind the command fixes (e.g. a Deny, not a missing Allow).
        .filter(|t| {
            placeholders(t).iter().all(|(_, name)| {
                !rule.check.template_names().contains(name) || verdict.vars.contains_key(name)
            })
        })
        .map(|t| render_command(t, &values));
    let mut fix = Some(render(&rule.fix, &values)).filter(|_| problem);
    // A snapshot value without its AWS format never becomes code: no
    // command, and the fix says which value to check by hand.
    let fix_command = match command {
        Some(command) if command.malformed.is_empty() => Some(command.text),
        Some(command) => {
            let bad: Vec<String> = command.malformed.iter().map(|m| m.describe()).collect();
            fix = fix.map(|text| {
                format!(
                    "{}\nNo command is given: the snapshot's {}. Check the value in the AWS console and apply the fix by hand.",
                    text.trim_end(),
                    bad.join("; ")
                )
            });
            None
        }
        None => None,
    };
    Finding {
        rule: &rule.id,
        outcome: verdict.outcome,
        severity: rule.severity,
        resource: resource(&rule.check, target),
        title: &rule.title,
        detail: verdict.detail,
        documented_error: text(&rule.documented_error),
        symptom: rule.symptom.as_deref().filter(|_| problem),
        stage: rule.stage,
        fix,
        fix_command,
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

fn check(check: &Check, target: &Target) -> Verdict {
    match check {
        Check::ApiCallSucceeds(c) => account::api_call_succeeds(c, target),
        Check::AccountMatches(_) => account::account_matches(target),
        Check::KeysOwner(_) => account::keys_owner_is_user(target),
        Check::AccessKeyActive(_) => account::access_key_active(target),
        Check::GroupIdFormat(c) => sg::group_id_format(c, target),
        Check::GroupExists(c) => sg::group_exists(c, target),
        Check::IngressSelfAllTraffic(_) => sg::self_all_traffic(target),
        Check::IngressAllows(c) => sg::ingress_allows(c, target),
        Check::EgressAllows(c) => sg::egress_allows(c, target),
        Check::SourcesRestricted(c) => sg::sources_restricted(c, target),
        Check::DefaultVpcExists(_) => network::default_vpc_exists(target),
        Check::GroupInLaunchVpc(_) => network::group_in_launch_vpc(target),
        Check::SubnetAttribute(c) => network::subnet_attribute(c, target),
        Check::EncoderVersionAtLeast(c) => network::encoder_version_at_least(c, target),
        Check::IamActionsAllowed(c) => iam::actions_allowed(c, target),
        Check::IamNoMfaCondition(c) => iam::no_mfa_condition(c, target),
        Check::IamBroadGrant(c) => iam::broad_grant(c, target),
        Check::QuotaAtLeast(c) => quota::at_least(c, target),
    }
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

/// The setup's values for a rule's texts. Fix commands take them only
/// after checking each against its AWS format (`render_command`).
pub fn setup_values(setup: &Setup) -> BTreeMap<&'static str, String> {
    let ssh_port = setup.ssh_port.to_string();
    let fields = [
        ("region", Some(&setup.region)),
        ("security_group_id", Some(&setup.security_group_id)),
        ("ssh_port", Some(&ssh_port)),
        ("subnet_id", setup.subnet_id.as_ref()),
        ("account_id", setup.account_id.as_ref()),
        ("iam_user", setup.iam_user.as_ref()),
    ];
    fields
        .into_iter()
        .filter_map(|(name, value)| Some((name, value?.clone())))
        .collect()
}

/// The resource a finding is about, named as the customer knows it.
fn resource(check: &Check, target: &Target) -> String {
    let setup = &target.setup;
    match check {
        Check::ApiCallSucceeds(_) | Check::AccountMatches(_) => {
            format!(
                "account {}",
                setup.account_id.as_deref().unwrap_or("(not given)")
            )
        }
        Check::DefaultVpcExists(_) => format!("default VPC of {}", setup.region),
        Check::SubnetAttribute(_) => setup
            .subnet_id
            .clone()
            .unwrap_or_else(|| "(no subnet)".into()),
        Check::EncoderVersionAtLeast(_) => format!("encoder {}", setup.encoder_version),
        Check::IamActionsAllowed(_)
        | Check::IamNoMfaCondition(_)
        | Check::IamBroadGrant(_)
        | Check::AccessKeyActive(_)
        | Check::KeysOwner(_) => iam::user_label(target),
        Check::QuotaAtLeast(c) => c.quota.clone(),
        Check::GroupIdFormat(_)
        | Check::GroupExists(_)
        | Check::IngressSelfAllTraffic(_)
        | Check::IngressAllows(_)
        | Check::EgressAllows(_)
        | Check::SourcesRestricted(_)
        | Check::GroupInLaunchVpc(_) => setup.security_group_id.clone(),
    }
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
