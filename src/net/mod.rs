//! Security-group coverage: which sources reach which ports through a
//! group's permissions, with AWS's semantics (protocol `-1` is everything,
//! `tcp`/`6` and `udp`/`17` are the same, a port range covers each port in
//! it, a wider CIDR covers the addresses inside it). A source given only as
//! a prefix list cannot be seen into, so it yields `Unknown`, never a guess.

pub mod ports;

use ipnet::IpNet;

use crate::snapshot::aws::IpPermission;
use ports::{PortReq, Protocol};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    Yes,
    No,
    /// Not reached by any address range, but something on a matching
    /// permission might reach it.
    Unknown(Undecided),
}

/// What leaves a reachability question open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Undecided {
    /// A prefix list, whose addresses are not in the snapshot.
    PrefixList,
    /// A TCP/UDP permission shown without its ports.
    PortsNotShown,
}

impl Undecided {
    /// "(only a prefix list could allow it)" and the like.
    pub fn explain(self) -> &'static str {
        match self {
            Undecided::PrefixList => "only a prefix list could allow it",
            Undecided::PortsNotShown => "only a permission shown without its ports could allow it",
        }
    }
}

/// Who a reachability question is about.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// This address or network must be covered.
    Net(&'a IpNet),
    /// Any IPv4 or IPv6 range will do, except ranges inside these.
    AnyAddress { excluding: &'a [IpNet] },
}

/// The ports of `perm` for its protocol (`None` when it covers every port).
fn port_range(perm: &IpPermission) -> Option<(i32, i32)> {
    match (perm.from_port, perm.to_port) {
        (Some(from), Some(to)) if from >= 0 && to >= 0 => Some((from, to)),
        _ => None,
    }
}

/// All-traffic permissions have no ports; TCP and UDP ones must show them.
fn ports_known(perm: &IpPermission) -> bool {
    Protocol::of_permission(&perm.ip_protocol) == Some(Protocol::All) || port_range(perm).is_some()
}

/// Does `perm` carry traffic of `protocol` to `port` (`None`: every port)?
fn carries(perm: &IpPermission, protocol: Protocol, port: Option<u16>) -> bool {
    match Protocol::of_permission(&perm.ip_protocol) {
        Some(Protocol::All) => true,
        Some(p) if p == protocol => match (port_range(perm), port) {
            (None, _) => true,
            (Some((from, to)), Some(port)) => from <= i32::from(port) && i32::from(port) <= to,
            (Some(_), None) => false,
        },
        _ => false,
    }
}

/// Does `perm` carry any traffic of `protocol` in `from..=to`?
fn overlaps(perm: &IpPermission, protocol: Protocol, range: Option<(u16, u16)>) -> bool {
    match Protocol::of_permission(&perm.ip_protocol) {
        Some(Protocol::All) => true,
        Some(p) if p == protocol || protocol == Protocol::All => match (port_range(perm), range) {
            (None, _) | (_, None) => true,
            (Some((a, b)), Some((from, to))) => a <= i32::from(to) && i32::from(from) <= b,
        },
        _ => false,
    }
}

/// Is `net` inside one of `nets`?
pub fn inside(net: IpNet, nets: &[IpNet]) -> bool {
    nets.iter().any(|n| n.trunc().contains(&net.trunc()))
}

fn source_covered(perm: &IpPermission, source: Source) -> bool {
    match source {
        Source::AnyAddress { excluding } => {
            perm.ip_ranges
                .iter()
                .any(|r| !inside(IpNet::V4(r.cidr_ip), excluding))
                || perm
                    .ipv6_ranges
                    .iter()
                    .any(|r| !inside(IpNet::V6(r.cidr_ipv6), excluding))
        }
        Source::Net(IpNet::V4(net)) => perm
            .ip_ranges
            .iter()
            .any(|r| r.cidr_ip.trunc().contains(net)),
        Source::Net(IpNet::V6(net)) => perm
            .ipv6_ranges
            .iter()
            .any(|r| r.cidr_ipv6.trunc().contains(net)),
    }
}

/// Can `source` reach every port of `req` (several permissions may share
/// the work)? `ssh_port` fills in `tcp:ssh_port`.
pub fn reaches(perms: &[IpPermission], req: &PortReq, ssh_port: u16, source: Source) -> Reach {
    // Each port of the range, or once `None` for every port.
    let (from, to, every) = match req.range(ssh_port) {
        None => (0, 0, true),
        Some((from, to)) => (from, to, false),
    };
    let mut result = Reach::Yes;
    for port in (from..=to).map(|p| (!every).then_some(p)) {
        let matching = perms.iter().filter(|p| {
            // An all-traffic requirement is only met by an all-traffic permission.
            if req.protocol == Protocol::All {
                Protocol::of_permission(&p.ip_protocol) == Some(Protocol::All)
            } else {
                carries(p, req.protocol, port)
            }
        });
        let mut by_prefix_list = false;
        let mut by_portless = false;
        let mut covered = false;
        for perm in matching {
            if !ports_known(perm) {
                // TCP/UDP without ports is not what AWS prints: don't guess.
                by_portless |= source_covered(perm, source);
                by_prefix_list |= !perm.prefix_list_ids.is_empty();
                continue;
            }
            if source_covered(perm, source) {
                covered = true;
                break;
            }
            by_prefix_list |= !perm.prefix_list_ids.is_empty();
        }
        if !covered {
            result = match (by_prefix_list, by_portless, result) {
                (false, false, _) => return Reach::No,
                // One prefix list anywhere is the reason to name.
                (true, _, _) | (_, _, Reach::Unknown(Undecided::PrefixList)) => {
                    Reach::Unknown(Undecided::PrefixList)
                }
                _ => Reach::Unknown(Undecided::PortsNotShown),
            };
        }
    }
    result
}

/// A source a permission names, as the group has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeenSource {
    Range(IpNet),
    TheGroupItself,
    Group(String),
    AnotherAccountsGroup,
    PrefixList(String),
}

impl std::fmt::Display for SeenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SeenSource::Range(net) => write!(f, "{net}"),
            SeenSource::TheGroupItself => f.write_str("the group itself"),
            SeenSource::Group(id) => f.write_str(id),
            SeenSource::AnotherAccountsGroup => f.write_str("another account's group"),
            SeenSource::PrefixList(id) => write!(f, "prefix list {id}"),
        }
    }
}

/// Every source on the permissions that carry traffic to any port of
/// `req`: CIDRs, groups (`group_id` is the group itself), prefix lists.
/// Each once, in the group's order.
pub fn sources_on(
    perms: &[IpPermission],
    req: &PortReq,
    ssh_port: u16,
    group_id: &str,
) -> Vec<SeenSource> {
    let mut seen: Vec<SeenSource> = Vec::new();
    let mut add = |source: SeenSource| {
        if !seen.contains(&source) {
            seen.push(source);
        }
    };
    for perm in perms
        .iter()
        .filter(|p| overlaps(p, req.protocol, req.range(ssh_port)))
    {
        perm.ip_ranges
            .iter()
            .for_each(|r| add(SeenSource::Range(IpNet::V4(r.cidr_ip))));
        perm.ipv6_ranges
            .iter()
            .for_each(|r| add(SeenSource::Range(IpNet::V6(r.cidr_ipv6))));
        for pair in &perm.user_id_group_pairs {
            add(match pair.group_id.as_deref() {
                Some(id) if id == group_id => SeenSource::TheGroupItself,
                Some(id) => SeenSource::Group(id.to_string()),
                None => SeenSource::AnotherAccountsGroup,
            });
        }
        for list in &perm.prefix_list_ids {
            add(SeenSource::PrefixList(list.prefix_list_id.clone()));
        }
    }
    seen
}

/// The group refers to itself in an inbound all-traffic permission.
pub fn self_all_traffic(perms: &[IpPermission], group_id: &str) -> bool {
    perms.iter().any(|p| {
        Protocol::of_permission(&p.ip_protocol) == Some(Protocol::All)
            && p.user_id_group_pairs
                .iter()
                .any(|g| g.group_id.as_deref() == Some(group_id))
    })
}

/// One permission as a fix needs it: protocol, ports, sources.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Permission {
    /// "-1", "tcp", "udp" (as the group has it, for revocations)
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cidrs: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub group_ids: Vec<String>,
}

impl Permission {
    /// The permission granting `sources` on `req`.
    pub fn granting(req: &PortReq, ssh_port: u16, sources: &[IpNet]) -> Permission {
        let range = req.range(ssh_port);
        Permission {
            protocol: req.protocol.as_aws().to_string(),
            from_port: range.map(|(from, _)| i32::from(from)),
            to_port: range.map(|(_, to)| i32::from(to)),
            cidrs: sources.iter().map(IpNet::to_string).collect(),
            group_ids: Vec::new(),
        }
    }
}

/// A source on a restricted port that should not be there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offender {
    /// 0.0.0.0/0 or ::/0: every address.
    pub open_to_everyone: bool,
    /// The permission with only the offending source, in `aws` CLI shorthand.
    pub shorthand: String,
    /// "tcp 22 from 0.0.0.0/0"
    pub description: String,
    /// The same, for a fix that removes it.
    pub permission: Permission,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Restriction {
    pub offenders: Vec<Offender>,
    /// Prefix lists on restricted ports: their contents are not visible.
    pub prefix_lists: Vec<String>,
}

/// Every source on permissions touching `ports` that is neither in
/// `allowed` nor the group itself.
pub fn restriction(
    perms: &[IpPermission],
    ports: &[PortReq],
    ssh_port: u16,
    allowed: &[IpNet],
    group_id: &str,
) -> Restriction {
    let mut out = Restriction::default();
    let inside_allowed = |net: IpNet| inside(net, allowed);
    for perm in perms {
        if !ports
            .iter()
            .any(|req| overlaps(perm, req.protocol, req.range(ssh_port)))
        {
            continue;
        }
        let mut flag = |source_kind: &str, source: String, open_to_everyone: bool| {
            let (from_port, to_port) = port_range(perm).unzip();
            let is_group = source_kind == "UserIdGroupPairs";
            out.offenders.push(Offender {
                open_to_everyone,
                shorthand: format!(
                    "{},{source_kind}=[{{{}}}]",
                    shorthand_head(perm),
                    source_field(source_kind, &source)
                ),
                description: format!("{} from {source}", describe_ports(perm)),
                permission: Permission {
                    protocol: perm.ip_protocol.clone(),
                    from_port,
                    to_port,
                    cidrs: if is_group {
                        Vec::new()
                    } else {
                        vec![source.clone()]
                    },
                    group_ids: if is_group {
                        vec![source.clone()]
                    } else {
                        Vec::new()
                    },
                },
            });
        };
        for range in &perm.ip_ranges {
            if !inside_allowed(IpNet::V4(range.cidr_ip)) {
                let everyone = range.cidr_ip.prefix_len() == 0;
                flag("IpRanges", range.cidr_ip.to_string(), everyone);
            }
        }
        for range in &perm.ipv6_ranges {
            if !inside_allowed(IpNet::V6(range.cidr_ipv6)) {
                let everyone = range.cidr_ipv6.prefix_len() == 0;
                flag("Ipv6Ranges", range.cidr_ipv6.to_string(), everyone);
            }
        }
        for pair in &perm.user_id_group_pairs {
            match pair.group_id.as_deref() {
                Some(id) if id == group_id => {}
                other => flag(
                    "UserIdGroupPairs",
                    other.unwrap_or("another account's group").to_string(),
                    false,
                ),
            }
        }
        for list in &perm.prefix_list_ids {
            out.prefix_lists.push(format!(
                "{} from prefix list {}",
                describe_ports(perm),
                list.prefix_list_id
            ));
        }
    }
    out
}

/// `sg-` and 8 or 17 lowercase hexadecimal digits, as EC2 writes group ids.
pub fn is_group_id(text: &str) -> bool {
    text.strip_prefix("sg-").is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17)
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn source_field(kind: &str, source: &str) -> String {
    match kind {
        "IpRanges" => format!("CidrIp={source}"),
        "Ipv6Ranges" => format!("CidrIpv6={source}"),
        _ => format!("GroupId={source}"),
    }
}

/// `IpProtocol=tcp,FromPort=22,ToPort=22` for a permission.
fn shorthand_head(perm: &IpPermission) -> String {
    match port_range(perm) {
        Some((from, to)) => format!(
            "IpProtocol={},FromPort={from},ToPort={to}",
            perm.ip_protocol
        ),
        None => format!("IpProtocol={}", perm.ip_protocol),
    }
}

/// "tcp 22", "udp 2088-2091", "all traffic"
pub fn describe_ports(perm: &IpPermission) -> String {
    match (Protocol::of_permission(&perm.ip_protocol), port_range(perm)) {
        (Some(Protocol::All), _) => "all traffic".to_string(),
        (_, Some((a, b))) if a == b => format!("{} {a}", perm.ip_protocol),
        (_, Some((a, b))) => format!("{} {a}-{b}", perm.ip_protocol),
        (_, None) => format!("{} all ports", perm.ip_protocol),
    }
}

/// `aws` CLI shorthand granting `sources` on `req`: one item, unquoted
/// (fix commands quote each item when they check it).
pub fn grant_shorthand(req: &PortReq, ssh_port: u16, sources: &[IpNet]) -> String {
    let head = match req.range(ssh_port) {
        Some((from, to)) => format!(
            "IpProtocol={},FromPort={from},ToPort={to}",
            req.protocol.as_aws()
        ),
        None => "IpProtocol=-1".to_string(),
    };
    let v4: Vec<String> = sources
        .iter()
        .filter(|s| matches!(s, IpNet::V4(_)))
        .map(|s| format!("{{CidrIp={s}}}"))
        .collect();
    let v6: Vec<String> = sources
        .iter()
        .filter(|s| matches!(s, IpNet::V6(_)))
        .map(|s| format!("{{CidrIpv6={s}}}"))
        .collect();
    let mut item = head;
    if !v4.is_empty() {
        item.push_str(&format!(",IpRanges=[{}]", v4.join(",")));
    }
    if !v6.is_empty() {
        item.push_str(&format!(",Ipv6Ranges=[{}]", v6.join(",")));
    }
    item
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn perms(value: serde_json::Value) -> Vec<IpPermission> {
        serde_json::from_value(value).unwrap()
    }

    fn net(s: &str) -> IpNet {
        s.parse().unwrap()
    }

    fn req(s: &str) -> PortReq {
        s.parse().unwrap()
    }

    const A: &str = "104.199.97.13/32";

    #[test]
    fn wide_range_and_protocol_number_cover_a_port() {
        let p = perms(
            json!([{"IpProtocol": "6", "FromPort": 0, "ToPort": 65535, "IpRanges": [{"CidrIp": A}]}]),
        );
        assert_eq!(
            reaches(&p, &req("tcp:9999"), 22, Source::Net(&net(A))),
            Reach::Yes
        );
        assert_eq!(
            reaches(&p, &req("udp:9999"), 22, Source::Net(&net(A))),
            Reach::No
        );
    }

    #[test]
    fn all_traffic_covers_everything_but_tcp_does_not_cover_all() {
        let all = perms(json!([{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]));
        assert_eq!(
            reaches(&all, &req("udp:2088-2091"), 22, Source::Net(&net(A))),
            Reach::Yes
        );
        assert_eq!(
            reaches(&all, &req("all"), 22, Source::Net(&net("0.0.0.0/0"))),
            Reach::Yes
        );
        let tcp = perms(
            json!([{"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]),
        );
        assert_eq!(
            reaches(&tcp, &req("all"), 22, Source::Net(&net("0.0.0.0/0"))),
            Reach::No
        );
    }

    #[test]
    fn wider_cidr_covers_but_narrower_does_not() {
        let p = perms(
            json!([{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "104.199.97.0/24"}]}]),
        );
        assert_eq!(
            reaches(&p, &req("tcp:22"), 22, Source::Net(&net(A))),
            Reach::Yes
        );
        assert_eq!(
            reaches(&p, &req("tcp:22"), 22, Source::Net(&net("104.199.0.0/16"))),
            Reach::No
        );
    }

    #[test]
    fn several_permissions_share_a_range() {
        let p = perms(json!([
            {"IpProtocol": "udp", "FromPort": 2088, "ToPort": 2089, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {"IpProtocol": "udp", "FromPort": 2090, "ToPort": 2091, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}
        ]));
        assert_eq!(
            reaches(
                &p,
                &req("udp:2088-2091"),
                22,
                Source::AnyAddress { excluding: &[] }
            ),
            Reach::Yes
        );
        assert_eq!(
            reaches(
                &p,
                &req("udp:2088-2092"),
                22,
                Source::AnyAddress { excluding: &[] }
            ),
            Reach::No
        );
    }

    #[test]
    fn prefix_list_is_unknown_not_a_guess() {
        let p = perms(
            json!([{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "PrefixListIds": [{"PrefixListId": "pl-0123"}]}]),
        );
        assert_eq!(
            reaches(&p, &req("tcp:22"), 22, Source::Net(&net(A))),
            Reach::Unknown(Undecided::PrefixList)
        );
        assert_eq!(
            reaches(&p, &req("tcp:9999"), 22, Source::Net(&net(A))),
            Reach::No
        );
    }

    #[test]
    fn tcp_without_ports_is_unknown_not_everything() {
        let p = perms(json!([{"IpProtocol": "tcp", "IpRanges": [{"CidrIp": A}]}]));
        assert_eq!(
            reaches(&p, &req("tcp:9999"), 22, Source::Net(&net(A))),
            Reach::Unknown(Undecided::PortsNotShown)
        );
    }

    #[test]
    fn custom_ssh_port() {
        let p = perms(
            json!([{"IpProtocol": "tcp", "FromPort": 2222, "ToPort": 2222, "IpRanges": [{"CidrIp": A}]}]),
        );
        assert_eq!(
            reaches(&p, &req("tcp:ssh_port"), 2222, Source::Net(&net(A))),
            Reach::Yes
        );
        assert_eq!(
            reaches(&p, &req("tcp:ssh_port"), 22, Source::Net(&net(A))),
            Reach::No
        );
    }

    #[test]
    fn self_reference_needs_all_traffic() {
        let p = perms(
            json!([{"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-1", "UserId": "123"}]}]),
        );
        assert!(self_all_traffic(&p, "sg-1"));
        assert!(!self_all_traffic(&p, "sg-2"));
        let tcp = perms(
            json!([{"IpProtocol": "tcp", "FromPort": 0, "ToPort": 65535, "UserIdGroupPairs": [{"GroupId": "sg-1"}]}]),
        );
        assert!(!self_all_traffic(&tcp, "sg-1"));
    }

    #[test]
    fn restriction_flags_wide_sources_on_bitmovin_ports_only() {
        let allowed = [net(A), net("35.205.157.162/32")];
        let ports = [req("tcp:ssh_port"), req("tcp:9999"), req("tcp:9443")];
        let p = perms(json!([
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": A}, {"CidrIp": "0.0.0.0/0"}], "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
            {"IpProtocol": "tcp", "FromPort": 1935, "ToPort": 1935, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]},
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": "sg-self"}, {"GroupId": "sg-other"}]},
            {"IpProtocol": "tcp", "FromPort": 9000, "ToPort": 10000, "IpRanges": [{"CidrIp": "104.199.97.0/24"}]}
        ]));
        let r = restriction(&p, &ports, 22, &allowed, "sg-self");
        let described: Vec<&str> = r.offenders.iter().map(|o| o.description.as_str()).collect();
        assert_eq!(
            described,
            [
                "tcp 22 from 0.0.0.0/0",
                "tcp 22 from ::/0",
                "all traffic from sg-other",
                "tcp 9000-10000 from 104.199.97.0/24"
            ]
        );
        assert_eq!(
            r.offenders[0].shorthand,
            "IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=0.0.0.0/0}]"
        );
        assert!(r.prefix_lists.is_empty());
    }

    #[test]
    fn grant_shorthand_is_aws_cli_shorthand() {
        let s = grant_shorthand(&req("tcp:9999"), 22, &[net(A)]);
        assert_eq!(
            s,
            "IpProtocol=tcp,FromPort=9999,ToPort=9999,IpRanges=[{CidrIp=104.199.97.13/32}]"
        );
        let s = grant_shorthand(&req("all"), 22, &[net("0.0.0.0/0"), net("::/0")]);
        assert_eq!(
            s,
            "IpProtocol=-1,IpRanges=[{CidrIp=0.0.0.0/0}],Ipv6Ranges=[{CidrIpv6=::/0}]"
        );
        assert!(crate::aws_format::Format::IpPermissions.accepts(&s));
    }

    #[test]
    fn excluded_ranges_are_no_source() {
        let bitmovin = [net(A), net("35.205.157.162/32")];
        let only_bitmovin = perms(
            json!([{"IpProtocol": "tcp", "FromPort": 1935, "ToPort": 1935, "IpRanges": [{"CidrIp": A}, {"CidrIp": "35.205.157.162/32"}]}]),
        );
        let any = Source::AnyAddress {
            excluding: &bitmovin,
        };
        assert_eq!(
            reaches(&only_bitmovin, &req("tcp:1935"), 22, any),
            Reach::No
        );
        let wider = perms(
            json!([{"IpProtocol": "tcp", "FromPort": 1935, "ToPort": 1935, "IpRanges": [{"CidrIp": "104.199.97.0/24"}]}]),
        );
        assert_eq!(reaches(&wider, &req("tcp:1935"), 22, any), Reach::Yes);
        let v6 = perms(
            json!([{"IpProtocol": "tcp", "FromPort": 1935, "ToPort": 1935, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]),
        );
        assert_eq!(reaches(&v6, &req("tcp:1935"), 22, any), Reach::Yes);
    }

    #[test]
    fn sources_on_a_port_are_listed_once() {
        let p = perms(json!([
            {"IpProtocol": "tcp", "FromPort": 1935, "ToPort": 1935, "IpRanges": [{"CidrIp": A}],
             "UserIdGroupPairs": [{"GroupId": "sg-self"}, {"GroupId": "sg-other"}]},
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": A}], "PrefixListIds": [{"PrefixListId": "pl-1"}]},
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ]));
        let shown: Vec<String> = sources_on(&p, &req("tcp:1935"), 22, "sg-self")
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            shown,
            [A, "the group itself", "sg-other", "prefix list pl-1"]
        );
    }
}
