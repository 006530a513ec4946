//! JUnit XML for CI test dashboards: one test suite per target, one test
//! case per rule. fail → <failure> with the detail and the fix, unknown →
//! <error>, skip → <skipped>; a muted problem is <skipped> with its reason.

use std::io::{self, Write};
use std::sync::Arc;

use quick_junit::{NonSuccessKind, Report as JUnit, TestCase, TestCaseStatus, TestSuite};

use super::Report;
use crate::findings::{Finding, Outcome};
use crate::output::markup_text;

/// Snapshot text as XML 1.0 allows it (no U+FFFE, no control characters).
fn xml(text: &str) -> String {
    markup_text(text).into_owned()
}

fn case(f: &Finding<'_>, target: &str) -> TestCase {
    let status = match (f.outcome, &f.muted) {
        (_, Some(m)) => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(xml(&format!(
                "muted until {} by {}: {}",
                m.expires, m.owner, m.reason
            )));
            s
        }
        (Outcome::Pass, _) => TestCaseStatus::success(),
        (Outcome::Skip, _) => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(xml(&f.detail));
            s
        }
        (Outcome::Fail | Outcome::Unknown, _) => {
            let kind = if f.outcome == Outcome::Fail {
                NonSuccessKind::Failure
            } else {
                NonSuccessKind::Error
            };
            let mut s = TestCaseStatus::non_success(kind);
            s.set_message(xml(&f.detail));
            s.set_type(format!("{} {}", f.severity, f.outcome.as_str()));
            let mut description = f.detail.clone();
            if let Some(error) = &f.documented_error {
                description.push_str(&format!("\n\nThe dashboard says: {error}"));
            }
            if let Some(symptom) = &f.symptom {
                description.push_str(&format!("\n\nSymptom: {symptom}"));
            }
            if let Some(fix) = &f.fix {
                description.push_str(&format!("\n\nFix:\n{}", fix.trim_end()));
            }
            if let Some(command) = &f.fix_command {
                description.push_str(&format!("\n\n{command}"));
            }
            s.set_description(xml(&description));
            s
        }
    };
    let mut case = TestCase::new(format!("{}: {}", f.rule, f.title), status);
    case.set_classname(format!("ccaudit.{}", xml(target)));
    case
}

/// The JUnit XML, written into `out` (quick-junit ends it with a line
/// break). A write that fails is returned, never lost.
pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut junit = JUnit::new("ccaudit");
    for target in &report.targets {
        let mut suite = TestSuite::new(xml(&target.name));
        suite.add_test_cases(target.findings.iter().map(|f| case(f, &target.name)));
        junit.add_test_suite(suite);
    }
    junit.serialize(out).map_err(writer_error)
}

/// The writer's own error (a full disk) out of quick-junit's, whose message
/// leaves it out; any other error as it is.
fn writer_error(error: quick_junit::SerializeError) -> io::Error {
    let mut source = std::error::Error::source(&error);
    while let Some(inner) = source {
        let io = inner
            .downcast_ref::<io::Error>()
            .or_else(|| inner.downcast_ref::<Arc<io::Error>>().map(|e| &**e));
        if let Some(io) = io {
            return io::Error::new(io.kind(), io.to_string());
        }
        source = inner.source();
    }
    io::Error::other(error)
}

#[cfg(test)]
mod tests {
    use crate::output::FullDisk;
    use crate::report::Report;

    #[test]
    fn a_failed_write_is_returned() {
        let error = super::write(&Report::new(Vec::new()), &mut FullDisk).unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::StorageFull);
        assert_eq!(error.to_string(), "no storage space");
    }
}
