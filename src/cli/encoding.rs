//! `ccaudit triage --encoding ID`: from the encoding id a customer gives to
//! the documented failure and, for Cloud Connect, the causes found in the
//! account and region it runs in.

use std::path::Path;
use std::process::ExitCode;

use serde_json::{Value, json};

use ccaudit::collect::TargetSpec;
use ccaudit::collect::bitmovin::{self as from_bitmovin, EncodingFacts};
use ccaudit::error::InputError;
use ccaudit::findings::Stage;
use ccaudit::output::{self, visible, write_json};
use ccaudit::rules::RuleSet;
use ccaudit::snapshot::{Snapshot, Target};
use ccaudit::triage;

use super::bitmovin::API;
use super::targets::{TargetArgs, runtime};

/// Where the evidence for the causes comes from.
pub enum Evidence<'a> {
    None,
    Snapshot(&'a Path),
    Live,
}

/// Triage the encoding `id`; exit 0 when its state is a documented failure
/// or symptom, 1 when not.
pub fn triage_encoding(
    id: &str,
    rules: &RuleSet,
    targets: &TargetArgs,
    evidence: Evidence<'_>,
    chosen: Option<&str>,
    json_out: bool,
) -> Result<ExitCode, InputError> {
    let path = from_bitmovin::encoding_path(id)
        .map_err(|why| InputError::new("<flags>", format!("--encoding: {why}")))?;
    let runtime = runtime()?;
    let client = targets.bitmovin_api.client()?;
    let accounts = targets.accounts()?;
    let facts = runtime
        .block_on(from_bitmovin::encoding(&client, &path, &accounts))
        .map_err(|e| {
            let hint = match e.failure {
                ccaudit::bitmovin::client::Failure::NotFound => format!(
                    " (no encoding `{}` for this key{})",
                    visible(id),
                    if targets.bitmovin_api.bitmovin_org_id.is_some() {
                        " and organisation"
                    } else {
                        "; with --bitmovin-org-id if it belongs to another organisation"
                    }
                ),
                _ => String::new(),
            };
            InputError::new(API, format!("{e}{hint}"))
        })?;
    // What the encoding says, read as a pasted message would be.
    let said: Vec<String> = messages(&facts);
    let mut diagnosis = triage::diagnose(rules, &said.join("\n"));
    if facts.encoding.status.as_deref() == Some("QUEUED") {
        diagnosis.symptom = Some(Stage::Queue);
    }
    let target = facts
        .cloud_connect
        .as_ref()
        .and_then(|c| c.target.as_ref().ok());
    let (mut snapshot, source) = match (&evidence, target) {
        // Evidence about other accounts is no evidence about this encoding,
        // unless a target was chosen.
        (Evidence::Snapshot(_), None) if chosen.is_none() => (None, None),
        (Evidence::Snapshot(path), _) => (
            Some(Snapshot::load(path)?),
            Some(path.display().to_string()),
        ),
        (Evidence::Live, Some(spec)) => {
            let collected = targets.collect_specs(&runtime, std::slice::from_ref(spec), rules);
            let bytes = collected.to_string().into_bytes();
            let snapshot = Snapshot::from_slice(Path::new("<collected>"), &bytes)?;
            (Some(snapshot), Some("live collection".to_string()))
        }
        _ => (None, None),
    };
    let name = match (&mut snapshot, &source) {
        (Some(snapshot), Some(source)) => {
            let infrastructure = facts
                .cloud_connect
                .as_ref()
                .map(|c| c.infrastructure_id.as_str());
            Some(weighed_target(
                snapshot,
                source,
                chosen,
                target,
                infrastructure,
            )?)
        }
        _ => None,
    };
    let result = triage::render::Triage::weighed(
        rules,
        diagnosis,
        snapshot.as_ref(),
        name.as_deref(),
        source,
    );
    if json_out {
        let mut value = triage::render::json(&result);
        if let Some(object) = value.as_object_mut() {
            object.insert("encoding".to_string(), about(&facts, &said));
        }
        output::write_with(None, |w| write_json(w, &value))?;
    } else {
        let text = format!(
            "{}\n{}",
            header(&facts, &said),
            triage::render::text(&result, rules)
        );
        output::write(None, &text)?;
    }
    Ok(if result.diagnosis.recognised() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The name of the snapshot's target to weigh: the one `--target` names;
/// else the one read from the encoding's Cloud Connect account (the same
/// infrastructure) in its region; else a typed-in target of its AWS account
/// and region. It judges the encoder version the encoding ran.
fn weighed_target(
    snapshot: &mut Snapshot,
    source: &str,
    chosen: Option<&str>,
    target: Option<&TargetSpec>,
    infrastructure: Option<&str>,
) -> Result<String, InputError> {
    let index = match (chosen, target) {
        (Some(name), _) => snapshot
            .targets
            .iter()
            .position(|t| t.name == name)
            .ok_or_else(|| InputError::new(source, format!("no target named `{name}`")))?,
        (None, Some(spec)) => {
            let from_it = |t: &Target| {
                t.setup.region == spec.setup.region
                    && t.bitmovin
                        .as_ref()
                        .is_some_and(|b| Some(b.account.id.as_str()) == infrastructure)
            };
            let typed_in = |t: &Target| {
                t.setup.region == spec.setup.region
                    && t.bitmovin.is_none()
                    && t.setup.account_id == spec.setup.account_id
            };
            let targets = &snapshot.targets;
            targets
                .iter()
                .position(from_it)
                .or_else(|| targets.iter().position(typed_in))
                .ok_or_else(|| {
                    InputError::new(
                        source,
                        format!(
                            "no target for account {} in {}: give --target NAME",
                            spec.setup.account_id.as_deref().unwrap_or("?"),
                            spec.setup.region
                        ),
                    )
                })?
        }
        // Evidence is read only with a target or a chosen name.
        (None, None) => {
            return Err(InputError::new(
                source,
                "the encoding has no target here: give --target NAME",
            ));
        }
    };
    let found = &mut snapshot.targets[index];
    if let Some(spec) = target {
        found.setup.encoder_version = spec.setup.encoder_version.clone();
    }
    Ok(found.name.clone())
}

/// The texts of the status's error and warning messages, and its error.
fn messages(facts: &EncodingFacts) -> Vec<String> {
    let task = &facts.task;
    task.messages
        .iter()
        .filter(|m| matches!(m.kind.as_deref(), Some("ERROR" | "WARNING")))
        .filter_map(|m| m.text.clone())
        .chain(task.error.as_ref().and_then(|e| e.text.clone()))
        .collect()
}

/// Where the encoding runs, in words.
fn place(facts: &EncodingFacts) -> String {
    let encoding = &facts.encoding;
    match &facts.cloud_connect {
        None if [&encoding.cloud_region, &encoding.selected_cloud_region]
            .iter()
            .any(|r| r.as_deref() == Some("EXTERNAL")) =>
        {
            "Runs on an external infrastructure (cloudRegion EXTERNAL), but Bitmovin names no infrastructure for it: its Cloud Connect account is unknown.".to_string()
        }
        None => format!(
            "Runs on Bitmovin's own cloud ({}): Cloud Connect is not involved, so there is no AWS account of yours to audit.",
            visible(
                encoding
                    .selected_cloud_region
                    .as_deref()
                    .or(encoding.cloud_region.as_deref())
                    .unwrap_or("region not given")
            )
        ),
        Some(cc) => match &cc.target {
            Ok(spec) => format!(
                "Runs on Cloud Connect: account {}, {} (infrastructure {}), security group {}, encoder {}.",
                spec.setup.account_id.as_deref().unwrap_or("?"),
                spec.setup.region,
                visible(&cc.infrastructure_id),
                visible(&spec.setup.group_label()),
                spec.setup.encoder_version
            ),
            Err(why) => format!(
                "Runs on Cloud Connect (infrastructure {}), but its account cannot be audited: {why}",
                visible(&cc.infrastructure_id)
            ),
        },
    }
}

fn header(facts: &EncodingFacts, said: &[String]) -> String {
    let encoding = &facts.encoding;
    let mut text = format!(
        "Encoding {}{}: {}{}\n{}\n",
        visible(&encoding.id),
        encoding
            .name
            .as_deref()
            .map(|n| format!(" (\"{}\")", visible(n)))
            .unwrap_or_default(),
        visible(encoding.status.as_deref().unwrap_or("status not given")),
        encoding
            .queued_at
            .as_deref()
            .filter(|_| encoding.status.as_deref() == Some("QUEUED"))
            .map(|at| format!(" since {}", visible(at)))
            .unwrap_or_default(),
        place(facts)
    );
    if !said.is_empty() {
        text.push_str("Messages:\n");
        for message in said {
            text.push_str(&format!("  {}\n", visible(message)));
        }
    }
    text
}

fn about(facts: &EncodingFacts, said: &[String]) -> Value {
    let encoding = &facts.encoding;
    json!({
        "id": encoding.id,
        "status": encoding.status,
        "cloud_connect": facts.cloud_connect.is_some(),
        "target": facts.cloud_connect.as_ref().and_then(|c| c.target.as_ref().ok()).map(|s| json!({
            "name": s.name,
            "setup": s.setup,
        })),
        "problem": facts.cloud_connect.as_ref().and_then(|c| c.target.as_ref().err()),
        "place": place(facts),
        "messages": said,
    })
}
