//! The check-type vocabulary: what a rule file may ask the engine to test,
//! with typed parameters. A rule names one of these in its `[check.TYPE]`
//! table; adding a rule needs Rust code only when it needs a new type here.

use serde::Deserialize;
use toml::Spanned;

use super::formula::Formula;
use super::shared::{Cidrs, Grant, Pattern, ResourceScopes, Shared, SharedValues};
use crate::net::ports::PortReq;
use crate::version::EncoderVersion;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// A collected call succeeded; listed error codes mean `fail`.
    ApiCallSucceeds(ApiCallSucceeds),
    /// The keys belong to `setup.account_id`.
    AccountMatches(NoParams),
    /// The keys belong to an IAM user, the one `setup.iam_user` names.
    KeysOwner(NoParams),
    /// `setup.security_group_id` is well formed.
    GroupIdFormat(GroupIdFormat),
    /// The group exists in the target's region.
    GroupExists(GroupExists),
    /// An inbound all-traffic permission whose source is the group itself.
    IngressSelfAllTraffic(NoParams),
    /// Inbound ports reachable from the given sources.
    IngressAllows(IngressAllows),
    /// Outbound ports reachable to the given destinations.
    EgressAllows(EgressAllows),
    /// Inbound permissions on these ports have no other source.
    SourcesRestricted(SourcesRestricted),
    /// The region has a default VPC.
    DefaultVpcExists(NoParams),
    /// The group lives in the VPC the instances are launched into.
    GroupInLaunchVpc(NoParams),
    /// An attribute of the setup's subnet has the expected value.
    SubnetAttribute(SubnetAttribute),
    /// `setup.encoder_version` is at least a version.
    EncoderVersionAtLeast(EncoderVersionAtLeast),
    /// No policy makes a needed action depend on MFA.
    IamNoMfaCondition(IamGrants),
    /// Every action of a grant set is allowed on its resources.
    IamActionsAllowed(IamGrants),
    /// No broad grant (a managed policy or an action wildcard) is attached.
    IamBroadGrant(IamBroadGrant),
    /// The user has an active access key.
    AccessKeyActive(NoParams),
    /// A service quota is at least a formula of the setup's sizing.
    QuotaAtLeast(QuotaAtLeast),
}

impl Check {
    /// The name rule files use, for listings and messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Check::ApiCallSucceeds(_) => "api-call-succeeds",
            Check::AccountMatches(_) => "account-matches",
            Check::KeysOwner(_) => "keys-owner",
            Check::GroupIdFormat(_) => "group-id-format",
            Check::GroupExists(_) => "group-exists",
            Check::IngressSelfAllTraffic(_) => "ingress-self-all-traffic",
            Check::IngressAllows(_) => "ingress-allows",
            Check::EgressAllows(_) => "egress-allows",
            Check::SourcesRestricted(_) => "sources-restricted",
            Check::DefaultVpcExists(_) => "default-vpc-exists",
            Check::GroupInLaunchVpc(_) => "group-in-launch-vpc",
            Check::SubnetAttribute(_) => "subnet-attribute",
            Check::EncoderVersionAtLeast(_) => "encoder-version-at-least",
            Check::IamNoMfaCondition(_) => "iam-no-mfa-condition",
            Check::IamActionsAllowed(_) => "iam-actions-allowed",
            Check::IamBroadGrant(_) => "iam-broad-grant",
            Check::AccessKeyActive(_) => "access-key-active",
            Check::QuotaAtLeast(_) => "quota-at-least",
        }
    }

    /// The snapshot key holding the evidence this check reads first (for
    /// locating a finding in the snapshot); None when the setup alone decides.
    pub fn evidence_key(&self) -> Option<&'static str> {
        match self {
            Check::ApiCallSucceeds(c) => Some(c.call.as_str()),
            Check::AccountMatches(_) | Check::KeysOwner(_) => Some("sts:GetCallerIdentity"),
            Check::AccessKeyActive(_) => Some("iam:ListAccessKeys"),
            Check::GroupIdFormat(_) | Check::EncoderVersionAtLeast(_) => None,
            Check::DefaultVpcExists(_) => Some("ec2:DescribeVpcs"),
            Check::SubnetAttribute(_) => Some("ec2:DescribeSubnets"),
            Check::IamActionsAllowed(_) | Check::IamNoMfaCondition(_) | Check::IamBroadGrant(_) => {
                Some("iam:GetUser")
            }
            Check::QuotaAtLeast(_) => Some("servicequotas:GetServiceQuota"),
            Check::GroupExists(_)
            | Check::IngressSelfAllTraffic(_)
            | Check::IngressAllows(_)
            | Check::EgressAllows(_)
            | Check::SourcesRestricted(_)
            | Check::GroupInLaunchVpc(_) => Some("ec2:DescribeSecurityGroups"),
        }
    }

    /// Names this check adds to the fix-command template, beyond the setup's.
    pub fn template_names(&self) -> &'static [&'static str] {
        match self {
            Check::IngressAllows(_) | Check::EgressAllows(_) => &["ip_permissions"],
            Check::SourcesRestricted(_) => &["offending_ip_permissions"],
            Check::IamActionsAllowed(_) | Check::IamNoMfaCondition(_) => {
                &["policy_json", "iam_user"]
            }
            Check::IamBroadGrant(_) => &["attached_to_kind", "attached_to", "policy_arn"],
            Check::QuotaAtLeast(_) => &["service_code", "quota_code", "required", "recommended"],
            Check::AccessKeyActive(_) => &["iam_user"],
            Check::ApiCallSucceeds(_)
            | Check::AccountMatches(_)
            | Check::KeysOwner(_)
            | Check::GroupIdFormat(_)
            | Check::GroupExists(_)
            | Check::IngressSelfAllTraffic(_)
            | Check::DefaultVpcExists(_)
            | Check::GroupInLaunchVpc(_)
            | Check::SubnetAttribute(_)
            | Check::EncoderVersionAtLeast(_) => &[],
        }
    }

    /// Resolve `@name` references and parse formulas; errors carry the span
    /// of the offending value.
    pub fn resolve(
        &mut self,
        shared: &SharedValues,
    ) -> Result<(), (std::ops::Range<usize>, String)> {
        let at = |span: &std::ops::Range<usize>| {
            let span = span.clone();
            move |message: String| (span, message)
        };
        match self {
            Check::IngressAllows(c) => {
                if let Some(from) = &mut c.from {
                    from.resolve(shared).map_err(at(&from.span))?;
                }
                if let Some(excluding) = &mut c.excluding {
                    excluding.resolve(shared).map_err(at(&excluding.span))?;
                }
            }
            Check::GroupIdFormat(c) => c.pattern.resolve(shared).map_err(at(&c.pattern.span))?,
            Check::GroupExists(c) => c
                .well_formed
                .resolve(shared)
                .map_err(at(&c.well_formed.span))?,
            Check::EgressAllows(c) => c.to.resolve(shared).map_err(at(&c.to.span))?,
            Check::SourcesRestricted(c) => {
                c.allowed.resolve(shared).map_err(at(&c.allowed.span))?
            }
            Check::IamNoMfaCondition(c) | Check::IamActionsAllowed(c) => {
                c.grants.resolve(shared).map_err(at(&c.grants.span))?;
                if let Some(scopes) = &mut c.resource_scopes {
                    scopes.resolve(shared).map_err(at(&scopes.span))?;
                }
            }
            Check::QuotaAtLeast(c) => {
                c.margin.resolve(shared).map_err(at(&c.margin.span))?;
                let span = c.formula.span();
                // +1: the formula text starts after the opening quote.
                let parsed = Formula::parse(c.formula.get_ref(), &shared.numbers)
                    .map_err(|e| (span.start + 1 + e.offset..span.end, e.message))?;
                c.parsed = Some(parsed);
            }
            // No `@shared` references or formulas in their parameters.
            Check::ApiCallSucceeds(_)
            | Check::AccountMatches(_)
            | Check::KeysOwner(_)
            | Check::IngressSelfAllTraffic(_)
            | Check::DefaultVpcExists(_)
            | Check::GroupInLaunchVpc(_)
            | Check::SubnetAttribute(_)
            | Check::EncoderVersionAtLeast(_)
            | Check::IamBroadGrant(_)
            | Check::AccessKeyActive(_) => {}
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

/// The snapshot keys a rule may name in `api-call-succeeds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum CallKey {
    #[serde(rename = "sts:GetCallerIdentity")]
    GetCallerIdentity,
    #[serde(rename = "ec2:DescribeSecurityGroups")]
    DescribeSecurityGroups,
    #[serde(rename = "iam:GetUser")]
    GetUser,
}

impl CallKey {
    pub fn as_str(self) -> &'static str {
        match self {
            CallKey::GetCallerIdentity => "sts:GetCallerIdentity",
            CallKey::DescribeSecurityGroups => "ec2:DescribeSecurityGroups",
            CallKey::GetUser => "iam:GetUser",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiCallSucceeds {
    pub call: CallKey,
    /// Error codes that prove the requirement does not hold.
    pub failing_codes: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupIdFormat {
    /// What a well-formed id looks like.
    pub pattern: Shared<Pattern>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupExists {
    /// Ids not matching this are malformed: existence does not apply.
    pub well_formed: Shared<Pattern>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IngressAllows {
    pub ports: Vec<PortReq>,
    /// Every one of these sources must reach every port…
    pub from: Option<Shared<Cidrs>>,
    /// …or, instead, at least one address range of any kind must…
    #[serde(default)]
    pub from_any_address: bool,
    /// …other than ranges inside these (with `from_any_address`: e.g.
    /// Bitmovin's own addresses, which send no stream).
    pub excluding: Option<Shared<Cidrs>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EgressAllows {
    pub ports: Vec<PortReq>,
    pub to: Shared<Cidrs>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcesRestricted {
    pub ports: Vec<PortReq>,
    /// The only address sources allowed on those ports (the group itself
    /// is always allowed).
    pub allowed: Shared<Cidrs>,
    /// Which of the other sources this rule reports.
    #[serde(default)]
    pub offenders: Offenders,
}

/// The sources a `sources-restricted` rule reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Offenders {
    /// Every source beyond the allowed ones.
    #[default]
    Any,
    /// Only sources open to every address (0.0.0.0/0, ::/0).
    OpenToEveryone,
    /// Every other source beyond the allowed ones (a range, another group,
    /// a prefix list), but not those open to every address.
    OtherSources,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SubnetAttributeName {
    MapPublicIpOnLaunch,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubnetAttribute {
    pub attribute: SubnetAttributeName,
    pub expected: bool,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncoderVersionAtLeast {
    pub version: EncoderVersion,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamGrants {
    pub grants: Shared<Vec<Grant>>,
    /// What AWS authorizes the actions granted on `*` against; an action
    /// not listed there has no resource-level permissions.
    pub resource_scopes: Option<Shared<ResourceScopes>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IamBroadGrant {
    /// Managed policies that are too broad for production.
    pub managed_policies: Vec<String>,
    /// An Allow whose actions cover any of these is too broad.
    pub actions: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaAtLeast {
    /// `service/QuotaCode`, the snapshot's key for the quota.
    pub quota: String,
    /// The quota's name in the Service Quotas console.
    pub name: String,
    pub formula: Spanned<String>,
    /// The guide's advice: request this many times the computed need.
    pub margin: Shared<f64>,
    #[serde(skip)]
    pub parsed: Option<Formula>,
}

impl QuotaAtLeast {
    pub fn service_code(&self) -> &str {
        self.quota.split_once('/').map_or("", |(s, _)| s)
    }

    pub fn quota_code(&self) -> &str {
        self.quota.split_once('/').map_or("", |(_, c)| c)
    }
}
