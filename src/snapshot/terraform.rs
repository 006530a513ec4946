//! A Terraform plan's target (`audit --terraform-plan`) and its code: where
//! each resource the findings are about is written, and the group's rules
//! the plan destroys, so a failure it causes can say so.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::aws::IpPermission;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Origin {
    /// `security_group`, `iam_user`, `subnet`, `default_vpc` or
    /// `quota:<service>/<QuotaCode>` (a finding's `Resource::plan_key`) →
    /// where that resource is written.
    #[serde(default)]
    pub resources: BTreeMap<String, Written>,
    /// The group's rules the plan destroys, as EC2 describes them now.
    #[serde(default)]
    pub removed: Vec<Removed>,
}

/// A resource of the plan: its address, and its block's file and line when
/// the Terraform code was found.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Written {
    pub address: String,
    /// Its module's address (`module.cc`), for a resource not in the root
    /// module: where the fix is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ingress,
    Egress,
}

/// A rule resource of the group that the plan destroys.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Removed {
    pub address: String,
    pub direction: Direction,
    pub permission: IpPermission,
}
