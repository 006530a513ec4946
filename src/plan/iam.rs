//! The plan's Bitmovin user as IAM would describe it once applied: the
//! `aws_iam_user`, its inline policies (`aws_iam_user_policy`), its
//! attached policies (`aws_iam_user_policy_attachment`, with the documents
//! of the `aws_iam_policy` resources the plan makes) and its access keys
//! (`aws_iam_access_key`).
//!
//! Only a user the plan creates is described whole: an existing user may
//! have policies, groups and keys the plan does not show, so for it the
//! lists are left out and the IAM rules say unknown. So are a list in which
//! one entry may be the user's but cannot be told, a document only apply
//! will know, and group memberships (groups are not read yet).

use serde_json::{Map, Value, json};

use super::resources::{Plan, Resource};

const USER: &str = "aws_iam_user";
const INLINE: &str = "aws_iam_user_policy";
const ATTACHMENT: &str = "aws_iam_user_policy_attachment";
const POLICY: &str = "aws_iam_policy";
const ACCESS_KEY: &str = "aws_iam_access_key";
/// Group memberships, by the attribute naming the user.
const MEMBERSHIPS: [(&str, &str); 2] = [
    ("aws_iam_user_group_membership", "user"),
    ("aws_iam_group_membership", "users"),
];
/// Resources that also attach or remove the user's policies, by the
/// attribute naming the user: when one is (or may be) the user's, the list
/// it changes is not known from the plan.
const INLINE_TOO: (&str, &str) = ("aws_iam_user_policies_exclusive", "user_name");
const ATTACHMENTS_TOO: [(&str, &str); 2] = [
    ("aws_iam_policy_attachment", "users"),
    ("aws_iam_user_policy_attachments_exclusive", "user_name"),
];

/// The user Bitmovin's keys belong to: the one at `address`, or the plan's
/// only one; `None` when the plan makes no user (the IAM rules then say
/// unknown, as for a snapshot without IAM evidence).
pub fn chosen<'p>(plan: &'p Plan, address: Option<&str>) -> Result<Option<&'p Resource>, String> {
    super::resources::choose(plan, USER, address, "--iam-user-address")
}

/// Whether a resource is the user's (or may be).
enum Belongs {
    Yes,
    No,
    Maybe,
}

struct Own<'p> {
    plan: &'p Plan,
    user: &'p Resource,
    name: Option<String>,
}

impl Own<'_> {
    /// By the resource's `attribute` naming the user: its name when known,
    /// else the configuration's reference to this user.
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
        match self.plan.refers_to(resource, attribute, self.user) {
            Some(true) => Belongs::Yes,
            Some(false) => Belongs::No,
            None => Belongs::Maybe,
        }
    }

    /// Whether no resource of `kind` is (or may be) the user's.
    fn none_of(&self, (kind, attribute): (&str, &str)) -> bool {
        self.owned(kind, attribute)
            .is_some_and(|found| found.is_empty())
    }

    /// The resources of `kind` that are the user's, or `None` when one may
    /// be but cannot be told.
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

/// A policy document as the plan holds it (`jsonencode`-d text): the
/// document itself, or `None` when only apply will know it.
fn document(resource: &Resource) -> Option<Value> {
    let text = resource.known("policy")?.as_str()?;
    Some(serde_json::from_str::<Value>(text).unwrap_or_else(|_| json!(text)))
}

/// The snapshot keys the user gives, and its name for the setup.
pub fn describe(plan: &Plan, user: &Resource) -> (Option<String>, Map<String, Value>) {
    let name = user
        .known("name")
        .and_then(Value::as_str)
        .map(str::to_string);
    let own = Own { plan, user, name };
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
    if let Some(inline) = own
        .owned(INLINE, "user")
        .filter(|_| own.none_of(INLINE_TOO))
    {
        let mut names = Vec::new();
        let mut documents = Map::new();
        for policy in inline {
            let policy_name = policy
                .known("name")
                .and_then(Value::as_str)
                .map_or_else(|| policy.address.clone(), str::to_string);
            if let Some(document) = document(policy) {
                documents.insert(
                    policy_name.clone(),
                    json!({"UserName": name, "PolicyName": policy_name, "PolicyDocument": document}),
                );
            }
            names.push(json!(policy_name));
        }
        aws.insert(
            "iam:ListUserPolicies".into(),
            json!({ "PolicyNames": names }),
        );
        aws.insert("iam:GetUserPolicy".into(), Value::Object(documents));
    }
    if let Some(attachments) = own
        .owned(ATTACHMENT, "user")
        .filter(|_| ATTACHMENTS_TOO.iter().all(|other| own.none_of(*other)))
    {
        let mut attached = Vec::new();
        let mut versions = Map::new();
        let mut whole = true;
        for attachment in attachments {
            match policy_of(plan, attachment) {
                Some((arn, document)) => {
                    let policy_name = arn.rsplit('/').next().unwrap_or(&arn).to_string();
                    if let Some(document) = document {
                        versions.insert(
                            arn.clone(),
                            json!({"PolicyVersion": {"Document": document, "VersionId": "v1", "IsDefaultVersion": true}}),
                        );
                    }
                    attached.push(json!({"PolicyName": policy_name, "PolicyArn": arn}));
                }
                None => whole = false,
            }
        }
        if whole {
            aws.insert(
                "iam:ListAttachedUserPolicies".into(),
                json!({ "AttachedPolicies": attached }),
            );
            aws.insert("iam:GetPolicyVersion".into(), Value::Object(versions));
        }
    }
    let memberships = MEMBERSHIPS.iter().all(|kind| own.none_of(*kind));
    if memberships {
        aws.insert("iam:ListGroupsForUser".into(), json!({ "Groups": [] }));
    }
    if let Some(keys) = own.owned(ACCESS_KEY, "user") {
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
