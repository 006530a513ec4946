//! The target flags shared by `collect`, `scan` and `triage --live`: one
//! account from flags, or many from an inventory.

use std::path::PathBuf;

use clap::ValueEnum;

use ccaudit::aws_format::Format;
use ccaudit::collect::{
    self, CallLimits, CredentialSource, Progress, TargetSpec, inventory, organization,
};

use super::bitmovin::{API, BitmovinApiArgs};
use ccaudit::error::InputError;
use ccaudit::rules::RuleSet;
use ccaudit::shard::Shard;
use ccaudit::snapshot::{DEFAULT_INSTANCES_PER_ENCODING, DEFAULT_SSH_PORT, LiveProtocol, Setup};
use ccaudit::version::EncoderVersion;

/// Which targets to read: one from flags, or many from an inventory.
#[derive(clap::Args)]
pub struct TargetArgs {
    /// TOML file with many targets (see the README); replaces the target,
    /// sizing and credential flags. With --from-bitmovin or --organization:
    /// how to read each account, by account number
    #[arg(long, value_name = "FILE", conflicts_with_all = ["region", "security_group", "security_group_name", "subnet", "iam_user", "account_id", "name", "ssh_port", "max_encodings", "instances_per_encoding", "machine_types", "max_instances", "encoder_version", "profile", "role_arn", "external_id", "bitmovin_profile", "as_bitmovin", "organizations_profile"])]
    pub inventory: Option<PathBuf>,
    /// Take the targets from Bitmovin's API: every Cloud Connect AWS account
    /// and each of its region settings (needs an API key; see the README)
    #[arg(long, conflicts_with_all = ["region", "security_group", "security_group_name", "subnet", "account_id", "name", "max_encodings", "ssh_port", "role_arn"])]
    pub from_bitmovin: bool,
    #[command(flatten)]
    pub bitmovin_api: BitmovinApiArgs,
    /// Take the targets from AWS Organizations: each active account (or
    /// those under --org-unit) in each of --regions, read through the role
    /// --org-role-name; the group is found by --security-group-name
    #[arg(long, requires = "org_role_name", conflicts_with_all = ["from_bitmovin", "region", "security_group", "account_id", "name", "role_arn"])]
    pub organization: bool,
    /// With --organization: only the accounts under this organizational
    /// unit (ou-…) or root (r-…), and the units below it; repeatable
    #[arg(long = "org-unit", value_name = "ID", requires = "organization")]
    pub org_units: Vec<String>,
    /// With --organization: the role to assume in each account, by name
    /// (e.g. OrganizationAccountAccessRole, or a read-only audit role)
    #[arg(long, value_name = "NAME", requires = "organization")]
    pub org_role_name: Option<String>,
    /// With --organization: the external id the role's trust policy asks for
    #[arg(long, value_name = "ID", requires = "org_role_name")]
    pub org_external_id: Option<String>,
    /// With --organization: an account to leave out (the management
    /// account, which has no such role); repeatable
    #[arg(long = "exclude-account", value_name = "ID", requires = "organization")]
    pub exclude_accounts: Vec<String>,
    /// With --organization: the regions to audit in each account,
    /// comma-separated (or `regions` in the inventory)
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "REGION,…",
        requires = "organization"
    )]
    pub regions: Vec<String>,
    /// Region of the region settings (default: $AWS_REGION)
    // Read from the variable in `specs`, not by clap: clap counts a value
    // from the environment as given, so AWS_REGION would conflict with
    // --inventory and --from-bitmovin.
    #[arg(long)]
    pub region: Option<String>,
    /// Security group id entered in the region settings
    #[arg(long, value_name = "SG_ID")]
    pub security_group: Option<String>,
    /// The group's name, to find it by in the region (when its id is not
    /// known, as across an organization set up alike)
    #[arg(long, value_name = "NAME", conflicts_with = "security_group")]
    pub security_group_name: Option<String>,
    /// Subnet id, when a custom VPC is used
    #[arg(long, value_name = "SUBNET_ID")]
    pub subnet: Option<String>,
    /// The IAM user whose keys Bitmovin uses (default: the owner of the Bitmovin keys, when given)
    #[arg(long, value_name = "USER")]
    pub iam_user: Option<String>,
    /// Account id entered in the dashboard
    #[arg(long, value_name = "ID")]
    pub account_id: Option<String>,
    /// Target name in the snapshot and report (default: ACCOUNT-REGION)
    #[arg(long)]
    pub name: Option<String>,
    /// SSH port Bitmovin connects to
    #[arg(long, default_value_t = DEFAULT_SSH_PORT)]
    pub ssh_port: u16,
    /// Maximum number of parallel encodings (sizes the quota checks)
    #[arg(long, value_name = "N")]
    pub max_encodings: Option<u32>,
    /// Instances one encoding may use
    #[arg(long, value_name = "M", default_value_t = DEFAULT_INSTANCES_PER_ENCODING)]
    pub instances_per_encoding: u32,
    /// Instance types Bitmovin may start, comma-separated (sizes the vCPU
    /// quotas from their vCPUs; default: the guide's 8 vCPUs per instance)
    #[arg(long = "machine-types", value_delimiter = ',', value_name = "TYPE,…")]
    pub machine_types: Vec<String>,
    /// A cap on the instances Bitmovin runs in the region (bounds the quotas)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_instances: Option<u32>,
    /// Encoder version: STABLE, BETA or a number like 2.179.0
    #[arg(long, value_name = "V", default_value = "STABLE")]
    pub encoder_version: EncoderVersion,
    /// Live protocols in use, comma-separated (for `triage`, `--live` alone
    /// means: collect the evidence now)
    #[arg(long, value_enum, value_delimiter = ',', num_args = 0.., value_name = "rtmp,srt,zixi")]
    pub live: Option<Vec<LiveArg>>,
    /// AWS profile of the auditor (default: the standard credential chain)
    #[arg(long)]
    pub profile: Option<String>,
    /// Role to assume for reading the account
    #[arg(long, value_name = "ARN")]
    pub role_arn: Option<String>,
    /// External id for --role-arn
    #[arg(long, value_name = "ID", requires = "role_arn")]
    pub external_id: Option<String>,
    /// Profile holding the keys entered in the Bitmovin dashboard, used for the calls Bitmovin makes
    #[arg(long, value_name = "PROFILE", conflicts_with = "as_bitmovin")]
    pub bitmovin_profile: Option<String>,
    /// The credentials in use are the keys entered in the Bitmovin dashboard
    /// (without this or --bitmovin-profile, those keys are not tested)
    #[arg(long)]
    pub as_bitmovin: bool,
    /// Profile that may read the organization: its accounts
    /// (--organization) and service control policies (its management
    /// account or a delegated administrator; default: the auditor's
    /// credentials)
    #[arg(long, value_name = "PROFILE")]
    pub organizations_profile: Option<String>,
    /// Send every call to this endpoint (otherwise AWS_ENDPOINT_URL* apply)
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Targets collected at the same time
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Seconds one call may take, retries included
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    /// No progress output
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Only shard I of N of the targets (I from 0; stable by the target's
    /// name), to spread a fleet over CI or batch jobs; join the results
    /// with `ccaudit merge`
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LiveArg {
    Rtmp,
    Srt,
    Zixi,
}

impl TargetArgs {
    fn specs(&self) -> Result<Vec<TargetSpec>, InputError> {
        if let Some(path) = &self.inventory {
            return inventory::load(path);
        }
        let (Some(region), true) = (
            self.region
                .clone()
                .or_else(|| std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty())),
            self.security_group.is_some() || self.security_group_name.is_some(),
        ) else {
            return Err(InputError::new(
                "<flags>",
                "--region and --security-group (or --security-group-name) are required to read an account (or give --inventory FILE)",
            ));
        };
        let live = self.live_protocols();
        let name = self
            .name
            .clone()
            .unwrap_or_else(|| format!("{}-{region}", self.account_id.as_deref().unwrap_or("aws")));
        Ok(vec![TargetSpec {
            name,
            setup: Setup {
                account_id: self.account_id.clone(),
                region,
                security_group_id: self.security_group.clone(),
                security_group_name: self.security_group_name.clone(),
                subnet_id: self.subnet.clone(),
                iam_user: self.iam_user.clone(),
                ssh_port: self.ssh_port,
                encoder_version: self.encoder_version.clone(),
                max_encodings: self.max_encodings,
                instances_per_encoding: self.instances_per_encoding,
                live,
                machine_types: machine_types(&self.machine_types),
                max_instances: self.max_instances,
            },
            credentials: CredentialSource {
                profile: self.profile.clone(),
                role_arn: self.role_arn.clone(),
                external_id: self.external_id.clone(),
            },
            auditor_is_bitmovin: self.as_bitmovin,
            bitmovin: self.bitmovin_profile.clone().map(|p| CredentialSource {
                profile: Some(p),
                ..CredentialSource::default()
            }),
            organizations: self
                .organizations_profile
                .clone()
                .map(|p| CredentialSource {
                    profile: Some(p),
                    ..CredentialSource::default()
                }),
            from_bitmovin: None,
        }])
    }

    fn live_protocols(&self) -> Vec<LiveProtocol> {
        self.live
            .iter()
            .flatten()
            .map(|l| match l {
                LiveArg::Rtmp => LiveProtocol::Rtmp,
                LiveArg::Srt => LiveProtocol::Srt,
                LiveArg::Zixi => LiveProtocol::Zixi,
            })
            .collect()
    }

    fn options(&self) -> collect::Options {
        let operation = std::time::Duration::from_secs(self.timeout.max(1));
        collect::Options {
            concurrency: usize::from(self.concurrency),
            endpoint_url: self.endpoint_url.clone(),
            limits: CallLimits {
                operation,
                attempt: operation.min(std::time::Duration::from_secs(10)),
                ..CallLimits::default()
            },
            progress: Progress::for_stderr(self.quiet),
        }
    }

    /// Collect every target: the snapshot as JSON, and what kept the
    /// collection from being whole (accounts or region settings Bitmovin
    /// lists that gave no target), for the caller to report once the
    /// snapshot is written.
    pub fn collect(&self, rules: &RuleSet) -> Result<Gathered, InputError> {
        let runtime = runtime()?;
        let (specs, incomplete) = if self.from_bitmovin {
            let accounts = self.accounts()?;
            let client = self.bitmovin_api.client()?;
            let found = runtime
                .block_on(collect::bitmovin::targets(&client, &accounts))
                .map_err(|e| InputError::new(API, e.to_string()))?;
            if found.specs.is_empty() {
                // Nothing to collect: what went wrong is the whole answer.
                return Err(incomplete(&found.problems).unwrap_or_else(|| {
                    InputError::new(
                        API,
                        "Bitmovin lists no Cloud Connect AWS account with a region setting: nothing to audit",
                    )
                }));
            }
            (found.specs, incomplete(&found.problems))
        } else if self.organization {
            (self.members(&runtime)?, None)
        } else {
            (self.specs()?, None)
        };
        let specs = self.this_shard(specs);
        Ok(Gathered {
            snapshot: self.collect_specs(&runtime, &specs, rules),
            incomplete,
        })
    }

    /// With `--shard I/N`, this shard's targets (said on stderr: a shard
    /// with none of them is no error, only an empty snapshot).
    fn this_shard(&self, mut specs: Vec<TargetSpec>) -> Vec<TargetSpec> {
        let Some(shard) = self.shard else {
            return specs;
        };
        let all = specs.len();
        specs.retain(|spec| shard.holds(&spec.name));
        if !self.quiet {
            eprintln!("shard {shard}: {} of the {all} targets", specs.len());
        }
        specs
    }

    /// Collect these targets, with the flags' limits and progress.
    pub fn collect_specs(
        &self,
        runtime: &tokio::runtime::Runtime,
        specs: &[TargetSpec],
        rules: &RuleSet,
    ) -> serde_json::Value {
        let options = self.options();
        runtime
            .block_on(collect::collect_all(specs, rules, &options))
            .snapshot
    }

    /// How to read each account Bitmovin or the organization lists: the
    /// inventory's `[accounts.NUMBER]`, or the flags for every account alike.
    pub fn accounts(&self) -> Result<inventory::Accounts, InputError> {
        let finder = if self.organization {
            inventory::Finder::Organization
        } else {
            inventory::Finder::Bitmovin
        };
        Ok(match &self.inventory {
            Some(path) => inventory::Accounts::load(path, finder)?,
            None => inventory::Accounts::alike(inventory::Defaults {
                security_group_name: self.security_group_name.clone(),
                subnet_id: self.subnet.clone(),
                ssh_port: Some(self.ssh_port),
                max_encodings: self.max_encodings,
                profile: self.profile.clone(),
                iam_user: self.iam_user.clone(),
                as_bitmovin: self.as_bitmovin,
                bitmovin_profile: self.bitmovin_profile.clone(),
                organizations_profile: self.organizations_profile.clone(),
                encoder_version: self.encoder_version.clone(),
                instances_per_encoding: self.instances_per_encoding,
                live: self.live_protocols(),
                machine_types: machine_types(&self.machine_types),
                max_instances: self.max_instances,
            }),
        })
    }
}

impl TargetArgs {
    /// `--organization`: the targets of every account the organization
    /// lists (and the flags or the inventory keep), in each region.
    fn members(&self, runtime: &tokio::runtime::Runtime) -> Result<Vec<TargetSpec>, InputError> {
        let role = organization_role(self.org_role_name.as_deref(), self.org_external_id.clone())?;
        well_formed("--org-unit", &self.org_units, Format::OrganizationParentId)?;
        well_formed(
            "--exclude-account",
            &self.exclude_accounts,
            Format::AccountId,
        )?;
        well_formed("--regions", &self.regions, Format::Region)?;
        let accounts = self.accounts()?;
        accounts
            .check_defaults(&self.regions)
            .map_err(|why| InputError::new(self.inventory_or_flags(), why))?;
        let listing = accounts.organization_reader();
        let region = self
            .regions
            .first()
            .cloned()
            .or_else(|| accounts.default_region().map(str::to_string))
            .or_else(|| std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty()))
            .unwrap_or_else(|| "us-east-1".to_string());
        let options = self.options();
        let found = runtime
            .block_on(async {
                let config = collect::credentials::sdk_config(
                    &region,
                    &listing,
                    options.endpoint_url.as_deref(),
                    options.limits,
                )
                .await;
                organization::members(&config, &self.org_units).await
            })
            .map_err(|why| {
                InputError::new(
                    "<organization>",
                    format!("cannot list the organization's accounts: {why}"),
                )
            })?;
        let mut specs = Vec::new();
        let mut excluded = 0;
        for account in &found.active {
            if !Format::AccountId.accepts(account) {
                return Err(InputError::new(
                    "<organization>",
                    format!(
                        "Organizations listed the account id \"{}\", not {}",
                        ccaudit::output::visible(account),
                        Format::AccountId.expected()
                    ),
                ));
            }
            if self.exclude_accounts.contains(account) {
                excluded += 1;
                continue;
            }
            let targets = accounts
                .member_specs(account, &self.regions, &role, &listing)
                .map_err(|why| InputError::new(self.inventory_or_flags(), why))?;
            specs.extend(targets);
        }
        if !self.quiet {
            eprintln!(
                "organization: {} active accounts ({} left out, {} not active; {} calls), {} targets",
                found.active.len() - excluded,
                excluded,
                found.inactive,
                found.calls,
                specs.len()
            );
        }
        if specs.is_empty() {
            return Err(InputError::new(
                "<organization>",
                "the organization lists no active account to audit (see --org-unit and --exclude-account)",
            ));
        }
        Ok(specs)
    }

    /// Where the accounts' settings come from, for an error about them.
    fn inventory_or_flags(&self) -> String {
        self.inventory
            .as_ref()
            .map_or_else(|| "<flags>".to_string(), |p| p.display().to_string())
    }
}

/// Each value of `flag` in its AWS format, or the error naming the first
/// that is not.
fn well_formed(flag: &str, values: &[String], format: Format) -> Result<(), InputError> {
    match values.iter().find(|v| !format.accepts(v)) {
        Some(bad) => Err(InputError::new(
            "<flags>",
            format!(
                "{flag} {}: not {}",
                ccaudit::output::visible(bad),
                format.expected()
            ),
        )),
        None => Ok(()),
    }
}

/// The role `--org-role-name` names, checked against IAM's form for a role
/// name (with an optional path): it becomes part of an ARN.
fn organization_role(
    name: Option<&str>,
    external_id: Option<String>,
) -> Result<inventory::MemberRole, InputError> {
    let name = name.unwrap_or_default();
    well_formed(
        "--org-role-name",
        &[name.to_string()],
        Format::RoleNameWithPath,
    )?;
    Ok(inventory::MemberRole {
        name: name.to_string(),
        external_id,
    })
}

/// `--machine-types "c5.large, c5.xlarge"` as the types themselves.
fn machine_types(given: &[String]) -> Vec<String> {
    given
        .iter()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect()
}

/// A collection, and why it is not whole (exit 2 once it is written).
pub struct Gathered {
    pub snapshot: serde_json::Value,
    pub incomplete: Option<InputError>,
}

pub fn runtime() -> Result<tokio::runtime::Runtime, InputError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| InputError::new("<runtime>", format!("cannot start the async runtime: {e}")))
}

/// The error that says which of Bitmovin's accounts or region settings
/// gave no target: the run cannot call them fine.
fn incomplete(problems: &[String]) -> Option<InputError> {
    if problems.is_empty() {
        return None;
    }
    let mut message = format!(
        "{} of Bitmovin's Cloud Connect settings could not be audited, so this run is incomplete:",
        problems.len()
    );
    for problem in problems {
        message.push_str("\n  - ");
        message.push_str(problem);
    }
    Some(InputError::new(API, message))
}
