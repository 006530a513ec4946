//! `{name}` placeholders in a rule's texts (documented error, fix command),
//! filled with the target's real ids. Every name is a `Placeholder`: the
//! setup's values and those a check type provides; a rule naming any other
//! is refused when it is loaded. A value not known for a target stays
//! visible as `<name>`.

use std::collections::BTreeMap;

use crate::aws_format::{Format, Malformed};

/// Every name a rule's texts may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Placeholder {
    // The setup's values, known for every target.
    Region,
    SecurityGroupId,
    SubnetId,
    AccountId,
    IamUser,
    SshPort,
    // Values a check type provides with its verdict.
    IpPermissions,
    OffendingIpPermissions,
    PolicyJson,
    /// The judged IAM principal: `user` or `role`, and its name.
    PrincipalKind,
    PrincipalName,
    AttachedToKind,
    AttachedTo,
    PolicyArn,
    ServiceCode,
    QuotaCode,
    Required,
    Recommended,
}

impl Placeholder {
    /// The setup's names: every rule may use them.
    pub const SETUP: [Placeholder; 6] = [
        Placeholder::Region,
        Placeholder::SecurityGroupId,
        Placeholder::SubnetId,
        Placeholder::AccountId,
        Placeholder::IamUser,
        Placeholder::SshPort,
    ];

    /// The names check types provide with their verdicts.
    const BY_CHECKS: [Placeholder; 12] = [
        Placeholder::IpPermissions,
        Placeholder::OffendingIpPermissions,
        Placeholder::PolicyJson,
        Placeholder::PrincipalKind,
        Placeholder::PrincipalName,
        Placeholder::AttachedToKind,
        Placeholder::AttachedTo,
        Placeholder::PolicyArn,
        Placeholder::ServiceCode,
        Placeholder::QuotaCode,
        Placeholder::Required,
        Placeholder::Recommended,
    ];

    /// The name as rule files write it, between braces.
    pub fn name(self) -> &'static str {
        match self {
            Placeholder::Region => "region",
            Placeholder::SecurityGroupId => "security_group_id",
            Placeholder::SubnetId => "subnet_id",
            Placeholder::AccountId => "account_id",
            Placeholder::IamUser => "iam_user",
            Placeholder::SshPort => "ssh_port",
            Placeholder::IpPermissions => "ip_permissions",
            Placeholder::OffendingIpPermissions => "offending_ip_permissions",
            Placeholder::PolicyJson => "policy_json",
            Placeholder::PrincipalKind => "principal_kind",
            Placeholder::PrincipalName => "principal_name",
            Placeholder::AttachedToKind => "attached_to_kind",
            Placeholder::AttachedTo => "attached_to",
            Placeholder::PolicyArn => "policy_arn",
            Placeholder::ServiceCode => "service_code",
            Placeholder::QuotaCode => "quota_code",
            Placeholder::Required => "required",
            Placeholder::Recommended => "recommended",
        }
    }

    /// Every placeholder: the setup's, then those check types provide.
    pub fn all() -> impl Iterator<Item = Placeholder> {
        Placeholder::SETUP.into_iter().chain(Placeholder::BY_CHECKS)
    }

    pub fn from_name(name: &str) -> Option<Placeholder> {
        Placeholder::all().find(|p| p.name() == name)
    }

    /// The AWS format its value must have to enter a fix command; `None`
    /// for a value no command may take (the rule loader refuses it there).
    pub fn format(self) -> Option<Format> {
        Some(match self {
            Placeholder::Region => Format::Region,
            Placeholder::SecurityGroupId => Format::SecurityGroupId,
            Placeholder::SubnetId => Format::SubnetId,
            Placeholder::AccountId => Format::AccountId,
            Placeholder::IamUser | Placeholder::AttachedTo | Placeholder::PrincipalName => {
                Format::IamName
            }
            Placeholder::AttachedToKind | Placeholder::PrincipalKind => Format::PrincipalKind,
            Placeholder::PolicyArn => Format::PolicyArn,
            Placeholder::ServiceCode => Format::ServiceCode,
            Placeholder::QuotaCode => Format::QuotaCode,
            Placeholder::Recommended => Format::Number,
            Placeholder::SshPort => Format::Port,
            Placeholder::IpPermissions | Placeholder::OffendingIpPermissions => {
                Format::IpPermissions
            }
            Placeholder::PolicyJson => Format::PolicyDocument,
            Placeholder::Required => return None,
        })
    }
}

/// A target's values for the placeholders.
pub type Values = BTreeMap<Placeholder, String>;

/// Byte offsets and names of every `{name}` in `text`.
pub fn placeholders(text: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    let mut rest = 0;
    while let Some(open) = text[rest..].find('{') {
        let start = rest + open;
        let Some(len) = text[start + 1..].find('}') else {
            break;
        };
        let name = &text[start + 1..start + 1 + len];
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            found.push((start, name));
            rest = start + len + 2;
        } else {
            // Not a placeholder (e.g. the `{CidrIp=…}` of CLI shorthand).
            rest = start + 1;
        }
    }
    found
}

pub fn render(text: &str, values: &Values) -> String {
    let mut out = String::with_capacity(text.len() + 32);
    let mut last = 0;
    for (start, name) in placeholders(text) {
        out.push_str(&text[last..start]);
        match Placeholder::from_name(name).and_then(|p| values.get(&p)) {
            Some(value) => out.push_str(value),
            None => {
                out.push('<');
                out.push_str(name);
                out.push('>');
            }
        }
        last = start + name.len() + 2;
    }
    out.push_str(&text[last..]);
    out
}

/// A command filled in for a shell: every value checked against its AWS
/// format and quoted. A value that fails the check stays `<name>` and is
/// listed in `malformed`, so the caller can say why.
pub struct Command {
    pub text: String,
    pub malformed: Vec<Malformed>,
}

pub fn render_command(text: &str, values: &Values) -> Command {
    let mut malformed = Vec::new();
    let mut words = Values::new();
    for (_, name) in placeholders(text) {
        let Some((placeholder, value)) =
            Placeholder::from_name(name).and_then(|p| Some((p, values.get(&p)?)))
        else {
            continue;
        };
        let checked = match placeholder.format() {
            Some(format) => crate::aws_format::shell_words(format, name, value),
            // The loader refuses such a name in a command: never let through.
            None => Err(Malformed {
                name: name.to_string(),
                value: value.to_string(),
                expected: "a value ccaudit knows how to check",
            }),
        };
        match checked {
            Ok(quoted) => {
                words.insert(placeholder, quoted);
            }
            Err(bad) if !malformed.contains(&bad) => malformed.push(bad),
            Err(_) => {}
        }
    }
    Command {
        text: render(text, &words),
        malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_known_and_marks_unknown() {
        let values = Values::from([(Placeholder::SecurityGroupId, "sg-0123abcd".to_string())]);
        assert_eq!(
            render(
                "No 'All' IpPermission found for Group {security_group_id} .",
                &values
            ),
            "No 'All' IpPermission found for Group sg-0123abcd ."
        );
        assert_eq!(
            render("--user-name {iam_user}", &values),
            "--user-name <iam_user>"
        );
    }

    #[test]
    fn commands_take_only_well_formed_values_quoted() {
        let values = Values::from([
            (Placeholder::Region, "eu-west-1".to_string()),
            (
                Placeholder::SecurityGroupId,
                "sg-0123abcd\ntouch /tmp/pwned".to_string(),
            ),
            (Placeholder::IamUser, "bit=movin".to_string()),
        ]);
        let command = render_command(
            "aws x --region {region} --group-id {security_group_id} --user {iam_user} --subnet {subnet_id}",
            &values,
        );
        assert_eq!(
            command.text,
            "aws x --region eu-west-1 --group-id <security_group_id> --user 'bit=movin' --subnet <subnet_id>"
        );
        assert_eq!(command.malformed.len(), 1);
        assert_eq!(command.malformed[0].name, "security_group_id");
    }

    #[test]
    fn a_value_without_a_format_never_enters_a_command() {
        let values = Values::from([(Placeholder::Required, "80; rm -rf ~".to_string())]);
        let command = render_command("aws x --value {required}", &values);
        assert_eq!(command.text, "aws x --value <required>");
        assert_eq!(command.malformed.len(), 1);
        assert_eq!(command.malformed[0].name, "required");
    }

    #[test]
    fn every_placeholder_is_found_by_its_name() {
        for p in Placeholder::all() {
            assert_eq!(Placeholder::from_name(p.name()), Some(p));
        }
        assert_eq!(Placeholder::from_name("security_groupid"), None);
    }

    #[test]
    fn leaves_cli_shorthand_alone() {
        let text = "IpRanges=[{CidrIp=1.2.3.4/32}] --group-id {security_group_id}";
        assert_eq!(placeholders(text), vec![(42, "security_group_id")]);
        let values = Values::from([(Placeholder::SecurityGroupId, "sg-1".to_string())]);
        assert_eq!(
            render(text, &values),
            "IpRanges=[{CidrIp=1.2.3.4/32}] --group-id sg-1"
        );
    }
}
