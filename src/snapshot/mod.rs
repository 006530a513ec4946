//! The snapshot: raw evidence about one or more targets (an account and
//! region set up for Cloud Connect), in the contract of docs/snapshot.md.

pub mod aws;
pub mod bitmovin;
mod split;
pub mod stream;
pub mod terraform;

use std::fmt;
use std::path::Path;

use serde::Deserialize;

use crate::error::InputError;
use crate::version::EncoderVersion;
pub use aws::AwsEvidence;
pub use bitmovin::BitmovinEvidence;

pub const SCHEMA: &str = "ccaudit/snapshot/v1";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub schema: String,
    #[serde(default)]
    pub collected_at: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    pub name: String,
    #[serde(deserialize_with = "Setup::checked")]
    pub setup: Setup,
    #[serde(default)]
    pub aws: AwsEvidence,
    /// What Bitmovin's API says of the target, when it was read from there.
    #[serde(default)]
    pub bitmovin: Option<BitmovinEvidence>,
    /// Where the target's resources are written, when it is a Terraform
    /// plan's (`audit --terraform-plan`). Never read from a snapshot file:
    /// it takes fix commands away and adds words to findings.
    #[serde(skip_deserializing)]
    pub terraform: Option<terraform::Origin>,
}

/// What the customer entered (or will enter) in the Bitmovin dashboard, plus
/// the sizing the quota rules need.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    #[serde(default)]
    pub account_id: Option<String>,
    pub region: String,
    /// The group entered in the region settings…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group_id: Option<String>,
    /// …or, when its id is not known beforehand (a fleet set up alike), the
    /// name it is found by among the region's groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group_name: Option<String>,
    #[serde(default)]
    pub subnet_id: Option<String>,
    #[serde(default)]
    pub iam_user: Option<String>,
    #[serde(default = "default_ssh_port")]
    pub ssh_port: u16,
    #[serde(default)]
    pub encoder_version: EncoderVersion,
    #[serde(default)]
    pub max_encodings: Option<u32>,
    #[serde(default = "default_instances_per_encoding")]
    pub instances_per_encoding: u32,
    #[serde(default)]
    pub live: Vec<LiveProtocol>,
    /// The instance types Bitmovin may start in the region (any when empty:
    /// the quota rules then count the guide's 8 vCPUs per instance).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub machine_types: Vec<String>,
    /// A cap on the instances (coordinators and workers) in the region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_instances: Option<u32>,
}

impl Setup {
    /// A setup as the contract allows it: one way to name the group.
    fn checked<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Setup, D::Error> {
        let setup = Setup::deserialize(deserializer)?;
        match (&setup.security_group_id, &setup.security_group_name) {
            (None, None) => Err(serde::de::Error::custom(
                "the setup names no security group: give `security_group_id` (or `security_group_name` to find it by)",
            )),
            (Some(_), Some(_)) => Err(serde::de::Error::custom(
                "the setup gives both `security_group_id` and `security_group_name`: give one",
            )),
            // EC2 allows 1 to 255 characters.
            (None, Some(name)) if name.is_empty() || name.chars().count() > 255 => {
                Err(serde::de::Error::custom(
                    "`security_group_name` is not a group name (1 to 255 characters)",
                ))
            }
            _ => Ok(setup),
        }
    }

    /// How the setup names its group, for a person reading.
    pub fn group_label(&self) -> String {
        match (&self.security_group_id, &self.security_group_name) {
            (Some(id), _) => id.clone(),
            (None, Some(name)) => format!("the group named {name}"),
            (None, None) => "(no group)".to_string(),
        }
    }
}

pub const DEFAULT_SSH_PORT: u16 = 22;
pub const DEFAULT_INSTANCES_PER_ENCODING: u32 = 60;

fn default_ssh_port() -> u16 {
    DEFAULT_SSH_PORT
}

fn default_instances_per_encoding() -> u32 {
    DEFAULT_INSTANCES_PER_ENCODING
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LiveProtocol {
    Rtmp,
    Srt,
    Zixi,
}

impl fmt::Display for LiveProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LiveProtocol::Rtmp => "rtmp",
            LiveProtocol::Srt => "srt",
            LiveProtocol::Zixi => "zixi",
        })
    }
}

/// The snapshot's fields, as `Snapshot` names them.
#[derive(Clone, Copy, Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Schema,
    CollectedAt,
    Source,
    Targets,
}

const FIELDS: &[&str] = &["schema", "collected_at", "source", "targets"];

/// The schema field alone, to explain a snapshot that failed to parse.
#[derive(Deserialize)]
struct SchemaOnly {
    #[serde(default)]
    schema: Option<String>,
}

impl Snapshot {
    /// Read and validate a snapshot file (`-` reads standard input). The
    /// whole file is held in memory: `stream::each_target` reads one target
    /// at a time instead.
    pub fn load(path: &Path) -> Result<Snapshot, InputError> {
        Snapshot::from_slice(path, &read_all(path)?)
    }

    pub fn from_slice(path: &Path, bytes: &[u8]) -> Result<Snapshot, InputError> {
        let reread = || Ok(bytes.to_vec());
        match serde_json::from_slice::<Snapshot>(bytes) {
            Ok(snapshot) => {
                let facts = Facts {
                    schema: snapshot.schema.clone(),
                    targets: snapshot.targets.len(),
                    duplicate: first_duplicate(snapshot.targets.iter().map(|t| t.name.as_str())),
                };
                judge_parsed(path, facts, reread)?;
                Ok(snapshot)
            }
            Err(e) => Err(judge_failed(path, &e, reread)),
        }
    }
}

/// The file's bytes, or standard input's for `-`.
pub(crate) fn read_all(path: &Path) -> Result<Vec<u8>, InputError> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf)
            .map_err(|e| InputError::new(path, format!("cannot read standard input: {e}")))?;
        Ok(buf)
    } else {
        std::fs::read(path).map_err(|e| InputError::new(path, format!("cannot read snapshot: {e}")))
    }
}

/// What the checks after parsing need to know of a parsed snapshot.
struct Facts {
    schema: String,
    targets: usize,
    /// The first name a second target has too.
    duplicate: Option<String>,
}

fn first_duplicate<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut seen = std::collections::HashSet::new();
    names
        .into_iter()
        .find(|name| !seen.insert(*name))
        .map(str::to_string)
}

// The decisions after a parse, whole or streamed: which error, if any, the
// snapshot gets. `bytes` reads the file again, only to place an error.

/// A parse that failed: a wrong or missing schema explains any other error
/// better, so it is checked first (the probe runs only when something is off).
fn judge_failed(
    path: &Path,
    error: &serde_json::Error,
    bytes: impl FnOnce() -> Result<Vec<u8>, InputError>,
) -> InputError {
    let bytes = match bytes() {
        Ok(bytes) => bytes,
        Err(e) => return e,
    };
    match serde_json::from_slice::<SchemaOnly>(&bytes) {
        Ok(SchemaOnly { schema }) if schema.as_deref() != Some(SCHEMA) => {
            schema_error(path, &bytes, schema.as_deref())
        }
        _ => InputError::json(path, error),
    }
}

/// A parse that succeeded: our schema, some targets, no name twice.
fn judge_parsed(
    path: &Path,
    facts: Facts,
    bytes: impl FnOnce() -> Result<Vec<u8>, InputError>,
) -> Result<(), InputError> {
    if facts.schema == SCHEMA && facts.targets > 0 && facts.duplicate.is_none() {
        return Ok(());
    }
    let bytes = bytes()?;
    if facts.schema != SCHEMA {
        return Err(schema_error(path, &bytes, Some(&facts.schema)));
    }
    if facts.targets == 0 {
        // An audit of nothing would pass: that is no evidence.
        return Err(located(
            path,
            &bytes,
            r#""targets"\s*:"#,
            "the snapshot has no targets: nothing to audit".to_string(),
        ));
    }
    match facts.duplicate {
        Some(name) => Err(duplicate_error(path, &bytes, &name)),
        None => Ok(()),
    }
}

/// A schema other than ours, or none.
fn schema_error(path: &Path, bytes: &[u8], schema: Option<&str>) -> InputError {
    match schema {
        Some(schema) => located(
            path,
            bytes,
            r#""schema"\s*:"#,
            format!(
                "unsupported snapshot schema \"{}\" (this ccaudit reads \"{SCHEMA}\")",
                schema.escape_debug()
            ),
        ),
        None => located(
            path,
            bytes,
            r"\S",
            format!("not a ccaudit snapshot: no \"schema\" field (expected \"{SCHEMA}\")"),
        ),
    }
}

/// An error at the first match of `pattern` in the file (its first line
/// when nothing matches).
fn located(path: &Path, bytes: &[u8], pattern: &str, message: String) -> InputError {
    let text = String::from_utf8_lossy(bytes);
    let offset = regex::Regex::new(pattern)
        .ok()
        .and_then(|r| r.find(&text))
        .map_or(0, |m| m.start());
    let (line, col) = crate::error::line_col(&text, offset);
    InputError::at(path, line, col, message)
}

/// Two targets with one name would be confused by drift, suppressions and
/// `--target`: the error names both places.
fn duplicate_error(path: &Path, bytes: &[u8], name: &str) -> InputError {
    let text = String::from_utf8_lossy(bytes);
    // The name as JSON writes it (a `Value` prints without fail), found
    // as text: a regex of it could be too large to build.
    let encoded = serde_json::Value::from(name).to_string();
    let space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\r');
    let places: Vec<(usize, usize)> = text
        .match_indices("\"name\"")
        .filter(|&(at, key)| {
            text[at + key.len()..]
                .trim_start_matches(space)
                .strip_prefix(':')
                .is_some_and(|value| value.trim_start_matches(space).starts_with(&encoded))
        })
        // Only the first two are named: each position counts from the start.
        .take(2)
        .map(|(at, _)| crate::error::line_col(&text, at))
        .collect();
    let message = format!(
        "two targets are named `{}`{}: target names must be unique",
        name.escape_debug(),
        match places.as_slice() {
            [(l1, c1), (l2, c2), ..] => format!(" (at {l1}:{c1} and {l2}:{c2})"),
            _ => String::new(),
        }
    );
    match places.get(1) {
        Some(&(line, col)) => InputError::at(path, line, col, message),
        None => InputError::new(path, message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Snapshot, InputError> {
        Snapshot::from_slice(Path::new("s.json"), text.as_bytes())
    }

    const MINIMAL: &str = r#"{"schema": "ccaudit/snapshot/v1", "targets": [
        {"name": "t", "setup": {"region": "eu-central-1", "security_group_id": "sg-0123abcd"}, "aws": {}}]}"#;

    #[test]
    fn defaults_follow_the_contract() {
        let s = parse(MINIMAL).unwrap();
        let setup = &s.targets[0].setup;
        assert_eq!(setup.ssh_port, 22);
        assert_eq!(setup.instances_per_encoding, 60);
        assert_eq!(setup.encoder_version, EncoderVersion::Stable);
        assert!(setup.live.is_empty());
        assert!(setup.max_encodings.is_none());
    }

    #[test]
    fn the_group_is_named_by_id_or_by_name_once() {
        let by_name = parse(&MINIMAL.replace(
            "security_group_id\": \"sg-0123abcd",
            "security_group_name\": \"bitmovin",
        ))
        .expect("by name");
        assert_eq!(by_name.targets[0].setup.security_group_id, None);
        assert_eq!(
            by_name.targets[0].setup.security_group_name.as_deref(),
            Some("bitmovin")
        );
        let neither = parse(&MINIMAL.replace(", \"security_group_id\": \"sg-0123abcd\"", ""))
            .expect_err("no group");
        assert!(
            neither.message.contains("names no security group"),
            "{neither}"
        );
        assert_eq!(neither.position.map(|p| p.0), Some(2), "{neither}");
        let both = parse(&MINIMAL.replace(
            "\"security_group_id\"",
            "\"security_group_name\": \"x\", \"security_group_id\"",
        ))
        .expect_err("both");
        assert!(both.message.contains("give one"), "{both}");
    }

    #[test]
    fn wrong_schema_is_named() {
        let err = parse(&MINIMAL.replace("snapshot/v1", "snapshot/v9")).unwrap_err();
        assert!(err.message.contains("ccaudit/snapshot/v9"), "{err}");
        assert_eq!(err.position, Some((1, 2)), "at the schema field");
        let err = parse(r#"{"targets": []}"#).unwrap_err();
        assert!(err.message.contains("no \"schema\""), "{err}");
        for empty in ["{}", "[]", "  \n  {}"] {
            let err = parse(empty).unwrap_err();
            assert!(err.message.contains("no \"schema\""), "{empty}: {err}");
            assert!(err.position.is_some(), "{empty}: {err}");
        }
        assert_eq!(parse("  \n  {}").unwrap_err().position, Some((2, 3)));
    }

    #[test]
    fn a_snapshot_without_targets_is_no_evidence() {
        let err = parse(r#"{"schema": "ccaudit/snapshot/v1", "targets": []}"#).unwrap_err();
        assert!(err.message.contains("no targets"), "{err}");
        assert_eq!(err.position, Some((1, 35)));
    }

    #[test]
    fn unknown_setup_field_has_a_position() {
        let err =
            parse(&MINIMAL.replace("\"region\"", "\"max_encoding\": 3, \"region\"")).unwrap_err();
        assert!(err.message.contains("max_encoding"), "{err}");
        assert_eq!(err.position.map(|p| p.0), Some(2));
    }

    #[test]
    fn a_snapshot_cannot_say_a_target_is_terraform_s() {
        // Only a plan read by ccaudit ties a target to code: from a file it
        // would take fix commands away and add words to findings.
        let text = MINIMAL.replace(
            "\"setup\"",
            "\"terraform\": {\"resources\": {}, \"removed\": []}, \"setup\"",
        );
        assert_ne!(text, MINIMAL);
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("terraform"), "{err}");
    }

    #[test]
    fn unknown_aws_fields_are_ignored_but_bad_cidrs_are_not() {
        let sg = r#"{"SecurityGroups": [{"GroupId": "sg-0123abcd", "NewField": 1,
            "IpPermissions": [{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
            "IpRanges": [{"CidrIp": "CIDR"}]}]}]}"#;
        let good = MINIMAL.replace(
            "\"aws\": {}",
            &format!(
                "\"aws\": {{\"ec2:DescribeSecurityGroups\": {}}}",
                sg.replace("CIDR", "10.0.0.0/8")
            ),
        );
        assert!(parse(&good).is_ok());
        let bad = good.replace("10.0.0.0/8", "10.0.0.300/8");
        let err = parse(&bad).unwrap_err();
        assert!(err.position.is_some(), "{err}");
    }

    #[test]
    fn duplicate_target_names_name_both_places() {
        let text = r#"{"schema": "ccaudit/snapshot/v1", "targets": [
        {"name": "t", "setup": {"region": "eu-central-1", "security_group_id": "sg-0123abcd"}},
        {"name": "t", "setup": {"region": "eu-west-1", "security_group_id": "sg-0123abcd"}}]}"#;
        let err = parse(text).unwrap_err();
        assert!(err.message.contains("(at 2:10 and 3:10)"), "{err}");
        assert_eq!(err.position, Some((3, 10)));
    }

    #[test]
    fn a_duplicate_name_too_long_for_a_regex_still_has_its_places() {
        let name = "t".repeat(1 << 20);
        let text = format!(
            r#"{{"schema": "ccaudit/snapshot/v1", "targets": [
            {{"name": "{name}", "setup": {{"region": "eu-central-1", "security_group_id": "sg-0123abcd"}}}},
            {{"name" :
            "{name}", "setup": {{"region": "eu-west-1", "security_group_id": "sg-0123abcd"}}}}]}}"#
        );
        let err = parse(&text).unwrap_err();
        assert!(
            err.message.contains("(at 2:14 and 3:14)"),
            "{}",
            &err.message[err.message.len() - 60..]
        );
        assert_eq!(err.position, Some((3, 14)));
    }

    #[test]
    fn ip_protocols_are_what_ec2_writes() {
        for (protocol, ok) in [
            ("tcp", true),
            ("-1", true),
            ("6", true),
            ("255", true),
            ("icmpv6", true),
            ("tcp ", false),
            ("foo", false),
            ("256", false),
            ("TCP", false),
            ("", false),
        ] {
            let text = MINIMAL.replace(
                "\"aws\": {}",
                &format!(
                    r#""aws": {{"ec2:DescribeSecurityGroups": {{"SecurityGroups": [{{"GroupId": "sg-0123abcd",
                    "IpPermissions": [{{"IpProtocol": "{protocol}"}}]}}]}}}}"#
                ),
            );
            let result = parse(&text);
            assert_eq!(result.is_ok(), ok, "{protocol:?}: {:?}", result.err());
            if let Err(err) = result {
                assert!(err.position.is_some(), "{err}");
            }
        }
    }

    #[test]
    fn error_records_are_evidence() {
        let text = MINIMAL.replace(
            "\"aws\": {}",
            r#""aws": {"ec2:DescribeSubnets": {"Error": {"Code": "InvalidSubnetID.NotFound", "Message": "nope"}}}"#,
        );
        let s = parse(&text).unwrap();
        match aws::evidence(s.targets[0].aws.subnets.as_ref()) {
            aws::Evidence::Failed(e) => assert_eq!(e.code, "InvalidSubnetID.NotFound"),
            other => panic!("expected a failed call, got {other:?}"),
        }
    }
}
