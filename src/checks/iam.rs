//! The IAM principal Bitmovin acts as: gathers every policy that governs its
//! requests (inline and attached, on the user and its groups or on the role,
//! its permissions boundary, and the organization's service control
//! policies) and asks the policy evaluator about Bitmovin's requests:
//! (action, resource) pairs in the target's region and account. Missing
//! evidence makes a verdict unknown, except where what was seen already
//! proves a failure (an explicit deny cannot be undone by a policy we did
//! not see). The principal judged is the owner of the dashboard's keys, or
//! the role Bitmovin assumes (see `subject`).

pub mod actions_allowed;
pub mod broad_grant;
pub mod no_mfa_condition;
mod requests;
mod scp;

use std::collections::{BTreeMap, BTreeSet};

use requests::{RequestPlan, Requests};
use scp::{Scps, scps};
use serde::Deserialize;

use crate::checks::shared::{Grant, ResourceScopes, Shared, SharedValues};
use crate::checks::subject::{Subject, SubjectKind, bitmovin_role, role_read_elsewhere, subject};
use crate::checks::verdict::{Verdict, call_failed, not_collected};
use crate::checks::{CheckType, ParamError};
use crate::checks::{IAM_KEYS, Reads, decides_on};
use crate::findings::Resource;
use crate::iam::{ActionSpec, NamedPolicy, PolicyDocument, PolicySet, RequestFacts, glob};
use crate::snapshot::Target;
use crate::snapshot::aws::{
    AttachedPolicies, AwsEvidence, Document, Evidence, InlinePolicy, Paged, PerName,
    PermissionsBoundary, PolicyNames, evidence, evidence_for,
};
use crate::template::Placeholder;

/// Where a managed policy is attached.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Holder<'a> {
    /// The judged user or role itself.
    Subject(SubjectKind),
    Group(&'a str),
}

impl std::fmt::Display for Holder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Holder::Subject(kind) => write!(f, "the {}", kind.as_str()),
            Holder::Group(name) => write!(f, "group {name}"),
        }
    }
}

/// Everything the snapshot shows about the judged principal's policies.
struct Gathered<'a> {
    set: PolicySet<'a>,
    /// ARNs of attached managed policies, with where they are attached.
    attached: Vec<(&'a str, Holder<'a>)>,
    /// Evidence that is missing or failed.
    gaps: Vec<String>,
    /// Whose policies these are.
    subject: Subject,
    /// Whether service control policies could be weighed, for the caveat.
    scp_caveat: Option<String>,
}

impl Gathered<'_> {
    /// What a passing finding must add: what was not verified.
    fn caveats(&self, with_scps: bool) -> String {
        let notes: Vec<&String> = self
            .subject
            .caveat
            .iter()
            .chain(self.scp_caveat.iter().filter(|_| with_scps))
            .collect();
        notes.iter().map(|n| format!("; {n}")).collect()
    }

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

/// The IAM principal a finding is about: the role Bitmovin assumes, else
/// the keys' owner when known.
pub fn principal(target: &Target) -> Resource {
    let named = |name: String| Resource::IamPrincipal { arn: None, name };
    if let Some(role) = bitmovin_role(target) {
        // The ARN read, unless the evidence is about another role.
        let arn = match evidence(target.aws.role.as_ref()) {
            Evidence::Present(r) if role_read_elsewhere(target).is_none() => {
                r.role.as_ref().and_then(|r| r.arn.clone())
            }
            _ => None,
        };
        return Resource::IamPrincipal {
            name: arn.clone().unwrap_or_else(|| format!("IAM role {role}")),
            arn,
        };
    }
    if let Evidence::Present(identity) = evidence(target.aws.caller_identity.as_ref())
        && let Some(arn) = identity.arn.as_ref().filter(|a| !a.is_empty())
    {
        return Resource::IamPrincipal {
            arn: Some(arn.clone()),
            name: arn.clone(),
        };
    }
    if let Evidence::Present(r) = evidence(target.aws.user.as_ref())
        && let Some(user) = &r.user
    {
        return match &user.arn {
            Some(arn) => Resource::IamPrincipal {
                arn: Some(arn.clone()),
                name: user.user_name.clone(),
            },
            None => named(user.user_name.clone()),
        };
    }
    match &target.setup.iam_user {
        Some(user) => named(format!("IAM user {user}")),
        None => named("IAM user".to_string()),
    }
}

/// The policies of the keys' owner, or the verdict when the evidence is not
/// about that principal.
fn gather(target: &Target) -> Result<Gathered<'_>, Verdict> {
    let subject = subject(target)?;
    let aws = &target.aws;
    let mut g = Gathered {
        set: PolicySet {
            facts: RequestFacts {
                region: Some(target.setup.region.as_str()),
                role_session: subject.kind == SubjectKind::Role,
            },
            ..PolicySet::default()
        },
        attached: Vec::new(),
        gaps: Vec::new(),
        subject,
        scp_caveat: None,
    };
    let found = scps(aws, evidence_account(target));
    g.scp_caveat = found.note();
    match found {
        Scps::Apply(levels) => g.set.scp_levels = levels,
        Scps::DoNotApply(_) => {}
        // A Deny seen is a Deny, however much else is missing.
        Scps::NotCollected { seen, .. } => g.set.scp_partial = seen,
    }
    match g.subject.kind {
        SubjectKind::User => gather_user(aws, &mut g),
        SubjectKind::Role => gather_role(aws, &mut g),
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
    Ok(g)
}

/// The user's policies, its groups' and its permissions boundary.
fn gather_user<'a>(aws: &'a AwsEvidence, g: &mut Gathered<'a>) {
    match evidence(aws.user.as_ref()) {
        Evidence::Present(r) => {
            if r.user.is_none() {
                // Without the user, its permissions boundary is unseen.
                g.gaps.push("iam:GetUser answered without User".into());
            }
            let user_boundary = r
                .user
                .as_ref()
                .and_then(|u| u.permissions_boundary.as_ref());
            if let Some(b) = user_boundary {
                boundary(aws, b, g);
            }
        }
        Evidence::Failed(e) => g.gaps.push(call_failed("iam:GetUser", e)),
        Evidence::Missing => g.gaps.push(not_collected("iam:GetUser")),
    }

    own_policies(
        SubjectKind::User,
        aws.user_policy_names.as_ref(),
        aws.user_policies.as_ref(),
        aws.user_attached_policies.as_ref(),
        g,
    );

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
                        gather_group(aws, &group.group_name, g);
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
}

/// The role's own policies and its permissions boundary: a role has no
/// groups. (`subject` made sure the role read is the one Bitmovin assumes.)
fn gather_role<'a>(aws: &'a AwsEvidence, g: &mut Gathered<'a>) {
    match evidence(aws.role.as_ref()) {
        Evidence::Present(r) => match &r.role {
            Some(role) => {
                if let Some(b) = &role.permissions_boundary {
                    boundary(aws, b, g);
                }
            }
            // Without the role, its permissions boundary is unseen.
            None => g.gaps.push("iam:GetRole answered without Role".into()),
        },
        Evidence::Failed(e) => g.gaps.push(call_failed("iam:GetRole", e)),
        Evidence::Missing => g.gaps.push(not_collected("iam:GetRole")),
    }
    own_policies(
        SubjectKind::Role,
        aws.role_policy_names.as_ref(),
        aws.role_policies.as_ref(),
        aws.role_attached_policies.as_ref(),
        g,
    );
}

/// The inline and attached policies on the judged user or role itself,
/// read from the keys of its kind.
fn own_policies<'a>(
    kind: SubjectKind,
    names: Option<&'a PolicyNames>,
    documents: Option<&'a PerName<InlinePolicy>>,
    attached: Option<&'a AttachedPolicies>,
    g: &mut Gathered<'a>,
) {
    let (list, get, list_attached) = match kind {
        SubjectKind::User => (
            "iam:ListUserPolicies",
            "iam:GetUserPolicy",
            "iam:ListAttachedUserPolicies",
        ),
        SubjectKind::Role => (
            "iam:ListRolePolicies",
            "iam:GetRolePolicy",
            "iam:ListAttachedRolePolicies",
        ),
    };
    for name in listed(
        evidence(names),
        list,
        "PolicyNames",
        &mut g.gaps,
        policy_names,
    ) {
        let policy = evidence_for(documents, name);
        if let Some(document) = inline_document(policy, get, name, &mut g.gaps) {
            g.set.identity.push(NamedPolicy {
                origin: format!("inline policy '{name}' on the {}", kind.as_str()),
                document,
            });
        }
    }
    for arn in listed(
        evidence(attached),
        list_attached,
        "AttachedPolicies",
        &mut g.gaps,
        attached_arns,
    ) {
        g.attached.push((arn, Holder::Subject(kind)));
    }
}

/// The permissions boundary's document, when it can be read.
fn boundary<'a>(aws: &'a AwsEvidence, b: &'a PermissionsBoundary, g: &mut Gathered<'a>) {
    let arn = b.permissions_boundary_arn.as_str();
    if let Some(document) = managed_document(aws, arn, &mut g.gaps) {
        g.set.boundary = Some(NamedPolicy {
            origin: format!("permissions boundary {arn}"),
            document,
        });
    }
}

fn gather_group<'a>(aws: &'a AwsEvidence, group: &'a str, g: &mut Gathered<'a>) {
    let names = evidence_for(aws.group_policy_names.as_ref(), group);
    let call = format!("iam:ListGroupPolicies for group {group}");
    for name in listed(names, &call, "PolicyNames", &mut g.gaps, policy_names) {
        let key = format!("{group}/{name}");
        let policy = evidence_for(aws.group_policies.as_ref(), &key);
        if let Some(document) = inline_document(policy, "iam:GetGroupPolicy", &key, &mut g.gaps) {
            g.set.identity.push(NamedPolicy {
                origin: format!("inline policy '{name}' on group {group}"),
                document,
            });
        }
    }
    let attached = evidence_for(aws.group_attached_policies.as_ref(), group);
    let call = format!("iam:ListAttachedGroupPolicies for group {group}");
    for arn in listed(
        attached,
        &call,
        "AttachedPolicies",
        &mut g.gaps,
        attached_arns,
    ) {
        g.attached.push((arn, Holder::Group(group)));
    }
}

fn policy_names(r: &PolicyNames) -> Option<Vec<&str>> {
    Some(
        r.policy_names
            .as_ref()?
            .iter()
            .map(String::as_str)
            .collect(),
    )
}

fn attached_arns(r: &AttachedPolicies) -> Option<Vec<&str>> {
    let list = r.attached_policies.as_ref()?;
    Some(list.iter().map(|p| p.policy_arn.as_str()).collect())
}

/// The items of a list call's answer (`field` of it, picked by `items`),
/// with a gap noted for a first page only, an answer without the field, a
/// failed call or one not collected.
fn listed<'a, T: Paged>(
    list: Evidence<'a, T>,
    call: &str,
    field: &str,
    gaps: &mut Vec<String>,
    items: impl FnOnce(&'a T) -> Option<Vec<&'a str>>,
) -> Vec<&'a str> {
    match list {
        Evidence::Present(r) => {
            if r.truncated() {
                gaps.push(format!(
                    "{call} is only a first page (IsTruncated, Marker or NextToken)"
                ));
            }
            items(r).unwrap_or_else(|| {
                gaps.push(format!("{call} answered without {field}"));
                Vec::new()
            })
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
    policy: Evidence<'a, InlinePolicy>,
    call: &str,
    name: &str,
    gaps: &mut Vec<String>,
) -> Option<&'a PolicyDocument> {
    match policy {
        Evidence::Present(p) => readable(
            p.policy_document.as_ref(),
            || format!("{call} for {name}"),
            gaps,
        ),
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

/// The document, or a gap saying why there is none to read (`what` names
/// the call, made only for a gap).
fn readable<'a>(
    document: Option<&'a Document>,
    what: impl FnOnce() -> String,
    gaps: &mut Vec<String>,
) -> Option<&'a PolicyDocument> {
    match document.map(Document::parsed) {
        Some(Ok(document)) => Some(document),
        Some(Err(why)) => {
            gaps.push(format!(
                "{}: the policy document cannot be read ({why})",
                what()
            ));
            None
        }
        None => {
            gaps.push(format!("{} answered without a policy document", what()));
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
    match evidence_for(aws.policy_versions.as_ref(), arn) {
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
            readable(document, || format!("{call} for {arn}"), gaps)
        }
        Evidence::Failed(e) => {
            gaps.push(format!("{} for {arn}", call_failed(call, e)));
            None
        }
        Evidence::Missing => {
            // No version without GetPolicy's default version id: name that call.
            match evidence_for(aws.policies.as_ref(), arn) {
                Evidence::Failed(e) => {
                    gaps.push(format!("{} for {arn}", call_failed("iam:GetPolicy", e)))
                }
                _ => gaps.push(format!("{} for {arn}", not_collected(call))),
            }
            None
        }
    }
}

/// The account the principal's requests run in, as the evidence shows it:
/// the role's or the user's ARN, else the keys' identity. The setup's
/// account id is what the customer typed, which is exactly what may be wrong.
fn evidence_account(target: &Target) -> Option<&str> {
    fn account_of(arn: Option<&str>) -> Option<&str> {
        arn.and_then(|arn| arn.split(':').nth(4))
    }
    if bitmovin_role(target).is_some() {
        return match evidence(target.aws.role.as_ref()) {
            Evidence::Present(r) => account_of(r.role.as_ref().and_then(|r| r.arn.as_deref())),
            _ => None,
        }
        .filter(|a| !a.is_empty());
    }
    let from_user = match evidence(target.aws.user.as_ref()) {
        Evidence::Present(r) => account_of(r.user.as_ref().and_then(|u| u.arn.as_deref())),
        _ => None,
    };
    let from_keys = match evidence(target.aws.caller_identity.as_ref()) {
        Evidence::Present(identity) => identity.account.as_deref(),
        _ => None,
    };
    from_user.or(from_keys).filter(|a| !a.is_empty())
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

/// The judged user or role for fix commands (checked there, like every
/// value): `put-{principal_kind}-policy --{principal_kind}-name {principal_name}`.
fn with_subject(verdict: Verdict, subject: &Subject) -> Verdict {
    let mut verdict = verdict.with(
        Placeholder::PrincipalKind,
        subject.kind.as_str().to_string(),
    );
    if let Some(name) = subject.name.as_deref() {
        verdict = verdict.with(Placeholder::PrincipalName, name.to_string());
    }
    // `{iam_user}` names the judged user, never the setup's when they differ.
    if let Some(user) = subject.user() {
        verdict = verdict.with(Placeholder::IamUser, user.to_string());
    }
    verdict
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamGrants {
    pub grants: Shared<Vec<Grant>>,
    /// What AWS authorizes the actions granted on `*` against; an action
    /// not listed there has no resource-level permissions.
    pub resource_scopes: Option<Shared<ResourceScopes>>,
    /// The pairs the grants ask for, planned on first use.
    #[serde(skip)]
    plan: std::sync::OnceLock<RequestPlan>,
}

impl IamGrants {
    /// Resolve the `@name` references of the two iam-* check types that
    /// take grants.
    pub fn resolve(&mut self, shared: &SharedValues) -> Result<(), ParamError> {
        self.grants
            .resolve(shared)
            .map_err(ParamError::at(&self.grants.span))?;
        if let Some(scopes) = &mut self.resource_scopes {
            scopes
                .resolve(shared)
                .map_err(ParamError::at(&scopes.span))?;
        }
        Ok(())
    }

    /// Bitmovin's requests in `target` (see `requests`).
    fn requests<'a>(&'a self, target: &'a Target) -> Requests<'a> {
        let plan = self.plan.get_or_init(|| {
            RequestPlan::new(
                &self.grants.value,
                self.resource_scopes.as_ref().map(|s| &s.value),
            )
        });
        plan.in_target(target)
    }
}

/// The question a grant check type asks of the grant set.
pub trait GrantsQuestion {
    fn evaluate(grants: &IamGrants, target: &Target) -> Verdict;
}

/// The check types that judge a grant set (`iam-actions-allowed`,
/// `iam-no-mfa-condition`) share their parameters, evidence, placeholders
/// and resource; they differ in the question `Q` asks.
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct GrantsCheck<Q> {
    pub grants: IamGrants,
    #[serde(skip)]
    question: std::marker::PhantomData<Q>,
}

impl<Q: GrantsQuestion> CheckType for GrantsCheck<Q> {
    fn how_judged(&self) -> &'static str {
        HOW_GRANTS_ARE_JUDGED
    }

    fn prepare(&mut self, shared: &SharedValues) -> Result<(), ParamError> {
        self.grants.resolve(shared)
    }

    fn evidence_key(&self) -> Option<&'static str> {
        Some("iam:GetUser")
    }

    fn reads(&self, key: &str, _name: Option<&str>) -> Reads {
        match key {
            "sts:GetCallerIdentity" => Reads::Qualifies("not verified"),
            _ if key.starts_with("organizations:") => Reads::Qualifies("not weighed"),
            _ => decides_on(&IAM_KEYS, key),
        }
    }

    fn placeholders(&self) -> &'static [Placeholder] {
        &[
            Placeholder::PolicyJson,
            Placeholder::PrincipalKind,
            Placeholder::PrincipalName,
            Placeholder::IamUser,
        ]
    }

    fn resource(&self, target: &Target) -> Resource {
        principal(target)
    }

    fn evaluate(&self, target: &Target) -> Verdict {
        Q::evaluate(&self.grants, target)
    }
}

/// How the two check types that take grants judge them (`rules explain`).
const HOW_GRANTS_ARE_JUDGED: &str = "Judges the owner of the dashboard's keys, or for a role-based account read from Bitmovin the role it assumes (unknown when the IAM evidence describes another principal). Bitmovin's requests are (action, resource) pairs of the guide's policy in the target's region and account; an action the guide grants on * is asked on the resources AWS authorizes it against (resource_scopes), or, with no resource-level permissions, on the string * itself, as AWS does; a statement applies only when its Action and its Resource match. Evaluated like AWS for access-key requests (or the role's sessions): inline and attached policies of the user and its groups (or of the role), the permissions boundary and the organization's service control policies (every level from the root to the account must allow; an explicit Deny anywhere blocks). Access keys carry no MFA keys, a role session carries aws:MultiFactorAuthPresent false, and aws:RequestedRegion is the target's region; a grant or Deny that depends on any other condition (aws:SourceIp, tags, time) is unknown, naming it. A pass says when the SCPs could not be weighed or the keys' owner was not verified.";

#[cfg(test)]
mod tests {
    use super::*;

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
