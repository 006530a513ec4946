//! The IAM user: gathers every policy that governs its requests (inline and
//! attached, on the user and its groups, and its permissions boundary) and
//! asks the policy evaluator. Missing evidence makes a verdict unknown,
//! except where what was seen already proves a failure (an explicit deny
//! cannot be undone by a policy we did not see).

use std::collections::{BTreeMap, BTreeSet};

use super::{Verdict, call_failed, not_collected};
use crate::iam::{
    self, ActionSpec, Decision, Effect, NamedPolicy, PolicyDocument, PolicySet, glob,
};
use crate::report::FixData;
use crate::rules::check::{IamBroadGrant, IamGrants};
use crate::rules::shared::Grant;
use crate::snapshot::Target;
use crate::snapshot::aws::{
    AttachedPolicies, AwsEvidence, Document, Evidence, Paged, PolicyNames, evidence,
};

/// Everything the snapshot shows about the user's policies.
struct Gathered<'a> {
    set: PolicySet<'a>,
    /// ARNs of attached managed policies, with where they are attached.
    attached: Vec<(&'a str, String)>,
    /// Evidence that is missing or failed.
    gaps: Vec<String>,
}

impl Gathered<'_> {
    fn gaps_text(&self) -> String {
        let shown: Vec<&str> = self.gaps.iter().take(3).map(String::as_str).collect();
        let more = self.gaps.len().saturating_sub(shown.len());
        let mut text = format!("IAM evidence is incomplete: {}", shown.join("; "));
        if more > 0 {
            text.push_str(&format!(" (+{more} more)"));
        }
        text
    }
}

pub fn user_label(target: &Target) -> String {
    let from_snapshot = match evidence(target.aws.user.as_ref()) {
        Evidence::Present(r) => r
            .user
            .as_ref()
            .map(|u| u.arn.clone().unwrap_or_else(|| u.user_name.clone())),
        _ => None,
    };
    from_snapshot
        .or_else(|| {
            target
                .setup
                .iam_user
                .as_ref()
                .map(|u| format!("IAM user {u}"))
        })
        .unwrap_or_else(|| "IAM user".to_string())
}

fn gather(aws: &AwsEvidence) -> Gathered<'_> {
    let mut g = Gathered {
        set: PolicySet::default(),
        attached: Vec::new(),
        gaps: Vec::new(),
    };
    match evidence(aws.user.as_ref()) {
        Evidence::Present(r) => {
            if r.user.is_none() {
                // Without the user, its permissions boundary is unseen.
                g.gaps.push("iam:GetUser answered without User".into());
            }
            let boundary = r
                .user
                .as_ref()
                .and_then(|u| u.permissions_boundary.as_ref());
            if let Some(b) = boundary {
                let arn = b.permissions_boundary_arn.as_str();
                if let Some(document) = managed_document(aws, arn, &mut g.gaps) {
                    g.set.boundary = Some(NamedPolicy {
                        origin: format!("permissions boundary {arn}"),
                        document,
                    });
                }
            }
        }
        Evidence::Failed(e) => g.gaps.push(call_failed("iam:GetUser", e)),
        Evidence::Missing => g.gaps.push(not_collected("iam:GetUser")),
    }

    let user_names = list_names(
        aws.user_policy_names.as_ref(),
        "iam:ListUserPolicies",
        &mut g.gaps,
    );
    for name in user_names {
        let policy = aws.user_policies.as_ref().and_then(|m| m.get(name));
        if let Some(document) = inline_document(policy, "iam:GetUserPolicy", name, &mut g.gaps) {
            g.set.identity.push(NamedPolicy {
                origin: format!("inline policy '{name}' on the user"),
                document,
            });
        }
    }
    for arn in list_attached(
        aws.user_attached_policies.as_ref(),
        "iam:ListAttachedUserPolicies",
        &mut g.gaps,
    ) {
        g.attached.push((arn, "the user".to_string()));
    }

    match evidence(aws.groups.as_ref()) {
        Evidence::Present(r) => {
            if r.truncated() {
                g.gaps.push(
                    "iam:ListGroupsForUser is only a first page (IsTruncated, Marker or NextToken)"
                        .into(),
                );
            }
            match &r.groups {
                Some(groups) => {
                    for group in groups {
                        gather_group(aws, &group.group_name, &mut g);
                    }
                }
                None => g
                    .gaps
                    .push("iam:ListGroupsForUser answered without Groups".into()),
            }
        }
        Evidence::Failed(e) => g.gaps.push(call_failed("iam:ListGroupsForUser", e)),
        Evidence::Missing => g.gaps.push(not_collected("iam:ListGroupsForUser")),
    }

    let mut attached_docs = Vec::new();
    for (arn, via) in &g.attached {
        if let Some(document) = managed_document(aws, arn, &mut g.gaps) {
            attached_docs.push(NamedPolicy {
                origin: format!("managed policy {arn} on {via}"),
                document,
            });
        }
    }
    g.set.identity.extend(attached_docs);
    g
}

fn gather_group<'a>(aws: &'a AwsEvidence, group: &'a str, g: &mut Gathered<'a>) {
    let names = aws.group_policy_names.as_ref().and_then(|m| m.get(group));
    let call = format!("iam:ListGroupPolicies for group {group}");
    for name in list_names(names.map(Some).unwrap_or(None), &call, &mut g.gaps) {
        let key = format!("{group}/{name}");
        let policy = aws.group_policies.as_ref().and_then(|m| m.get(&key));
        if let Some(document) = inline_document(policy, "iam:GetGroupPolicy", &key, &mut g.gaps) {
            g.set.identity.push(NamedPolicy {
                origin: format!("inline policy '{name}' on group {group}"),
                document,
            });
        }
    }
    let attached = aws
        .group_attached_policies
        .as_ref()
        .and_then(|m| m.get(group));
    let call = format!("iam:ListAttachedGroupPolicies for group {group}");
    for arn in list_attached(attached, &call, &mut g.gaps) {
        g.attached.push((arn, format!("group {group}")));
    }
}

fn list_names<'a>(
    list: Option<&'a PolicyNames>,
    call: &str,
    gaps: &mut Vec<String>,
) -> Vec<&'a str> {
    match evidence(list) {
        Evidence::Present(r) => {
            if r.truncated() {
                gaps.push(format!(
                    "{call} is only a first page (IsTruncated, Marker or NextToken)"
                ));
            }
            match &r.policy_names {
                Some(names) => names.iter().map(String::as_str).collect(),
                None => {
                    gaps.push(format!("{call} answered without PolicyNames"));
                    Vec::new()
                }
            }
        }
        Evidence::Failed(e) => {
            gaps.push(call_failed(call, e));
            Vec::new()
        }
        Evidence::Missing => {
            gaps.push(not_collected(call));
            Vec::new()
        }
    }
}

fn list_attached<'a>(
    list: Option<&'a AttachedPolicies>,
    call: &str,
    gaps: &mut Vec<String>,
) -> Vec<&'a str> {
    match evidence(list) {
        Evidence::Present(r) => {
            if r.truncated() {
                gaps.push(format!(
                    "{call} is only a first page (IsTruncated, Marker or NextToken)"
                ));
            }
            match &r.attached_policies {
                Some(list) => list.iter().map(|p| p.policy_arn.as_str()).collect(),
                None => {
                    gaps.push(format!("{call} answered without AttachedPolicies"));
                    Vec::new()
                }
            }
        }
        Evidence::Failed(e) => {
            gaps.push(call_failed(call, e));
            Vec::new()
        }
        Evidence::Missing => {
            gaps.push(not_collected(call));
            Vec::new()
        }
    }
}

fn inline_document<'a>(
    policy: Option<&'a crate::snapshot::aws::InlinePolicy>,
    call: &str,
    name: &str,
    gaps: &mut Vec<String>,
) -> Option<&'a PolicyDocument> {
    match evidence(policy) {
        Evidence::Present(p) => {
            let what = format!("{call} for {name}");
            readable(p.policy_document.as_ref(), &what, gaps)
        }
        Evidence::Failed(e) => {
            gaps.push(format!("{} for {name}", call_failed(call, e)));
            None
        }
        Evidence::Missing => {
            gaps.push(format!("{} for {name}", not_collected(call)));
            None
        }
    }
}

/// The document, or a gap saying why there is none to read.
fn readable<'a>(
    document: Option<&'a Document>,
    what: &str,
    gaps: &mut Vec<String>,
) -> Option<&'a PolicyDocument> {
    match document.map(Document::parsed) {
        Some(Ok(document)) => Some(document),
        Some(Err(why)) => {
            gaps.push(format!(
                "{what}: the policy document cannot be read ({why})"
            ));
            None
        }
        None => {
            gaps.push(format!("{what} answered without a policy document"));
            None
        }
    }
}

fn managed_document<'a>(
    aws: &'a AwsEvidence,
    arn: &str,
    gaps: &mut Vec<String>,
) -> Option<&'a PolicyDocument> {
    let call = "iam:GetPolicyVersion";
    let version = aws.policy_versions.as_ref().and_then(|m| m.get(arn));
    match evidence(version) {
        Evidence::Present(v) => {
            if v.policy_version
                .as_ref()
                .and_then(|pv| pv.is_default_version)
                == Some(false)
            {
                gaps.push(format!(
                    "{call} for {arn} shows a version that is not the default one"
                ));
                return None;
            }
            let document = v
                .policy_version
                .as_ref()
                .and_then(|pv| pv.document.as_ref());
            readable(document, &format!("{call} for {arn}"), gaps)
        }
        Evidence::Failed(e) => {
            gaps.push(format!("{} for {arn}", call_failed(call, e)));
            None
        }
        Evidence::Missing => {
            // No version without GetPolicy's default version id: name that call.
            let policy = aws.policies.as_ref().and_then(|m| m.get(arn));
            match evidence(policy) {
                Evidence::Failed(e) => {
                    gaps.push(format!("{} for {arn}", call_failed("iam:GetPolicy", e)))
                }
                _ => gaps.push(format!("{} for {arn}", not_collected(call))),
            }
            None
        }
    }
}

/// A required resource pattern narrowed to the target's region and account:
/// a grant limited to them still serves Bitmovin there.
/// The account the user's requests run in, as the evidence shows it: the
/// user's ARN, else the keys' identity. The setup's account id is what the
/// customer typed, which is exactly what may be wrong.
fn evidence_account(target: &Target) -> Option<&str> {
    let from_user = match evidence(target.aws.user.as_ref()) {
        Evidence::Present(r) => r
            .user
            .as_ref()
            .and_then(|u| u.arn.as_deref())
            .and_then(|arn| arn.split(':').nth(4)),
        _ => None,
    };
    let from_keys = match evidence(target.aws.caller_identity.as_ref()) {
        Evidence::Present(identity) => identity.account.as_deref(),
        _ => None,
    };
    from_user.or(from_keys).filter(|a| !a.is_empty())
}

fn in_target(resource: &str, target: &Target) -> String {
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return resource.to_string();
    }
    let region = if parts[3] == "*" {
        target.setup.region.as_str()
    } else {
        parts[3]
    };
    // Unknown account: keep the wildcard, so an account-scoped grant only
    // partly covers it and is not taken for a full grant.
    let account = match (parts[4], evidence_account(target)) {
        ("*", Some(account)) => account,
        (account, _) => account,
    };
    format!(
        "{}:{}:{}:{region}:{account}:{}",
        parts[0], parts[1], parts[2], parts[5]
    )
}

fn required_actions(grants: &[Grant]) -> Vec<&str> {
    let mut actions: Vec<&str> = grants
        .iter()
        .flat_map(|g| g.actions.iter().map(String::as_str))
        .collect();
    actions.sort_unstable();
    actions.dedup();
    actions
}

/// The grant set as an IAM policy document, ready for `put-user-policy`.
fn policy_json(grants: &[Grant]) -> String {
    let statements: Vec<serde_json::Value> = grants
        .iter()
        .map(|g| {
            let resource = match g.resources.as_slice() {
                [only] => serde_json::Value::from(only.clone()),
                many => serde_json::Value::from(many.to_vec()),
            };
            serde_json::json!({ "Effect": "Allow", "Action": g.actions, "Resource": resource })
        })
        .collect();
    serde_json::json!({ "Version": "2012-10-17", "Statement": statements }).to_string()
}

/// Up to `limit` items, then "(+N more)".
fn listing(items: &[String], limit: usize) -> String {
    listing_with(items, limit, "; ")
}

fn listing_with(items: &[String], limit: usize, separator: &str) -> String {
    let mut text = items
        .iter()
        .take(limit)
        .cloned()
        .collect::<Vec<_>>()
        .join(separator);
    if items.len() > limit {
        text.push_str(&format!(" (+{} more)", items.len() - limit));
    }
    text
}

/// Actions grouped under the reason they are refused, in a stable order.
#[derive(Default)]
struct Refusals(BTreeMap<String, BTreeSet<String>>);

impl Refusals {
    fn add(&mut self, reason: String, action: &str) {
        self.0.entry(reason).or_default().insert(action.to_string());
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// "by X: ec2:A, ec2:B; by Y: …", a few actions per reason.
    fn describe(&self) -> String {
        let groups: Vec<String> = self
            .0
            .iter()
            .map(|(reason, actions)| {
                let actions: Vec<String> = actions.iter().cloned().collect();
                format!("{reason}: {}", listing_with(&actions, 5, ", "))
            })
            .collect();
        listing(&groups, 3)
    }
}

pub fn actions_allowed(check: &IamGrants, target: &Target) -> Verdict {
    let gathered = gather(&target.aws);
    let mut denied = Refusals::default();
    let mut not_allowed = Vec::new();
    let mut undecided = Vec::new();
    let mut pairs = 0;
    for grant in &check.grants.value {
        for action in &grant.actions {
            for resource in &grant.resources {
                pairs += 1;
                let resource = in_target(resource, target);
                match iam::decide(&gathered.set, action, &resource) {
                    Decision::Allowed { .. } => {}
                    Decision::ExplicitDeny { by } => denied.add(format!("denied by {by}"), action),
                    Decision::BoundaryDenies { boundary } => {
                        denied.add(format!("not allowed by the {boundary}"), action)
                    }
                    Decision::NotAllowed => not_allowed.push(format!("{action} on {resource}")),
                    Decision::Unknown { why } => {
                        undecided.push(format!("{action} on {resource}: {why}"))
                    }
                }
            }
        }
    }
    let fix_vars = |v: Verdict| {
        let document = policy_json(&check.grants.value);
        v.with("policy_json", document.clone())
            .with_fix(FixData::UserPolicy {
                user: target.setup.iam_user.clone(),
                document,
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
            "no policy allows {} of the {pairs} required action/resource pairs: {}",
            not_allowed.len(),
            listing(&not_allowed, 4)
        )));
    }
    if !undecided.is_empty() {
        return Verdict::unknown(format!("cannot decide offline: {}", listing(&undecided, 3)));
    }
    let read = gathered.set.identity.len() + usize::from(gathered.set.boundary.is_some());
    Verdict::pass(format!(
        "all {pairs} action/resource pairs of the guide's policy are allowed ({read} {} read)",
        if read == 1 { "policy" } else { "policies" }
    ))
}

pub fn no_mfa_condition(check: &IamGrants, target: &Target) -> Verdict {
    let gathered = gather(&target.aws);
    let actions = required_actions(&check.grants.value);
    let dependencies = iam::mfa_dependencies(&gathered.set, &actions);
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
    // same actions.
    let mfa_only_allows: Vec<&iam::MfaDependency> = dependencies
        .iter()
        .filter(|d| d.effect == Effect::Allow)
        .collect();
    let mut needed_only_with_mfa = Vec::new();
    for allow in &mfa_only_allows {
        let unmet = check.grants.value.iter().any(|grant| {
            grant
                .actions
                .iter()
                .filter(|a| allow.actions.contains(a))
                .any(|action| {
                    grant.resources.iter().any(|resource| {
                        !matches!(
                            iam::decide(&gathered.set, action, &in_target(resource, target)),
                            Decision::Allowed { .. }
                        )
                    })
                })
        });
        if unmet {
            needed_only_with_mfa.push(describe(allow));
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
            "an MFA Deny may apply, depending on a condition that cannot be checked offline: {}",
            listing(&uncertain, 2)
        ));
    }
    let mut inert: Vec<String> = iam::inert_mfa_statements(&gathered.set, &actions)
        .iter()
        .map(|d| format!("{} ({})", d.origin, d.statement))
        .collect();
    inert.extend(mfa_only_allows.iter().map(|d| {
        format!(
            "{} ({}), an MFA-only Allow of actions granted elsewhere too",
            d.origin, d.statement
        )
    }));
    if inert.is_empty() {
        Verdict::pass("no policy ties the needed EC2 actions to MFA")
    } else {
        Verdict::pass(format!(
            "MFA conditions in {} do not block Bitmovin's access-key requests",
            inert.join(", ")
        ))
    }
}

pub fn broad_grant(check: &IamBroadGrant, target: &Target) -> Verdict {
    let gathered = gather(&target.aws);
    let mut broad: Vec<String> = gathered
        .attached
        .iter()
        .filter(|(arn, _)| check.managed_policies.iter().any(|m| m == arn))
        .map(|(arn, via)| format!("{arn} is attached to {via}"))
        .collect();
    for policy in &gathered.set.identity {
        for (index, statement) in policy.document.statements.iter().enumerate() {
            if statement.effect != Effect::Allow {
                continue;
            }
            if let Some(action) = check
                .actions
                .iter()
                .find(|a| covers_all_of(&statement.actions, a))
            {
                let name = statement
                    .sid
                    .clone()
                    .unwrap_or_else(|| format!("statement #{}", index + 1));
                broad.push(format!("{} ({name}) allows {action}", policy.origin));
            }
        }
    }
    if !broad.is_empty() {
        broad.dedup();
        return Verdict::fail(listing(&broad, 3));
    }
    if !gathered.gaps.is_empty() {
        return Verdict::unknown(gathered.gaps_text());
    }
    Verdict::pass("no managed full-access policy and no EC2 action wildcard is granted")
}

/// Does an Allow's action scope take in every action `broad` matches?
fn covers_all_of(spec: &ActionSpec, broad: &str) -> bool {
    let broad = broad.to_ascii_lowercase();
    match spec {
        ActionSpec::Action(patterns) => patterns
            .iter()
            .any(|p| glob::subsumes(&p.to_ascii_lowercase(), &broad)),
        ActionSpec::NotAction(patterns) => !patterns
            .iter()
            .any(|p| glob::intersects(&p.to_ascii_lowercase(), &broad)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_resources_narrow_to_the_target() {
        let snapshot: crate::snapshot::Snapshot = serde_json::from_value(serde_json::json!({
            "schema": "ccaudit/snapshot/v1",
            "targets": [{"name": "t", "setup": {"region": "eu-west-1", "security_group_id": "sg-1", "account_id": "999999999999"},
                "aws": {"iam:GetUser": {"User": {"UserName": "b", "Arn": "arn:aws:iam::123456789012:user/b"}}}}]
        }))
        .unwrap();
        let target = &snapshot.targets[0];
        assert_eq!(
            in_target("arn:aws:ec2:*:*:instance/*", target),
            "arn:aws:ec2:eu-west-1:123456789012:instance/*"
        );
        assert_eq!(
            in_target("arn:aws:ec2:*::image/*", target),
            "arn:aws:ec2:eu-west-1::image/*"
        );
        assert_eq!(in_target("*", target), "*");
    }

    #[test]
    fn policy_json_is_the_guides_shape() {
        let grants = vec![Grant {
            actions: vec!["ec2:DescribeVpcs".into()],
            resources: vec!["*".into()],
        }];
        assert_eq!(
            policy_json(&grants),
            r#"{"Statement":[{"Action":["ec2:DescribeVpcs"],"Effect":"Allow","Resource":"*"}],"Version":"2012-10-17"}"#
        );
    }
}
