//! One self-contained HTML page (no external scripts, fonts or images):
//! summary counts, per-target status, every finding with its documented
//! message and fix, filterable by outcome and severity (also from the URL:
//! `report.html#outcome=fail,unknown&severity=critical`), readable on a phone.

use super::{Report, Summary};
use crate::findings::Severity;
use crate::findings::{Finding, Outcome};

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
"#;

const SCRIPT: &str = r#"
(function () {
  var boxes = Array.prototype.slice.call(document.querySelectorAll('#filters input'));
  var findings = Array.prototype.slice.call(document.querySelectorAll('li.finding'));
  function chosen(group) {
    return boxes.filter(function (b) { return b.name === group && b.checked; }).map(function (b) { return b.value; });
  }
  function apply() {
    var outcomes = chosen('outcome'), severities = chosen('severity'), shown = 0;
    findings.forEach(function (f) {
      var visible = outcomes.indexOf(f.dataset.outcome) >= 0 && severities.indexOf(f.dataset.severity) >= 0;
      f.hidden = !visible;
      if (visible) { shown += 1; }
    });
    document.getElementById('shown-count').textContent = String(shown);
    var hash = 'outcome=' + outcomes.join(',') + '&severity=' + severities.join(',');
    if (window.history && history.replaceState) { history.replaceState(null, '', '#' + hash); }
  }
  function fromHash() {
    var params = {};
    window.location.hash.replace(/^#/, '').split('&').forEach(function (pair) {
      var kv = pair.split('=');
      if (kv[0]) { params[kv[0]] = (kv[1] || '').split(','); }
    });
    boxes.forEach(function (b) { if (params[b.name]) { b.checked = params[b.name].indexOf(b.value) >= 0; } });
  }
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
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

fn finding(f: &Finding<'_>) -> String {
    let mut out = format!(
        "<li class=\"finding\" data-outcome=\"{}\" data-severity=\"{}\" data-muted=\"{}\" data-rule=\"{}\">",
        f.outcome.as_str(),
        f.severity,
        f.muted.is_some(),
        escape(f.rule)
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

pub fn render(report: &Report<'_>) -> String {
    let mut body = String::new();
    body.push_str("<header><h1>ccaudit report</h1>");
    body.push_str(&format!(
        "<p>{} targets audited against Bitmovin's Cloud Connect guide.</p>",
        report.targets.len()
    ));
    body.push_str(&counts(&report.summary, "summary"));
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
    body.push_str("</fieldset></form><p id=\"shown\"><span id=\"shown-count\"></span> findings shown</p></header><main>");
    for t in &report.targets {
        let mut findings: Vec<&Finding> = t.findings.iter().collect();
        findings.sort_by_key(|f| (f.outcome, std::cmp::Reverse(f.severity)));
        body.push_str(&format!(
            "<section class=\"target\" data-target=\"{}\"><h2>{} <small>{}, {}</small></h2>",
            escape(&t.name),
            escape(&t.name),
            escape(t.account_id.as_deref().unwrap_or("account not given")),
            escape(&t.region)
        ));
        body.push_str(&counts(
            &Summary::of(&t.findings),
            &format!("summary-{}", escape(&t.name)),
        ));
        body.push_str("<ul class=\"findings\">");
        for f in findings {
            body.push_str(&finding(f));
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
         <title>ccaudit report</title><style>{STYLE}</style></head>\n<body>{body}<script>{SCRIPT}</script></body></html>\n"
    )
}
