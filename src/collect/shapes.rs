//! SDK responses turned into the JSON `aws <service> <operation> --output
//! json` prints: PascalCase keys, absent values omitted, lists kept even
//! when empty, IAM policy documents decoded, dates as ISO 8601.

use aws_smithy_types::DateTime;
use serde_json::{Map, Value, json};

/// An object from `(key, Option<value>)` pairs, leaving out the `None`s.
macro_rules! object {
    ($($key:literal => $value:expr),* $(,)?) => {{
        let mut map = Map::new();
        $(if let Some(v) = $value { map.insert($key.to_string(), Value::from(v)); })*
        Value::Object(map)
    }};
}

/// A list the SDK may leave out (`None`) or give empty (`Some([])`), which
/// the CLI prints as missing or `[]` respectively.
fn list<T>(items: Option<&Vec<T>>, shape: impl Fn(&T) -> Value) -> Option<Value> {
    items.map(|items| Value::Array(items.iter().map(shape).collect()))
}

fn text(value: Option<&str>) -> Option<Value> {
    value.map(Value::from)
}

/// The CLI's date format: `2026-01-01T00:00:00+00:00` (microseconds when set).
pub fn date(value: &DateTime) -> String {
    let base = crate::date::date_time(value);
    match value.subsec_nanos() / 1000 {
        0 => format!("{base}+00:00"),
        micros => format!("{base}.{micros:06}+00:00"),
    }
}

/// IAM returns policy documents URL-encoded; the CLI decodes them into
/// JSON objects and keeps the text when that fails. Some servers (moto)
/// return them unencoded, which decoding leaves as it is.
pub fn policy_document(encoded: &str) -> Value {
    let decoded = percent_encoding::percent_decode_str(encoded).decode_utf8_lossy();
    serde_json::from_str(&decoded).unwrap_or_else(|_| Value::from(encoded))
}

fn tags(tags: Option<&Vec<aws_sdk_ec2::types::Tag>>) -> Option<Value> {
    list(
        tags,
        |t| object! { "Key" => text(t.key()), "Value" => text(t.value()) },
    )
}

pub fn security_group(g: &aws_sdk_ec2::types::SecurityGroup) -> Value {
    object! {
        "GroupId" => text(g.group_id()),
        "GroupName" => text(g.group_name()),
        "Description" => text(g.description()),
        "OwnerId" => text(g.owner_id()),
        "VpcId" => text(g.vpc_id()),
        "SecurityGroupArn" => text(g.security_group_arn()),
        "IpPermissions" => list(g.ip_permissions.as_ref(), ip_permission),
        "IpPermissionsEgress" => list(g.ip_permissions_egress.as_ref(), ip_permission),
        "Tags" => tags(g.tags.as_ref()),
    }
}

fn ip_permission(p: &aws_sdk_ec2::types::IpPermission) -> Value {
    object! {
        "IpProtocol" => text(p.ip_protocol()),
        "FromPort" => p.from_port,
        "ToPort" => p.to_port,
        "UserIdGroupPairs" => list(p.user_id_group_pairs.as_ref(), |g| object! {
            "Description" => text(g.description()),
            "UserId" => text(g.user_id()),
            "GroupName" => text(g.group_name()),
            "GroupId" => text(g.group_id()),
            "VpcId" => text(g.vpc_id()),
            "VpcPeeringConnectionId" => text(g.vpc_peering_connection_id()),
            "PeeringStatus" => text(g.peering_status()),
        }),
        "IpRanges" => list(p.ip_ranges.as_ref(), |r| object! {
            "CidrIp" => text(r.cidr_ip()),
            "Description" => text(r.description()),
        }),
        "Ipv6Ranges" => list(p.ipv6_ranges.as_ref(), |r| object! {
            "CidrIpv6" => text(r.cidr_ipv6()),
            "Description" => text(r.description()),
        }),
        "PrefixListIds" => list(p.prefix_list_ids.as_ref(), |r| object! {
            "PrefixListId" => text(r.prefix_list_id()),
            "Description" => text(r.description()),
        }),
    }
}

pub fn vpc(v: &aws_sdk_ec2::types::Vpc) -> Value {
    object! {
        "VpcId" => text(v.vpc_id()),
        "OwnerId" => text(v.owner_id()),
        "CidrBlock" => text(v.cidr_block()),
        "DhcpOptionsId" => text(v.dhcp_options_id()),
        "State" => v.state().map(|s| s.as_str().to_string()),
        "InstanceTenancy" => v.instance_tenancy().map(|s| s.as_str().to_string()),
        "IsDefault" => v.is_default,
        "Tags" => tags(v.tags.as_ref()),
    }
}

/// Only what sizes the quotas: the type and its vCPUs.
pub fn instance_type(t: &aws_sdk_ec2::types::InstanceTypeInfo) -> Value {
    object! {
        "InstanceType" => t.instance_type().map(|t| t.as_str().to_string()),
        "VCpuInfo" => t.v_cpu_info().map(|v| object! {
            "DefaultVCpus" => v.default_v_cpus(),
        }),
    }
}

pub fn subnet(s: &aws_sdk_ec2::types::Subnet) -> Value {
    object! {
        "SubnetId" => text(s.subnet_id()),
        "SubnetArn" => text(s.subnet_arn()),
        "VpcId" => text(s.vpc_id()),
        "OwnerId" => text(s.owner_id()),
        "CidrBlock" => text(s.cidr_block()),
        "AvailabilityZone" => text(s.availability_zone()),
        "AvailabilityZoneId" => text(s.availability_zone_id()),
        "AvailableIpAddressCount" => s.available_ip_address_count,
        "DefaultForAz" => s.default_for_az,
        "MapPublicIpOnLaunch" => s.map_public_ip_on_launch,
        "State" => s.state().map(|st| st.as_str().to_string()),
        "Tags" => tags(s.tags.as_ref()),
    }
}

pub fn caller_identity(
    o: &aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput,
) -> Value {
    object! {
        "UserId" => text(o.user_id()),
        "Account" => text(o.account()),
        "Arn" => text(o.arn()),
    }
}

pub fn user(u: &aws_sdk_iam::types::User) -> Value {
    object! {
        "Path" => Some(u.path()),
        "UserName" => Some(u.user_name()),
        "UserId" => Some(u.user_id()),
        "Arn" => Some(u.arn()),
        "CreateDate" => Some(date(u.create_date())),
        "PermissionsBoundary" => u.permissions_boundary().map(|b| object! {
            "PermissionsBoundaryType" => b.permissions_boundary_type().map(|t| t.as_str().to_string()),
            "PermissionsBoundaryArn" => text(b.permissions_boundary_arn()),
        }),
    }
}

pub fn role(r: &aws_sdk_iam::types::Role) -> Value {
    object! {
        "Path" => Some(r.path()),
        "RoleName" => Some(r.role_name()),
        "RoleId" => Some(r.role_id()),
        "Arn" => Some(r.arn()),
        "CreateDate" => Some(date(r.create_date())),
        "AssumeRolePolicyDocument" => r.assume_role_policy_document().map(policy_document),
        "PermissionsBoundary" => r.permissions_boundary().map(|b| object! {
            "PermissionsBoundaryType" => b.permissions_boundary_type().map(|t| t.as_str().to_string()),
            "PermissionsBoundaryArn" => text(b.permissions_boundary_arn()),
        }),
    }
}

pub fn attached_policies(items: &[aws_sdk_iam::types::AttachedPolicy]) -> Value {
    let list: Vec<Value> = items
        .iter()
        .map(|p| object! { "PolicyName" => text(p.policy_name()), "PolicyArn" => text(p.policy_arn()) })
        .collect();
    json!({ "AttachedPolicies": list, "IsTruncated": false })
}

pub fn policy_names(names: &[String]) -> Value {
    json!({ "PolicyNames": names, "IsTruncated": false })
}

pub fn groups(items: &[aws_sdk_iam::types::Group]) -> Value {
    let list: Vec<Value> = items
        .iter()
        .map(|g| {
            object! {
                "Path" => Some(g.path()),
                "GroupName" => Some(g.group_name()),
                "GroupId" => Some(g.group_id()),
                "Arn" => Some(g.arn()),
                "CreateDate" => Some(date(g.create_date())),
            }
        })
        .collect();
    json!({ "Groups": list, "IsTruncated": false })
}

pub fn access_keys(items: &[aws_sdk_iam::types::AccessKeyMetadata]) -> Value {
    let list: Vec<Value> = items
        .iter()
        .map(|k| {
            object! {
                "UserName" => text(k.user_name()),
                "AccessKeyId" => text(k.access_key_id()),
                "Status" => k.status().map(|s| s.as_str().to_string()),
                "CreateDate" => k.create_date().map(date),
            }
        })
        .collect();
    json!({ "AccessKeyMetadata": list, "IsTruncated": false })
}

pub fn service_quota(q: &aws_sdk_servicequotas::types::ServiceQuota) -> Value {
    json!({ "Quota": object! {
        "ServiceCode" => text(q.service_code()),
        "ServiceName" => text(q.service_name()),
        "QuotaArn" => text(q.quota_arn()),
        "QuotaCode" => text(q.quota_code()),
        "QuotaName" => text(q.quota_name()),
        "Value" => q.value,
        "Unit" => text(q.unit()),
        "Adjustable" => Some(q.adjustable),
        "GlobalQuota" => Some(q.global_quota),
    }})
}

pub fn organization(o: &aws_sdk_organizations::types::Organization) -> Value {
    object! {
        "Id" => text(o.id()),
        "Arn" => text(o.arn()),
        "FeatureSet" => text(o.feature_set().map(|f| f.as_str())),
        "MasterAccountArn" => text(o.master_account_arn()),
        "MasterAccountId" => text(o.master_account_id()),
    }
}

pub fn roots(items: &[aws_sdk_organizations::types::Root]) -> Value {
    let roots: Vec<Value> = items
        .iter()
        .map(|r| {
            let types: Vec<Value> = r
                .policy_types()
                .iter()
                .map(|t| {
                    object! {
                        "Type" => text(t.r#type().map(|t| t.as_str())),
                        "Status" => text(t.status().map(|s| s.as_str())),
                    }
                })
                .collect();
            let mut root = object! {
                "Id" => text(r.id()),
                "Arn" => text(r.arn()),
                "Name" => text(r.name()),
            };
            root["PolicyTypes"] = Value::Array(types);
            root
        })
        .collect();
    json!({ "Roots": roots })
}

pub fn parents(items: &[aws_sdk_organizations::types::Parent]) -> Value {
    let parents: Vec<Value> = items
        .iter()
        .map(|p| object! { "Id" => text(p.id()), "Type" => text(p.r#type().map(|t| t.as_str())) })
        .collect();
    json!({ "Parents": parents })
}

fn org_policy_summary(p: &aws_sdk_organizations::types::PolicySummary) -> Value {
    object! {
        "Id" => text(p.id()),
        "Arn" => text(p.arn()),
        "Name" => text(p.name()),
        "Description" => text(p.description()),
        "Type" => text(p.r#type().map(|t| t.as_str())),
        "AwsManaged" => Some(p.aws_managed()),
    }
}

pub fn org_policies(items: &[aws_sdk_organizations::types::PolicySummary]) -> Value {
    let policies: Vec<Value> = items.iter().map(org_policy_summary).collect();
    json!({ "Policies": policies })
}

/// The CLI prints Content as the JSON text AWS returns.
pub fn org_policy(p: &aws_sdk_organizations::types::Policy) -> Value {
    json!({ "Policy": object! {
        "PolicySummary" => p.policy_summary().map(org_policy_summary),
        "Content" => text(p.content()),
    } })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_look_like_the_cli() {
        assert_eq!(
            date(&DateTime::from_secs(1_423_248_015)),
            "2015-02-06T18:40:15+00:00"
        );
        assert_eq!(
            date(&DateTime::from_secs_and_nanos(1_423_248_015, 80_107_000)),
            "2015-02-06T18:40:15.080107+00:00"
        );
        // Years aws-smithy-types will not format: written, not left empty.
        assert_eq!(
            date(&DateTime::from_secs(-62_167_219_200)),
            "0000-01-01T00:00:00+00:00"
        );
        assert_eq!(
            date(&DateTime::from_secs_and_nanos(253_402_300_800, 1_000)),
            "+10000-01-01T00:00:00.000001+00:00"
        );
    }

    #[test]
    fn policy_documents_are_decoded_whether_encoded_or_not() {
        let plain = r#"{"Version":"2012-10-17","Statement":[]}"#;
        let encoded: String =
            percent_encoding::utf8_percent_encode(plain, percent_encoding::NON_ALPHANUMERIC)
                .collect();
        assert_eq!(
            policy_document(&encoded),
            serde_json::json!({"Version": "2012-10-17", "Statement": []})
        );
        assert_eq!(policy_document(plain), policy_document(&encoded));
        assert_eq!(policy_document("not json"), Value::from("not json"));
    }

    #[test]
    fn empty_lists_are_kept_and_missing_values_left_out() {
        let perm = aws_sdk_ec2::types::IpPermission::builder()
            .ip_protocol("-1")
            .set_ip_ranges(Some(vec![]))
            .build();
        assert_eq!(
            ip_permission(&perm),
            serde_json::json!({"IpProtocol": "-1", "IpRanges": []})
        );
    }
}
