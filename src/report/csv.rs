//! CSV for spreadsheets: one row per finding. A cell that a spreadsheet
//! would take for a formula (snapshot text is data) gets a leading `'`.

use std::io::{self, Write};

use super::Report;
use crate::findings::TargetReport;

/// Also: control characters and bidirectional overrides shown escaped, so
/// that a CSV printed to a terminal sends it nothing to act on.
fn cell(text: &str) -> String {
    let text = crate::output::visible(text);
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.into_owned()
    }
}

/// The CSV, written into `out`: a write that fails (a full disk, a closed
/// pipe) is returned, never lost.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    head(out)?;
    for target in &report.targets {
        self::target(target, out)?;
    }
    Ok(())
}

/// The header row.
pub fn head(out: &mut dyn Write) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record([
        "target",
        "account_id",
        "region",
        "rule",
        "outcome",
        "severity",
        "stage",
        "resource",
        "title",
        "detail",
        "documented_error",
        "fix_command",
        "muted_until",
        "muted_by",
        "muted_reason",
    ])?;
    // Dropped unflushed, the writer would flush it and drop the error.
    writer.flush()
}

/// One target's rows.
pub fn target(t: &TargetReport<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    for f in &t.findings {
        let muted = f.muted.as_ref();
        let cells = [
            t.name.as_str(),
            t.account_id.as_deref().unwrap_or(""),
            t.region.as_str(),
            f.rule,
            f.outcome.as_str(),
            f.severity.as_str(),
            f.stage.as_str(),
            &f.resource,
            f.title,
            &f.detail,
            f.documented_error.as_deref().unwrap_or(""),
            f.fix_command.as_deref().unwrap_or(""),
            muted.map_or("", |m| m.expires.as_str()),
            muted.map_or("", |m| m.owner.as_str()),
            muted.map_or("", |m| m.reason.as_str()),
        ];
        writer.write_record(cells.iter().map(|c| cell(c)))?;
    }
    writer.flush()
}

#[cfg(test)]
mod tests {
    use crate::output::FullDisk;
    use crate::report::Report;

    #[test]
    fn a_failed_write_is_returned() {
        let error = super::write(&Report::new(Vec::new()), &mut FullDisk).unwrap_err();
        assert!(error.to_string().contains("no storage space"), "{error}");
    }
}
