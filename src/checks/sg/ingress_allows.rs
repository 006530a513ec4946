//! `ingress-allows`: inbound ports reachable from the given sources.

use ipnet::IpNet;
use serde::Deserialize;

use super::{Direction, coverage, describe_req, stream_sources, verdict_for, with_permissions};
use crate::checks::shared::{Cidrs, Shared, SharedValues};
use crate::checks::verdict::Verdict;
use crate::checks::{CheckType, ParamError};
use crate::net::ports::PortReq;
use crate::snapshot::Target;
use crate::template::Placeholder;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngressAllows {
    pub ports: Vec<PortReq>,
    /// Every one of these sources must reach every port…
    pub from: Option<Shared<Cidrs>>,
    /// …or, instead, at least one address range of any kind must…
    #[serde(default)]
    pub from_any_address: bool,
    /// …other than ranges inside these (with `from_any_address`: e.g.
    /// Bitmovin's own addresses, which send no stream).
    pub excluding: Option<Shared<Cidrs>>,
    /// `from` as a passing finding names it ("A and B"), made on first use:
    /// it is the same for every target.
    #[serde(skip)]
    from_text: std::sync::OnceLock<String>,
}

impl CheckType for IngressAllows {
    fn how_judged(&self) -> &'static str {
        "Every port must be reachable from every listed source (a wider CIDR covers a narrower one; a port range covers its ports; -1 covers everything). With from_any_address, any address range counts except those inside `excluding`: for live streams, Bitmovin's own addresses and security groups are no stream source. The finding names the sources it saw. A port reachable only through a prefix list is unknown."
    }

    fn prepare(&mut self, shared: &SharedValues) -> Result<(), ParamError> {
        if let Some(from) = &mut self.from {
            from.resolve(shared).map_err(ParamError::at(&from.span))?;
        }
        if let Some(excluding) = &mut self.excluding {
            excluding
                .resolve(shared)
                .map_err(ParamError::at(&excluding.span))?;
        }
        if self.from.is_some() == self.from_any_address {
            return Err(ParamError::check(
                "`ingress-allows` needs exactly one of `from` or `from_any_address = true`",
            ));
        }
        if self.ports.is_empty() {
            return Err(ParamError::check(
                "`ingress-allows` needs at least one port",
            ));
        }
        if self.excluding.is_some() && !self.from_any_address {
            return Err(ParamError::check(
                "`excluding` goes with `from_any_address = true`",
            ));
        }
        Ok(())
    }

    on_the_group!();

    fn placeholders(&self) -> &'static [Placeholder] {
        &[Placeholder::IpPermissions]
    }

    fn evaluate(&self, target: &Target) -> Verdict {
        ingress_allows(self, target)
    }
}

fn ingress_allows(check: &IngressAllows, target: &Target) -> Verdict {
    let ssh_port = target.setup.ssh_port;
    with_permissions(target, Direction::Inbound, |g, perms| {
        let ports: Vec<String> = check
            .ports
            .iter()
            .map(|r| describe_req(r, ssh_port))
            .collect();
        match &check.from {
            Some(sources) => {
                let covered = coverage(
                    perms,
                    &check.ports,
                    ssh_port,
                    &sources.value.0,
                    Direction::Inbound,
                );
                let from = check.from_text.get_or_init(|| {
                    let from: Vec<String> = sources.value.0.iter().map(IpNet::to_string).collect();
                    from.join(" and ")
                });
                let ok = format!("inbound {} allowed from {from}", ports.join(", "));
                verdict_for(covered, ssh_port, &g.group_id, false, ok)
            }
            None => {
                let excluding = check.excluding.as_ref().map_or(&[][..], |e| &e.value.0[..]);
                stream_sources(&g.group_id, perms, &check.ports, ssh_port, excluding)
            }
        }
    })
}
