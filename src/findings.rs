//! What an audit finds, the bottom layer: the outcome of one rule on one
//! target, its fix as data, and whether an accepted problem is muted. The
//! engine makes these; suppressions, drift, the report and its renderers
//! read them. Their JSON form is part of the report contract
//! (docs/report.md).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::net::Permission;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    // Declared in the order a reader wants them: problems first.
    Fail,
    Unknown,
    Pass,
    Skip,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Fail => "fail",
            Outcome::Unknown => "unknown",
            Outcome::Pass => "pass",
            Outcome::Skip => "skip",
        }
    }

    /// Outcomes that count against `--fail-on`: a missing answer is never
    /// taken for a good one.
    pub fn is_problem(self) -> bool {
        matches!(self, Outcome::Fail | Outcome::Unknown)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a problem shows up for the customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    /// The dashboard refuses the region settings.
    RegionSettings,
    /// Encodings sit in Queue.
    Queue,
    /// Encodings are slow or fail to scale.
    Capacity,
    /// Works, but not as the guide recommends.
    Advice,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::RegionSettings => "region-settings",
            Stage::Queue => "queue",
            Stage::Capacity => "capacity",
            Stage::Advice => "advice",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a fix command needs a person's decision before it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixCaution {
    /// It takes access away (revoking a source, detaching a policy).
    RemovesAccess,
    /// It opens access beyond Bitmovin's needs (e.g. a port to anywhere).
    WidensAccess,
    /// It creates a new secret that must then be entered elsewhere.
    CreatesSecret,
    /// It only reads: it finds the right value, it changes nothing.
    Diagnostic,
}

impl FixCaution {
    /// The line printed above the command.
    pub fn note(self) -> &'static str {
        match self {
            FixCaution::RemovesAccess => "Review first: this removes access. Uncomment to run.",
            FixCaution::WidensAccess => {
                "This opens the ports to any address, as the guide allows; narrow the sources to where your streams come from, then uncomment."
            }
            FixCaution::CreatesSecret => {
                "This creates a new secret access key, shown once: enter it in the Bitmovin dashboard. Uncomment to run."
            }
            FixCaution::Diagnostic => "Read-only: finds the right value to enter.",
        }
    }

    /// A fix command as a person should see it: with the reason above it,
    /// and commented out when it must not simply be run.
    pub fn command_lines(caution: Option<FixCaution>, command: &str) -> Vec<String> {
        match caution {
            None => vec![command.to_string()],
            Some(FixCaution::Diagnostic) => vec![
                format!("# {}", FixCaution::Diagnostic.note()),
                command.to_string(),
            ],
            Some(caution) => vec![format!("# {}", caution.note()), format!("# {command}")],
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FixCaution::RemovesAccess => "removes-access",
            FixCaution::WidensAccess => "widens-access",
            FixCaution::CreatesSecret => "creates-secret",
            FixCaution::Diagnostic => "diagnostic",
        }
    }
}

/// What a finding is about, as data: the `resource` label of the report is
/// made from it, and SARIF builds ARNs from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// The account the dashboard's keys must belong to.
    Account {
        account_id: Option<String>,
    },
    SecurityGroup {
        /// Its id; for a group named by its name and not found, how the
        /// setup names it (no ARN is made of that).
        group_id: String,
    },
    /// The region's default VPC.
    DefaultVpc {
        region: String,
    },
    Subnet {
        subnet_id: Option<String>,
    },
    Encoder {
        version: String,
    },
    /// The owner of the dashboard's keys: its ARN when the evidence shows
    /// it, else the name by which it is known.
    IamPrincipal {
        arn: Option<String>,
        name: String,
    },
    Quota {
        service_code: String,
        quota_code: String,
    },
}

impl Resource {
    /// Its key in a plan's target's `terraform.resources`: where a resource
    /// of this kind is written; `None` for what a plan does not write.
    pub fn plan_key(&self) -> Option<String> {
        Some(match self {
            Resource::SecurityGroup { .. } => "security_group".to_string(),
            Resource::IamPrincipal { .. } => "iam_user".to_string(),
            Resource::Subnet { .. } => "subnet".to_string(),
            Resource::DefaultVpc { .. } => "default_vpc".to_string(),
            Resource::Quota {
                service_code,
                quota_code,
            } => format!("quota:{service_code}/{quota_code}"),
            Resource::Account { .. } | Resource::Encoder { .. } => return None,
        })
    }

    /// The resource named as the customer knows it.
    pub fn label(&self) -> String {
        match self {
            Resource::Account { account_id } => {
                format!("account {}", account_id.as_deref().unwrap_or("(not given)"))
            }
            Resource::SecurityGroup { group_id } => group_id.clone(),
            Resource::DefaultVpc { region } => format!("default VPC of {region}"),
            Resource::Subnet { subnet_id } => {
                subnet_id.clone().unwrap_or_else(|| "(no subnet)".into())
            }
            Resource::Encoder { version } => format!("encoder {version}"),
            Resource::IamPrincipal { arn, name } => arn.clone().unwrap_or_else(|| name.clone()),
            Resource::Quota {
                service_code,
                quota_code,
            } => format!("{service_code}/{quota_code}"),
        }
    }

    /// The label for a narrow column: an ARN's resource part
    /// (`user/bitmovin`), else the label.
    pub fn short_label(&self) -> String {
        match self {
            Resource::IamPrincipal { arn: Some(arn), .. } => arn
                .strip_prefix("arn:")
                .and_then(|rest| rest.splitn(5, ':').nth(4))
                .unwrap_or(arn)
                .to_string(),
            _ => self.label(),
        }
    }

    /// Its ARN in `region` and `account`, when it has one and its ids have
    /// the format AWS gives them.
    pub fn arn(&self, region: &str, account: &str) -> Option<String> {
        use crate::aws_format::Format;
        match self {
            Resource::SecurityGroup { group_id } if Format::SecurityGroupId.accepts(group_id) => {
                Some(format!(
                    "arn:{}:ec2:{region}:{account}:security-group/{group_id}",
                    crate::aws_format::partition(region)
                ))
            }
            Resource::Subnet {
                subnet_id: Some(id),
            } if Format::SubnetId.accepts(id) => Some(format!(
                "arn:{}:ec2:{region}:{account}:subnet/{id}",
                crate::aws_format::partition(region)
            )),
            Resource::Quota {
                service_code,
                quota_code,
            } => Some(format!(
                "arn:{}:servicequotas:{region}:{account}:{service_code}/{quota_code}",
                crate::aws_format::partition(region)
            )),
            Resource::IamPrincipal { arn: Some(arn), .. } if arn.starts_with("arn:") => {
                Some(arn.clone())
            }
            Resource::IamPrincipal { .. } => None,
            Resource::SecurityGroup { .. }
            | Resource::Subnet { .. }
            | Resource::Account { .. }
            | Resource::DefaultVpc { .. }
            | Resource::Encoder { .. } => None,
        }
    }
}

/// What a fix changes, for formats that are not `aws` commands (Terraform).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FixData {
    /// Add these inbound permissions to the group.
    Ingress {
        group_id: String,
        permissions: Vec<Permission>,
    },
    /// Add these outbound permissions to the group.
    Egress {
        group_id: String,
        permissions: Vec<Permission>,
    },
    /// Remove these inbound permissions from the group.
    Revoke {
        group_id: String,
        permissions: Vec<Permission>,
    },
    /// Put this inline policy on the user.
    UserPolicy {
        user: Option<String>,
        document: String,
    },
    /// Put this inline policy on the role Bitmovin assumes.
    RolePolicy { role: String, document: String },
    /// Raise a service quota.
    Quota {
        service_code: String,
        quota_code: String,
        value: f64,
    },
    /// Create the region's default VPC.
    DefaultVpc,
    /// Turn on public IPv4 addresses for the subnet.
    SubnetPublicIp { subnet_id: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding<'a> {
    pub rule: &'a str,
    pub outcome: Outcome,
    pub severity: Severity,
    /// `about`'s label.
    pub resource: String,
    /// What the finding is about, as data.
    #[serde(skip)]
    pub about: Resource,
    pub title: &'a str,
    pub detail: String,
    /// The dashboard's message for this problem, with the real ids.
    pub documented_error: Option<String>,
    /// The documented behaviour when there is no message.
    pub symptom: Option<&'a str>,
    pub stage: Stage,
    pub fix: Option<String>,
    pub fix_command: Option<String>,
    /// Why the fix command must not simply be run (removes-access,
    /// widens-access, creates-secret, diagnostic), when so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix_caution: Option<FixCaution>,
    /// The fix as data, for failing findings that have one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix_data: Option<Box<FixData>>,
    /// An accepted problem: it keeps its outcome, but no longer counts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub muted: Option<Box<Muted>>,
    /// The snapshot key of the evidence (for locating the finding).
    #[serde(skip)]
    pub evidence: Option<&'static str>,
    /// For a Terraform plan's target: the resource's address, file and line.
    /// Boxed, as `fix_data`: most findings have none, and there are many.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terraform: Option<Box<crate::snapshot::terraform::Written>>,
}

impl Finding<'_> {
    /// The fix command as a person should see it: commented out, with the
    /// reason, when it must not simply be run.
    pub fn command_lines(&self) -> Option<Vec<String>> {
        let command = self.fix_command.as_ref()?;
        Some(FixCaution::command_lines(self.fix_caution, command))
    }

    /// The fix, then its command lines after a blank line: one text, for
    /// formats with a single remediation field (OCSF, ASFF).
    pub fn fix_with_command(&self) -> Option<String> {
        let fix = self.fix.as_ref()?;
        Some(match self.command_lines() {
            Some(lines) => format!("{fix}\n\n{}", lines.join("\n")),
            None => fix.clone(),
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetReport<'a> {
    // Owned: a streamed audit drops each target once it is audited, while
    // formats that need totals first keep the findings.
    pub name: String,
    pub account_id: Option<String>,
    pub region: String,
    pub findings: Vec<Finding<'a>>,
}

impl TargetReport<'_> {
    /// True when a finding at or above `threshold` failed or is unknown
    /// (and is not muted).
    pub fn has_problems_at(&self, threshold: Severity) -> bool {
        self.findings
            .iter()
            .any(|f| f.outcome.is_problem() && f.severity >= threshold && f.muted.is_none())
    }
}

/// Why a finding is muted (shown in every format): an entry of the
/// suppressions file matched it and has not expired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Muted {
    pub reason: String,
    pub owner: String,
    pub expires: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_come_from_the_data_and_only_from_well_formed_ids() {
        let group = |id: &str| Resource::SecurityGroup {
            group_id: id.to_string(),
        };
        assert_eq!(
            group("sg-0a1b2c3d4e5f60718").arn("eu-west-1", "123456789012"),
            Some("arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0a1b2c3d4e5f60718".into())
        );
        // China and GovCloud have partitions of their own.
        assert_eq!(
            group("sg-0a1b2c3d4e5f60718").arn("cn-north-1", "123456789012"),
            Some(
                "arn:aws-cn:ec2:cn-north-1:123456789012:security-group/sg-0a1b2c3d4e5f60718".into()
            )
        );
        assert!(
            group("sg-0a1b2c3d4e5f60718")
                .arn("us-gov-west-1", "123456789012")
                .is_some_and(|arn| arn.starts_with("arn:aws-us-gov:ec2:"))
        );
        // The guide's placeholder `sg-12345` and a group name are no ids.
        assert_eq!(group("sg-12345").arn("eu-west-1", "1"), None);
        assert_eq!(group("bitmovin").arn("eu-west-1", "1"), None);
        let quota = Resource::Quota {
            service_code: "ec2".into(),
            quota_code: "L-1216C47A".into(),
        };
        assert_eq!(quota.label(), "ec2/L-1216C47A");
        assert_eq!(
            quota.arn("eu-west-1", "123456789012").as_deref(),
            Some("arn:aws:servicequotas:eu-west-1:123456789012:ec2/L-1216C47A")
        );
        let user = Resource::IamPrincipal {
            arn: Some("arn:aws:iam::123456789012:user/bitmovin".into()),
            name: "bitmovin".into(),
        };
        assert_eq!(user.label(), "arn:aws:iam::123456789012:user/bitmovin");
        assert_eq!(user.short_label(), "user/bitmovin");
        let named = Resource::IamPrincipal {
            arn: None,
            name: "IAM user bitmovin".into(),
        };
        assert_eq!(
            (named.label(), named.arn("r", "a")),
            ("IAM user bitmovin".into(), None)
        );
        let subnet = Resource::Subnet { subnet_id: None };
        assert_eq!(
            (subnet.label(), subnet.arn("r", "a")),
            ("(no subnet)".into(), None)
        );
    }
}
