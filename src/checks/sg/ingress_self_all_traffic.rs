//! `ingress-self-all-traffic`: an inbound all-traffic permission whose source is the group itself.

use serde::Deserialize;

use super::{Direction, with_permissions};
use crate::checks::CheckType;
use crate::checks::verdict::Verdict;
use crate::findings::FixData;
use crate::net;
use crate::net::Permission;
use crate::snapshot::Target;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngressSelfAllTraffic {}

impl CheckType for IngressSelfAllTraffic {
    fn how_judged(&self) -> &'static str {
        "Looks for an inbound permission of protocol -1 whose source is the group itself."
    }

    on_the_group!();

    fn evaluate(&self, target: &Target) -> Verdict {
        self_all_traffic(target)
    }
}

fn self_all_traffic(target: &Target) -> Verdict {
    with_permissions(target, Direction::Inbound, |g, perms| {
        if net::self_all_traffic(perms, &g.group_id) {
            Verdict::pass(format!(
                "inbound all traffic from {} itself is allowed",
                g.group_id
            ))
        } else {
            Verdict::fail(format!(
                "no inbound rule allows all traffic (protocol -1) from {} itself",
                g.group_id
            ))
            .with_fix(FixData::Ingress {
                group_id: g.group_id.clone(),
                permissions: vec![Permission {
                    protocol: "-1".into(),
                    from_port: None,
                    to_port: None,
                    cidrs: Vec::new(),
                    group_ids: vec![g.group_id.clone()],
                }],
            })
        }
    })
}
