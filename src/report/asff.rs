//! AWS Security Hub: findings in the AWS Security Finding Format (ASFF), a
//! JSON array to import with `BatchImportFindings` (100 per call; the
//! README has the recipe). Written a target at a time.
//!
//! - A failing or unknown finding is `RecordState` ACTIVE, with
//!   `Compliance.Status` FAILED or NOT_AVAILABLE (the check could not be
//!   made). A passing one is sent ARCHIVED and PASSED: imported under the
//!   same `Id`, it archives a failure the hub still shows once it is fixed.
//!   Skipped findings are not sent.
//! - `Id` is stable per account, region, target and rule (one finding per
//!   target and rule), so each night updates the same finding instead of
//!   adding one, whatever the evidence calls the resource.
//! - `ProductArn` is the account's own custom product
//!   (`product/ACCOUNT/default`), as for any finding a customer imports.
//!
//! Security Hub needs each finding's account: a target without a valid
//! account id stops the report with a clear error instead of guessing one.
//! A muted finding says so in `ProductFields` (`ccaudit/muted-*`).

use std::io::{self, Write};

use serde_json::{Value, json};

use crate::findings::{Finding, Outcome, Resource, Severity, TargetReport};
use crate::output::write_json_at;

/// ASFF's own limits on these fields, in characters.
const TITLE_MAX: usize = 256;
const DESCRIPTION_MAX: usize = 1024;
const RECOMMENDATION_MAX: usize = 512;
const ID_MAX: usize = 512;

/// Everything before the first finding.
pub fn head(out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"[")
}

/// The findings of `target` that are sent (skipped ones are not).
fn sent<'t, 'a>(target: &'t TargetReport<'a>) -> impl Iterator<Item = &'t Finding<'a>> {
    target
        .findings
        .iter()
        .filter(|f| f.outcome != Outcome::Skip)
}

/// Security Hub needs each finding's account: the target's, or why it
/// cannot be sent (none given, or not 12 digits). Never guessed.
pub fn account<'t>(target: &'t TargetReport<'_>) -> Result<&'t str, String> {
    match target.account_id.as_deref() {
        _ if sent(target).next().is_none() => Ok(""),
        Some(account) if crate::aws_format::Format::AccountId.accepts(account) => Ok(account),
        Some(account) => Err(format!(
            "target {}: its account id `{}` is not 12 digits, and Security Hub findings need the target's AWS account id",
            crate::output::visible(&target.name),
            crate::output::visible(account)
        )),
        None => Err(format!(
            "target {}: Security Hub findings need the target's AWS account id, and the snapshot gives none (collect with --account-id, or account_id in the inventory)",
            crate::output::visible(&target.name)
        )),
    }
}

/// One target's findings in `account` (see `account`), each after a `,`
/// (the run drops the one before the array's first finding: a target may
/// send none, every rule skipped).
pub fn target(
    target: &TargetReport<'_>,
    account: &str,
    time: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    for finding in sent(target) {
        out.write_all(b",\n  ")?;
        write_json_at(out, &asff(target, account, finding, time), 1)?;
    }
    Ok(())
}

/// A target's part as it goes into the array: without its leading `,`
/// when nothing was written before it.
pub fn joined(part: &[u8], first: bool) -> &[u8] {
    match part.split_first() {
        Some((b',', rest)) if first => rest,
        _ => part,
    }
}

/// Everything after the last finding, ending with a line break.
pub fn tail(any: bool, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(if any { b"\n]\n" } else { b"]\n" })
}

fn asff(target: &TargetReport<'_>, account: &str, f: &Finding<'_>, time: &str) -> Value {
    let region = &target.region;
    let (compliance, record) = match f.outcome {
        Outcome::Fail => ("FAILED", "ACTIVE"),
        Outcome::Unknown => ("NOT_AVAILABLE", "ACTIVE"),
        _ => ("PASSED", "ARCHIVED"),
    };
    let label = match f.severity {
        Severity::Critical => "CRITICAL",
        Severity::High => "HIGH",
        Severity::Medium => "MEDIUM",
        Severity::Low => "LOW",
        Severity::Info => "INFORMATIONAL",
    };
    let mut finding = json!({
        "SchemaVersion": "2018-10-08",
        // One finding per target and rule: the Id does not move when the
        // resource's label changes with the evidence.
        "Id": id(account, region, &target.name, f.rule),
        "ProductArn": format!(
            "arn:{}:securityhub:{region}:{account}:product/{account}/default",
            crate::aws_format::partition(region)
        ),
        "GeneratorId": format!("ccaudit/{}", f.rule),
        "AwsAccountId": account,
        "Region": region,
        "Types": ["Software and Configuration Checks/Industry and Regulatory Standards/Bitmovin Cloud Connect"],
        "CreatedAt": time,
        "UpdatedAt": time,
        "Severity": { "Label": label },
        "Title": cut(f.title, TITLE_MAX),
        "Description": cut(&f.detail, DESCRIPTION_MAX),
        "Resources": [resource(target, account, f)],
        "Compliance": { "Status": compliance },
        "RecordState": record,
        "ProductFields": {
            "ccaudit/target": cut(&target.name, 1024),
            "ccaudit/rule": f.rule,
            "ccaudit/outcome": f.outcome.as_str(),
        },
    });
    if let Some(muted) = &f.muted {
        // Accepted with ccaudit's suppressions: said, for the hub's users.
        let fields = &mut finding["ProductFields"];
        fields["ccaudit/muted-until"] = json!(muted.expires);
        fields["ccaudit/muted-by"] = json!(cut(&muted.owner, 1024));
        fields["ccaudit/muted-reason"] = json!(cut(&muted.reason, 1024));
    }
    if let Some(fix) = f.fix_with_command() {
        finding["Remediation"] =
            json!({ "Recommendation": { "Text": cut(&fix, RECOMMENDATION_MAX) } });
    }
    finding
}

/// The finding's Id: ASFF takes 512 characters at most, so a target name
/// too long for it is replaced by its FNV-1a hash (stable as the name is).
fn id(account: &str, region: &str, name: &str, rule: &str) -> String {
    let id = format!("ccaudit/{account}/{region}/{name}/{rule}");
    if id.chars().count() <= ID_MAX {
        return id;
    }
    let hash = crate::shard::fnv1a(name.as_bytes());
    format!("ccaudit/{account}/{region}/{hash:016x}/{rule}")
}

/// The resource as Security Hub types it; `Other` where it has no type.
fn resource(target: &TargetReport<'_>, account: &str, f: &Finding<'_>) -> Value {
    let kind = match &f.about {
        Resource::SecurityGroup { .. } => "AwsEc2SecurityGroup",
        Resource::Subnet { .. } => "AwsEc2Subnet",
        Resource::DefaultVpc { .. } => "AwsEc2Vpc",
        Resource::Account { .. } => "AwsAccount",
        Resource::IamPrincipal { arn: Some(arn), .. } if arn.contains(":role/") => "AwsIamRole",
        Resource::IamPrincipal { arn: Some(arn), .. } if arn.contains(":user/") => "AwsIamUser",
        Resource::IamPrincipal { .. } | Resource::Quota { .. } | Resource::Encoder { .. } => {
            "Other"
        }
    };
    let id = match &f.about {
        // Security Hub's own id for an account.
        Resource::Account { .. } => format!("AWS::::Account:{account}"),
        about => about
            .arn(&target.region, account)
            .unwrap_or_else(|| f.resource.clone()),
    };
    json!({
        "Type": kind,
        "Id": id,
        "Partition": crate::aws_format::partition(&target.region),
        "Region": target.region,
    })
}

/// `text` within `max` characters, an ellipsis saying it was cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut kept: String = text.chars().take(max - 1).collect();
    kept.push('…');
    kept
}

/// The report as ASFF at once (the streamed writer's bytes).
pub fn write(report: &super::Report<'_>, time: &str, out: &mut dyn Write) -> io::Result<()> {
    head(out)?;
    let mut any = false;
    for t in &report.targets {
        let account = self::account(t).map_err(io::Error::other)?;
        let mut part = Vec::new();
        target(t, account, time, &mut part)?;
        out.write_all(joined(&part, !any))?;
        any |= !part.is_empty();
    }
    tail(any, out)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for `millis` after the epoch.
pub fn time(millis: u64) -> String {
    let instant =
        aws_smithy_types::DateTime::from_millis(i64::try_from(millis).unwrap_or(i64::MAX));
    format!("{}.{:03}Z", crate::date::date_time(&instant), millis % 1000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_texts_are_cut_to_asffs_limits() {
        assert_eq!(cut("short", 10), "short");
        let cut_text = cut(&"é".repeat(600), RECOMMENDATION_MAX);
        assert_eq!(cut_text.chars().count(), RECOMMENDATION_MAX);
        assert!(cut_text.ends_with('…'));
        assert_eq!(time(1_764_374_400_123), "2025-11-29T00:00:00.123Z");
        let short = id("123456789012", "eu-west-1", "acme", "sg-id-valid");
        assert_eq!(short, "ccaudit/123456789012/eu-west-1/acme/sg-id-valid");
        let long = id("123456789012", "eu-west-1", &"n".repeat(600), "sg-id-valid");
        assert!(
            long.len() <= ID_MAX && long.ends_with("/sg-id-valid"),
            "{long}"
        );
        assert_eq!(
            long,
            id("123456789012", "eu-west-1", &"n".repeat(600), "sg-id-valid")
        );
        use crate::aws_format::partition;
        assert_eq!(partition("eu-central-1"), "aws");
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("us-gov-west-1"), "aws-us-gov");
    }
}
