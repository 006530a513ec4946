//! Service quotas against the guide's formulas.

use super::{Verdict, call_failed, not_collected, number};
use crate::findings::FixData;
use crate::rules::check::QuotaAtLeast;
use crate::snapshot::Target;
use crate::snapshot::aws::{Evidence, ServiceQuota, evidence_for};

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
        Evidence::Present(ServiceQuota { quota: Some(q), .. }) if q.value.is_some() => {
            return Ok((q.value.unwrap_or_default(), "applied"));
        }
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
        Evidence::Present(ServiceQuota { quota: Some(q), .. }) if q.value.is_some() => {
            Ok((q.value.unwrap_or_default(), "AWS default"))
        }
        Evidence::Failed(e) => Err(format!(
            "no applied value, and {} for {key}",
            call_failed(default_key, e)
        )),
        _ => Err(format!(
            "no applied value ({NO_APPLIED_VALUE}), and {default_key} gives no value for {key}"
        )),
    }
}

pub fn at_least(check: &QuotaAtLeast, target: &Target) -> Verdict {
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
    let have = format!("{} is {} ({source})", check.name, number(value));
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
    verdict
        .with("service_code", check.service_code().to_string())
        .with("quota_code", check.quota_code().to_string())
        .with("required", number(required))
        .with("recommended", number(recommended))
        .with_fix(FixData::Quota {
            service_code: check.service_code().to_string(),
            quota_code: check.quota_code().to_string(),
            value: recommended,
        })
}
