//! `group-exists`: the group exists in the target's region.

use serde::Deserialize;

use super::{Group, MALFORMED, group, regions_elsewhere};
use crate::checks::shared::{Pattern, Shared, SharedValues};
use crate::checks::verdict::{Verdict, see};
use crate::checks::{CheckType, ParamError};
use crate::snapshot::Target;
use crate::snapshot::aws::{Evidence, evidence};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupExists {
    /// Ids not matching this are malformed: existence does not apply.
    pub well_formed: Shared<Pattern>,
}

impl CheckType for GroupExists {
    fn how_judged(&self) -> &'static str {
        "Pass when ec2:DescribeSecurityGroups in the target's region shows the group; fail on InvalidGroup.NotFound, naming the regions where it does exist when they were searched."
    }

    fn prepare(&mut self, shared: &SharedValues) -> Result<(), ParamError> {
        self.well_formed
            .resolve(shared)
            .map_err(ParamError::at(&self.well_formed.span))
    }

    on_the_group!();

    fn evaluate(&self, target: &Target) -> Verdict {
        group_exists(self, target)
    }
}

fn group_exists(check: &GroupExists, target: &Target) -> Verdict {
    let setup = &target.setup;
    // A malformed id (by its form, or as EC2 says) has no existence to
    // judge; for a name-based setup, EC2's saying so is not explained.
    let malformed = setup.security_group_id.as_ref().is_some_and(|id| {
        !check.well_formed.value.0.is_match(id)
            || matches!(evidence(target.aws.security_groups.as_ref()),
                Evidence::Failed(e) if e.code == MALFORMED)
    });
    if malformed {
        return Verdict::skip(format!(
            "`{}` is malformed{}",
            setup.group_label(),
            see("group-id-format")
        ));
    }
    match group(target) {
        Group::Found(g) => Verdict::pass(format!(
            "{}{} exists in {}{}",
            g.group_id,
            match &setup.security_group_name {
                Some(name) => format!(" (named {name})"),
                None => String::new(),
            },
            setup.region,
            g.vpc_id
                .as_ref()
                .map(|v| format!(" (in {v})"))
                .unwrap_or_default()
        )),
        Group::DoesNotExist(_) if setup.security_group_id.is_none() => Verdict::fail(format!(
            "no security group is named {} in {}",
            setup.security_group_name.as_deref().unwrap_or_default(),
            setup.region
        )),
        Group::DoesNotExist(_) => Verdict::fail(match regions_elsewhere(target) {
            Some((found, _)) if !found.is_empty() => format!(
                "{} exists in {}, not {}",
                setup.group_label(),
                found.join(", "),
                setup.region
            ),
            Some((_, 0)) => format!(
                "{} does not exist in {} nor in any other region of the account",
                setup.group_label(),
                setup.region
            ),
            Some((_, unchecked)) => format!(
                "{} does not exist in {}, nor in the other regions searched ({unchecked} could not be searched)",
                setup.group_label(),
                setup.region
            ),
            None => format!(
                "{} does not exist in {}: it was created in another region, or deleted",
                setup.group_label(),
                setup.region
            ),
        }),
        Group::Unseen(why) => Verdict::unknown(why),
    }
}
