//! AWS responses exactly as `aws <service> <operation> --output json` prints
//! them. Only the fields a rule reads are modelled; every other field AWS
//! prints (or adds later) is ignored. Each response may instead be the
//! `{"Error": {"Code", "Message"}}` record of a failed call.

use std::collections::BTreeMap;

use ipnet::{Ipv4Net, Ipv6Net};
use serde::Deserialize;

use crate::iam::{PolicyDocument, TrustPolicy};

/// A string field parsed with `FromStr`, its error naming the bad value.
fn parsed<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text = String::deserialize(deserializer)?;
    text.parse()
        .map_err(|e| serde::de::Error::custom(format!("invalid CIDR `{text}`: {e}")))
}

/// An IpProtocol EC2 would accept: a name it knows, -1, or 0 to 255.
fn ip_protocol<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let text = String::deserialize(deserializer)?;
    let named = matches!(text.as_str(), "-1" | "tcp" | "udp" | "icmp" | "icmpv6");
    let numbered = !text.is_empty()
        && text.len() <= 3
        && text.bytes().all(|b| b.is_ascii_digit())
        && text.parse::<u16>().is_ok_and(|n| n <= 255);
    if named || numbered {
        Ok(text)
    } else {
        Err(serde::de::Error::custom(format!(
            "invalid IpProtocol `{}`: EC2 writes tcp, udp, icmp, icmpv6, -1 or a protocol number from 0 to 255",
            text.escape_debug()
        )))
    }
}

/// The error record of a failed call, as AWS returns it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct AwsError {
    #[serde(rename = "Code")]
    pub code: String,
    #[serde(rename = "Message", default)]
    pub message: String,
}

/// What the snapshot holds for one call.
#[derive(Debug, Clone, Copy)]
pub enum Evidence<'a, T> {
    /// The key is absent: the call was not made.
    Missing,
    Failed(&'a AwsError),
    Present(&'a T),
}

/// Implemented by every response type: it carries the optional error record.
pub trait Response {
    fn error(&self) -> Option<&AwsError>;
}

/// Look at one collected call.
pub fn evidence<T: Response>(slot: Option<&T>) -> Evidence<'_, T> {
    match slot {
        None => Evidence::Missing,
        Some(response) => match response.error() {
            Some(error) => Evidence::Failed(error),
            None => Evidence::Present(response),
        },
    }
}

/// A per-name operation's answers (name → response), or one error record
/// for the whole key: the auditor could not make any of these calls (e.g.
/// `{"Error": {"Code": "AccessDeniedException", …}}` for every quota).
#[derive(Debug, Clone)]
pub enum PerName<T> {
    Failed(AwsError),
    Named(BTreeMap<String, T>),
}

impl<T> PerName<T> {
    /// The entries, empty when the whole key failed.
    pub fn entries(&self) -> impl Iterator<Item = (&String, &T)> {
        let named = match self {
            PerName::Named(map) => Some(map.iter()),
            PerName::Failed(_) => None,
        };
        named.into_iter().flatten()
    }

    pub fn failed(&self) -> Option<&AwsError> {
        match self {
            PerName::Failed(e) => Some(e),
            PerName::Named(_) => None,
        }
    }
}

/// Look at one name of a per-name operation: a whole-key error record
/// answers for every name.
pub fn evidence_for<'a, T: Response>(slot: Option<&'a PerName<T>>, name: &str) -> Evidence<'a, T> {
    match slot {
        None => Evidence::Missing,
        Some(PerName::Failed(error)) => Evidence::Failed(error),
        Some(PerName::Named(map)) => evidence(map.get(name)),
    }
}

impl<'de, T: serde::de::DeserializeOwned> Deserialize<'de> for PerName<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PerNameVisitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: serde::de::DeserializeOwned> serde::de::Visitor<'de> for PerNameVisitor<T> {
            type Value = PerName<T>;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of name → response, or an {\"Error\": …} record")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut named = BTreeMap::new();
                // An entry named "Error" is read loosely first: it is the
                // whole key's error record only when it is alone and has a Code.
                let mut error_entry: Option<serde_json::Value> = None;
                while let Some(name) = map.next_key::<String>()? {
                    if name == "Error" {
                        error_entry = Some(map.next_value()?);
                    } else {
                        named.insert(name, map.next_value()?);
                    }
                }
                if let Some(value) = error_entry {
                    if named.is_empty()
                        && let Ok(error) = AwsError::deserialize(&value)
                    {
                        return Ok(PerName::Failed(error));
                    }
                    let entry = T::deserialize(value).map_err(serde::de::Error::custom)?;
                    named.insert("Error".to_string(), entry);
                }
                Ok(PerName::Named(named))
            }
        }

        deserializer.deserialize_map(PerNameVisitor(std::marker::PhantomData))
    }
}

/// Implemented by paged list responses.
pub trait Paged {
    /// A page of a longer list: `IsTruncated`, or a `Marker`/`NextToken`
    /// to continue from (what `aws … --max-items` prints).
    fn truncated(&self) -> bool;
}

macro_rules! paged {
    ($($name:ident),* $(,)?) => {
        $(impl Paged for $name {
            fn truncated(&self) -> bool {
                self.is_truncated
                    || self.marker.as_deref().is_some_and(|m| !m.is_empty())
                    || self.next_token.as_deref().is_some_and(|t| !t.is_empty())
            }
        })*
    };
}

paged!(
    PolicyNames,
    AttachedPolicies,
    ListGroupsForUser,
    ListAccessKeys
);

macro_rules! paged_by_token {
    ($($name:ident),* $(,)?) => {
        $(impl Paged for $name {
            fn truncated(&self) -> bool {
                self.next_token.as_deref().is_some_and(|t| !t.is_empty())
            }
        })*
    };
}

paged_by_token!(
    ListRoots,
    ListParents,
    ListPoliciesForTarget,
    DescribeInstanceTypes,
    DescribeSecurityGroups
);

impl Paged for DescribeVpcs {
    fn truncated(&self) -> bool {
        self.next_token.as_deref().is_some_and(|t| !t.is_empty())
    }
}

macro_rules! responses {
    ($($name:ident),* $(,)?) => {
        $(impl Response for $name {
            fn error(&self) -> Option<&AwsError> {
                self.error.as_ref()
            }
        })*
    };
}

responses!(
    GetCallerIdentity,
    DescribeSecurityGroups,
    DescribeVpcs,
    DescribeSubnets,
    DescribeInstanceTypes,
    GetUser,
    GetRole,
    PolicyNames,
    InlinePolicy,
    AttachedPolicies,
    ListGroupsForUser,
    GetPolicy,
    GetPolicyVersion,
    ListAccessKeys,
    ServiceQuota,
    DescribeOrganization,
    ListRoots,
    ListParents,
    ListPoliciesForTarget,
    DescribeOrgPolicy,
);

/// Every key of a target's `aws` object. Keys are named like the IAM
/// action that fetched them; a per-name operation is a map name → response.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsEvidence {
    #[serde(rename = "sts:GetCallerIdentity")]
    pub caller_identity: Option<GetCallerIdentity>,
    #[serde(rename = "ec2:DescribeSecurityGroups")]
    pub security_groups: Option<DescribeSecurityGroups>,
    /// region → the group's description there, for regions where it exists
    /// (collected when it is not in the target's region).
    #[serde(rename = "ec2:DescribeSecurityGroups:OtherRegions")]
    pub security_groups_elsewhere: Option<PerName<DescribeSecurityGroups>>,
    #[serde(rename = "ec2:DescribeVpcs")]
    pub vpcs: Option<DescribeVpcs>,
    #[serde(rename = "ec2:DescribeSubnets")]
    pub subnets: Option<DescribeSubnets>,
    /// The setup's machine types, for their vCPUs (collected only when the
    /// setup names some).
    #[serde(rename = "ec2:DescribeInstanceTypes")]
    pub instance_types: Option<DescribeInstanceTypes>,
    #[serde(rename = "iam:GetUser")]
    pub user: Option<GetUser>,
    /// The role Bitmovin assumes, for an account set up with a role.
    #[serde(rename = "iam:GetRole")]
    pub role: Option<GetRole>,
    /// The role's inline policy names.
    #[serde(rename = "iam:ListRolePolicies")]
    pub role_policy_names: Option<PolicyNames>,
    /// policy name → the role's inline policy
    #[serde(rename = "iam:GetRolePolicy")]
    pub role_policies: Option<PerName<InlinePolicy>>,
    #[serde(rename = "iam:ListAttachedRolePolicies")]
    pub role_attached_policies: Option<AttachedPolicies>,
    #[serde(rename = "iam:ListUserPolicies")]
    pub user_policy_names: Option<PolicyNames>,
    /// policy name → document
    #[serde(rename = "iam:GetUserPolicy")]
    pub user_policies: Option<PerName<InlinePolicy>>,
    #[serde(rename = "iam:ListAttachedUserPolicies")]
    pub user_attached_policies: Option<AttachedPolicies>,
    #[serde(rename = "iam:ListGroupsForUser")]
    pub groups: Option<ListGroupsForUser>,
    /// group name → its inline policy names
    #[serde(rename = "iam:ListGroupPolicies")]
    pub group_policy_names: Option<PerName<PolicyNames>>,
    /// "group/policy" → document
    #[serde(rename = "iam:GetGroupPolicy")]
    pub group_policies: Option<PerName<InlinePolicy>>,
    /// group name → its attached managed policies
    #[serde(rename = "iam:ListAttachedGroupPolicies")]
    pub group_attached_policies: Option<PerName<AttachedPolicies>>,
    /// policy ARN → GetPolicy's answer; kept when it failed, since then no
    /// version could be read
    #[serde(rename = "iam:GetPolicy")]
    pub policies: Option<PerName<GetPolicy>>,
    /// policy ARN → its default version
    #[serde(rename = "iam:GetPolicyVersion")]
    pub policy_versions: Option<PerName<GetPolicyVersion>>,
    #[serde(rename = "iam:ListAccessKeys")]
    pub access_keys: Option<ListAccessKeys>,
    /// "service/QuotaCode" → applied quota
    #[serde(rename = "servicequotas:GetServiceQuota")]
    pub service_quotas: Option<PerName<ServiceQuota>>,
    /// "service/QuotaCode" → AWS default quota
    #[serde(rename = "servicequotas:GetAWSDefaultServiceQuota")]
    pub default_service_quotas: Option<PerName<ServiceQuota>>,
    /// The organization the account belongs to (its management account
    /// is not restricted by service control policies).
    #[serde(rename = "organizations:DescribeOrganization")]
    pub organization: Option<DescribeOrganization>,
    /// The organization's root, with the policy types enabled on it.
    #[serde(rename = "organizations:ListRoots")]
    pub org_roots: Option<ListRoots>,
    /// child id (the account, then each OU) → its parent
    #[serde(rename = "organizations:ListParents")]
    pub org_parents: Option<PerName<ListParents>>,
    /// target id (root, OU or account) → its service control policies
    #[serde(rename = "organizations:ListPoliciesForTarget")]
    pub org_policies_for_target: Option<PerName<ListPoliciesForTarget>>,
    /// policy id → the policy with its content
    #[serde(rename = "organizations:DescribePolicy")]
    pub org_policies: Option<PerName<DescribeOrgPolicy>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetCallerIdentity {
    pub error: Option<AwsError>,
    pub account: Option<String>,
    pub arn: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeSecurityGroups {
    pub error: Option<AwsError>,
    pub security_groups: Option<Vec<SecurityGroup>>,
    /// A page of a longer answer (`aws … --max-items`).
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct SecurityGroup {
    pub group_id: String,
    pub group_name: Option<String>,
    pub vpc_id: Option<String>,
    /// Missing (not `[]`) means the rules were not shown: unknown, not none.
    pub ip_permissions: Option<Vec<IpPermission>>,
    pub ip_permissions_egress: Option<Vec<IpPermission>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IpPermission {
    /// "-1" (all), "tcp", "udp", "icmp", "icmpv6" or a protocol number
    /// ("6"): what EC2 accepts and prints; anything else is refused.
    #[serde(deserialize_with = "ip_protocol")]
    pub ip_protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    #[serde(default)]
    pub ip_ranges: Vec<IpRange>,
    #[serde(default)]
    pub ipv6_ranges: Vec<Ipv6Range>,
    #[serde(default)]
    pub prefix_list_ids: Vec<PrefixListId>,
    #[serde(default)]
    pub user_id_group_pairs: Vec<UserIdGroupPair>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IpRange {
    #[serde(deserialize_with = "parsed")]
    pub cidr_ip: Ipv4Net,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Ipv6Range {
    #[serde(deserialize_with = "parsed")]
    pub cidr_ipv6: Ipv6Net,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PrefixListId {
    pub prefix_list_id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserIdGroupPair {
    pub group_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeVpcs {
    pub error: Option<AwsError>,
    pub vpcs: Option<Vec<Vpc>>,
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Vpc {
    pub vpc_id: String,
    #[serde(default)]
    pub is_default: bool,
}

/// `ec2 describe-instance-types`: only what sizes the quotas is read.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeInstanceTypes {
    pub error: Option<AwsError>,
    pub instance_types: Option<Vec<InstanceTypeInfo>>,
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceTypeInfo {
    pub instance_type: String,
    #[serde(rename = "VCpuInfo")]
    pub vcpu_info: Option<VCpuInfo>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VCpuInfo {
    pub default_v_cpus: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeSubnets {
    pub error: Option<AwsError>,
    pub subnets: Option<Vec<Subnet>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Subnet {
    pub subnet_id: String,
    pub vpc_id: Option<String>,
    pub map_public_ip_on_launch: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetUser {
    pub error: Option<AwsError>,
    pub user: Option<IamUser>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IamUser {
    pub user_name: String,
    pub arn: Option<String>,
    pub permissions_boundary: Option<PermissionsBoundary>,
}

/// `iam get-role`: the role and its trust policy.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetRole {
    pub error: Option<AwsError>,
    pub role: Option<IamRole>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IamRole {
    pub role_name: String,
    pub arn: Option<String>,
    pub assume_role_policy_document: Option<TrustPolicy>,
    pub permissions_boundary: Option<PermissionsBoundary>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PermissionsBoundary {
    pub permissions_boundary_arn: String,
}

/// `iam list-user-policies` / `list-group-policies` / `list-role-policies`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyNames {
    pub error: Option<AwsError>,
    pub policy_names: Option<Vec<String>>,
    /// A pasted first page of a longer list is incomplete evidence.
    #[serde(default)]
    pub is_truncated: bool,
    pub marker: Option<String>,
    pub next_token: Option<String>,
}

/// `iam get-user-policy` / `get-group-policy` / `get-role-policy`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InlinePolicy {
    pub error: Option<AwsError>,
    pub policy_document: Option<Document>,
}

/// A policy document, or why it could not be read. One unreadable document
/// makes its policy missing evidence; it does not make the snapshot unusable.
#[derive(Debug, Clone)]
pub enum Document {
    Parsed(PolicyDocument),
    Unreadable(String),
}

impl Document {
    pub fn parsed(&self) -> Result<&PolicyDocument, &str> {
        match self {
            Document::Parsed(d) => Ok(d),
            Document::Unreadable(why) => Err(why),
        }
    }
}

impl<'de> Deserialize<'de> for Document {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        Ok(match PolicyDocument::deserialize(&value) {
            Ok(document) => Document::Parsed(document),
            Err(e) => Document::Unreadable(e.to_string()),
        })
    }
}

/// `iam list-attached-user-policies` / `iam list-attached-group-policies`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPolicies {
    pub error: Option<AwsError>,
    pub attached_policies: Option<Vec<AttachedPolicy>>,
    #[serde(default)]
    pub is_truncated: bool,
    pub marker: Option<String>,
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AttachedPolicy {
    pub policy_name: Option<String>,
    pub policy_arn: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListGroupsForUser {
    pub error: Option<AwsError>,
    pub groups: Option<Vec<IamGroup>>,
    #[serde(default)]
    pub is_truncated: bool,
    pub marker: Option<String>,
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct IamGroup {
    pub group_name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetPolicy {
    pub error: Option<AwsError>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetPolicyVersion {
    pub error: Option<AwsError>,
    pub policy_version: Option<PolicyVersion>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersion {
    pub document: Option<Document>,
    pub version_id: Option<String>,
    /// Only the default version is in force.
    pub is_default_version: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAccessKeys {
    pub error: Option<AwsError>,
    pub access_key_metadata: Option<Vec<AccessKeyMetadata>>,
    #[serde(default)]
    pub is_truncated: bool,
    pub marker: Option<String>,
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKeyMetadata {
    pub access_key_id: Option<String>,
    pub status: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ServiceQuota {
    pub error: Option<AwsError>,
    pub quota: Option<Quota>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Quota {
    pub value: Option<f64>,
    pub quota_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeOrganization {
    pub error: Option<AwsError>,
    pub organization: Option<Organization>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Organization {
    pub id: Option<String>,
    pub master_account_id: Option<String>,
    /// "ALL", or "CONSOLIDATED_BILLING" (then no policies apply).
    pub feature_set: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListRoots {
    pub error: Option<AwsError>,
    pub roots: Option<Vec<OrgRoot>>,
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrgRoot {
    pub id: String,
    /// Missing: not shown, which is not "none enabled".
    pub policy_types: Option<Vec<PolicyTypeSummary>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyTypeSummary {
    #[serde(rename = "Type")]
    pub kind: String,
    pub status: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListParents {
    pub error: Option<AwsError>,
    pub parents: Option<Vec<OrgParent>>,
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrgParent {
    pub id: String,
    /// "ROOT" or "ORGANIZATIONAL_UNIT"
    #[serde(rename = "Type")]
    pub kind: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPoliciesForTarget {
    pub error: Option<AwsError>,
    pub policies: Option<Vec<OrgPolicySummary>>,
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrgPolicySummary {
    pub id: String,
    pub name: Option<String>,
    /// Kept for people reading the snapshot; ListPoliciesForTarget is asked
    /// for service control policies only.
    #[serde(rename = "Type")]
    pub kind: Option<String>,
}

/// `organizations describe-policy`: Content is the policy document as a
/// JSON string (an object is accepted too).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeOrgPolicy {
    pub error: Option<AwsError>,
    pub policy: Option<OrgPolicy>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrgPolicy {
    pub policy_summary: Option<OrgPolicySummary>,
    pub content: Option<Document>,
}
