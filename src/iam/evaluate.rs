//! Offline access decisions for an IAM user's access-key requests.
//!
//! The promise: never report Allowed without evidence. Whatever cannot be
//! decided from the documents alone (conditions on request keys, denies that
//! hit only part of the requested resources, policy variables) is Unknown.

use super::condition::{
    RequestFacts, Tri, evaluate, is_mfa_key, mentions_mfa, undecidable_conditions,
};
use super::glob;
use super::policy::{ActionSpec, Condition, Effect, PolicyDocument, ResourceSpec, Statement};

/// A policy document with a human label saying where it is attached.
#[derive(Debug, Clone)]
pub struct NamedPolicy<'a> {
    pub origin: String,
    pub document: &'a PolicyDocument,
}

/// Everything that governs the user's requests. The caller guarantees it is
/// complete: a missing policy could hide a deny.
#[derive(Debug, Clone, Default)]
pub struct PolicySet<'a> {
    /// Policies attached to the user directly or through its groups.
    pub identity: Vec<NamedPolicy<'a>>,
    /// The user's permissions boundary, if it has one.
    pub boundary: Option<NamedPolicy<'a>>,
    /// The service control policies in force, one level per node from the
    /// organization's root down to the account; every level must allow.
    pub scp_levels: Vec<ScpLevel<'a>>,
    /// Service control policies seen when the others were not collected:
    /// their Deny statements count; their Allows prove nothing.
    pub scp_partial: Vec<NamedPolicy<'a>>,
    /// What is known of the request itself (its region).
    pub facts: RequestFacts<'a>,
}

/// The service control policies attached to one node of the organization.
#[derive(Debug, Clone)]
pub struct ScpLevel<'a> {
    /// "the root r-ab12", "OU ou-ab12-cd34ef56", "account 123456789012"
    pub label: String,
    pub policies: Vec<NamedPolicy<'a>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allowed {
        by: String,
    },
    ExplicitDeny {
        by: String,
    },
    /// No Allow statement matches: implicit deny.
    NotAllowed,
    BoundaryDenies {
        boundary: String,
    },
    /// No service control policy at this level allows the action.
    ScpDenies {
        level: String,
    },
    Unknown {
        why: String,
    },
}

/// A statement whose effect on access-key requests is tied to MFA keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaDependency {
    pub origin: String,
    /// Which kind of policy it is in (what a missing grant of it means).
    pub source: PolicySource,
    /// The Sid, or "statement #N" (1-based) when it has none.
    pub statement: String,
    pub effect: Effect,
    /// Those of the requested actions the statement applies to.
    pub actions: Vec<String>,
    /// The (action, resource) requests it applies to.
    pub requests: Vec<(String, String)>,
    pub explanation: String,
    /// False when another condition of the statement cannot be decided
    /// offline, or when it covers only some of the requested resources, so
    /// it may or may not apply.
    pub certain: bool,
}

/// Where a statement sits, for what its grant can decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    Identity,
    Boundary,
    /// A service control policy on this level (its label).
    Scp(String),
    /// A service control policy of a partly collected organization.
    ScpPartly,
}

impl PolicySource {
    /// Could this statement's grant be the one `decision` misses?
    pub fn would_grant(&self, decision: &Decision) -> bool {
        match (self, decision) {
            (PolicySource::Identity, Decision::NotAllowed) => true,
            (PolicySource::Boundary, Decision::BoundaryDenies { .. }) => true,
            (PolicySource::Scp(label), Decision::ScpDenies { level }) => label == level,
            _ => false,
        }
    }
}

/// Every policy of the set with where it sits.
fn sourced<'s, 'a: 's>(set: &'s PolicySet<'a>) -> Vec<(PolicySource, &'s NamedPolicy<'a>)> {
    let mut all: Vec<(PolicySource, &NamedPolicy)> = set
        .identity
        .iter()
        .map(|p| (PolicySource::Identity, p))
        .collect();
    all.extend(set.boundary.iter().map(|p| (PolicySource::Boundary, p)));
    for level in &set.scp_levels {
        all.extend(
            level
                .policies
                .iter()
                .map(|p| (PolicySource::Scp(level.label.clone()), p)),
        );
    }
    all.extend(set.scp_partial.iter().map(|p| (PolicySource::ScpPartly, p)));
    all
}

impl PolicySet<'_> {
    /// Does any statement (identity, boundary or SCP) mention an MFA key?
    /// Without one, `mfa_dependencies` and `inert_mfa_statements` find
    /// nothing, whatever the requests.
    pub fn mentions_mfa(&self) -> bool {
        let levels = self.scp_levels.iter().flat_map(|l| &l.policies);
        let mut policies = (self.identity.iter().chain(&self.boundary))
            .chain(levels)
            .chain(&self.scp_partial);
        policies.any(|p| {
            p.document
                .statements
                .iter()
                .any(|s| mentions_mfa(&s.conditions))
        })
    }
}

/// Statements (identity, boundary and SCPs) that mention an MFA key, apply
/// to at least one of the (action, resource) `requests`, and whose effect on
/// access-key requests depends on
/// MFA: a Deny that applies (or may apply) because the MFA keys are absent,
/// or an Allow that never applies because they are absent.
pub fn mfa_dependencies(set: &PolicySet, requests: &[(&str, &str)]) -> Vec<MfaDependency> {
    mfa_statements(set, requests)
        .into_iter()
        .filter(|(affects, _)| *affects)
        .map(|(_, found)| found)
        .collect()
}

/// Statements that mention an MFA key and apply to at least one of the
/// `requests` but do NOT change the outcome for access-key requests — e.g. the classic
/// Deny with plain `Bool aws:MultiFactorAuthPresent false`, which never
/// matches a request that carries no MFA key at all.
pub fn inert_mfa_statements(set: &PolicySet, requests: &[(&str, &str)]) -> Vec<MfaDependency> {
    mfa_statements(set, requests)
        .into_iter()
        .filter(|(affects, _)| !*affects)
        .map(|(_, found)| found)
        .collect()
}

// ---------------------------------------------------------------------------
// Locating statements

/// A statement plus where it came from, for messages.
pub(super) struct Located<'s> {
    origin: &'s str,
    index: usize,
    pub(super) statement: &'s Statement,
}

impl<'s> Located<'s> {
    /// The Sid, or "statement #N" when there is none.
    fn name(&self) -> String {
        match self.statement.sid.as_deref() {
            Some(sid) if !sid.is_empty() => sid.to_owned(),
            _ => format!("statement #{}", self.index + 1),
        }
    }

    /// "ORIGIN, Sid 'X'" or "ORIGIN, statement #N": enough to find it.
    pub(super) fn describe(&self) -> String {
        match self.statement.sid.as_deref() {
            Some(sid) if !sid.is_empty() => format!("{}, Sid '{sid}'", self.origin),
            _ => format!("{}, statement #{}", self.origin, self.index + 1),
        }
    }
}

/// Collected eagerly: policy sets are small, and it keeps lifetimes simple.
pub(super) fn statements_of<'s, 'a: 's>(
    policies: impl Iterator<Item = &'s NamedPolicy<'a>>,
) -> Vec<Located<'s>> {
    let mut located = Vec::new();
    for policy in policies {
        for (index, statement) in policy.document.statements.iter().enumerate() {
            located.push(Located {
                origin: &policy.origin,
                index,
                statement,
            });
        }
    }
    located
}

// ---------------------------------------------------------------------------
// Scope of one statement

pub(super) fn action_in_scope(statement: &Statement, action: &str) -> bool {
    match &statement.actions {
        ActionSpec::Action(patterns) => patterns.iter().any(|p| glob::matches(p, action, true)),
        ActionSpec::NotAction(patterns) => !patterns.iter().any(|p| glob::matches(p, action, true)),
    }
}

/// `action_in_scope` for each of `actions`. Most patterns are plain ASCII
/// action names: those are told once, and compared with a case-blind
/// equality (which checks the lengths first) instead of a match each.
pub(super) fn actions_in_scope(statement: &Statement, actions: &[&str]) -> Vec<bool> {
    let (patterns, negated) = match &statement.actions {
        ActionSpec::Action(patterns) => (patterns, false),
        ActionSpec::NotAction(patterns) => (patterns, true),
    };
    let plain: Vec<bool> = patterns
        .iter()
        .map(|p| p.is_ascii() && !p.contains(['*', '?']))
        .collect();
    actions
        .iter()
        .map(|action| {
            let ascii = action.is_ascii();
            let named = patterns.iter().zip(&plain).any(|(p, &plain)| {
                if plain && ascii {
                    p.eq_ignore_ascii_case(action)
                } else {
                    glob::matches(p, action, true)
                }
            });
            named != negated
        })
        .collect()
}

/// How much of the requested resource pattern a statement covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Coverage {
    /// Every requested resource.
    Full,
    /// Some but not all requested resources.
    Partial,
    /// Depends on a policy variable (`${aws:username}`…) we cannot resolve.
    Unresolved,
    None,
}

pub(super) fn resource_coverage(spec: &ResourceSpec, requested: &str) -> Coverage {
    if requested == "*" {
        return star_coverage(spec);
    }
    // A policy variable stands for an unknown string: it never proves an
    // inclusion, and for overlap it is widened to `*`. The requested pattern
    // stands for real ARNs, hence the `_request` forms (see `glob`).
    let proves_inclusion =
        |p: &String| !has_policy_variable(p) && glob::subsumes_request(p, requested);
    let may_overlap = |p: &String| glob::intersects_request(&widen_policy_variables(p), requested);
    classify(
        spec,
        proves_inclusion,
        |p| has_policy_variable(p) && may_overlap(p),
        may_overlap,
    )
}

/// The request of an action without resource-level permissions names the
/// resource `*`: a statement applies when its pattern matches that string
/// (`*` does; `arn:aws:ec2:us-east-1:*:*` does not).
fn star_coverage(spec: &ResourceSpec) -> Coverage {
    classify(
        spec,
        |p| !has_policy_variable(p) && glob::matches(p, "*", false),
        |p| has_policy_variable(p) && glob::matches(&widen_policy_variables(p), "*", false),
        |_| false,
    )
}

/// A statement's resource scope against a request, from three tests on its
/// patterns, asked in order: one covers the whole request, one may or may
/// not touch it (a policy variable), one touches part of it. `NotResource`
/// turns the answer around.
fn classify(
    spec: &ResourceSpec,
    covers: impl Fn(&String) -> bool,
    unresolved: impl Fn(&String) -> bool,
    touches: impl Fn(&String) -> bool,
) -> Coverage {
    let (patterns, excluded) = match spec {
        ResourceSpec::Resource(patterns) => (patterns, false),
        ResourceSpec::NotResource(patterns) => (patterns, true),
    };
    if patterns.iter().any(covers) {
        if excluded {
            Coverage::None
        } else {
            Coverage::Full
        }
    } else if patterns.iter().any(unresolved) {
        Coverage::Unresolved
    } else if patterns.iter().any(touches) {
        Coverage::Partial
    } else if excluded {
        Coverage::Full
    } else {
        Coverage::None
    }
}

fn has_policy_variable(pattern: &str) -> bool {
    pattern.contains("${")
}

/// Replaces every `${...}` with `*` (an unterminated one swallows the rest).
fn widen_policy_variables(pattern: &str) -> String {
    let mut widened = String::with_capacity(pattern.len());
    let mut rest = pattern;
    while let Some(start) = rest.find("${") {
        widened.push_str(&rest[..start]);
        widened.push('*');
        match rest[start..].find('}') {
            Some(end) => rest = &rest[start + end + 1..],
            None => return widened,
        }
    }
    widened.push_str(rest);
    widened
}

fn describe_conditions(conditions: &[&Condition]) -> String {
    conditions
        .iter()
        .map(|c| format!("{} on {} ({})", c.operator, c.key, c.values.join(", ")))
        .collect::<Vec<_>>()
        .join(" and ")
}

pub(super) fn undecidable_summary(statement: &Statement, facts: RequestFacts) -> String {
    describe_conditions(&undecidable_conditions(&statement.conditions, facts))
}

// ---------------------------------------------------------------------------
// MFA

/// Every relevant MFA-mentioning statement, with whether it affects
/// access-key requests. A statement is relevant when it applies to one of
/// the (action, resource) requests: its action scope and its resource scope.
fn mfa_statements(set: &PolicySet, requests: &[(&str, &str)]) -> Vec<(bool, MfaDependency)> {
    let mut found = Vec::new();
    for (source, policy) in sourced(set) {
        for located in statements_of(std::iter::once(policy)) {
            let statement = located.statement;
            if !mentions_mfa(&statement.conditions) {
                continue;
            }
            let mut actions: Vec<String> = Vec::new();
            let mut matched: Vec<(String, String)> = Vec::new();
            let mut covers_one_fully = false;
            let mut through_variable = false;
            for (action, resource) in requests {
                if !action_in_scope(statement, action) {
                    continue;
                }
                let coverage = resource_coverage(&statement.resources, resource);
                if coverage == Coverage::None {
                    continue;
                }
                covers_one_fully |= coverage == Coverage::Full;
                through_variable |= coverage == Coverage::Unresolved;
                matched.push((action.to_string(), resource.to_string()));
                if !actions.iter().any(|a| a == action) {
                    actions.push(action.to_string());
                }
            }
            if matched.is_empty() {
                continue;
            }
            let outcome = evaluate(&statement.conditions, set.facts);
            let affects = match statement.effect {
                Effect::Deny => outcome != Tri::False,
                Effect::Allow => outcome == Tri::False,
            };
            // A deny on only part of the resources Bitmovin uses may or may not
            // hit the ones it creates.
            let scope_doubt = match (statement.effect, covers_one_fully, through_variable) {
                (Effect::Deny, false, true) => Some("its Resource depends on a policy variable"),
                (Effect::Deny, false, false) => Some("its Resource covers only part of them"),
                _ => None,
            };
            let explanation = mfa_explanation(
                statement,
                outcome,
                &summarize_actions(&actions),
                scope_doubt,
                set.facts,
            );
            found.push((
                affects,
                MfaDependency {
                    origin: located.origin.to_owned(),
                    source: source.clone(),
                    statement: located.name(),
                    effect: statement.effect,
                    actions,
                    requests: matched,
                    explanation,
                    certain: outcome != Tri::Unknown && scope_doubt.is_none(),
                },
            ));
        }
    }
    found
}

/// "ec2:A, ec2:B, ec2:C and 19 more actions": enough to recognise them.
fn summarize_actions(actions: &[String]) -> String {
    const SHOWN: usize = 3;
    let head = actions
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    match actions.len().saturating_sub(SHOWN) {
        0 => head,
        more => format!("{head} and {more} more actions"),
    }
}

fn mfa_explanation(
    statement: &Statement,
    outcome: Tri,
    actions: &str,
    scope_doubt: Option<&str>,
    facts: RequestFacts,
) -> String {
    let mfa_conditions = statement
        .conditions
        .iter()
        .filter(|c| is_mfa_key(&c.key))
        .map(describe_mfa_condition)
        .collect::<Vec<_>>()
        .join(" and ");
    // What Bitmovin's requests carry, in the words of each kind of signer.
    let (no_mfa, never_matches) = if facts.role_session {
        (
            "the sessions Bitmovin opens with the role carry aws:MultiFactorAuthPresent false",
            "so this condition never matches them",
        )
    } else {
        (
            "requests signed with access keys never carry MFA",
            "keys at all, so this condition never matches them",
        )
    };
    if let (Effect::Deny, Tri::True, Some(doubt)) = (statement.effect, outcome, scope_doubt) {
        return format!(
            "Deny when {mfa_conditions}: {no_mfa}, so this may deny {actions} on the resources Bitmovin uses ({doubt})"
        );
    }
    match (statement.effect, outcome) {
        (Effect::Deny, Tri::True) => {
            format!("Deny when {mfa_conditions}: {no_mfa}, so this denies {actions} for Bitmovin")
        }
        (Effect::Deny, Tri::Unknown) => format!(
            "Deny when {mfa_conditions} and {}: {no_mfa}, so this may deny {actions} for Bitmovin, depending on the other condition",
            undecidable_summary(statement, facts)
        ),
        (Effect::Deny, Tri::False) if facts.role_session => format!(
            "Deny when {mfa_conditions}: {no_mfa}, {never_matches} and the statement does not block {actions} for Bitmovin"
        ),
        (Effect::Deny, Tri::False) => format!(
            "Deny when {mfa_conditions}: {no_mfa} {never_matches} and the statement does not block {actions} for Bitmovin (it only affects sessions that carry MFA information)"
        ),
        (Effect::Allow, Tri::False) => format!(
            "Allow only when {mfa_conditions}: {no_mfa}, so this statement never grants {actions} to Bitmovin"
        ),
        (Effect::Allow, _) => format!(
            "Allow when {mfa_conditions}: this also holds for requests without MFA, so MFA does not limit this grant of {actions} for Bitmovin"
        ),
    }
}

/// Plain words for one MFA condition, e.g.
/// "aws:MultiFactorAuthPresent is false or absent (BoolIfExists)".
fn describe_mfa_condition(condition: &Condition) -> String {
    let operator = condition.operator.as_str();
    let key = condition.key.as_str();
    let values = condition.values.join(" or ");
    if operator.eq_ignore_ascii_case("Null") {
        let asks_absent = condition
            .values
            .iter()
            .any(|v| v.eq_ignore_ascii_case("true"));
        let state = if asks_absent { "absent" } else { "present" };
        return format!("{key} is {state} (Null {values})");
    }
    let unprefixed = strip_prefix_ignoring_case(operator, "ForAllValues:")
        .or_else(|| strip_prefix_ignoring_case(operator, "ForAnyValue:"))
        .unwrap_or(operator);
    let base = strip_suffix_ignoring_case(unprefixed, "IfExists");
    let if_exists = base.is_some();
    let base = base.unwrap_or(unprefixed);
    let test = if base.eq_ignore_ascii_case("Bool") {
        format!("{key} is {values}")
    } else {
        format!("{key} {base} {values}")
    };
    if if_exists {
        format!("{test} or absent ({operator})")
    } else {
        format!("{test} ({operator})")
    }
}

fn strip_prefix_ignoring_case<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        text.get(prefix.len()..)
    } else {
        None
    }
}

fn strip_suffix_ignoring_case<'t>(text: &'t str, suffix: &str) -> Option<&'t str> {
    let cut = text.len().checked_sub(suffix.len())?;
    let tail = text.get(cut..)?;
    if tail.eq_ignore_ascii_case(suffix) {
        text.get(..cut)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::decider::decide;
    use serde_json::json;

    fn doc(value: serde_json::Value) -> PolicyDocument {
        serde_json::from_value(value).expect("test policy parses")
    }

    fn identity<'a>(policies: &[(&str, &'a PolicyDocument)]) -> PolicySet<'a> {
        PolicySet {
            identity: policies
                .iter()
                .map(|(origin, document)| NamedPolicy {
                    origin: origin.to_string(),
                    document,
                })
                .collect(),
            ..PolicySet::default()
        }
    }

    fn with_boundary<'a>(
        policies: &[(&str, &'a PolicyDocument)],
        boundary: &'a PolicyDocument,
    ) -> PolicySet<'a> {
        PolicySet {
            boundary: Some(NamedPolicy {
                origin: "boundary policy".into(),
                document: boundary,
            }),
            ..identity(policies)
        }
    }

    fn is_allowed(decision: &Decision) -> bool {
        matches!(decision, Decision::Allowed { .. })
    }

    fn why(decision: Decision) -> String {
        match decision {
            Decision::Unknown { why } => why,
            other => panic!("expected Unknown, got {other:?}"),
        }
    }

    fn ec2_full_access() -> PolicyDocument {
        doc(json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "ec2:*", "Effect": "Allow", "Resource": "*"},
                {"Effect": "Allow", "Action": "elasticloadbalancing:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "cloudwatch:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "autoscaling:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*",
                 "Condition": {"StringEquals": {"iam:AWSServiceName": [
                     "autoscaling.amazonaws.com", "ec2scheduled.amazonaws.com",
                     "elasticloadbalancing.amazonaws.com", "spot.amazonaws.com",
                     "spotfleet.amazonaws.com", "transitgateway.amazonaws.com"]}}}
            ]
        }))
    }

    const INSTANCE_ACTIONS: [&str; 5] = [
        "ec2:TerminateInstances",
        "ec2:StartInstances",
        "ec2:CreateTags",
        "ec2:RunInstances",
        "ec2:StopInstances",
    ];
    const INSTANCE_RESOURCES: [&str; 6] = [
        "arn:aws:ec2:*:*:subnet/*",
        "arn:aws:ec2:*:*:instance/*",
        "arn:aws:ec2:*:*:volume/*",
        "arn:aws:ec2:*:*:security-group/*",
        "arn:aws:ec2:*:*:network-interface/*",
        "arn:aws:ec2:*::image/*",
    ];
    const ANY_RESOURCE_ACTIONS: [&str; 17] = [
        "ec2:DescribeInstances",
        "ec2:RequestSpotInstances",
        "ec2:DescribeTags",
        "ec2:DescribeVpnConnections",
        "ec2:DescribeVolumesModifications",
        "ec2:DescribeSpotInstanceRequests",
        "ec2:DescribeSecurityGroups",
        "ec2:GetConsoleOutput",
        "ec2:DescribeSpotPriceHistory",
        "ec2:CancelSpotInstanceRequests",
        "ec2:GetPasswordData",
        "ec2:GetLaunchTemplateData",
        "ec2:DescribeScheduledInstances",
        "ec2:DescribeVpcs",
        "ec2:DescribeScheduledInstanceAvailability",
        "ec2:DescribeElasticGpus",
        "ec2:DescribeInstanceStatus",
    ];

    fn bitmovin_limited() -> PolicyDocument {
        doc(json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": INSTANCE_ACTIONS, "Resource": INSTANCE_RESOURCES},
                {"Effect": "Allow", "Action": ANY_RESOURCE_ACTIONS, "Resource": "*"}
            ]
        }))
    }

    fn deny_statement(statement: serde_json::Value) -> PolicyDocument {
        doc(json!({"Version": "2012-10-17", "Statement": statement}))
    }

    #[test]
    fn ec2_full_access_allows_run_instances() {
        let policy = ec2_full_access();
        let set = identity(&[("managed policy AmazonEC2FullAccess", &policy)]);
        for resource in [
            "*",
            "arn:aws:ec2:*:*:instance/*",
            "arn:aws:ec2:eu-central-1:123456789012:instance/*",
        ] {
            assert_eq!(
                decide(&set, "ec2:RunInstances", resource),
                Decision::Allowed {
                    by: "managed policy AmazonEC2FullAccess, statement #1".into()
                },
                "{resource}"
            );
        }
        assert_eq!(decide(&set, "s3:GetObject", "*"), Decision::NotAllowed);
        let service_role = why(decide(&set, "iam:CreateServiceLinkedRole", "*"));
        assert!(
            service_role.contains("iam:AWSServiceName"),
            "{service_role}"
        );
        assert!(service_role.contains("statement #5"), "{service_role}");
    }

    #[test]
    fn bitmovin_limited_policy_allows_exactly_what_it_lists() {
        let policy = bitmovin_limited();
        let set = identity(&[("inline policy 'bitmovin' on user bitmovin-cc", &policy)]);
        for action in INSTANCE_ACTIONS {
            for resource in INSTANCE_RESOURCES {
                assert!(
                    is_allowed(&decide(&set, action, resource)),
                    "{action} {resource}"
                );
            }
            let concrete = "arn:aws:ec2:eu-central-1:123456789012:instance/*";
            assert!(is_allowed(&decide(&set, action, concrete)), "{action}");
            assert_eq!(
                decide(&set, action, "*"),
                Decision::NotAllowed,
                "{action} on *"
            );
            assert_eq!(
                decide(&set, action, "arn:aws:ec2:*:*:key-pair/*"),
                Decision::NotAllowed
            );
        }
        for action in ANY_RESOURCE_ACTIONS {
            assert_eq!(
                decide(&set, action, "*"),
                Decision::Allowed {
                    by: "inline policy 'bitmovin' on user bitmovin-cc, statement #2".into()
                },
                "{action}"
            );
        }
        assert_eq!(decide(&set, "ec2:DeleteVpc", "*"), Decision::NotAllowed);
        assert_eq!(
            decide(
                &set,
                "ec2:RunInstances",
                "arn:aws:ec2:*:123456789012:image/*"
            ),
            Decision::NotAllowed,
            "an image ARN with an account is not covered by `*::image/*`"
        );
    }

    #[test]
    fn empty_policy_set_allows_nothing() {
        assert_eq!(
            decide(&PolicySet::default(), "ec2:RunInstances", "*"),
            Decision::NotAllowed
        );
    }

    #[test]
    fn explicit_deny_beats_allow() {
        let allow = ec2_full_access();
        let deny = deny_statement(json!({
            "Sid": "NoTerminate", "Effect": "Deny",
            "Action": "ec2:TerminateInstances", "Resource": "*"
        }));
        let set = identity(&[("allow", &allow), ("group deny", &deny)]);
        assert_eq!(
            decide(&set, "ec2:TerminateInstances", "arn:aws:ec2:*:*:instance/*"),
            Decision::ExplicitDeny {
                by: "group deny, Sid 'NoTerminate'".into()
            }
        );
        assert!(is_allowed(&decide(&set, "ec2:RunInstances", "*")));
    }

    #[test]
    fn not_action_deny_denies_everything_else() {
        let allow = ec2_full_access();
        let deny = deny_statement(json!({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}));
        let set = identity(&[("allow", &allow), ("deny", &deny)]);
        assert!(matches!(
            decide(&set, "ec2:RunInstances", "*"),
            Decision::ExplicitDeny { .. }
        ));
        // Not denied, and not granted either.
        assert_eq!(decide(&set, "iam:ListUsers", "*"), Decision::NotAllowed);
    }

    #[test]
    fn not_action_allow_grants_everything_else() {
        let allow = deny_statement(
            json!({"Effect": "Allow", "NotAction": ["iam:*", "s3:*"], "Resource": "*"}),
        );
        let set = identity(&[("allow", &allow)]);
        assert!(is_allowed(&decide(&set, "ec2:RunInstances", "*")));
        assert_eq!(decide(&set, "IAM:ListUsers", "*"), Decision::NotAllowed);
    }

    #[test]
    fn not_resource_allow_and_deny() {
        let allow = deny_statement(json!({
            "Effect": "Allow", "Action": "ec2:*", "NotResource": "arn:aws:ec2:*:*:instance/*"
        }));
        let set = identity(&[("allow", &allow)]);
        assert!(is_allowed(&decide(
            &set,
            "ec2:RunInstances",
            "arn:aws:ec2:*:*:volume/*"
        )));
        assert_eq!(
            decide(
                &set,
                "ec2:RunInstances",
                "arn:aws:ec2:eu-west-1:1:instance/*"
            ),
            Decision::NotAllowed
        );
        // An action without resource-level permissions is requested on the
        // string "*", which the excluded instance pattern does not match.
        assert!(is_allowed(&decide(&set, "ec2:DescribeInstances", "*")));

        let full = ec2_full_access();
        let deny = deny_statement(json!({
            "Effect": "Deny", "Action": "ec2:*", "NotResource": "arn:aws:ec2:*:*:instance/*"
        }));
        let set = identity(&[("allow", &full), ("deny", &deny)]);
        assert!(is_allowed(&decide(
            &set,
            "ec2:RunInstances",
            "arn:aws:ec2:*:*:instance/*"
        )));
        assert!(matches!(
            decide(&set, "ec2:RunInstances", "arn:aws:ec2:*:*:volume/*"),
            Decision::ExplicitDeny { .. }
        ));
        assert!(matches!(
            decide(&set, "ec2:DescribeInstances", "*"),
            Decision::ExplicitDeny { .. }
        ));
        // A set of real resources the deny only partly covers stays open.
        let partial = why(decide(&set, "ec2:RunInstances", "arn:aws:ec2:*:*:*"));
        assert!(partial.contains("some of"), "{partial}");
    }

    #[test]
    fn deny_scoped_to_another_region_or_service_does_not_touch_the_target() {
        let full = ec2_full_access();
        let us_only = deny_statement(json!({
            "Effect": "Deny", "Action": "ec2:*", "Resource": "arn:aws:ec2:us-east-1:*:*"
        }));
        let set = identity(&[("full", &full), ("deny", &us_only)]);
        let in_frankfurt = "arn:aws:ec2:eu-central-1:123456789012:instance/*";
        assert!(is_allowed(&decide(&set, "ec2:RunInstances", in_frankfurt)));
        // No resource-level permissions: matched against "*", as AWS does.
        assert!(is_allowed(&decide(&set, "ec2:DescribeInstances", "*")));
        assert!(matches!(
            decide(
                &set,
                "ec2:RunInstances",
                "arn:aws:ec2:us-east-1:123456789012:instance/*"
            ),
            Decision::ExplicitDeny { .. }
        ));

        let s3 = deny_statement(json!({
            "Effect": "Deny", "Action": "*", "Resource": "arn:aws:s3:::media-bucket/*"
        }));
        let set = identity(&[("full", &full), ("deny", &s3)]);
        assert!(is_allowed(&decide(&set, "ec2:RunInstances", in_frankfurt)));
        assert!(is_allowed(&decide(&set, "ec2:DescribeInstances", "*")));
    }

    #[test]
    fn service_control_policies_only_restrict() {
        let full = ec2_full_access();
        let allow_all = deny_statement(json!({"Effect": "Allow", "Action": "*", "Resource": "*"}));
        let s3_only = deny_statement(json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}));
        let deny_run = deny_statement(json!({
            "Sid": "NoRun", "Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*"
        }));
        let level = |label: &str, docs: &[&'static PolicyDocument]| ScpLevel {
            label: label.into(),
            policies: docs
                .iter()
                .map(|d| NamedPolicy {
                    origin: format!("scp on {label}"),
                    document: d,
                })
                .collect(),
        };
        let leak = |d: PolicyDocument| -> &'static PolicyDocument { Box::leak(Box::new(d)) };
        let (allow_all, s3_only, deny_run) = (leak(allow_all), leak(s3_only), leak(deny_run));
        let mut set = identity(&[("full", &full)]);
        set.scp_levels = vec![level("root", &[allow_all]), level("account", &[allow_all])];
        assert!(is_allowed(&decide(&set, "ec2:RunInstances", "*")));
        // Every level must allow: an OU that allows only S3 blocks EC2.
        set.scp_levels = vec![level("root", &[allow_all]), level("OU x", &[s3_only])];
        assert_eq!(
            decide(&set, "ec2:RunInstances", "*"),
            Decision::ScpDenies {
                level: "OU x".into()
            }
        );
        // An explicit Deny anywhere blocks.
        set.scp_levels = vec![level("root", &[allow_all, deny_run])];
        assert!(matches!(
            decide(&set, "ec2:RunInstances", "*"),
            Decision::ExplicitDeny { .. }
        ));
        assert!(is_allowed(&decide(&set, "ec2:StopInstances", "*")));
        // An SCP grants nothing by itself.
        let alone = PolicySet {
            scp_levels: vec![level("root", &[allow_all])],
            ..PolicySet::default()
        };
        assert_eq!(
            decide(&alone, "ec2:RunInstances", "*"),
            Decision::NotAllowed
        );
        // Partly collected SCPs: their Deny counts, their Allows prove nothing.
        let mut partial = identity(&[("full", &full)]);
        partial.scp_partial = level("x", &[s3_only, deny_run]).policies;
        assert!(is_allowed(&decide(&partial, "ec2:StopInstances", "*")));
        assert!(matches!(
            decide(&partial, "ec2:RunInstances", "*"),
            Decision::ExplicitDeny { .. }
        ));
    }

    #[test]
    fn requested_region_conditions_are_decided_for_the_target() {
        let full = ec2_full_access();
        let region_lock = deny_statement(json!({
            "Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2"]}}
        }));
        let mut set = identity(&[("full", &full), ("lock", &region_lock)]);
        set.facts = RequestFacts {
            region: Some("eu-central-1"),
            ..RequestFacts::default()
        };
        assert!(matches!(
            decide(&set, "ec2:RunInstances", "*"),
            Decision::ExplicitDeny { .. }
        ));
        set.facts = RequestFacts {
            region: Some("us-east-1"),
            ..RequestFacts::default()
        };
        assert!(is_allowed(&decide(&set, "ec2:RunInstances", "*")));
    }

    #[test]
    fn partial_deny_is_unknown_not_allowed() {
        let allow = ec2_full_access();
        let deny = deny_statement(json!({
            "Effect": "Deny", "Action": "ec2:RunInstances",
            "Resource": "arn:aws:ec2:*:*:instance/i-*"
        }));
        let set = identity(&[("allow", &allow), ("deny", &deny)]);
        assert!(matches!(
            decide(&set, "ec2:RunInstances", "arn:aws:ec2:*:*:instance/*"),
            Decision::Unknown { .. }
        ));
        assert!(matches!(
            decide(&set, "ec2:RunInstances", "arn:aws:ec2:*:*:instance/i-123"),
            Decision::ExplicitDeny { .. }
        ));
        assert!(is_allowed(&decide(
            &set,
            "ec2:RunInstances",
            "arn:aws:ec2:*:*:volume/*"
        )));
    }

    #[test]
    fn question_mark_wildcards() {
        let allow = deny_statement(json!({
            "Effect": "Allow", "Action": "ec2:???Instances",
            "Resource": "arn:aws:ec2:eu-west-?:*:instance/*"
        }));
        let set = identity(&[("allow", &allow)]);
        assert!(is_allowed(&decide(
            &set,
            "ec2:RunInstances",
            "arn:aws:ec2:eu-west-1:1:instance/*"
        )));
        assert_eq!(
            decide(
                &set,
                "ec2:StopInstances",
                "arn:aws:ec2:eu-west-1:1:instance/*"
            ),
            Decision::NotAllowed,
            "`???` is exactly three characters"
        );
        assert_eq!(
            decide(&set, "ec2:RunInstances", "arn:aws:ec2:*:*:instance/*"),
            Decision::NotAllowed
        );
        assert_eq!(
            decide(
                &set,
                "ec2:RunInstances",
                "arn:aws:ec2:eu-west-10:1:instance/*"
            ),
            Decision::NotAllowed
        );
    }

    #[test]
    fn actions_match_case_insensitively() {
        let allow = deny_statement(
            json!({"Effect": "Allow", "Action": "EC2:runinstances", "Resource": "*"}),
        );
        let set = identity(&[("allow", &allow)]);
        assert!(is_allowed(&decide(&set, "ec2:RunInstances", "*")));
        let deny = deny_statement(json!({"Effect": "Deny", "Action": "Ec2:RUN*", "Resource": "*"}));
        let set = identity(&[("allow", &allow), ("deny", &deny)]);
        assert!(matches!(
            decide(&set, "ec2:RunInstances", "*"),
            Decision::ExplicitDeny { .. }
        ));
    }

    #[test]
    fn boundary_must_allow_too() {
        let allow = ec2_full_access();
        let s3_only = deny_statement(json!({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}));
        let set = with_boundary(&[("allow", &allow)], &s3_only);
        assert_eq!(
            decide(&set, "ec2:RunInstances", "*"),
            Decision::BoundaryDenies {
                boundary: "boundary policy".into()
            }
        );

        let ec2_boundary =
            deny_statement(json!({"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}));
        let set = with_boundary(&[("allow", &allow)], &ec2_boundary);
        assert!(is_allowed(&decide(&set, "ec2:RunInstances", "*")));
        assert_eq!(
            decide(&set, "s3:GetObject", "*"),
            Decision::BoundaryDenies {
                boundary: "boundary policy".into()
            }
        );

        // The boundary alone grants nothing.
        let set = with_boundary(&[], &ec2_boundary);
        assert_eq!(decide(&set, "ec2:RunInstances", "*"), Decision::NotAllowed);

        let partial_boundary = deny_statement(json!({
            "Effect": "Allow", "Action": "ec2:*", "Resource": "arn:aws:ec2:*:*:instance/*"
        }));
        let set = with_boundary(&[("allow", &allow)], &partial_boundary);
        assert!(matches!(
            decide(&set, "ec2:RunInstances", "*"),
            Decision::BoundaryDenies { .. }
        ));

        let conditional_boundary = deny_statement(json!({
            "Effect": "Allow", "Action": "ec2:*", "Resource": "*",
            "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
        }));
        let set = with_boundary(&[("allow", &allow)], &conditional_boundary);
        let reason = why(decide(&set, "ec2:RunInstances", "*"));
        assert!(reason.contains("permissions boundary"), "{reason}");
        assert!(reason.contains("aws:RequestedRegion"), "{reason}");
    }

    #[test]
    fn deny_in_boundary_is_an_explicit_deny() {
        let allow = ec2_full_access();
        let boundary = doc(json!({"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Sid": "NoRun", "Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*"}
        ]}));
        let set = with_boundary(&[("allow", &allow)], &boundary);
        assert_eq!(
            decide(&set, "ec2:RunInstances", "*"),
            Decision::ExplicitDeny {
                by: "boundary policy, Sid 'NoRun'".into()
            }
        );
    }

    #[test]
    fn allow_with_source_ip_is_unknown() {
        let allow = deny_statement(json!({
            "Sid": "OfficeOnly", "Effect": "Allow", "Action": "ec2:*", "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
        }));
        let set = identity(&[("allow", &allow)]);
        let reason = why(decide(&set, "ec2:RunInstances", "*"));
        assert!(reason.contains("aws:SourceIp"), "{reason}");
        assert!(reason.contains("Sid 'OfficeOnly'"), "{reason}");
        // An unconditional grant elsewhere settles it.
        let full = ec2_full_access();
        let set = identity(&[("allow", &allow), ("full", &full)]);
        assert!(is_allowed(&decide(&set, "ec2:RunInstances", "*")));
    }

    #[test]
    fn deny_with_source_ip_is_unknown_even_with_a_full_allow() {
        let full = ec2_full_access();
        let deny = deny_statement(json!({
            "Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
        }));
        let set = identity(&[("full", &full), ("deny", &deny)]);
        let reason = why(decide(&set, "ec2:RunInstances", "*"));
        assert!(reason.contains("NotIpAddress on aws:SourceIp"), "{reason}");
        // A certain deny elsewhere still wins over the uncertain one.
        let hard = deny_statement(json!({"Effect": "Deny", "Action": "ec2:*", "Resource": "*"}));
        let set = identity(&[("full", &full), ("deny", &deny), ("hard", &hard)]);
        assert!(matches!(
            decide(&set, "ec2:RunInstances", "*"),
            Decision::ExplicitDeny { .. }
        ));
    }

    #[test]
    fn policy_variables_never_prove_a_grant_and_may_deny() {
        let allow = deny_statement(json!({
            "Effect": "Allow", "Action": "ec2:*",
            "Resource": "arn:aws:ec2:*:*:instance/${aws:username}"
        }));
        let set = identity(&[("allow", &allow)]);
        assert!(matches!(
            decide(&set, "ec2:RunInstances", "arn:aws:ec2:*:*:instance/*"),
            Decision::Unknown { .. }
        ));
        assert_eq!(
            decide(&set, "ec2:RunInstances", "arn:aws:ec2:*:*:volume/*"),
            Decision::NotAllowed
        );
        let full = ec2_full_access();
        let deny = deny_statement(json!({
            "Effect": "Deny", "Action": "ec2:*", "Resource": "arn:aws:ec2:*:*:instance/${ec2:SourceInstanceARN"
        }));
        let set = identity(&[("full", &full), ("deny", &deny)]);
        assert!(matches!(
            decide(&set, "ec2:RunInstances", "arn:aws:ec2:*:*:instance/i-1"),
            Decision::Unknown { .. }
        ));
        assert_eq!(widen_policy_variables("a/${x}/b/${y}"), "a/*/b/*");
        assert_eq!(widen_policy_variables("a/${x"), "a/*");
    }

    // ---- MFA ----

    const EC2_ACTIONS: [(&str, &str); 2] = [
        (
            "ec2:RunInstances",
            "arn:aws:ec2:eu-west-1:123456789012:instance/*",
        ),
        ("ec2:DescribeInstances", "*"),
    ];

    fn mfa_policy(
        effect: &str,
        operator: &str,
        key: &str,
        value: serde_json::Value,
    ) -> PolicyDocument {
        doc(json!({"Statement": [{
            "Sid": "Mfa", "Effect": effect, "Action": "ec2:*", "Resource": "*",
            "Condition": { operator: { key: value } }
        }]}))
    }

    #[test]
    fn deny_bool_if_exists_false_is_a_dependency() {
        let full = ec2_full_access();
        let deny = mfa_policy(
            "Deny",
            "BoolIfExists",
            "aws:MultiFactorAuthPresent",
            json!(false),
        );
        let set = identity(&[("full", &full), ("mfa", &deny)]);
        let found = mfa_dependencies(&set, &EC2_ACTIONS);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].origin, "mfa");
        assert_eq!(found[0].statement, "Mfa");
        assert_eq!(found[0].effect, Effect::Deny);
        assert_eq!(
            found[0].actions,
            vec!["ec2:RunInstances", "ec2:DescribeInstances"]
        );
        assert!(
            found[0]
                .explanation
                .contains("aws:MultiFactorAuthPresent is false or absent (BoolIfExists)"),
            "{}",
            found[0].explanation
        );
        assert!(
            found[0]
                .explanation
                .contains("ec2:RunInstances, ec2:DescribeInstances")
        );
        assert!(inert_mfa_statements(&set, &EC2_ACTIONS).is_empty());
        assert!(matches!(
            decide(&set, "ec2:RunInstances", "*"),
            Decision::ExplicitDeny { .. }
        ));
    }

    #[test]
    fn deny_plain_bool_false_is_inert() {
        let full = ec2_full_access();
        let deny = mfa_policy("Deny", "Bool", "aws:MultiFactorAuthPresent", json!("false"));
        let set = identity(&[("full", &full), ("mfa", &deny)]);
        assert!(mfa_dependencies(&set, &EC2_ACTIONS).is_empty());
        let inert = inert_mfa_statements(&set, &EC2_ACTIONS);
        assert_eq!(inert.len(), 1);
        assert!(
            inert[0].explanation.contains("never matches"),
            "{}",
            inert[0].explanation
        );
        assert!(is_allowed(&decide(&set, "ec2:RunInstances", "*")));
    }

    #[test]
    fn allow_bool_true_is_a_dependency() {
        let allow = mfa_policy("Allow", "Bool", "aws:MultiFactorAuthPresent", json!(true));
        let set = identity(&[("mfa", &allow)]);
        let found = mfa_dependencies(&set, &EC2_ACTIONS);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].effect, Effect::Allow);
        assert!(
            found[0].explanation.contains("never grants"),
            "{}",
            found[0].explanation
        );
        assert_eq!(decide(&set, "ec2:RunInstances", "*"), Decision::NotAllowed);
    }

    #[test]
    fn allow_bool_if_exists_true_is_inert() {
        let allow = mfa_policy(
            "Allow",
            "BoolIfExists",
            "aws:MultiFactorAuthPresent",
            json!(true),
        );
        let set = identity(&[("mfa", &allow)]);
        assert!(mfa_dependencies(&set, &EC2_ACTIONS).is_empty());
        assert_eq!(inert_mfa_statements(&set, &EC2_ACTIONS).len(), 1);
        assert!(is_allowed(&decide(&set, "ec2:RunInstances", "*")));
    }

    #[test]
    fn deny_null_true_is_a_dependency() {
        let deny = mfa_policy("Deny", "Null", "aws:MultiFactorAuthPresent", json!("true"));
        let set = identity(&[("mfa", &deny)]);
        let found = mfa_dependencies(&set, &EC2_ACTIONS);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].explanation.contains("is absent"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn allow_numeric_less_than_mfa_age_is_a_dependency() {
        let allow = mfa_policy(
            "Allow",
            "NumericLessThan",
            "aws:MultiFactorAuthAge",
            json!(3600),
        );
        let set = identity(&[("mfa", &allow)]);
        let found = mfa_dependencies(&set, &EC2_ACTIONS);
        assert_eq!(found.len(), 1);
        assert!(
            found[0]
                .explanation
                .contains("aws:MultiFactorAuthAge NumericLessThan 3600"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn aws_force_mfa_sample_policy_is_a_dependency() {
        let force_mfa = doc(json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "AllowManageOwnVirtualMFADevice", "Effect": "Allow",
                 "Action": ["iam:CreateVirtualMFADevice"], "Resource": "arn:aws:iam::*:mfa/*"},
                {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
                 "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser",
                               "iam:ListMFADevices", "iam:ListVirtualMFADevices",
                               "iam:ResyncMFADevice", "sts:GetSessionToken"],
                 "Resource": "*",
                 "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}
            ]
        }));
        let full = ec2_full_access();
        let set = identity(&[("full", &full), ("group force-mfa", &force_mfa)]);
        let found = mfa_dependencies(&set, &EC2_ACTIONS);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].statement, "DenyAllExceptListedIfNoMFA");
        assert_eq!(found[0].actions.len(), 2);
        assert_eq!(
            decide(&set, "ec2:RunInstances", "*"),
            Decision::ExplicitDeny {
                by: "group force-mfa, Sid 'DenyAllExceptListedIfNoMFA'".into()
            }
        );
    }

    #[test]
    fn mfa_statement_on_other_actions_is_irrelevant() {
        let iam_only = doc(json!({"Statement": [{
            "Effect": "Deny", "Action": "iam:*", "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": false}}
        }]}));
        let set = identity(&[("iam", &iam_only)]);
        assert!(mfa_dependencies(&set, &EC2_ACTIONS).is_empty());
        assert!(inert_mfa_statements(&set, &EC2_ACTIONS).is_empty());
        let found = mfa_dependencies(&set, &[("iam:ListUsers", "*")]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].statement, "statement #1");
    }

    #[test]
    fn mfa_deny_with_other_unknown_condition_may_block() {
        let deny = doc(json!({"Statement": [{
            "Effect": "Deny", "Action": "ec2:*", "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": false},
                          "NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}
        }]}));
        let set = identity(&[("deny", &deny)]);
        let found = mfa_dependencies(&set, &[("ec2:RunInstances", "*"), ("s3:GetObject", "*")]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].actions, vec!["ec2:RunInstances"]);
        assert!(
            found[0].explanation.contains("may deny"),
            "{}",
            found[0].explanation
        );
        assert!(
            found[0].explanation.contains("aws:SourceIp"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn boundary_mfa_statements_are_reported() {
        let full = ec2_full_access();
        let boundary = doc(json!({"Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"},
            {"Effect": "Deny", "Action": "*", "Resource": "*",
             "Condition": {"Null": {"aws:MultiFactorAuthAge": true}}}
        ]}));
        let set = with_boundary(&[("full", &full)], &boundary);
        let found = mfa_dependencies(&set, &EC2_ACTIONS);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].origin, "boundary policy");
        assert_eq!(found[0].statement, "statement #2");
    }

    #[test]
    fn statements_without_mfa_are_never_listed() {
        let full = ec2_full_access();
        let set = identity(&[("full", &full)]);
        assert!(mfa_dependencies(&set, &EC2_ACTIONS).is_empty());
        assert!(inert_mfa_statements(&set, &EC2_ACTIONS).is_empty());
    }
}
