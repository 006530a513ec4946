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
//!
//! With `--from-bitmovin` the targets come from Bitmovin's API instead, and
//! with `--organization` from AWS Organizations; the inventory then only
//! says how to read each account: `[accounts.NUMBER]` tables keyed by the
//! AWS account number, over `[defaults]`.

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroU32;
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
    #[serde(default)]
    targets: Vec<Spanned<Entry>>,
    /// account number → how to read it (`--from-bitmovin`).
    #[serde(default)]
    accounts: BTreeMap<String, Spanned<Entry>>,
}

/// One target, or the defaults: every field optional here, checked after
/// the defaults are applied.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: Option<String>,
    region: Option<String>,
    security_group_id: Option<String>,
    /// The group's name, to find it by in the region.
    security_group_name: Option<String>,
    /// The regions of an account found in the organization (`--organization`).
    regions: Option<Vec<String>>,
    subnet_id: Option<String>,
    iam_user: Option<String>,
    account_id: Option<String>,
    ssh_port: Option<u16>,
    encoder_version: Option<EncoderVersion>,
    max_encodings: Option<u32>,
    instances_per_encoding: Option<u32>,
    live: Option<Vec<LiveProtocol>>,
    /// Instance types Bitmovin may start (Bitmovin's API no longer says).
    machine_types: Option<Vec<String>>,
    /// A cap on the instances in the region (0 would cap nothing).
    max_instances: Option<NonZeroU32>,
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

fn read(path: &Path, text: &str) -> Result<Inventory, InputError> {
    toml::from_str(text)
        .map_err(|e| InputError::at_span(path, text, e.span(), e.message().trim().to_string()))
}

pub fn parse(path: &Path, text: &str) -> Result<Vec<TargetSpec>, InputError> {
    let inventory = read(path, text)?;
    if let Some((number, entry)) = inventory.accounts.iter().next() {
        return Err(InputError::at_span(
            path,
            text,
            Some(entry.span()),
            format!(
                "[accounts.{number}] is read only with --from-bitmovin or --organization, which find the targets"
            ),
        ));
    }
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
    if defaults.regions.is_some() {
        return Err(InputError::at_span(
            path,
            text,
            defaults_header(text),
            "[defaults] sets `regions`, which only --organization reads: a target has one `region`",
        ));
    }
    let mut names = BTreeSet::new();
    let mut specs = Vec::new();
    for (index, spanned) in inventory.targets.iter().enumerate() {
        let span = spanned.span();
        let e = spanned.get_ref().over(&defaults);
        let at = |message: String| InputError::at_span(path, text, Some(span.clone()), message);
        let label = e
            .name
            .clone()
            .unwrap_or_else(|| format!("target #{}", index + 1));
        let name = e
            .name
            .clone()
            .ok_or_else(|| at(format!("{label} has no `name`")))?;
        if !names.insert(name.clone()) {
            return Err(at(format!("target name `{name}` is used twice")));
        }
        if spanned.get_ref().regions.is_some() {
            return Err(at(format!(
                "{label} sets `regions`, which only --organization reads: a target has one `region`"
            )));
        }
        let region = e
            .region
            .clone()
            .ok_or_else(|| at(format!("{label} has no `region`")))?;
        e.group_named()
            .map_err(|why| at(format!("{label} {why}")))?;
        if e.external_id.is_some() && e.role_arn.is_none() {
            return Err(at(format!(
                "{label} has an `external_id` but no `role_arn` to use it with"
            )));
        }
        let setup = Setup {
            account_id: e.account_id.clone(),
            region,
            security_group_id: e.security_group_id.clone(),
            security_group_name: e.security_group_name.clone(),
            subnet_id: e.subnet_id.clone(),
            iam_user: None,
            ssh_port: e.ssh_port.unwrap_or(DEFAULT_SSH_PORT),
            encoder_version: EncoderVersion::default(),
            max_encodings: e.max_encodings,
            instances_per_encoding: DEFAULT_INSTANCES_PER_ENCODING,
            live: Vec::new(),
            machine_types: Vec::new(),
            max_instances: None,
        };
        specs.push(e.spec(name, setup));
    }
    Ok(specs)
}

impl Entry {
    /// This entry, with `defaults` filling in what it leaves out.
    fn over(&self, defaults: &Entry) -> Entry {
        let mut entry = self.with_defaults(defaults);
        // An entry's own way of naming its group replaces the defaults'
        // other way: an id given for one account beats a fleet-wide name.
        if self.security_group_id.is_some() || self.security_group_name.is_some() {
            entry.security_group_id = self.security_group_id.clone();
            entry.security_group_name = self.security_group_name.clone();
        }
        entry
    }

    /// The names of the fields this entry sets.
    fn fields_set(&self) -> Vec<&'static str> {
        let fields = [
            ("name", self.name.is_some()),
            ("region", self.region.is_some()),
            ("regions", self.regions.is_some()),
            ("security_group_id", self.security_group_id.is_some()),
            ("security_group_name", self.security_group_name.is_some()),
            ("subnet_id", self.subnet_id.is_some()),
            ("ssh_port", self.ssh_port.is_some()),
            ("max_encodings", self.max_encodings.is_some()),
            ("account_id", self.account_id.is_some()),
            ("role_arn", self.role_arn.is_some()),
            ("external_id", self.external_id.is_some()),
        ];
        fields
            .into_iter()
            .filter_map(|(name, set)| set.then_some(name))
            .collect()
    }

    /// Why this entry does not name its group in one way, if it does not.
    fn group_named(&self) -> Result<(), &'static str> {
        match (&self.security_group_id, &self.security_group_name) {
            (None, None) => Err("has no `security_group_id` (or `security_group_name`)"),
            (Some(_), Some(_)) => {
                Err("gives both `security_group_id` and `security_group_name`: give one")
            }
            _ => Ok(()),
        }
    }

    fn with_defaults(&self, defaults: &Entry) -> Entry {
        or_default!(
            self,
            defaults,
            name,
            region,
            security_group_id,
            security_group_name,
            regions,
            subnet_id,
            iam_user,
            account_id,
            ssh_port,
            encoder_version,
            max_encodings,
            instances_per_encoding,
            live,
            machine_types,
            max_instances,
            profile,
            role_arn,
            external_id,
            bitmovin_profile,
            as_bitmovin,
            organizations_profile
        )
    }

    /// The target: `setup` (its place) completed with this entry's sizing
    /// and credentials.
    fn spec(self, name: String, setup: Setup) -> TargetSpec {
        TargetSpec {
            name,
            setup: Setup {
                iam_user: self.iam_user,
                encoder_version: self.encoder_version.unwrap_or_default(),
                instances_per_encoding: self
                    .instances_per_encoding
                    .unwrap_or(DEFAULT_INSTANCES_PER_ENCODING),
                live: self.live.unwrap_or_default(),
                // What the inventory states wins over the legacy fields
                // Bitmovin's current models no longer have.
                machine_types: match self.machine_types {
                    Some(types) if !types.is_empty() => types,
                    _ => setup.machine_types,
                },
                max_instances: self
                    .max_instances
                    .map(NonZeroU32::get)
                    .or(setup.max_instances),
                ..setup
            },
            credentials: CredentialSource {
                profile: self.profile,
                role_arn: self.role_arn,
                external_id: self.external_id,
            },
            auditor_is_bitmovin: self.as_bitmovin.unwrap_or(false),
            bitmovin: self.bitmovin_profile.map(|profile| CredentialSource {
                profile: Some(profile),
                ..CredentialSource::default()
            }),
            organizations: self.organizations_profile.map(|profile| CredentialSource {
                profile: Some(profile),
                ..CredentialSource::default()
            }),
            from_bitmovin: None,
        }
    }
}

/// How to read each account Bitmovin lists (`--from-bitmovin`).
#[derive(Debug, Clone, Default)]
pub struct Accounts {
    defaults: Entry,
    by_number: BTreeMap<String, Entry>,
}

/// Where the targets come from when the inventory only says how to read
/// each account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finder {
    /// `--from-bitmovin`: Bitmovin's region settings.
    Bitmovin,
    /// `--organization`: the accounts of an AWS organization.
    Organization,
}

impl Finder {
    /// Why the inventory may not set `field` (in `[defaults]` when
    /// `in_defaults`), if it may not: the finder gives it.
    fn refuses(self, field: &str, in_defaults: bool) -> Option<&'static str> {
        match self {
            Finder::Bitmovin => [
                "name",
                "region",
                "regions",
                "security_group_id",
                "security_group_name",
                "subnet_id",
                "ssh_port",
                "max_encodings",
                "account_id",
            ]
            .contains(&field)
            .then_some("which comes from Bitmovin's region settings with --from-bitmovin"),
            Finder::Organization => match field {
                "name" | "region" | "account_id" => Some(
                    "which comes from the organization with --organization (the regions: `regions` or --regions)",
                ),
                "security_group_id" if in_defaults => Some(
                    "but a group id is one account's: give `security_group_name` here, or the id in [accounts.NUMBER]",
                ),
                "role_arn" | "external_id" if in_defaults => Some(
                    "but with --organization each account's role is --org-role-name (and --org-external-id); a `role_arn` of one account goes in [accounts.NUMBER]",
                ),
                _ => None,
            },
        }
    }
}

/// The `[defaults]` header's place in the text, for an error about a
/// field of it (the fields themselves carry no place).
fn defaults_header(text: &str) -> Option<std::ops::Range<usize>> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if trimmed.starts_with("[defaults]") {
            let start = offset + (line.len() - trimmed.len());
            return Some(start..start + "[defaults]".len());
        }
        offset += line.len();
    }
    None
}

/// Why an entry's `regions` cannot be audited, if so: none, or one that
/// is not a region's name.
fn bad_regions(entry: &Entry) -> Option<String> {
    let regions = entry.regions.as_ref()?;
    if regions.is_empty() {
        return Some(
            "has `regions = []`: leave the account out with --exclude-account instead".to_string(),
        );
    }
    regions
        .iter()
        .find(|r| !crate::aws_format::Format::Region.accepts(r))
        .map(|r| {
            format!(
                "`regions` holds \"{}\", not {}",
                crate::output::visible(r),
                crate::aws_format::Format::Region.expected()
            )
        })
}

/// The role `--organization` assumes in each account.
#[derive(Debug, Clone)]
pub struct MemberRole {
    /// Its name, with its path if it has one (`audit/ccaudit`).
    pub name: String,
    pub external_id: Option<String>,
}

/// What every account gets when there is no inventory: the command line's
/// flags.
#[derive(Debug, Clone, Default)]
pub struct Defaults {
    /// What Bitmovin's region settings would say, the same in every
    /// account (`--organization`).
    pub security_group_name: Option<String>,
    pub subnet_id: Option<String>,
    pub ssh_port: Option<u16>,
    pub max_encodings: Option<u32>,
    pub profile: Option<String>,
    pub iam_user: Option<String>,
    pub as_bitmovin: bool,
    pub bitmovin_profile: Option<String>,
    pub organizations_profile: Option<String>,
    pub encoder_version: EncoderVersion,
    pub instances_per_encoding: u32,
    pub live: Vec<LiveProtocol>,
    pub machine_types: Vec<String>,
    pub max_instances: Option<u32>,
}

impl Accounts {
    /// Every account read alike, as the flags say.
    pub fn alike(defaults: Defaults) -> Accounts {
        Accounts {
            defaults: Entry {
                security_group_name: defaults.security_group_name,
                subnet_id: defaults.subnet_id,
                ssh_port: defaults.ssh_port,
                max_encodings: defaults.max_encodings,
                profile: defaults.profile,
                iam_user: defaults.iam_user,
                as_bitmovin: Some(defaults.as_bitmovin),
                bitmovin_profile: defaults.bitmovin_profile,
                organizations_profile: defaults.organizations_profile,
                encoder_version: Some(defaults.encoder_version),
                instances_per_encoding: Some(defaults.instances_per_encoding),
                live: Some(defaults.live),
                machine_types: Some(defaults.machine_types),
                max_instances: defaults.max_instances.and_then(NonZeroU32::new),
                ..Entry::default()
            },
            by_number: BTreeMap::new(),
        }
    }

    pub fn load(path: &Path, finder: Finder) -> Result<Accounts, InputError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| InputError::new(path, format!("cannot read inventory: {e}")))?;
        Accounts::parse(path, &text, finder)
    }

    pub fn parse(path: &Path, text: &str, finder: Finder) -> Result<Accounts, InputError> {
        let inventory = read(path, text)?;
        if let Some(first) = inventory.targets.first() {
            return Err(InputError::at_span(
                path,
                text,
                Some(first.span()),
                "with --from-bitmovin or --organization the targets are found: give [accounts.NUMBER] tables (and [defaults]) instead of [[targets]]",
            ));
        }
        let refused = |entry: &Entry, in_defaults: bool| {
            entry.fields_set().into_iter().find_map(|field| {
                finder
                    .refuses(field, in_defaults)
                    .map(|why| format!("sets `{field}`, {why}"))
            })
        };
        let defaults_at =
            |message: String| InputError::at_span(path, text, defaults_header(text), message);
        if let Some(why) = refused(&inventory.defaults, true) {
            return Err(defaults_at(format!("[defaults] {why}")));
        }
        if let Some(why) = bad_regions(&inventory.defaults) {
            return Err(defaults_at(format!("[defaults] {why}")));
        }
        let mut by_number = BTreeMap::new();
        for (number, spanned) in inventory.accounts {
            let span = spanned.span();
            let at = |message: String| InputError::at_span(path, text, Some(span.clone()), message);
            if !crate::aws_format::Format::AccountId.accepts(&number) {
                return Err(at(format!(
                    "[accounts.{number}]: an account is keyed by its 12-digit AWS account number"
                )));
            }
            let entry = spanned.into_inner();
            if let Some(why) = refused(&entry, false) {
                return Err(at(format!("[accounts.{number}] {why}")));
            }
            if entry.external_id.is_some() && entry.role_arn.is_none() {
                return Err(at(format!(
                    "[accounts.{number}] has an `external_id` but no `role_arn` to use it with"
                )));
            }
            if entry.security_group_id.is_some() && entry.security_group_name.is_some() {
                return Err(at(format!(
                    "[accounts.{number}] gives both `security_group_id` and `security_group_name`: give one"
                )));
            }
            if let Some(why) = bad_regions(&entry) {
                return Err(at(format!("[accounts.{number}] {why}")));
            }
            by_number.insert(number, entry);
        }
        Ok(Accounts {
            defaults: inventory.defaults,
            by_number,
        })
    }

    /// What no account can do without, when no account table can give it:
    /// checked before the organization is listed.
    pub fn check_defaults(&self, regions: &[String]) -> Result<(), String> {
        if !self.by_number.is_empty() {
            return Ok(());
        }
        if regions.is_empty() && self.defaults.regions.is_none() {
            return Err(
                "no regions to audit: give --regions, or `regions` in the inventory's [defaults]"
                    .to_string(),
            );
        }
        self.defaults.group_named().map_err(|why| {
            format!("every account {why}: give --security-group-name, or `security_group_name` in the inventory's [defaults]")
        })
    }

    /// Where to list the organization from: the first region `[defaults]`
    /// gives (the organization's partition follows it).
    pub fn default_region(&self) -> Option<&str> {
        self.defaults.regions.as_ref()?.first().map(String::as_str)
    }

    /// The credentials that list the organization's accounts and read its
    /// policies: `organizations_profile`, else the auditor's `profile`
    /// (the roles are assumed with the latter).
    pub fn organization_reader(&self) -> CredentialSource {
        CredentialSource {
            profile: self
                .defaults
                .organizations_profile
                .clone()
                .or_else(|| self.defaults.profile.clone()),
            ..CredentialSource::default()
        }
    }

    /// The targets of the organization's account `number`: one per region,
    /// read through `role` (or the account's own `role_arn`), with
    /// `listing` (the credentials that listed the organization) reading
    /// its service control policies unless the inventory says otherwise.
    pub fn member_specs(
        &self,
        number: &str,
        regions: &[String],
        role: &MemberRole,
        listing: &CredentialSource,
    ) -> Result<Vec<TargetSpec>, String> {
        let empty = Entry::default();
        let own = self.by_number.get(number).unwrap_or(&empty);
        let entry = own.over(&self.defaults);
        // The account's own regions, else the flag's, else the defaults'.
        let regions = own
            .regions
            .clone()
            .or_else(|| (!regions.is_empty()).then(|| regions.to_vec()))
            .or_else(|| self.defaults.regions.clone())
            .filter(|r| !r.is_empty())
            .ok_or_else(|| {
                format!("account {number} has no regions to audit: give --regions, or `regions` in the inventory's [defaults]")
            })?;
        entry.group_named().map_err(|why| {
            format!("account {number} {why}: give --security-group-name, or `security_group_name` in the inventory's [defaults]")
        })?;
        // A region given twice is one target.
        let mut seen = BTreeSet::new();
        let mut specs = Vec::new();
        for region in regions.into_iter().filter(|r| seen.insert(r.clone())) {
            let mut member = entry.clone();
            if member.role_arn.is_none() {
                member.role_arn = Some(format!(
                    "arn:{}:iam::{number}:role/{}",
                    crate::aws_format::partition(&region),
                    role.name
                ));
                member.external_id = role.external_id.clone();
            }
            let setup = Setup {
                account_id: Some(number.to_string()),
                region: region.clone(),
                security_group_id: entry.security_group_id.clone(),
                security_group_name: entry.security_group_name.clone(),
                subnet_id: entry.subnet_id.clone(),
                iam_user: None,
                ssh_port: entry.ssh_port.unwrap_or(DEFAULT_SSH_PORT),
                encoder_version: EncoderVersion::default(),
                max_encodings: entry.max_encodings,
                instances_per_encoding: DEFAULT_INSTANCES_PER_ENCODING,
                live: Vec::new(),
                machine_types: Vec::new(),
                max_instances: None,
            };
            let mut spec = member.spec(format!("{number}-{region}"), setup);
            // Only the management account (or a delegated administrator)
            // reads the policies: the credentials that listed the accounts,
            // not the member's role.
            spec.organizations.get_or_insert_with(|| listing.clone());
            specs.push(spec);
        }
        Ok(specs)
    }

    /// The target for one region setting of the account `number`.
    pub fn spec(&self, number: &str, name: String, setup: Setup) -> TargetSpec {
        let empty = Entry::default();
        let entry = self.by_number.get(number).unwrap_or(&empty);
        entry.over(&self.defaults).spec(name, setup)
    }
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
    fn accounts_are_read_by_number_over_the_defaults() {
        let path = Path::new("accounts.toml");
        let accounts = Accounts::parse(
            path,
            "[defaults]\nprofile = \"audit\"\niam_user = \"bitmovin\"\nmax_instances = 200\n\n[accounts.123456789012]\nrole_arn = \"arn:aws:iam::123456789012:role/ccaudit\"\nexternal_id = \"x\"\nmachine_types = [\"c5.4xlarge\", \"c5.9xlarge\"]\n",
            Finder::Bitmovin,
        )
        .expect("accounts");
        let setup = |region: &str| Setup {
            account_id: None,
            region: region.to_string(),
            security_group_id: Some("sg-0123abcd".to_string()),
            security_group_name: None,
            subnet_id: None,
            iam_user: None,
            ssh_port: 22,
            encoder_version: EncoderVersion::default(),
            max_encodings: Some(4),
            instances_per_encoding: DEFAULT_INSTANCES_PER_ENCODING,
            live: Vec::new(),
            machine_types: Vec::new(),
            max_instances: None,
        };
        let listed = accounts.spec("123456789012", "a".into(), setup("eu-west-1"));
        // The current API has no machine types or cap: the inventory's fill in.
        assert_eq!(listed.setup.machine_types, ["c5.4xlarge", "c5.9xlarge"]);
        assert_eq!(listed.setup.max_instances, Some(200));
        // …and win over the legacy fields of a Bitmovin region setting,
        // which fill in only what the inventory leaves out.
        let from_bitmovin = Setup {
            machine_types: vec!["m5.large".into()],
            max_instances: Some(12),
            ..setup("eu-west-1")
        };
        let stated = accounts.spec("123456789012", "a".into(), from_bitmovin.clone());
        assert_eq!(stated.setup.machine_types, ["c5.4xlarge", "c5.9xlarge"]);
        assert_eq!(stated.setup.max_instances, Some(200));
        let other = Accounts::parse(path, "[defaults]\nprofile = \"audit\"\n", Finder::Bitmovin)
            .expect("accounts");
        let legacy = other.spec("123456789012", "a".into(), from_bitmovin);
        assert_eq!(legacy.setup.machine_types, ["m5.large"]);
        assert_eq!(legacy.setup.max_instances, Some(12));
        assert_eq!(listed.credentials.profile.as_deref(), Some("audit"));
        assert_eq!(listed.credentials.external_id.as_deref(), Some("x"));
        assert_eq!(listed.setup.iam_user.as_deref(), Some("bitmovin"));
        assert_eq!(
            listed.setup.max_encodings,
            Some(4),
            "Bitmovin's value stays"
        );
        let other = accounts.spec("210987654321", "b".into(), setup("us-east-1"));
        assert_eq!(other.credentials.role_arn, None);
        assert_eq!(other.credentials.profile.as_deref(), Some("audit"));

        let errors = [
            ("[[targets]]\nname = \"a\"\n", 1, "instead of [[targets]]"),
            (
                "[accounts.123456789012]\nregion = \"eu-west-1\"\n",
                1,
                "sets `region`, which comes from Bitmovin",
            ),
            (
                "[accounts.12345]\nprofile = \"x\"\n",
                1,
                "12-digit AWS account number",
            ),
            (
                "[accounts.123456789012]\nexternal_id = \"x\"\n",
                1,
                "no `role_arn`",
            ),
            ("[defaults]\nmax_instances = 0\n", 2, "nonzero"),
            (
                "[defaults]\nmax_encodings = 3\n",
                1,
                "[defaults] sets `max_encodings`",
            ),
        ];
        for (text, line, message) in errors {
            let e = Accounts::parse(path, text, Finder::Bitmovin).expect_err(text);
            assert!(e.message.contains(message), "{e}");
            assert_eq!(e.position.map_or(0, |p| p.0), line, "{e}");
        }
        // And a plain inventory refuses the accounts' tables.
        let e = parse(path, "[accounts.123456789012]\nprofile = \"x\"\n").expect_err("accounts");
        assert!(
            e.message
                .contains("only with --from-bitmovin or --organization"),
            "{e}"
        );
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

    #[test]
    fn organization_accounts_take_the_defaults_the_flags_and_their_own_table() {
        let path = Path::new("org.toml");
        let accounts = Accounts::parse(
            path,
            r#"
[defaults]
profile = "management"
security_group_name = "bitmovin-encoders"
iam_user = "bitmovin"
regions = ["eu-west-1"]

[accounts.111111111111]
regions = ["us-east-1", "cn-north-1"]
security_group_id = "sg-0123abcd"

[accounts.222222222222]
role_arn = "arn:aws:iam::222222222222:role/other"
"#,
            Finder::Organization,
        )
        .expect("accounts");
        let role = MemberRole {
            name: "audit/ccaudit".into(),
            external_id: Some("nightly".into()),
        };
        let listing = CredentialSource {
            profile: Some("management".into()),
            ..CredentialSource::default()
        };
        let own = accounts
            .member_specs("111111111111", &["ap-south-1".into()], &role, &listing)
            .expect("specs");
        let names: Vec<&str> = own.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["111111111111-us-east-1", "111111111111-cn-north-1"]);
        assert_eq!(
            own[0].setup.security_group_id.as_deref(),
            Some("sg-0123abcd")
        );
        assert_eq!(
            own[0].setup.security_group_name, None,
            "its id beats the fleet's name"
        );
        assert_eq!(
            own[1].credentials.role_arn.as_deref(),
            Some("arn:aws-cn:iam::111111111111:role/audit/ccaudit")
        );
        assert_eq!(own[1].credentials.external_id.as_deref(), Some("nightly"));
        assert_eq!(own[0].setup.account_id.as_deref(), Some("111111111111"));
        assert_eq!(own[0].setup.iam_user.as_deref(), Some("bitmovin"));
        assert_eq!(own[0].organizations.as_ref(), Some(&listing));
        // The flag's regions beat the defaults'; an account's role beats the
        // organization's, without its external id.
        let other = accounts
            .member_specs("222222222222", &["ap-south-1".into()], &role, &listing)
            .expect("specs");
        assert_eq!(other.len(), 1);
        assert_eq!(other[0].setup.region, "ap-south-1");
        assert_eq!(
            other[0].setup.security_group_name.as_deref(),
            Some("bitmovin-encoders")
        );
        assert_eq!(
            other[0].credentials.role_arn.as_deref(),
            Some("arn:aws:iam::222222222222:role/other")
        );
        assert_eq!(other[0].credentials.external_id, None);
        assert_eq!(other[0].credentials.profile.as_deref(), Some("management"));
        let plain = accounts
            .member_specs("333333333333", &[], &role, &listing)
            .expect("specs");
        assert_eq!(plain[0].setup.region, "eu-west-1");

        let bare = Accounts::parse(path, "", Finder::Organization).expect("accounts");
        let e = bare
            .member_specs("333333333333", &["eu-west-1".into()], &role, &listing)
            .expect_err("no group");
        assert!(e.contains("--security-group-name"), "{e}");
        let e = bare
            .member_specs("333333333333", &[], &role, &listing)
            .expect_err("no regions");
        assert!(e.contains("--regions"), "{e}");

        for (text, message) in [
            (
                "[defaults]\nsecurity_group_id = \"sg-0123abcd\"\n",
                "a group id is one account's",
            ),
            (
                "[defaults]\nrole_arn = \"arn:aws:iam::1:role/x\"\n",
                "--org-role-name",
            ),
            (
                "[accounts.111111111111]\nregion = \"eu-west-1\"\n",
                "`regions` or --regions",
            ),
            (
                "[accounts.111111111111]\nsecurity_group_id = \"sg-0123abcd\"\nsecurity_group_name = \"x\"\n",
                "give one",
            ),
        ] {
            let e = Accounts::parse(path, text, Finder::Organization).expect_err(text);
            assert!(e.message.contains(message), "{text}: {e}");
        }
        // Errors of [defaults] point at its header; an account's, at its table.
        for (text, line, message) in [
            (
                "# fleet\n  [defaults]\nregions = []\n",
                2,
                "leave the account out",
            ),
            (
                "[defaults]\nregions = [\"Europe\"]\n",
                1,
                "not an AWS region name",
            ),
            (
                "[defaults]\nprofile = \"a\"\n\n[accounts.111111111111]\nregions = [\"x\"]\n",
                4,
                "not an AWS region name",
            ),
        ] {
            let e = Accounts::parse(path, text, Finder::Organization).expect_err(text);
            assert!(e.message.contains(message), "{text}: {e}");
            assert_eq!(e.position.map(|p| p.0), Some(line), "{e}");
        }
        // Bitmovin gives the group and the regions itself.
        let e = Accounts::parse(
            path,
            "[defaults]\nsecurity_group_name = \"x\"\n",
            Finder::Bitmovin,
        )
        .expect_err("bitmovin");
        assert!(e.message.contains("Bitmovin's region settings"), "{e}");
    }

    #[test]
    fn a_target_names_its_group_by_id_or_by_name() {
        let specs = parse_text(
            "[defaults]\nregion = \"eu-west-1\"\nsecurity_group_name = \"bitmovin\"\n\n[[targets]]\nname = \"a\"\n\n[[targets]]\nname = \"b\"\nsecurity_group_id = \"sg-0123abcd\"\n",
        )
        .expect("specs");
        assert_eq!(
            specs[0].setup.security_group_name.as_deref(),
            Some("bitmovin")
        );
        assert_eq!(specs[0].setup.security_group_id, None);
        assert_eq!(
            specs[1].setup.security_group_id.as_deref(),
            Some("sg-0123abcd")
        );
        assert_eq!(specs[1].setup.security_group_name, None);
        let both = parse_text(
            "[[targets]]\nname = \"a\"\nregion = \"r\"\nsecurity_group_id = \"sg-1\"\nsecurity_group_name = \"x\"\n",
        )
        .unwrap_err();
        assert!(both.message.contains("give one"), "{both}");
        let regions = parse_text(
            "[[targets]]\nname = \"a\"\nregions = [\"r\"]\nsecurity_group_id = \"sg-1\"\n",
        )
        .unwrap_err();
        assert!(regions.message.contains("only --organization"), "{regions}");
    }
}
