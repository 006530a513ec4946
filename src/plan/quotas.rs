//! The plan's service quotas (`aws_servicequotas_service_quota`), as
//! Service Quotas would answer once applied. A quota the plan creates or
//! changes is an increase request AWS grants later, or not (the provider
//! does not wait by default), so it is no evidence; nor is one whose
//! earlier request is still open, as the provider then shows the value
//! requested. What remains, a quota the plan leaves alone, holds the value
//! the provider read from AWS.

use serde_json::{Map, Value, json};

use super::resources::{Plan, Resource};

const QUOTA: &str = "aws_servicequotas_service_quota";

/// The plan's quotas in `region`: `servicequotas:GetServiceQuota` (by
/// `service/QuotaCode`) for those it shows as applied, `None` when there
/// are none; and every quota resource by its key, judged or not, for the
/// findings to point at.
pub fn describe<'p>(
    plan: &'p Plan,
    region: &str,
    group: &Resource,
) -> (Option<Value>, Vec<(String, &'p Resource)>) {
    let mut out = Map::new();
    let mut resources = Vec::new();
    for quota in plan
        .resources
        .iter()
        .filter(|r| r.kind == QUOTA && !r.destroyed && plan.in_region(r, region, group))
    {
        let text = |attribute: &str| quota.known(attribute).and_then(Value::as_str);
        let (Some(service), Some(code)) = (text("service_code"), text("quota_code")) else {
            continue;
        };
        let key = format!("{service}/{code}");
        resources.push((key.clone(), quota));
        // A request AWS answers later, or one still open, is no value.
        let pending = matches!(text("request_status"), Some("PENDING" | "CASE_OPENED"));
        if !quota.unchanged() || pending {
            continue;
        }
        let Some(value) = quota.known("value").and_then(Value::as_f64) else {
            continue;
        };
        let mut described = json!({ "Value": value });
        if let Some(name) = text("quota_name") {
            described["QuotaName"] = json!(name);
        }
        out.insert(key, json!({ "Quota": described }));
    }
    ((!out.is_empty()).then_some(Value::Object(out)), resources)
}
