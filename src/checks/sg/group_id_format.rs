//! `group-id-format`: `setup.security_group_id` is well formed.

use serde::Deserialize;

use super::MALFORMED;
use crate::checks::shared::{Pattern, Shared, SharedValues};
use crate::checks::verdict::Verdict;
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
        "Matches setup.security_group_id against the id pattern, and fails on EC2's InvalidGroupId.Malformed."
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
    let id = &target.setup.security_group_id;
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
