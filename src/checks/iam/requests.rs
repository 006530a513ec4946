//! Bitmovin's requests: each (action, resource) pair of a grant set, with
//! the resource narrowed to the target. What depends on the rule alone (the
//! pairs, the distinct resource patterns) is planned once, when the rule
//! is loaded; a target only narrows each distinct pattern once.

use std::borrow::Cow;

use crate::checks::shared::{Grant, ResourceScopes};
use crate::iam::{Decider, PolicySet};
use crate::snapshot::Target;

/// A grant set's pairs before narrowing.
#[derive(Debug, Clone, Default)]
pub struct RequestPlan {
    actions: Vec<String>,
    /// Each distinct resource pattern the pairs name.
    resources: Vec<String>,
    /// (index into `actions`, index into `resources`), as the grants list them.
    pairs: Vec<(usize, usize)>,
}

impl RequestPlan {
    /// An action granted on `*` is asked on the resources AWS authorizes it
    /// against (`scopes`), or, when it has no resource-level permissions,
    /// on `*` itself.
    pub fn new(grants: &[Grant], scopes: Option<&ResourceScopes>) -> RequestPlan {
        let mut plan = RequestPlan::default();
        for grant in grants {
            for action in &grant.actions {
                let a = index_of(&mut plan.actions, action);
                for resource in &grant.resources {
                    let scoped = scopes
                        .and_then(|s| s.0.get(action))
                        .filter(|_| resource == "*");
                    let patterns = scoped.map_or(std::slice::from_ref(resource), Vec::as_slice);
                    for pattern in patterns {
                        let r = index_of(&mut plan.resources, pattern);
                        plan.pairs.push((a, r));
                    }
                }
            }
        }
        plan
    }

    /// The pairs in one target: sorted by action, then resource, without
    /// repeats.
    pub fn in_target<'a>(&'a self, target: &'a Target) -> Requests<'a> {
        let place = Place::of(target);
        let resources: Vec<Cow<'a, str>> = self.resources.iter().map(|r| place.narrow(r)).collect();
        let pair = |&(a, r): &(usize, usize)| (self.actions[a].as_str(), &*resources[r]);
        let mut pairs = self.pairs.clone();
        pairs.sort_unstable_by(|x, y| pair(x).cmp(&pair(y)));
        pairs.dedup_by(|x, y| pair(x) == pair(y));
        Requests {
            actions: &self.actions,
            resources,
            pairs,
        }
    }
}

fn index_of(list: &mut Vec<String>, item: &str) -> usize {
    list.iter().position(|i| i == item).unwrap_or_else(|| {
        list.push(item.to_string());
        list.len() - 1
    })
}

/// A grant set's requests in one target.
pub struct Requests<'a> {
    actions: &'a [String],
    /// The plan's resource patterns, narrowed to the target.
    resources: Vec<Cow<'a, str>>,
    pairs: Vec<(usize, usize)>,
}

impl Requests<'_> {
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.indexed().map(|(_, pair)| pair)
    }

    /// Each pair with its indices for `decider`.
    pub fn indexed(&self) -> impl Iterator<Item = ((usize, usize), (&str, &str))> {
        self.pairs
            .iter()
            .map(|&(a, r)| ((a, r), (self.actions[a].as_str(), &*self.resources[r])))
    }

    /// A decider for these requests against `set`.
    pub fn decider<'s>(&'s self, set: &'s PolicySet<'s>) -> Decider<'s> {
        Decider::new(
            set,
            self.actions.iter().map(String::as_str).collect(),
            self.resources.iter().map(|r| &**r).collect(),
        )
    }
}

/// Where a target's requests run: the region and account that a resource
/// pattern's wildcards become.
struct Place<'t> {
    region: &'t str,
    account: Option<&'t str>,
}

impl<'t> Place<'t> {
    fn of(target: &'t Target) -> Place<'t> {
        Place {
            region: &target.setup.region,
            account: super::evidence_account(target),
        }
    }

    /// A required resource pattern narrowed to the target's region and
    /// account: a grant limited to them still serves Bitmovin there.
    fn narrow<'r>(&self, resource: &'r str) -> Cow<'r, str>
    where
        't: 'r,
    {
        let mut parts = resource.splitn(6, ':');
        let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(rest)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Cow::Borrowed(resource);
        };
        let region = if region == "*" { self.region } else { region };
        // Unknown account: keep the wildcard, so an account-scoped grant
        // only partly covers it and is not taken for a full grant.
        let account = match (account, self.account) {
            ("*", Some(account)) => account,
            (account, _) => account,
        };
        Cow::Owned(format!(
            "arn:{partition}:{service}:{region}:{account}:{rest}"
        ))
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
        let place = Place::of(&snapshot.targets[0]);
        assert_eq!(
            place.narrow("arn:aws:ec2:*:*:instance/*"),
            "arn:aws:ec2:eu-west-1:123456789012:instance/*"
        );
        assert_eq!(
            place.narrow("arn:aws:ec2:*::image/*"),
            "arn:aws:ec2:eu-west-1::image/*"
        );
        assert_eq!(place.narrow("*"), "*");
    }
}
