//! The command line: parse, call, print, exit code. Nothing else lives here.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

mod cli;

use cli::reporting::{FailOn, ReportArgs, check_only, render_audit, table_width, write_json};
use cli::targets::TargetArgs;

use ccaudit::collect;
use ccaudit::error::InputError;
use ccaudit::findings::Stage;
use ccaudit::rules::RuleSet;
use ccaudit::snapshot::{DEFAULT_INSTANCES_PER_ENCODING, Snapshot};
use ccaudit::version::EncoderVersion;
use ccaudit::{drift, engine, fix, output, pipeline, quotas, report, rule_docs, triage};

#[derive(Parser)]
#[command(
    name = "ccaudit",
    version,
    about = "Audit AWS accounts set up for Bitmovin Cloud Connect against Bitmovin's guide",
    long_about = "Audit AWS accounts set up for Bitmovin Cloud Connect against Bitmovin's guide.\n\n\
        ccaudit reads a snapshot of an account (the JSON that `aws … --output json` prints, gathered \
        under one file) and tells you, in the dashboard's own words, everything that would make Bitmovin \
        reject the region settings or leave encodings stuck in Queue, each with the exact fix.",
    after_help = "Examples:\n  \
        ccaudit audit fixtures/scenarios/several-problems/snapshot.json\n  \
        ccaudit audit snapshot.json --format json --output report.json\n  \
        ccaudit rules explain sg-self-all-traffic\n  \
        ccaudit quotas --max-encodings 10"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Audit a snapshot (or a Terraform plan) offline and report every finding
    #[command(after_help = "Examples:\n  \
        ccaudit audit snapshot.json\n  \
        ccaudit audit snapshot.json --only sg-bitmovin-9999 --only sg-bitmovin-ssh\n  \
        ccaudit audit snapshot.json --format json --output report.json --fail-on critical\n  \
        ccaudit audit snapshot.json --format sarif --format junit --format html --output-dir reports/\n  \
        ccaudit audit snapshot.json --suppressions suppressions.toml --baseline yesterday.json --fail-on-new\n  \
        ccaudit audit - < snapshot.json\n  \
        terraform show -json tfplan > plan.json && ccaudit audit --terraform-plan plan.json --format sarif -o plan.sarif\n  \
        ccaudit audit --terraform-plan plan.json --snapshot live.json --terraform-dir infra/ --fail-on high\n\n\
        Exit status: 0 when nothing at or above --fail-on failed or is unknown (muted findings \
        do not count; with --fail-on-new, only new ones do), 1 when something did, 2 when the \
        input could not be used.")]
    Audit {
        /// Snapshot file (`-` for standard input)
        #[arg(required_unless_present = "terraform_plan")]
        snapshot: Option<PathBuf>,
        /// Audit what a Terraform plan will build, before it exists: the
        /// JSON of `terraform show -json PLANFILE` (its security group, IAM user and
        /// groups, subnet, default VPC and quotas)
        #[arg(long, value_name = "PLAN.json", conflicts_with = "snapshot")]
        terraform_plan: Option<PathBuf>,
        /// With --terraform-plan: the address of Bitmovin's aws_security_group,
        /// when the plan has more than one
        #[arg(long, value_name = "ADDRESS", requires = "terraform_plan")]
        security_group_address: Option<String>,
        /// With --terraform-plan: the address of the aws_iam_user whose keys
        /// Bitmovin is given, when the plan has more than one
        #[arg(long, value_name = "ADDRESS", requires = "terraform_plan")]
        iam_user_address: Option<String>,
        /// With --terraform-plan: the region the plan applies to, when its AWS
        /// provider configuration does not say
        #[arg(long, value_name = "REGION", requires = "terraform_plan")]
        region: Option<String>,
        /// With --terraform-plan: the address of the aws_subnet entered in the
        /// region settings, when the plan has more than one in its region
        #[arg(long, value_name = "ADDRESS", requires = "terraform_plan")]
        subnet_address: Option<String>,
        /// With --terraform-plan: the live account's snapshot, for what the plan
        /// does not manage (AWS-managed policies, quotas, the default VPC, the
        /// dashboard's subnet unless --subnet-address, the setup's sizing); the
        /// plan wins for what it manages
        #[arg(
            long = "snapshot",
            value_name = "SNAPSHOT.json",
            requires = "terraform_plan"
        )]
        live_snapshot: Option<PathBuf>,
        /// With --terraform-plan: Bitmovin's resources are the ones with this tag,
        /// of several of a kind (KEY=VALUE)
        #[arg(long, value_name = "KEY=VALUE", requires = "terraform_plan")]
        tag: Option<ccaudit::plan::Tag>,
        /// With --terraform-plan: a TOML file with these choices (security_group,
        /// iam_user, subnet, tag, region, terraform_dir), kept beside the code;
        /// flags win over it
        #[arg(long, value_name = "FILE", requires = "terraform_plan")]
        plan_config: Option<PathBuf>,
        /// With --terraform-plan: the root module's directory, where each finding's
        /// .tf file and line are looked up (default: the plan file's directory)
        #[arg(long, value_name = "DIR", requires = "terraform_plan")]
        terraform_dir: Option<PathBuf>,
        /// With --snapshot: its target to use, when it has several in the plan's region
        #[arg(long, value_name = "NAME", requires = "live_snapshot")]
        snapshot_target: Option<String>,
        #[command(flatten)]
        rules: RulesArg,
        #[command(flatten)]
        report: ReportArgs,
    },
    /// Read an account (or an inventory of them) into a snapshot
    #[command(after_help = "Examples:\n  \
        ccaudit collect --region eu-central-1 --security-group sg-0a1b2c3d4e5f60718 --iam-user bitmovin -o snapshot.json\n  \
        ccaudit collect --inventory inventory.toml --concurrency 16 -o nightly.json\n  \
        ccaudit collect --profile audit --bitmovin-profile bitmovin --region us-east-1 --security-group sg-0123abcd\n  \
        BITMOVIN_API_KEY=… ccaudit collect --from-bitmovin --inventory accounts.toml -o snapshot.json\n  \
        ccaudit collect --organization --org-role-name OrganizationAccountAccessRole --regions eu-west-1 --security-group-name bitmovin-encoders -o snapshot.json\n\n\
        Only read-only calls are made (see `ccaudit policy auditor`). Failed calls are recorded in the \
        snapshot as AWS's error records; collection goes on. With --from-bitmovin, an account or \
        region setting Bitmovin lists that could not be read makes the run exit 2 once the \
        snapshot is written. With --organization, an account whose role cannot be assumed is \
        a target whose evidence says so.")]
    Collect {
        #[command(flatten)]
        targets: TargetArgs,
        /// Write the snapshot to this file (atomically) instead of standard output
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        rules: RulesArg,
    },
    /// Collect, then audit: `collect` and `audit` in one step
    #[command(after_help = "Examples:\n  \
        ccaudit scan --region eu-central-1 --security-group sg-0a1b2c3d4e5f60718 --iam-user bitmovin --max-encodings 10\n  \
        ccaudit scan --inventory inventory.toml --format json --output report.json --save-snapshot snapshot.json\n  \
        ccaudit scan --from-bitmovin --bitmovin-api-key-file key.txt --format json --output report.json\n  \
        ccaudit scan --organization --org-unit ou-ab12-34cd56ef --org-role-name OrganizationAccountAccessRole --regions eu-west-1,us-east-1 --inventory org.toml --format json --output report.json\n\n\
        Exit status: as for `audit`.")]
    Scan {
        #[command(flatten)]
        targets: TargetArgs,
        #[command(flatten)]
        rules: RulesArg,
        #[command(flatten)]
        report: ReportArgs,
        /// Also keep the collected snapshot in this file
        #[arg(long, value_name = "FILE")]
        save_snapshot: Option<PathBuf>,
    },
    /// From an error message, a symptom or an encoding id to the documented failure, its causes and fix
    #[command(after_help = "Examples:\n  \
        ccaudit triage \"Got AmazonEC2Exception on retrieval of security group 'sg-12345': Invalid id: \\\"sg-12345\\\".\"\n  \
        ccaudit triage \"No 'All' IpPermission found for Group sg-0a1b2c3d4e5f60718 .\" --snapshot snapshot.json\n  \
        ccaudit triage --symptom queue --snapshot snapshot.json --target acme-prod-eu\n  \
        pbpaste | ccaudit triage -\n  \
        ccaudit triage --encoding 6d84e126-d10c-4e52-bbfb-bd4c92bc8333 --live --bitmovin-api-key-file key.txt\n  \
        ccaudit triage \"encoding stuck in queue\" --live --region eu-central-1 --security-group sg-0a1b2c3d4e5f60718\n\n\
        Exit status: 0 when the text is a documented failure or symptom, 1 when it is not, 2 on bad input.")]
    Triage {
        /// The message or description as pasted (`-` reads standard input)
        text: Option<String>,
        /// The id of an encoding (stuck in Queue, or failed): read it and its
        /// status from Bitmovin's API, and for Cloud Connect audit the account
        /// and region it runs in (with --snapshot or --live)
        #[arg(long, value_name = "ID", conflicts_with_all = ["text", "symptom"])]
        encoding: Option<String>,
        /// A symptom without a message
        #[arg(long, value_enum)]
        symptom: Option<SymptomArg>,
        /// Weigh the causes with this snapshot's evidence (or give `--live` and
        /// collect's target flags to collect the evidence now)
        #[arg(long, value_name = "FILE", conflicts_with = "live")]
        snapshot: Option<PathBuf>,
        /// Only this target of the snapshot
        #[arg(long, value_name = "NAME")]
        target: Option<String>,
        #[command(flatten)]
        targets: TargetArgs,
        #[command(flatten)]
        rules: RulesArg,
        #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
        format: TextOrJson,
    },
    /// What changed between two JSON reports: new failures, fixed, still failing, new unknowns
    #[command(after_help = "Examples:\n  \
        ccaudit diff yesterday.json today.json\n  \
        ccaudit diff yesterday.json today.json --format json --fail-on-new --fail-on high\n\n\
        Exit status: 0, or 1 with --fail-on-new when something at or above --fail-on failed or \
        became unknown since OLD.")]
    Diff {
        /// The earlier JSON report
        old: PathBuf,
        /// The later JSON report
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
        format: TextOrJson,
        /// Exit 1 when there are new failures or unknowns at or above --fail-on
        #[arg(long)]
        fail_on_new: bool,
        #[arg(long, value_enum, default_value_t = FailOn::High)]
        fail_on: FailOn,
    },
    /// Print the commands that fix every failing finding of a snapshot
    #[command(after_help = "Examples:\n  \
        ccaudit fix snapshot.json > fix.sh        # review, then: sh fix.sh\n  \
        ccaudit fix snapshot.json --format terraform --target acme-prod-eu > bitmovin-fixes.tf\n\n\
        Commands that remove access or create secrets are printed commented out with a warning; \
        commands that would widen access are never emitted.")]
    Fix {
        /// Snapshot file (`-` for standard input)
        snapshot: PathBuf,
        #[arg(long, value_enum, default_value_t = FixFormat::Sh)]
        format: FixFormat,
        /// Only this target
        #[arg(long, value_name = "NAME")]
        target: Option<String>,
        /// Only this rule (repeat for several)
        #[arg(long = "only", value_name = "RULE")]
        only: Vec<String>,
        #[command(flatten)]
        rules: RulesArg,
        /// Write to this file instead of standard output
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print policies: `policy auditor` is the read-only policy collect needs
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// List the rules or explain one
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Print the completion script for a shell
    #[command(after_help = "Examples:\n  \
        ccaudit completions bash > ~/.local/share/bash-completion/completions/ccaudit\n  \
        ccaudit completions zsh > \"${fpath[1]}/_ccaudit\"\n  \
        ccaudit completions fish > ~/.config/fish/completions/ccaudit.fish")]
    Completions {
        /// The shell to complete in
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), or write one per command into a folder
    #[command(after_help = "Examples:\n  \
        ccaudit man | man -l -\n  \
        ccaudit man --out-dir /usr/local/share/man/man1   # ccaudit.1, ccaudit-audit.1, …")]
    Man {
        /// Write ccaudit.1 and a page per command (ccaudit-audit.1, …) here
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
    /// Join the snapshots (or JSON reports) of a sharded run into one
    #[command(after_help = "Examples:\n  \
        ccaudit collect --inventory fleet.toml --shard 0/4 -o shard-0.json   # … through 3/4, anywhere\n  \
        ccaudit merge shard-*.json -o fleet.json && ccaudit audit fleet.json\n  \
        ccaudit merge report-*.json -o report.json\n\n\
        All inputs are snapshots, or all are JSON reports. A target name found twice is refused \
        (shards overlap, or a file is given twice); a report with drift is refused (run `ccaudit diff` \
        on the merged report instead).")]
    Merge {
        /// Snapshots, or JSON reports, in the order their targets are wanted
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Write to this file instead of standard output
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Compute the service quotas the guide asks for, for a given sizing
    #[command(after_help = "Examples:\n  \
        ccaudit quotas --max-encodings 10\n  \
        ccaudit quotas --max-encodings 4 --instances-per-encoding 30 --encoder-version 2.150.0\n  \
        ccaudit quotas --max-encodings 10 --vcpus-per-instance 16 --max-instances 200\n  \
        ccaudit quotas --max-encodings 10 --format json")]
    Quotas {
        /// The number of encodings that must run in parallel
        #[arg(long, value_name = "N")]
        max_encodings: u32,
        /// Instances one encoding may use (the guide suggests 60 to start)
        #[arg(long, value_name = "M", default_value_t = DEFAULT_INSTANCES_PER_ENCODING)]
        instances_per_encoding: u32,
        /// vCPUs of the largest machine type Bitmovin may start (default:
        /// the guide's 8)
        #[arg(long, value_name = "V", value_parser = clap::value_parser!(u32).range(1..))]
        vcpus_per_instance: Option<u32>,
        /// A cap on the instances in the region
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        max_instances: Option<u32>,
        /// Encoder version: STABLE, BETA or a number like 2.179.0
        #[arg(long, value_name = "V", default_value = "STABLE")]
        encoder_version: EncoderVersion,
        #[command(flatten)]
        rules: RulesArg,
        #[arg(long, value_enum, default_value_t = TableOrJson::Table)]
        format: TableOrJson,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// The minimal IAM policy for the principal that runs `collect`
    #[command(
        after_help = "Example:\n  ccaudit policy auditor > ccaudit-auditor.json\n  \
        aws iam put-user-policy --user-name ccaudit --policy-name ccaudit-read-only --policy-document file://ccaudit-auditor.json"
    )]
    Auditor,
}

#[derive(Clone, Copy, ValueEnum)]
enum SymptomArg {
    /// Encodings stay in "Queue" without an error
    Queue,
}

#[derive(Clone, Copy, ValueEnum)]
enum TextOrJson {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum FixFormat {
    /// A commented shell script of `aws` commands
    Sh,
    /// Terraform resources
    Terraform,
}

#[derive(Subcommand)]
enum RulesCommand {
    /// List every rule
    #[command(
        after_help = "Examples:\n  ccaudit rules list\n  ccaudit rules list --format markdown"
    )]
    List {
        #[command(flatten)]
        rules: RulesArg,
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Explain one rule: why it matters, the dashboard's message, the fix
    #[command(after_help = "Example:\n  ccaudit rules explain sg-self-all-traffic")]
    Explain {
        /// Rule id, as `rules list` shows it
        id: String,
        #[command(flatten)]
        rules: RulesArg,
    },
}

#[derive(clap::Args)]
struct RulesArg {
    /// Also load the rule files under this folder (repeat for several)
    #[arg(long = "rules", value_name = "DIR")]
    dirs: Vec<PathBuf>,
}

impl RulesArg {
    fn load(&self) -> Result<RuleSet, InputError> {
        RuleSet::load(&self.dirs)
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum TableOrJson {
    Table,
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Table,
    Json,
    Markdown,
}

fn run(cli: Cli) -> Result<ExitCode, InputError> {
    match cli.command {
        Command::Audit {
            snapshot,
            terraform_plan,
            security_group_address,
            iam_user_address,
            region,
            subnet_address,
            live_snapshot,
            snapshot_target,
            terraform_dir,
            tag,
            plan_config,
            rules,
            report,
        } => {
            let rules = rules.load()?;
            let inputs = report.inputs(&rules)?;
            match (terraform_plan, snapshot) {
                (Some(plan), _) => {
                    let mut choice = ccaudit::plan::Choice {
                        group_address: security_group_address,
                        user_address: iam_user_address,
                        subnet_address,
                        region,
                        name: None,
                        code: terraform_dir,
                        tag,
                    };
                    if let Some(config) = &plan_config {
                        ccaudit::plan::config::apply(config, &mut choice)?;
                    }
                    let live = live_snapshot.map(|path| ccaudit::plan::Live {
                        path,
                        target: snapshot_target,
                    });
                    let target = ccaudit::plan::load(&plan, &choice, live.as_ref())?;
                    let source = plan.display().to_string();
                    render_audit(
                        &rules,
                        pipeline::Source::Collected(vec![target]),
                        &source,
                        &report,
                        inputs,
                    )
                }
                (None, Some(snapshot)) => {
                    let source = snapshot.display().to_string();
                    render_audit(
                        &rules,
                        pipeline::Source::File(&snapshot),
                        &source,
                        &report,
                        inputs,
                    )
                }
                (None, None) => Err(InputError::new(
                    "<flags>",
                    "give a snapshot file, or --terraform-plan PLAN.json",
                )),
            }
        }
        Command::Collect {
            targets,
            output: out,
            rules,
        } => {
            let rules = rules.load()?;
            let gathered = targets.collect(&rules)?;
            output::write_with(out.as_deref(), |w| write_json(w, &gathered.snapshot))?;
            match gathered.incomplete {
                Some(incomplete) => Err(incomplete),
                None => Ok(ExitCode::SUCCESS),
            }
        }
        Command::Scan {
            targets,
            rules,
            report,
            save_snapshot,
        } => {
            let rules = rules.load()?;
            // Bad report flags are found before a long collection, not after.
            let inputs = report.inputs(&rules)?;
            let gathered = targets.collect(&rules)?;
            let collected = &gathered.snapshot;
            if let Some(path) = &save_snapshot {
                output::write_with(Some(path), |w| write_json(w, collected))?;
            }
            let empty = collected["targets"].as_array().is_some_and(Vec::is_empty);
            let audited = match targets.shard {
                // More shards than targets: a report of none, so that no
                // older report stays where this one goes.
                Some(shard) if empty => {
                    if !targets.quiet {
                        eprintln!("shard {shard} holds no target: its report lists none");
                    }
                    Vec::new()
                }
                // A `Value` prints without fail: no error to lose.
                _ => {
                    let bytes = collected.to_string().into_bytes();
                    Snapshot::from_slice(std::path::Path::new("<collected>"), &bytes)?.targets
                }
            };
            let source = save_snapshot
                .as_ref()
                .map_or_else(|| "snapshot.json".to_string(), |p| p.display().to_string());
            let audited = render_audit(
                &rules,
                pipeline::Source::Collected(audited),
                &source,
                &report,
                inputs,
            )?;
            // The report is out; what it could not cover still fails the run.
            match gathered.incomplete {
                Some(incomplete) => Err(incomplete),
                None => Ok(audited),
            }
        }
        Command::Triage {
            text,
            encoding,
            symptom,
            snapshot,
            target,
            targets,
            rules,
            format,
        } => {
            let live = targets.live.is_some();
            let rules = rules.load()?;
            if let Some(id) = encoding {
                let evidence = match (&snapshot, live) {
                    (Some(path), _) => cli::encoding::Evidence::Snapshot(path),
                    (None, true) => cli::encoding::Evidence::Live,
                    (None, false) => cli::encoding::Evidence::None,
                };
                return cli::encoding::triage_encoding(
                    &id,
                    &rules,
                    &targets,
                    evidence,
                    target.as_deref(),
                    matches!(format, TextOrJson::Json),
                );
            }
            let text = match text.as_deref() {
                Some("-") => {
                    let mut buf = String::new();
                    std::io::Read::read_to_string(&mut std::io::stdin(), &mut buf)
                        .map_err(|e| InputError::new("<stdin>", format!("cannot read: {e}")))?;
                    Some(buf)
                }
                other => other.map(str::to_string),
            };
            if text.is_none() && symptom.is_none() {
                return Err(InputError::new(
                    "<flags>",
                    "give the message to triage, `-` to read it from standard input, or --symptom queue",
                ));
            }
            let evidence = match (&snapshot, live) {
                (Some(path), _) => Some((Snapshot::load(path)?, path.display().to_string())),
                (None, true) => {
                    let gathered = targets.collect(&rules)?;
                    if let Some(incomplete) = gathered.incomplete {
                        // Triage weighs causes: an account it cannot see may hold one.
                        return Err(incomplete);
                    }
                    // A `Value` prints without fail: no error to lose.
                    let bytes = gathered.snapshot.to_string().into_bytes();
                    let snapshot =
                        Snapshot::from_slice(std::path::Path::new("<collected>"), &bytes)?;
                    Some((snapshot, "live collection".to_string()))
                }
                (None, false) => None,
            };
            if let (Some(name), Some((snapshot, source))) = (&target, &evidence)
                && !snapshot.targets.iter().any(|t| &t.name == name)
            {
                return Err(InputError::new(source, format!("no target named `{name}`")));
            }
            let mut diagnosis = text
                .map(|t| triage::diagnose(&rules, &t))
                .unwrap_or_default();
            if let Some(SymptomArg::Queue) = symptom {
                diagnosis.symptom = Some(Stage::Queue);
            }
            let result = triage::render::Triage::weighed(
                &rules,
                diagnosis,
                evidence.as_ref().map(|(s, _)| s),
                target.as_deref(),
                evidence.as_ref().map(|(_, source)| source.clone()),
            );
            match format {
                TextOrJson::Text => output::write(None, &triage::render::text(&result, &rules))?,
                TextOrJson::Json => {
                    output::write_with(None, |w| write_json(w, &triage::render::json(&result)))?
                }
            }
            Ok(if result.diagnosis.recognised() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Diff {
            old,
            new,
            format,
            fail_on_new,
            fail_on,
        } => {
            let drift = drift::compare(
                &report::baseline::load(&old)?,
                &report::baseline::load(&new)?,
            );
            match format {
                TextOrJson::Text => output::write(None, &drift.render_text())?,
                TextOrJson::Json => output::write_with(None, |w| output::write_json(w, &drift))?,
            }
            let regressed = fail_on_new
                && fail_on
                    .threshold()
                    .is_some_and(|t| drift.has_regressions_at(t));
            Ok(if regressed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Fix {
            snapshot,
            format,
            target,
            only,
            rules,
            output: out,
        } => {
            let rules = rules.load()?;
            check_only(&rules, &only)?;
            let loaded = Snapshot::load(&snapshot)?;
            if let Some(name) = &target
                && !loaded.targets.iter().any(|t| &t.name == name)
            {
                return Err(InputError::new(
                    &snapshot,
                    format!("no target named `{name}`"),
                ));
            }
            let report = engine::audit(&rules, &loaded, &only);
            output::write_with(out.as_deref(), |w| {
                let text = match format {
                    FixFormat::Sh => {
                        fix::shell(&report, &snapshot.display().to_string(), target.as_deref())
                    }
                    FixFormat::Terraform => {
                        fix::terraform(&report, target.as_deref()).map_err(std::io::Error::from)?
                    }
                };
                w.write_all(text.as_bytes())
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Policy {
            command: PolicyCommand::Auditor,
        } => {
            output::write(None, &collect::operations::auditor_policy())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules {
            command: RulesCommand::List { rules, format },
        } => {
            let rules = rules.load()?;
            match format {
                ListFormat::Table => {
                    output::write(None, &rule_docs::list_table(&rules, table_width()))?
                }
                ListFormat::Json => output::write_with(None, |w| rule_docs::list_json(&rules, w))?,
                ListFormat::Markdown => output::write(None, &rule_docs::list_markdown(&rules))?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules {
            command: RulesCommand::Explain { id, rules },
        } => {
            let rules = rules.load()?;
            let rule = rules
                .get(&id)
                .ok_or_else(|| InputError::new(&id, "no such rule (see `ccaudit rules list`)"))?;
            output::write(None, &rule_docs::explain(rule))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "ccaudit", &mut script);
            output::write_with(None, |w| w.write_all(&script))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man { out_dir } => {
            match out_dir {
                Some(dir) => {
                    std::fs::create_dir_all(&dir)
                        .and_then(|()| clap_mangen::generate_to(Cli::command(), &dir))
                        .map_err(|e| {
                            InputError::new(&dir, format!("cannot write the manual pages: {e}"))
                        })?;
                }
                None => {
                    output::write_with(None, |w| clap_mangen::Man::new(Cli::command()).render(w))?
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Merge { files, output: out } => {
            output::write_with(out.as_deref(), |w| {
                ccaudit::merge::merge(&files, w).map(|_| ())
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Quotas {
            max_encodings,
            instances_per_encoding,
            vcpus_per_instance,
            max_instances,
            encoder_version,
            rules,
            format,
        } => {
            let rules = rules.load()?;
            let asked = quotas::Asked {
                max_encodings,
                instances_per_encoding,
                vcpus_per_instance,
                max_instances,
            };
            let lines = quotas::quota_table(&rules, &asked, &encoder_version);
            match format {
                TableOrJson::Table => {
                    output::write(None, &quotas::render_table(&lines, table_width()))?
                }
                TableOrJson::Json => output::write_with(None, |w| output::write_json(w, &lines))?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

// Targets are allocated by the reader thread and freed by the workers:
// mimalloc does that with about a fifth less CPU than glibc's malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            // An error can quote a snapshot's text: shown escaped, line by line.
            let text = error.to_string();
            let lines: Vec<_> = text.lines().map(output::visible).collect();
            eprintln!("error: {}", lines.join("\n"));
            ExitCode::from(2)
        }
    }
}
