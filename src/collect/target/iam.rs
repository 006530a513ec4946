//! The IAM principal Bitmovin acts as, and every policy over it: the keys'
//! user (its inline and attached policies, its groups' and its permissions
//! boundary) or the role it assumes (its trust policy, inline and attached
//! policies and boundary), and each managed policy's default version.

use std::collections::BTreeSet;
use std::future::Future;

use aws_config::SdkConfig;
use aws_sdk_iam::types::AttachedPolicy;
use futures::future::join_all;
use serde_json::{Value, json};

use super::{Ordering, Recorder, errors, op, shapes};

/// The user and the role, as either applies; a managed policy attached to
/// both is read once.
pub(super) async fn iam(
    recorder: &Recorder,
    config: &SdkConfig,
    user: Option<&str>,
    role: Option<&str>,
) {
    if user.is_none() && role.is_none() {
        return;
    }
    let iam = aws_sdk_iam::Client::new(config);
    let (mut managed, of_role) = tokio::join!(
        async {
            match user {
                Some(user) => user_policies(recorder, &iam, user).await,
                None => BTreeSet::new(),
            }
        },
        async {
            match role {
                Some(role) => role_policies(recorder, &iam, role).await,
                None => BTreeSet::new(),
            }
        },
    );
    managed.extend(of_role);
    join_all(
        managed
            .iter()
            .map(|arn| managed_policy(recorder, &iam, arn)),
    )
    .await;
}

/// Where one holder's policy answers go in the snapshot: the user's and the
/// role's under the keys themselves, a group's under its name.
struct PolicyKeys<'a> {
    list: &'static str,
    get: &'static str,
    list_attached: &'static str,
    group: Option<&'a str>,
}

impl PolicyKeys<'_> {
    fn put(&self, recorder: &Recorder, key: &str, value: Value) {
        match self.group {
            Some(group) => recorder.put_named(key, group, value),
            None => recorder.put(key, value),
        }
    }
}

/// Record a holder's inline policies (each listed one read with `get`) and
/// its attached ones; returns the attached policies' ARNs.
async fn record_policies<F, Fut>(
    recorder: &Recorder,
    keys: PolicyKeys<'_>,
    inline: Result<Vec<String>, Value>,
    attached: Result<Vec<AttachedPolicy>, Value>,
    get: F,
) -> Vec<String>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<Value, Value>>,
{
    if let Ok(names) = &inline {
        let fetches = names.iter().map(|name| {
            let answer = get(name.clone());
            let entry = match keys.group {
                Some(group) => format!("{group}/{name}"),
                None => name.clone(),
            };
            async move {
                let answer = answer.await;
                recorder.put_named(keys.get, &entry, answer.unwrap_or_else(|e| e));
            }
        });
        join_all(fetches).await;
    }
    keys.put(
        recorder,
        keys.list,
        inline
            .map(|n| shapes::policy_names(&n))
            .unwrap_or_else(|e| e),
    );
    let arns = attached
        .as_ref()
        .map(|list| {
            list.iter()
                .filter_map(|p| p.policy_arn().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    keys.put(
        recorder,
        keys.list_attached,
        attached
            .map(|a| shapes::attached_policies(&a))
            .unwrap_or_else(|e| e),
    );
    arns
}

/// An inline policy's answer, in the shape `aws iam get-*-policy` prints
/// (`holder` is its `UserName`, `GroupName` or `RoleName`).
fn inline_policy(holder: (&str, &str), name: &str, document: &str) -> Value {
    let mut answer =
        json!({ "PolicyName": name, "PolicyDocument": shapes::policy_document(document) });
    answer[holder.0] = json!(holder.1);
    answer
}

/// The role, its trust policy and its permission policies; returns the
/// managed policies to read (attached ones and the permissions boundary).
/// IAM takes the name without the path Bitmovin's `roleName` may include.
async fn role_policies(
    recorder: &Recorder,
    iam: &aws_sdk_iam::Client,
    role: &str,
) -> BTreeSet<String> {
    let name = role.rsplit('/').next().unwrap_or(role);
    let (got_role, inline, attached) = tokio::join!(
        recorder.call(iam.get_role().role_name(name).send()),
        async {
            all_pages!(
                recorder,
                iam.list_role_policies().role_name(name),
                policy_names
            )
        },
        async {
            all_pages!(
                recorder,
                iam.list_attached_role_policies().role_name(name),
                attached_policies
            )
        },
    );
    let mut managed: BTreeSet<String> = got_role
        .as_ref()
        .ok()
        .and_then(|o| o.role())
        .and_then(|r| r.permissions_boundary())
        .and_then(|b| b.permissions_boundary_arn())
        .map(str::to_string)
        .into_iter()
        .collect();
    recorder.put(
        op::GET_ROLE,
        got_role
            .map(|o| json!({ "Role": o.role().map(shapes::role) }))
            .unwrap_or_else(|e| e),
    );
    let keys = PolicyKeys {
        list: op::LIST_ROLE_POLICIES,
        get: op::GET_ROLE_POLICY,
        list_attached: op::LIST_ATTACHED_ROLE_POLICIES,
        group: None,
    };
    let get = |policy: String| async move {
        recorder
            .call(
                iam.get_role_policy()
                    .role_name(name)
                    .policy_name(policy)
                    .send(),
            )
            .await
            .map(|o| {
                inline_policy(
                    ("RoleName", o.role_name()),
                    o.policy_name(),
                    o.policy_document(),
                )
            })
    };
    managed.extend(record_policies(recorder, keys, inline, attached, get).await);
    managed
}

/// The user, its access keys and the policies on it and its groups;
/// returns the managed policies to read.
async fn user_policies(
    recorder: &Recorder,
    iam: &aws_sdk_iam::Client,
    user: &str,
) -> BTreeSet<String> {
    let got_user = recorder.call(iam.get_user().user_name(user).send()).await;
    let mut managed: BTreeSet<String> = got_user
        .as_ref()
        .ok()
        .and_then(|o| o.user())
        .and_then(|u| u.permissions_boundary())
        .and_then(|b| b.permissions_boundary_arn())
        .map(str::to_string)
        .into_iter()
        .collect();
    recorder.put(
        op::GET_USER,
        got_user
            .map(|o| json!({ "User": o.user().map(shapes::user) }))
            .unwrap_or_else(|e| e),
    );

    let (inline, attached, groups, keys) = tokio::join!(
        async {
            all_pages!(
                recorder,
                iam.list_user_policies().user_name(user),
                policy_names
            )
        },
        async {
            all_pages!(
                recorder,
                iam.list_attached_user_policies().user_name(user),
                attached_policies
            )
        },
        async { all_pages!(recorder, iam.list_groups_for_user().user_name(user), groups) },
        async {
            all_pages!(
                recorder,
                iam.list_access_keys().user_name(user),
                access_key_metadata
            )
        },
    );
    recorder.put(
        op::LIST_ACCESS_KEYS,
        keys.map(|k| shapes::access_keys(&k)).unwrap_or_else(|e| e),
    );
    let keys = PolicyKeys {
        list: op::LIST_USER_POLICIES,
        get: op::GET_USER_POLICY,
        list_attached: op::LIST_ATTACHED_USER_POLICIES,
        group: None,
    };
    let get = |policy: String| async move {
        recorder
            .call(
                iam.get_user_policy()
                    .user_name(user)
                    .policy_name(policy)
                    .send(),
            )
            .await
            .map(|o| {
                inline_policy(
                    ("UserName", o.user_name()),
                    o.policy_name(),
                    o.policy_document(),
                )
            })
    };
    managed.extend(record_policies(recorder, keys, inline, attached, get).await);

    if let Ok(list) = &groups {
        let per_group = list
            .iter()
            .map(|g| group_policies(recorder, iam, g.group_name()));
        for arns in join_all(per_group).await {
            managed.extend(arns);
        }
    }
    recorder.put(
        op::LIST_GROUPS_FOR_USER,
        groups.map(|g| shapes::groups(&g)).unwrap_or_else(|e| e),
    );
    managed
}

/// A group's inline policies and attached policy ARNs.
async fn group_policies(
    recorder: &Recorder,
    iam: &aws_sdk_iam::Client,
    group: &str,
) -> Vec<String> {
    let (inline, attached) = tokio::join!(
        async {
            all_pages!(
                recorder,
                iam.list_group_policies().group_name(group),
                policy_names
            )
        },
        async {
            all_pages!(
                recorder,
                iam.list_attached_group_policies().group_name(group),
                attached_policies
            )
        },
    );
    let keys = PolicyKeys {
        list: op::LIST_GROUP_POLICIES,
        get: op::GET_GROUP_POLICY,
        list_attached: op::LIST_ATTACHED_GROUP_POLICIES,
        group: Some(group),
    };
    let get = |policy: String| async move {
        recorder
            .call(
                iam.get_group_policy()
                    .group_name(group)
                    .policy_name(policy)
                    .send(),
            )
            .await
            .map(|o| {
                inline_policy(
                    ("GroupName", o.group_name()),
                    o.policy_name(),
                    o.policy_document(),
                )
            })
    };
    record_policies(recorder, keys, inline, attached, get).await
}

/// A managed policy's default version, stored under its ARN. When GetPolicy
/// fails, its error is stored in place of the version, naming the call.
async fn managed_policy(recorder: &Recorder, iam: &aws_sdk_iam::Client, arn: &str) {
    let policy = recorder.call(iam.get_policy().policy_arn(arn).send()).await;
    let version_id = match &policy {
        Ok(o) => o
            .policy()
            .and_then(|p| p.default_version_id())
            .map(str::to_string),
        Err(e) => {
            recorder.put_named(op::GET_POLICY, arn, e.clone());
            return;
        }
    };
    let Some(version_id) = version_id else {
        recorder.put_named(
            op::GET_POLICY,
            arn,
            errors::record(
                "NoDefaultVersion",
                "GetPolicy answered without DefaultVersionId",
            ),
        );
        return;
    };
    let answer = recorder
        .call(
            iam.get_policy_version()
                .policy_arn(arn)
                .version_id(&version_id)
                .send(),
        )
        .await
        .map(|o| {
            json!({ "PolicyVersion": o.policy_version().map(|v| json!({
                "Document": v.document().map(shapes::policy_document),
                "VersionId": v.version_id(),
                "IsDefaultVersion": v.is_default_version,
                "CreateDate": v.create_date().map(shapes::date),
            })) })
        });
    recorder.put_named(op::GET_POLICY_VERSION, arn, answer.unwrap_or_else(|e| e));
}
