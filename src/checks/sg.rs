//! The security group: its id, its existence in the region, and what its
//! inbound and outbound permissions let through.

/// The evidence and the resource of every check type on the group's
/// permissions, in its `impl CheckType`.
macro_rules! on_the_group {
    () => {
        fn evidence_key(&self) -> Option<&'static str> {
            Some(crate::checks::sg::KEY)
        }

        fn reads(&self, key: &str, _name: Option<&str>) -> crate::checks::Reads {
            crate::checks::decides_on(&[crate::checks::sg::KEY], key)
        }

        fn resource(&self, target: &crate::snapshot::Target) -> crate::findings::Resource {
            crate::checks::group_resource(target)
        }
    };
}

pub mod egress_allows;
pub mod group_exists;
pub mod group_id_format;
pub mod ingress_allows;
pub mod ingress_self_all_traffic;
pub mod sources_restricted;

use ipnet::IpNet;

use crate::checks::verdict::{Verdict, call_failed, not_collected, see};
use crate::findings::FixData;
use crate::net::ports::{PortRange, PortReq};
use crate::net::{self, Permission, Reach, Source};
use crate::snapshot::Target;
use crate::snapshot::aws::{Evidence, IpPermission, Paged, SecurityGroup, evidence};
use crate::template::Placeholder;

pub const KEY: &str = "ec2:DescribeSecurityGroups";
/// EC2's answers for a group id that is malformed or not in the region.
const MALFORMED: &str = "InvalidGroupId.Malformed";
const NOT_FOUND: &str = "InvalidGroup.NotFound";

/// What the snapshot says about the setup's group.
enum Group<'a> {
    Found(&'a SecurityGroup),
    /// Known not to exist (or not addressable): rules about its contents skip.
    DoesNotExist(String),
    /// Not known: rules about its contents are unknown.
    Unseen(String),
}

fn group(target: &Target) -> Group<'_> {
    let setup = &target.setup;
    let response = match evidence(target.aws.security_groups.as_ref()) {
        Evidence::Missing => return Group::Unseen(not_collected(KEY)),
        Evidence::Failed(e)
            if setup.security_group_id.is_some()
                && (e.code == NOT_FOUND || e.code == MALFORMED) =>
        {
            return Group::DoesNotExist(format!(
                "{} does not exist in {}{}",
                setup.group_label(),
                setup.region,
                see("group-exists")
            ));
        }
        Evidence::Failed(e) => return Group::Unseen(call_failed(KEY, e)),
        Evidence::Present(response) => response,
    };
    let Some(groups) = &response.security_groups else {
        return Group::Unseen(format!("{KEY} answered without SecurityGroups"));
    };
    match (&setup.security_group_id, &setup.security_group_name) {
        (Some(id), _) => match groups.iter().find(|g| &g.group_id == id) {
            Some(group) => Group::Found(group),
            None if response.truncated() => Group::Unseen(format!(
                "{id} is not on the first page of {KEY}, and the rest was not collected"
            )),
            None => Group::DoesNotExist(format!(
                "{id} is not among the groups described in {}{}",
                setup.region,
                see("group-exists")
            )),
        },
        (None, Some(name)) => named(groups, name, &setup.region, response.truncated()),
        (None, None) => Group::Unseen("the setup names no security group".to_string()),
    }
}

/// The one group called `name` among those described (EC2 allows one name
/// once per VPC, so a region can hold several).
fn named<'a>(groups: &'a [SecurityGroup], name: &str, region: &str, truncated: bool) -> Group<'a> {
    if let Some(nameless) = groups.iter().find(|g| g.group_name.is_none()) {
        return Group::Unseen(format!(
            "{KEY} shows {} without its GroupName: the group named {name} cannot be told apart",
            nameless.group_id
        ));
    }
    let called: Vec<&SecurityGroup> = groups
        .iter()
        .filter(|g| g.group_name.as_deref() == Some(name))
        .collect();
    match called.as_slice() {
        // One on a page of a longer answer: another may be on the next.
        [_] if truncated => Group::Unseen(format!(
            "one group named {name} on the first page of {KEY}, and the rest (which may hold another) was not collected"
        )),
        [group] => Group::Found(group),
        [] if truncated => Group::Unseen(format!(
            "no group named {name} on the first page of {KEY}, and the rest was not collected"
        )),
        [] => Group::DoesNotExist(format!(
            "no security group is named {name} in {region}{}",
            see("group-exists")
        )),
        several => Group::Unseen(format!(
            "{} groups are named {name} in {region} ({}): the region settings name one by its id",
            several.len(),
            several
                .iter()
                .map(|g| match &g.vpc_id {
                    Some(vpc) => format!("{} in {vpc}", g.group_id),
                    None => g.group_id.clone(),
                })
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The group's id: the one the setup gives, or the one its name finds.
pub fn group_id(target: &Target) -> Option<&str> {
    if let Some(id) = &target.setup.security_group_id {
        return Some(id);
    }
    match group(target) {
        Group::Found(g) => Some(&g.group_id),
        Group::DoesNotExist(_) | Group::Unseen(_) => None,
    }
}

#[derive(Clone, Copy)]
enum Direction {
    Inbound,
    Outbound,
}

/// Run `f` on the group's rules of one direction, or say why the rule
/// cannot look at them (a group shown without its rules is not a group
/// without rules).
fn with_permissions(
    target: &Target,
    direction: Direction,
    f: impl FnOnce(&SecurityGroup, &[IpPermission]) -> Verdict,
) -> Verdict {
    with_group(target, |g| {
        let (list, field) = match direction {
            Direction::Inbound => (&g.ip_permissions, "IpPermissions"),
            Direction::Outbound => (&g.ip_permissions_egress, "IpPermissionsEgress"),
        };
        match list {
            Some(perms) => f(g, perms),
            None => Verdict::unknown(format!("{KEY} shows {} without {field}", g.group_id)),
        }
    })
}

/// Run `f` on the group, or say why the rule cannot look inside it.
fn with_group(target: &Target, f: impl FnOnce(&SecurityGroup) -> Verdict) -> Verdict {
    match group(target) {
        Group::Found(g) => f(g),
        Group::DoesNotExist(why) => Verdict::skip(why),
        Group::Unseen(why) => Verdict::unknown(why),
    }
}

/// The group's VPC, or the verdict for a rule that needs it.
pub fn group_vpc(target: &Target) -> Result<Option<&String>, Verdict> {
    match group(target) {
        Group::Found(g) => Ok(g.vpc_id.as_ref()),
        Group::DoesNotExist(why) => Err(Verdict::skip(why)),
        Group::Unseen(why) => Err(Verdict::unknown(why)),
    }
}

/// Where else the snapshot looked for the group: the regions where it is,
/// and how many could not be searched. None when no other region was searched.
fn regions_elsewhere(target: &Target) -> Option<(Vec<&str>, usize)> {
    let id = target.setup.security_group_id.as_ref()?;
    let searched = target.aws.security_groups_elsewhere.as_ref()?;
    let mut found = Vec::new();
    // A whole-key error: no other region could be searched.
    let mut unchecked = usize::from(searched.failed().is_some());
    for (region, answer) in searched.entries() {
        match evidence(Some(answer)) {
            Evidence::Present(r)
                if r.security_groups
                    .as_ref()
                    .is_some_and(|g| g.iter().any(|g| &g.group_id == id)) =>
            {
                found.push(region.as_str())
            }
            Evidence::Failed(_) => unchecked += 1,
            _ => {}
        }
    }
    Some((found, unchecked))
}

/// Which (port, source) pairs are not reached, and which are undecided.
struct Coverage {
    missing: Vec<(PortReq, Vec<IpNet>)>,
    missing_text: Vec<String>,
    undecided: Vec<String>,
}

fn coverage(
    perms: &[IpPermission],
    ports: &[PortReq],
    ssh_port: u16,
    sources: &[IpNet],
    direction: Direction,
) -> Coverage {
    // Inbound traffic comes from a source; outbound goes to a destination.
    let preposition = match direction {
        Direction::Inbound => "from",
        Direction::Outbound => "to",
    };
    let mut out = Coverage {
        missing: Vec::new(),
        missing_text: Vec::new(),
        undecided: Vec::new(),
    };
    for req in ports {
        let mut missing_here = Vec::new();
        for source in sources {
            let name = || describe_req(req, ssh_port);
            match net::reaches(perms, req, ssh_port, Source::Net(source)) {
                Reach::Yes => {}
                Reach::No => {
                    missing_here.push(*source);
                    out.missing_text
                        .push(format!("{} {preposition} {source}", name()));
                }
                Reach::Unknown(why) => out.undecided.push(format!(
                    "{} {preposition} {source} ({})",
                    name(),
                    why.explain()
                )),
            }
        }
        if !missing_here.is_empty() {
            out.missing.push((*req, missing_here));
        }
    }
    out
}

fn describe_req(req: &PortReq, ssh_port: u16) -> String {
    match req.range(ssh_port) {
        None => "all traffic".to_string(),
        Some((a, b)) if a == b => format!("{} {a}", req.protocol.as_aws().to_uppercase()),
        Some((a, b)) => format!("{} {a}-{b}", req.protocol.as_aws().to_uppercase()),
    }
}

/// The verdict for a coverage; a failure carries the permissions to add.
fn verdict_for(
    coverage: Coverage,
    ssh_port: u16,
    group_id: &str,
    egress: bool,
    ok: String,
) -> Verdict {
    let direction = if egress { "outbound" } else { "inbound" };
    if !coverage.missing.is_empty() {
        let permissions: Vec<Permission> = coverage
            .missing
            .iter()
            .map(|(req, sources)| Permission::granting(req, ssh_port, sources))
            .collect();
        let group_id = group_id.to_string();
        let fix = if egress {
            FixData::Egress {
                group_id,
                permissions,
            }
        } else {
            FixData::Ingress {
                group_id,
                permissions,
            }
        };
        let shorthand: Vec<String> = coverage
            .missing
            .iter()
            .map(|(req, sources)| net::grant_shorthand(req, ssh_port, sources))
            .collect();
        let mut detail = format!(
            "{direction} not allowed: {}",
            coverage.missing_text.join("; ")
        );
        if !coverage.undecided.is_empty() {
            detail.push_str(&format!("; undecided: {}", coverage.undecided.join("; ")));
        }
        return Verdict::fail(detail)
            .with(Placeholder::IpPermissions, shorthand.join(" "))
            .with_fix(fix);
    }
    if !coverage.undecided.is_empty() {
        return Verdict::unknown(format!("undecided: {}", coverage.undecided.join("; ")));
    }
    Verdict::pass(ok)
}

/// Each port must be reachable from at least one address range other than
/// the excluded ones: live streams come from the customer's encoders, so
/// neither Bitmovin's addresses nor a security group is a stream source.
fn stream_sources(
    group_id: &str,
    perms: &[IpPermission],
    ports: &[PortReq],
    ssh_port: u16,
    excluding: &[IpNet],
) -> Verdict {
    let source = Source::AnyAddress { excluding };
    let mut closed = Vec::new();
    let mut undecided = Vec::new();
    for req in ports {
        match net::reaches(perms, req, ssh_port, source) {
            Reach::Yes => {}
            Reach::No => closed.extend(unreached(perms, req, ssh_port, source)),
            Reach::Unknown(why) => undecided.push(format!(
                "{} ({})",
                describe_req(req, ssh_port),
                why.explain()
            )),
        }
    }
    // What the group lets in on each port, so the person sees why.
    let seen = |req: &PortReq| {
        let sources = net::sources_on(perms, req, ssh_port, group_id);
        let name = describe_req(req, ssh_port);
        if sources.is_empty() {
            format!("{name} from nothing")
        } else {
            format!("{name} from {}", listed(&sources))
        }
    };
    if !closed.is_empty() {
        let anywhere: [IpNet; 2] = [
            "0.0.0.0/0".parse().expect("literal"),
            "::/0".parse().expect("literal"),
        ];
        let shorthand: Vec<String> = closed
            .iter()
            .map(|r| net::grant_shorthand(r, ssh_port, &anywhere))
            .collect();
        let permissions = closed
            .iter()
            .map(|r| Permission::granting(r, ssh_port, &anywhere))
            .collect();
        let why = if excluding.is_empty() {
            "no address range reaches it"
        } else {
            "no address range other than Bitmovin's reaches it (streams come from the customer's encoders, not from Bitmovin or a security group)"
        };
        let shown: Vec<String> = closed.iter().map(seen).collect();
        return Verdict::fail(format!(
            "no stream source can reach inbound {}: {why}; the group allows {}",
            closed
                .iter()
                .map(|r| describe_req(r, ssh_port))
                .collect::<Vec<_>>()
                .join(", "),
            shown.join("; ")
        ))
        .with(Placeholder::IpPermissions, shorthand.join(" "))
        .with_fix(FixData::Ingress {
            group_id: group_id.to_string(),
            permissions,
        });
    }
    if !undecided.is_empty() {
        return Verdict::unknown(format!(
            "inbound {} may be reached by no stream source: {}",
            undecided.join(", "),
            ports.iter().map(seen).collect::<Vec<_>>().join("; ")
        ));
    }
    // Passing: name only the ranges that count as stream sources.
    let counted = |req: &PortReq| {
        let sources: Vec<net::SeenSource> = net::sources_on(perms, req, ssh_port, group_id)
            .into_iter()
            .filter(
                |s| matches!(s, net::SeenSource::Range(range) if !net::inside(*range, excluding)),
            )
            .collect();
        format!("{} from {}", describe_req(req, ssh_port), listed(&sources))
    };
    let shown: Vec<String> = ports.iter().map(counted).collect();
    Verdict::pass(format!("open to stream sources: {}", shown.join("; ")))
}

/// "a, b, c" for the sources a finding names.
fn listed(sources: &[net::SeenSource]) -> String {
    sources
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The parts of `req` no permission lets `source` reach, as ranges (UDP
/// 2091 of 2088-2091), so the finding and its fix name only those.
fn unreached(perms: &[IpPermission], req: &PortReq, ssh_port: u16, source: Source) -> Vec<PortReq> {
    let Some((from, to)) = req.range(ssh_port) else {
        return vec![*req];
    };
    let single = |port: u16| PortReq {
        protocol: req.protocol,
        ports: Some(PortRange::Fixed(port, port)),
    };
    let mut runs: Vec<(u16, u16)> = Vec::new();
    for port in from..=to {
        if net::reaches(perms, &single(port), ssh_port, source) != Reach::No {
            continue;
        }
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == port => *end = port,
            _ => runs.push((port, port)),
        }
    }
    runs.into_iter()
        .map(|(a, b)| PortReq {
            protocol: req.protocol,
            ports: Some(PortRange::Fixed(a, b)),
        })
        .collect()
}
