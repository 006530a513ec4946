//! Rule-file loading: any text as one more rule file beside the built-in
//! rules is a rule or a clear error, never a panic; a rule that loads is
//! audited, and its findings rendered and turned into fixes.

#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use ccaudit::fix;
use ccaudit::report::{self, Report};
use ccaudit::rules::RuleSet;
use ccaudit::snapshot::Snapshot;
use libfuzzer_sys::fuzz_target;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::builtin().expect("built-in rules"));
static SNAPSHOT: LazyLock<Snapshot> = LazyLock::new(|| {
    Snapshot::from_slice(
        Path::new("guide-production.json"),
        include_bytes!("../../fixtures/scenarios/guide-production/snapshot.json"),
    )
    .expect("fixture")
});

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut rules = RULES.clone();
    match rules.add_file(Path::new("rules/fuzz.toml"), &text) {
        Ok(()) => {
            let report = Report::audit(&rules, &SNAPSHOT, &[]);
            let _ = report::table::render(&report, Some(100));
            let _ = fix::shell(&report.targets, "guide-production.json", None);
            if let Err(e) = fix::terraform(&report.targets, None) {
                panic!("terraform: {e}");
            }
        }
        Err(error) => assert!(!error.to_string().is_empty()),
    }
});
