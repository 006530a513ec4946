//! `group-id-format`: `setup.security_group_id` is well formed.

use serde::Deserialize;

use super::MALFORMED;
use crate::checks::shared::{Pattern, Shared, SharedValues};
use crate::checks::verdict::{Verdict, see};
use crate::checks::{CheckType, ParamError, Reads};
use crate::findings::Resource;
use crate::snapshot::Target;
use crate::snapshot::aws::{Evidence, evidence};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupIdFormat {
    /// What a well-formed id looks like.
    pub pattern: Shared<Pattern>,
}

impl CheckType for GroupIdFormat {
    fn how_judged(&self) -> &'static str {
        "Matches setup.security_group_id against the id pattern, and fails on EC2's InvalidGroupId.Malformed. A setup that finds the group by security_group_name has no typed id: skip."
    }

    fn prepare(&mut self, shared: &SharedValues) -> Result<(), ParamError> {
        self.pattern
            .resolve(shared)
            .map_err(ParamError::at(&self.pattern.span))
    }

    fn evidence_key(&self) -> Option<&'static str> {
        None
    }

    fn reads(&self, _key: &str, _name: Option<&str>) -> Reads {
        // The setup alone decides.
        Reads::Ignores
    }

    fn resource(&self, target: &Target) -> Resource {
        crate::checks::group_resource(target)
    }

    fn evaluate(&self, target: &Target) -> Verdict {
        group_id_format(self, target)
    }
}

fn group_id_format(check: &GroupIdFormat, target: &Target) -> Verdict {
    let Some(id) = &target.setup.security_group_id else {
        // Found by its name, the group's id is EC2's own: nothing typed to
        // check. Whether a group has that name is the existence rule's.
        return Verdict::skip(format!(
            "the setup finds the group by its name ({}), not by a typed id{}",
            target
                .setup
                .security_group_name
                .as_deref()
                .unwrap_or_default(),
            see("group-exists")
        ));
    };
    if !check.pattern.value.0.is_match(id) {
        return Verdict::fail(format!(
            "`{id}` is not a security group id (expected sg- followed by 8 or 17 lowercase hex digits)"
        ));
    }
    match evidence(target.aws.security_groups.as_ref()) {
        Evidence::Failed(e) if e.code == MALFORMED => {
            Verdict::fail(format!("EC2 rejects `{id}`: {}", e.message))
        }
        _ => Verdict::pass(format!("`{id}` is a well-formed security group id")),
    }
}
