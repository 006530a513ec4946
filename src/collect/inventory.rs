//! The inventory: many account/region targets in one TOML file, each with
//! the setup fields and how to get credentials. `[defaults]` fills in what
//! a target leaves out.
//!
//! ```toml
//! [defaults]
//! profile = "audit"
//! max_encodings = 10
//!
//! [[targets]]
//! name = "acme-prod-eu"
//! region = "eu-central-1"
//! security_group_id = "sg-0a1b2c3d4e5f60718"
//! role_arn = "arn:aws:iam::123456789012:role/ccaudit"
//! external_id = "acme"
//! ```

use std::collections::BTreeSet;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::TargetSpec;
use super::credentials::CredentialSource;
use crate::error::InputError;
use crate::snapshot::{DEFAULT_INSTANCES_PER_ENCODING, DEFAULT_SSH_PORT, LiveProtocol, Setup};
use crate::version::EncoderVersion;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Inventory {
    #[serde(default)]
    defaults: Entry,
    targets: Vec<Spanned<Entry>>,
}

/// One target, or the defaults: every field optional here, checked after
/// the defaults are applied.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: Option<String>,
    region: Option<String>,
    security_group_id: Option<String>,
    subnet_id: Option<String>,
    iam_user: Option<String>,
    account_id: Option<String>,
    ssh_port: Option<u16>,
    encoder_version: Option<EncoderVersion>,
    max_encodings: Option<u32>,
    instances_per_encoding: Option<u32>,
    live: Option<Vec<LiveProtocol>>,
    /// Credentials: a named profile…
    profile: Option<String>,
    /// …and/or a role to assume with them.
    role_arn: Option<String>,
    external_id: Option<String>,
    /// The profile holding the keys entered in the Bitmovin dashboard.
    bitmovin_profile: Option<String>,
    /// The target's own credentials are the keys entered in the dashboard.
    as_bitmovin: Option<bool>,
    /// The profile that reads the organization's service control policies.
    organizations_profile: Option<String>,
}

macro_rules! or_default {
    ($entry:expr, $defaults:expr, $($field:ident),*) => {
        Entry { $($field: $entry.$field.clone().or_else(|| $defaults.$field.clone())),* }
    };
}

pub fn load(path: &Path) -> Result<Vec<TargetSpec>, InputError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| InputError::new(path, format!("cannot read inventory: {e}")))?;
    parse(path, &text)
}

pub fn parse(path: &Path, text: &str) -> Result<Vec<TargetSpec>, InputError> {
    let inventory: Inventory = toml::from_str(text)
        .map_err(|e| InputError::at_span(path, text, e.span(), e.message().trim().to_string()))?;
    if inventory.targets.is_empty() {
        return Err(InputError::new(path, "the inventory has no [[targets]]"));
    }
    let defaults = inventory.defaults;
    if defaults.name.is_some() {
        return Err(InputError::new(
            path,
            "[defaults] cannot set `name`: every target needs its own",
        ));
    }
    let mut names = BTreeSet::new();
    let mut specs = Vec::new();
    for (index, spanned) in inventory.targets.iter().enumerate() {
        let span = spanned.span();
        let e = or_default!(
            spanned.get_ref(),
            defaults,
            name,
            region,
            security_group_id,
            subnet_id,
            iam_user,
            account_id,
            ssh_port,
            encoder_version,
            max_encodings,
            instances_per_encoding,
            live,
            profile,
            role_arn,
            external_id,
            bitmovin_profile,
            as_bitmovin,
            organizations_profile
        );
        let at = |message: String| InputError::at_span(path, text, Some(span.clone()), message);
        let label = e
            .name
            .clone()
            .unwrap_or_else(|| format!("target #{}", index + 1));
        let name = e.name.ok_or_else(|| at(format!("{label} has no `name`")))?;
        if !names.insert(name.clone()) {
            return Err(at(format!("target name `{name}` is used twice")));
        }
        let region = e
            .region
            .ok_or_else(|| at(format!("{label} has no `region`")))?;
        let security_group_id = e
            .security_group_id
            .ok_or_else(|| at(format!("{label} has no `security_group_id`")))?;
        if e.external_id.is_some() && e.role_arn.is_none() {
            return Err(at(format!(
                "{label} has an `external_id` but no `role_arn` to use it with"
            )));
        }
        specs.push(TargetSpec {
            name,
            setup: Setup {
                account_id: e.account_id,
                region,
                security_group_id,
                subnet_id: e.subnet_id,
                iam_user: e.iam_user,
                ssh_port: e.ssh_port.unwrap_or(DEFAULT_SSH_PORT),
                encoder_version: e.encoder_version.unwrap_or_default(),
                max_encodings: e.max_encodings,
                instances_per_encoding: e
                    .instances_per_encoding
                    .unwrap_or(DEFAULT_INSTANCES_PER_ENCODING),
                live: e.live.unwrap_or_default(),
            },
            credentials: CredentialSource {
                profile: e.profile,
                role_arn: e.role_arn,
                external_id: e.external_id,
            },
            auditor_is_bitmovin: e.as_bitmovin.unwrap_or(false),
            bitmovin: e.bitmovin_profile.map(|profile| CredentialSource {
                profile: Some(profile),
                ..CredentialSource::default()
            }),
            organizations: e.organizations_profile.map(|profile| CredentialSource {
                profile: Some(profile),
                ..CredentialSource::default()
            }),
        });
    }
    Ok(specs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Vec<TargetSpec>, InputError> {
        parse(Path::new("inventory.toml"), text)
    }

    #[test]
    fn defaults_fill_in_and_targets_override() {
        let specs = parse_text(
            r#"
[defaults]
profile = "audit"
max_encodings = 10
live = ["rtmp"]

[[targets]]
name = "a"
region = "eu-central-1"
security_group_id = "sg-0123abcd"

[[targets]]
name = "b"
region = "us-east-1"
security_group_id = "sg-0123abce"
max_encodings = 2
role_arn = "arn:aws:iam::123456789012:role/ccaudit"
external_id = "x"
bitmovin_profile = "bitmovin"
"#,
        )
        .unwrap();
        assert_eq!(specs.len(), 2);
        assert_eq!(specs[0].setup.max_encodings, Some(10));
        assert_eq!(specs[0].credentials.profile.as_deref(), Some("audit"));
        assert_eq!(specs[0].setup.live, vec![LiveProtocol::Rtmp]);
        assert_eq!(specs[1].setup.max_encodings, Some(2));
        assert_eq!(specs[1].credentials.external_id.as_deref(), Some("x"));
        assert_eq!(
            specs[1]
                .bitmovin
                .as_ref()
                .and_then(|b| b.profile.as_deref()),
            Some("bitmovin")
        );
        assert_eq!(specs[1].setup.ssh_port, 22);
    }

    #[test]
    fn mistakes_are_named_with_their_place() {
        let missing =
            parse_text("[[targets]]\nname = \"a\"\nregion = \"eu-west-1\"\n").unwrap_err();
        assert_eq!(missing.position.map(|p| p.0), Some(1));
        assert!(
            missing.message.contains("a has no `security_group_id`"),
            "{missing}"
        );
        let unknown = parse_text("[[targets]]\nname = \"a\"\nregoin = \"x\"\n").unwrap_err();
        assert_eq!(unknown.position.map(|p| p.0), Some(3));
        let twice = parse_text(
            "[[targets]]\nname = \"a\"\nregion = \"r\"\nsecurity_group_id = \"sg-1\"\n[[targets]]\nname = \"a\"\nregion = \"r\"\nsecurity_group_id = \"sg-1\"\n",
        )
        .unwrap_err();
        assert!(twice.message.contains("used twice"), "{twice}");
        assert!(parse_text("").is_err());
    }
}
