//! SARIF 2.1.0 (typed structs from serde-sarif) for code-scanning tools:
//! one reporting descriptor per rule with its help text, each result
//! located in the snapshot by a JSON pointer and logically by its resource,
//! with fingerprints that stay the same from run to run.

use std::collections::BTreeMap;

use serde_json::json;
use serde_sarif::sarif::{
    ArtifactLocation, Location, LogicalLocation, Message, MultiformatMessageString,
    PhysicalLocation, ReportingConfiguration, ReportingDescriptor, Result as SarifResult,
    ResultKind, ResultLevel, Run, Sarif, Suppression, Tool, ToolComponent,
};

use super::Report;
use crate::findings::Severity;
use crate::findings::{Finding, Outcome, TargetReport};
use crate::rules::{Rule, RuleSet};

fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low | Severity::Info => ResultLevel::Note,
    }
}

fn descriptor(rule: &Rule) -> ReportingDescriptor {
    let mut help = format!("{}\n\nFix:\n{}", rule.why.trim(), rule.fix.trim());
    if let Some(command) = &rule.fix_command {
        help.push_str(&format!("\n\n{command}"));
    }
    let said = rule.documented_error.as_deref().or(rule.symptom.as_deref());
    let markdown = format!(
        "{}\n\n{}**Fix**\n\n{}\n\n{}References (Bitmovin's Cloud Connect AWS guide): {}",
        rule.why.trim(),
        said.map(|s| format!("**The dashboard says / symptom:** `{s}`\n\n"))
            .unwrap_or_default(),
        rule.fix.trim(),
        rule.fix_command
            .as_ref()
            .map(|c| format!("```sh\n{c}\n```\n\n"))
            .unwrap_or_default(),
        rule.references.join("; ")
    );
    ReportingDescriptor::builder()
        .id(rule.id.clone())
        .name(rule.id.clone())
        .short_description(
            MultiformatMessageString::builder()
                .text(rule.title.clone())
                .build(),
        )
        .full_description(
            MultiformatMessageString::builder()
                .text(rule.why.trim().to_string())
                .build(),
        )
        .help(
            MultiformatMessageString::builder()
                .text(help)
                .markdown(markdown)
                .build(),
        )
        .default_configuration(
            ReportingConfiguration::builder()
                .level(json!(level(rule.severity).to_string().to_lowercase()))
                .build(),
        )
        .properties(
            serde_sarif::sarif::PropertyBag::builder()
                .additional_properties(BTreeMap::from([
                    ("severity".to_string(), json!(rule.severity.as_str())),
                    ("stage".to_string(), json!(rule.stage.as_str())),
                    (
                        "tags".to_string(),
                        json!(["bitmovin-cloud-connect", rule.stage.as_str()]),
                    ),
                ]))
                .build(),
        )
        .build()
}

/// The snapshot's path as a URI reference: percent-encoded, `/`-separated.
fn uri_path(path: &str) -> String {
    use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
    const RESERVED: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'#')
        .add(b'%')
        .add(b'?')
        .add(b'"')
        .add(b'<')
        .add(b'>')
        .add(b'`');
    utf8_percent_encode(&path.replace('\\', "/"), RESERVED).to_string()
}

/// A JSON pointer (RFC 6901) as a URI fragment.
fn pointer(parts: &[&str]) -> String {
    let escaped: Vec<String> = parts
        .iter()
        .map(|p| p.replace('~', "~0").replace('/', "~1"))
        .collect();
    format!("/{}", escaped.join("/"))
}

/// The resource's ARN when it has one (a group, a subnet, a quota in the
/// target's region and account, the keys' owner); else target/label.
fn fully_qualified_name(f: &Finding<'_>, target: &TargetReport<'_>) -> String {
    f.about
        .arn(&target.region, target.account_id.as_deref().unwrap_or(""))
        .unwrap_or_else(|| format!("{}/{}", &target.name, f.resource))
}

fn result(
    f: &Finding<'_>,
    target_index: usize,
    target: &TargetReport<'_>,
    snapshot: &str,
    rule_index: Option<usize>,
) -> SarifResult {
    let mut text = format!("{}: {}", f.title, f.detail);
    if let Some(error) = &f.documented_error {
        text.push_str(&format!(" — the dashboard says: {error}"));
    }
    if let (Some(command), None) = (&f.fix_command, f.fix_caution) {
        text.push_str(&format!(" — fix: {command}"));
    }
    let index = target_index.to_string();
    let mut parts = vec!["targets", index.as_str()];
    if let Some(key) = f.evidence {
        parts.extend(["aws", key]);
    } else {
        parts.push("setup");
    }
    // A plan's resource points at its block in the Terraform code, so code
    // scanning annotates that line; else at the evidence in the snapshot.
    let (uri, line) = match f
        .terraform
        .as_ref()
        .and_then(|t| Some((t.file.as_ref()?, t.line?)))
    {
        Some((file, line)) => (uri_path(file), i64::from(line)),
        // Code-scanning viewers want a region; a snapshot is one JSON document.
        None => (format!("{}#{}", uri_path(snapshot), pointer(&parts)), 1),
    };
    let physical = PhysicalLocation::builder()
        .artifact_location(ArtifactLocation::builder().uri(uri).build())
        .region(
            serde_sarif::sarif::Region::builder()
                .start_line(line)
                .build(),
        )
        .build();
    let logical = LogicalLocation::builder()
        .name(
            f.terraform
                .as_ref()
                .map_or_else(|| f.resource.clone(), |t| t.address.clone()),
        )
        .fully_qualified_name(fully_qualified_name(f, target))
        .kind("resource".to_string())
        .build();
    let location = Location::builder()
        .physical_location(physical)
        .logical_locations(vec![logical])
        .build();
    // One finding per target and rule: stable even when the resource's
    // label changes with the evidence.
    let fingerprint = format!("{}|{}", &target.name, f.rule);
    // SARIF 3.27.10: a result that is not a failure has level "none".
    let (kind, result_level) = if f.outcome == Outcome::Fail {
        (ResultKind::Fail, level(f.severity))
    } else {
        (ResultKind::Open, ResultLevel::None)
    };
    let mut builder = SarifResult::builder()
        .rule_id(f.rule.to_string())
        .message(Message::builder().text(text).build())
        .level(result_level)
        .kind(kind)
        .locations(vec![location])
        .partial_fingerprints(BTreeMap::from([(
            "ccaudit/target-rule/v1".to_string(),
            fingerprint,
        )]));
    let suppressions = f.muted.as_ref().map(|m| {
        vec![
            Suppression::builder()
                .kind(json!("external"))
                .status(json!("accepted"))
                .justification(format!(
                    "{} (owner {}, until {})",
                    m.reason, m.owner, m.expires
                ))
                .build(),
        ]
    });
    let _ = &mut builder;
    let built = builder.build();
    SarifResult {
        rule_index: rule_index.map(|i| i as i64),
        suppressions,
        ..built
    }
}

/// The SARIF log, streamed into `out`.
pub fn write(
    report: &Report<'_>,
    rules: &RuleSet,
    snapshot: &str,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let descriptors: Vec<ReportingDescriptor> = rules.rules.iter().map(descriptor).collect();
    let index_of: BTreeMap<&str, usize> = rules
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.as_str(), i))
        .collect();
    let results: Vec<SarifResult> = report
        .targets
        .iter()
        .enumerate()
        .flat_map(|(i, t)| {
            let index_of = &index_of;
            t.findings
                .iter()
                .filter(|f| f.outcome.is_problem())
                .map(move |f| result(f, i, t, snapshot, index_of.get(f.rule).copied()))
        })
        .collect();
    let driver = ToolComponent::builder()
        .name("ccaudit".to_string())
        .version(env!("CARGO_PKG_VERSION").to_string())
        .information_uri(
            "https://bitmovin.com/docs/encoding/tutorials/using-bitmovin-cloud-connect-with-aws"
                .to_string(),
        )
        .rules(descriptors)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .build();
    let sarif = Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json".to_string())
        .version(json!("2.1.0"))
        .runs(vec![run])
        .build();
    crate::output::write_json(out, &sarif)
}
