//! The plan's security group as EC2 would describe it once applied: its
//! inline rules and the rule resources that belong to it, found by id or,
//! before apply, by the configuration's reference to the group. A rule
//! that may belong to it but cannot be told (an id known only after apply,
//! from a variable or another module) makes that direction unknown: it
//! could open anything. So does what the provider does behind the plan's
//! values: an existing group's planned rules are the ones it read from
//! AWS, rule resources' included, so the rule resources the plan creates
//! are added to them and those it destroys revoked, as EC2 will; one it
//! changes in place or replaces, a rule moved from one resource to another,
//! and a group that has both inline rules and rule resources (the provider
//! revokes the one for the other) leave the direction unknown.

use serde_json::{Value, json};

use super::resources::{Plan, Resource};
use crate::snapshot::terraform::{Direction, Removed};

const GROUP: &str = "aws_security_group";
const RULE: &str = "aws_security_group_rule";
const INGRESS_RULE: &str = "aws_vpc_security_group_ingress_rule";
const EGRESS_RULE: &str = "aws_vpc_security_group_egress_rule";
/// Other resources that add or revoke a group's rules, by the attribute
/// naming the group: when one may be this group's, neither direction is
/// known.
const TOUCHING: [(&str, &str); 3] = [
    (
        "aws_vpc_security_group_rules_exclusive",
        "security_group_id",
    ),
    ("awscc_ec2_security_group_ingress", "group_id"),
    ("awscc_ec2_security_group_egress", "group_id"),
];

/// The group Bitmovin is given: the one at `address`, or the plan's only one.
pub fn chosen<'p>(plan: &'p Plan, choice: &super::Choice) -> Result<&'p Resource, String> {
    let by = (choice.group_address.as_deref(), choice.tag.as_ref());
    super::resources::choose(plan, GROUP, by, "--security-group-address", |_| true)?.ok_or_else(|| {
        "the plan has no aws_security_group: nothing to audit (is this the plan of the Cloud Connect configuration?)".to_string()
    })
}

/// The group as described: its id and name when the plan knows them, and
/// the `ec2:DescribeSecurityGroups` answer.
pub struct Described {
    pub id: Option<String>,
    pub name: Option<String>,
    pub evidence: Value,
    /// The rules the plan revokes from an existing group, for
    /// the target's `terraform.removed`.
    pub removed: Vec<Removed>,
}

pub fn describe(plan: &Plan, group: &Resource) -> Described {
    let text = |attribute: &str| {
        group
            .known(attribute)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let (id, name) = (text("id"), text("name"));
    if group.destroyed {
        // The plan deletes it: after apply, EC2 knows no such group.
        return Described {
            id,
            name,
            evidence: json!({ "SecurityGroups": [] }),
            removed: Vec::new(),
        };
    }
    let own = Own {
        plan,
        group,
        id: id.clone().unwrap_or_else(|| group.address.clone()),
    };
    let mut removed = Vec::new();
    let mut described = json!({
        "GroupId": own.id,
        "GroupName": name.clone().unwrap_or_else(|| group.address.clone()),
    });
    if let Some(vpc) = plan.id_of(group, "vpc_id", &super::network::VPCS) {
        described["VpcId"] = json!(vpc);
    }
    for (direction, field) in [
        (Direction::Ingress, "IpPermissions"),
        (Direction::Egress, "IpPermissionsEgress"),
    ] {
        // Left out when not known: the rules about it say unknown.
        if let Some(permissions) = own.permissions(direction, &mut removed) {
            described[field] = Value::Array(permissions);
        }
    }
    Described {
        id,
        name,
        evidence: json!({ "SecurityGroups": [described] }),
        removed,
    }
}

/// For a rule resource: its direction, `Some(None)` when it cannot be told;
/// `None` for any other resource.
fn rule_direction(resource: &Resource) -> Option<Option<Direction>> {
    match resource.kind.as_str() {
        INGRESS_RULE => Some(Some(Direction::Ingress)),
        EGRESS_RULE => Some(Some(Direction::Egress)),
        RULE => Some(
            match [&resource.values, &resource.before]
                .iter()
                .find_map(|v| v.get("type").and_then(Value::as_str))
            {
                Some("ingress") => Some(Direction::Ingress),
                Some("egress") => Some(Direction::Egress),
                _ => None,
            },
        ),
        _ => None,
    }
}

/// The group's block of rules of a direction.
fn block(direction: Direction) -> &'static str {
    match direction {
        Direction::Ingress => "ingress",
        Direction::Egress => "egress",
    }
}

/// Whether the configuration writes `direction`'s rules inline (a dynamic
/// block is not in the configuration's expressions, but a new group's
/// rules are then known).
fn writes_inline(plan: &Plan, group: &Resource, direction: Direction) -> bool {
    let block = block(direction);
    plan.sets(group, block) || (group.created() && !group.unknown(block))
}

/// The directions whose rules the group's configuration writes inline.
pub fn inline_directions(plan: &Plan, group: &Resource) -> Vec<Direction> {
    [Direction::Ingress, Direction::Egress]
        .into_iter()
        .filter(|d| writes_inline(plan, group, *d))
        .collect()
}

/// The group, and the id it goes by (its address until apply gives one).
struct Own<'p> {
    plan: &'p Plan,
    group: &'p Resource,
    id: String,
}

/// Whether a rule resource belongs to the group.
enum Belongs {
    Yes,
    No,
    /// Cannot be told before apply.
    Maybe,
}

impl Own<'_> {
    /// Every permission of one direction, or `None` when one is not known;
    /// the rules the plan revokes from an existing group go to `removed`.
    fn permissions(&self, direction: Direction, removed: &mut Vec<Removed>) -> Option<Vec<Value>> {
        let block = block(direction);
        for (kind, attribute) in TOUCHING {
            let touches = self
                .plan
                .resources
                .iter()
                .filter(|r| r.kind == kind)
                .any(|r| !matches!(self.belongs_by(r, attribute), Belongs::No));
            if touches {
                return None;
            }
        }
        // A rule resource the plan takes from the group (its group before
        // was this one, not after), or a deposed one that may be the
        // group's, which apply deletes: what the group keeps is not known.
        // (A rule resource of either direction, or of one that cannot be told.)
        let rule_kind =
            |r: &Resource| rule_direction(r).is_some_and(|d| d.is_none_or(|d| d == direction));
        let own_id = self.group.known("id").and_then(Value::as_str);
        let taken = self
            .plan
            .resources
            .iter()
            .filter(|r| rule_kind(r))
            .any(|r| {
                !r.unchanged()
                    && !r.destroyed
                    && own_id.is_some()
                    && r.before.get("security_group_id").and_then(Value::as_str) == own_id
                    && matches!(self.belongs(r), Belongs::No)
            });
        let deposed = self
            .plan
            .deposed
            .iter()
            .filter(|r| rule_kind(r))
            .any(|r| !matches!(self.belongs(r), Belongs::No));
        if taken || deposed {
            return None;
        }
        // The rule resources that are, or may be, the group's: destroyed
        // ones too, as the group's planned rules may still show them.
        let mut attached = Vec::new();
        for rule in &self.plan.resources {
            let goes = match rule.kind.as_str() {
                RULE => match rule.known("type").and_then(Value::as_str) {
                    Some("ingress") => Direction::Ingress,
                    Some("egress") => Direction::Egress,
                    // Either way, if it is the group's.
                    _ => match self.belongs(rule) {
                        Belongs::No => continue,
                        _ => return None,
                    },
                },
                INGRESS_RULE => Direction::Ingress,
                EGRESS_RULE => Direction::Egress,
                _ => continue,
            };
            if goes != direction {
                continue;
            }
            match self.belongs(rule) {
                Belongs::No => {}
                Belongs::Maybe => return None,
                Belongs::Yes => attached.push(rule),
            }
        }
        // Inline rules the configuration writes (a dynamic block is not in
        // the configuration's expressions, but its rules are known on
        // create), or, for a group that exists, the rules the provider read
        // from AWS: the rule resources' among them.
        let writes_inline = writes_inline(self.plan, self.group, direction);
        let mut out = Vec::new();
        if writes_inline && !attached.is_empty() {
            // Each revokes what the other adds at the next apply.
            return None;
        }
        // Rules an existing group's read rules gain or lose at apply.
        let (mut added, mut revoked) = (Vec::new(), Vec::new());
        if writes_inline || !self.group.created() {
            if self.group.unknown(block) {
                return None;
            }
            if !writes_inline {
                // Read from AWS, so the rule resources' rules are in it as
                // they are now: what the plan adds and revokes is applied to
                // it; a rule it changes in place or replaces cannot be told.
                for rule in attached.drain(..).filter(|r| !r.unchanged()) {
                    match (rule.destroyed, rule.created()) {
                        (true, _) => {
                            let permission = self.rule(rule)?;
                            removed.push(Removed {
                                address: rule.address.clone(),
                                direction,
                                permission: serde_json::from_value(permission.clone()).ok()?,
                            });
                            revoked.push(permission);
                        }
                        (false, true) => added.push(rule),
                        (false, false) => return None,
                    }
                }
            }
            for inline in self
                .group
                .values
                .get(block)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                out.push(self.inline(inline)?);
            }
        }
        let added = added
            .into_iter()
            .map(|rule| self.rule(rule))
            .collect::<Option<Vec<_>>>()?;
        // A rule moved from one resource to another: the revoke and the add
        // run side by side at apply, and which is last is not known.
        if revoked
            .iter()
            .any(|gone| added.iter().any(|new| overlap(gone, new)))
        {
            return None;
        }
        for gone in &revoked {
            revoke(&mut out, gone);
        }
        out.extend(added);
        // A new group without inline rules has only its rule resources'
        // (the provider removes the default outbound rule on create).
        for rule in attached.into_iter().filter(|r| !r.destroyed) {
            out.push(self.rule(rule)?);
        }
        Some(out)
    }

    fn belongs(&self, rule: &Resource) -> Belongs {
        self.belongs_by(rule, "security_group_id")
    }

    fn belongs_by(&self, rule: &Resource, attribute: &str) -> Belongs {
        if let Some(id) = rule.known(attribute).and_then(Value::as_str) {
            return match self.group.known("id").and_then(Value::as_str) {
                Some(own) if own == id => Belongs::Yes,
                // An id known now is not a group the plan creates.
                _ => Belongs::No,
            };
        }
        match self.referred(rule, attribute) {
            Some(true) => Belongs::Yes,
            Some(false) => Belongs::No,
            None => Belongs::Maybe,
        }
    }

    fn referred(&self, rule: &Resource, attribute: &str) -> Option<bool> {
        self.plan.refers_to(rule, attribute, self.group)
    }

    /// A source group: its id, this group's own id for a reference to it,
    /// the other group's address for a reference to another; `None` when
    /// it cannot be told.
    fn source_group(&self, rule: &Resource, attribute: &str) -> Option<Option<String>> {
        if let Some(id) = rule.known(attribute).and_then(Value::as_str) {
            return Some(Some(id.to_string()));
        }
        // Not set, or unknown only because the provider computes it when
        // the configuration does not set it.
        if !rule.unknown(attribute) || !self.plan.sets(rule, attribute) {
            return Some(None);
        }
        match self.referred(rule, attribute)? {
            true => Some(Some(self.id.clone())),
            // Not this group: what it is called does not matter to the rules.
            false => Some(Some("(another security group of the plan)".to_string())),
        }
    }

    /// An inline `ingress`/`egress` block.
    fn inline(&self, block: &Value) -> Option<Value> {
        self.classic(block, strings(block.get("security_groups")))
    }

    /// A permission in the shape an inline block and `aws_security_group_rule`
    /// share (`protocol`, ports, CIDR lists, `self`), with its source groups.
    fn classic(&self, values: &Value, mut pairs: Vec<String>) -> Option<Value> {
        if values.get("self").and_then(Value::as_bool) == Some(true) {
            pairs.push(self.id.clone());
        }
        Some(permission(
            values.get("protocol")?.as_str()?,
            values.get("from_port").and_then(Value::as_i64),
            values.get("to_port").and_then(Value::as_i64),
            strings(values.get("cidr_blocks")),
            strings(values.get("ipv6_cidr_blocks")),
            strings(values.get("prefix_list_ids")),
            pairs,
        ))
    }

    /// A rule resource of the group, or `None` when apply alone knows it.
    fn rule(&self, rule: &Resource) -> Option<Value> {
        const KNOWN_BEFORE_APPLY: [&str; 11] = [
            "type",
            "protocol",
            "ip_protocol",
            "from_port",
            "to_port",
            "cidr_blocks",
            "ipv6_cidr_blocks",
            "prefix_list_ids",
            "cidr_ipv4",
            "cidr_ipv6",
            "prefix_list_id",
        ];
        if KNOWN_BEFORE_APPLY.iter().any(|a| rule.unknown(a)) {
            return None;
        }
        let values = &rule.values;
        if rule.kind == RULE {
            let source = self.source_group(rule, "source_security_group_id")?;
            self.classic(values, source.into_iter().collect())
        } else {
            let pairs: Vec<String> = self
                .source_group(rule, "referenced_security_group_id")?
                .into_iter()
                .collect();
            let one = |attribute: &str| strings(values.get(attribute).map(|v| json!([v])).as_ref());
            Some(permission(
                values.get("ip_protocol")?.as_str()?,
                values.get("from_port").and_then(Value::as_i64),
                values.get("to_port").and_then(Value::as_i64),
                one("cidr_ipv4"),
                one("cidr_ipv6"),
                one("prefix_list_id"),
                pairs,
            ))
        }
    }
}

const SOURCES: [&str; 4] = [
    "IpRanges",
    "Ipv6Ranges",
    "PrefixListIds",
    "UserIdGroupPairs",
];

/// Whether two permissions of the same protocol and ports share a source.
fn overlap(a: &Value, b: &Value) -> bool {
    same_ports(a, b)
        && SOURCES.iter().any(|list| {
            let theirs = b[list].as_array().cloned().unwrap_or_default();
            a[list]
                .as_array()
                .is_some_and(|ours| ours.iter().any(|source| theirs.contains(source)))
        })
}

fn same_ports(a: &Value, b: &Value) -> bool {
    ["IpProtocol", "FromPort", "ToPort"]
        .iter()
        .all(|f| a.get(f) == b.get(f))
}

/// `permissions` once EC2 has revoked `gone`: its sources leave the
/// permissions of the same protocol and ports (one rule in EC2, however
/// many resources wrote it), and a permission left without a source goes.
fn revoke(permissions: &mut Vec<Value>, gone: &Value) {
    for permission in permissions.iter_mut().filter(|p| same_ports(p, gone)) {
        for list in SOURCES {
            let revoked = gone[list].as_array().cloned().unwrap_or_default();
            if let Some(sources) = permission.get_mut(list).and_then(Value::as_array_mut) {
                sources.retain(|source| !revoked.contains(source));
            }
        }
    }
    permissions.retain(|p| {
        !same_ports(p, gone)
            || SOURCES
                .iter()
                .any(|list| p[list].as_array().is_some_and(|s| !s.is_empty()))
    });
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// One permission in EC2's shape: the protocol as EC2 writes it, no ports
/// for all traffic (Terraform writes 0 and 0).
fn permission(
    protocol: &str,
    from: Option<i64>,
    to: Option<i64>,
    v4: Vec<String>,
    v6: Vec<String>,
    prefix_lists: Vec<String>,
    groups: Vec<String>,
) -> Value {
    let protocol = match protocol.to_ascii_lowercase().as_str() {
        "all" | "-1" => "-1".to_string(),
        "6" => "tcp".to_string(),
        "17" => "udp".to_string(),
        "1" => "icmp".to_string(),
        "58" => "icmpv6".to_string(),
        other => other.to_string(),
    };
    let mut out = json!({
        "IpProtocol": protocol,
        "IpRanges": v4.iter().map(|c| json!({"CidrIp": c})).collect::<Vec<_>>(),
        "Ipv6Ranges": v6.iter().map(|c| json!({"CidrIpv6": c})).collect::<Vec<_>>(),
        "PrefixListIds": prefix_lists.iter().map(|p| json!({"PrefixListId": p})).collect::<Vec<_>>(),
        "UserIdGroupPairs": groups.iter().map(|g| json!({"GroupId": g})).collect::<Vec<_>>(),
    });
    if protocol != "-1" {
        out["FromPort"] = json!(from);
        out["ToPort"] = json!(to);
    }
    out
}
