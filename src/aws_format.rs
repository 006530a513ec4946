//! The formats AWS gives the values a fix carries (group and subnet ids,
//! regions, IAM names, ARNs, quota codes…). A snapshot is untrusted input:
//! a value goes into a shell command or a Terraform resource only when it
//! has its AWS format, and then shell-quoted by `shlex` all the same.

use std::sync::LazyLock;

use regex::Regex;

/// What a placeholder of a fix command holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Region,
    SecurityGroupId,
    SubnetId,
    AccountId,
    /// IAM user, group and role names.
    IamName,
    /// `user`, `group` or `role`, as in `aws iam detach-user-policy`.
    PrincipalKind,
    PolicyArn,
    ServiceCode,
    QuotaCode,
    /// A quota value: digits, maybe a fraction.
    Number,
    Port,
    /// An IpProtocol as EC2 writes it: -1, tcp, udp, icmp, icmpv6 or a number.
    IpProtocol,
    /// An IPv4 or IPv6 CIDR block.
    Cidr,
    /// `aws` CLI shorthand for security group permissions, one item per
    /// word, each word shell-quoted on its own.
    IpPermissions,
    /// An IAM policy document (JSON).
    PolicyDocument,
    /// A role's name, after an optional path (`audit/ccaudit`), as a role
    /// ARN ends.
    RoleNameWithPath,
    /// An organization's root (`r-…`) or organizational unit (`ou-…`) id.
    OrganizationParentId,
}

/// A value that failed its format check, for the finding to name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub name: String,
    pub value: String,
    pub expected: &'static str,
}

impl Malformed {
    /// "the snapshot's security_group_id `sg-1;x` is not …", the value
    /// shortened and shown escaped.
    pub fn describe(&self) -> String {
        let mut shown: String = self.value.chars().take(60).collect();
        if shown.len() < self.value.len() {
            shown.push('…');
        }
        format!(
            "{} \"{}\" is not {}",
            self.name,
            crate::output::visible(&shown),
            self.expected
        )
    }
}

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("valid built-in pattern")
}

// Patterns from the AWS API references: EC2 ids are a prefix and 8 or 17
// lowercase hex digits; IAM names use `[\w+=,.@-]`; IAM paths any printable
// ASCII between slashes; Service Quotas codes `[a-zA-Z][a-zA-Z0-9-]{1,128}`.
static REGION: LazyLock<Regex> = LazyLock::new(|| regex(r"^[a-z]{2,4}(-[a-z]+){1,3}-[0-9]{1,2}$"));
static SUBNET_ID: LazyLock<Regex> = LazyLock::new(|| regex(r"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$"));
static ACCOUNT_ID: LazyLock<Regex> = LazyLock::new(|| regex(r"^[0-9]{12}$"));
static IAM_NAME: LazyLock<Regex> = LazyLock::new(|| regex(r"^[A-Za-z0-9_+=,.@-]{1,128}$"));
static POLICY_ARN: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"^arn:aws(-cn|-us-gov|-eusc|-iso|-iso-[a-z])?:iam::([0-9]{12}|aws):policy/([!-~]*/)?[A-Za-z0-9_+=,.@-]{1,128}$",
    )
});
static ROLE_NAME_WITH_PATH: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^([A-Za-z0-9_+=,.@-]{1,64}/){0,8}[A-Za-z0-9_+=,.@-]{1,64}$"));
static ORGANIZATION_PARENT_ID: LazyLock<Regex> =
    LazyLock::new(|| regex(r"^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$"));
static SERVICE_CODE: LazyLock<Regex> = LazyLock::new(|| regex(r"^[a-zA-Z][a-zA-Z0-9-]{1,63}$"));
static QUOTA_CODE: LazyLock<Regex> = LazyLock::new(|| regex(r"^[a-zA-Z][a-zA-Z0-9-]{1,128}$"));
static NUMBER: LazyLock<Regex> = LazyLock::new(|| regex(r"^[0-9]{1,15}(\.[0-9]{1,6})?$"));
/// One item: protocol, maybe ports, then the sources as AWS writes them.
static IP_PERMISSION: LazyLock<Regex> = LazyLock::new(|| {
    let v4 = r"\{CidrIp=[0-9.]{7,15}/[0-9]{1,2}\}";
    let v6 = r"\{CidrIpv6=[0-9a-f:.]{2,45}/[0-9]{1,3}\}";
    let group = r"\{GroupId=sg-([0-9a-f]{8}|[0-9a-f]{17})\}";
    regex(&format!(
        r"^IpProtocol=(-1|tcp|udp|icmp|icmpv6|[0-9]{{1,3}})(,FromPort=-?[0-9]{{1,5}},ToPort=-?[0-9]{{1,5}})?(,IpRanges=\[{v4}(,{v4})*\])?(,Ipv6Ranges=\[{v6}(,{v6})*\])?(,UserIdGroupPairs=\[{group}(,{group})*\])?$"
    ))
});

impl Format {
    pub fn accepts(self, value: &str) -> bool {
        match self {
            Format::Region => REGION.is_match(value),
            Format::SecurityGroupId => crate::net::is_group_id(value),
            Format::SubnetId => SUBNET_ID.is_match(value),
            Format::AccountId => ACCOUNT_ID.is_match(value),
            Format::IamName => IAM_NAME.is_match(value),
            Format::PrincipalKind => matches!(value, "user" | "group" | "role"),
            Format::PolicyArn => value.len() <= 2048 && POLICY_ARN.is_match(value),
            Format::ServiceCode => SERVICE_CODE.is_match(value),
            Format::QuotaCode => QUOTA_CODE.is_match(value),
            Format::Number => NUMBER.is_match(value),
            Format::Port => value.parse::<u16>().is_ok_and(|p| p > 0),
            Format::IpProtocol => {
                matches!(value, "-1" | "tcp" | "udp" | "icmp" | "icmpv6")
                    || (value.len() <= 3
                        && value.bytes().all(|b| b.is_ascii_digit())
                        && value.parse::<u8>().is_ok())
            }
            Format::Cidr => value.parse::<ipnet::IpNet>().is_ok(),
            Format::IpPermissions => {
                !value.is_empty() && value.split(' ').all(|item| IP_PERMISSION.is_match(item))
            }
            Format::PolicyDocument => {
                serde_json::from_str::<serde_json::Value>(value).is_ok_and(|v| v.is_object())
            }
            Format::RoleNameWithPath => ROLE_NAME_WITH_PATH.is_match(value),
            Format::OrganizationParentId => ORGANIZATION_PARENT_ID.is_match(value),
        }
    }

    /// What a value must look like, for the message when it does not.
    pub fn expected(self) -> &'static str {
        match self {
            Format::Region => "an AWS region name (like eu-west-1)",
            Format::SecurityGroupId => "a security group id (sg- and 8 or 17 hex digits)",
            Format::SubnetId => "a subnet id (subnet- and 8 or 17 hex digits)",
            Format::AccountId => "an AWS account id (12 digits)",
            Format::IamName => "an IAM name (letters, digits and +=,.@_-, at most 128)",
            Format::PrincipalKind => "user, group or role",
            Format::PolicyArn => "an IAM policy ARN",
            Format::ServiceCode => "a Service Quotas service code",
            Format::QuotaCode => "a Service Quotas quota code (like L-1216C47A)",
            Format::Number => "a number",
            Format::Port => "a port number (1-65535)",
            Format::IpProtocol => "an IP protocol (-1, tcp, udp, icmp, icmpv6 or 0-255)",
            Format::Cidr => "a CIDR block",
            Format::IpPermissions => "security group permissions in aws CLI shorthand",
            Format::PolicyDocument => "an IAM policy document",
            Format::RoleNameWithPath => {
                "an IAM role name (letters, digits and +=,.@_-, at most 64), after an optional path/"
            }
            Format::OrganizationParentId => "an organizational unit id (ou-…) or root id (r-…)",
        }
    }

    /// The value as shell words: checked, then quoted (each shorthand item
    /// on its own). `Err` when the value does not have its format.
    pub fn shell_words(self, value: &str) -> Result<String, &'static str> {
        if !self.accepts(value) {
            return Err(self.expected());
        }
        let quoted = match self {
            Format::IpPermissions => shlex::try_join(value.split(' ')),
            _ => shlex::try_quote(value).map(|q| q.into_owned()),
        };
        // Only a NUL byte fails to quote, and no format admits one.
        quoted.map_err(|_| self.expected())
    }
}

/// `value` checked against `format`, named `name` when it fails.
pub fn check(format: Format, name: &str, value: &str) -> Result<(), Malformed> {
    if format.accepts(value) {
        Ok(())
    } else {
        Err(Malformed {
            name: name.to_string(),
            value: value.to_string(),
            expected: format.expected(),
        })
    }
}

/// `value` (of placeholder `name`) checked against `format` and quoted for
/// a shell.
pub fn shell_words(format: Format, name: &str, value: &str) -> Result<String, Malformed> {
    format.shell_words(value).map_err(|expected| Malformed {
        name: name.to_string(),
        value: value.to_string(),
        expected,
    })
}

/// The AWS partition a region is in (for ARNs): `aws-cn` for China,
/// `aws-us-gov` for GovCloud, `aws` otherwise.
pub fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_formats_accept_what_aws_writes() {
        for (format, good) in [
            (Format::Region, "eu-west-1"),
            (Format::Region, "us-gov-west-1"),
            (Format::Region, "ap-southeast-5"),
            (Format::Region, "il-central-1"),
            (Format::Region, "us-isob-east-1"),
            (Format::Region, "eusc-de-east-1"),
            (Format::SecurityGroupId, "sg-0123456789abcdef0"),
            (Format::SubnetId, "subnet-0a1b2c3d"),
            (Format::AccountId, "123456789012"),
            (Format::IamName, "bitmovin+cc=1,a.b@c_d-e"),
            (
                Format::PolicyArn,
                "arn:aws:iam::aws:policy/AmazonEC2FullAccess",
            ),
            (
                Format::PolicyArn,
                "arn:aws:iam::123456789012:policy/team/x/Bitmovin",
            ),
            (Format::QuotaCode, "L-1216C47A"),
            (Format::ServiceCode, "ec2"),
            (Format::Number, "1152"),
            (Format::Port, "22"),
            (
                Format::IpPermissions,
                "IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=1.2.3.4/32},{CidrIp=10.0.0.0/8}] IpProtocol=-1,UserIdGroupPairs=[{GroupId=sg-0123abcd}]",
            ),
        ] {
            assert!(format.accepts(good), "{format:?} {good}");
        }
    }

    #[test]
    fn hostile_values_are_refused() {
        for (format, bad) in [
            (Format::Region, "eu-west-1; rm -rf ~"),
            (Format::Region, "eu-west-1\n"),
            (Format::SecurityGroupId, "sg-0123abcd\ntouch /tmp/x"),
            (Format::SecurityGroupId, "sg-0123ABCD"),
            (Format::SubnetId, "subnet-$(id)"),
            (Format::AccountId, "12345678901"),
            (Format::IamName, "bob'; touch x; '"),
            (Format::IamName, ""),
            (Format::PolicyArn, "arn:aws:iam::aws:policy/a b"),
            (Format::PolicyArn, "arn:aws:iam::aws:policy/x\n"),
            (Format::QuotaCode, "L-1216C47A`id`"),
            (Format::Number, "1e9"),
            (Format::Port, "0"),
            (Format::IpPermissions, "IpProtocol=tcp,Description='x'"),
            (Format::IpPermissions, ""),
            (Format::PrincipalKind, "users"),
        ] {
            assert!(!format.accepts(bad), "{format:?} {bad:?}");
        }
    }

    #[test]
    fn values_are_quoted_even_when_well_formed() {
        // An IAM path may hold any printable character: the ARN is valid,
        // and quoting keeps `$(…)` data.
        let arn = "arn:aws:iam::123456789012:policy/$(touch${IFS}x)/p";
        assert_eq!(
            shell_words(Format::PolicyArn, "policy_arn", arn).unwrap(),
            "'arn:aws:iam::123456789012:policy/$(touch${IFS}x)/p'"
        );
        assert_eq!(
            shell_words(Format::Region, "region", "eu-west-1").unwrap(),
            "eu-west-1"
        );
        assert_eq!(
            shell_words(
                Format::IpPermissions,
                "ip_permissions",
                "IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=1.2.3.4/32}] IpProtocol=-1"
            )
            .unwrap(),
            "'IpProtocol=tcp,FromPort=22,ToPort=22,IpRanges=[{CidrIp=1.2.3.4/32}]' 'IpProtocol=-1'"
        );
        let bad = shell_words(Format::SubnetId, "subnet_id", "subnet-1\u{1b}[2J").unwrap_err();
        assert_eq!(
            bad.describe(),
            "subnet_id \"subnet-1\\u{1b}[2J\" is not a subnet id (subnet- and 8 or 17 hex digits)"
        );
    }
}
