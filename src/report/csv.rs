//! CSV for spreadsheets: one row per finding. A cell that a spreadsheet
//! would take for a formula (snapshot text is data) gets a leading `'`.

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

pub fn render(report: &Report<'_>) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
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
    let _ = writer.write_record(header);
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
            let _ = writer.write_record(cells.iter().map(|c| cell(c)));
        }
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}
