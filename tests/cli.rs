//! The real binary over fixture files: output pinned with insta snapshots,
//! exit codes asserted, and every kind of bad input answered with exit 2
//! and a message naming the place.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::{fixture, root};

fn ccaudit(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("the binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn scenario(name: &str) -> String {
    format!("fixtures/scenarios/{name}/snapshot.json")
}

#[test]
fn audit_table_of_a_messy_account() {
    let out = ccaudit(&["audit", &scenario("several-problems")]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    insta::assert_snapshot!("audit_table_several_problems", stdout(&out));
}

#[test]
fn audit_table_of_the_guide_setup_passes() {
    let out = ccaudit(&["audit", &scenario("guide-production")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    insta::assert_snapshot!("audit_table_guide_production", stdout(&out));
}

#[test]
fn audit_json_follows_the_report_contract() {
    let out = ccaudit(&[
        "audit",
        &scenario("group-in-other-region"),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(report["schema"], "ccaudit/report/v1");
    let findings = report["targets"][0]["findings"]
        .as_array()
        .expect("findings");
    let exists = findings
        .iter()
        .find(|f| f["rule"] == "sg-exists-in-region")
        .expect("rule present");
    assert_eq!(exists["outcome"], "fail");
    assert_eq!(exists["stage"], "region-settings");
    let sum: u64 = ["pass", "fail", "unknown", "skip"]
        .iter()
        .map(|k| report["summary"][k].as_u64().expect("count"))
        .sum();
    assert_eq!(sum, findings.len() as u64);
    insta::assert_snapshot!("audit_json_group_in_other_region", stdout(&out));
}

#[test]
fn audit_only_selected_rules_and_write_to_a_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("report.json");
    let out = ccaudit(&[
        "audit",
        &scenario("missing-9999-rule"),
        "--only",
        "sg-bitmovin-9999",
        "--format",
        "json",
        "--output",
        file.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "the report goes to the file only");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("written")).expect("json");
    for target in report["targets"].as_array().expect("targets") {
        let findings = target["findings"].as_array().expect("findings");
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0]["rule"], "sg-bitmovin-9999");
        assert_eq!(findings[0]["outcome"], "fail");
        let command = findings[0]["fix_command"].as_str().expect("a fix command");
        assert!(
            command.starts_with("aws ec2 authorize-security-group-ingress --region "),
            "{command}"
        );
        assert!(command.contains("FromPort=9999,ToPort=9999"), "{command}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert_eq!(leftovers.len(), 1, "no temporary file left behind");
}

#[test]
fn fail_on_sets_the_threshold() {
    // guide-evaluation only fails the low-severity advice rule.
    let snapshot = scenario("guide-evaluation");
    assert_eq!(ccaudit(&["audit", &snapshot]).status.code(), Some(0));
    assert_eq!(
        ccaudit(&["audit", &snapshot, "--fail-on", "low"])
            .status
            .code(),
        Some(1)
    );
    let several = scenario("several-problems");
    assert_eq!(
        ccaudit(&["audit", &several, "--fail-on", "none"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn audit_reads_standard_input() {
    let text = std::fs::read(fixture("scenarios/missing-egress/snapshot.json")).expect("fixture");
    let mut child = Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args(["audit", "-", "--format", "json", "--only", "sg-egress-all"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), &text).expect("write");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("\"outcome\": \"fail\""));
}

#[test]
fn rules_explain_prints_the_rule_file() {
    let out = ccaudit(&["rules", "explain", "sg-self-all-traffic"]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("rules_explain_sg_self_all_traffic", stdout(&out));
}

#[test]
fn rules_list_table() {
    let out = ccaudit(&["rules", "list"]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("rules_list", stdout(&out));
}

#[test]
fn quotas_table_and_json() {
    let out = ccaudit(&["quotas", "--max-encodings", "10"]);
    assert_eq!(out.status.code(), Some(0));
    insta::assert_snapshot!("quotas_10_encodings", stdout(&out));

    let out = ccaudit(&[
        "quotas",
        "--max-encodings",
        "4",
        "--instances-per-encoding",
        "30",
        "--encoder-version",
        "2.100.0",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let lines: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let by_rule = |id: &str| {
        lines
            .as_array()
            .expect("list")
            .iter()
            .find(|l| l["rule"] == id)
            .cloned()
            .expect(id)
    };
    assert_eq!(
        by_rule("quota-spot-vcpu")["required"],
        4.0 * 30.0 * 8.0 * 3.0
    );
    assert_eq!(
        by_rule("quota-spot-vcpu")["recommended"],
        2.0 * 4.0 * 30.0 * 8.0 * 3.0
    );
    assert_eq!(by_rule("quota-gp3-storage")["required"], 6.0);
    assert_eq!(by_rule("quota-io2-iops")["applies"], false);
    assert_eq!(by_rule("quota-io1-iops")["applies"], true);
}

#[test]
fn help_has_examples() {
    for args in [
        &["--help"][..],
        &["audit", "--help"],
        &["quotas", "--help"],
        &["rules", "explain", "--help"],
    ] {
        let out = ccaudit(args);
        assert_eq!(out.status.code(), Some(0));
        assert!(stdout(&out).contains("Example"), "{args:?} has no examples");
    }
}

// ---- bad input: exit 2, the place named, nothing panics -----------------

/// Run, expect exit 2, and return stderr with `dir` replaced by `<dir>`.
fn expect_input_error(args: &[&str], dir: Option<&Path>) -> String {
    let out = ccaudit(args);
    let err = stderr(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}\nstderr: {err}",
        stdout(&out)
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.stdout.is_empty(), "nothing is printed on failure");
    match dir {
        Some(dir) => err.replace(dir.to_str().expect("utf-8"), "<dir>"),
        None => err,
    }
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(&path, text).expect("write");
    path.to_str().expect("utf-8").to_string()
}

const GOOD_TARGET: &str = r#"{"name": "t", "setup": {"region": "eu-central-1", "security_group_id": "sg-0123abcd"}, "aws": {}}"#;

#[test]
fn snapshot_errors_name_file_line_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = Some(dir.path());
    let malformed = write(
        dir.path(),
        "malformed.json",
        "{\"schema\": \"ccaudit/snapshot/v1\",\n \"targets\": [\n  {\"name\": \"t\",}\n]}",
    );
    let wrong_schema = write(
        dir.path(),
        "schema.json",
        r#"{"schema": "prowler/v3", "targets": []}"#,
    );
    let no_schema = write(dir.path(), "noschema.json", r#"{"targets": []}"#);
    let unknown_field = write(
        dir.path(),
        "field.json",
        &format!(
            "{{\"schema\": \"ccaudit/snapshot/v1\", \"targets\": [\n{}]}}",
            GOOD_TARGET.replace("\"region\"", "\"max_encoding\": 4, \"region\"")
        ),
    );
    let bad_cidr = write(
        dir.path(),
        "cidr.json",
        &format!(
            "{{\"schema\": \"ccaudit/snapshot/v1\", \"targets\": [\n{}]}}",
            GOOD_TARGET.replace(
                "\"aws\": {}",
                "\"aws\": {\"ec2:DescribeSecurityGroups\": {\"SecurityGroups\": [{\"GroupId\": \"sg-0123abcd\",\n \"IpPermissions\": [{\"IpProtocol\": \"tcp\", \"IpRanges\": [{\"CidrIp\": \"35.205.157.162/33\"}]}]}]}}"
            )
        ),
    );
    let bad_version = write(
        dir.path(),
        "version.json",
        &format!(
            "{{\"schema\": \"ccaudit/snapshot/v1\", \"targets\": [\n{}]}}",
            GOOD_TARGET.replace("\"region\"", "\"encoder_version\": \"latest\", \"region\"")
        ),
    );
    let unknown_key = write(
        dir.path(),
        "key.json",
        &format!(
            "{{\"schema\": \"ccaudit/snapshot/v1\", \"targets\": [\n{}]}}",
            GOOD_TARGET.replace(
                "\"aws\": {}",
                "\"aws\": {\"ec2:DescribeSecurityGroup\": {}}"
            )
        ),
    );
    let missing = dir.path().join("nope.json");
    let mut report = String::new();
    for path in [
        &malformed,
        &wrong_schema,
        &no_schema,
        &unknown_field,
        &bad_cidr,
        &bad_version,
        &unknown_key,
        missing.to_str().expect("utf-8"),
    ] {
        report.push_str(&expect_input_error(&["audit", path], d));
    }
    insta::assert_snapshot!("snapshot_errors", report);
}

fn rule_file(id: &str, check: &str) -> String {
    format!(
        "id = \"{id}\"\ntitle = \"t\"\nseverity = \"high\"\nstage = \"queue\"\nreferences = [\"x\"]\nwhy = \"w\"\nfix = \"f\"\n\n{check}\n"
    )
}

#[test]
fn rule_file_errors_name_file_line_and_column() {
    let cases = [
        (
            "unknown-field",
            format!("{}bogus = 1\n", rule_file("r1", "[check.account-matches]")),
        ),
        (
            "duplicate-id",
            rule_file("sg-bitmovin-9999", "[check.account-matches]"),
        ),
        (
            "bad-cidr",
            rule_file(
                "r2",
                "[check.egress-allows]\nports = [\"all\"]\nto = [\"0.0.0.0/0\", \"10.0.0.0/40\"]",
            ),
        ),
        (
            "unknown-check",
            rule_file("r3", "[check.port-scan]\nports = [1]"),
        ),
        (
            "bad-formula",
            rule_file(
                "r4",
                "[check.quota-at-least]\nquota = \"ec2/L-1\"\nname = \"n\"\nformula = \"max_encodings * vcpu_per_instance\"\nmargin = 2",
            ),
        ),
        (
            "unknown-ref",
            rule_file(
                "r5",
                "[check.ingress-allows]\nports = [\"tcp:22\"]\nfrom = \"@bitmovin_addresses\"",
            ),
        ),
        (
            "bad-port",
            rule_file(
                "r6",
                "[check.ingress-allows]\nports = [\"tcp:99999\"]\nfrom = \"@bitmovin_sources\"",
            ),
        ),
        (
            "unknown-placeholder",
            format!(
                "fix_command = \"aws ec2 x --group {{group_id}}\"\n{}",
                rule_file("r7", "[check.account-matches]")
            ),
        ),
        ("toml-syntax", "id = \"r8\nbroken".to_string()),
        (
            "missing-field",
            "id = \"r9\"\n[check.account-matches]\n".to_string(),
        ),
        (
            "empty-triage-pattern",
            format!(
                "{}\n[triage]\ncase = \"c\"\npatterns = [\"queue\", \"\"]\n",
                rule_file("r10", "[check.account-matches]")
            ),
        ),
    ];
    let mut report = String::new();
    for (name, text) in cases {
        let dir = tempfile::tempdir().expect("temp dir");
        write(dir.path(), &format!("{name}.toml"), &text);
        let err = expect_input_error(
            &[
                "rules",
                "list",
                "--rules",
                dir.path().to_str().expect("utf-8"),
            ],
            Some(dir.path()),
        );
        report.push_str(&err);
    }
    insta::assert_snapshot!("rule_file_errors", report);
}

#[test]
fn flag_errors() {
    let snapshot = scenario("guide-production");
    let err = expect_input_error(&["audit", &snapshot, "--only", "sg-bitmovin-999"], None);
    assert!(err.contains("unknown rule id `sg-bitmovin-999`"), "{err}");
    let err = expect_input_error(&["audit", &snapshot, "--now", "2026-02-30"], None);
    assert!(err.contains("month 2 has 28 days"), "{err}");
    let err = expect_input_error(&["audit", &snapshot, "--now", "2026-13-01"], None);
    assert!(err.contains("no month 13"), "{err}");
    let err = expect_input_error(&["rules", "explain", "nope"], None);
    assert!(err.contains("nope: no such rule"), "{err}");
    let err = expect_input_error(&["audit", &snapshot, "--format", "yaml"], None);
    assert!(err.contains("invalid value 'yaml'"), "{err}");
    let err = expect_input_error(&["audit", &snapshot, "--rules", "does-not-exist"], None);
    assert!(
        err.contains("does-not-exist: --rules must name a folder"),
        "{err}"
    );
}

#[test]
fn an_output_that_cannot_be_written_is_an_error_naming_it() {
    let snapshot = scenario("several-problems");
    // A full disk, in every format of every command that writes a file.
    let formats = [
        "table", "json", "sarif", "junit", "markdown", "html", "csv", "ocsf",
    ];
    let mut runs: Vec<Vec<&str>> = formats
        .iter()
        .map(|f| vec!["audit", &snapshot, "--format", f, "-o", "/dev/full"])
        .collect();
    runs.push(vec!["fix", &snapshot, "-o", "/dev/full"]);
    runs.push(vec![
        "fix",
        &snapshot,
        "--format",
        "terraform",
        "-o",
        "/dev/full",
    ]);
    for args in &runs {
        let err = expect_input_error(args, None);
        assert!(
            err.starts_with("error: /dev/full: cannot write output: No space left on device"),
            "{args:?}: {err}"
        );
    }
    // And on standard output.
    for args in [
        &["audit", &snapshot, "--format", "csv"][..],
        &["rules", "list", "--format", "json"],
        &["quotas", "--max-encodings", "10", "--format", "json"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let out = Command::new(env!("CARGO_BIN_EXE_ccaudit"))
            .args(args)
            .current_dir(root())
            .stdout(full)
            .output()
            .expect("the binary runs");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.starts_with("error: <stdout>: cannot write output: No space left on device"),
            "{args:?}: {err}"
        );
    }
    // A path that names a folder: refused before any folder is made.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("new").join("..");
    let err = expect_input_error(
        &["audit", &snapshot, "-o", path.to_str().expect("utf-8")],
        Some(dir.path()),
    );
    assert_eq!(
        err,
        "error: <dir>/new/..: cannot write output: the path names a folder, not a file\n"
    );
    assert!(!dir.path().join("new").exists(), "no folder was made");
}

#[test]
fn user_rules_are_added_to_the_builtin_ones() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "team/no-telnet.toml",
        &rule_file(
            "team-telnet-closed",
            "[check.sources-restricted]\nports = [\"tcp:23\"]\nallowed = []",
        ),
    );
    let out = ccaudit(&[
        "audit",
        &scenario("guide-production"),
        "--rules",
        dir.path().to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let findings = report["targets"][0]["findings"]
        .as_array()
        .expect("findings");
    assert_eq!(findings.len(), common::builtin_rules().rules.len() + 1);
    assert!(
        findings
            .iter()
            .any(|f| f["rule"] == "team-telnet-closed" && f["outcome"] == "pass")
    );
}

#[test]
fn output_through_a_link_writes_to_the_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().expect("temp dir");
    let real = dir.path().join("real.json");
    std::fs::write(&real, "old").expect("write");
    let link = dir.path().join("report.json");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let out = ccaudit(&[
        "audit",
        &scenario("guide-production"),
        "--format",
        "json",
        "-o",
        link.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        std::fs::symlink_metadata(&link)
            .expect("meta")
            .file_type()
            .is_symlink(),
        "the link is kept"
    );
    assert!(
        std::fs::read_to_string(&real)
            .expect("read")
            .contains("ccaudit/report/v1")
    );
}

#[test]
fn snapshot_text_reaches_the_terminal_escaped() {
    let mut snapshot =
        common::read_json(&common::fixture("scenarios/several-problems/snapshot.json"));
    let target = &mut snapshot["targets"][0];
    target["name"] = serde_json::Value::from("prod\u{1b}[2J\u{1b}]0;owned\u{7}");
    let permissions =
        target["aws"]["ec2:DescribeSecurityGroups"]["SecurityGroups"][0]["IpPermissions"]
            .as_array_mut()
            .expect("permissions");
    permissions.push(serde_json::json!({
        "IpProtocol": "tcp", "FromPort": 9443, "ToPort": 9443,
        "UserIdGroupPairs": [{"GroupId": "sg-evil\u{1b}[31m\u{202e}"}]
    }));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "hostile.json", &snapshot.to_string());
    for args in [
        vec!["audit", path.as_str()],
        vec!["fix", path.as_str()],
        vec!["fix", path.as_str(), "--format", "terraform"],
        vec!["triage", "--symptom", "queue", "--snapshot", path.as_str()],
    ] {
        let out = ccaudit(&args);
        let text = stdout(&out);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}') && !text.contains('\u{202e}'),
            "{args:?} sends control characters"
        );
        assert!(
            text.contains("\\u{1b}"),
            "{args:?} shows them escaped:\n{text}"
        );
    }
}

/// `--color`: never at a pipe by default, nor with NO_COLOR; `always`
/// colours only the outcome words, and the layout is the uncoloured one.
#[test]
fn the_table_is_coloured_only_when_asked_or_at_a_terminal() {
    let snapshot = scenario("several-problems");
    let plain = ccaudit(&["audit", &snapshot]);
    assert!(!stdout(&plain).contains('\x1b'), "a pipe gets no colour");
    let colored = ccaudit(&["audit", &snapshot, "--color", "always"]);
    assert_eq!(colored.status.code(), plain.status.code());
    let text = stdout(&colored);
    assert!(text.contains("│ \x1b[1;31mFAIL\x1b[0m    ┆"), "{text}");
    assert!(text.contains("│ \x1b[32mPASS\x1b[0m    ┆"), "{text}");
    let stripped = regex::Regex::new("\x1b\\[[0-9;]*m")
        .expect("regex")
        .replace_all(&text, "");
    assert_eq!(stripped, stdout(&plain), "colour changes no layout");
    // NO_COLOR is for `auto`; a file never gets colour.
    let no_color = Command::new(env!("CARGO_BIN_EXE_ccaudit"))
        .args(["audit", &snapshot, "--color", "auto"])
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    assert!(!stdout(&no_color).contains('\x1b'));
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("report.txt");
    ccaudit(&[
        "audit",
        &snapshot,
        "--color",
        "always",
        "-o",
        file.to_str().expect("utf-8"),
    ]);
    assert!(
        !std::fs::read_to_string(&file)
            .expect("read")
            .contains('\x1b')
    );
    let refused = ccaudit(&["audit", &snapshot, "--color", "sometimes"]);
    assert_eq!(refused.status.code(), Some(2));
}

/// Completions and manual pages come from the same definitions as --help.
#[test]
fn completions_and_manual_pages_cover_every_command() {
    let commands = [
        "audit", "collect", "scan", "triage", "diff", "fix", "policy", "rules", "quotas", "merge",
    ];
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = ccaudit(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        for command in commands {
            assert!(script.contains(command), "{shell} completes no `{command}`");
        }
    }
    let bash = stdout(&ccaudit(&["completions", "bash"]));
    assert!(
        bash.contains("--shard") && bash.contains("--from-bitmovin"),
        "flags complete too"
    );
    let man = ccaudit(&["man"]);
    assert_eq!(man.status.code(), Some(0), "{}", stderr(&man));
    let page = stdout(&man);
    assert!(
        page.starts_with(".ie \\n(.g .ds Aq"),
        "roff: {}",
        &page[..page.len().min(80)]
    );
    assert!(page.contains(".TH ccaudit 1"), "{page}");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = ccaudit(&["man", "--out-dir", dir.path().to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for command in commands {
        let page = dir.path().join(format!("ccaudit-{command}.1"));
        assert!(page.is_file(), "no {}", page.display());
    }
    assert!(dir.path().join("ccaudit.1").is_file());
}
