//! What `ccaudit rules list` and `ccaudit rules explain` print, and the
//! README's rule table (generated here, checked by a test).

use serde::Serialize;

use crate::report::grid::Grid;
use crate::report::table::draw;
use crate::rules::{Rule, RuleSet};

#[derive(Serialize)]
struct RuleSummary<'a> {
    id: &'a str,
    title: &'a str,
    severity: &'a str,
    stage: &'a str,
    check: &'a str,
    documented_error: Option<&'a str>,
}

fn summary(rule: &Rule) -> RuleSummary<'_> {
    RuleSummary {
        id: &rule.id,
        title: &rule.title,
        severity: rule.severity.as_str(),
        stage: rule.stage.as_str(),
        check: rule.check.type_name(),
        documented_error: rule.documented_error.as_deref(),
    }
}

pub fn list_table(rules: &RuleSet, width: Option<u16>) -> String {
    let mut table = Grid::new(["rule", "severity", "stage", "title"]);
    for rule in &rules.rules {
        table.row([
            rule.id.clone(),
            rule.severity.as_str().to_string(),
            rule.stage.as_str().to_string(),
            rule.title.clone(),
        ]);
    }
    format!("{}\n", draw(&table, width))
}

/// The rules as JSON, written into `out` like every JSON ccaudit prints
/// (safe for a terminal, ending with a line break).
pub fn list_json(rules: &RuleSet, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let list: Vec<RuleSummary> = rules.rules.iter().map(summary).collect();
    crate::output::write_json(out, &list)
}

/// The README's rule table.
pub fn list_markdown(rules: &RuleSet) -> String {
    let mut out = String::from(
        "| rule | severity | stage | checks | dashboard message or symptom |\n| --- | --- | --- | --- | --- |\n",
    );
    for rule in &rules.rules {
        let said = rule
            .documented_error
            .as_deref()
            .or(rule.symptom.as_deref())
            .map(|t| format!("`{}`", t.replace('|', "\\|")))
            .unwrap_or_default();
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | {} |\n",
            rule.id,
            rule.severity,
            rule.stage,
            rule.title.replace('|', "\\|"),
            said
        ));
    }
    out
}

pub fn explain(rule: &Rule) -> String {
    let mut out = format!("{}: {}\n\n", rule.id, rule.title);
    out.push_str(&format!(
        "severity: {}    stage: {}    check: {}\n",
        rule.severity,
        rule.stage,
        rule.check.type_name()
    ));
    let applies = &rule.applies;
    let mut conditions = Vec::new();
    if let Some(subnet) = applies.subnet {
        conditions.push(if subnet {
            "with a custom subnet".to_string()
        } else {
            "without a custom subnet".to_string()
        });
    }
    if let Some(live) = applies.live {
        conditions.push(format!("when setup.live includes {live}"));
    }
    if let Some(min) = &applies.encoder_at_least {
        conditions.push(format!(
            "for encoder {min} or newer (STABLE and BETA included)"
        ));
    }
    if !conditions.is_empty() {
        out.push_str(&format!("applies: {}\n", conditions.join(", ")));
    }
    out.push_str(&format!("\nWhy it matters\n{}\n", indent(&rule.why)));
    out.push_str(&format!(
        "\nHow ccaudit judges it\n{}\n",
        indent(&wrap(rule.check.how_judged(), 76))
    ));
    if let Some(error) = &rule.documented_error {
        out.push_str(&format!(
            "\nDashboard message (from the guide)\n{}\n",
            indent(error)
        ));
    }
    if let Some(symptom) = &rule.symptom {
        out.push_str(&format!(
            "\nSymptom (from the guide)\n{}\n",
            indent(symptom)
        ));
    }
    out.push_str(&format!("\nFix\n{}\n", indent(&rule.fix)));
    if let Some(command) = &rule.fix_command {
        out.push_str(&format!(
            "\nFix command (placeholders are filled in from the snapshot)\n{}\n",
            indent(command)
        ));
    }
    out.push_str("\nReferences (Bitmovin's Cloud Connect AWS guide)\n");
    for reference in &rule.references {
        out.push_str(&format!("  - {reference}\n"));
    }
    out.push_str(&format!("\nDefined in {}\n", rule.origin.display()));
    out
}

/// Words folded to lines of at most `width` characters.
fn wrap(text: &str, width: usize) -> String {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if line.len() + 1 + word.len() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines.join("\n")
}

fn indent(text: &str) -> String {
    text.trim_end()
        .lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}
