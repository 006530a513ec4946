//! Service control policies: the organization's limits on what the account's
//! users may do. They only restrict: an explicit Deny in any of them blocks,
//! and at every node from the root down to the account some attached SCP
//! must allow the action. They do not apply to the organization's
//! management account, outside an organization, or where the root does not
//! have the policy type enabled.

use crate::checks::verdict::{call_failed, not_collected};
use crate::iam::{NamedPolicy, ScpLevel};
use crate::snapshot::AwsEvidence;
use crate::snapshot::aws::{Evidence, Paged, evidence, evidence_for};

const NOT_IN_ORGANIZATION: &str = "AWSOrganizationsNotInUseException";
const SCP_TYPE: &str = "SERVICE_CONTROL_POLICY";
/// Deeper than AWS allows (a root and five levels of OUs): a cycle in a
/// hand-made snapshot ends here instead of looping.
const MAX_DEPTH: usize = 8;

/// What the snapshot shows about the SCPs governing the account.
pub enum Scps<'a> {
    /// They apply: one level per node, root first.
    Apply(Vec<ScpLevel<'a>>),
    /// They do not restrict this account, and why.
    DoNotApply(String),
    /// They were not collected, or only partly: why, and the policies seen
    /// (whose Deny statements still count).
    NotCollected {
        why: String,
        seen: Vec<NamedPolicy<'a>>,
    },
}

impl Scps<'_> {
    /// Said in a passing IAM finding: why SCPs did not count, or could
    /// not be weighed.
    pub fn note(&self) -> Option<String> {
        match self {
            Scps::Apply(_) => None,
            Scps::DoNotApply(why) => Some(format!("no service control policy applies: {why}")),
            Scps::NotCollected { why, .. } => {
                Some(format!("service control policies were not weighed ({why})"))
            }
        }
    }
}

/// A gap in the organization's evidence.
struct Gap(String);

pub fn scps<'a>(aws: &'a AwsEvidence, account: Option<&str>) -> Scps<'a> {
    if let Some(why) = not_applicable(aws, account) {
        return Scps::DoNotApply(why);
    }
    let mut seen = Vec::new();
    match walk(aws, account, &mut seen) {
        Ok(levels) => Scps::Apply(levels),
        Err(Gap(why)) => Scps::NotCollected { why, seen },
    }
}

/// Why SCPs do not restrict the account, if the evidence shows they do not.
fn not_applicable(aws: &AwsEvidence, account: Option<&str>) -> Option<String> {
    match evidence(aws.organization.as_ref()) {
        Evidence::Failed(e) if e.code == NOT_IN_ORGANIZATION => {
            return Some("the account is not in an organization".into());
        }
        Evidence::Present(r) => {
            let organization = r.organization.as_ref()?;
            if organization.feature_set.as_deref() == Some("CONSOLIDATED_BILLING") {
                return Some(
                    "the organization uses consolidated billing only, so no SCP applies".into(),
                );
            }
            if let (Some(master), Some(account)) =
                (organization.master_account_id.as_deref(), account)
                && master == account
            {
                return Some(format!(
                    "account {account} is the organization's management account, which SCPs do not restrict"
                ));
            }
        }
        _ => return None,
    }
    if let Evidence::Present(r) = evidence(aws.org_roots.as_ref())
        && let Some(roots) = &r.roots
        && !roots.is_empty()
        && roots.iter().all(|root| {
            root.policy_types
                .as_ref()
                .is_some_and(|types| !types.iter().any(|t| t.kind == SCP_TYPE))
        })
    {
        return Some("service control policies are not enabled in the organization".into());
    }
    None
}

/// The SCP levels from the root down to the account, or the first gap in
/// the evidence.
fn walk<'a>(
    aws: &'a AwsEvidence,
    account: Option<&str>,
    seen: &mut Vec<NamedPolicy<'a>>,
) -> Result<Vec<ScpLevel<'a>>, Gap> {
    let describe = "organizations:DescribeOrganization";
    match evidence(aws.organization.as_ref()) {
        Evidence::Missing => return Err(Gap(not_collected(describe))),
        Evidence::Failed(e) => return Err(Gap(call_failed(describe, e))),
        Evidence::Present(r) if r.organization.is_none() => {
            return Err(Gap(format!("{describe} answered without Organization")));
        }
        Evidence::Present(_) => {}
    }
    let roots = "organizations:ListRoots";
    match evidence(aws.org_roots.as_ref()) {
        Evidence::Missing => return Err(Gap(not_collected(roots))),
        Evidence::Failed(e) => return Err(Gap(call_failed(roots, e))),
        Evidence::Present(r) if r.roots.as_ref().is_none_or(Vec::is_empty) => {
            return Err(Gap(format!("{roots} answered without a root")));
        }
        Evidence::Present(r) => {
            // ENABLED, or PENDING_DISABLE (still enforced until it is done);
            // PENDING_ENABLE may or may not be in force yet.
            let statuses: Vec<&str> = r
                .roots
                .iter()
                .flatten()
                .flat_map(|root| root.policy_types.iter().flatten())
                .filter(|t| t.kind == SCP_TYPE)
                .map(|t| t.status.as_str())
                .collect();
            let in_force = statuses
                .iter()
                .any(|s| *s == "ENABLED" || *s == "PENDING_DISABLE");
            if !in_force {
                return Err(Gap(format!(
                    "{roots} shows the SCP policy type as {}",
                    if statuses.is_empty() {
                        "not listed (no PolicyTypes)".to_string()
                    } else {
                        statuses.join(", ")
                    }
                )));
            }
        }
    }
    let Some(account) = account else {
        return Err(Gap(
            "the account id is not known, so its place in the organization is not either".into(),
        ));
    };

    // From the account up to the root, then read top-down. A break in the
    // chain is a gap, but the levels found are still read: a Deny on the
    // account itself counts even when its OU is unknown.
    let mut chain = vec![(account.to_string(), format!("account {account}"))];
    let mut gap = None;
    let parents_key = "organizations:ListParents";
    while gap.is_none() {
        let (child, _) = chain.last().expect("starts with the account");
        if chain.len() > MAX_DEPTH {
            gap = Some(Gap(format!(
                "{parents_key} does not reach the root within {MAX_DEPTH} levels"
            )));
            break;
        }
        let parent = match evidence_for(aws.org_parents.as_ref(), child) {
            Evidence::Present(r) => match r.parents.as_deref() {
                Some([parent]) => parent,
                _ => {
                    gap = Some(Gap(format!(
                        "{parents_key} for {child} does not name exactly one parent"
                    )));
                    break;
                }
            },
            Evidence::Failed(e) => {
                gap = Some(Gap(format!("{} for {child}", call_failed(parents_key, e))));
                break;
            }
            Evidence::Missing => {
                gap = Some(Gap(format!("{} for {child}", not_collected(parents_key))));
                break;
            }
        };
        let is_root = parent.kind == "ROOT";
        let label = if is_root {
            format!("the organization root {}", parent.id)
        } else {
            format!("OU {}", parent.id)
        };
        chain.push((parent.id.clone(), label));
        if is_root {
            break;
        }
    }
    chain.reverse();

    let mut levels = Vec::new();
    for (id, label) in chain {
        match level(aws, &id, &label, seen) {
            Ok(policies) => levels.push(ScpLevel { label, policies }),
            // Keep reading: the policies seen elsewhere still count.
            Err(g) => {
                gap.get_or_insert(g);
            }
        }
    }
    match gap {
        Some(g) => Err(g),
        None => Ok(levels),
    }
}

/// The SCPs attached to one node; each one read is also added to `seen`.
fn level<'a>(
    aws: &'a AwsEvidence,
    id: &str,
    label: &str,
    seen: &mut Vec<NamedPolicy<'a>>,
) -> Result<Vec<NamedPolicy<'a>>, Gap> {
    let list_key = "organizations:ListPoliciesForTarget";
    let summaries = match evidence_for(aws.org_policies_for_target.as_ref(), id) {
        Evidence::Present(r) if r.truncated() => {
            return Err(Gap(format!("{list_key} for {id} is only a first page")));
        }
        Evidence::Present(r) => match &r.policies {
            Some(list) => list,
            None => {
                return Err(Gap(format!(
                    "{list_key} for {id} answered without Policies"
                )));
            }
        },
        Evidence::Failed(e) => return Err(Gap(format!("{} for {id}", call_failed(list_key, e)))),
        Evidence::Missing => return Err(Gap(format!("{} for {id}", not_collected(list_key)))),
    };
    let describe_key = "organizations:DescribePolicy";
    let mut policies = Vec::new();
    let mut gap = None;
    for summary in summaries {
        let policy_id = &summary.id;
        let name = summary.name.as_deref().unwrap_or(policy_id);
        let document = match evidence_for(aws.org_policies.as_ref(), policy_id) {
            Evidence::Present(r) => match r.policy.as_ref().and_then(|p| p.content.as_ref()) {
                Some(content) => content.parsed().map_err(|why| {
                    Gap(format!(
                        "{describe_key} for {policy_id}: the policy cannot be read ({why})"
                    ))
                }),
                None => Err(Gap(format!(
                    "{describe_key} for {policy_id} answered without Content"
                ))),
            },
            Evidence::Failed(e) => Err(Gap(format!(
                "{} for {policy_id}",
                call_failed(describe_key, e)
            ))),
            Evidence::Missing => Err(Gap(format!(
                "{} for {policy_id}",
                not_collected(describe_key)
            ))),
        };
        match document {
            Ok(document) => {
                let named = NamedPolicy {
                    origin: format!("service control policy {name} on {label}"),
                    document,
                };
                seen.push(named.clone());
                policies.push(named);
            }
            Err(g) => {
                gap.get_or_insert(g);
            }
        }
    }
    match gap {
        Some(g) => Err(g),
        None => Ok(policies),
    }
}
