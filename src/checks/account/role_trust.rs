//! `role-trust`: for a Cloud Connect account set up with a role (Bitmovin's
//! `roleName` and `externalId`), the role exists and its trust policy lets
//! Bitmovin assume it only with that external id.
//!
//! The guide predates roles and does not name the principal Bitmovin
//! assumes from: the rule's `principals` (a shared setting) name it when
//! known, and a pass says that it was not checked when they do not.

use serde::Deserialize;

use crate::checks::shared::{AwsPrincipals, Shared, SharedValues};
use crate::checks::subject::{bitmovin_role, role_read_elsewhere};
use crate::checks::verdict::{Verdict, call_failed, not_collected};
use crate::checks::{CheckType, ParamError, Reads};
use crate::findings::Resource;
use crate::iam::glob;
use crate::iam::{Condition, Effect, TrustStatement};
use crate::output::visible;
use crate::snapshot::Target;
use crate::snapshot::aws::{Evidence, evidence};

const KEY: &str = "iam:GetRole";
const ASSUME_ROLE: &str = "sts:AssumeRole";
const EXTERNAL_ID: &str = "sts:ExternalId";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleTrust {
    /// The AWS principals Bitmovin assumes the role from; empty when not
    /// known, and then not checked.
    pub principals: Shared<AwsPrincipals>,
}

impl CheckType for RoleTrust {
    fn how_judged(&self) -> &'static str {
        "Reads the role named by Bitmovin's AwsAccount (iam:GetRole) and its trust policy: a statement must allow sts:AssumeRole to an AWS principal (one of `principals`, when given) only under a StringEquals or StringLike condition on sts:ExternalId that accepts the account's externalId; no statement may let any principal (*) assume the role without that condition; an unconditional Deny fails. Conditions on other keys are not evaluated (unknown). Applies only to role-based accounts read from Bitmovin's API."
    }

    fn prepare(&mut self, shared: &SharedValues) -> Result<(), ParamError> {
        self.principals
            .resolve(shared)
            .map_err(ParamError::at(&self.principals.span))
    }

    fn evidence_key(&self) -> Option<&'static str> {
        Some(KEY)
    }

    fn reads(&self, key: &str, _name: Option<&str>) -> Reads {
        if key == KEY {
            Reads::Decides
        } else {
            Reads::Ignores
        }
    }

    fn resource(&self, target: &Target) -> Resource {
        let account = target.bitmovin.as_ref().map(|b| &b.account);
        match account.and_then(|a| Some((a, a.role()?))) {
            Some((account, role)) => Resource::IamPrincipal {
                arn: account
                    .account_number
                    .as_deref()
                    .map(|number| format!("arn:aws:iam::{number}:role/{role}")),
                name: role.to_string(),
            },
            None => crate::checks::account_resource(target),
        }
    }

    fn evaluate(&self, target: &Target) -> Verdict {
        role_trust(&self.principals.value.0, target)
    }
}

fn role_trust(principals: &[String], target: &Target) -> Verdict {
    let Some(bitmovin) = &target.bitmovin else {
        return Verdict::skip(
            "applies only to a target read from Bitmovin's API (collect --from-bitmovin)",
        );
    };
    let account = &bitmovin.account;
    let Some(role) = bitmovin_role(target) else {
        return Verdict::skip("the account uses an access key, not a role");
    };
    let role = visible(role);
    let statements = match evidence(target.aws.role.as_ref()) {
        Evidence::Missing => return Verdict::unknown(not_collected(KEY)),
        Evidence::Failed(error) if error.code == "NoSuchEntity" => {
            return Verdict::fail(format!(
                "role {role} does not exist in the account: Bitmovin cannot assume it ({})",
                call_failed(KEY, error)
            ));
        }
        Evidence::Failed(error) => return Verdict::unknown(call_failed(KEY, error)),
        Evidence::Present(_) if let Some(why) = role_read_elsewhere(target) => {
            return Verdict::unknown(why);
        }
        Evidence::Present(answer) => {
            match answer
                .role
                .as_ref()
                .and_then(|r| r.assume_role_policy_document.as_ref())
            {
                Some(policy) => &policy.statements,
                None => {
                    return Verdict::unknown(format!(
                        "{KEY} answered without the role's AssumeRolePolicyDocument"
                    ));
                }
            }
        }
    };
    let Some(external_id) = account.external_id.as_deref().filter(|id| !id.is_empty()) else {
        return Verdict::unknown(format!(
            "Bitmovin's AwsAccount names role {role} but no externalId, so the trust policy's sts:ExternalId condition cannot be compared"
        ));
    };
    judge(statements, &role, external_id, principals)
}

/// What a statement asks of `sts:ExternalId`.
#[derive(Debug, PartialEq)]
enum Requires {
    /// No condition on it that a request without it would fail.
    Nothing,
    /// Conditions on it that accept the configured id.
    Accepted,
    /// A condition on it that refuses the configured id (its values).
    Refused(Vec<String>),
}

fn external_id_requirement(conditions: &[&Condition], external_id: &str) -> Requires {
    let mut requires = Requires::Nothing;
    for condition in conditions {
        // ForAnyValue fails a request without the key, as the plain test
        // does; "…IfExists" and ForAllValues pass it, and a negated or
        // Null test does not require the value.
        let operator = condition.operator.as_str();
        let operator = operator.strip_prefix("ForAnyValue:").unwrap_or(operator);
        let accepts = match operator {
            "StringEquals" => condition.values.iter().any(|v| v == external_id),
            "StringEqualsIgnoreCase" => condition
                .values
                .iter()
                .any(|v| v.eq_ignore_ascii_case(external_id)),
            "StringLike" => condition
                .values
                .iter()
                .any(|v| glob::matches(v, external_id, false)),
            _ => continue,
        };
        if !accepts {
            return Requires::Refused(condition.values.clone());
        }
        requires = Requires::Accepted;
    }
    requires
}

fn allows_assume_role(statement: &TrustStatement) -> bool {
    let named = statement
        .actions
        .iter()
        .any(|pattern| glob::matches(pattern, ASSUME_ROLE, true));
    named != statement.not_action
}

/// Whether the statement's principals take in Bitmovin's: any AWS principal
/// when they are not known.
fn covers_bitmovin(statement: &TrustStatement, bitmovin: &[String]) -> bool {
    if statement.not_principal || statement.principals.anyone() {
        return true;
    }
    let mut named = statement.principals.aws().peekable();
    if bitmovin.is_empty() {
        return named.peek().is_some();
    }
    named.any(|name| {
        bitmovin
            .iter()
            .any(|b| b == name || account_of(b) == account_of(name) && is_account(name))
    })
}

/// The account of a principal written as an id or an ARN.
fn account_of(principal: &str) -> &str {
    match principal.split(':').nth(4) {
        Some(account) if principal.starts_with("arn:") => account,
        _ => principal,
    }
}

/// A principal that stands for a whole account (its id or its root).
fn is_account(principal: &str) -> bool {
    !principal.starts_with("arn:") || principal.ends_with(":root")
}

fn judge(
    statements: &[TrustStatement],
    role: &str,
    external_id: &str,
    bitmovin: &[String],
) -> Verdict {
    let shown_id = visible(external_id);
    let mut accepted = Vec::new();
    let mut refused = Vec::new();
    let mut open = Vec::new();
    let mut unevaluated = Vec::new();
    for statement in statements.iter().filter(|s| allows_assume_role(s)) {
        let (on_id, others): (Vec<&Condition>, Vec<&Condition>) = statement
            .conditions
            .iter()
            .partition(|c| c.key.eq_ignore_ascii_case(EXTERNAL_ID));
        let requires = external_id_requirement(&on_id, external_id);
        let label = label(statement);
        match statement.effect {
            Effect::Deny if covers_bitmovin(statement, bitmovin) => {
                // A Deny with NotPrincipal may spare Bitmovin's principal.
                if statement.conditions.is_empty() && !statement.not_principal {
                    return Verdict::fail(format!(
                        "statement {label} of role {role}'s trust policy denies sts:AssumeRole to Bitmovin's principal without a condition"
                    ));
                }
                unevaluated.push(format!("the Deny of statement {label}"));
            }
            Effect::Deny => {}
            Effect::Allow => {
                if statement.principals.anyone() && requires == Requires::Nothing {
                    return Verdict::fail(format!(
                        "statement {label} of role {role}'s trust policy lets any AWS principal (*) assume the role without an sts:ExternalId condition"
                    ));
                }
                if !covers_bitmovin(statement, bitmovin) {
                    continue;
                }
                match requires {
                    Requires::Accepted if others.is_empty() => accepted.push(statement),
                    Requires::Accepted => unevaluated.push(format!(
                        "the conditions on {} of statement {label}",
                        others
                            .iter()
                            .map(|c| visible(&c.key).into_owned())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                    Requires::Refused(values) => refused.push(values),
                    Requires::Nothing => open.push(label),
                }
            }
        }
    }
    let whom = if bitmovin.is_empty() {
        "an AWS principal".to_string()
    } else {
        bitmovin.join(", ")
    };
    if let Some(label) = open.first() {
        return Verdict::fail(format!(
            "statement {label} of role {role}'s trust policy lets {whom} assume the role without the sts:ExternalId condition; require externalId {shown_id}"
        ));
    }
    if accepted.is_empty() {
        if !unevaluated.is_empty() {
            return Verdict::unknown(format!(
                "role {role}'s trust policy lets {whom} assume it with externalId {shown_id} only under conditions not evaluated offline: {}",
                unevaluated.join("; ")
            ));
        }
        if !refused.is_empty() {
            let values: Vec<String> = refused
                .concat()
                .iter()
                .map(|v| visible(v).into_owned())
                .collect();
            return Verdict::fail(format!(
                "role {role}'s trust policy requires sts:ExternalId {}, but Bitmovin's AwsAccount has externalId {shown_id}: Bitmovin's sts:AssumeRole is refused",
                values.join(" or ")
            ));
        }
        return Verdict::fail(format!(
            "no statement of role {role}'s trust policy allows sts:AssumeRole to {whom}"
        ));
    }
    if !unevaluated.is_empty() {
        return Verdict::unknown(format!(
            "role {role}'s trust policy lets {whom} assume it with externalId {shown_id}, but {} not evaluated offline",
            unevaluated.join("; ")
        ));
    }
    let trusted: Vec<String> = accepted
        .iter()
        .flat_map(|s| s.principals.aws())
        .map(|p| visible(p).into_owned())
        .collect();
    let mut detail = format!(
        "role {role} trusts {} to assume it only with sts:ExternalId {shown_id}",
        if trusted.is_empty() {
            "its principals".to_string()
        } else {
            trusted.join(", ")
        }
    );
    if bitmovin.is_empty() {
        detail.push_str(
            "; not checked: that these are the principal Bitmovin assumes from (the guide names none; list it under [principals] bitmovin_role_assumers in rules/shared.toml)",
        );
    }
    Verdict::pass(detail)
}

/// A statement named by its Sid, or by its place.
fn label(statement: &TrustStatement) -> String {
    match &statement.sid {
        Some(sid) if !sid.is_empty() => visible(sid).into_owned(),
        _ => "(no Sid)".to_string(),
    }
}
