//! Reporting an audit: the formats and destinations, the suppressions and
//! the baseline, and the exit code.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::ValueEnum;

use ccaudit::error::InputError;
use ccaudit::findings::Severity;
use ccaudit::report;
use ccaudit::rules::RuleSet;
use ccaudit::{audit, drift, output, pipeline, suppress};

/// How to report an audit: formats, destinations, exit code, history.
#[derive(clap::Args)]
pub struct ReportArgs {
    /// Output format (repeat for several, with --output-dir)
    #[arg(long, value_enum, default_values_t = [AuditFormat::Table])]
    pub format: Vec<AuditFormat>,
    /// Colour the table's outcomes: at a terminal unless NO_COLOR is set
    /// (auto), always, or never
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Exit 1 when a finding of this severity or above fails or is unknown
    #[arg(long, value_enum, default_value_t = FailOn::High)]
    pub fail_on: FailOn,
    /// Run only this rule (repeat for several)
    #[arg(long = "only", value_name = "RULE")]
    pub only: Vec<String>,
    /// Write the report to this file instead of standard output
    #[arg(long, short = 'o', value_name = "FILE", conflicts_with = "output_dir")]
    pub output: Option<PathBuf>,
    /// Write every --format into this folder (report.json, report.sarif, …)
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,
    /// Mute accepted problems listed in this TOML file (see the README)
    #[arg(long, value_name = "FILE")]
    pub suppressions: Option<PathBuf>,
    /// Today's date for suppression expiry (default: the system's, UTC)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub now: Option<String>,
    /// A previous JSON report: say what changed since
    #[arg(long, value_name = "REPORT.json")]
    pub baseline: Option<PathBuf>,
    /// Exit 1 only for new failures or unknowns since --baseline
    #[arg(long, requires = "baseline")]
    pub fail_on_new: bool,
    /// Earlier JSON reports, oldest first (e.g. runs/*/report.json; give
    /// the snapshot before this flag): the HTML report draws their failing
    /// and unknown findings and this run's as a trend, each named after its
    /// folder (or its file); --baseline's report is the last of them
    #[arg(long, value_name = "REPORT.json", num_args = 1..)]
    pub history: Vec<PathBuf>,
}

/// The files a report reads besides the snapshot, loaded once.
pub struct ReportInputs {
    suppressions: Option<Vec<suppress::Suppression>>,
    baseline: Option<drift::Run>,
    /// The trend's earlier runs: `--history`, then the baseline if it is
    /// not one of them.
    trend: Vec<report::trend::Point>,
}

impl ReportArgs {
    /// Check the flags and read the suppressions and the baseline.
    pub fn inputs(&self, rules: &RuleSet) -> Result<ReportInputs, InputError> {
        check_only(rules, &self.only)?;
        if self.format.len() > 1 && self.output_dir.is_none() {
            return Err(InputError::new(
                "--format",
                "several formats need --output-dir DIR to write them to",
            ));
        }
        let baseline = self
            .baseline
            .as_deref()
            .map(report::baseline::load)
            .transpose()?;
        Ok(ReportInputs {
            suppressions: self
                .suppressions
                .as_deref()
                .map(|p| suppress::load(p, rules))
                .transpose()?,
            trend: self.trend(baseline.as_ref())?,
            baseline,
        })
    }

    /// The earlier runs the HTML report's trend draws: read only for an
    /// HTML report, and only their totals; the baseline, already read, is
    /// counted as it is.
    fn trend(
        &self,
        baseline: Option<&drift::Run>,
    ) -> Result<Vec<report::trend::Point>, InputError> {
        if !self.format.contains(&AuditFormat::Html) {
            if !self.history.is_empty() {
                return Err(InputError::new(
                    "--history",
                    "the earlier reports draw the HTML report's trend: add --format html",
                ));
            }
            return Ok(Vec::new());
        }
        let mut points = self
            .history
            .iter()
            .map(|p| report::trend::load(p))
            .collect::<Result<Vec<_>, _>>()?;
        if let (Some(path), Some(run)) = (self.baseline.as_deref(), baseline)
            && !self.history.iter().any(|h| h == path)
        {
            points.push(report::trend::of_run(path, run));
        }
        Ok(points)
    }
}

fn parse_date(text: &str) -> Result<String, String> {
    let shaped = text.len() == 10
        && text.char_indices().all(|(i, c)| {
            if i == 4 || i == 7 {
                c == '-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shaped {
        return Err(format!("`{text}` is not a date like 2026-11-24"));
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap_or(0);
    let (year, month, day) = (number(0..4), number(5..7), number(8..10));
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(format!("`{text}` has no month {month}")),
    };
    if (1..=days).contains(&day) {
        Ok(text.to_string())
    } else {
        Err(format!(
            "`{text}` is not a day of the calendar (month {month} has {days} days)"
        ))
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuditFormat {
    Table,
    Json,
    Sarif,
    Junit,
    Markdown,
    Html,
    Csv,
    /// OCSF 1.5 Compliance Finding events (class 2003), a JSON array
    Ocsf,
    /// AWS Security Finding Format, a JSON array for Security Hub's BatchImportFindings
    Asff,
}

impl AuditFormat {
    /// The format as the audit run writes it (the table this wide).
    fn as_run(self, width: Option<u16>, color: bool) -> audit::Format {
        match self {
            AuditFormat::Table => audit::Format::Table(width, color),
            AuditFormat::Json => audit::Format::Json,
            AuditFormat::Sarif => audit::Format::Sarif,
            AuditFormat::Junit => audit::Format::Junit,
            AuditFormat::Markdown => audit::Format::Markdown,
            AuditFormat::Html => audit::Format::Html,
            AuditFormat::Csv => audit::Format::Csv,
            AuditFormat::Ocsf => audit::Format::Ocsf,
            AuditFormat::Asff => audit::Format::Asff,
        }
    }

    pub fn file_name(self) -> &'static str {
        match self {
            AuditFormat::Table => "report.txt",
            AuditFormat::Json => "report.json",
            AuditFormat::Sarif => "report.sarif",
            AuditFormat::Junit => "report.junit.xml",
            AuditFormat::Markdown => "report.md",
            AuditFormat::Html => "report.html",
            AuditFormat::Csv => "report.csv",
            AuditFormat::Ocsf => "report.ocsf.json",
            AuditFormat::Asff => "report.asff.json",
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Low,
    Info,
    /// Never exit 1 because of findings
    None,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
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

/// `--color`: when the table's outcomes are coloured.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// At a terminal, unless NO_COLOR is set (https://no-color.org) or TERM is dumb
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether standard output gets colour.
    pub fn colors_stdout(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
                std::io::stdout().is_terminal() && !no_color && !dumb
            }
        }
    }
}

/// Table width: the terminal's when there is one, a fixed one otherwise.
pub fn table_width() -> Option<u16> {
    if std::io::stdout().is_terminal() {
        terminal_size::terminal_size().map(|(terminal_size::Width(width), _)| width)
    } else {
        None
    }
}

pub fn check_only(rules: &RuleSet, only: &[String]) -> Result<(), InputError> {
    match only.iter().find(|id| rules.get(id).is_none()) {
        Some(unknown) => Err(InputError::new(
            "--only",
            format!("unknown rule id `{unknown}` (see `ccaudit rules list`)"),
        )),
        None => Ok(()),
    }
}

/// Audit `targets`, write every chosen format as they come,
/// and turn the verdicts into the exit code.
pub fn render_audit(
    rules: &RuleSet,
    targets: pipeline::Source<'_>,
    source: &str,
    args: &ReportArgs,
    inputs: ReportInputs,
) -> Result<ExitCode, InputError> {
    let ReportInputs {
        suppressions,
        baseline,
        trend,
    } = inputs;
    let today = match (&suppressions, &args.now) {
        (None, _) => String::new(),
        (Some(_), Some(day)) => day.clone(),
        (Some(_), None) => suppress::today()?,
    };
    let run = audit::Audit {
        rules,
        only: &args.only,
        suppressions: suppressions.as_deref().map(|entries| (entries, today)),
        baseline: baseline.as_ref(),
        threshold: args.fail_on.threshold(),
        source,
        trend: &trend,
    };
    // Each format is written straight into its destination: what fails
    // there (a full disk, a format's writer) is an error naming the file.
    let finished = match &args.output_dir {
        Some(dir) => {
            // All formats or none: never a new JSON beside an old SARIF.
            // A format asked for twice is one file.
            let mut chosen: Vec<AuditFormat> = Vec::new();
            for format in &args.format {
                if !chosen.iter().any(|c| c.file_name() == format.file_name()) {
                    chosen.push(*format);
                }
            }
            let names: Vec<&str> = chosen.iter().map(|f| f.file_name()).collect();
            // Files get no colour.
            let formats: Vec<audit::Format> =
                chosen.iter().map(|f| f.as_run(None, false)).collect();
            let mut finished = None;
            output::write_set(dir, &names, |outs| {
                finished = Some(run.run(targets, &formats, outs)?);
                Ok::<(), output::Stop>(())
            })?;
            finished
        }
        None => {
            let out = args.output.as_deref();
            let format = args.format.first().copied().unwrap_or(AuditFormat::Table);
            let width = table_width().filter(|_| out.is_none());
            let color = out.is_none() && args.color.colors_stdout();
            let mut finished = None;
            output::write_with(out, |w| {
                finished = Some(run.run(targets, &[format.as_run(width, color)], &mut [w])?);
                Ok::<(), output::Stop>(())
            })?;
            finished
        }
    };
    // Set whenever the writing succeeded (a standard output its reader
    // closed is written to nowhere, and the run still finishes); without
    // it there is nothing to judge.
    let Some(finished) = finished else {
        return Ok(ExitCode::SUCCESS);
    };
    let threshold = args.fail_on.threshold();
    let failed = match (&finished.drift, args.fail_on_new) {
        (Some(drift), true) => threshold.is_some_and(|t| drift.has_regressions_at(t)),
        _ => finished.problems,
    };
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

pub fn write_json(
    writer: &mut dyn std::io::Write,
    value: &serde_json::Value,
) -> std::io::Result<()> {
    output::write_json(writer, value)
}
