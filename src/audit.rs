//! A whole audit run, streamed: targets come from a reader (a snapshot
//! file read a target at a time, or the targets just collected), every
//! core audits them, mutes what the suppressions accept and compares them
//! with the baseline, and each format gets its part of every target in
//! snapshot order. JSON, CSV and the table are written as the targets come,
//! so memory does not grow with the snapshot; SARIF, JUnit, Markdown and
//! HTML open with totals, so they keep the findings (never the snapshot)
//! and are written at the end.

use std::io::Write;

use crate::drift::{Baseline, Drift, RunTarget, TargetDrift};
use crate::engine;
use crate::findings::{Severity, TargetReport};
use crate::output::Stop;
use crate::pipeline::{self, Source};
use crate::report::{self, Report, Summary, Totals};
use crate::rules::RuleSet;
use crate::snapshot::Target;
use crate::suppress::{self, Suppression, SuppressionReport, Used};

/// A report format, as the run writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    /// The human report, this wide (a default width when `None`), its
    /// outcomes coloured for a terminal when `true`.
    Table(Option<u16>, bool),
    Sarif,
    Junit,
    Markdown,
    Html,
    /// OCSF Compliance Finding events.
    Ocsf,
    /// AWS Security Finding Format, for Security Hub.
    Asff,
}

impl Format {
    /// Written target by target; the others need every finding first.
    fn streamed(self) -> bool {
        matches!(
            self,
            Format::Json | Format::Csv | Format::Table(..) | Format::Ocsf | Format::Asff
        )
    }
}

/// What a run is asked to do besides auditing.
pub struct Audit<'r> {
    pub rules: &'r RuleSet,
    /// Run only these rules (all when empty).
    pub only: &'r [String],
    /// Mute what these accept, as of `today` (YYYY-MM-DD).
    pub suppressions: Option<(&'r [Suppression], String)>,
    /// Compare with this previous run.
    pub baseline: Option<&'r crate::drift::Run>,
    /// A finding this severe or worse that fails or is unknown (unmuted)
    /// makes `Finished::problems` true.
    pub threshold: Option<Severity>,
    /// The snapshot's name, for SARIF's locations.
    pub source: &'r str,
    /// Earlier runs' totals, oldest first, for the HTML report's trend.
    pub trend: &'r [report::trend::Point],
}

/// How a run ended.
#[derive(Debug)]
pub struct Finished {
    pub summary: Summary,
    /// Some target has a problem at the threshold.
    pub problems: bool,
    pub drift: Option<Drift>,
}

/// One target, audited, with its part of every streamed format.
struct Audited<'r> {
    parts: Vec<Vec<u8>>,
    /// The findings, when a format needs them at the end.
    kept: Option<TargetReport<'r>>,
    summary: Summary,
    problems: bool,
    used: Option<Used>,
    drift: Option<TargetDrift>,
}

impl<'r> Audit<'r> {
    /// Audit every target of `source` and write `formats[i]` into
    /// `outs[i]`. A snapshot found unusable half way stops the run with
    /// `Stop::Input`, after the targets before it were written.
    pub fn run(
        &self,
        source: Source<'_>,
        formats: &[Format],
        outs: &mut [&mut dyn Write],
    ) -> Result<Finished, Stop> {
        let selected = engine::select(self.rules, self.only);
        let baseline = self.baseline.map(Baseline::new);
        let keep = formats.iter().any(|f| !f.streamed());
        // One time for every OCSF event and ASFF finding of the run.
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let asff_time = report::asff::time(now_ms);
        for (format, out) in formats.iter().zip(outs.iter_mut()) {
            match format {
                Format::Json => report::json::head(*out)?,
                Format::Csv => report::csv::head(*out)?,
                Format::Ocsf => report::ocsf::head(*out)?,
                Format::Asff => report::asff::head(*out)?,
                _ => {}
            }
        }
        let work = |index: usize, target: Target| -> Result<Audited<'r>, Stop> {
            let mut audited = engine::audit_target(&selected, &target);
            drop(target);
            let used = self.suppressions.as_ref().map(|(entries, today)| {
                let mut used = Used::new(entries);
                suppress::apply_to(&mut audited, entries, today, &mut used);
                used
            });
            let mut parts = Vec::new();
            for format in formats {
                let mut part = Vec::new();
                match *format {
                    Format::Json => report::json::target(&audited, index == 0, &mut part)?,
                    Format::Csv => report::csv::target(&audited, &mut part)?,
                    Format::Ocsf => report::ocsf::target(&audited, index == 0, now_ms, &mut part)?,
                    Format::Asff => {
                        // An account Security Hub cannot take is the input's fault.
                        let account = report::asff::account(&audited)
                            .map_err(|why| crate::error::InputError::new(self.source, why))?;
                        report::asff::target(&audited, account, &asff_time, &mut part)?
                    }
                    Format::Table(width, color) => {
                        part = report::table::target(&audited, width, color).into_bytes()
                    }
                    _ => {}
                }
                parts.push(part);
            }
            Ok(Audited {
                parts,
                summary: Summary::of(&audited.findings),
                problems: self.threshold.is_some_and(|t| audited.has_problems_at(t)),
                used,
                drift: baseline
                    .as_ref()
                    .map(|b| b.target(&RunTarget::of(&audited))),
                kept: keep.then_some(audited),
            })
        };
        let mut summary = Summary::default();
        let mut problems = false;
        let mut used = self.suppressions.as_ref().map(|(e, _)| Used::new(e));
        let mut targets = 0;
        let mut drifts = Vec::new();
        let mut kept = Vec::new();
        // Whether each format has written an element of its array yet.
        let mut began = vec![false; formats.len()];
        pipeline::run(source, work, |audited| {
            let audited = audited?;
            for (i, (part, out)) in audited.parts.iter().zip(outs.iter_mut()).enumerate() {
                if formats[i] == Format::Asff {
                    out.write_all(report::asff::joined(part, !began[i]))?;
                    began[i] |= !part.is_empty();
                } else {
                    out.write_all(part)?;
                }
            }
            targets += 1;
            summary += audited.summary;
            problems |= audited.problems;
            if let (Some(all), Some(this)) = (&mut used, &audited.used) {
                all.merge(this);
            }
            drifts.extend(audited.drift);
            kept.extend(audited.kept);
            Ok(())
        })?;
        let suppressions: Option<SuppressionReport> = self
            .suppressions
            .as_ref()
            .zip(used.as_ref())
            .map(|((entries, today), used)| used.report(entries, today));
        let drift = baseline.as_ref().map(|b| b.finish(drifts));
        let totals = Totals {
            targets,
            summary,
            suppressions: suppressions.as_ref(),
            drift: drift.as_ref(),
        };
        let whole = keep.then(|| {
            let mut report = Report::new(kept);
            report.suppressions = suppressions.clone();
            report.drift = drift.clone();
            report
        });
        for (i, (format, out)) in formats.iter().zip(outs.iter_mut()).enumerate() {
            match *format {
                Format::Json => report::json::tail(&totals, *out)?,
                Format::Csv => {}
                Format::Ocsf => report::ocsf::tail(targets, *out)?,
                Format::Asff => report::asff::tail(began[i], *out)?,
                Format::Table(..) => out.write_all(report::table::tail(&totals).as_bytes())?,
                _ => {
                    if let Some(whole) = &whole {
                        write_whole(*format, whole, self, *out)?;
                    }
                }
            }
        }
        Ok(Finished {
            summary,
            problems,
            drift,
        })
    }
}

/// A format that opens with totals, from the kept findings.
fn write_whole(
    format: Format,
    report: &Report<'_>,
    audit: &Audit<'_>,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match format {
        Format::Sarif => report::sarif::write(report, audit.rules, audit.source, out),
        Format::Junit => report::junit::write(report, out),
        Format::Markdown => out.write_all(report::markdown::render(report).as_bytes()),
        Format::Html => {
            out.write_all(report::html::render(report, audit.rules, audit.trend).as_bytes())
        }
        Format::Json | Format::Csv | Format::Table(..) | Format::Ocsf | Format::Asff => Ok(()),
    }
}
