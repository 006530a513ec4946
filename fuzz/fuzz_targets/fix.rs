//! The fix writers on a real snapshot whose strings (and keys) the fuzzer
//! replaces: the shell script keeps snapshot text inside quotes or escaped
//! comments, Terraform keeps it in comments. (The other outputs are the
//! `audit` target's.)
//! (`sh -n` on each script runs in the proptest of tests/hostile.rs: a
//! process per input is too slow for millions of runs.)

#![no_main]

use std::path::Path;
use std::sync::LazyLock;

use ccaudit::engine;
use ccaudit::fix;
use ccaudit::rules::RuleSet;
use ccaudit::snapshot::Snapshot;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

#[path = "../../tests/properties/mod.rs"]
mod properties;

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::builtin().expect("built-in rules"));
/// The first target of a scenario with many failing findings.
static BASE: LazyLock<Value> = LazyLock::new(|| {
    let mut base: Value = serde_json::from_str(include_str!(
        "../../fixtures/scenarios/several-problems/snapshot.json"
    ))
    .expect("fixture");
    base["targets"] = Value::Array(vec![base["targets"][0].clone()]);
    base
});
static PLACES: LazyLock<Vec<(String, bool)>> = LazyLock::new(|| properties::string_places(&BASE));

fuzz_target!(|data: &[u8]| {
    // Edits separated by 0xff: two bytes choose the place, one bit whether
    // the real value stays in front, the rest is the text.
    let mut snapshot = BASE.clone();
    for edit in data.split(|b| *b == 0xff).take(8) {
        let [high, low, rest @ ..] = edit else {
            continue;
        };
        let choice = usize::from(u16::from_be_bytes([*high, *low]));
        let place = &PLACES[(choice >> 1) % PLACES.len()];
        let text = String::from_utf8_lossy(rest);
        let text = if choice & 1 == 1 {
            let original = snapshot
                .pointer(&place.0)
                .and_then(Value::as_str)
                .unwrap_or_default();
            format!("{original}{text}")
        } else {
            text.into_owned()
        };
        snapshot = properties::replace_at(&snapshot, place, &text);
    }
    let bytes = snapshot.to_string();
    let Ok(snapshot) = Snapshot::from_slice(Path::new("fuzz.json"), bytes.as_bytes()) else {
        return;
    };
    let report = engine::audit(&RULES, &snapshot, &[]);
    let checked = properties::shell_script(&fix::shell(&report, "fuzz.json", None), false)
        .and_then(|()| fix::terraform(&report, None).map_err(|e| format!("terraform: {e}")))
        .and_then(|hcl| properties::terraform(&hcl, false));
    if let Err(problem) = checked {
        panic!("{problem}");
    }
});
