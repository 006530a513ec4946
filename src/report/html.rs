//! One self-contained HTML page (no external scripts, fonts or images),
//! made to stay usable at a thousand targets and readable on a phone: the
//! fleet first (summary counts, the trend of failures over earlier runs,
//! a targets × rule families matrix coloured by the worst outcome), then
//! every finding with its documented message and fix. Account and region
//! choose the matrix's rows and the findings' targets; severity and rule
//! recolour the cells and choose the findings; outcome chooses the findings.
//! The filter is read from and kept in the URL
//! (`report.html#outcome=fail&severity=critical&region=eu-west-1`).

use std::collections::{BTreeMap, BTreeSet};

use super::trend::{self, Point};
use super::{Report, Summary};
use crate::findings::Severity;
use crate::findings::{Finding, Outcome};
use crate::rules::RuleSet;

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in crate::output::markup_text(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

const STYLE: &str = r#"
:root { --fail: #b3261e; --unknown: #8a5a00; --pass: #1e6b32; --skip: #5f6368; --muted: #6b5b95; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1f1f1f; background: #fafafa; }
header, main { max-width: 70rem; margin: 0 auto; padding: 0.75rem 1rem; }
h1 { font-size: 1.4rem; margin: 0.2rem 0; }
h2 { font-size: 1.15rem; margin: 1.4rem 0 0.3rem; overflow-wrap: anywhere; }
h2 small { color: #5f6368; font-weight: normal; }
.counts { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0.5rem 0; padding: 0; list-style: none; }
.counts li { padding: 0.3rem 0.6rem; border-radius: 0.4rem; background: #fff; border: 1px solid #ddd; }
.counts b { font-size: 1.1rem; }
fieldset { border: 1px solid #ddd; border-radius: 0.4rem; margin: 0.4rem 0; padding: 0.3rem 0.6rem; background: #fff; }
fieldset label { display: inline-block; margin: 0.15rem 0.6rem 0.15rem 0; white-space: nowrap; }
ul.findings { list-style: none; padding: 0; margin: 0; }
li.finding { background: #fff; border: 1px solid #ddd; border-left: 0.35rem solid var(--skip); border-radius: 0.4rem; margin: 0.4rem 0; padding: 0.5rem 0.7rem; }
li.finding[data-outcome=fail] { border-left-color: var(--fail); }
li.finding[data-outcome=unknown] { border-left-color: var(--unknown); }
li.finding[data-outcome=pass] { border-left-color: var(--pass); }
li.finding[data-muted=true] { border-left-color: var(--muted); opacity: 0.85; }
li.finding[hidden] { display: none; }
.badge { font-weight: 600; font-size: 0.8rem; padding: 0.05rem 0.4rem; border-radius: 0.3rem; color: #fff; background: var(--skip); }
.badge.fail { background: var(--fail); } .badge.unknown { background: var(--unknown); } .badge.pass { background: var(--pass); }
.sev { font-size: 0.8rem; color: #5f6368; margin: 0 0.3rem; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.85rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; background: #f1f3f4; padding: 0.4rem 0.6rem; border-radius: 0.3rem; margin: 0.3rem 0; }
blockquote { margin: 0.3rem 0; padding: 0.2rem 0.6rem; border-left: 3px solid #ccc; color: #3c4043; }
.detail { margin: 0.25rem 0; overflow-wrap: anywhere; }
.muted-note { color: var(--muted); font-style: italic; }
#shown { color: #5f6368; }
fieldset select { font: inherit; max-width: 14rem; }
section.target { content-visibility: auto; contain-intrinsic-size: auto 24rem; }
section.target[hidden], tr[hidden] { display: none; }
figure { margin: 0.4rem 0; } figcaption { color: #5f6368; font-size: 0.9rem; }
.trend { width: 100%; max-width: 40rem; height: auto; display: block; margin: 0.4rem 0; }
.trend polyline { fill: none; stroke-width: 2; }
.trend polyline.fail { stroke: var(--fail); } .trend polyline.unknown { stroke: var(--unknown); stroke-dasharray: 5 3; }
.trend circle.fail { fill: var(--fail); } .trend circle.unknown { fill: var(--unknown); }
.trend .axis { stroke: #999; } .trend text { font-size: 18px; fill: #5f6368; }
.matrix-wrap { overflow-x: auto; max-height: 70vh; overflow-y: auto; border: 1px solid #ddd; border-radius: 0.4rem; background: #fff; }
table.matrix { border-collapse: collapse; font-size: 0.85rem; width: 100%; }
table.matrix th, table.matrix td { padding: 0.2rem 0.45rem; border-bottom: 1px solid #eee; white-space: nowrap; text-align: left; }
table.matrix thead th { position: sticky; top: 0; background: #f1f3f4; z-index: 1; }
table.matrix tbody th { position: sticky; left: 0; background: #fff; font-weight: normal; }
table.matrix td.cell { text-align: center; min-width: 2.6rem; color: #fff; font-weight: 600; }
td.cell[data-worst=fail] { background: var(--fail); } td.cell[data-worst=unknown] { background: var(--unknown); }
td.cell[data-worst=muted] { background: var(--muted); } td.cell[data-worst=pass] { background: #d7eadb; color: var(--pass); }
td.cell[data-worst=skip] { background: #f1f3f4; color: #5f6368; font-weight: normal; }
.legend span { display: inline-block; margin-right: 0.8rem; }
@media (max-width: 40rem) {
  table.matrix .where { display: none; }
  table.matrix { font-size: 0.78rem; }
  table.matrix thead th { max-width: 2.6rem; overflow: hidden; text-overflow: ellipsis; }
  table.matrix td.cell { min-width: 2.2rem; }
}
"#;

const SCRIPT: &str = r#"
(function () {
  var form = document.getElementById('filters');
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input'));
  var selects = Array.prototype.slice.call(form.querySelectorAll('select'));
  var sections = Array.prototype.slice.call(document.querySelectorAll('section.target'));
  var rows = Array.prototype.slice.call(document.querySelectorAll('table.matrix tbody tr'));
  var rank = { fail: 4, unknown: 3, muted: 2, pass: 1, skip: 0 };
  // Every finding once, read from its attributes: [element, target, family, outcome, severity, rule, muted].
  var findings = [];
  sections.forEach(function (s) {
    Array.prototype.forEach.call(s.querySelectorAll('li.finding'), function (f) {
      var d = f.dataset;
      findings.push([f, s.dataset.target, d.family, d.outcome, d.severity, d.rule, d.muted === 'true']);
    });
  });
  var cells = {};
  rows.forEach(function (r) {
    Array.prototype.forEach.call(r.querySelectorAll('td.cell'), function (c) { cells[r.dataset.target + '/' + c.dataset.family] = c; });
  });
  function chosen(group) {
    return boxes.filter(function (b) { return b.name === group && b.checked; }).map(function (b) { return b.value; });
  }
  function picked(name) {
    return selects.filter(function (s) { return s.name === name; }).map(function (s) { return s.value; })[0] || '';
  }
  var ORDER = ['fail', 'unknown', 'muted', 'pass', 'skip'];
  function placed(el, account, region) {
    return (!account || el.dataset.account === account) && (!region || el.dataset.region === region);
  }
  function apply() {
    var outcomes = chosen('outcome'), severities = chosen('severity');
    var account = picked('account'), region = picked('region'), rule = picked('rule');
    var shown = 0, perTarget = {}, tally = {};
    findings.forEach(function (f) {
      var relevant = severities.indexOf(f[4]) >= 0 && (!rule || f[5] === rule);
      var visible = relevant && outcomes.indexOf(f[3]) >= 0;
      if (f[0].hidden === visible) { f[0].hidden = !visible; }
      if (visible) { perTarget[f[1]] = (perTarget[f[1]] || 0) + 1; }
      if (relevant) {
        var key = f[1] + '/' + f[2], t = tally[key] || (tally[key] = { worst: 'skip', problems: 0, counts: {} });
        var outcome = f[6] && (f[3] === 'fail' || f[3] === 'unknown') ? 'muted' : f[3];
        t.counts[outcome] = (t.counts[outcome] || 0) + 1;
        if (outcome === 'fail' || outcome === 'unknown') { t.problems += 1; }
        if (rank[outcome] > rank[t.worst]) { t.worst = outcome; }
      }
    });
    sections.forEach(function (s) {
      var visible = placed(s, account, region) && perTarget[s.dataset.target] > 0;
      if (s.hidden === visible) { s.hidden = !visible; }
      if (visible) { shown += perTarget[s.dataset.target]; }
    });
    rows.forEach(function (r) { r.hidden = !placed(r, account, region); });
    Object.keys(cells).forEach(function (key) {
      var c = cells[key], t = tally[key] || { worst: 'skip', problems: 0, counts: {} };
      c.dataset.worst = t.worst;
      c.textContent = t.problems > 0 ? String(t.problems) : (t.worst === 'pass' ? '\u2713' : (t.worst === 'muted' ? 'm' : '\u2013'));
      c.title = ORDER.filter(function (o) { return t.counts[o]; }).map(function (o) { return t.counts[o] + ' ' + o; }).join(', ') || 'nothing matches the filter';
    });
    document.getElementById('shown-count').textContent = String(shown);
    var hash = 'outcome=' + outcomes.join(',') + '&severity=' + severities.join(',');
    if (account) { hash += '&account=' + encodeURIComponent(account); }
    if (region) { hash += '&region=' + encodeURIComponent(region); }
    if (rule) { hash += '&rule=' + encodeURIComponent(rule); }
    if (window.history && history.replaceState) { history.replaceState(null, '', '#' + hash); }
  }
  function fromHash() {
    var params = {};
    window.location.hash.replace(/^#/, '').split('&').forEach(function (pair) {
      var kv = pair.split('=');
      // A cut or hand-edited link: a value that does not decode is taken as it is.
      if (kv[0]) { params[kv[0]] = (kv[1] || '').split(',').map(function (v) { try { return decodeURIComponent(v); } catch (e) { return v; } }); }
    });
    boxes.forEach(function (b) { if (params[b.name]) { b.checked = params[b.name].indexOf(b.value) >= 0; } });
    selects.forEach(function (s) {
      var want = params[s.name] ? params[s.name][0] : '';
      if (Array.prototype.some.call(s.options, function (o) { return o.value === want; })) { s.value = want; }
    });
  }
  boxes.concat(selects).forEach(function (b) { b.addEventListener('change', apply); });
  // A target's name leads to its findings, even those the filter hides,
  // and leaves the filter in the URL as it was.
  Array.prototype.forEach.call(document.querySelectorAll('table.matrix a'), function (a) {
    a.addEventListener('click', function (event) {
      var section = document.getElementById(a.getAttribute('href').slice(1));
      if (!section) { return; }
      event.preventDefault();
      section.hidden = false;
      Array.prototype.forEach.call(section.querySelectorAll('li.finding'), function (f) { f.hidden = false; });
      section.scrollIntoView();
    });
  });
  window.addEventListener('hashchange', function () { if (!/^#t[0-9]+$/.test(window.location.hash)) { fromHash(); apply(); } });
  fromHash();
  apply();
})();
"#;

fn counts(s: &Summary, id: &str) -> String {
    let item = |name: &str, n: usize| format!("<li><b data-count=\"{name}\">{n}</b> {name}</li>");
    format!(
        "<ul class=\"counts\" id=\"{id}\">{}{}{}{}{}</ul>",
        item("fail", s.fail),
        item("unknown", s.unknown),
        item("pass", s.pass),
        item("skip", s.skip),
        item("muted", s.muted)
    )
}

/// One finding; hidden until the filter says otherwise when the default
/// filter (problems only) hides it, so a large page lays out only those.
fn finding(f: &Finding<'_>, family: &str) -> String {
    let mut out = format!(
        "<li class=\"finding\" data-outcome=\"{}\" data-severity=\"{}\"{} data-rule=\"{}\" data-family=\"{}\"{}>",
        f.outcome.as_str(),
        f.severity,
        if f.muted.is_some() {
            " data-muted=\"true\""
        } else {
            ""
        },
        escape(f.rule),
        escape(family),
        if f.outcome.is_problem() {
            ""
        } else {
            " hidden"
        }
    );
    out.push_str(&format!(
        "<span class=\"badge {o}\">{O}</span><span class=\"sev\">{}</span><code>{}</code> {} <small>({})</small>",
        f.severity,
        escape(f.rule),
        escape(f.title),
        escape(&f.resource),
        o = f.outcome.as_str(),
        O = f.outcome.as_str().to_uppercase()
    ));
    out.push_str(&format!("<p class=\"detail\">{}</p>", escape(&f.detail)));
    if let Some(m) = &f.muted {
        out.push_str(&format!(
            "<p class=\"muted-note\">Muted until {} by {}: {}</p>",
            escape(&m.expires),
            escape(&m.owner),
            escape(&m.reason)
        ));
    }
    if let Some(error) = &f.documented_error {
        out.push_str(&format!(
            "<blockquote>The dashboard says: <code>{}</code></blockquote>",
            escape(error)
        ));
    }
    if let Some(symptom) = &f.symptom {
        out.push_str(&format!(
            "<blockquote>Symptom: {}</blockquote>",
            escape(symptom)
        ));
    }
    if let Some(fix) = &f.fix {
        out.push_str(&format!(
            "<p class=\"detail\"><b>Fix:</b> {}</p>",
            escape(fix.trim())
        ));
    }
    if let Some(lines) = f.command_lines() {
        out.push_str(&format!("<pre>{}</pre>", escape(&lines.join("\n"))));
    }
    out.push_str("</li>");
    out
}

/// How the worst finding of a matrix cell stands, from best to worst (the
/// order `max` picks the worst by).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Standing {
    Skip,
    Pass,
    /// Failing or unknown, but accepted.
    Muted,
    Unknown,
    Fail,
}

impl Standing {
    fn of(f: &Finding<'_>) -> Standing {
        match (f.outcome, f.muted.is_some()) {
            (Outcome::Fail | Outcome::Unknown, true) => Standing::Muted,
            (Outcome::Fail, false) => Standing::Fail,
            (Outcome::Unknown, false) => Standing::Unknown,
            (Outcome::Pass, _) => Standing::Pass,
            (Outcome::Skip, _) => Standing::Skip,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Standing::Skip => "skip",
            Standing::Pass => "pass",
            Standing::Muted => "muted",
            Standing::Unknown => "unknown",
            Standing::Fail => "fail",
        }
    }
}

/// One cell of the matrix: a target's findings of one rule family.
#[derive(Default)]
struct Cell {
    worst: Option<Standing>,
    /// Failing or unknown, not muted.
    problems: usize,
    counts: BTreeMap<Standing, usize>,
}

impl Cell {
    fn add(&mut self, f: &Finding<'_>) {
        let standing = Standing::of(f);
        self.worst = self.worst.max(Some(standing));
        *self.counts.entry(standing).or_default() += 1;
        if matches!(standing, Standing::Fail | Standing::Unknown) {
            self.problems += 1;
        }
    }

    fn render(&self, family: &str) -> String {
        let worst = self.worst.unwrap_or(Standing::Skip);
        let shown = match worst {
            _ if self.problems > 0 => self.problems.to_string(),
            Standing::Pass => "\u{2713}".to_string(),
            Standing::Muted => "m".to_string(),
            _ => "\u{2013}".to_string(),
        };
        let title: Vec<String> = self
            .counts
            .iter()
            .rev()
            .map(|(standing, n)| format!("{n} {}", standing.as_str()))
            .collect();
        let title = if title.is_empty() {
            "nothing matches the filter".to_string()
        } else {
            title.join(", ")
        };
        format!(
            "<td class=\"cell\" data-family=\"{}\" data-worst=\"{}\" title=\"{title}\">{shown}</td>",
            escape(family),
            worst.as_str()
        )
    }
}

/// The report as a page; `rules` give each rule its family, `trend` the
/// earlier runs' totals (oldest first) that this run's follow.
pub fn render(report: &Report<'_>, rules: &RuleSet, trend: &[Point]) -> String {
    // Once for the page, not a search of the rule set per finding.
    let by_rule: BTreeMap<&str, &str> = rules
        .rules
        .iter()
        .map(|r| (r.id.as_str(), r.family()))
        .collect();
    let family_of = |rule: &str| by_rule.get(rule).copied().unwrap_or("rules");
    let families: BTreeSet<&str> = report
        .targets
        .iter()
        .flat_map(|t| t.findings.iter().map(|f| family_of(f.rule)))
        .collect();
    let accounts: BTreeSet<&str> = report.targets.iter().map(|t| account_of(t)).collect();
    let named_accounts = accounts.iter().filter(|a| **a != NO_ACCOUNT).count();
    let regions: BTreeSet<&str> = report.targets.iter().map(|t| t.region.as_str()).collect();
    let rule_ids: BTreeSet<&str> = report
        .targets
        .iter()
        .flat_map(|t| t.findings.iter().map(|f| f.rule))
        .collect();

    let mut body = String::new();
    body.push_str("<header><h1>ccaudit report</h1>");
    body.push_str(&format!(
        "<p>{} targets in {} accounts and {} regions, audited against Bitmovin's Cloud Connect guide.</p>",
        report.targets.len(),
        named_accounts,
        regions.len()
    ));
    body.push_str(&counts(&report.summary, "summary"));
    let mut points = trend.to_vec();
    points.push(Point {
        label: "this run".to_string(),
        fail: report.summary.fail,
        unknown: report.summary.unknown,
    });
    if let Some(svg) = trend::svg(&points, escape) {
        body.push_str(&format!(
            "<figure><figcaption>Failing (solid) and unknown (dashed) findings per run</figcaption>{svg}</figure>"
        ));
    }
    body.push_str("<form id=\"filters\"><fieldset><legend>Outcome</legend>");
    for o in [
        Outcome::Fail,
        Outcome::Unknown,
        Outcome::Pass,
        Outcome::Skip,
    ] {
        let checked = if o.is_problem() { " checked" } else { "" };
        body.push_str(&format!(
            "<label><input type=\"checkbox\" name=\"outcome\" value=\"{0}\"{checked}> {0}</label>",
            o.as_str()
        ));
    }
    body.push_str("</fieldset><fieldset><legend>Severity</legend>");
    for s in Severity::ALL {
        body.push_str(&format!(
            "<label><input type=\"checkbox\" name=\"severity\" value=\"{s}\" checked> {s}</label>"
        ));
    }
    body.push_str("</fieldset><fieldset><legend>Where and what</legend>");
    body.push_str(&select("account", "Account", &accounts));
    body.push_str(&select("region", "Region", &regions));
    body.push_str(&select("rule", "Rule", &rule_ids));
    // What the default filter shows, as the script will count it.
    let problems = report.summary.fail + report.summary.unknown;
    body.push_str(&format!("</fieldset></form><p id=\"shown\"><span id=\"shown-count\">{problems}</span> findings shown</p></header><main>"));

    body.push_str(&overview(report, &families, &family_of));
    for (index, t) in report.targets.iter().enumerate() {
        let mut findings: Vec<&Finding> = t.findings.iter().collect();
        findings.sort_by_key(|f| (f.outcome, std::cmp::Reverse(f.severity)));
        let account = account_of(t);
        // Hidden, as the default filter hides it, when nothing is wrong.
        let clean = !t.findings.iter().any(|f| f.outcome.is_problem());
        body.push_str(&format!(
            "<section class=\"target\" id=\"t{index}\" data-target=\"{index}\" data-account=\"{}\" data-region=\"{}\"{}><h2>{} <small>{}, {}</small></h2>",
            escape(account),
            escape(&t.region),
            if clean { " hidden" } else { "" },
            escape(&t.name),
            escape(t.account_id.as_deref().unwrap_or("account not given")),
            escape(&t.region)
        ));
        body.push_str(&counts(
            &Summary::of(&t.findings),
            &format!("summary-t{index}"),
        ));
        body.push_str("<ul class=\"findings\">");
        for f in findings {
            body.push_str(&finding(f, family_of(f.rule)));
        }
        body.push_str("</ul></section>");
    }
    if let Some(sup) = &report.suppressions {
        for (label, list) in [
            ("Expired suppressions (no longer muting)", &sup.expired),
            ("Stale suppressions (match nothing)", &sup.stale),
        ] {
            if !list.is_empty() {
                body.push_str(&format!("<h2>{label}</h2><ul>"));
                for s in list {
                    body.push_str(&format!(
                        "<li><code>{}</code> at {}, owner {}, expires {}: {}</li>",
                        escape(&s.rule),
                        escape(&s.origin),
                        escape(&s.owner),
                        escape(&s.expires),
                        escape(&s.reason)
                    ));
                }
                body.push_str("</ul>");
            }
        }
    }
    if let Some(drift) = &report.drift {
        body.push_str(&format!(
            "<h2>Since the baseline</h2><pre>{}</pre>",
            escape(&drift.render_text())
        ));
    }
    body.push_str("</main>");
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>ccaudit report</title><style>{STYLE}</style>\
         <noscript><style>li.finding[hidden], section.target[hidden] {{ display: block; }}</style></noscript></head>\n<body>{body}<script>{SCRIPT}</script></body></html>\n"
    )
}

/// The value a target without an account id is filtered by (no account
/// id has it: they are 12 digits).
const NO_ACCOUNT: &str = "-";

fn account_of<'t>(t: &'t crate::findings::TargetReport<'_>) -> &'t str {
    t.account_id
        .as_deref()
        .filter(|a| !a.is_empty())
        .unwrap_or(NO_ACCOUNT)
}

/// A filter's drop-down: every value, and "all" first.
fn select(name: &str, label: &str, values: &BTreeSet<&str>) -> String {
    let mut out = format!("<label>{label} <select name=\"{name}\"><option value=\"\">all</option>");
    for value in values {
        let shown = if *value == NO_ACCOUNT && name == "account" {
            "(not given)"
        } else {
            value
        };
        out.push_str(&format!(
            "<option value=\"{}\">{}</option>",
            escape(value),
            escape(shown)
        ));
    }
    out.push_str("</select></label>");
    out
}

/// The targets × rule families matrix, the targets with the most problems
/// first; each name leads to its findings.
fn overview<'f>(
    report: &Report<'_>,
    families: &BTreeSet<&str>,
    family_of: &dyn Fn(&str) -> &'f str,
) -> String {
    type Key = (std::cmp::Reverse<usize>, std::cmp::Reverse<usize>, usize);
    let mut rows: Vec<(Key, String)> = Vec::with_capacity(report.targets.len());
    for (index, t) in report.targets.iter().enumerate() {
        let mut cells: BTreeMap<&str, Cell> =
            families.iter().map(|f| (*f, Cell::default())).collect();
        for f in &t.findings {
            if let Some(cell) = cells.get_mut(family_of(f.rule)) {
                cell.add(f);
            }
        }
        let account = account_of(t);
        let mut row = format!(
            "<tr data-target=\"{index}\" data-account=\"{}\" data-region=\"{}\"><th><a href=\"#t{index}\">{}</a></th><td class=\"where\">{}</td><td class=\"where\">{}</td>",
            escape(account),
            escape(&t.region),
            escape(&t.name),
            escape(account),
            escape(&t.region)
        );
        for (family, cell) in &cells {
            row.push_str(&cell.render(family));
        }
        row.push_str("</tr>");
        // Unmuted failures, then unknowns, most first; then the report's order.
        let count = |standing: Standing| {
            t.findings
                .iter()
                .filter(|f| Standing::of(f) == standing)
                .count()
        };
        rows.push((
            (
                std::cmp::Reverse(count(Standing::Fail)),
                std::cmp::Reverse(count(Standing::Unknown)),
                index,
            ),
            row,
        ));
    }
    rows.sort_by_key(|(key, _)| *key);
    let mut out = String::from(
        "<section id=\"overview\"><h2>Overview</h2><p class=\"legend\">Each cell: the worst outcome of the target's rules in that family, and how many fail or are unknown. <span>\u{2713} all pass</span><span>m muted</span><span>\u{2013} none apply</span></p><div class=\"matrix-wrap\"><table class=\"matrix\"><thead><tr><th>target</th><th class=\"where\">account id</th><th class=\"where\">region</th>",
    );
    for family in families {
        out.push_str(&format!("<th title=\"{0}\">{0}</th>", escape(family)));
    }
    out.push_str("</tr></thead><tbody>");
    for (_, row) in rows {
        out.push_str(&row);
    }
    out.push_str("</tbody></table></div></section>");
    out
}
