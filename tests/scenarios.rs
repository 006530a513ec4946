//! Whole-account scenarios: each fixtures/scenarios/<name>/snapshot.json is
//! audited and every target's outcomes are compared with expected.json,
//! written by a careful reader of the guide: the rules it names have exactly
//! the named outcome, and no other rule fails.

mod common;

use std::path::Path;

use ccaudit::report::Report;
use ccaudit::snapshot::Snapshot;
use common::{builtin_rules, fixture, read_json, verdict_differences};

fn check_scenario(name: &str) {
    let dir = fixture(&format!("scenarios/{name}"));
    let snapshot = Snapshot::load(&dir.join("snapshot.json")).unwrap_or_else(|e| panic!("{e}"));
    let expected = read_json(&dir.join("expected.json"));
    let rules = builtin_rules();
    let report = Report::audit(&rules, &snapshot, &[]);
    assert_eq!(
        report.targets.len(),
        expected.as_object().map_or(0, |o| o.len()),
        "{name}: target count"
    );
    let mut differences = Vec::new();
    for target in &report.targets {
        let findings = target
            .findings
            .iter()
            .map(|f| (f.rule, (f.outcome.as_str(), f.detail.as_str())))
            .collect();
        for difference in verdict_differences(&rules, &expected[target.name.as_str()], &findings) {
            differences.push(format!("{}/{difference}", target.name));
        }
    }
    assert!(
        differences.is_empty(),
        "{name}:\n{}",
        differences.join("\n")
    );
}

macro_rules! scenarios {
    ($($test:ident => $name:literal),* $(,)?) => {
        $(#[test]
        fn $test() {
            check_scenario($name);
        })*

        #[test]
        fn every_scenario_folder_is_tested() {
            let listed = [$($name),*];
            let dir = fixture("scenarios");
            for entry in std::fs::read_dir(&dir).expect("scenarios folder") {
                let name = entry.expect("entry").file_name().to_string_lossy().into_owned();
                assert!(listed.contains(&name.as_str()), "scenario {name} has no test");
            }
            assert!(Path::new(&dir).is_dir());
        }
    };
}

scenarios! {
    guide_production => "guide-production",
    guide_evaluation => "guide-evaluation",
    bad_credentials => "bad-credentials",
    malformed_group_id => "malformed-group-id",
    group_in_other_region => "group-in-other-region",
    missing_self_rule => "missing-self-rule",
    missing_ssh_rule => "missing-ssh-rule",
    missing_9999_rule => "missing-9999-rule",
    missing_egress => "missing-egress",
    several_problems => "several-problems",
    from_aws_cli => "from-aws-cli",
    keys_owner_streams_scoped_denies => "keys-owner-streams-scoped-denies",
    role_based => "role-based",
    group_by_name => "group-by-name",
}
