//! A Terraform plan's target (`audit --terraform-plan`) and its code: where
//! each resource the findings are about is written, and the group's rules
//! the plan destroys, so a failure it causes can say so. Only `src/plan/`
//! makes one; a snapshot file cannot hold it.

use std::collections::BTreeMap;

use serde::Serialize;

use super::aws::IpPermission;

#[derive(Debug, Clone, Default)]
pub struct Origin {
    /// `security_group`, `iam_user`, `subnet`, `default_vpc` or
    /// `quota:<service>/<QuotaCode>` (a finding's `Resource::plan_key`) →
    /// where that resource is written.
    pub resources: BTreeMap<String, Written>,
    /// The group's rules the plan destroys, as EC2 describes them now.
    pub removed: Vec<Removed>,
}

/// A resource of the plan: its address, and its block's file and line when
/// the Terraform code was found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Written {
    pub address: String,
    /// Its module's address (`module.cc`), for a resource not in the root
    /// module: where the fix is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// For a group: the directions its configuration writes inline rules
    /// for, where a fix adds a block inside the group (the provider revokes
    /// rule resources beside inline rules).
    #[serde(skip)]
    pub inline: Vec<Direction>,
    /// The plan destroys it.
    #[serde(skip)]
    pub destroyed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Ingress,
    Egress,
}

/// A rule resource of the group that the plan destroys.
#[derive(Debug, Clone)]
pub struct Removed {
    pub address: String,
    pub direction: Direction,
    pub permission: IpPermission,
}
