//! OCSF for data lakes and SIEMs: a JSON array of Compliance Finding events
//! (class 2003, OCSF 1.5.0 with the cloud profile), one per finding, the
//! shape Prowler and many data lakes read. Written a target at a time.
//!
//! | ccaudit | OCSF |
//! | --- | --- |
//! | outcome pass / fail / unknown / skip | `compliance.status_id` Pass (1) / Fail (3) / Unknown (0) / Other (99), `status_code` PASS / FAIL / UNKNOWN / SKIP |
//! | severity critical … info | `severity_id` Critical (5) … Informational (1) |
//! | muted | `status_id` Suppressed (3), else New (1) |
//! | rule id, title, detail | `compliance.control` and `metadata.event_code`, `finding_info.title` and `message`, `finding_info.desc` and `status_detail` |
//! | fix and its command | `remediation.desc` |
//! | resource | `resources[0]`: its ARN where one can be built as `uid` |
//! | target, account, region | `unmapped.target`, `cloud.account.uid`, `cloud.region` |

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::findings::{Finding, Outcome, Resource, Severity, TargetReport};
use crate::output::write_json_at;

/// The OCSF version the events follow.
pub const VERSION: &str = "1.5.0";

const COMPLIANCE_FINDING: u32 = 2003;
const ACTIVITY_CREATE: u32 = 1;

/// Everything before the first event.
pub fn head(out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"[")
}

/// One target's events; `first` for the first target, whose first event
/// opens the array (every target has a finding per rule run).
pub fn target(
    target: &TargetReport<'_>,
    first: bool,
    time_ms: u64,
    out: &mut dyn Write,
) -> io::Result<()> {
    for (i, finding) in target.findings.iter().enumerate() {
        out.write_all(if first && i == 0 { b"\n  " } else { b",\n  " })?;
        write_json_at(out, &event(target, finding, time_ms), 1)?;
    }
    Ok(())
}

/// Everything after the last event, ending with a line break.
pub fn tail(targets: usize, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(if targets == 0 { b"]\n" } else { b"\n]\n" })
}

/// One finding as a Compliance Finding event.
fn event(target: &TargetReport<'_>, f: &Finding<'_>, time_ms: u64) -> Value {
    let account = target.account_id.as_deref().unwrap_or("");
    let uid = format!("ccaudit/{}/{}/{}", target.name, f.rule, account);
    let (compliance_status, status_code) = match f.outcome {
        Outcome::Pass => (1, "PASS"),
        Outcome::Fail => (3, "FAIL"),
        Outcome::Unknown => (0, "UNKNOWN"),
        Outcome::Skip => (99, "SKIP"),
    };
    let (status_id, status) = if f.muted.is_some() {
        (3, "Suppressed")
    } else {
        (1, "New")
    };
    let (severity_id, severity) = match f.severity {
        Severity::Critical => (5, "Critical"),
        Severity::High => (4, "High"),
        Severity::Medium => (3, "Medium"),
        Severity::Low => (2, "Low"),
        Severity::Info => (1, "Informational"),
    };
    let mut event = json!({
        "activity_id": ACTIVITY_CREATE,
        "activity_name": "Create",
        "category_uid": 2,
        "category_name": "Findings",
        "class_uid": COMPLIANCE_FINDING,
        "class_name": "Compliance Finding",
        "type_uid": COMPLIANCE_FINDING * 100 + ACTIVITY_CREATE,
        "type_name": "Compliance Finding: Create",
        "time": time_ms,
        "severity_id": severity_id,
        "severity": severity,
        "status_id": status_id,
        "status": status,
        "status_code": status_code,
        "status_detail": f.detail,
        "message": f.title,
        "metadata": {
            "version": VERSION,
            "product": {
                "name": "ccaudit",
                "vendor_name": "ccaudit",
                "version": env!("CARGO_PKG_VERSION"),
            },
            "profiles": ["cloud"],
            "event_code": f.rule,
        },
        "finding_info": {
            "uid": uid,
            "title": f.title,
            "desc": f.detail,
            "types": [f.stage.as_str()],
            "created_time": time_ms,
        },
        "compliance": {
            "control": f.rule,
            "standards": ["Bitmovin Cloud Connect for AWS"],
            "status_id": compliance_status,
        },
        "resources": [resource(target, f)],
        "cloud": cloud(target),
        "unmapped": unmapped(target, f),
    });
    if let Some(fix) = f.fix_with_command() {
        event["remediation"] = json!({ "desc": fix });
    }
    event
}

/// What the finding is about, as OCSF names a resource.
fn resource(target: &TargetReport<'_>, f: &Finding<'_>) -> Value {
    let account = target.account_id.as_deref().unwrap_or("");
    let arn = f.about.arn(&target.region, account);
    let kind = match &f.about {
        Resource::Account { .. } => "AWS::::Account",
        Resource::SecurityGroup { .. } => "AWS::EC2::SecurityGroup",
        Resource::DefaultVpc { .. } => "AWS::EC2::VPC",
        Resource::Subnet { .. } => "AWS::EC2::Subnet",
        Resource::Encoder { .. } => "Bitmovin::Encoding::EncoderVersion",
        Resource::IamPrincipal { arn, .. } => match arn.as_deref() {
            Some(arn) if arn.contains(":role/") => "AWS::IAM::Role",
            _ => "AWS::IAM::User",
        },
        Resource::Quota { .. } => "AWS::ServiceQuotas::ServiceQuota",
    };
    json!({
        "uid": arn.unwrap_or_else(|| f.resource.clone()),
        "name": f.resource,
        "type": kind,
        "region": target.region,
        "cloud_partition": crate::aws_format::partition(&target.region),
    })
}

/// The cloud profile: the AWS account and region of the target.
fn cloud(target: &TargetReport<'_>) -> Value {
    let mut cloud = json!({ "provider": "AWS", "region": target.region });
    if let Some(account) = &target.account_id {
        cloud["account"] = json!({
            "uid": account,
            "name": account,
            "type_id": 10,
            "type": "AWS Account",
        });
    }
    cloud
}

/// What OCSF has no attribute for: the target's name, the dashboard's
/// message or the symptom, and who accepted a muted problem until when.
fn unmapped(target: &TargetReport<'_>, f: &Finding<'_>) -> Value {
    let mut unmapped = json!({ "target": target.name, "outcome": f.outcome.as_str() });
    if let Some(error) = &f.documented_error {
        unmapped["documented_error"] = json!(error);
    }
    if let Some(symptom) = f.symptom {
        unmapped["symptom"] = json!(symptom);
    }
    if let Some(muted) = &f.muted {
        unmapped["muted"] = json!({
            "reason": muted.reason,
            "owner": muted.owner,
            "expires": muted.expires,
        });
    }
    unmapped
}

/// The report as OCSF events at once (the streamed writer's bytes).
pub fn write(report: &super::Report<'_>, time_ms: u64, out: &mut dyn Write) -> io::Result<()> {
    head(out)?;
    for (i, t) in report.targets.iter().enumerate() {
        target(t, i == 0, time_ms, out)?;
    }
    tail(report.targets.len(), out)
}

#[cfg(test)]
mod tests {
    use crate::report::Report;
    use crate::rules::RuleSet;
    use crate::snapshot::Snapshot;

    #[test]
    fn one_event_per_finding_in_a_json_array() {
        let rules = RuleSet::builtin().expect("rules");
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/scenarios/several-problems/snapshot.json");
        let snapshot = Snapshot::load(&path).expect("fixture");
        let report = Report::audit(&rules, &snapshot, &[]);
        let mut bytes = Vec::new();
        super::write(&report, 1_764_374_400_000, &mut bytes).expect("write");
        let events: Vec<serde_json::Value> = serde_json::from_slice(&bytes).expect("JSON array");
        let findings: usize = report.targets.iter().map(|t| t.findings.len()).sum();
        assert_eq!(events.len(), findings);
        let fail = events
            .iter()
            .find(|e| {
                e["status_code"] == "FAIL" && e["resources"][0]["type"] == "AWS::EC2::SecurityGroup"
            })
            .expect("a failing security group rule");
        assert_eq!(fail["class_uid"], 2003);
        assert_eq!(fail["type_uid"], 200301);
        assert_eq!(fail["compliance"]["status_id"], 3);
        assert_eq!(fail["resources"][0]["type"], "AWS::EC2::SecurityGroup");
        assert!(
            fail["resources"][0]["uid"]
                .as_str()
                .is_some_and(|uid| uid.starts_with("arn:aws:ec2:")),
            "{fail}"
        );
        assert!(
            fail["remediation"]["desc"]
                .as_str()
                .is_some_and(|d| d.contains("aws ec2"))
        );
        let mut empty = Vec::new();
        super::write(&Report::new(Vec::new()), 0, &mut empty).expect("write");
        assert_eq!(String::from_utf8(empty).expect("utf-8"), "[]\n");
    }
}
