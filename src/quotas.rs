//! `ccaudit quotas`: the guide's quota table with the numbers computed for a
//! given sizing, from the quota rules themselves (one source of truth).

use serde::Serialize;

use crate::checks::formula::Sizing;
use crate::checks::verdict::number;
use crate::rules::{Check, RuleSet};
use crate::version::EncoderVersion;

#[derive(Debug, Clone, Serialize)]
pub struct QuotaLine {
    pub rule: String,
    pub quota_name: String,
    pub service_code: String,
    pub quota_code: String,
    pub formula: String,
    pub required: f64,
    /// The guide's advice: request this much to leave room to ramp up.
    pub recommended: f64,
    /// False when the quota does not matter for this encoder version.
    pub applies: bool,
    pub note: Option<String>,
}

/// The sizing `ccaudit quotas` is asked about.
pub struct Asked {
    pub max_encodings: u32,
    pub instances_per_encoding: u32,
    /// vCPUs of the largest machine type; the rules' shared 8 when not given.
    pub vcpus_per_instance: Option<u32>,
    pub max_instances: Option<u32>,
}

pub fn quota_table(rules: &RuleSet, asked: &Asked, encoder: &EncoderVersion) -> Vec<QuotaLine> {
    rules
        .rules
        .iter()
        .filter_map(|rule| {
            let Check::QuotaAtLeast(check) = &rule.check else {
                return None;
            };
            let formula = check.parsed.as_ref()?;
            let required = formula.eval(&Sizing {
                max_encodings: f64::from(asked.max_encodings),
                instances_per_encoding: f64::from(asked.instances_per_encoding),
                vcpus_per_instance: asked
                    .vcpus_per_instance
                    .map_or(check.default_vcpus, f64::from),
                max_instances: asked.max_instances.map_or(f64::INFINITY, f64::from),
            });
            let min = rule.applies.encoder_at_least.as_ref();
            let applies = min.is_none_or(|min| encoder.at_least(min));
            Some(QuotaLine {
                rule: rule.id.clone(),
                quota_name: check.name.clone(),
                service_code: check.service_code().to_string(),
                quota_code: check.quota_code().to_string(),
                formula: formula.text.clone(),
                required,
                recommended: (required * check.margin.value).ceil(),
                applies,
                note: min.map(|m| format!("encoder {m} or newer, STABLE and BETA")),
            })
        })
        .collect()
}

pub fn render_table(lines: &[QuotaLine], width: Option<u16>) -> String {
    let mut table = crate::report::grid::Grid::new([
        "quota",
        "code",
        "formula",
        "required",
        "request (×2)",
        "applies",
    ]);
    for line in lines {
        table.row([
            line.quota_name.clone(),
            format!("{}/{}", line.service_code, line.quota_code),
            line.formula.clone(),
            number(line.required),
            number(line.recommended),
            match (&line.note, line.applies) {
                (None, _) => "yes".to_string(),
                (Some(note), true) => format!("yes ({note})"),
                (Some(note), false) => format!("no (only {note})"),
            },
        ]);
    }
    format!("{}\n", crate::report::table::draw(&table, width))
}
