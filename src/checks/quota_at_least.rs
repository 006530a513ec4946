//! `quota-at-least`: a service quota is at least a formula of the setup's
//! sizing (the guide's formulas).

use serde::Deserialize;
use toml::Spanned;

use crate::checks::Reads;
use crate::checks::formula::Formula;
use crate::checks::shared::{Shared, SharedValues};
use crate::checks::verdict::{Verdict, call_failed, not_collected, number};
use crate::checks::{CheckType, ParamError};
use crate::findings::{FixData, Outcome, Resource};
use crate::snapshot::Target;
use crate::snapshot::aws::{Evidence, Quota, ServiceQuota, evidence_for};
use crate::template::Placeholder;

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

impl CheckType for QuotaAtLeast {
    fn how_judged(&self) -> &'static str {
        "Compares the applied quota with the formula: the setup's sizing, or a fixed floor. The AWS default stands in only when Service Quotas answered NoSuchResourceException (no applied value); an applied value that was not collected, or a failed call, is unknown: an applied value can be lower than the default."
    }

    fn prepare(&mut self, shared: &SharedValues) -> Result<(), ParamError> {
        self.margin
            .resolve(shared)
            .map_err(ParamError::at(&self.margin.span))?;
        let span = self.formula.span();
        // +1: the formula text starts after the opening quote.
        let parsed =
            Formula::parse(self.formula.get_ref(), &shared.numbers).map_err(|e| ParamError {
                span: Some(span.start + 1 + e.offset..span.end),
                message: e.message,
            })?;
        self.parsed = Some(parsed);
        let valid = self
            .quota
            .split_once('/')
            .is_some_and(|(s, q)| !s.is_empty() && !q.is_empty());
        if !valid {
            return Err(ParamError::check(format!(
                "quota `{}` must be written `service/QuotaCode`",
                self.quota
            )));
        }
        if self.margin.value < 1.0 {
            return Err(ParamError::check(format!(
                "margin {} must be at least 1",
                self.margin.value
            )));
        }
        Ok(())
    }

    fn evidence_key(&self) -> Option<&'static str> {
        Some("servicequotas:GetServiceQuota")
    }

    fn reads(&self, key: &str, name: Option<&str>) -> Reads {
        // A quota's entry of the key by name: only this rule's quota.
        if key == "servicequotas:GetServiceQuota" && name.is_none_or(|n| n == self.quota) {
            Reads::Decides
        } else {
            Reads::Ignores
        }
    }

    fn placeholders(&self) -> &'static [Placeholder] {
        &[
            Placeholder::ServiceCode,
            Placeholder::QuotaCode,
            Placeholder::Required,
            Placeholder::Recommended,
        ]
    }

    fn resource(&self, _target: &Target) -> Resource {
        Resource::Quota {
            service_code: self.service_code().to_string(),
            quota_code: self.quota_code().to_string(),
        }
    }

    fn evaluate(&self, target: &Target) -> Verdict {
        at_least(self, target)
    }
}

fn at_least(check: &QuotaAtLeast, target: &Target) -> Verdict {
    let setup = &target.setup;
    let Some(formula) = &check.parsed else {
        return Verdict::unknown("the rule's formula was not parsed");
    };
    let (value, source) = match quota_value(check, target) {
        Ok(found) => found,
        Err(why) => return Verdict::unknown(why),
    };
    let encodings = setup.max_encodings.unwrap_or(1);
    let required = formula.eval(
        f64::from(encodings),
        f64::from(setup.instances_per_encoding),
    );
    let recommended = (required * check.margin.value).ceil();
    let have = format!("{} is {} ({source})", check.name, number(value));
    if !formula.uses_sizing() {
        return at_least_floor(check, &have, value, required, recommended);
    }
    let sizing = match setup.max_encodings {
        Some(n) => format!(
            "{n} parallel encodings × {} instances",
            setup.instances_per_encoding
        ),
        None => format!(
            "a single encoding × {} instances",
            setup.instances_per_encoding
        ),
    };
    let verdict = if value + 1e-9 < required {
        Verdict::fail(format!(
            "{have}, below the {} needed for {sizing} ({}); request {} (the guide's ×{} margin)",
            number(required),
            formula.text,
            number(recommended),
            number(check.margin.value)
        ))
    } else if setup.max_encodings.is_none() {
        Verdict::skip(format!(
            "{have}, enough for one encoding; set setup.max_encodings to size it for your parallel encodings"
        ))
    } else if value < recommended {
        Verdict::pass(format!(
            "{have}, enough for {sizing} ({} needed); the guide suggests {} to leave room to ramp up",
            number(required),
            number(recommended)
        ))
    } else {
        Verdict::pass(format!(
            "{have}, at least the {} needed for {sizing}",
            number(required)
        ))
    };
    with_quota_values(verdict, check, required, recommended)
}

/// The placeholders and fix data of a failing quota verdict: the engine
/// fills texts only for a problem, and these verdicts are a problem only
/// when they fail, so a pass or skip is spared building them.
fn with_quota_values(
    verdict: Verdict,
    check: &QuotaAtLeast,
    required: f64,
    recommended: f64,
) -> Verdict {
    if verdict.outcome != Outcome::Fail {
        return verdict;
    }
    verdict
        .with(Placeholder::ServiceCode, check.service_code().to_string())
        .with(Placeholder::QuotaCode, check.quota_code().to_string())
        .with(Placeholder::Required, number(required))
        .with(Placeholder::Recommended, number(recommended))
        .with_fix(FixData::Quota {
            service_code: check.service_code().to_string(),
            quota_code: check.quota_code().to_string(),
            value: recommended,
        })
}

/// Service Quotas' answer when a quota has no applied value.
const NO_APPLIED_VALUE: &str = "NoSuchResourceException";

/// The quota's value and where it came from, or why it is not known. The
/// AWS default stands in only where AWS answered that the account has no
/// applied value: an applied value can be lower than the default.
fn quota_value(check: &QuotaAtLeast, target: &Target) -> Result<(f64, &'static str), String> {
    let key = &check.quota;
    let applied_key = "servicequotas:GetServiceQuota";
    let default_key = "servicequotas:GetAWSDefaultServiceQuota";
    // A whole-key error record is never "no applied value": no quota was read.
    if let Some(error) = target.aws.service_quotas.as_ref().and_then(|q| q.failed()) {
        return Err(format!("{} for {key}", call_failed(applied_key, error)));
    }
    match evidence_for(target.aws.service_quotas.as_ref(), key) {
        Evidence::Present(ServiceQuota {
            quota: Some(Quota {
                value: Some(value), ..
            }),
            ..
        }) => return Ok((*value, "applied")),
        Evidence::Present(_) => {
            return Err(format!("{applied_key} for {key} answered without a Value"));
        }
        Evidence::Failed(e) if e.code != NO_APPLIED_VALUE => {
            return Err(format!("{} for {key}", call_failed(applied_key, e)));
        }
        Evidence::Missing => {
            return Err(format!(
                "{} for {key}: the account's applied value is not known, and the AWS default cannot stand in for it",
                not_collected(applied_key)
            ));
        }
        Evidence::Failed(_) => {}
    }
    // AWS said there is no applied value: the account runs with the default.
    match evidence_for(target.aws.default_service_quotas.as_ref(), key) {
        Evidence::Present(ServiceQuota {
            quota: Some(Quota {
                value: Some(value), ..
            }),
            ..
        }) => Ok((*value, "AWS default")),
        Evidence::Failed(e) => Err(format!(
            "no applied value, and {} for {key}",
            call_failed(default_key, e)
        )),
        _ => Err(format!(
            "no applied value ({NO_APPLIED_VALUE}), and {default_key} gives no value for {key}"
        )),
    }
}

/// A quota against a fixed floor (a formula without the setup's sizing,
/// e.g. the guide's recommended 20,000 spot vCPUs).
fn at_least_floor(
    check: &QuotaAtLeast,
    have: &str,
    value: f64,
    floor: f64,
    recommended: f64,
) -> Verdict {
    let verdict = if value + 1e-9 < floor {
        Verdict::fail(format!(
            "{have}, below the floor of {}; request {}",
            number(floor),
            number(recommended)
        ))
    } else if value < recommended {
        Verdict::pass(format!(
            "{have}, at least the floor of {} ({} is the rule's suggestion)",
            number(floor),
            number(recommended)
        ))
    } else {
        Verdict::pass(format!("{have}, at least the floor of {}", number(floor)))
    };
    with_quota_values(verdict, check, floor, recommended)
}
