//! `quota-at-least`: a service quota is at least a formula of the setup's
//! sizing (the guide's formulas).

use serde::Deserialize;
use toml::Spanned;

use crate::checks::Reads;
use crate::checks::formula::{Formula, Sizing};
use crate::checks::shared::{Shared, SharedValues};
use crate::checks::verdict::{Verdict, call_failed, not_collected, number};
use crate::checks::{CheckType, ParamError};
use crate::findings::{FixData, Outcome, Resource};
use crate::output::visible;
use crate::snapshot::Target;
use crate::snapshot::aws::{Evidence, Paged, Quota, ServiceQuota, evidence, evidence_for};
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
    /// The shared `vcpus_per_instance` (the guide's 8): the vCPUs of an
    /// instance when the setup names no machine types.
    #[serde(skip)]
    pub default_vcpus: f64,
}

/// The shared number a formula's `vcpus_per_instance` falls back to.
const VCPUS: &str = "vcpus_per_instance";
const INSTANCE_TYPES_KEY: &str = "ec2:DescribeInstanceTypes";

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
        if parsed.uses(VCPUS) {
            self.default_vcpus = *shared.numbers.get(VCPUS).ok_or_else(|| {
                ParamError::check(format!(
                    "the formula uses {VCPUS}, but [numbers] in rules/shared.toml does not set it (the guide's 8)"
                ))
            })?;
        }
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
        let quota = key == "servicequotas:GetServiceQuota" && name.is_none_or(|n| n == self.quota);
        // The machine types' vCPUs, for a formula that counts vCPUs.
        let vcpus =
            key == INSTANCE_TYPES_KEY && self.parsed.as_ref().is_some_and(|f| f.uses(VCPUS));
        if quota || vcpus {
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
    let machines = if formula.uses(VCPUS) {
        match machine_vcpus(target) {
            Ok(found) => found,
            Err(why) => return Verdict::unknown(why),
        }
    } else {
        None
    };
    let encodings = setup.max_encodings.unwrap_or(1);
    let sizing = Sizing {
        max_encodings: f64::from(encodings),
        instances_per_encoding: f64::from(setup.instances_per_encoding),
        vcpus_per_instance: machines
            .as_ref()
            .map_or(check.default_vcpus, |m| f64::from(m.vcpus)),
        // A cap of 0 caps nothing (no instance could run): no cap.
        max_instances: setup
            .max_instances
            .filter(|&n| n > 0)
            .map_or(f64::INFINITY, f64::from),
    };
    let required = formula.eval(&sizing);
    let recommended = (required * check.margin.value).ceil();
    let have = format!("{} is {} ({source})", check.name, number(value));
    if !formula.uses_sizing() {
        return at_least_floor(check, &have, value, required, recommended);
    }
    let sizing = sizing_text(setup, formula, machines.as_ref());
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

/// The largest of the setup's machine types: Bitmovin may start any of
/// them, so each instance may need that many vCPUs.
#[derive(Debug)]
struct Machines {
    vcpus: u32,
    largest: String,
}

/// The vCPUs per instance the setup's machine types call for; `None` when
/// it names none (the guide's 8 then), or why they are not known.
fn machine_vcpus(target: &Target) -> Result<Option<Machines>, String> {
    let types = &target.setup.machine_types;
    if types.is_empty() {
        return Ok(None);
    }
    let named = || {
        let shown: Vec<String> = types.iter().map(|t| visible(t).into_owned()).collect();
        shown.join(", ")
    };
    let unseen = match evidence(target.aws.instance_types.as_ref()) {
        Evidence::Present(answer) => Ok(answer),
        Evidence::Failed(e) => Err(call_failed(INSTANCE_TYPES_KEY, e)),
        Evidence::Missing => Err(not_collected(INSTANCE_TYPES_KEY)),
    };
    let answer = unseen.map_err(|why| {
        format!(
            "the machine types ({}) size the instances, but their vCPUs are not known: {why}",
            named()
        )
    })?;
    let described = answer.instance_types.as_deref().unwrap_or_default();
    let mut largest: Option<Machines> = None;
    for wanted in types {
        let vcpus = described
            .iter()
            .find(|t| t.instance_type == *wanted)
            .and_then(|t| t.vcpu_info.as_ref())
            .and_then(|v| v.default_v_cpus)
            // No instance type has no vCPU: such an answer sizes nothing.
            .filter(|&n| n > 0);
        let Some(vcpus) = vcpus else {
            let more = if answer.truncated() {
                " (the answer is only a first page)"
            } else {
                ""
            };
            return Err(format!(
                "{INSTANCE_TYPES_KEY} gives no vCPUs for machine type {}{more}",
                visible(wanted)
            ));
        };
        if largest.as_ref().is_none_or(|m| vcpus > m.vcpus) {
            largest = Some(Machines {
                vcpus,
                largest: wanted.clone(),
            });
        }
    }
    Ok(largest)
}

/// "10 parallel encodings × 60 instances, capped at 200 instances, each up
/// to c5.4xlarge's 16 vCPUs": what the need was computed for.
fn sizing_text(
    setup: &crate::snapshot::Setup,
    formula: &Formula,
    machines: Option<&Machines>,
) -> String {
    let mut text = match setup.max_encodings {
        Some(n) => format!(
            "{n} parallel encodings × {} instances",
            setup.instances_per_encoding
        ),
        None => format!(
            "a single encoding × {} instances",
            setup.instances_per_encoding
        ),
    };
    let cap = setup.max_instances.filter(|&n| n > 0);
    if let Some(cap) = cap.filter(|_| formula.uses("max_instances")) {
        text.push_str(&format!(", capped at {cap} instances"));
    }
    if let Some(m) = machines {
        text.push_str(&format!(
            ", each up to {}'s {} vCPUs",
            visible(&m.largest),
            m.vcpus
        ));
    }
    text
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
