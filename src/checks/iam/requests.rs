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
    /// The distinct actions, sorted: an index is also a rank.
    actions: Vec<String>,
    /// Each distinct resource pattern the pairs name.
    resources: Vec<String>,
    /// (index into `actions`, index into `resources`), sorted, no repeats.
    pairs: Vec<(usize, usize)>,
}

impl RequestPlan {
    /// An action granted on `*` is asked on the resources AWS authorizes it
    /// against (`scopes`), or, when it has no resource-level permissions,
    /// on `*` itself.
    pub fn new(grants: &[Grant], scopes: Option<&ResourceScopes>) -> RequestPlan {
        let mut named: Vec<(&str, &str)> = Vec::new();
        for grant in grants {
            for action in &grant.actions {
                for resource in &grant.resources {
                    let scoped = scopes
                        .and_then(|s| s.0.get(action))
                        .filter(|_| resource == "*");
                    let patterns = scoped.map_or(std::slice::from_ref(resource), Vec::as_slice);
                    named.extend(patterns.iter().map(|p| (action.as_str(), p.as_str())));
                }
            }
        }
        let actions = distinct(named.iter().map(|(a, _)| *a));
        let resources = distinct(named.iter().map(|(_, r)| *r));
        let mut pairs: Vec<(usize, usize)> = named
            .iter()
            .map(|(a, r)| (position(&actions, a), position(&resources, r)))
            .collect();
        pairs.sort_unstable();
        pairs.dedup();
        RequestPlan {
            actions,
            resources,
            pairs,
        }
    }

    /// The pairs in one target: sorted by action, then resource, without
    /// repeats (two patterns may narrow to the same resource).
    pub fn in_target<'a>(&'a self, target: &'a Target) -> Requests<'a> {
        let place = Place::of(target);
        let resources: Vec<Cow<'a, str>> = self.resources.iter().map(|r| place.narrow(r)).collect();
        let rank = ranks(&resources);
        let key = |&(a, r): &(usize, usize)| (a, rank[r]);
        let mut pairs = self.pairs.clone();
        pairs.sort_unstable_by_key(key);
        pairs.dedup_by_key(|pair| key(pair));
        Requests {
            actions: &self.actions,
            resources,
            pairs,
        }
    }
}

fn distinct<'a>(items: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut list: Vec<String> = items.map(str::to_string).collect();
    list.sort_unstable();
    list.dedup();
    list
}

fn position(sorted: &[String], item: &str) -> usize {
    sorted
        .binary_search_by(|i| i.as_str().cmp(item))
        .expect("listed by distinct()")
}

/// Each string's rank in sorted order; equal strings share one.
fn ranks(strings: &[Cow<str>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..strings.len()).collect();
    order.sort_unstable_by(|&x, &y| strings[x].cmp(&strings[y]));
    let mut rank = vec![0; strings.len()];
    for (i, pair) in order.windows(2).enumerate() {
        let same = strings[pair[0]] == strings[pair[1]];
        rank[pair[1]] = if same { rank[pair[0]] } else { i + 1 };
    }
    rank
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
        let mut narrowed = String::with_capacity(resource.len() + region.len() + account.len());
        for part in ["arn", partition, service, region, account] {
            narrowed.push_str(part);
            narrowed.push(':');
        }
        narrowed.push_str(rest);
        Cow::Owned(narrowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(region: &str) -> crate::snapshot::Snapshot {
        serde_json::from_value(serde_json::json!({
            "schema": "ccaudit/snapshot/v1",
            "targets": [{"name": "t", "setup": {"region": region, "security_group_id": "sg-1", "account_id": "999999999999"},
                "aws": {"iam:GetUser": {"User": {"UserName": "b", "Arn": "arn:aws:iam::123456789012:user/b"}}}}]
        }))
        .unwrap()
    }

    /// Sorted by the narrowed strings, and two patterns that narrow to the
    /// same resource asked once.
    #[test]
    fn pairs_sort_and_merge_after_narrowing() {
        let grants = vec![
            Grant {
                actions: vec!["ec2:RunInstances".into(), "ec2:CreateTags".into()],
                resources: vec![
                    "arn:aws:ec2:*:*:volume/*".into(),
                    "arn:aws:ec2:eu-west-1:*:volume/*".into(),
                    "arn:aws:ec2:*::image/*".into(),
                    "arn:aws:ec2:*:*:instance/*".into(),
                ],
            },
            Grant {
                actions: vec!["ec2:DescribeVpcs".into(), "ec2:CreateTags".into()],
                resources: vec!["*".into()],
            },
        ];
        let scopes = ResourceScopes(
            [(
                "ec2:CreateTags".to_string(),
                vec!["arn:aws:ec2:*:*:instance/*".to_string()],
            )]
            .into(),
        );
        let plan = RequestPlan::new(&grants, Some(&scopes));
        for region in ["eu-west-1", "us-east-1"] {
            let snapshot = target(region);
            let target = &snapshot.targets[0];
            let place = Place::of(target);
            let mut expected: Vec<(String, String)> = Vec::new();
            for grant in &grants {
                for action in &grant.actions {
                    for resource in &grant.resources {
                        let patterns = match scopes.0.get(action) {
                            Some(scoped) if resource == "*" => scoped.clone(),
                            _ => vec![resource.clone()],
                        };
                        for p in patterns {
                            expected.push((action.clone(), place.narrow(&p).into_owned()));
                        }
                    }
                }
            }
            expected.sort();
            expected.dedup();
            let requests = plan.in_target(target);
            let got: Vec<(String, String)> = requests
                .iter()
                .map(|(a, r)| (a.to_string(), r.to_string()))
                .collect();
            assert_eq!(got, expected, "{region}");
        }
        // Three resources for each of two actions, and `*` for the third.
        assert_eq!(plan.in_target(&target("eu-west-1").targets[0]).len(), 7);
    }

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
            place.narrow("arn:aws:ec2:us-east-1:111111111111:volume/*"),
            "arn:aws:ec2:us-east-1:111111111111:volume/*"
        );
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
