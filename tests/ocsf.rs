//! `--format ocsf`: every event is loaded with py-ocsf-models (the OCSF
//! models Prowler itself uses) as a Compliance Finding, and loses nothing
//! in the loading: a field the models do not know, or a value of the wrong
//! type, fails the test. The cloud profile's `cloud` object is loaded with
//! the models' `Cloud`.

mod servers;

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// Loads each event of the file in argv[1]; prints one line per problem.
const VALIDATE: &str = r#"
import json, sys
from py_ocsf_models import OCSF_VERSION
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
from py_ocsf_models.objects.cloud import Cloud

events = json.load(open(sys.argv[1]))
problems = []
for i, event in enumerate(events):
    event = dict(event)
    if event["metadata"]["version"] != OCSF_VERSION:
        problems.append(f"{i}: OCSF version {event['metadata']['version']}, the models are {OCSF_VERSION}")
    cloud = event.pop("cloud", None)
    if "cloud" not in event["metadata"].get("profiles", []):
        problems.append(f"{i}: a cloud object without the cloud profile")
    try:
        model = ComplianceFinding.model_validate(event)
        Cloud.model_validate(cloud)
    except Exception as error:
        problems.append(f"{i}: {error}")
        continue
    loaded = model.model_dump(mode="json", exclude_unset=True)
    if loaded != event:
        lost = sorted(set(json.dumps(event, sort_keys=True).split(",")) ^ set(json.dumps(loaded, sort_keys=True).split(",")))
        problems.append(f"{i}: the models do not keep all of it: {lost[:6]}")
print(f"{len(events)} events")
for problem in problems:
    print(problem)
"#;

fn audit_ocsf(snapshot: &Path, out: &Path) {
    let run = Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args([
            "audit",
            snapshot.to_str().expect("utf-8"),
            "--format",
            "ocsf",
            "--fail-on",
            "none",
            "-o",
            out.to_str().expect("utf-8"),
        ])
        .output()
        .expect("run ccaudit");
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// What the validator says of the events in `events` (it prints "N
/// events", then a line per problem).
fn validate(events: &Path) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = dir.path().join("validate.py");
    std::fs::write(&script, VALIDATE).expect("write the validator");
    let checked = Command::new(servers::python())
        .arg(&script)
        .arg(events)
        .output()
        .expect("run python");
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    String::from_utf8_lossy(&checked.stdout).into_owned()
}

fn events_in(path: &Path) -> Vec<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("a JSON array")
}

#[test]
fn every_event_is_a_valid_ocsf_compliance_finding() {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut total = 0;
    for scenario in [
        "several-problems",
        "role-based",
        "bad-credentials",
        "keys-owner-streams-scoped-denies",
    ] {
        let snapshot = root.join(format!("fixtures/scenarios/{scenario}/snapshot.json"));
        let out = dir.path().join(format!("{scenario}.ocsf.json"));
        audit_ocsf(&snapshot, &out);
        let count = events_in(&out).len();
        total += count;
        let said = validate(&out);
        assert_eq!(
            said.trim(),
            format!("{count} events"),
            "{scenario}: the models refused or dropped something:\n{said}"
        );
    }
    assert!(total > 200, "only {total} events");
}

#[test]
fn the_validator_catches_a_wrong_event() {
    // The check above can fail: a misspelt field and a wrong type are found.
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("events.json");
    audit_ocsf(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/scenarios/guide-production/snapshot.json"),
        &out,
    );
    let mut events = events_in(&out);
    events[0]["compliance"]["statuss"] = Value::from("Pass");
    events[1]["severity_id"] = Value::from("high");
    std::fs::write(&out, serde_json::to_string(&events).expect("json")).expect("write");
    let said = validate(&out);
    assert!(
        said.contains("0: the models do not keep all of it"),
        "{said}"
    );
    assert!(said.contains("1: "), "{said}");
}
