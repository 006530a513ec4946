//! Snapshot parsing followed by the audit and every rendering: no panic,
//! and every output keeps the properties of `tests/properties`.

#![no_main]

use std::sync::LazyLock;

use ccaudit::rules::RuleSet;
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/properties/mod.rs"]
mod properties;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::builtin().expect("built-in rules"));

fuzz_target!(|data: &[u8]| {
    if let Err(problem) = properties::audit_bytes(&RULES, data, false) {
        panic!("{problem}");
    }
});
