//! The command line: parse, call, print, exit code. Nothing else lives here.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use ccaudit::error::InputError;
use ccaudit::rules::{RuleSet, Severity};
use ccaudit::snapshot::{DEFAULT_INSTANCES_PER_ENCODING, Snapshot};
use ccaudit::version::EncoderVersion;
use ccaudit::{engine, output, quotas, report, rule_docs};

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
    /// Audit a snapshot offline and report every finding
    #[command(after_help = "Examples:\n  \
        ccaudit audit snapshot.json\n  \
        ccaudit audit snapshot.json --only sg-bitmovin-9999 --only sg-bitmovin-ssh\n  \
        ccaudit audit snapshot.json --format json --output report.json --fail-on critical\n  \
        ccaudit audit - < snapshot.json\n\n\
        Exit status: 0 when nothing at or above --fail-on failed or is unknown, 1 when something \
        did, 2 when the input could not be used.")]
    Audit {
        /// Snapshot file (`-` for standard input)
        snapshot: PathBuf,
        #[command(flatten)]
        rules: RulesArg,
        /// Output format
        #[arg(long, value_enum, default_value_t = AuditFormat::Table)]
        format: AuditFormat,
        /// Exit 1 when a finding of this severity or above fails or is unknown
        #[arg(long, value_enum, default_value_t = FailOn::High)]
        fail_on: FailOn,
        /// Run only this rule (repeat for several)
        #[arg(long = "only", value_name = "RULE")]
        only: Vec<String>,
        /// Write the report to this file instead of standard output
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// List the rules or explain one
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Compute the service quotas the guide asks for, for a given sizing
    #[command(after_help = "Examples:\n  \
        ccaudit quotas --max-encodings 10\n  \
        ccaudit quotas --max-encodings 4 --instances-per-encoding 30 --encoder-version 2.150.0\n  \
        ccaudit quotas --max-encodings 10 --format json")]
    Quotas {
        /// The number of encodings that must run in parallel
        #[arg(long, value_name = "N")]
        max_encodings: u32,
        /// Instances one encoding may use (the guide suggests 60 to start)
        #[arg(long, value_name = "M", default_value_t = DEFAULT_INSTANCES_PER_ENCODING)]
        instances_per_encoding: u32,
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
enum AuditFormat {
    Table,
    Json,
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

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    /// Never exit 1 because of findings
    None,
}

impl FailOn {
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Critical => Some(Severity::Critical),
            FailOn::High => Some(Severity::High),
            FailOn::Medium => Some(Severity::Medium),
            FailOn::Low => Some(Severity::Low),
            FailOn::Info => Some(Severity::Info),
            FailOn::None => None,
        }
    }
}

/// Table width: the terminal's when there is one, a fixed one otherwise.
fn table_width() -> Option<u16> {
    if std::io::stdout().is_terminal() {
        comfy_table::Table::new().width()
    } else {
        None
    }
}

fn run(cli: Cli) -> Result<ExitCode, InputError> {
    match cli.command {
        Command::Audit {
            snapshot,
            rules,
            format,
            fail_on,
            only,
            output: out,
        } => {
            let rules = rules.load()?;
            if let Some(unknown) = only.iter().find(|id| rules.get(id).is_none()) {
                return Err(InputError::new(
                    "--only",
                    format!("unknown rule id `{unknown}` (see `ccaudit rules list`)"),
                ));
            }
            let snapshot = Snapshot::load(&snapshot)?;
            let report = engine::audit(&rules, &snapshot, &only);
            match format {
                AuditFormat::Table => {
                    let width = table_width().filter(|_| out.is_none());
                    output::write(out.as_deref(), &report::table::render(&report, width))?;
                }
                AuditFormat::Json => output::write_with(out.as_deref(), |w| report.write_json(w))?,
            }
            let failed = fail_on
                .threshold()
                .is_some_and(|t| report.has_problems_at(t));
            Ok(if failed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Rules {
            command: RulesCommand::List { rules, format },
        } => {
            let rules = rules.load()?;
            let text = match format {
                ListFormat::Table => rule_docs::list_table(&rules, table_width()),
                ListFormat::Json => rule_docs::list_json(&rules),
                ListFormat::Markdown => rule_docs::list_markdown(&rules),
            };
            output::write(None, &text)?;
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
        Command::Quotas {
            max_encodings,
            instances_per_encoding,
            encoder_version,
            rules,
            format,
        } => {
            let rules = rules.load()?;
            let lines = quotas::quota_table(
                &rules,
                max_encodings,
                instances_per_encoding,
                &encoder_version,
            );
            let text = match format {
                TableOrJson::Table => quotas::render_table(&lines, table_width()),
                TableOrJson::Json => {
                    let mut text = serde_json::to_string_pretty(&lines).unwrap_or_default();
                    text.push('\n');
                    text
                }
            };
            output::write(None, &text)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}
