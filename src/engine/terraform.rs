//! A failing finding about a Terraform plan's target, in the plan's words:
//! the rules Bitmovin needs that the plan destroys, a resource it destroys,
//! and the fix written as the Terraform to change rather than a command (a
//! change made beside Terraform is undone by the next apply).

use crate::checks::verdict::Verdict;
use crate::findings::Outcome;
use crate::rules::Rule;
use crate::snapshot::Target;
use crate::snapshot::terraform::{Direction, Origin, Removed, Written};

pub(super) struct Failure<'a> {
    pub rule: &'a Rule,
    pub verdict: &'a Verdict,
    pub target: &'a Target,
    pub origin: &'a Origin,
    /// Where the finding's resource is written, when it is the plan's.
    pub written: Option<&'a Written>,
}

impl Failure<'_> {
    /// `detail` and `fix` said for the plan.
    pub fn explain(&self, detail: &mut String, fix: &mut Option<String>) {
        let needed = removal(self.rule, self.target, &self.origin.removed).join(", ");
        if !needed.is_empty() {
            detail.push_str(&format!(
                "; this plan destroys the rule Bitmovin needs: {needed}"
            ));
        }
        let Some(written) = self.written else {
            return;
        };
        let address = &written.address;
        if written.destroyed {
            detail.push_str(&format!("; this plan destroys {address}"));
        }
        let place = match (&written.file, written.line) {
            (Some(file), Some(line)) => format!(" ({file}:{line})"),
            _ => String::new(),
        };
        let code = self
            .verdict
            .fix
            .as_ref()
            .and_then(|data| crate::fix::in_code(&self.rule.id, data, written));
        *fix = match (fix.take(), code) {
            (None, _) => None,
            (Some(_), _) if written.destroyed => Some(format!(
                "In the Terraform code of {address}{place}, keep it (this plan destroys it), then plan again."
            )),
            (Some(_), Some(code)) if !needed.is_empty() => Some(format!(
                "In the Terraform code of {address}{place}, keep {needed}, which this plan destroys, or write this instead, then plan again:\n{code}"
            )),
            (Some(_), Some(code)) => Some(format!(
                "In the Terraform code of {address}{place}, write this, then plan again:\n{code}"
            )),
            (Some(prose), None) => Some(format!(
                "{}\nNo command is given: where this changes {address}, change it in the Terraform code{place} and plan again (a change made beside Terraform is undone by the next apply).",
                prose.trim_end()
            )),
        };
    }
}

/// For a plan's group rule that fails: the fewest of the rules the plan
/// destroys that it would pass with (their addresses, shown safely); none
/// when they are not the cause.
fn removal(rule: &Rule, target: &Target, removed: &[Removed]) -> Vec<String> {
    if removed.is_empty() {
        return Vec::new();
    }
    let passes_with = |restored: &[&Removed]| {
        let mut before = target.clone();
        let group = before
            .aws
            .security_groups
            .as_mut()?
            .security_groups
            .as_mut()?
            .first_mut()?;
        for gone in restored {
            let list = match gone.direction {
                Direction::Ingress => &mut group.ip_permissions,
                Direction::Egress => &mut group.ip_permissions_egress,
            };
            list.get_or_insert_with(Vec::new)
                .push(gone.permission.clone());
        }
        Some(rule.check.evaluate(&before).outcome == Outcome::Pass)
    };
    // All the rules the plan destroys back, then each one left out that
    // is not needed for the pass: the rules it needs that the plan removes.
    let mut needed: Vec<&Removed> = removed.iter().collect();
    if passes_with(&needed) != Some(true) {
        return Vec::new();
    }
    for gone in removed {
        let without: Vec<&Removed> = needed
            .iter()
            .copied()
            .filter(|r| !std::ptr::eq(*r, gone))
            .collect();
        if passes_with(&without) == Some(true) {
            needed = without;
        }
    }
    needed
        .iter()
        .map(|r| crate::output::visible(&r.address).into_owned())
        .collect()
}
