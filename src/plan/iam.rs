//! The plan's Bitmovin user as IAM would describe it once applied: the
//! `aws_iam_user`, its inline policies (`aws_iam_user_policy`), its
//! attached policies (`aws_iam_user_policy_attachment`, with the documents
//! of the `aws_iam_policy` resources the plan makes), its groups
//! (`aws_iam_user_group_membership`, `aws_iam_group_membership`) with
//! their policies (`aws_iam_group_policy`, `aws_iam_group_policy_attachment`)
//! and its access keys (`aws_iam_access_key`).
//!
//! Only a user or group the plan creates is described whole: an existing
//! one may have policies, groups and keys the plan does not show, so for it
//! the lists are left out and the IAM rules say unknown. So are a list in
//! which one entry may be the holder's but cannot be told, and a document
//! only apply will know.

use serde_json::{Map, Value, json};

use super::resources::{Plan, Resource};

const USER: &str = "aws_iam_user";
const GROUP: &str = "aws_iam_group";
const POLICY: &str = "aws_iam_policy";
const ACCESS_KEY: &str = "aws_iam_access_key";
/// Attaches a policy to the users, groups and roles it lists, and detaches
/// it from every other.
const SHARED_ATTACHMENT: &str = "aws_iam_policy_attachment";
/// Group memberships, by the attribute naming the user.
const MEMBERSHIPS: [(&str, &str); 2] = [
    ("aws_iam_user_group_membership", "user"),
    ("aws_iam_group_membership", "users"),
];

/// The resources that give a user or a group its policies, each with the
/// attribute naming the user or group.
struct PolicyKinds {
    inline: (&'static str, &'static str),
    attachment: (&'static str, &'static str),
    /// Also set or remove the inline policies: when one is (or may be) the
    /// holder's, its list is not known from the plan.
    inline_too: (&'static str, &'static str),
    /// Likewise for the attached policies.
    attachments_too: [(&'static str, &'static str); 2],
}

const USER_POLICIES: PolicyKinds = PolicyKinds {
    inline: ("aws_iam_user_policy", "user"),
    attachment: ("aws_iam_user_policy_attachment", "user"),
    inline_too: ("aws_iam_user_policies_exclusive", "user_name"),
    attachments_too: [
        (SHARED_ATTACHMENT, "users"),
        ("aws_iam_user_policy_attachments_exclusive", "user_name"),
    ],
};

const GROUP_POLICIES: PolicyKinds = PolicyKinds {
    inline: ("aws_iam_group_policy", "group"),
    attachment: ("aws_iam_group_policy_attachment", "group"),
    inline_too: ("aws_iam_group_policies_exclusive", "group_name"),
    attachments_too: [
        (SHARED_ATTACHMENT, "groups"),
        ("aws_iam_group_policy_attachments_exclusive", "group_name"),
    ],
};

/// The user Bitmovin's keys belong to: the one at `address`, or the plan's
/// only one; `None` when the plan makes no user (the IAM rules then say
/// unknown, as for a snapshot without IAM evidence).
pub fn chosen<'p>(plan: &'p Plan, choice: &super::Choice) -> Result<Option<&'p Resource>, String> {
    let by = (choice.user_address.as_deref(), choice.tag.as_ref());
    super::resources::choose(plan, USER, by, "--iam-user-address", |_| true)
}

/// Whether a resource is the user's (or may be).
enum Belongs {
    Yes,
    No,
    Maybe,
}

/// The user, or one of its groups, with its name when the plan knows it.
struct Own<'p> {
    plan: &'p Plan,
    target: &'p Resource,
    name: Option<String>,
}

impl Own<'_> {
    /// By the resource's `attribute` naming the user (or group): its name
    /// when known, else the configuration's reference to it.
    fn belongs(&self, resource: &Resource, attribute: &str) -> Belongs {
        let named = |value: &Value| match (value.as_str(), &self.name) {
            (Some(given), Some(name)) => given == name,
            _ => false,
        };
        match resource.known(attribute) {
            // `users = [...]` of a group membership.
            Some(Value::Array(names)) if names.iter().any(named) => return Belongs::Yes,
            Some(Value::Array(_)) if self.name.is_some() => return Belongs::No,
            Some(value) if value.is_string() && self.name.is_some() => {
                return if named(value) {
                    Belongs::Yes
                } else {
                    Belongs::No
                };
            }
            _ => {}
        }
        match self.plan.refers_to(resource, attribute, self.target) {
            Some(true) => Belongs::Yes,
            Some(false) => Belongs::No,
            None => Belongs::Maybe,
        }
    }

    /// Whether the resource named the holder before the plan (a policy or
    /// key the plan moves to another user still leaves this one).
    fn was(&self, resource: &Resource, attribute: &str) -> bool {
        let Some(name) = &self.name else {
            return false;
        };
        match resource.before.get(attribute) {
            Some(Value::String(given)) => given == name,
            Some(Value::Array(names)) => names.iter().any(|n| n.as_str() == Some(name)),
            _ => false,
        }
    }

    /// Whether no resource of `kind` is (or may be) the holder's.
    fn none_of(&self, (kind, attribute): (&str, &str)) -> bool {
        self.owned(kind, attribute)
            .is_some_and(|found| found.is_empty())
    }

    /// The resources of `kind` that are the holder's, or `None` when one
    /// may be but cannot be told.
    fn owned(&self, kind: &str, attribute: &str) -> Option<Vec<&Resource>> {
        let mut out = Vec::new();
        for resource in self
            .plan
            .resources
            .iter()
            .filter(|r| r.kind == kind && !r.destroyed)
        {
            match self.belongs(resource, attribute) {
                Belongs::Yes => out.push(resource),
                Belongs::No => {}
                Belongs::Maybe => return None,
            }
        }
        Some(out)
    }
}

impl Own<'_> {
    /// The inline policies (name, and document unless only apply knows it),
    /// or `None` when the list cannot be told.
    fn inline(&self, kinds: &PolicyKinds) -> Option<Vec<(String, Option<Value>)>> {
        if !self.none_of(kinds.inline_too) {
            return None;
        }
        let (kind, attribute) = kinds.inline;
        let policies = self.owned(kind, attribute)?;
        Some(
            policies
                .into_iter()
                .map(|policy| {
                    let name = policy
                        .known("name")
                        .and_then(Value::as_str)
                        .map_or_else(|| policy.address.clone(), str::to_string);
                    (name, document(policy))
                })
                .collect(),
        )
    }

    /// The attached policies as `ListAttached…Policies` lists them, with
    /// the documents of those the plan makes added to `versions`; `None`
    /// when the list cannot be told.
    fn attached(
        &self,
        kinds: &PolicyKinds,
        versions: &mut Map<String, Value>,
    ) -> Option<Vec<Value>> {
        if !kinds
            .attachments_too
            .iter()
            .all(|other| self.none_of(*other))
        {
            return None;
        }
        let (kind, attribute) = kinds.attachment;
        let mut attached = Vec::new();
        for attachment in self.owned(kind, attribute)? {
            let (arn, document) = policy_of(self.plan, attachment)?;
            // A shared attachment of the same policy detaches it from
            // everyone it does not list.
            let detached = self.plan.resources.iter().any(|r| {
                r.kind == SHARED_ATTACHMENT
                    && !r.destroyed
                    && r.known("policy_arn")
                        .and_then(Value::as_str)
                        .is_none_or(|a| a == arn)
            });
            if detached {
                return None;
            }
            if let Some(document) = document {
                versions.insert(arn.clone(), version(document));
            }
            let policy_name = arn.rsplit('/').next().unwrap_or(&arn).to_string();
            attached.push(json!({"PolicyName": policy_name, "PolicyArn": arn}));
        }
        Some(attached)
    }

    /// The names of the user's groups, or `None` when a membership is not
    /// known before apply.
    fn memberships(&self) -> Option<Vec<String>> {
        let mut names = std::collections::BTreeSet::new();
        let [(by_user, user), (by_group, users)] = MEMBERSHIPS;
        for membership in self.owned(by_user, user)? {
            for group in membership.known("groups")?.as_array()? {
                names.insert(group.as_str()?.to_string());
            }
        }
        for membership in self.owned(by_group, users)? {
            names.insert(membership.known("group")?.as_str()?.to_string());
        }
        // `aws_iam_group_membership` is the whole of its group: one of the
        // user's groups (or maybe) that leaves the user out takes it out.
        let taken_out = self
            .plan
            .resources
            .iter()
            .filter(|r| r.kind == by_group && !r.destroyed)
            .any(|r| {
                let group = r.known("group").and_then(Value::as_str);
                group.is_none_or(|g| names.contains(g))
                    && matches!(self.belongs(r, users), Belongs::No)
            });
        if taken_out {
            return None;
        }
        Some(names.into_iter().collect())
    }
}

/// A policy document as the plan holds it (`jsonencode`-d text): the
/// document itself, or `None` when only apply will know it.
fn document(resource: &Resource) -> Option<Value> {
    let text = resource.known("policy")?.as_str()?;
    Some(serde_json::from_str::<Value>(text).unwrap_or_else(|_| json!(text)))
}

/// `iam:GetPolicyVersion` for every policy the plan keeps whose ARN and
/// document it knows (a new one's ARN is known only after apply: those are
/// found through their attachments).
pub fn policy_versions(plan: &Plan) -> Map<String, Value> {
    plan.resources
        .iter()
        .filter(|r| r.kind == POLICY && !r.destroyed)
        .filter_map(|policy| {
            let arn = policy.known("arn").and_then(Value::as_str)?;
            Some((arn.to_string(), version(document(policy)?)))
        })
        .collect()
}

/// A policy document as `iam:GetPolicyVersion` answers for the default version.
fn version(document: Value) -> Value {
    json!({"PolicyVersion": {"Document": document, "VersionId": "v1", "IsDefaultVersion": true}})
}

/// The snapshot keys the user gives, and its name for the setup.
pub fn describe(plan: &Plan, user: &Resource) -> (Option<String>, Map<String, Value>) {
    let name = user
        .known("name")
        .and_then(Value::as_str)
        .map(str::to_string);
    let own = Own {
        plan,
        target: user,
        name,
    };
    let mut aws = Map::new();
    let Some(name) = own.name.clone() else {
        return (None, aws);
    };
    let mut described = json!({ "UserName": name });
    if let Some(arn) = user.known("arn").and_then(Value::as_str) {
        described["Arn"] = json!(arn);
    }
    match user.known("permissions_boundary").and_then(Value::as_str) {
        Some(boundary) => {
            described["PermissionsBoundary"] = json!({
                "PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": boundary,
            });
        }
        // A boundary only apply knows: nothing about the user is sure.
        None if user.unknown("permissions_boundary") => return (Some(name), aws),
        None => {}
    }
    aws.insert("iam:GetUser".into(), json!({ "User": described }));
    if !user.created() {
        // Policies, groups and keys made outside the plan may be there.
        return (Some(name), aws);
    }
    let mut versions = Map::new();
    if let Some(inline) = own.inline(&USER_POLICIES) {
        let documents: Map<String, Value> = inline
            .iter()
            .filter_map(|(policy, document)| {
                let document = document.clone()?;
                Some((
                    policy.clone(),
                    json!({"UserName": name, "PolicyName": policy, "PolicyDocument": document}),
                ))
            })
            .collect();
        let names: Vec<&String> = inline.iter().map(|(policy, _)| policy).collect();
        aws.insert(
            "iam:ListUserPolicies".into(),
            json!({ "PolicyNames": names }),
        );
        aws.insert("iam:GetUserPolicy".into(), Value::Object(documents));
    }
    if let Some(attached) = own.attached(&USER_POLICIES, &mut versions) {
        aws.insert(
            "iam:ListAttachedUserPolicies".into(),
            json!({ "AttachedPolicies": attached }),
        );
    }
    if let Some(groups) = own.memberships() {
        describe_groups(plan, &groups, &mut versions, &mut aws);
        aws.insert(
            "iam:ListGroupsForUser".into(),
            json!({ "Groups": groups.iter().map(|g| json!({"GroupName": g})).collect::<Vec<_>>() }),
        );
    }
    aws.insert("iam:GetPolicyVersion".into(), Value::Object(versions));
    // A key whose status only apply will know may be inactive.
    if let Some(keys) = own
        .owned(ACCESS_KEY, "user")
        .filter(|keys| keys.iter().all(|key| !key.unknown("status")))
    {
        let metadata: Vec<Value> = keys
            .iter()
            .map(|key| {
                json!({
                    "UserName": name,
                    "AccessKeyId": key.known("id").and_then(Value::as_str).map_or_else(
                        || format!("(known after apply: {})", key.address),
                        str::to_string,
                    ),
                    "Status": key.known("status").and_then(Value::as_str).unwrap_or("Active"),
                })
            })
            .collect();
        aws.insert(
            "iam:ListAccessKeys".into(),
            json!({ "AccessKeyMetadata": metadata }),
        );
    }
    (Some(name), aws)
}

/// The IAM keys of a live snapshot that the plan makes stale: the lists of
/// the user's policies, groups and keys that it changes (or may change),
/// the groups' policies it changes, and the documents of policies it
/// changes without showing the new one. `user` is the plan's user, if it
/// has one; without one, a change to any user's lists counts.
pub fn stale(plan: &Plan, user: Option<&Resource>) -> Vec<&'static str> {
    let own = user.map(|user| Own {
        plan,
        target: user,
        name: user
            .known("name")
            .and_then(Value::as_str)
            .map(str::to_string),
    });
    // What the plan changes (a deposed object it deletes too) that is, was
    // or may be the user's.
    let changes = |kinds: &[(&str, &str)]| {
        kinds.iter().any(|(kind, attribute)| {
            plan.resources
                .iter()
                .chain(&plan.deposed)
                .filter(|r| r.kind == *kind && !r.unchanged())
                .any(|r| match &own {
                    Some(own) => {
                        !matches!(own.belongs(r, attribute), Belongs::No) || own.was(r, attribute)
                    }
                    None => true,
                })
        })
    };
    let mut stale = Vec::new();
    if changes(&[USER_POLICIES.inline, USER_POLICIES.inline_too]) {
        stale.extend(["iam:ListUserPolicies", "iam:GetUserPolicy"]);
    }
    let shared_changes = plan
        .resources
        .iter()
        .chain(&plan.deposed)
        .any(|r| r.kind == SHARED_ATTACHMENT && !r.unchanged());
    if shared_changes || changes(&[USER_POLICIES.attachment, USER_POLICIES.attachments_too[1]]) {
        stale.push("iam:ListAttachedUserPolicies");
    }
    // A group's whole member list (`aws_iam_group_membership`) the plan
    // changes may take the user out, named or not.
    let [by_user, (by_group, _)] = MEMBERSHIPS;
    let group_lists = plan
        .resources
        .iter()
        .chain(&plan.deposed)
        .any(|r| r.kind == by_group && !r.unchanged());
    if group_lists || changes(&[by_user]) {
        stale.push("iam:ListGroupsForUser");
    }
    if changes(&[(ACCESS_KEY, "user")]) {
        stale.push("iam:ListAccessKeys");
    }
    let group_changes = |kinds: &[(&str, &str)]| {
        kinds.iter().any(|(kind, _)| {
            plan.resources
                .iter()
                .chain(&plan.deposed)
                .any(|r| r.kind == *kind && !r.unchanged())
        })
    };
    if group_changes(&[GROUP_POLICIES.inline, GROUP_POLICIES.inline_too]) {
        stale.extend(["iam:ListGroupPolicies", "iam:GetGroupPolicy"]);
    }
    if shared_changes
        || group_changes(&[GROUP_POLICIES.attachment, GROUP_POLICIES.attachments_too[1]])
    {
        stale.push("iam:ListAttachedGroupPolicies");
    }
    let unseen_document = plan
        .resources
        .iter()
        .any(|r| r.kind == POLICY && !r.created() && !r.unchanged() && document(r).is_none());
    if unseen_document {
        stale.push("iam:GetPolicyVersion");
    }
    stale
}

/// The policies of the user's groups that the plan makes: a group it
/// creates is described whole (inline and attached policies); an existing
/// group, or one the plan does not hold, is left out, so its policies are
/// unknown as a snapshot without them would be.
fn describe_groups(
    plan: &Plan,
    groups: &[String],
    versions: &mut Map<String, Value>,
    aws: &mut Map<String, Value>,
) {
    let mut names = Map::new();
    let mut documents = Map::new();
    let mut attachments = Map::new();
    for group_name in groups {
        let made = plan.resources.iter().find(|r| {
            r.kind == GROUP
                && !r.destroyed
                && r.known("name").and_then(Value::as_str) == Some(group_name)
        });
        let Some(group) = made.filter(|g| g.created()) else {
            continue;
        };
        let own = Own {
            plan,
            target: group,
            name: Some(group_name.clone()),
        };
        if let Some(inline) = own.inline(&GROUP_POLICIES) {
            for (policy, document) in &inline {
                if let Some(document) = document {
                    documents.insert(
                        format!("{group_name}/{policy}"),
                        json!({"GroupName": group_name, "PolicyName": policy, "PolicyDocument": document}),
                    );
                }
            }
            let listed: Vec<&String> = inline.iter().map(|(policy, _)| policy).collect();
            names.insert(group_name.clone(), json!({ "PolicyNames": listed }));
        }
        if let Some(attached) = own.attached(&GROUP_POLICIES, versions) {
            attachments.insert(group_name.clone(), json!({ "AttachedPolicies": attached }));
        }
    }
    aws.insert("iam:ListGroupPolicies".into(), Value::Object(names));
    aws.insert("iam:GetGroupPolicy".into(), Value::Object(documents));
    aws.insert(
        "iam:ListAttachedGroupPolicies".into(),
        Value::Object(attachments),
    );
}

/// The ARN an attachment attaches (the policy's address while the plan
/// makes it) and, for a policy the plan makes, its document; `None` when
/// the policy cannot be told.
fn policy_of(plan: &Plan, attachment: &Resource) -> Option<(String, Option<Value>)> {
    if let Some(arn) = attachment.known("policy_arn").and_then(Value::as_str) {
        // An ARN known now: a policy that exists, or one the plan updates.
        let made = plan.resources.iter().find(|r| {
            r.kind == POLICY && !r.destroyed && r.known("arn").and_then(Value::as_str) == Some(arn)
        });
        return Some((arn.to_string(), made.and_then(document)));
    }
    let references = plan.references(attachment, "policy_arn");
    let mut policies = references
        .iter()
        .filter_map(|r| r.strip_prefix("aws_iam_policy."))
        .map(|rest| rest.split(['.', '[']).next().unwrap_or(rest))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter();
    let (Some(policy), None) = (policies.next(), policies.next()) else {
        return None;
    };
    if references.iter().any(|r| !r.starts_with("aws_iam_policy.")) {
        return None;
    }
    let made: Vec<&Resource> = plan
        .resources
        .iter()
        .filter(|r| {
            r.kind == POLICY
                && !r.destroyed
                && r.module == attachment.module
                && r.local_address() == format!("{POLICY}.{policy}")
        })
        .collect();
    // One instance of several (`count`): which one, the plan does not say here.
    let [made] = made[..] else {
        return None;
    };
    Some((made.address.clone(), document(made)))
}
