//! The plan over a live account's snapshot (`--snapshot`): the snapshot
//! gives what the plan does not manage (AWS-managed policies, quotas, the
//! default VPC, the sizing of the setup); the plan's values win for what it
//! manages, and evidence the plan makes stale (a list of the user's
//! policies it changes, say) is dropped, so it is unknown rather than
//! yesterday's pass.

use serde_json::{Map, Value};

use super::{Choice, Live, Plan};
use crate::error::InputError;
use crate::snapshot::terraform::Origin;

/// Evidence about the IAM user and its groups: a snapshot's is of its own
/// user, and stands for the plan's only when that is the same user, kept.
/// (The owner of the dashboard's keys, `sts:GetCallerIdentity`, stays: a
/// user the plan makes is not the one whose keys Bitmovin holds until they
/// are entered, and the IAM rules say so.)
const USER_KEYS: [&str; 9] = [
    "iam:GetUser",
    "iam:ListUserPolicies",
    "iam:GetUserPolicy",
    "iam:ListAttachedUserPolicies",
    "iam:ListGroupsForUser",
    "iam:ListGroupPolicies",
    "iam:GetGroupPolicy",
    "iam:ListAttachedGroupPolicies",
    "iam:ListAccessKeys",
];

/// Evidence about the role Bitmovin assumes, in a role-based account.
const ROLE_KEYS: [&str; 4] = [
    "iam:GetRole",
    "iam:ListRolePolicies",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
];

/// Keys answered by name, which the plan's entries join rather than replace.
const BY_NAME: [&str; 2] = ["iam:GetPolicyVersion", "servicequotas:GetServiceQuota"];

/// The live snapshot's target for the plan's region.
pub struct LiveTarget {
    /// As JSON, to lay the plan's over.
    pub json: Value,
    /// Bitmovin acts as a role there (read from Bitmovin's API): no user's.
    pub role_based: bool,
}

/// The live snapshot's target for the plan's region.
pub fn live_target(live: &Live, region: &str) -> Result<LiveTarget, InputError> {
    let path = live.path.as_path();
    let bytes = crate::snapshot::read_all(path)?;
    // The whole contract is checked first, with the file's line and column.
    let snapshot = crate::snapshot::Snapshot::from_slice(path, &bytes)?;
    let names = |targets: &mut dyn Iterator<Item = &crate::snapshot::Target>| {
        targets
            .map(|t| format!("\n  - {}", crate::output::visible(&t.name)))
            .collect::<String>()
    };
    let chosen = match &live.target {
        Some(wanted) => snapshot
            .targets
            .iter()
            .find(|t| &t.name == wanted)
            .ok_or_else(|| {
                InputError::new(
                    path,
                    format!(
                        "the snapshot has no target {}; it has:{}",
                        crate::output::visible(wanted),
                        names(&mut snapshot.targets.iter())
                    ),
                )
            })?,
        None => {
            let in_region: Vec<_> = snapshot
                .targets
                .iter()
                .filter(|t| t.setup.region == region)
                .collect();
            match in_region[..] {
                [one] => one,
                [] => {
                    return Err(InputError::new(
                        path,
                        format!(
                            "the snapshot has no target in {region}, the plan's region; it has:{}",
                            names(&mut snapshot.targets.iter())
                        ),
                    ));
                }
                _ => {
                    return Err(InputError::new(
                        path,
                        format!(
                            "the snapshot has {} targets in {region}; name the account's with --snapshot-target:{}",
                            in_region.len(),
                            names(&mut in_region.into_iter())
                        ),
                    ));
                }
            }
        }
    };
    if chosen.setup.region != region {
        return Err(InputError::new(
            path,
            format!(
                "the snapshot's target {} is in {}, the plan in {region}: its evidence is of another region",
                crate::output::visible(&chosen.name),
                crate::output::visible(&chosen.setup.region)
            ),
        ));
    }
    let whole: Value = serde_json::from_slice(&bytes).map_err(|e| InputError::json(path, &e))?;
    let json = whole["targets"]
        .as_array()
        .and_then(|targets| targets.iter().find(|t| t["name"] == chosen.name.as_str()))
        .cloned()
        .ok_or_else(|| InputError::new(path, "the snapshot's target could not be read again"))?;
    Ok(LiveTarget {
        json,
        role_based: chosen
            .bitmovin
            .as_ref()
            .and_then(|b| b.account.role())
            .is_some(),
    })
}

/// The plan's target over the snapshot's, `origin` trimmed to what stays
/// the plan's; an error when the plan's known ARNs name another account
/// than the snapshot's, or its existing group is not the dashboard's.
pub fn over(
    plan: &Plan,
    choice: &Choice,
    from_plan: Value,
    origin: &mut Origin,
    live: LiveTarget,
) -> Result<Value, String> {
    let LiveTarget {
        json: mut out,
        role_based,
    } = live;
    let mut setup = out["setup"].as_object().cloned().unwrap_or_default();
    let mut aws: Map<String, Value> = out["aws"].as_object().cloned().unwrap_or_default();
    let planned_setup = from_plan["setup"].as_object().cloned().unwrap_or_default();
    let planned_aws = from_plan["aws"].as_object().cloned().unwrap_or_default();
    // The plan's group and user (`target` chose them already: no error here).
    let group = super::groups::chosen(plan, choice).ok();
    let user = super::iam::chosen(plan, choice).ok().flatten();
    same_account(group.into_iter().chain(user), &setup, &aws)?;
    // The group the dashboard has is the one Bitmovin uses: a plan's other
    // existing group is not it.
    if let (Some(live), Some(planned)) = (
        setup.get("security_group_id").and_then(Value::as_str),
        planned_setup
            .get("security_group_id")
            .and_then(Value::as_str),
    ) && live != planned
    {
        return Err(format!(
            "the snapshot's target uses group {}, the plan's group is {}: name the dashboard's group with --security-group-address",
            crate::output::visible(live),
            crate::output::visible(planned)
        ));
    }

    // The group is always the plan's.
    setup.remove("security_group_id");
    setup.remove("security_group_name");

    // The user: the snapshot's evidence stands for the plan's user only when
    // it is the same IAM user, kept (not made, replaced or destroyed).
    let live_user = setup.get("iam_user").and_then(Value::as_str);
    // The snapshot's user, destroyed or replaced by the plan: its keys
    // (the dashboard's, as STS named their owner) go with it.
    let live_user_goes = live_user.is_some()
        && plan.resources.iter().any(|r| {
            r.kind == "aws_iam_user"
                && r.actions.iter().any(|a| a == "delete")
                && [&r.before, &r.values]
                    .iter()
                    .any(|v| v.get("name").and_then(Value::as_str) == live_user)
        });
    if live_user_goes {
        aws.remove("sts:GetCallerIdentity");
    }
    let same_user = match user {
        None => !live_user_goes,
        Some(user) => {
            planned_setup.get("iam_user").and_then(Value::as_str) == live_user
                && live_user.is_some()
                && !user.actions.iter().any(|a| a == "create")
        }
    };
    if !same_user {
        setup.remove("iam_user");
        for key in USER_KEYS {
            aws.remove(key);
        }
    }
    // A user the plan changes, described without `GetUser` (its boundary
    // only apply will know): the snapshot's is stale.
    if user.is_some_and(|u| !u.unchanged()) && !planned_aws.contains_key("iam:GetUser") {
        aws.remove("iam:GetUser");
    }
    for key in super::iam::stale(plan, user) {
        aws.remove(key);
    }
    // Bitmovin acts as a role: what the plan changes of roles, and of the
    // organization's policies, makes that evidence stale; the plan's user is
    // not whom the IAM findings are about.
    let changes = |prefix: &str| {
        plan.resources
            .iter()
            .chain(&plan.deposed)
            .any(|r| r.kind.starts_with(prefix) && !r.unchanged())
    };
    if changes("aws_iam_role") || changes("aws_iam_policy_attachment") {
        for key in ROLE_KEYS {
            aws.remove(key);
        }
    }
    if changes("aws_organizations_") {
        aws.retain(|key, _| !key.starts_with("organizations:"));
    }
    if role_based {
        origin.resources.remove("iam_user");
    }

    if let (Some(group), Some(region)) = (group, setup.get("region").and_then(Value::as_str))
        && super::network::default_vpc_unsure(plan, region, group)
    {
        aws.remove("ec2:DescribeVpcs");
    }
    // The subnet is the dashboard's (the snapshot's), as `load` chose none
    // from the plan, unless --subnet-address named the plan's.
    if let Some(subnet) = setup.get("subnet_id").and_then(Value::as_str)
        && super::network::changes_subnet(plan, subnet)
    {
        aws.remove("ec2:DescribeSubnets");
    }

    for (field, value) in planned_setup {
        setup.insert(field, value);
    }
    for (key, value) in planned_aws {
        match (BY_NAME.contains(&key.as_str()), aws.get_mut(&key)) {
            // (Not over a whole-key error record: the plan's entries replace it.)
            (true, Some(Value::Object(live))) if !live.contains_key("Error") => {
                live.extend(value.as_object().cloned().unwrap_or_default());
            }
            _ => {
                aws.insert(key, value);
            }
        }
    }
    out["setup"] = Value::Object(setup);
    out["aws"] = Value::Object(aws);
    if let Some(name) = &choice.name {
        out["name"] = Value::String(name.clone());
    }
    Ok(out)
}

/// The account the plan's known ARNs (and a group's owner) name, against
/// the snapshot's (its setup's, or STS's answer): evidence of one account
/// says nothing of another's.
fn same_account<'p>(
    resources: impl Iterator<Item = &'p super::Resource>,
    setup: &Map<String, Value>,
    aws: &Map<String, Value>,
) -> Result<(), String> {
    let live = setup
        .get("account_id")
        .and_then(Value::as_str)
        .or_else(|| aws.get("sts:GetCallerIdentity")?.get("Account")?.as_str());
    let Some(live) = live else {
        return Ok(());
    };
    let text = |r: &super::Resource, attribute: &str| {
        r.known(attribute)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let accounts = resources
        .flat_map(|r| {
            let from_arn = text(r, "arn").and_then(|arn| arn.split(':').nth(4).map(str::to_string));
            [from_arn, text(r, "owner_id")]
        })
        .flatten()
        .filter(|a| !a.is_empty());
    for account in accounts {
        if account != live {
            return Err(format!(
                "the plan's resources are in account {}, the snapshot's target in {}: give a snapshot of the account the plan applies to",
                crate::output::visible(&account),
                crate::output::visible(live)
            ));
        }
    }
    Ok(())
}
