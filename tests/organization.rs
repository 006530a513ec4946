//! `scan --organization` against moto's Organizations, STS, EC2 and IAM,
//! with moto's authentication on: the management account's auditor lists
//! the organization and assumes OrganizationAccountAccessRole in each
//! member account; its own policy denies that for one account, which must
//! become a target whose evidence says so while the others go on.

mod aws;
mod servers;

use std::collections::BTreeMap;

use aws::{Grant, GroupSpec};
use serde_json::{Value, json};

const REGION: &str = "eu-west-1";
const ROLE: &str = "OrganizationAccountAccessRole";
const GROUP: &str = "bitmovin-encoders";
const USER: &str = "bitmovin-cloud-connect";
/// Member accounts under the audited unit (one of them broken).
const MEMBERS: usize = 21;

/// What a member account holds.
#[derive(Clone, Copy, PartialEq)]
enum Member {
    Guide,
    /// No group of the fleet's name in the region.
    NoGroup,
    /// The group without its SSH rule.
    NoSsh,
    /// Its role cannot be assumed (the auditor's policy denies it).
    Broken,
}

struct Organization {
    unit: String,
    /// Account id → what it holds, for the accounts under `unit`.
    members: BTreeMap<String, Member>,
    /// An active account outside the unit, and a closed one inside it.
    outside: String,
    closed: String,
    /// The management account's auditor keys.
    auditor: (String, String),
    /// Keys of a management-account user that may not list the accounts.
    unlisted: (String, String),
}

fn member_kind(index: usize) -> Member {
    match index {
        3 => Member::NoGroup,
        5 => Member::NoSsh,
        8 => Member::Broken,
        _ => Member::Guide,
    }
}

/// Seed the organization with authentication off: units, accounts, and in
/// each member account what Bitmovin's guide asks for, reached through the
/// role moto creates in every new account.
async fn seed(moto: &str) -> Organization {
    let management = aws::sdk(moto, "us-east-1", "testing", "testing").await;
    let org = aws_sdk_organizations::Client::new(&management);
    org.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .expect("create organization");
    let root = org.list_roots().send().await.expect("roots").roots()[0]
        .id()
        .expect("root id")
        .to_string();
    let unit = |parent: String, name: &'static str| {
        let org = org.clone();
        async move {
            org.create_organizational_unit()
                .parent_id(parent)
                .name(name)
                .send()
                .await
                .expect("create unit")
                .organizational_unit()
                .and_then(|u| u.id())
                .expect("unit id")
                .to_string()
        }
    };
    let media = unit(root.clone(), "media").await;
    let live = unit(media.clone(), "live").await;
    let create = |n: usize| {
        let org = org.clone();
        async move {
            org.create_account()
                .email(format!("media-{n}@example.com"))
                .account_name(format!("media {n}"))
                .send()
                .await
                .expect("create account")
                .create_account_status()
                .and_then(|s| s.account_id())
                .expect("account id")
                .to_string()
        }
    };
    let mut members = BTreeMap::new();
    for index in 0..MEMBERS {
        let id = create(index).await;
        // Some in the unit itself, some one level below it.
        let into = if index % 3 == 0 { &live } else { &media };
        org.move_account()
            .account_id(&id)
            .source_parent_id(&root)
            .destination_parent_id(into)
            .send()
            .await
            .expect("move account");
        let kind = member_kind(index);
        prepare_member(moto, &id, kind).await;
        members.insert(id, kind);
    }
    let outside = create(100).await;
    prepare_member(moto, &outside, Member::Guide).await;
    let closed = create(101).await;
    org.move_account()
        .account_id(&closed)
        .source_parent_id(&root)
        .destination_parent_id(&media)
        .send()
        .await
        .expect("move account");
    org.close_account()
        .account_id(&closed)
        .send()
        .await
        .expect("close account");

    let broken: Vec<&String> = members
        .iter()
        .filter(|(_, kind)| **kind == Member::Broken)
        .map(|(id, _)| id)
        .collect();
    let policy = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["organizations:Describe*", "organizations:List*"], "Resource": "*"},
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": format!("arn:aws:iam::*:role/{ROLE}")},
        {"Effect": "Deny", "Action": "sts:AssumeRole",
         "Resource": broken.iter().map(|id| format!("arn:aws:iam::{id}:role/{ROLE}")).collect::<Vec<_>>()},
    ]});
    let auditor = aws::create_user(
        &management,
        &aws::unique("org-auditor"),
        Grant::Inline(policy.to_string()),
    )
    .await;
    let unlisted = aws::create_user(
        &management,
        &aws::unique("no-organizations"),
        Grant::Inline(
            json!({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}]})
            .to_string(),
        ),
    )
    .await;
    Organization {
        unit: media,
        members,
        outside,
        closed,
        auditor,
        unlisted,
    }
}

/// In account `id`: the role's permission to audit, the Bitmovin user with
/// the guide's policy, and the group of the fleet's name as `kind` says.
async fn prepare_member(moto: &str, id: &str, kind: Member) {
    let management = aws::sdk(moto, REGION, "testing", "testing").await;
    let session = aws_sdk_sts::Client::new(&management)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{id}:role/{ROLE}"))
        .role_session_name("seed")
        .send()
        .await
        .expect("assume role to seed");
    let config = aws::sdk_session(moto, REGION, session.credentials().expect("credentials")).await;
    aws_sdk_iam::Client::new(&config)
        .put_role_policy()
        .role_name(ROLE)
        .policy_name("ccaudit")
        .policy_document(ccaudit::collect::operations::auditor_policy())
        .send()
        .await
        .expect("role policy");
    aws::create_user(&config, USER, Grant::GuideInline).await;
    match kind {
        Member::NoGroup => {}
        Member::NoSsh => {
            let spec = GroupSpec {
                ssh_from: Vec::new(),
                ..GroupSpec::guide()
            };
            aws::create_group_named(&config, &spec, GROUP).await;
        }
        Member::Guide | Member::Broken => {
            aws::create_group_named(&config, &GroupSpec::guide(), GROUP).await;
        }
    }
}

/// `scan --organization` through the role, with the auditor's keys and
/// `extra` flags; the JSON report and stderr.
fn scan(moto: &str, quotas: &str, org: &Organization, extra: &[&str]) -> (Value, String) {
    let mut args = vec![
        "scan",
        "--organization",
        "--org-role-name",
        ROLE,
        "--format",
        "json",
        "--fail-on",
        "none",
    ];
    args.extend_from_slice(extra);
    let out = aws::ccaudit(moto, quotas, (&org.auditor.0, &org.auditor.1), &args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    (
        serde_json::from_slice(&out.stdout).expect("json report"),
        stderr,
    )
}

/// The same with every account's settings given by flags.
fn scan_with_flags(
    moto: &str,
    quotas: &str,
    org: &Organization,
    extra: &[&str],
) -> (Value, String) {
    let mut args = vec![
        "--regions",
        REGION,
        "--security-group-name",
        GROUP,
        "--iam-user",
        USER,
        "--max-encodings",
        "10",
        "--live",
        "rtmp",
    ];
    args.extend_from_slice(extra);
    scan(moto, quotas, org, &args)
}

fn findings<'a>(report: &'a Value, target: &str) -> BTreeMap<&'a str, &'a Value> {
    report["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .find(|t| t["name"] == target)
        .unwrap_or_else(|| panic!("no target {target}"))["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| (f["rule"].as_str().unwrap_or(""), f))
        .collect()
}

#[test]
fn an_organization_unit_is_audited_account_by_account_and_a_broken_one_does_not_stop_the_rest() {
    let moto = aws::moto_auth();
    aws::moto_control(&moto, "/moto-api/reset-auth", "inf");
    let org = aws::runtime().block_on(seed(&moto));
    let quotas = aws::guide_quotas();
    aws::moto_control(&moto, "/moto-api/reset-auth", "0");

    let started = std::time::Instant::now();
    let (report, stderr) = scan_with_flags(&moto, &quotas, &org, &["--org-unit", &org.unit]);
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("{MEMBERS} accounts of an organization unit: {seconds:.1} s");
    assert!(
        stderr.contains(&format!(
            "organization: {MEMBERS} active accounts (0 left out, 1 not active;"
        )),
        "{stderr}"
    );
    let verdicts = aws::verdicts(&report);
    let expected: Vec<String> = org
        .members
        .keys()
        .map(|id| format!("{id}-{REGION}"))
        .collect();
    assert_eq!(
        verdicts.keys().cloned().collect::<Vec<_>>(),
        expected,
        "the unit's active accounts, the one below it included; not {} outside it, not {} closed",
        org.outside,
        org.closed
    );
    for (id, kind) in &org.members {
        let target = format!("{id}-{REGION}");
        let outcomes = &verdicts[&target];
        let found = findings(&report, &target);
        match kind {
            Member::Broken => {
                // Nothing AWS would say is known; nothing passes.
                for (rule, outcome) in outcomes {
                    assert!(
                        outcome == "unknown" || outcome == "skip",
                        "{target} {rule}: {outcome}"
                    );
                }
                let detail = found["sg-exists-in-region"]["detail"]
                    .as_str()
                    .unwrap_or_default();
                // STS's own words, as the other failed calls are recorded.
                assert!(
                    detail.contains(&format!(
                        "CredentialsError: cannot load credentials from role arn:aws:iam::{id}:role/{ROLE}: sts:AssumeRole refused (AccessDenied): User: arn:aws:iam::123456789012:user/"
                    )),
                    "{detail}"
                );
            }
            Member::NoGroup => {
                assert_eq!(outcomes["sg-exists-in-region"], "fail", "{target}");
                assert_eq!(
                    found["sg-exists-in-region"]["detail"],
                    format!("no security group is named {GROUP} in {REGION}")
                );
                assert_eq!(outcomes["sg-bitmovin-ssh"], "skip", "{target}");
                // No id to put in the command that searches the regions.
                let failed = found["sg-exists-in-region"];
                assert!(failed["fix_command"].is_null(), "{failed}");
                assert!(
                    failed["fix"].as_str().unwrap_or_default().ends_with(
                        "No command is given: the target's security_group_id is not known."
                    ),
                    "{failed}"
                );
                assert_eq!(outcomes["iam-ec2-permissions"], "pass", "{target}");
            }
            Member::NoSsh => {
                assert_eq!(outcomes["sg-exists-in-region"], "pass", "{target}");
                assert_eq!(outcomes["sg-bitmovin-ssh"], "fail", "{target}");
                // The fix names the group found by its name.
                let command = found["sg-bitmovin-ssh"]["fix_command"]
                    .as_str()
                    .unwrap_or_default();
                assert!(command.contains("--group-id sg-"), "{command}");
            }
            Member::Guide => {
                for rule in [
                    "sg-exists-in-region",
                    "sg-bitmovin-ssh",
                    "sg-bitmovin-9999",
                    "sg-self-all-traffic",
                    "iam-ec2-permissions",
                    "quota-on-demand-vcpu",
                ] {
                    assert_eq!(outcomes[rule], "pass", "{target} {rule}: {}", found[rule]);
                }
                // The service control policies were read with the
                // management account's keys, not the member's role.
                let detail = found["iam-ec2-permissions"]["detail"]
                    .as_str()
                    .unwrap_or_default();
                assert!(!detail.contains("were not weighed"), "{detail}");
            }
        }
    }

    // Without a unit: every active account, less those left out, as an
    // inventory says (one account in a second region, where it has no group).
    let no_ssh = org
        .members
        .iter()
        .find(|(_, kind)| **kind == Member::NoSsh)
        .map(|(id, _)| id.clone())
        .expect("an account without SSH");
    let guide = org
        .members
        .iter()
        .find(|(_, kind)| **kind == Member::Guide)
        .map(|(id, _)| id.clone())
        .expect("a guide account");
    let dir = tempfile::tempdir().expect("temp dir");
    let inventory = dir.path().join("org.toml");
    std::fs::write(
        &inventory,
        format!(
            "[defaults]\nregions = [\"{REGION}\"]\nsecurity_group_name = \"{GROUP}\"\niam_user = \"{USER}\"\nmax_encodings = 10\nlive = [\"rtmp\"]\n\n[accounts.{no_ssh}]\nregions = [\"{REGION}\", \"us-east-1\"]\n"
        ),
    )
    .expect("write inventory");
    let management = "123456789012";
    let (report, stderr) = scan(
        &moto,
        &quotas,
        &org,
        &[
            "--inventory",
            inventory.to_str().expect("utf-8"),
            "--exclude-account",
            management,
            "--quiet",
        ],
    );
    assert!(stderr.is_empty(), "{stderr}");
    let verdicts = aws::verdicts(&report);
    assert_eq!(verdicts.len(), MEMBERS + 2, "{:?}", verdicts.keys());
    assert!(verdicts.contains_key(&format!("{}-{REGION}", org.outside)));
    assert!(!verdicts.keys().any(|n| n.starts_with(management)));
    assert_eq!(
        verdicts[&format!("{no_ssh}-us-east-1")]["sg-exists-in-region"],
        "fail"
    );
    assert_eq!(
        verdicts[&format!("{guide}-{REGION}")]["quota-on-demand-vcpu"],
        "pass"
    );

    // Credentials that cannot list the organization: nothing to audit.
    let out = aws::ccaudit(
        &moto,
        &quotas,
        (&org.unlisted.0, &org.unlisted.1),
        &[
            "collect",
            "--organization",
            "--org-role-name",
            ROLE,
            "--regions",
            REGION,
            "--security-group-name",
            GROUP,
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot list the organization's accounts: organizations:ListAccounts failed: AccessDenied"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "no snapshot of half an organization");
    aws::moto_control(&moto, "/moto-api/reset-auth", "inf");
}

#[test]
fn organization_flags_are_checked_before_any_call() {
    let cases: [(&[&str], &str); 7] = [
        (
            &[
                "--organization",
                "--org-role-name",
                ROLE,
                "--regions",
                REGION,
            ],
            "--security-group-name",
        ),
        (
            &[
                "--organization",
                "--org-role-name",
                ROLE,
                "--security-group-name",
                GROUP,
            ],
            "no regions to audit",
        ),
        (
            &[
                "--organization",
                "--regions",
                REGION,
                "--security-group-name",
                GROUP,
            ],
            "--org-role-name",
        ),
        (
            &[
                "--organization",
                "--org-role-name",
                "a b",
                "--regions",
                REGION,
            ],
            "not an IAM role name",
        ),
        (
            &[
                "--organization",
                "--org-role-name",
                ROLE,
                "--org-unit",
                "media",
                "--regions",
                REGION,
            ],
            "not an organizational unit id",
        ),
        (
            &[
                "--organization",
                "--org-role-name",
                ROLE,
                "--regions",
                "Europe",
            ],
            "not an AWS region name",
        ),
        (
            &[
                "--organization",
                "--org-role-name",
                ROLE,
                "--exclude-account",
                "12",
                "--regions",
                REGION,
            ],
            "12 digits",
        ),
    ];
    for (args, message) in cases {
        let mut all = vec!["collect"];
        all.extend_from_slice(args);
        // Nothing listens here: a call made would fail otherwise.
        let out = aws::ccaudit("http://127.0.0.1:9", "http://127.0.0.1:9", ("k", "s"), &all);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{all:?}: {stderr}");
        assert!(stderr.contains(message), "{all:?}: {stderr}");
    }
}
