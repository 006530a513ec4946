//! Collecting one target: independent calls run concurrently, every
//! response (or error record) is stored under its snapshot key, and a
//! failed call never stops the others.

use std::collections::BTreeSet;

use futures::future::join_all;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use aws_config::{Region, SdkConfig};
use aws_sdk_iam::error::ProvideErrorMetadata;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use serde_json::{Map, Value, json};

use super::errors::{self, code_of};
use super::operations as op;
use super::shapes;
use crate::snapshot::Setup;

/// What was asked of one target.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    pub setup: &'a Setup,
    /// `service/QuotaCode` of every quota a rule checks.
    pub quotas: &'a [String],
    /// Search the other regions when the group is not in the target's.
    pub search_other_regions: bool,
    /// The role Bitmovin assumes (its `roleName`, path included), for an
    /// account set up with a role.
    pub role: Option<&'a str>,
}

/// The evidence gathered so far, shared by the concurrent parts.
struct Recorder {
    aws: Mutex<Map<String, Value>>,
    calls: AtomicUsize,
    failed: AtomicUsize,
}

impl Recorder {
    /// The answers. A lock is poisoned only by a panic while it was held,
    /// and none of these can leave the map half-changed: a poisoned map
    /// is still every answer, so it is used, never dropped.
    fn answers(&self) -> MutexGuard<'_, Map<String, Value>> {
        self.aws.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn put(&self, key: &str, value: Value) {
        self.answers().insert(key.to_string(), value);
    }

    /// Store under `key` → `name` (per-name operations).
    fn put_named(&self, key: &str, name: &str, value: Value) {
        let mut aws = self.answers();
        let map = aws
            .entry(key.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Some(map) = map.as_object_mut() {
            map.insert(name.to_string(), value);
        }
    }

    fn into_answers(self) -> Map<String, Value> {
        self.aws
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Count one call; a failure becomes its error record.
    async fn call<T, E>(
        &self,
        request: impl Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Result<T, Value>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        self.calls.fetch_add(1, Ordering::Relaxed);
        request.await.map_err(|e| {
            self.failed.fetch_add(1, Ordering::Relaxed);
            errors::from_sdk(&e)
        })
    }
}

/// Follow a paginated list to its end, one counted call a page.
macro_rules! all_pages {
    ($recorder:expr, $builder:expr, $items:ident) => {{
        let mut pages = $builder.into_paginator().send();
        let mut items = Vec::new();
        let mut failure = None;
        loop {
            $recorder.calls.fetch_add(1, Ordering::Relaxed);
            match pages.next().await {
                None => {
                    // The stream ended: that poll was not a request.
                    $recorder.calls.fetch_sub(1, Ordering::Relaxed);
                    break;
                }
                Some(Ok(page)) => items.extend(page.$items().iter().cloned()),
                Some(Err(e)) => {
                    $recorder.failed.fetch_add(1, Ordering::Relaxed);
                    failure = Some(errors::from_sdk(&e));
                    break;
                }
            }
        }
        match failure {
            Some(error) => Err(error),
            None => Ok(items),
        }
    }};
}

mod iam;

pub struct Collected {
    pub aws: Map<String, Value>,
    pub calls: usize,
    pub failed: usize,
}

/// The credentials one target is read with.
#[derive(Clone, Copy)]
pub struct Sessions<'a> {
    /// The auditor's: every read not named below.
    pub auditor: &'a SdkConfig,
    /// The keys entered in the dashboard, for the calls Bitmovin itself makes.
    pub bitmovin: Option<&'a SdkConfig>,
    /// The auditor's credentials are those keys.
    pub auditor_is_bitmovin: bool,
    /// For Organizations (the management account or a delegated
    /// administrator); the auditor's when not given.
    pub organizations: Option<&'a SdkConfig>,
}

/// Read one target. Without Bitmovin's keys (and unless the auditor's own
/// credentials are those keys) the keys are not tested:
/// `sts:GetCallerIdentity` is left out, so the credential rules say
/// unknown instead of judging the auditor.
pub async fn collect(plan: &Plan<'_>, sessions: Sessions<'_>) -> Collected {
    let Sessions {
        auditor,
        bitmovin,
        auditor_is_bitmovin,
        organizations,
    } = sessions;
    let recorder = Recorder {
        aws: Mutex::new(Map::new()),
        calls: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
    };
    let bitmovin_keys = bitmovin.or(auditor_is_bitmovin.then_some(auditor));
    let as_bitmovin = bitmovin.unwrap_or(auditor);
    let mut user_from_keys = None;
    let mut account_from_keys = None;
    if let Some(keys) = bitmovin_keys {
        let sts = aws_sdk_sts::Client::new(keys);
        let identity = recorder.call(sts.get_caller_identity().send()).await;
        user_from_keys = identity
            .as_ref()
            .ok()
            .and_then(|o| o.arn())
            .and_then(user_name_from_arn);
        account_from_keys = identity
            .as_ref()
            .ok()
            .and_then(|o| o.account())
            .map(str::to_string);
        recorder.put(
            op::GET_CALLER_IDENTITY,
            identity
                .as_ref()
                .map(shapes::caller_identity)
                .unwrap_or_else(Clone::clone),
        );
    }
    // The user whose permissions matter: the owner of the keys Bitmovin
    // uses (Bitmovin acts as that user, whatever the setup names), else the
    // user the setup names.
    let iam_user = user_from_keys.or(plan.setup.iam_user.clone());
    let account = account_from_keys.or(plan.setup.account_id.clone());

    tokio::join!(
        security_group(&recorder, plan, as_bitmovin),
        vpcs(&recorder, auditor),
        subnet(&recorder, plan, auditor),
        instance_types(&recorder, plan, auditor),
        iam::iam(&recorder, auditor, iam_user.as_deref(), plan.role),
        quotas(&recorder, plan, auditor),
        organization(
            &recorder,
            account.as_deref(),
            organizations.unwrap_or(auditor)
        ),
    );
    Collected {
        calls: recorder.calls.load(Ordering::Relaxed),
        failed: recorder.failed.load(Ordering::Relaxed),
        aws: recorder.into_answers(),
    }
}

/// When no credentials could be loaded, every call would fail the same
/// way: record that error under each key instead of making the calls.
pub fn unavailable(plan: &Plan<'_>, message: &str, bitmovin_only: bool) -> Map<String, Value> {
    let error = errors::record("CredentialsError", message);
    let mut aws = Map::new();
    let mut keys = vec![op::GET_CALLER_IDENTITY, op::DESCRIBE_SECURITY_GROUPS];
    if !bitmovin_only {
        keys.push(op::DESCRIBE_VPCS);
        if plan.setup.subnet_id.is_some() {
            keys.push(op::DESCRIBE_SUBNETS);
        }
        if !plan.setup.machine_types.is_empty() {
            keys.push(op::DESCRIBE_INSTANCE_TYPES);
        }
        if plan.role.is_some() {
            keys.extend([
                op::GET_ROLE,
                op::LIST_ROLE_POLICIES,
                op::LIST_ATTACHED_ROLE_POLICIES,
            ]);
        }
        if plan.setup.iam_user.is_some() {
            keys.extend([
                op::GET_USER,
                op::LIST_USER_POLICIES,
                op::LIST_ATTACHED_USER_POLICIES,
                op::LIST_GROUPS_FOR_USER,
                op::LIST_ACCESS_KEYS,
            ]);
        }
        let quotas: Map<String, Value> = plan
            .quotas
            .iter()
            .map(|q| (q.clone(), error.clone()))
            .collect();
        aws.insert(op::GET_SERVICE_QUOTA.to_string(), Value::Object(quotas));
    }
    for key in keys {
        aws.insert(key.to_string(), error.clone());
    }
    aws
}

fn user_name_from_arn(arn: &str) -> Option<String> {
    let (_, resource) = arn.rsplit_once(":user/")?;
    Some(resource.rsplit('/').next().unwrap_or(resource).to_string())
}

async fn security_group(recorder: &Recorder, plan: &Plan<'_>, config: &SdkConfig) {
    let ec2 = aws_sdk_ec2::Client::new(config);
    let request = match (
        &plan.setup.security_group_id,
        &plan.setup.security_group_name,
    ) {
        (Some(id), _) => ec2.describe_security_groups().group_ids(id),
        // Every group of that name in the region (one per VPC at most):
        // the audit decides which, if any, is the one.
        (None, Some(name)) => ec2.describe_security_groups().filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-name")
                .values(name)
                .build(),
        ),
        (None, None) => return,
    };
    let answer = recorder
        .call(request.send())
        .await
        .map(|o| json!({ "SecurityGroups": o.security_groups().iter().map(shapes::security_group).collect::<Vec<_>>() }));
    let not_here = match &answer {
        Ok(v) => v["SecurityGroups"].as_array().is_some_and(|g| g.is_empty()),
        Err(e) => code_of(e) == Some("InvalidGroup.NotFound"),
    };
    recorder.put(op::DESCRIBE_SECURITY_GROUPS, answer.unwrap_or_else(|e| e));
    if not_here && plan.search_other_regions {
        other_regions(recorder, plan, config).await;
    }
}

/// Where does the group exist, if not in the target's region?
async fn other_regions(recorder: &Recorder, plan: &Plan<'_>, config: &SdkConfig) {
    // Only an id is looked for: a name belongs to a group in every region.
    let Some(group_id) = &plan.setup.security_group_id else {
        return;
    };
    let ec2 = aws_sdk_ec2::Client::new(config);
    let Ok(regions) = recorder.call(ec2.describe_regions().send()).await else {
        return;
    };
    let names: Vec<String> = regions
        .regions()
        .iter()
        .filter_map(|r| r.region_name().map(str::to_string))
        .filter(|r| r != &plan.setup.region)
        .collect();
    let lookups = names.iter().map(|region| async move {
        let regional = config.to_builder().region(Region::new(region.clone())).build();
        let client = aws_sdk_ec2::Client::new(&regional);
        let found = recorder
            .call(client.describe_security_groups().group_ids(group_id).send())
            .await;
        // Kept: where it is, and where it could not be looked for (so the
        // finding does not claim a region was searched when it was not).
        match found {
            Ok(o) if !o.security_groups().is_empty() => Some((
                region.clone(),
                json!({ "SecurityGroups": o.security_groups().iter().map(shapes::security_group).collect::<Vec<_>>() }),
            )),
            Err(e) if code_of(&e) != Some("InvalidGroup.NotFound") => Some((region.clone(), e)),
            _ => None,
        }
    });
    let found: Map<String, Value> = join_all(lookups).await.into_iter().flatten().collect();
    recorder.put(op::SECURITY_GROUP_IN_OTHER_REGIONS, Value::Object(found));
}

async fn vpcs(recorder: &Recorder, config: &SdkConfig) {
    let ec2 = aws_sdk_ec2::Client::new(config);
    let answer = all_pages!(recorder, ec2.describe_vpcs(), vpcs)
        .map(|vpcs| json!({ "Vpcs": vpcs.iter().map(shapes::vpc).collect::<Vec<_>>() }));
    recorder.put(op::DESCRIBE_VPCS, answer.unwrap_or_else(|e| e));
}

async fn subnet(recorder: &Recorder, plan: &Plan<'_>, config: &SdkConfig) {
    let Some(subnet_id) = &plan.setup.subnet_id else {
        return;
    };
    let ec2 = aws_sdk_ec2::Client::new(config);
    let answer = recorder
        .call(ec2.describe_subnets().subnet_ids(subnet_id).send())
        .await
        .map(|o| json!({ "Subnets": o.subnets().iter().map(shapes::subnet).collect::<Vec<_>>() }));
    recorder.put(op::DESCRIBE_SUBNETS, answer.unwrap_or_else(|e| e));
}

/// The vCPUs of the machine types the setup restricts Bitmovin to.
async fn instance_types(recorder: &Recorder, plan: &Plan<'_>, config: &SdkConfig) {
    let types = &plan.setup.machine_types;
    if types.is_empty() {
        return;
    }
    let ec2 = aws_sdk_ec2::Client::new(config);
    let request = ec2.describe_instance_types().set_instance_types(Some(
        types
            .iter()
            .map(|t| aws_sdk_ec2::types::InstanceType::from(t.as_str()))
            .collect(),
    ));
    let answer = all_pages!(recorder, request, instance_types).map(|found| {
        json!({ "InstanceTypes": found.iter().map(shapes::instance_type).collect::<Vec<_>>() })
    });
    recorder.put(op::DESCRIBE_INSTANCE_TYPES, answer.unwrap_or_else(|e| e));
}

/// Organizations has one endpoint per partition; the target's region would
/// name one that does not exist.
pub(super) fn organizations_region(region: Option<&str>) -> &'static str {
    match region {
        Some(r) if r.starts_with("cn-") => "cn-northwest-1",
        Some(r) if r.starts_with("us-gov-") => "us-gov-west-1",
        _ => "us-east-1",
    }
}

/// The service control policies over `account`: the organization, its
/// root, the chain of parents from the account up to the root, the SCPs
/// attached at each of those nodes, and each policy's content. Stops where
/// the answers show SCPs cannot apply (no organization, the management
/// account, SCPs not enabled) or where a call fails (its error is kept).
async fn organization(recorder: &Recorder, account: Option<&str>, config: &SdkConfig) {
    use aws_sdk_organizations::types::{ParentType, PolicyType};
    let Some(account) = account else { return };
    let region = organizations_region(config.region().map(|r| r.as_ref()));
    let global = config.to_builder().region(Region::new(region)).build();
    let client = aws_sdk_organizations::Client::new(&global);

    let described = recorder.call(client.describe_organization().send()).await;
    let master = described
        .as_ref()
        .ok()
        .and_then(|o| o.organization())
        .and_then(|o| o.master_account_id())
        .map(str::to_string);
    let stop = described.is_err() || master.as_deref() == Some(account);
    recorder.put(
        op::DESCRIBE_ORGANIZATION,
        described
            .map(|o| json!({ "Organization": o.organization().map(shapes::organization) }))
            .unwrap_or_else(|e| e),
    );
    if stop {
        return;
    }
    let roots = all_pages!(recorder, client.list_roots(), roots);
    let enabled = roots.as_ref().is_ok_and(|roots| {
        roots.iter().any(|r| {
            r.policy_types().iter().any(|t| {
                t.r#type() == Some(&PolicyType::ServiceControlPolicy)
                    && t.status().is_some_and(|s| s.as_str() == "ENABLED")
            })
        })
    });
    recorder.put(
        op::LIST_ROOTS,
        roots.map(|r| shapes::roots(&r)).unwrap_or_else(|e| e),
    );
    if !enabled {
        return;
    }

    // From the account up to the root (AWS allows five levels of OUs).
    let mut chain = vec![account.to_string()];
    for _ in 0..8 {
        let child = chain.last().cloned().unwrap_or_default();
        let parents = all_pages!(recorder, client.list_parents().child_id(&child), parents);
        let next = match &parents {
            Ok(list) => match list.as_slice() {
                [parent] => parent
                    .id()
                    .map(|id| (id.to_string(), parent.r#type() == Some(&ParentType::Root))),
                _ => None,
            },
            Err(_) => None,
        };
        recorder.put_named(
            op::LIST_PARENTS,
            &child,
            parents.map(|p| shapes::parents(&p)).unwrap_or_else(|e| e),
        );
        match next {
            Some((id, is_root)) => {
                chain.push(id);
                if is_root {
                    break;
                }
            }
            None => break,
        }
    }

    let client = &client;
    let per_node = chain.iter().map(|node| async move {
        let attached = all_pages!(
            recorder,
            client
                .list_policies_for_target()
                .target_id(node)
                .filter(PolicyType::ServiceControlPolicy),
            policies
        );
        let ids: Vec<String> = attached
            .as_ref()
            .map(|list| {
                list.iter()
                    .filter_map(|p| p.id().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        recorder.put_named(
            op::LIST_POLICIES_FOR_TARGET,
            node,
            attached
                .map(|p| shapes::org_policies(&p))
                .unwrap_or_else(|e| e),
        );
        ids
    });
    let ids: BTreeSet<String> = join_all(per_node).await.into_iter().flatten().collect();
    join_all(ids.iter().map(|id| async move {
        let answer = recorder
            .call(client.describe_policy().policy_id(id).send())
            .await
            .map(|o| {
                o.policy()
                    .map(shapes::org_policy)
                    .unwrap_or_else(|| json!({}))
            });
        recorder.put_named(op::DESCRIBE_POLICY, id, answer.unwrap_or_else(|e| e));
    }))
    .await;
}

async fn quotas(recorder: &Recorder, plan: &Plan<'_>, config: &SdkConfig) {
    let client = aws_sdk_servicequotas::Client::new(config);
    let lookups = plan
        .quotas
        .iter()
        .filter_map(|key| key.split_once('/').map(|(s, q)| (key, s, q)))
        .map(|(key, service, code)| {
            let client = &client;
            async move {
                let applied = recorder
                    .call(
                        client
                            .get_service_quota()
                            .service_code(service)
                            .quota_code(code)
                            .send(),
                    )
                    .await;
                let has_value = applied
                    .as_ref()
                    .is_ok_and(|o| o.quota().is_some_and(|q| q.value.is_some()));
                let no_applied_value = match &applied {
                    Ok(_) => !has_value,
                    Err(e) => code_of(e) == Some("NoSuchResourceException"),
                };
                recorder.put_named(
                    op::GET_SERVICE_QUOTA,
                    key,
                    applied
                        .map(|o| {
                            o.quota()
                                .map(shapes::service_quota)
                                .unwrap_or_else(|| json!({}))
                        })
                        .unwrap_or_else(|e| e),
                );
                // Only then does the default value matter.
                if no_applied_value {
                    let default = recorder
                        .call(
                            client
                                .get_aws_default_service_quota()
                                .service_code(service)
                                .quota_code(code)
                                .send(),
                        )
                        .await
                        .map(|o| {
                            o.quota()
                                .map(shapes::service_quota)
                                .unwrap_or_else(|| json!({}))
                        });
                    recorder.put_named(
                        op::GET_AWS_DEFAULT_SERVICE_QUOTA,
                        key,
                        default.unwrap_or_else(|e| e),
                    );
                }
            }
        });
    join_all(lookups).await;
}

/// Quota keys of the rule set, each once.
pub fn quota_keys(rules: &crate::rules::RuleSet) -> Vec<String> {
    let keys: BTreeSet<String> = rules
        .rules
        .iter()
        .filter_map(|r| {
            let crate::rules::Check::QuotaAtLeast(c) = &r.check else {
                return None;
            };
            Some(c.quota.clone())
        })
        .collect();
    keys.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_poisoned_recorder_keeps_every_answer() {
        let recorder = Recorder {
            aws: Mutex::new(Map::new()),
            calls: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
        };
        recorder.put("before", json!(1));
        // A panic while the lock is held poisons it.
        let poisoned = std::thread::scope(|s| {
            s.spawn(|| {
                let _held = recorder.aws.lock();
                panic!("poisoning the recorder's lock on purpose");
            })
            .join()
        });
        assert!(poisoned.is_err() && recorder.aws.is_poisoned());
        recorder.put("after", json!(2));
        recorder.put_named("named", "n", json!(3));
        assert_eq!(
            Value::Object(recorder.into_answers()),
            json!({"before": 1, "after": 2, "named": {"n": 3}})
        );
    }
}
