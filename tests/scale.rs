//! Many targets at once: evaluation is split over threads, so order and
//! counts must come out exactly as for targets audited one by one.

mod common;

use ccaudit::engine::evaluate;
use ccaudit::report::Report;
use common::{builtin_rules, fixture, read_json, snapshot_of};

#[test]
fn many_targets_keep_their_order_and_verdicts() {
    let mut pool = Vec::new();
    for name in [
        "guide-production",
        "several-problems",
        "bad-credentials",
        "missing-egress",
    ] {
        let snapshot = read_json(&fixture(&format!("scenarios/{name}/snapshot.json")));
        pool.extend(
            snapshot["targets"]
                .as_array()
                .expect("targets")
                .iter()
                .cloned(),
        );
    }
    let targets: Vec<_> = (0..1500)
        .map(|i| {
            let mut target = pool[i % pool.len()].clone();
            target["name"] = format!("target-{i:05}").into();
            target
        })
        .collect();
    let snapshot = snapshot_of(targets);
    let rules = builtin_rules();
    let report = Report::audit(&rules, &snapshot, &[]);

    assert_eq!(report.targets.len(), 1500);
    for (i, (target, reported)) in snapshot.targets.iter().zip(&report.targets).enumerate() {
        assert_eq!(reported.name, format!("target-{i:05}"));
        let one_by_one: Vec<_> = rules
            .rules
            .iter()
            .map(|r| evaluate(r, target).outcome)
            .collect();
        let together: Vec<_> = reported.findings.iter().map(|f| f.outcome).collect();
        assert_eq!(one_by_one, together, "target {i}");
    }
    let total =
        report.summary.pass + report.summary.fail + report.summary.unknown + report.summary.skip;
    assert_eq!(total, 1500 * rules.rules.len());
    assert!(report.summary.fail > 0 && report.summary.pass > 0);
}
