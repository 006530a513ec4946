//! Every AWS operation the collector calls, named like the IAM action that
//! allows it. The same names are the snapshot's keys, and together they are
//! the auditor's minimal read-only policy (`ccaudit policy auditor`).

pub const GET_CALLER_IDENTITY: &str = "sts:GetCallerIdentity";
pub const DESCRIBE_SECURITY_GROUPS: &str = "ec2:DescribeSecurityGroups";
pub const DESCRIBE_VPCS: &str = "ec2:DescribeVpcs";
pub const DESCRIBE_SUBNETS: &str = "ec2:DescribeSubnets";
/// Only when the setup names machine types: their vCPUs size the quotas.
pub const DESCRIBE_INSTANCE_TYPES: &str = "ec2:DescribeInstanceTypes";
/// Only when the group is not in the target's region: where else is it?
pub const DESCRIBE_REGIONS: &str = "ec2:DescribeRegions";
pub const GET_USER: &str = "iam:GetUser";
/// Only for an account Bitmovin uses through a role.
pub const GET_ROLE: &str = "iam:GetRole";
/// The role's own permission policies, for the same accounts.
pub const LIST_ROLE_POLICIES: &str = "iam:ListRolePolicies";
pub const GET_ROLE_POLICY: &str = "iam:GetRolePolicy";
pub const LIST_ATTACHED_ROLE_POLICIES: &str = "iam:ListAttachedRolePolicies";
pub const LIST_USER_POLICIES: &str = "iam:ListUserPolicies";
pub const GET_USER_POLICY: &str = "iam:GetUserPolicy";
pub const LIST_ATTACHED_USER_POLICIES: &str = "iam:ListAttachedUserPolicies";
pub const LIST_GROUPS_FOR_USER: &str = "iam:ListGroupsForUser";
pub const LIST_GROUP_POLICIES: &str = "iam:ListGroupPolicies";
pub const GET_GROUP_POLICY: &str = "iam:GetGroupPolicy";
pub const LIST_ATTACHED_GROUP_POLICIES: &str = "iam:ListAttachedGroupPolicies";
/// Finds a managed policy's default version.
pub const GET_POLICY: &str = "iam:GetPolicy";
pub const GET_POLICY_VERSION: &str = "iam:GetPolicyVersion";
pub const LIST_ACCESS_KEYS: &str = "iam:ListAccessKeys";
pub const GET_SERVICE_QUOTA: &str = "servicequotas:GetServiceQuota";
pub const GET_AWS_DEFAULT_SERVICE_QUOTA: &str = "servicequotas:GetAWSDefaultServiceQuota";
/// The service control policies over the account (readable from the
/// management account or a delegated administrator; refused elsewhere,
/// which the audit reports instead of guessing).
pub const DESCRIBE_ORGANIZATION: &str = "organizations:DescribeOrganization";
pub const LIST_ROOTS: &str = "organizations:ListRoots";
pub const LIST_PARENTS: &str = "organizations:ListParents";
pub const LIST_POLICIES_FOR_TARGET: &str = "organizations:ListPoliciesForTarget";
pub const DESCRIBE_POLICY: &str = "organizations:DescribePolicy";

/// `--organization`: the organization's accounts, all or by unit (read
/// with the same credentials as the policies; not snapshot keys).
pub const LIST_ACCOUNTS: &str = "organizations:ListAccounts";
pub const LIST_ACCOUNTS_FOR_PARENT: &str = "organizations:ListAccountsForParent";
pub const LIST_ORGANIZATIONAL_UNITS_FOR_PARENT: &str =
    "organizations:ListOrganizationalUnitsForParent";
/// Snapshot key for the group found in other regions (an extension of the
/// contract: region → the DescribeSecurityGroups answer there).
pub const SECURITY_GROUP_IN_OTHER_REGIONS: &str = "ec2:DescribeSecurityGroups:OtherRegions";

pub const ALL: [&str; 31] = [
    GET_CALLER_IDENTITY,
    DESCRIBE_SECURITY_GROUPS,
    DESCRIBE_VPCS,
    DESCRIBE_SUBNETS,
    DESCRIBE_INSTANCE_TYPES,
    DESCRIBE_REGIONS,
    GET_USER,
    GET_ROLE,
    LIST_ROLE_POLICIES,
    GET_ROLE_POLICY,
    LIST_ATTACHED_ROLE_POLICIES,
    LIST_USER_POLICIES,
    GET_USER_POLICY,
    LIST_ATTACHED_USER_POLICIES,
    LIST_GROUPS_FOR_USER,
    LIST_GROUP_POLICIES,
    GET_GROUP_POLICY,
    LIST_ATTACHED_GROUP_POLICIES,
    GET_POLICY,
    GET_POLICY_VERSION,
    LIST_ACCESS_KEYS,
    GET_SERVICE_QUOTA,
    GET_AWS_DEFAULT_SERVICE_QUOTA,
    DESCRIBE_ORGANIZATION,
    LIST_ROOTS,
    LIST_PARENTS,
    LIST_POLICIES_FOR_TARGET,
    DESCRIBE_POLICY,
    LIST_ACCOUNTS,
    LIST_ACCOUNTS_FOR_PARENT,
    LIST_ORGANIZATIONAL_UNITS_FOR_PARENT,
];

/// The minimal IAM policy the auditor needs, as a pretty JSON document.
pub fn auditor_policy() -> String {
    let policy = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "CcauditReadOnly",
            "Effect": "Allow",
            "Action": ALL,
            "Resource": "*"
        }]
    });
    // A `Value` prints without fail (`{:#}`: pretty).
    format!("{policy:#}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_only_reads() {
        for op in ALL {
            let (service, action) = op.split_once(':').expect("service:Action");
            assert!(
                ["sts", "ec2", "iam", "servicequotas", "organizations"].contains(&service),
                "{op}"
            );
            assert!(
                ["Describe", "Get", "List"]
                    .iter()
                    .any(|verb| action.starts_with(verb)),
                "{op} is not a read-only operation"
            );
        }
    }

    #[test]
    fn the_policy_lists_each_operation_once() {
        let policy: serde_json::Value = serde_json::from_str(&auditor_policy()).unwrap();
        let actions = policy["Statement"][0]["Action"].as_array().unwrap();
        assert_eq!(actions.len(), ALL.len());
        let mut names: Vec<&str> = actions.iter().filter_map(|a| a.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
    }
}
