//! `sources-restricted`: inbound permissions on these ports have no other source.

use serde::Deserialize;

use super::{Direction, describe_req, with_permissions};
use crate::checks::shared::{Cidrs, Shared, SharedValues};
use crate::checks::verdict::Verdict;
use crate::checks::{CheckType, ParamError};
use crate::findings::FixData;
use crate::net;
use crate::net::ports::PortReq;
use crate::snapshot::Target;
use crate::template::Placeholder;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcesRestricted {
    pub ports: Vec<PortReq>,
    /// The only address sources allowed on those ports (the group itself
    /// is always allowed).
    pub allowed: Shared<Cidrs>,
    /// Which of the other sources this rule reports.
    #[serde(default)]
    pub offenders: Offenders,
}

/// The sources a `sources-restricted` rule reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Offenders {
    /// Every source beyond the allowed ones.
    #[default]
    Any,
    /// Only sources open to every address (0.0.0.0/0, ::/0).
    OpenToEveryone,
    /// Every other source beyond the allowed ones (a range, another group,
    /// a prefix list), but not those open to every address.
    OtherSources,
}

impl CheckType for SourcesRestricted {
    fn how_judged(&self) -> &'static str {
        "Lists every source on the given ports beyond the allowed ones and the group itself. `offenders` chooses which this rule reports: sources open to every address (0.0.0.0/0, ::/0; the dashboard's documented rejection), the other extra sources (least privilege), or any. A prefix list on those ports is unknown."
    }

    fn prepare(&mut self, shared: &SharedValues) -> Result<(), ParamError> {
        self.allowed
            .resolve(shared)
            .map_err(ParamError::at(&self.allowed.span))
    }

    on_the_group!();

    fn placeholders(&self) -> &'static [Placeholder] {
        &[Placeholder::OffendingIpPermissions]
    }

    fn evaluate(&self, target: &Target) -> Verdict {
        sources_restricted(self, target)
    }
}

fn sources_restricted(check: &SourcesRestricted, target: &Target) -> Verdict {
    let ssh_port = target.setup.ssh_port;
    with_permissions(target, Direction::Inbound, |g, perms| {
        let found = net::restriction(
            perms,
            &check.ports,
            ssh_port,
            &check.allowed.value.0,
            &g.group_id,
        );
        let ports: Vec<String> = check
            .ports
            .iter()
            .map(|r| describe_req(r, ssh_port))
            .collect();
        let ports = ports.join(", ");
        let (mine, others): (Vec<&net::Offender>, Vec<&net::Offender>) =
            found.offenders.iter().partition(|o| match check.offenders {
                Offenders::Any => true,
                Offenders::OpenToEveryone => o.open_to_everyone,
                Offenders::OtherSources => !o.open_to_everyone,
            });
        if !mine.is_empty() {
            let described: Vec<&str> = mine.iter().map(|o| o.description.as_str()).collect();
            let shorthand: Vec<&str> = mine.iter().map(|o| o.shorthand.as_str()).collect();
            let what = match check.offenders {
                Offenders::Any => "are open beyond Bitmovin's addresses",
                Offenders::OpenToEveryone => "are open to every address",
                Offenders::OtherSources => {
                    "are also open to sources other than Bitmovin's addresses"
                }
            };
            let verdict = Verdict::fail(format!(
                "Bitmovin's ports ({ports}) {what}: {}",
                described.join("; ")
            ));
            // The command takes the shorthand only once it is checked
            // against AWS's format. Each source is checked here first: a
            // group id holding `}] IpProtocol=…` would otherwise split into
            // well-formed items of its own. A malformed one becomes the
            // value, so the fix names it and gives no command.
            let malformed = mine
                .iter()
                .flat_map(|o| &o.permission.group_ids)
                .find(|g| !net::is_group_id(g));
            let value = match malformed {
                Some(group) => group.clone(),
                None => shorthand.join(" "),
            };
            return verdict
                .with(Placeholder::OffendingIpPermissions, value)
                .with_fix(FixData::Revoke {
                    group_id: g.group_id.clone(),
                    permissions: mine.iter().map(|o| o.permission.clone()).collect(),
                });
        }
        if !found.prefix_lists.is_empty() {
            let could_hold = match check.offenders {
                Offenders::OpenToEveryone => "0.0.0.0/0 or ::/0",
                _ => "other addresses",
            };
            return Verdict::unknown(format!(
                "prefix lists on Bitmovin's ports may hold {could_hold}: {}",
                found.prefix_lists.join("; ")
            ));
        }
        Verdict::pass(match (check.offenders, others.is_empty()) {
            (Offenders::OpenToEveryone, true) => {
                format!("{ports} open only to Bitmovin's addresses and the group itself")
            }
            (Offenders::OpenToEveryone, false) => format!(
                "{ports} not open to every address (other extra sources: {})",
                others
                    .iter()
                    .map(|o| o.description.as_str())
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            (Offenders::OtherSources, false) => format!(
                "{ports}: no extra source besides every address (0.0.0.0/0 or ::/0), which is a separate finding"
            ),
            _ => format!("{ports} open only to Bitmovin's addresses and the group itself"),
        })
    })
}
