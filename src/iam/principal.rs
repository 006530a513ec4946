//! Who a set of credentials belongs to, read from the ARN that
//! `sts:GetCallerIdentity` returns. Bitmovin needs an IAM user's access
//! keys; every other kind of principal is named so a finding can say why it
//! does not fit.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `arn:aws:iam::ACCOUNT:user/PATH/NAME`
    User { account: String, name: String },
    /// `arn:aws:iam::ACCOUNT:root`
    Root { account: String },
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`
    AssumedRole { account: String, role: String },
    /// `arn:aws:sts::ACCOUNT:federated-user/NAME`
    FederatedUser { account: String, name: String },
    /// Any other ARN (kept whole for the message).
    Other(String),
}

impl Principal {
    pub fn from_arn(arn: &str) -> Principal {
        let other = || Principal::Other(arn.to_string());
        let mut parts = arn.splitn(6, ':');
        let mut part = || parts.next();
        let (
            Some(prefix),
            Some(_partition),
            Some(service),
            Some(_region),
            Some(account),
            Some(resource),
        ) = (part(), part(), part(), part(), part(), part())
        else {
            return other();
        };
        if prefix != "arn" || account.is_empty() {
            return other();
        }
        let account = account.to_string();
        let last = |path: &str| path.rsplit('/').next().unwrap_or(path).to_string();
        match (service, resource.split_once('/')) {
            ("iam", None) if resource == "root" => Principal::Root { account },
            ("iam", Some(("user", path))) if !path.is_empty() && !path.ends_with('/') => {
                Principal::User {
                    account,
                    name: last(path),
                }
            }
            ("sts", Some(("assumed-role", rest))) => match rest.split_once('/') {
                Some((role, _session)) if !role.is_empty() => Principal::AssumedRole {
                    account,
                    role: role.to_string(),
                },
                _ => other(),
            },
            ("sts", Some(("federated-user", name))) if !name.is_empty() => {
                Principal::FederatedUser {
                    account,
                    name: name.to_string(),
                }
            }
            _ => other(),
        }
    }

    /// Why this principal's keys do not fit Bitmovin, in the guide's terms;
    /// None for an IAM user.
    pub fn unsuitable_because(&self) -> Option<String> {
        let reason = match self {
            Principal::User { .. } => return None,
            Principal::Root { .. } => {
                "the guide asks for a separate IAM user for Bitmovin (\"Create an Amazon IAM user\"); the root user's keys give unlimited access to the whole account and must never be handed to a third party"
            }
            Principal::AssumedRole { .. } => {
                "these are temporary credentials of a role session: the dashboard takes an IAM user's access key and secret key, and the guide says \"A role-based login across accounts is at the moment not possible\""
            }
            Principal::FederatedUser { .. } => {
                "these are temporary credentials of a federated user: the dashboard takes an IAM user's long-term access key and secret key"
            }
            Principal::Other(_) => "this is not an IAM user's ARN",
        };
        Some(reason.to_string())
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::User { name, .. } => write!(f, "IAM user {name}"),
            Principal::Root { account } => write!(f, "the root user of account {account}"),
            Principal::AssumedRole { role, .. } => write!(f, "a session of the role {role}"),
            Principal::FederatedUser { name, .. } => write!(f, "the federated user {name}"),
            Principal::Other(arn) => write!(f, "the principal {arn}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_of_caller_arn_is_read() {
        assert_eq!(
            Principal::from_arn("arn:aws:iam::123456789012:user/bitmovin"),
            Principal::User {
                account: "123456789012".into(),
                name: "bitmovin".into()
            }
        );
        assert_eq!(
            Principal::from_arn("arn:aws:iam::123456789012:user/division/team/bitmovin"),
            Principal::User {
                account: "123456789012".into(),
                name: "bitmovin".into()
            }
        );
        assert_eq!(
            Principal::from_arn("arn:aws:iam::123456789012:root"),
            Principal::Root {
                account: "123456789012".into()
            }
        );
        assert_eq!(
            Principal::from_arn("arn:aws:sts::123456789012:assumed-role/Admin/alice@example.com"),
            Principal::AssumedRole {
                account: "123456789012".into(),
                role: "Admin".into()
            }
        );
        assert_eq!(
            Principal::from_arn("arn:aws-cn:sts::123456789012:federated-user/bob"),
            Principal::FederatedUser {
                account: "123456789012".into(),
                name: "bob".into()
            }
        );
        for odd in [
            "",
            "bitmovin",
            "arn:aws:iam::123456789012:user/",
            "arn:aws:iam::123456789012:role/x",
            "arn:aws:sts::123456789012:assumed-role/",
            "arn:aws:iam:::user/x",
        ] {
            assert!(
                matches!(Principal::from_arn(odd), Principal::Other(_)),
                "{odd}"
            );
        }
    }

    #[test]
    fn only_users_are_suitable() {
        assert!(
            Principal::from_arn("arn:aws:iam::1:user/u")
                .unsuitable_because()
                .is_none()
        );
        let role = Principal::from_arn("arn:aws:sts::1:assumed-role/R/s");
        assert!(
            role.unsuitable_because()
                .unwrap()
                .contains("role-based login")
        );
        assert_eq!(role.to_string(), "a session of the role R");
    }
}
