//! A snapshot is untrusted input. Every string of the scenario snapshots,
//! and every object key, is replaced in turn by text a hostile customer
//! might send; every output (table, JSON, SARIF, JUnit, Markdown, HTML,
//! CSV, the shell and Terraform fixes) must stay safe. Then proptest does
//! the same with random text, and the shell fixes must pass `sh -n`.

mod common;
mod properties;

use std::collections::BTreeSet;
use std::process::Command;

use ccaudit::fix;
use ccaudit::report::Report;
use ccaudit::rules::RuleSet;
use ccaudit::snapshot::Snapshot;
use proptest::prelude::*;
use serde_json::Value;

use properties::{PAYLOAD, audit_bytes, replace_at, string_places};

const SCENARIOS: [&str; 4] = [
    "several-problems",
    "guide-production",
    "keys-owner-streams-scoped-denies",
    "malformed-group-id",
];

fn scenario(name: &str) -> Value {
    common::read_json(&common::fixture(&format!("scenarios/{name}/snapshot.json")))
}

/// `sh -n` reads the whole script without running it.
fn shell_parses(script: &str) -> Result<(), String> {
    let run = Command::new("sh")
        .args(["-n", "-c", script])
        .output()
        .map_err(|e| format!("sh: {e}"))?;
    if run.status.success() {
        Ok(())
    } else {
        Err(format!(
            "sh -n: {}",
            String::from_utf8_lossy(&run.stderr).trim()
        ))
    }
}

/// A place with array indexes and per-quota keys made general, so places
/// of the same kind (the 2nd permission, another quota) are tried once.
fn shape(pointer: &str) -> String {
    pointer
        .split('/')
        .map(|part| {
            let general = part.bytes().all(|b| b.is_ascii_digit()) && !part.is_empty()
                || part.contains("~1L-");
            if general { "*" } else { part }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// The snapshot with only the target that holds `pointer` (the others
/// cost time and add nothing), and the pointer into it.
fn one_target(base: &Value, pointer: &str) -> (Value, String) {
    let Some(rest) = pointer.strip_prefix("/targets/") else {
        return (base.clone(), pointer.to_string());
    };
    let (index, inner) = rest.split_once('/').unwrap_or((rest, ""));
    let index: usize = index.parse().expect("target index");
    let mut copy = base.clone();
    copy["targets"] = Value::Array(vec![base["targets"][index].clone()]);
    let inner = if inner.is_empty() {
        String::new()
    } else {
        format!("/{inner}")
    };
    (copy, format!("/targets/0{inner}"))
}

/// (hostile snapshots, parsed, commands refused) for one scenario.
fn every_field_of(rules: &RuleSet, name: &str) -> (usize, usize, usize) {
    let base = scenario(name);
    let (mut places, mut parsed, mut refused) = (0, 0, 0);
    let mut tried = BTreeSet::new();
    for (pointer, is_key) in string_places(&base) {
        if !tried.insert((shape(&pointer), is_key)) {
            continue;
        }
        let (single, pointer) = one_target(&base, &pointer);
        let place = (pointer, is_key);
        let original = single
            .pointer(&place.0)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        // Alone (starting like a spreadsheet formula), and after the real
        // value so that prefix checks (`sg-…`, `arn:aws:…`) still lead the
        // text deep into the rules.
        for text in [
            format!("=cmd|' /C calc'!A0{PAYLOAD}"),
            format!("{original}{PAYLOAD}"),
        ] {
            places += 1;
            let bytes = replace_at(&single, &place, &text).to_string();
            if let Err(problem) = audit_bytes(rules, bytes.as_bytes(), true) {
                panic!("{name} {}: {problem}", place.0);
            }
            let Ok(snapshot) =
                Snapshot::from_slice(std::path::Path::new("hostile.json"), bytes.as_bytes())
            else {
                continue;
            };
            parsed += 1;
            let report = Report::audit(rules, &snapshot, &[]);
            refused += report
                .targets
                .iter()
                .flat_map(|t| &t.findings)
                .filter(|f| {
                    f.fix
                        .as_deref()
                        .is_some_and(|fix| fix.contains("No command is given"))
                })
                .count();
        }
    }
    (places, parsed, refused)
}

#[test]
fn every_field_of_every_scenario_stays_data() {
    let rules = RuleSet::builtin().expect("rules");
    let counts: Vec<(usize, usize, usize)> = std::thread::scope(|scope| {
        let runs: Vec<_> = SCENARIOS
            .iter()
            .map(|name| scope.spawn(|| every_field_of(&rules, name)))
            .collect();
        runs.into_iter()
            .map(|run| run.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    let places: usize = counts.iter().map(|c| c.0).sum();
    let parsed: usize = counts.iter().map(|c| c.1).sum();
    let refused: usize = counts.iter().map(|c| c.2).sum();
    // The suite reaches the rules, not only the parser, and hostile values
    // reach the command writer, which refuses them.
    assert!(places > 1000, "{places} places");
    assert!(parsed * 2 > places, "{parsed} of {places} parsed");
    assert!(refused > 20, "{refused} commands refused");
    eprintln!("{places} hostile snapshots, {parsed} parsed, {refused} commands refused");
}

#[test]
fn fix_scripts_from_hostile_setups_pass_sh_n() {
    let rules = RuleSet::builtin().expect("rules");
    let base = scenario("several-problems");
    // The fields a fix command or a fix comment is made of.
    let setup_fields: BTreeSet<&str> = [
        "name",
        "region",
        "security_group_id",
        "subnet_id",
        "iam_user",
        "account_id",
    ]
    .into();
    for place in string_places(&base) {
        let field = place.0.rsplit('/').next().unwrap_or_default();
        let in_setup = place.0.contains("/setup/") || place.0.ends_with("/name");
        if place.1 || !(in_setup && setup_fields.contains(field)) {
            continue;
        }
        let hostile = replace_at(&base, &place, PAYLOAD).to_string();
        let snapshot = Snapshot::from_slice(std::path::Path::new("h.json"), hostile.as_bytes())
            .expect("setup text is free-form");
        let report = Report::audit(&rules, &snapshot, &[]);
        let script = fix::shell(&report.targets, "h.json", None);
        if let Err(problem) = shell_parses(&script) {
            panic!("{}: {problem}\n{script}", place.0);
        }
    }
}

#[test]
fn errors_about_hostile_snapshots_print_escaped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut base = scenario("several-problems");
    base["targets"][0]["aws"]["ec2:DescribeSecurityGroups"]["SecurityGroups"][0]["IpPermissions"]
        [0]["IpProtocol"] = Value::from(PAYLOAD);
    let path = dir.path().join("bad.json");
    std::fs::write(&path, base.to_string()).expect("write");
    let run = Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args(["audit", path.to_str().expect("utf-8")])
        .output()
        .expect("runs");
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8(run.stderr).expect("utf-8");
    properties::terminal_safe("stderr", &stderr).unwrap();
    assert!(stderr.contains("IpProtocol"), "{stderr}");
}

#[test]
fn triage_of_a_hostile_message_and_snapshot_prints_escaped() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut base = scenario("several-problems");
    base["targets"][0]["name"] = Value::from(format!("media{PAYLOAD}"));
    base["targets"][0]["setup"]["security_group_id"] =
        Value::from(format!("sg-0a1b2c3d4e5f60718{PAYLOAD}"));
    let path = dir.path().join("hostile.json");
    std::fs::write(&path, base.to_string()).expect("write");
    // The file's own name is the customer's too.
    let path = {
        let hostile = dir.path().join("snap\u{1b}[2J\u{202e}.json");
        std::fs::rename(&path, &hostile).expect("rename");
        hostile
    };
    let message = format!("No 'All' IpPermission found for Group sg-0a1b2c3d4e5f60718{PAYLOAD} .");
    let target = format!("media{PAYLOAD}");
    // The group named in the message, and the hostile target itself (its
    // evidence, fix and commands printed).
    for (format, extra) in [
        ("text", None),
        ("json", None),
        ("text", Some(target.as_str())),
        ("json", Some(target.as_str())),
    ] {
        let mut args = vec![
            "triage",
            &message,
            "--snapshot",
            path.to_str().expect("utf-8"),
            "--format",
            format,
        ];
        if let Some(name) = extra {
            args.extend(["--target", name]);
        }
        let run = Command::new(env!("CARGO_BIN_EXE_ccaudit"))
            .args(&args)
            .output()
            .expect("runs");
        assert_eq!(
            run.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let stdout = String::from_utf8(run.stdout).expect("utf-8");
        properties::terminal_safe("triage", &stdout).unwrap();
        for line in stdout.lines() {
            let command = line.trim_start();
            if command.starts_with("aws ") && !properties::has_placeholder(command) {
                properties::shell_script(command, true).unwrap();
            }
        }
        assert!(stdout.contains("sg-self-all-traffic"), "{stdout}");
        if extra.is_some() && format == "text" {
            assert!(stdout.contains("Evidence from"), "{stdout}");
        }
    }
}

/// Text from every corner of Unicode, with the characters that mean
/// something to a shell, Terraform, Markdown, HTML or a terminal.
fn hostile_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "\n",
        "\r",
        "\u{1b}[2J",
        "\u{9b}",
        "\u{202e}",
        "\u{fffe}",
        "\u{0}",
        "$(",
        "`",
        "'",
        "\"",
        "${",
        "%{",
        "<",
        ">",
        "&",
        "|",
        ";",
        "\\",
        "```",
        "]]>",
        "sg-0123abcd",
        "subnet-0123abcd",
        "eu-west-1",
        " ",
        "#",
    ]);
    prop::collection::vec(
        prop_oneof![pieces.prop_map(String::from), any::<String>()],
        0..6,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_text_in_any_field_stays_data(index in any::<prop::sample::Index>(), text in hostile_text(), keep_prefix in any::<bool>()) {
        let rules = RuleSet::builtin().expect("rules");
        let base = scenario("several-problems");
        let places = string_places(&base);
        let place = &places[index.index(places.len())];
        let original = base.pointer(&place.0).and_then(Value::as_str).unwrap_or_default();
        let text = if keep_prefix { format!("{original}{text}") } else { text };
        let bytes = replace_at(&base, place, &text).to_string();
        prop_assert_eq!(audit_bytes(&rules, bytes.as_bytes(), false), Ok(()));
        if let Ok(snapshot) = Snapshot::from_slice(std::path::Path::new("p.json"), bytes.as_bytes()) {
            let report = Report::audit(&rules, &snapshot, &[]);
            prop_assert_eq!(shell_parses(&fix::shell(&report.targets, "p.json", None)), Ok(()));
        }
    }
}

#[test]
fn drift_between_hostile_reports_prints_escaped() {
    let rules = RuleSet::builtin().expect("rules");
    let dir = tempfile::tempdir().expect("temp dir");
    let mut paths = Vec::new();
    for (index, name) in [format!("old{PAYLOAD}"), format!("new{PAYLOAD}")]
        .iter()
        .enumerate()
    {
        let mut base = scenario("several-problems");
        base["targets"][0]["name"] = Value::from(name.as_str());
        base["targets"][1]["setup"]["security_group_id"] =
            Value::from(format!("sg-{index}{PAYLOAD}"));
        let bytes = base.to_string();
        let snapshot = Snapshot::from_slice(std::path::Path::new("d.json"), bytes.as_bytes())
            .expect("free-form names");
        let report = Report::audit(&rules, &snapshot, &[])
            .to_json_string()
            .expect("json");
        let path = dir.path().join(format!("report-{index}.json"));
        std::fs::write(&path, report).expect("write");
        paths.push(path);
    }
    let run = Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args([
            "diff",
            paths[0].to_str().expect("utf-8"),
            paths[1].to_str().expect("utf-8"),
        ])
        .output()
        .expect("runs");
    let stdout = String::from_utf8(run.stdout).expect("utf-8");
    properties::terminal_safe("diff", &stdout).unwrap();
    assert!(
        stdout.contains("appeared") && stdout.contains("vanished"),
        "{stdout}"
    );
}

#[test]
fn sarif_of_a_hostile_snapshot_is_valid_sarif() {
    // Hostile text (U+FFFE, controls, bidi, markup) in the names and ids
    // that SARIF turns into locations, messages and fingerprints.
    let rules = RuleSet::builtin().expect("rules");
    let mut base = scenario("several-problems");
    base["targets"][0]["name"] = Value::from(format!("media{PAYLOAD}"));
    base["targets"][0]["setup"]["security_group_id"] =
        Value::from(format!("sg-0a1b2c3d4e5f60718{PAYLOAD}"));
    base["targets"][1]["setup"]["region"] = Value::from(format!("eu-west-1{PAYLOAD}"));
    let bytes = base.to_string();
    let snapshot = Snapshot::from_slice(std::path::Path::new("h\u{fffe}.json"), bytes.as_bytes())
        .expect("free-form text");
    let report = Report::audit(&rules, &snapshot, &[]);
    let mut written = Vec::new();
    ccaudit::report::sarif::write(&report, &rules, "h\u{fffe} \u{1b}.json", &mut written)
        .expect("SARIF is written");
    let sarif: Value = serde_json::from_slice(&written).expect("SARIF is JSON");
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("tests/schemas/sarif-schema-2.1.0.json"))
            .expect("the SARIF schema"),
    )
    .expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(
        sarif["runs"][0]["results"]
            .as_array()
            .is_some_and(|r| !r.is_empty()),
        "the hostile snapshot has findings to report"
    );
}
