//! The JSON report written a target at a time: the head, each target as it
//! sits in the `targets` array, then the totals. The bytes are those of the
//! whole `Report` serialized at once (a test holds them to it).

use std::io::{self, Write};

use super::{SCHEMA, Totals};
use crate::findings::TargetReport;
use crate::output::write_json_at;

/// Everything before the first target.
pub fn head(out: &mut dyn Write) -> io::Result<()> {
    write!(out, "{{\n  \"schema\": ")?;
    write_json_at(out, SCHEMA, 1)?;
    write!(out, ",\n  \"targets\": [")
}

/// One element of `targets`; `first` for the first one.
pub fn target(target: &TargetReport<'_>, first: bool, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(if first { b"\n    " } else { b",\n    " })?;
    write_json_at(out, target, 2)
}

/// Everything after the last target, ending with a line break.
pub fn tail(totals: &Totals<'_>, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(if totals.targets == 0 { b"]" } else { b"\n  ]" })?;
    write!(out, ",\n  \"summary\": ")?;
    write_json_at(out, &totals.summary, 1)?;
    if let Some(suppressions) = totals.suppressions {
        write!(out, ",\n  \"suppressions\": ")?;
        write_json_at(out, suppressions, 1)?;
    }
    if let Some(drift) = totals.drift {
        write!(out, ",\n  \"drift\": ")?;
        write_json_at(out, drift, 1)?;
    }
    out.write_all(b"\n}\n")
}

#[cfg(test)]
mod tests {
    use crate::drift::{Drift, TargetDrift};
    use crate::report::Report;
    use crate::rules::RuleSet;
    use crate::snapshot::Snapshot;
    use crate::suppress::SuppressionReport;

    /// Written a target at a time, the report is what serde writes of the
    /// whole `Report` at once, with and without its optional parts.
    #[test]
    fn the_streamed_report_is_the_whole_one() {
        let rules = RuleSet::builtin().expect("rules");
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/scenarios/several-problems/snapshot.json");
        let snapshot = Snapshot::load(&path).expect("fixture");
        let mut report = Report::audit(&rules, &snapshot, &[]);
        let check = |report: &Report<'_>| {
            let whole = crate::output::to_json(report).expect("serde");
            assert_eq!(report.to_json_string().expect("streamed"), whole);
        };
        check(&report);
        report.suppressions = Some(SuppressionReport::default());
        report.drift = Some(Drift {
            targets: vec![TargetDrift::default()],
            appeared: vec!["a".into()],
            vanished: Vec::new(),
        });
        check(&report);
        report.targets.clear();
        check(&report);
    }
}
