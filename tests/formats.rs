//! Every report format on a scenario: pinned output, the SARIF validated
//! against the SARIF 2.1.0 schema, the JUnit parsed back, the HTML rendered
//! in a real headless Chromium; then drift and suppressions.

mod common;
mod servers;

use std::path::PathBuf;
use std::process::{Command, Output};

use common::root;
use serde_json::Value;

const MESSY: &str = "fixtures/scenarios/several-problems/snapshot.json";

fn ccaudit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("run")
}

fn report_in(format: &str, snapshot: &str) -> String {
    let out = ccaudit(&["audit", snapshot, "--format", format, "--fail-on", "none"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn json_report(snapshot: &str) -> Value {
    serde_json::from_str(&report_in("json", snapshot)).expect("json")
}

#[test]
fn every_format_is_pinned() {
    for format in ["sarif", "junit", "markdown", "html", "csv"] {
        insta::assert_snapshot!(
            format!("format_{format}_several_problems"),
            report_in(format, MESSY)
        );
    }
}

#[test]
fn several_formats_at_once_are_written_whole() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = ccaudit(&[
        "audit",
        MESSY,
        "--format",
        "json",
        "--format",
        "sarif",
        "--format",
        "junit",
        "--format",
        "markdown",
        "--format",
        "html",
        "--format",
        "csv",
        "--format",
        "ocsf",
        "--format",
        "asff",
        "--format",
        "table",
        "--output-dir",
        dir.path().to_str().expect("utf-8"),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "report.asff.json",
            "report.csv",
            "report.html",
            "report.json",
            "report.junit.xml",
            "report.md",
            "report.ocsf.json",
            "report.sarif",
            "report.txt"
        ]
    );
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("report.json")).expect("read"),
    )
    .expect("json");
    assert_eq!(json, json_report(MESSY), "the same report in every file");
    let err = ccaudit(&["audit", MESSY, "--format", "json", "--format", "sarif"]);
    assert_eq!(err.status.code(), Some(2), "several formats need a folder");
}

#[test]
fn an_output_set_is_replaced_whole_or_not_at_all() {
    let dir = tempfile::tempdir().expect("temp dir");
    let folder = dir.path().to_str().expect("utf-8");
    let set = || {
        ccaudit(&[
            "audit",
            MESSY,
            "--format",
            "json",
            "--format",
            "sarif",
            "--format",
            "html",
            "--output-dir",
            folder,
        ])
    };
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    // The previous set: three old files.
    for name in ["report.json", "report.sarif", "report.html"] {
        std::fs::write(dir.path().join(name), format!("old {name}")).expect("write");
    }
    // Replaced whole.
    assert_eq!(set().status.code(), Some(1));
    for name in ["report.json", "report.sarif", "report.html"] {
        let text = std::fs::read_to_string(dir.path().join(name)).expect("read");
        assert!(!text.starts_with("old "), "{name} was not replaced");
    }
    assert_eq!(listing(), ["report.html", "report.json", "report.sarif"]);
    // A set that cannot be written whole leaves the previous one as it was.
    let before: Vec<String> = ["report.json", "report.sarif"]
        .iter()
        .map(|n| std::fs::read_to_string(dir.path().join(n)).expect("read"))
        .collect();
    std::fs::remove_file(dir.path().join("report.html")).expect("remove");
    std::fs::create_dir(dir.path().join("report.html")).expect("a folder in the way");
    let out = set();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("report.html") && stderr.contains("no report of the set was written"),
        "{stderr}"
    );
    let after: Vec<String> = ["report.json", "report.sarif"]
        .iter()
        .map(|n| std::fs::read_to_string(dir.path().join(n)).expect("read"))
        .collect();
    assert_eq!(before, after, "the previous set is unchanged");
    assert_eq!(
        listing(),
        ["report.html", "report.json", "report.sarif"],
        "no temporary file left"
    );
}

#[test]
fn sarif_is_valid_sarif_2_1_0_with_stable_fingerprints() {
    // The official OASIS schema, kept in the repository.
    let schema_path = root().join("tests/schemas/sarif-schema-2.1.0.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).expect("the SARIF schema"))
            .expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let sarif: Value = serde_json::from_str(&report_in("sarif", MESSY)).expect("sarif json");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));

    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(
        rules.len(),
        common::builtin_rules().rules.len(),
        "one reporting descriptor per rule"
    );
    assert!(rules.iter().all(|r| {
        r["help"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Fix:"))
    }));
    let results = run["results"].as_array().expect("results");
    let report = json_report(MESSY);
    let problems = report["summary"]["fail"].as_u64().expect("n")
        + report["summary"]["unknown"].as_u64().expect("n");
    assert_eq!(
        results.len() as u64,
        problems,
        "one result per failing or unknown finding"
    );
    let first = &results[0];
    let uri = first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .expect("uri");
    assert!(
        uri.starts_with("fixtures/scenarios/several-problems/snapshot.json#/targets/0/"),
        "{uri}"
    );
    assert!(first["locations"][0]["logicalLocations"][0]["name"].is_string());
    let fqn = first["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        .as_str()
        .expect("name");
    assert_eq!(
        fqn,
        "arn:aws:ec2:eu-central-1:123456789012:security-group/sg-0a1b2c3d4e5f60718"
    );
    // Same input, same fingerprints: code scanning deduplicates across runs.
    let again: Value = serde_json::from_str(&report_in("sarif", MESSY)).expect("json");
    let prints = |s: &Value| -> Vec<Value> {
        s["runs"][0]["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|r| r["partialFingerprints"].clone())
            .collect()
    };
    assert_eq!(prints(&sarif), prints(&again));
    for r in results.iter().filter(|r| r["kind"] != "fail") {
        assert_eq!(
            r["level"], "none",
            "SARIF 3.27.10: a result that is not a failure has level none"
        );
    }
    let levels: Vec<&str> = results.iter().filter_map(|r| r["level"].as_str()).collect();
    assert!(
        levels.contains(&"error") && levels.contains(&"warning"),
        "{levels:?}"
    );
}

#[test]
fn junit_parses_back_to_the_same_counts() {
    use quick_xml::Reader;
    use quick_xml::events::Event;
    let xml = report_in("junit", MESSY);
    let report = json_report(MESSY);
    let mut reader = Reader::from_str(&xml);
    let (mut suites, mut cases, mut failures, mut errors, mut skipped) = (0, 0, 0, 0, 0);
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => match e.name().into_inner() {
                "testsuite" => suites += 1,
                "testcase" => cases += 1,
                "failure" => failures += 1,
                "error" => errors += 1,
                "skipped" => skipped += 1,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    let n = |k: &str| report["summary"][k].as_u64().expect("count") as usize;
    assert_eq!(suites, report["targets"].as_array().expect("targets").len());
    assert_eq!(cases, n("pass") + n("fail") + n("unknown") + n("skip"));
    assert_eq!(failures, n("fail"));
    assert_eq!(errors, n("unknown"));
    assert_eq!(skipped, n("skip"));
}

#[test]
fn the_html_page_renders_counts_and_filters_in_chromium() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("report.html");
    std::fs::write(&page, report_in("html", MESSY)).expect("write");
    let html = std::fs::read_to_string(&page).expect("read");
    for external in ["<script src", "<link", "@import", "url(", "<img"] {
        assert!(!html.contains(external), "self-contained: found {external}");
    }
    let report = json_report(MESSY);

    // As rendered, after the page's script ran, with a filter from the URL.
    let out = servers::headless(
        &page,
        "#outcome=fail&severity=critical,high",
        &["--dump-dom"],
    );
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        dom.contains("<h1>ccaudit report</h1>"),
        "rendered: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    for key in ["fail", "unknown", "pass", "skip"] {
        let want = report["summary"][key].as_u64().expect("count");
        let needle = format!("<b data-count=\"{key}\">{want}</b>");
        assert!(dom.contains(&needle), "summary {key} = {want}");
    }
    let findings: Vec<&str> = dom.split("<li class=\"finding\"").skip(1).collect();
    let expected_total: usize = report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| t["findings"].as_array().expect("f").len())
        .sum();
    assert_eq!(findings.len(), expected_total);
    let visible = findings
        .iter()
        .filter(|f| !f.split('>').next().unwrap_or("").contains("hidden"))
        .count();
    let expected_visible = report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .flat_map(|t| t["findings"].as_array().expect("f").iter())
        .filter(|f| {
            f["outcome"] == "fail" && (f["severity"] == "critical" || f["severity"] == "high")
        })
        .count();
    assert!(expected_visible > 0);
    assert_eq!(
        visible, expected_visible,
        "the filter shows exactly the failing critical and high findings"
    );
    assert!(dom.contains(&format!(
        "<span id=\"shown-count\">{expected_visible}</span>"
    )));

    // A phone-sized screenshot, kept as a test artefact.
    let artefacts = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("artefacts");
    std::fs::create_dir_all(&artefacts).expect("artefact dir");
    let shot = artefacts.join("report-phone.png");
    let _ = std::fs::remove_file(&shot);
    let out = servers::headless(
        &page,
        "",
        &[
            "--window-size=420,900",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    assert!(
        shot.exists(),
        "screenshot written: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::metadata(&shot).expect("meta").len() > 10_000,
        "the screenshot shows a page"
    );
}
