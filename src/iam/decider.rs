//! Decisions for many requests against one policy set. A grant set asks
//! some fifty (action, resource) pairs made of a few dozen actions and a
//! handful of resources, so the actions a statement takes in are worked
//! out once per statement, and how much of a resource it covers once per
//! statement and resource, on first use, and read back for every pair.

use std::cell::OnceCell;
use std::ops::Range;

use super::condition::{RequestFacts, Tri, evaluate};
use super::evaluate::{
    Coverage, Decision, Located, PolicySet, actions_in_scope, resource_coverage, statements_of,
    undecidable_summary,
};
use super::policy::{Effect, Statement};

/// Decides whether `action` (concrete, e.g. "ec2:RunInstances") is allowed on
/// every resource matched by `resource` (an ARN pattern, or "*").
///
/// `resource` is read as a set of real resources: in a full ARN, wildcards in
/// the partition/service/region/account segments (and, for EC2 ARNs, in the
/// resource id too) never stand for a `:` (see `glob::subsumes_request`).
///
/// `"*"` is the resource of an action without resource-level permissions:
/// as in AWS, only statements whose Resource matches the string `*` apply.
///
/// Precedence: a certain explicit deny, then an uncertain deny (Unknown), then
/// each level of service control policies, then the permissions boundary,
/// then the identity policies' grants.
pub fn decide(set: &PolicySet, action: &str, resource: &str) -> Decision {
    Decider::new(set, vec![action], vec![resource]).decide(0, 0)
}

/// A policy set's statements, ready to decide requests for `actions` on
/// `resources` (named by their index in those lists).
pub struct Decider<'s> {
    facts: RequestFacts<'s>,
    /// Every statement: the identity policies', the boundary's, each SCP
    /// level's, then those of a partly collected organization.
    statements: Vec<Located<'s>>,
    identity: Range<usize>,
    /// The boundary's statements and its origin.
    boundary: Option<(Range<usize>, &'s str)>,
    /// Each SCP level's statements and its label, root first.
    scp_levels: Vec<(Range<usize>, &'s str)>,
    actions: Vec<&'s str>,
    resources: Vec<&'s str>,
    /// Per statement, for each action: does its Action take it in?
    in_scope: Vec<OnceCell<Vec<bool>>>,
    /// Statement × resource: how much of it its Resource covers.
    coverage: Vec<OnceCell<Coverage>>,
}

fn unknown<T: Clone>(cells: usize) -> Vec<OnceCell<T>> {
    vec![OnceCell::new(); cells]
}

/// What one statement makes of a request.
enum Finding<'s> {
    /// A deny that certainly applies, or a grant that certainly covers it.
    Certain(&'s Located<'s>),
    Uncertain(String),
}

enum Grant<'s> {
    Granted(&'s Located<'s>),
    Uncertain(Vec<String>),
    NotGranted,
}

impl<'s> Decider<'s> {
    pub fn new(set: &'s PolicySet<'s>, actions: Vec<&'s str>, resources: Vec<&'s str>) -> Self {
        let mut statements = statements_of(set.identity.iter());
        let identity = 0..statements.len();
        let mut add = |policies: &'s [super::NamedPolicy<'s>]| {
            let start = statements.len();
            statements.extend(statements_of(policies.iter()));
            start..statements.len()
        };
        let boundary = set
            .boundary
            .as_ref()
            .map(|b| (add(std::slice::from_ref(b)), b.origin.as_str()));
        let scp_levels = set
            .scp_levels
            .iter()
            .map(|level| (add(&level.policies), level.label.as_str()))
            .collect();
        add(&set.scp_partial);
        Decider {
            facts: set.facts,
            in_scope: unknown(statements.len()),
            coverage: unknown(statements.len() * resources.len()),
            statements,
            identity,
            boundary,
            scp_levels,
            actions,
            resources,
        }
    }

    /// `decide` for `actions[action]` on `resources[resource]`.
    pub fn decide(&self, action: usize, resource: usize) -> Decision {
        match self.judge(action, resource) {
            Ok(grant) => Decision::Allowed {
                by: grant.describe(),
            },
            Err(refusal) => refusal,
        }
    }

    /// Why the request is not allowed, or `None` when it is: `decide`
    /// without naming the statement that grants it.
    pub fn refusal(&self, action: usize, resource: usize) -> Option<Decision> {
        self.judge(action, resource).err()
    }

    /// Precedence: a certain explicit deny, then an uncertain deny
    /// (Unknown), then each level of service control policies, then the
    /// permissions boundary, then the identity policies' grants.
    fn judge(&self, a: usize, r: usize) -> Result<&Located<'_>, Decision> {
        let mut uncertain_denies = Vec::new();
        for s in 0..self.statements.len() {
            match self.deny_finding(s, a, r) {
                Some(Finding::Certain(by)) => {
                    return Err(Decision::ExplicitDeny { by: by.describe() });
                }
                Some(Finding::Uncertain(why)) => uncertain_denies.push(why),
                None => {}
            }
        }
        if !uncertain_denies.is_empty() {
            return Err(Decision::Unknown {
                why: uncertain_denies.join("; "),
            });
        }
        for (statements, label) in &self.scp_levels {
            let refused = || Decision::ScpDenies {
                level: label.to_string(),
            };
            let policies = || format!("the service control policies of {label}");
            self.must_grant(statements, a, r, policies, refused)?;
        }
        if let Some((statements, origin)) = &self.boundary {
            let refused = || Decision::BoundaryDenies {
                boundary: origin.to_string(),
            };
            let policies = || "the permissions boundary".to_string();
            self.must_grant(statements, a, r, policies, refused)?;
        }
        match self.grant_from(self.identity.clone(), a, r) {
            Grant::Granted(by) => Ok(by),
            Grant::Uncertain(reasons) => Err(Decision::Unknown {
                why: reasons.join("; "),
            }),
            Grant::NotGranted => Err(Decision::NotAllowed),
        }
    }

    /// A level that must allow the request too (an SCP level, the
    /// boundary): the refusal when it does not, or may not.
    fn must_grant(
        &self,
        statements: &Range<usize>,
        a: usize,
        r: usize,
        policies: impl FnOnce() -> String,
        refused: impl FnOnce() -> Decision,
    ) -> Result<(), Decision> {
        match self.grant_from(statements.clone(), a, r) {
            Grant::Granted(_) => Ok(()),
            Grant::Uncertain(reasons) => Err(Decision::Unknown {
                why: format!(
                    "{} may not allow {}: {}",
                    policies(),
                    self.actions[a],
                    reasons.join("; ")
                ),
            }),
            Grant::NotGranted => Err(refused()),
        }
    }

    /// Statement `s` and how much of the resource it covers, when it has
    /// `effect`, names the action and covers any of the resource.
    fn reaching(
        &self,
        s: usize,
        effect: Effect,
        a: usize,
        r: usize,
    ) -> Option<(&'s Statement, Coverage)> {
        let statement = self.statements[s].statement;
        if statement.effect != effect {
            return None;
        }
        let in_scope = self.in_scope[s].get_or_init(|| actions_in_scope(statement, &self.actions));
        if !in_scope[a] {
            return None;
        }
        let coverage = *self.coverage[s * self.resources.len() + r]
            .get_or_init(|| resource_coverage(&statement.resources, self.resources[r]));
        (coverage != Coverage::None).then_some((statement, coverage))
    }

    fn deny_finding(&self, s: usize, a: usize, r: usize) -> Option<Finding<'_>> {
        let (statement, coverage) = self.reaching(s, Effect::Deny, a, r)?;
        let place = || self.statements[s].describe();
        let (action, resource) = (self.actions[a], self.resources[r]);
        match evaluate(&statement.conditions, self.facts) {
            Tri::False => None,
            Tri::Unknown => Some(Finding::Uncertain(format!(
                "deny in {} applies to {action} depending on condition {}, which cannot be checked offline",
                place(),
                undecidable_summary(statement, self.facts)
            ))),
            Tri::True => Some(match coverage {
                Coverage::Full => Finding::Certain(&self.statements[s]),
                Coverage::Unresolved => Finding::Uncertain(format!(
                    "deny in {} may hit {action} on {resource}: its resource uses a policy variable",
                    place()
                )),
                _ => Finding::Uncertain(format!(
                    "deny in {} hits {action} on some of {resource}",
                    place()
                )),
            }),
        }
    }

    fn grant_from(&self, statements: Range<usize>, a: usize, r: usize) -> Grant<'_> {
        let mut uncertain = Vec::new();
        for s in statements {
            match self.grant_finding(s, a, r) {
                Some(Finding::Certain(by)) => return Grant::Granted(by),
                Some(Finding::Uncertain(why)) => uncertain.push(why),
                None => {}
            }
        }
        if uncertain.is_empty() {
            Grant::NotGranted
        } else {
            Grant::Uncertain(uncertain)
        }
    }

    fn grant_finding(&self, s: usize, a: usize, r: usize) -> Option<Finding<'_>> {
        let (statement, coverage) = self.reaching(s, Effect::Allow, a, r)?;
        // A grant on only part of the requested resources proves nothing.
        if coverage == Coverage::Partial {
            return None;
        }
        let place = || self.statements[s].describe();
        match (evaluate(&statement.conditions, self.facts), coverage) {
            (Tri::False, _) => None,
            (Tri::True, Coverage::Full) => Some(Finding::Certain(&self.statements[s])),
            (Tri::Unknown, _) => Some(Finding::Uncertain(format!(
                "grant in {} depends on condition {}, which cannot be checked offline",
                place(),
                undecidable_summary(statement, self.facts)
            ))),
            (Tri::True, _) => Some(Finding::Uncertain(format!(
                "grant in {} covers {} only through a policy variable",
                place(),
                self.resources[r]
            ))),
        }
    }
}
