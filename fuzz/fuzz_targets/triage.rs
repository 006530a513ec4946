//! Triage matching: any pasted text is diagnosed by the rules' patterns,
//! weighed against a snapshot and printed with nothing raw for a terminal;
//! commands take only ids in their AWS format.

#![no_main]

use std::sync::LazyLock;

use ccaudit::rules::RuleSet;
use ccaudit::snapshot::Snapshot;
use ccaudit::triage;
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/properties/mod.rs"]
mod properties;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::builtin().expect("built-in rules"));
static SNAPSHOT: LazyLock<Snapshot> = LazyLock::new(|| {
    Snapshot::from_slice(
        std::path::Path::new("several-problems.json"),
        include_bytes!("../../fixtures/scenarios/several-problems/snapshot.json"),
    )
    .expect("fixture")
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let diagnosis = triage::diagnose(&RULES, &text);
    let result = triage::render::Triage::weighed(
        &RULES,
        diagnosis,
        Some(&SNAPSHOT),
        None,
        Some("several-problems.json".into()),
    );
    let printed = triage::render::text(&result, &RULES);
    if let Err(problem) = properties::terminal_safe("triage", &printed) {
        panic!("{problem}");
    }
    for line in printed.lines().map(str::trim_start) {
        if line.starts_with("aws ")
            && !properties::has_placeholder(line)
            && let Err(problem) = properties::shell_script(line, false)
        {
            panic!("{problem}");
        }
    }
    let json = triage::render::json(&result).to_string();
    serde_json::from_str::<serde_json::Value>(&json).expect("triage JSON parses");
});
