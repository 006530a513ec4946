//! `egress-allows`: outbound ports reachable to the given destinations.

use ipnet::IpNet;
use serde::Deserialize;

use super::{Direction, coverage, verdict_for, with_permissions};
use crate::checks::shared::{Cidrs, Shared, SharedValues};
use crate::checks::verdict::Verdict;
use crate::checks::{CheckType, ParamError};
use crate::net::ports::PortReq;
use crate::snapshot::Target;
use crate::template::Placeholder;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EgressAllows {
    pub ports: Vec<PortReq>,
    pub to: Shared<Cidrs>,
}

impl CheckType for EgressAllows {
    fn how_judged(&self) -> &'static str {
        "Every port must be reachable outbound to every listed destination."
    }

    fn prepare(&mut self, shared: &SharedValues) -> Result<(), ParamError> {
        self.to
            .resolve(shared)
            .map_err(ParamError::at(&self.to.span))
    }

    on_the_group!();

    fn placeholders(&self) -> &'static [Placeholder] {
        &[Placeholder::IpPermissions]
    }

    fn evaluate(&self, target: &Target) -> Verdict {
        egress_allows(self, target)
    }
}

fn egress_allows(check: &EgressAllows, target: &Target) -> Verdict {
    let ssh_port = target.setup.ssh_port;
    with_permissions(target, Direction::Outbound, |g, perms| {
        let covered = coverage(
            perms,
            &check.ports,
            ssh_port,
            &check.to.value.0,
            Direction::Outbound,
        );
        let to: Vec<String> = check.to.value.0.iter().map(IpNet::to_string).collect();
        verdict_for(
            covered,
            ssh_port,
            &g.group_id,
            true,
            format!("outbound all traffic to {} allowed", to.join(", ")),
        )
    })
}
