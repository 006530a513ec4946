//! The HTML report as a fleet view, in a real headless Chromium: the
//! targets × rule families matrix and the filters (read from the URL) agree
//! with the JSON report, the trend is drawn from earlier reports, and a
//! thousand targets render in seconds and fit a phone (the figures are
//! printed; the screenshot is kept under the test's target folder).

mod common;
mod servers;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Instant;

use common::{fixture, read_json, root, run_ccaudit, scenario_targets};
use regex::Regex;
use serde_json::{Value, json};

const MESSY: &str = "fixtures/scenarios/several-problems/snapshot.json";

/// Write the `format` report of `snapshot` to `out`, with `extra` flags.
fn report(snapshot: &Path, format: &str, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "audit",
        snapshot.to_str().expect("utf-8"),
        "--format",
        format,
        "--fail-on",
        "none",
        "-o",
        out.to_str().expect("utf-8"),
    ];
    args.extend_from_slice(extra);
    run_ccaudit(&args, 0);
}

/// Chromium on `page` (with a URL fragment), as `extra` asks; how long it took.
fn headless(page: &Path, fragment: &str, extra: &[&str]) -> (Output, f64) {
    let started = Instant::now();
    let out = servers::headless(page, fragment, extra);
    (out, started.elapsed().as_secs_f64())
}

fn dom(page: &Path, fragment: &str) -> String {
    let (out, _) = headless(page, fragment, &["--dump-dom"]);
    let dom = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        dom.contains("<h1>ccaudit report</h1>"),
        "rendered: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dom
}

/// Earlier nights' reports, filed as a nightly job files them.
fn history(dir: &Path) -> Vec<PathBuf> {
    ["bad-credentials", "guide-evaluation"]
        .iter()
        .zip(["2026-11-26", "2026-11-27"])
        .map(|(scenario, night)| {
            let folder = dir.join("runs").join(night);
            std::fs::create_dir_all(&folder).expect("run folder");
            let path = folder.join("report.json");
            let snapshot = fixture(&format!("scenarios/{scenario}/snapshot.json"));
            report(&snapshot, "json", &path, &[]);
            path
        })
        .collect()
}

#[test]
fn the_matrix_and_the_findings_follow_the_filters_in_the_url() {
    let dir = tempfile::tempdir().expect("temp dir");
    let nights = history(dir.path());
    let json_path = dir.path().join("report.json");
    let page = dir.path().join("report.html");
    let snapshot = root().join(MESSY);
    report(&snapshot, "json", &json_path, &[]);
    // The older night as history, the newer as the baseline: the baseline
    // is the trend's last point before this run, counted from its findings.
    let extra = [
        "--baseline",
        nights[1].to_str().expect("utf-8"),
        "--history",
        nights[0].to_str().expect("utf-8"),
    ];
    report(&snapshot, "html", &page, &extra);
    let json = read_json(&json_path);
    let html = std::fs::read_to_string(&page).expect("read");
    for external in [
        "<script src",
        "<link",
        "@import",
        "url(",
        "<img",
        "href=\"http",
    ] {
        assert!(!html.contains(external), "self-contained: found {external}");
    }

    // The trend: both earlier nights and this run, named by their folders.
    let trend: Vec<(&str, u64)> = nights
        .iter()
        .map(|p| read_json(p))
        .zip(["2026-11-26", "2026-11-27"])
        .map(|(r, night)| (night, r["summary"]["fail"].as_u64().expect("fail")))
        .chain([("this run", json["summary"]["fail"].as_u64().expect("fail"))])
        .collect();
    for (label, fail) in &trend {
        assert!(
            html.contains(&format!("<title>{label}: {fail} fail</title>")),
            "{label}: {fail}"
        );
    }
    assert_eq!(html.matches("<circle class=\"fail\"").count(), 3);

    // One region and one rule, every outcome.
    let (region, rule) = ("us-east-1", "iam-ec2-permissions");
    let fragment = format!(
        "#outcome=fail,unknown,pass,skip&severity=critical,high,medium,low,info&region={region}&rule={rule}"
    );
    let dom = dom(&page, &fragment);
    let targets = json["targets"].as_array().expect("targets");
    let in_region: Vec<(usize, &Value)> = targets
        .iter()
        .enumerate()
        .filter(|(_, t)| t["region"] == region)
        .collect();
    assert_eq!(in_region.len(), 1, "the scenario has one target there");
    let (index, target) = in_region[0];

    let row =
        Regex::new(r#"<tr data-target="(\d+)"[^>]*?( hidden="")?>(.*?)</tr>"#).expect("regex");
    let cell = Regex::new(r#"<td class="cell" data-family="([^"]+)" data-worst="([a-z]+)" title="([^"]*)">([^<]*)</td>"#)
        .expect("regex");
    let mut rows = 0;
    for found in row.captures_iter(&dom) {
        rows += 1;
        let shown = found.get(2).is_none();
        let this = found[1].parse::<usize>().expect("index") == index;
        assert_eq!(shown, this, "row {} shown: {shown}", &found[1]);
        if !this {
            continue;
        }
        // The rule's family shows its outcome; the other families, nothing.
        let outcome = target["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .find(|f| f["rule"] == rule)
            .map(|f| f["outcome"].as_str().expect("outcome"))
            .expect("the rule's finding");
        let cells: BTreeMap<String, (String, String)> = cell
            .captures_iter(&found[3])
            .map(|c| (c[1].to_string(), (c[2].to_string(), c[4].to_string())))
            .collect();
        assert_eq!(cells.len(), 5, "{cells:?}");
        for (family, (worst, text)) in &cells {
            if family == "iam" {
                assert_eq!(worst, outcome);
            } else {
                assert_eq!(
                    (worst.as_str(), text.as_str()),
                    ("skip", "\u{2013}"),
                    "{family}"
                );
            }
        }
    }
    assert_eq!(rows, targets.len());
    // Exactly one finding shown: that rule's, in that target's section.
    assert!(
        dom.contains("<span id=\"shown-count\">1</span>"),
        "shown count"
    );
    let visible_sections = Regex::new(r#"<section class="target" id="t(\d+)"[^>]*?>"#)
        .expect("regex")
        .captures_iter(&dom)
        .filter(|c| !c[0].contains("hidden"))
        .map(|c| c[1].parse::<usize>().expect("index"))
        .collect::<Vec<_>>();
    assert_eq!(visible_sections, [index]);

    // Without a filter in the URL: problems only, every row, the worst
    // first, and the page as written is the page the script leaves.
    let dom = self::dom(&page, "");
    let cells_of = |text: &str| -> Vec<String> {
        cell.find_iter(text)
            .map(|m| m.as_str().to_string())
            .collect()
    };
    assert_eq!(
        cells_of(&html),
        cells_of(&dom),
        "the script recolours nothing by default"
    );
    let sections = Regex::new(r#"<section class="target"[^>]*>"#).expect("regex");
    let hidden_of = |text: &str| -> Vec<bool> {
        sections
            .find_iter(text)
            .map(|m| m.as_str().contains("hidden"))
            .collect()
    };
    assert_eq!(hidden_of(&html), hidden_of(&dom));
    let problems: u64 = ["fail", "unknown"]
        .iter()
        .map(|k| json["summary"][*k].as_u64().expect("count"))
        .sum();
    assert!(dom.contains(&format!("<span id=\"shown-count\">{problems}</span>")));
    let order: Vec<usize> = row
        .captures_iter(&dom)
        .map(|c| c[1].parse().expect("index"))
        .collect();
    let fails = |i: usize| {
        targets[i]["findings"]
            .as_array()
            .expect("f")
            .iter()
            .filter(|f| f["outcome"] == "fail")
            .count()
    };
    assert!(
        order.windows(2).all(|w| fails(w[0]) >= fails(w[1])),
        "{order:?}"
    );
}

/// `count` targets cycling through the scenarios, in 5 regions of
/// `count / 5` accounts.
fn fleet(count: usize) -> Value {
    let pool = scenario_targets(&[
        "guide-production",
        "several-problems",
        "bad-credentials",
        "missing-egress",
        "group-by-name",
        "missing-ssh-rule",
    ]);
    let regions = [
        "eu-west-1",
        "eu-central-1",
        "us-east-1",
        "us-west-2",
        "ap-south-1",
    ];
    let targets: Vec<Value> = (0..count)
        .map(|i| {
            let mut target = pool[i % pool.len()].clone();
            let account = format!("{:012}", 100_000_000_000_u64 + (i / 5) as u64);
            target["name"] = format!("{account}-{}", regions[i % 5]).into();
            target["setup"]["account_id"] = account.into();
            target["setup"]["region"] = regions[i % 5].into();
            target
        })
        .collect();
    json!({"schema": "ccaudit/snapshot/v1", "collected_at": "2026-11-28T02:00:00Z", "targets": targets})
}

#[test]
fn a_thousand_targets_render_in_seconds_and_fit_a_phone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let snapshot = dir.path().join("fleet.json");
    std::fs::write(&snapshot, fleet(1000).to_string()).expect("write");
    let nights = history(dir.path());
    let page = dir.path().join("report.html");
    let mut extra = vec!["--history"];
    extra.extend(nights.iter().map(|p| p.to_str().expect("utf-8")));
    let started = Instant::now();
    report(&snapshot, "html", &page, &extra);
    let written = started.elapsed().as_secs_f64();
    let size = std::fs::metadata(&page).expect("page").len();

    let artefacts = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("artefacts");
    std::fs::create_dir_all(&artefacts).expect("artefact dir");
    let shot = artefacts.join("fleet-1000-phone.png");
    let _ = std::fs::remove_file(&shot);
    let blank = dir.path().join("blank.html");
    std::fs::write(&blank, "<!doctype html><p>-</p>").expect("write");
    // Each measured run writes a real file: Chromium gives up on a
    // screenshot it cannot write before it renders anything.
    let scratch = format!("--screenshot={}", dir.path().join("scratch.png").display());
    let (_, start_up) = headless(&blank, "", &["--window-size=420,1400", &scratch]);
    let (out, phone) = headless(
        &page,
        "",
        &[
            "--window-size=420,1400",
            &format!("--screenshot={}", shot.display()),
        ],
    );
    assert!(shot.exists(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        std::fs::metadata(&shot).expect("shot").len() > 20_000,
        "the screenshot shows a page"
    );
    let (_, desktop) = headless(&page, "", &["--window-size=1280,900", &scratch]);
    eprintln!(
        "1000 targets: HTML {:.1} MB written in {written:.1} s; headless Chromium to a screenshot: \
         {phone:.1} s at 420 px, {desktop:.1} s at 1280 px ({start_up:.1} s of it starting Chromium on a blank page); \
         screenshot {}",
        size as f64 / 1e6,
        shot.display()
    );
    // Bounds with room for a slow machine: a regression that makes the
    // page ten times heavier fails.
    assert!(size < 40_000_000, "{size} bytes");
    assert!(
        phone < 30.0 && desktop < 30.0,
        "{phone:.1} s, {desktop:.1} s"
    );
    // The page is whole: the overview's 1000 rows and every finding.
    let html = std::fs::read_to_string(&page).expect("read");
    assert_eq!(html.matches("<tr data-target=").count(), 1000);
}

#[test]
fn hostile_names_stay_text_and_muted_findings_neither_rank_nor_count() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut snapshot = read_json(&root().join(MESSY));
    let hostile = "x\"'<b>&amp;<script>";
    snapshot["targets"][1]["name"] = json!(format!("archive{hostile}"));
    snapshot["targets"][2]["setup"]["account_id"] =
        json!(format!("1\"><img src=x onerror=alert(1)>"));
    snapshot["targets"][3]["setup"]
        .as_object_mut()
        .expect("setup")
        .remove("account_id");
    let path = dir.path().join("snapshot.json");
    std::fs::write(&path, snapshot.to_string()).expect("write");
    let json_path = dir.path().join("report.json");
    report(&path, "json", &json_path, &[]);
    let json = read_json(&json_path);
    // Mute every failure of the target that fails most.
    let archive = &json["targets"][1];
    let mut suppressions = String::new();
    for f in archive["findings"].as_array().expect("findings") {
        if f["outcome"] == "fail" {
            suppressions.push_str(&format!(
                "[[suppress]]\nrule = \"{}\"\ntarget = \"archive*\"\nreason = \"accepted\"\nowner = \"platform\"\nexpires = 2099-12-31\n\n",
                f["rule"].as_str().expect("rule")
            ));
        }
    }
    let muting = dir.path().join("suppressions.toml");
    std::fs::write(&muting, suppressions).expect("write");
    // An earlier report filed under a folder whose name is markup.
    let night = dir
        .path()
        .join("runs")
        .join("\"><img src=x onerror=alert(1)>");
    std::fs::create_dir_all(&night).expect("folder");
    std::fs::copy(&json_path, night.join("report.json")).expect("copy");
    let page = dir.path().join("report.html");
    let history = night.join("report.json");
    report(
        &path,
        "html",
        &page,
        &[
            "--suppressions",
            muting.to_str().expect("utf-8"),
            "--now",
            "2026-11-29",
            "--history",
            history.to_str().expect("utf-8"),
        ],
    );
    let html = std::fs::read_to_string(&page).expect("read");
    for raw in ["<img", "<b>&amp;", "onerror=alert(1)>", "<script>&"] {
        assert!(!html.contains(raw), "{raw} reached the page as markup");
    }
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "the page's own script only"
    );
    // The target without an account can be chosen on its own.
    assert!(
        html.contains("<option value=\"-\">(not given)</option>"),
        "no-account option"
    );
    assert!(
        html.contains("in 3 accounts"),
        "the missing account is not counted"
    );
    let dom = dom(&page, "#account=-&outcome=fail,unknown,pass,skip");
    let rows = Regex::new(r#"<tr data-target="(\d+)"[^>]*?( hidden="")?>"#).expect("regex");
    let shown: Vec<&str> = rows
        .captures_iter(&dom)
        .filter(|c| c.get(2).is_none())
        .map(|c| c.get(1).expect("index").as_str())
        .collect();
    assert_eq!(shown, ["3"], "only the target without an account");
    // The muted target: its cells say muted, and it no longer ranks first.
    let first = rows.captures(&html).expect("a row");
    assert_ne!(
        &first[1], "1",
        "a target whose failures are all muted does not lead"
    );
    let archive_row = Regex::new(r#"<tr data-target="1"[^>]*>(.*?)</tr>"#)
        .expect("regex")
        .captures(&html)
        .expect("the archive row")[1]
        .to_string();
    assert!(
        archive_row.contains("data-worst=\"muted\""),
        "{archive_row}"
    );
    assert!(
        !archive_row.contains("data-worst=\"fail\""),
        "{archive_row}"
    );
}
