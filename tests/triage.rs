//! Triage: every documented message, pasted the ways people paste it, maps
//! to its case and rules; unrelated errors and random text do not; causes
//! are ranked by the evidence of scenario snapshots.

mod common;

use std::path::Path;
use std::process::Command;

use ccaudit::snapshot::Snapshot;
use ccaudit::triage::{diagnose, symptom_rules, weigh};
use common::{builtin_rules, fixture, run_ccaudit};

const SG: &str = "sg-0a1b2c3d4e5f60718";

/// (case, rule ids that must be among its rules, variants)
fn documented() -> Vec<(&'static str, Vec<&'static str>, Vec<String>)> {
    let credentials = "AWS was not able to validate the provided access credentials.";
    vec![
        (
            "Wrong account number, access key, secret key",
            vec!["credentials-valid"],
            vec![
                format!("Got AmazonEC2Exception on retrieval of security group '{SG}': {credentials}"),
                credentials.to_string(),
                format!("2026-11-24T08:00:01Z ERROR Got AmazonEC2Exception on retrieval of security group \u{2018}{SG}\u{2019}: AWS was not able to validate\n the provided access credentials."),
                format!(r#"{{"message": "Got AmazonEC2Exception on retrieval of security group \u0027{SG}\u0027: {credentials}"}}"#),
                "An error occurred (AuthFailure) when calling the DescribeSecurityGroups operation".to_string(),
                "botocore.exceptions.ClientError: An error occurred (InvalidClientTokenId) when calling the GetCallerIdentity operation: The security token included in the request is invalid.".to_string(),
                "SignatureDoesNotMatch".to_string(),
            ],
        ),
        (
            "Wrong security group ID",
            vec!["sg-id-valid"],
            vec![
                "Got AmazonEC2Exception on retrieval of security group 'sg-12345': Invalid id: \"sg-12345\".".to_string(),
                "Invalid id: \"sg-12345\"".to_string(),
                "Got AmazonEC2Exception on retrieval of security group \u{2018}sg-12345\u{2019}: Invalid id: \u{201c}sg-12345\u{201d}.".to_string(),
                r#"{"error": "Invalid id: \"bitmovin-sg\" (expecting \"sg-...\")"}"#.to_string(),
                "An error occurred (InvalidGroupId.Malformed) when calling the DescribeSecurityGroups operation".to_string(),
                "region settings failed:\n  Got AmazonEC2Exception on retrieval of security group 'sg-12345':\n  Invalid id:\n  \"sg-12345\".".to_string(),
                r#"{"log":"{\"msg\":\"Invalid id: \\\"sg-12345\\\"\"}"}"#.to_string(),
                "Invalid id: &#34;sg-12345&#34;".to_string(),
                "Invalid id: 'sg-12345'".to_string(),
            ],
        ),
        (
            "Wrong region for the security group ID",
            vec!["sg-exists-in-region"],
            vec![
                format!("Got AmazonEC2Exception on retrieval of security group '{SG}': The security group '{SG}' does not exist."),
                format!("The security group '{SG}' does not exist"),
                format!("The security group \u{2018}{SG}\u{2019} does not exist."),
                format!(r#"[ERROR] {{"detail":"The security group \u0027{SG}\u0027 does not exist."}}"#),
                "An error occurred (InvalidGroup.NotFound) when calling the DescribeSecurityGroups operation".to_string(),
                format!("the security group\n'{SG}' does not\nexist."),
            ],
        ),
        (
            "Wrong inbound rule \"All traffic\" - security group internal",
            vec!["sg-self-all-traffic"],
            vec![
                format!("No 'All' IpPermission found for Group {SG} ."),
                format!("No 'All' IpPermission found for Group {SG}."),
                format!("No \u{2018}All\u{2019} IpPermission found for Group {SG} ."),
                format!(r#"{{"message":"No \u0027All\u0027 IpPermission found for Group {SG} ."}}"#),
                format!("Error adding region settings: No 'All'\nIpPermission found for Group\n{SG} ."),
                "no 'all' ippermission found for group sg-12345678 .".to_string(),
                format!("No \"All\" IpPermission found for Group {SG} ."),
            ],
        ),
    ]
}

#[test]
fn every_documented_message_is_recognised_in_every_pasted_form() {
    let rules = builtin_rules();
    for (case, wanted_rules, variants) in documented() {
        assert!(variants.len() >= 5, "{case}: at least five variants");
        for text in variants {
            let d = diagnose(&rules, &text);
            assert_eq!(
                d.cases.len(),
                1,
                "{text:?} should be exactly one case, got {:?}",
                d.cases.iter().map(|c| c.case).collect::<Vec<_>>()
            );
            assert_eq!(d.cases[0].case, case, "{text:?}");
            let ids: Vec<&str> = d.cases[0].rules.iter().map(|r| r.id.as_str()).collect();
            for rule in &wanted_rules {
                assert!(ids.contains(rule), "{text:?}: {rule} not among {ids:?}");
            }
            assert!(d.symptom.is_none(), "{text:?} is a message, not a symptom");
        }
    }
}

#[test]
fn the_credentials_message_has_every_documented_cause() {
    let rules = builtin_rules();
    let d = diagnose(
        &rules,
        "AWS was not able to validate the provided access credentials.",
    );
    let ids: Vec<&str> = d.cases[0].rules.iter().map(|r| r.id.as_str()).collect();
    for rule in [
        "credentials-valid",
        "account-id-matches",
        "iam-access-key-active",
    ] {
        assert!(ids.contains(&rule), "{rule} not among {ids:?}");
    }
}

#[test]
fn a_group_missing_from_the_instances_vpc_is_not_the_wrong_region() {
    let rules = builtin_rules();
    let d = diagnose(
        &rules,
        &format!(
            "An error occurred (InvalidParameter): The security group '{SG}' does not exist in VPC 'vpc-0abc'"
        ),
    );
    let rules_named: Vec<&str> = d
        .cases
        .iter()
        .flat_map(|c| c.rules.iter().map(|r| r.id.as_str()))
        .collect();
    assert_eq!(rules_named, ["sg-vpc-matches"]);
}

#[test]
fn ids_that_are_not_ids_never_reach_a_command() {
    let out = Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args([
            "triage",
            "The security group 'sg-1$(touch /tmp/ccaudit-pwned)' does not exist.",
        ])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    for line in text.lines().filter(|l| l.contains("aws ")) {
        assert!(!line.contains("$(touch"), "{line}");
    }
    assert!(text.contains("--group-ids <security_group_id>"), "{text}");
}

#[test]
fn ids_in_the_text_fill_the_fix() {
    let rules = builtin_rules();
    let d = diagnose(
        &rules,
        &format!("No \u{2018}All\u{2019} IpPermission found for Group {SG} ."),
    );
    assert_eq!(d.ids.get("security_group_id").map(String::as_str), Some(SG));
    let out = Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args([
            "triage",
            &format!("No 'All' IpPermission found for Group {SG} ."),
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "--group-id {SG} --ip-permissions 'IpProtocol=-1,UserIdGroupPairs=[{{GroupId={SG}}}]'"
        )),
        "{text}"
    );
}

#[test]
fn the_queue_symptom_is_recognised() {
    let rules = builtin_rules();
    for text in [
        "The encoding process is stuck in the 'Queue' state",
        "our encodings stay in Queue forever since we moved to Cloud Connect",
        "Encoding job 4711 remains in the queue, no error",
        "encoding status: QUEUED for 3 hours",
        "the encoding never leaves the Queue",
        "our encodings remain queued",
        "my encoding has been in QUEUED for 2 hours",
        "Encodings are waiting in queue",
    ] {
        let d = diagnose(&rules, text);
        assert_eq!(d.symptom, Some(ccaudit::rules::Stage::Queue), "{text}");
        assert!(d.cases.is_empty(), "{text}");
    }
}

#[test]
fn unrelated_errors_and_random_text_are_not_matched() {
    let rules = builtin_rules();
    for text in [
        "An error occurred (UnauthorizedOperation) when calling the RunInstances operation: You are not authorized to perform this operation.",
        "An error occurred (RequestLimitExceeded) when calling the DescribeInstances operation",
        "InsufficientInstanceCapacity: We currently do not have sufficient c5.2xlarge capacity",
        "The subnet ID 'subnet-0123' does not exist",
        "Throttling: Rate exceeded",
        "The security token expired",
        "lorem ipsum dolor sit amet",
        "the print queue is full",
        "Invalid id",
        "AuthFailureX happened",
        "An error occurred (AuthFailure.ServiceLinkedRoleCreationNotPermitted) when calling RunInstances",
        "An error occurred (InvalidAMIID.Malformed) when calling RunInstances: Invalid id: \"ami-123\"",
        "Invalid id: \"subnet-12\"",
        "Build status: queued",
        "Job status: QUEUED (AWS Batch)",
        "my support ticket is waiting in the queue for days",
        "messages stuck in the queue of my RabbitMQ",
        "print job is stuck in queue",
        "Kafka consumer does not start reading the queue",
        "",
    ] {
        let d = diagnose(&rules, text);
        assert!(
            !d.recognised(),
            "{text:?} matched {:?} / {:?}",
            d.cases.iter().map(|c| c.case).collect::<Vec<_>>(),
            d.symptom
        );
    }
    let out = Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args(["triage", "lorem ipsum"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("Not a documented Cloud Connect failure"),
        "{text}"
    );
    assert!(
        text.contains("Wrong security group ID"),
        "it lists what it can recognise: {text}"
    );
}

#[test]
fn triage_is_fast() {
    let rules = builtin_rules();
    let texts: Vec<String> = documented()
        .into_iter()
        .flat_map(|(_, _, variants)| variants)
        .collect();
    // The best of five runs: one run can lose its core to a parallel test
    // binary (it took 57 and 90 ms at a load average of 5 on 2 cores).
    let best = (0..5)
        .map(|_| {
            let started = std::time::Instant::now();
            for text in &texts {
                diagnose(&rules, text);
            }
            started.elapsed()
        })
        .min()
        .expect("five runs");
    assert!(best.as_millis() < 50, "{best:?}");
}

#[test]
fn queue_causes_are_ranked_by_evidence() {
    let rules = builtin_rules();
    let snapshot =
        Snapshot::load(&fixture("scenarios/several-problems/snapshot.json")).expect("fixture");
    let suspects = symptom_rules(&rules, ccaudit::rules::Stage::Queue);
    assert!(suspects.iter().any(|r| r.id == "sg-bitmovin-ssh"));
    assert!(
        suspects.iter().any(|r| r.id == "quota-on-demand-vcpu"),
        "a quota too low for one encoding keeps it in Queue"
    );
    let evidence = weigh(&suspects, &snapshot, Some("live-ap-southeast-2"), None);
    assert_eq!(evidence.len(), 1);
    let findings = &evidence[0].findings;
    let outcomes: Vec<_> = findings.iter().map(|f| f.outcome).collect();
    let mut sorted = outcomes.clone();
    sorted.sort();
    assert_eq!(
        outcomes, sorted,
        "failing first, then unknown, then ruled out, then not applicable"
    );
    assert_eq!(findings[0].outcome, ccaudit::findings::Outcome::Fail);
    let failing: Vec<&str> = findings
        .iter()
        .filter(|f| f.outcome == ccaudit::findings::Outcome::Fail)
        .map(|f| f.rule)
        .collect();
    assert!(
        failing.contains(&"sg-live-srt") && failing.contains(&"quota-on-demand-vcpu"),
        "{failing:?}"
    );
    assert!(
        findings.iter().all(|f| !f.detail.is_empty()),
        "each cause has a line of evidence"
    );
}

#[test]
fn a_message_is_confirmed_or_ruled_out_by_a_snapshot() {
    let run = |scenario: &str, text: &str| -> serde_json::Value {
        let snapshot = format!("fixtures/scenarios/{scenario}/snapshot.json");
        let out = run_ccaudit(
            &["triage", text, "--format", "json", "--snapshot", &snapshot],
            0,
        );
        serde_json::from_slice(&out).expect("json")
    };
    let message = format!("No 'All' IpPermission found for Group {SG} .");
    let confirmed = run("missing-self-rule", &message);
    let evidence = &confirmed["cases"][0]["evidence"][0]["findings"][0];
    assert_eq!(evidence["rule"], "sg-self-all-traffic");
    assert_eq!(evidence["outcome"], "fail");
    let ruled_out = run("guide-production", &message);
    assert_eq!(
        ruled_out["cases"][0]["evidence"][0]["findings"][0]["outcome"],
        "pass"
    );

    // The credentials message has several causes: the evidence ranks them.
    let credentials = run(
        "bad-credentials",
        "AWS was not able to validate the provided access credentials.",
    );
    let targets = credentials["cases"][0]["evidence"]
        .as_array()
        .expect("targets");
    let wrong_account = targets
        .iter()
        .find(|t| t["target"] == "wrong-account-number")
        .expect("target");
    assert_eq!(wrong_account["findings"][0]["rule"], "account-id-matches");
    assert_eq!(wrong_account["findings"][0]["outcome"], "fail");
    let _ = Path::new(".");
}
