//! `iam-actions-allowed`: every action of a grant set is allowed on its resources.

use super::{GrantsCheck, GrantsQuestion, Refusals, gather, listing, policy_json, with_subject};
use crate::checks::iam::IamGrants;
use crate::checks::subject::SubjectKind;
use crate::checks::verdict::Verdict;
use crate::findings::FixData;
use crate::iam::Decision;
use crate::snapshot::Target;
use crate::template::Placeholder;

/// The check type: a grant set, asked this question.
pub type IamActionsAllowed = GrantsCheck<ActionsAllowed>;

#[derive(Debug, Clone)]
pub struct ActionsAllowed;

impl GrantsQuestion for ActionsAllowed {
    fn evaluate(grants: &IamGrants, target: &Target) -> Verdict {
        actions_allowed(grants, target)
    }
}

fn actions_allowed(check: &IamGrants, target: &Target) -> Verdict {
    let gathered = match gather(target) {
        Ok(g) => g,
        Err(verdict) => return verdict,
    };
    let mut denied = Refusals::default();
    let mut not_allowed = Vec::new();
    let mut undecided = Vec::new();
    let pairs = check.requests(target);
    let decider = pairs.decider(&gathered.set);
    for ((a, r), (action, resource)) in pairs.indexed() {
        let Some(refusal) = decider.refusal(a, r) else {
            continue;
        };
        match refusal {
            Decision::Allowed { .. } => {}
            Decision::ExplicitDeny { by } => denied.add(format!("denied by {by}"), action),
            Decision::BoundaryDenies { boundary } => {
                denied.add(format!("not allowed by the {boundary}"), action)
            }
            Decision::ScpDenies { level } => denied.add(
                format!("not allowed by any service control policy on {level}"),
                action,
            ),
            Decision::NotAllowed => not_allowed.push(format!("{action} on {resource}")),
            Decision::Unknown { why } => undecided.push(format!("{action} on {resource}: {why}")),
        }
    }
    let fix_vars = |v: Verdict| {
        let document = policy_json(&check.grants.value);
        with_subject(v, &gathered.subject)
            .with(Placeholder::PolicyJson, document.clone())
            .with_fix(match gathered.subject.kind {
                SubjectKind::User => FixData::UserPolicy {
                    user: gathered.subject.name.clone(),
                    document,
                },
                SubjectKind::Role => FixData::RolePolicy {
                    role: gathered.subject.name.clone().unwrap_or_default(),
                    document,
                },
            })
    };
    if !denied.is_empty() {
        // Adding an Allow does not undo a Deny: no policy to put here.
        return Verdict::fail(denied.describe());
    }
    if !gathered.gaps.is_empty() {
        return Verdict::unknown(gathered.gaps_text());
    }
    if !not_allowed.is_empty() {
        return fix_vars(Verdict::fail(format!(
            "no policy allows {} of the {} required action/resource pairs: {}",
            not_allowed.len(),
            pairs.len(),
            listing(&not_allowed, 4)
        )));
    }
    if !undecided.is_empty() {
        return Verdict::unknown(format!("cannot decide offline: {}", listing(&undecided, 3)));
    }
    let read = gathered.set.identity.len() + usize::from(gathered.set.boundary.is_some());
    let scp_levels = gathered.set.scp_levels.len();
    let scps = if scp_levels == 0 {
        String::new()
    } else {
        let policies: usize = gathered
            .set
            .scp_levels
            .iter()
            .map(|l| l.policies.len())
            .sum();
        format!(", and {policies} service control policies on {scp_levels} levels")
    };
    Verdict::pass(format!(
        "all {} action/resource pairs of the guide's policy are allowed in {} ({read} {} read{scps}){}",
        pairs.len(),
        target.setup.region,
        if read == 1 { "policy" } else { "policies" },
        gathered.caveats(true)
    ))
}
