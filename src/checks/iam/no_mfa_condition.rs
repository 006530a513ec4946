//! `iam-no-mfa-condition`: no policy makes a needed action depend on MFA.

use super::{GrantsCheck, GrantsQuestion, gather, listing};
use crate::checks::iam::IamGrants;
use crate::checks::verdict::{Verdict, see};
use crate::iam;
use crate::iam::{Decision, Effect};
use crate::snapshot::Target;

/// The check type: a grant set, asked this question.
pub type IamNoMfaCondition = GrantsCheck<NoMfaCondition>;

#[derive(Debug, Clone)]
pub struct NoMfaCondition;

impl GrantsQuestion for NoMfaCondition {
    fn evaluate(grants: &IamGrants, target: &Target) -> Verdict {
        no_mfa_condition(grants, target)
    }
}

fn no_mfa_condition(check: &IamGrants, target: &Target) -> Verdict {
    let gathered = match gather(target) {
        Ok(g) => g,
        Err(verdict) => return verdict,
    };
    // Most users' policies mention no MFA key: no statement to match the
    // requests against, so they are not worked out.
    let requests = gathered.set.mentions_mfa().then(|| check.requests(target));
    let pairs: Vec<(&str, &str)> = requests.iter().flat_map(|r| r.iter()).collect();
    let dependencies = iam::mfa_dependencies(&gathered.set, &pairs);
    let describe =
        |d: &iam::MfaDependency| format!("{} ({}): {}", d.origin, d.statement, d.explanation);
    // A Deny that applies without MFA blocks Bitmovin outright.
    let blocking: Vec<String> = dependencies
        .iter()
        .filter(|d| d.effect == Effect::Deny && d.certain)
        .map(describe)
        .collect();
    if !blocking.is_empty() {
        return Verdict::fail(listing(&blocking, 2));
    }
    // An Allow granted only with MFA matters when nothing else grants the
    // same requests; when that cannot be decided, neither can this rule.
    let mfa_only_allows: Vec<&iam::MfaDependency> = dependencies
        .iter()
        .filter(|d| d.effect == Effect::Allow)
        .collect();
    let mut needed_only_with_mfa = Vec::new();
    let mut undecided = Vec::new();
    // MFA-only Allows that cost Bitmovin nothing, and why.
    let mut harmless = Vec::new();
    for allow in &mfa_only_allows {
        let (mut unmet, mut denied) = (false, false);
        for (action, resource) in &allow.requests {
            match iam::decide(&gathered.set, action, resource) {
                Decision::Allowed { .. } => {}
                Decision::Unknown { why } => {
                    undecided.push(format!("{action} on {resource}: {why}"))
                }
                // A grant this statement would give, were MFA present.
                missing if allow.source.would_grant(&missing) => unmet = true,
                // Another cause (a Deny, another level's refusal): the
                // permissions rule reports it.
                _ => denied = true,
            }
        }
        let name = format!("{} ({})", allow.origin, allow.statement);
        if unmet {
            needed_only_with_mfa.push(describe(allow));
        } else if denied {
            harmless.push(format!(
                "{name}, an MFA-only Allow of actions refused for another reason{}",
                see("iam-actions-allowed")
            ));
        } else {
            harmless.push(format!(
                "{name}, an MFA-only Allow of actions granted elsewhere too"
            ));
        }
    }
    if !needed_only_with_mfa.is_empty() && gathered.gaps.is_empty() {
        return Verdict::fail(listing(&needed_only_with_mfa, 2));
    }
    let uncertain: Vec<String> = dependencies
        .iter()
        .filter(|d| d.effect == Effect::Deny && !d.certain)
        .map(describe)
        .collect();
    if !gathered.gaps.is_empty() {
        return Verdict::unknown(gathered.gaps_text());
    }
    if !uncertain.is_empty() {
        return Verdict::unknown(format!(
            "an MFA Deny may apply, depending on a condition that cannot be checked offline or on which resources it covers: {}",
            listing(&uncertain, 2)
        ));
    }
    if !undecided.is_empty() {
        let allows: Vec<String> = mfa_only_allows
            .iter()
            .map(|d| format!("{} ({})", d.origin, d.statement))
            .collect();
        let signer = if gathered.set.facts.role_session {
            "which the role's sessions never carry"
        } else {
            "which access keys never carry"
        };
        return Verdict::unknown(format!(
            "{} grants the needed EC2 actions only with MFA, {signer}, and whether anything else grants them cannot be decided offline: {}",
            listing(&allows, 2),
            listing(&undecided, 2)
        ));
    }
    let mut inert: Vec<String> = iam::inert_mfa_statements(&gathered.set, &pairs)
        .iter()
        .map(|d| format!("{} ({})", d.origin, d.statement))
        .collect();
    inert.extend(harmless);
    let caveats = gathered.caveats(true);
    let requests = if gathered.set.facts.role_session {
        "role sessions"
    } else {
        "access-key requests"
    };
    if inert.is_empty() {
        Verdict::pass(format!(
            "no policy ties the needed EC2 actions to MFA{caveats}"
        ))
    } else {
        Verdict::pass(format!(
            "MFA conditions in {} do not block Bitmovin's {requests}{caveats}",
            inert.join(", ")
        ))
    }
}
