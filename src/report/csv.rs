//! CSV for spreadsheets: one row per finding. A cell that a spreadsheet
//! would take for a formula (snapshot text is data) gets a leading `'`.

use std::io::{self, Write};

use super::Report;

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
    let mut writer = csv::Writer::from_writer(out);
    let header = [
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
    ];
    writer.write_record(header)?;
    for t in &report.targets {
        for f in &t.findings {
            let muted = f.muted.as_ref();
            let cells = [
                t.name,
                t.account_id.unwrap_or(""),
                t.region,
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
    }
    // Dropped unflushed, the writer would flush it and drop the error.
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
