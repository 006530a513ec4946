//! `iam-broad-grant`: no broad grant (a managed policy or an action wildcard) is attached.

use serde::Deserialize;

use super::{Holder, covers_all_of, gather, listing};
use crate::checks::CheckType;
use crate::checks::verdict::Verdict;
use crate::checks::{IAM_KEYS, Reads, decides_on};
use crate::findings::Resource;
use crate::iam::Effect;
use crate::snapshot::Target;
use crate::template::Placeholder;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamBroadGrant {
    /// Managed policies that are too broad for production.
    pub managed_policies: Vec<String>,
    /// An Allow whose actions cover any of these is too broad.
    pub actions: Vec<String>,
}

impl CheckType for IamBroadGrant {
    fn how_judged(&self) -> &'static str {
        "Judges the owner of the dashboard's keys, or for a role-based account read from Bitmovin the role it assumes (unknown when the IAM evidence describes another principal). Fails when a listed managed policy is attached to the user or one of its groups (or to the role), or when an Allow statement's actions take in every action of a listed wildcard; the fix command detaches the policy from where it is attached (the user, a group or the role)."
    }

    fn evidence_key(&self) -> Option<&'static str> {
        Some("iam:GetUser")
    }

    fn reads(&self, key: &str, _name: Option<&str>) -> Reads {
        match key {
            "sts:GetCallerIdentity" => Reads::Qualifies("not verified"),
            _ => decides_on(&IAM_KEYS, key),
        }
    }

    fn placeholders(&self) -> &'static [Placeholder] {
        &[
            Placeholder::AttachedToKind,
            Placeholder::AttachedTo,
            Placeholder::PolicyArn,
        ]
    }

    fn resource(&self, target: &Target) -> Resource {
        super::principal(target)
    }

    fn evaluate(&self, target: &Target) -> Verdict {
        broad_grant(self, target)
    }
}

fn broad_grant(check: &IamBroadGrant, target: &Target) -> Verdict {
    let gathered = match gather(target) {
        Ok(g) => g,
        Err(verdict) => return verdict,
    };
    let attachments: Vec<&(&str, Holder)> = gathered
        .attached
        .iter()
        .filter(|(arn, _)| check.managed_policies.iter().any(|m| m == arn))
        .collect();
    let mut broad: Vec<String> = attachments
        .iter()
        .map(|(arn, holder)| format!("{arn} is attached to {holder}"))
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
        let verdict = Verdict::fail(listing(&broad, 3));
        // The command detaches the first attachment from where it really is
        // (the user, or a group); the detail names every other one.
        return match attachments.first() {
            Some((arn, holder)) => {
                let (kind, name) = match holder {
                    Holder::Subject(kind) => (kind.as_str(), gathered.subject.name.as_deref()),
                    Holder::Group(group) => ("group", Some(*group)),
                };
                match name {
                    Some(name) => verdict
                        .with(Placeholder::AttachedToKind, kind.to_string())
                        .with(Placeholder::AttachedTo, name.to_string())
                        .with(Placeholder::PolicyArn, arn.to_string()),
                    None => verdict,
                }
            }
            None => verdict,
        };
    }
    if !gathered.gaps.is_empty() {
        return Verdict::unknown(gathered.gaps_text());
    }
    Verdict::pass(format!(
        "no managed full-access policy and no EC2 action wildcard is granted{}",
        gathered.caveats(false)
    ))
}
