//! The target flags shared by `collect`, `scan` and `triage --live`: one
//! account from flags, or many from an inventory.

use std::path::PathBuf;

use clap::ValueEnum;

use ccaudit::collect::{self, CallLimits, CredentialSource, Progress, TargetSpec, inventory};

use super::bitmovin::{API, BitmovinApiArgs};
use ccaudit::error::InputError;
use ccaudit::rules::RuleSet;
use ccaudit::shard::Shard;
use ccaudit::snapshot::{DEFAULT_INSTANCES_PER_ENCODING, DEFAULT_SSH_PORT, LiveProtocol, Setup};
use ccaudit::version::EncoderVersion;

/// Which targets to read: one from flags, or many from an inventory.
#[derive(clap::Args)]
pub struct TargetArgs {
    /// TOML file with many targets (see the README); replaces the target flags.
    /// With --from-bitmovin: how to read each account, by account number
    #[arg(long, value_name = "FILE", conflicts_with_all = ["region", "security_group", "subnet", "iam_user", "account_id", "name"])]
    pub inventory: Option<PathBuf>,
    /// Take the targets from Bitmovin's API: every Cloud Connect AWS account
    /// and each of its region settings (needs an API key; see the README)
    #[arg(long, conflicts_with_all = ["region", "security_group", "subnet", "account_id", "name", "max_encodings", "ssh_port", "role_arn"])]
    pub from_bitmovin: bool,
    #[command(flatten)]
    pub bitmovin_api: BitmovinApiArgs,
    /// Region of the region settings (default: $AWS_REGION)
    // Read from the variable in `specs`, not by clap: clap counts a value
    // from the environment as given, so AWS_REGION would conflict with
    // --inventory and --from-bitmovin.
    #[arg(long)]
    pub region: Option<String>,
    /// Security group id entered in the region settings
    #[arg(long, value_name = "SG_ID")]
    pub security_group: Option<String>,
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
    /// Profile that may read the organization's service control policies
    /// (its management account or a delegated administrator; default: the
    /// auditor's credentials)
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
        let (Some(region), Some(security_group)) = (
            self.region
                .clone()
                .or_else(|| std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty())),
            self.security_group.clone(),
        ) else {
            return Err(InputError::new(
                "<flags>",
                "--region and --security-group are required to read an account (or give --inventory FILE)",
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
                security_group_id: security_group,
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

    /// How to read each account Bitmovin lists: the inventory's
    /// `[accounts.NUMBER]`, or the flags for every account alike.
    pub fn accounts(&self) -> Result<inventory::Accounts, InputError> {
        Ok(match &self.inventory {
            Some(path) => inventory::Accounts::load(path)?,
            None => inventory::Accounts::alike(inventory::Defaults {
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
