//! Check types: what a rule file may ask the engine to test. Each type is
//! one module holding its parameters (as the rule file writes them, with
//! their validation), the evidence it reads, the placeholders its verdicts
//! fill, its evaluation, and how it judges (for `rules explain`). Types of
//! one family share a parent module (`sg`, `iam`, `network`, `account`) for
//! the helpers they have in common.
//!
//! Adding a type: its module, one line in `check_types!` below, and its
//! documentation (CONTRIBUTING.md, "Adding a check type").

pub mod account;
pub mod formula;
pub mod iam;
pub mod network;
pub mod quota_at_least;
pub mod sg;
pub mod shared;
mod subject;
pub mod verdict;

use std::ops::Range;

use serde::Deserialize;
use shared::SharedValues;
use verdict::Verdict;

use crate::findings::Resource;
use crate::snapshot::Target;
use crate::template::Placeholder;

/// What every check type provides.
pub trait CheckType {
    /// Resolve `@name` references to shared values, parse formulas, and
    /// check what deserialisation cannot (e.g. two fields that exclude
    /// each other). Runs once, when the rule is loaded.
    fn prepare(&mut self, _shared: &SharedValues) -> Result<(), ParamError> {
        Ok(())
    }

    /// The snapshot key holding the evidence read first (to locate a
    /// finding in the snapshot); `None` when the setup alone decides.
    fn evidence_key(&self) -> Option<&'static str>;

    /// How its verdict depends on snapshot key `key` (and, for keys by name,
    /// on the entry `name`): the evidence it reads.
    fn reads(&self, key: &str, name: Option<&str>) -> Reads;

    /// The placeholders its verdicts fill, beyond the setup's: a rule's
    /// texts may use these, and a fix command that needs one the verdict
    /// did not fill is not shown.
    fn placeholders(&self) -> &'static [Placeholder] {
        &[]
    }

    /// What a finding is about.
    fn resource(&self, target: &Target) -> Resource;

    fn evaluate(&self, target: &Target) -> Verdict;

    /// How it judges, as `ccaudit rules explain` states it.
    fn how_judged(&self) -> &'static str;
}

/// The resources most check types are about, taken from the target.
pub fn group_resource(target: &Target) -> Resource {
    Resource::SecurityGroup {
        group_id: match sg::group_id(target) {
            Some(id) => id.to_string(),
            None => target.setup.group_label(),
        },
    }
}

pub fn account_resource(target: &Target) -> Resource {
    Resource::Account {
        account_id: target.setup.account_id.clone(),
    }
}

/// How a check's verdict depends on one piece of evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// A pass rests on it: missing or broken, the check must not pass.
    Decides,
    /// It only qualifies a pass (whose key owner, which SCPs): missing,
    /// a pass must say so in its detail, in these words.
    Qualifies(&'static str),
    /// The check does not read it.
    Ignores,
}

/// The snapshot keys of the IAM evidence about the keys' owner or the
/// role Bitmovin assumes.
pub const IAM_KEYS: [&str; 14] = [
    "iam:GetUser",
    "iam:GetRole",
    "iam:ListRolePolicies",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListUserPolicies",
    "iam:GetUserPolicy",
    "iam:ListAttachedUserPolicies",
    "iam:ListGroupsForUser",
    "iam:ListGroupPolicies",
    "iam:GetGroupPolicy",
    "iam:ListAttachedGroupPolicies",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
];

/// `Decides` when `key` is one of `keys`.
pub fn decides_on(keys: &[&str], key: &str) -> Reads {
    if keys.contains(&key) {
        Reads::Decides
    } else {
        Reads::Ignores
    }
}

/// A parameter a rule file got wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamError {
    /// Where in the rule file; `None` places it at the `[check…]` table.
    pub span: Option<Range<usize>>,
    pub message: String,
}

impl ParamError {
    /// An error at the check table as a whole.
    pub fn check(message: impl Into<String>) -> ParamError {
        ParamError {
            span: None,
            message: message.into(),
        }
    }

    /// For `map_err`: an error at the value spanning `span`.
    pub fn at(span: &Range<usize>) -> impl FnOnce(String) -> ParamError {
        let span = span.clone();
        move |message| ParamError {
            span: Some(span),
            message,
        }
    }
}

/// The registry: `"name in rule files" => Variant(module::Type)`. It makes
/// the `Check` enum and the only `match`es on it.
macro_rules! check_types {
    ($($(#[doc = $doc:literal])* $name:literal => $variant:ident($type:ty),)*) => {
        /// A rule's `[check.TYPE]` table.
        #[derive(Debug, Clone, Deserialize)]
        pub enum Check {
            $($(#[doc = $doc])* #[serde(rename = $name)] $variant($type),)*
        }

        impl Check {
            /// The name rule files use, for listings and messages.
            pub fn type_name(&self) -> &'static str {
                match self {
                    $(Check::$variant(_) => $name,)*
                }
            }

            fn get(&self) -> &dyn CheckType {
                match self {
                    $(Check::$variant(c) => c,)*
                }
            }

            fn get_mut(&mut self) -> &mut dyn CheckType {
                match self {
                    $(Check::$variant(c) => c,)*
                }
            }
        }
    };
}

check_types! {
    /// A collected call succeeded; listed error codes mean `fail`.
    "api-call-succeeds" => ApiCallSucceeds(account::api_call_succeeds::ApiCallSucceeds),
    /// The keys belong to `setup.account_id`.
    "account-matches" => AccountMatches(account::account_matches::AccountMatches),
    /// The keys belong to an IAM user, the one `setup.iam_user` names.
    "keys-owner" => KeysOwner(account::keys_owner::KeysOwner),
    /// `setup.security_group_id` is well formed.
    "group-id-format" => GroupIdFormat(sg::group_id_format::GroupIdFormat),
    /// The group exists in the target's region.
    "group-exists" => GroupExists(sg::group_exists::GroupExists),
    /// An inbound all-traffic permission whose source is the group itself.
    "ingress-self-all-traffic" => IngressSelfAllTraffic(sg::ingress_self_all_traffic::IngressSelfAllTraffic),
    /// Inbound ports reachable from the given sources.
    "ingress-allows" => IngressAllows(sg::ingress_allows::IngressAllows),
    /// Outbound ports reachable to the given destinations.
    "egress-allows" => EgressAllows(sg::egress_allows::EgressAllows),
    /// Inbound permissions on these ports have no other source.
    "sources-restricted" => SourcesRestricted(sg::sources_restricted::SourcesRestricted),
    /// The region has a default VPC.
    "default-vpc-exists" => DefaultVpcExists(network::default_vpc_exists::DefaultVpcExists),
    /// The group lives in the VPC the instances are launched into.
    "group-in-launch-vpc" => GroupInLaunchVpc(network::group_in_launch_vpc::GroupInLaunchVpc),
    /// An attribute of the setup's subnet has the expected value.
    "subnet-attribute" => SubnetAttribute(network::subnet_attribute::SubnetAttribute),
    /// `setup.encoder_version` is at least a version.
    "encoder-version-at-least" => EncoderVersionAtLeast(network::encoder_version_at_least::EncoderVersionAtLeast),
    /// No policy makes a needed action depend on MFA.
    "iam-no-mfa-condition" => IamNoMfaCondition(iam::no_mfa_condition::IamNoMfaCondition),
    /// Every action of a grant set is allowed on its resources.
    "iam-actions-allowed" => IamActionsAllowed(iam::actions_allowed::IamActionsAllowed),
    /// No broad grant (a managed policy or an action wildcard) is attached.
    "iam-broad-grant" => IamBroadGrant(iam::broad_grant::IamBroadGrant),
    /// The user has an active access key.
    "access-key-active" => AccessKeyActive(account::access_key_active::AccessKeyActive),
    /// The access key Bitmovin has for the account is an active key of the user.
    "bitmovin-key-active" => BitmovinKeyActive(account::bitmovin_key_active::BitmovinKeyActive),
    /// A role-based account's role exists and trusts Bitmovin only with the external id.
    "role-trust" => RoleTrust(account::role_trust::RoleTrust),
    /// A service quota is at least a formula of the setup's sizing, or a floor.
    "quota-at-least" => QuotaAtLeast(quota_at_least::QuotaAtLeast),
}

impl Check {
    pub fn prepare(&mut self, shared: &SharedValues) -> Result<(), ParamError> {
        self.get_mut().prepare(shared)
    }

    pub fn evidence_key(&self) -> Option<&'static str> {
        self.get().evidence_key()
    }

    pub fn placeholders(&self) -> &'static [Placeholder] {
        self.get().placeholders()
    }

    pub fn reads(&self, key: &str, name: Option<&str>) -> Reads {
        self.get().reads(key, name)
    }

    pub fn resource(&self, target: &Target) -> Resource {
        self.get().resource(target)
    }

    pub fn evaluate(&self, target: &Target) -> Verdict {
        self.get().evaluate(target)
    }

    pub fn how_judged(&self) -> &'static str {
        self.get().how_judged()
    }
}
