//! The layering of docs/architecture.md, enforced: no module of `src/` uses
//! a module that uses it back, directly or through others. A module's uses
//! are its `crate::…` paths (outside `#[cfg(test)]`); a module and the
//! modules inside it count as one at the level compared.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`report::sarif`) → the source text that is not test code.
fn modules() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let root = common::root().join("src");
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src/") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("main.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("read a source file");
            let code = text.split("#[cfg(test)]").next().unwrap_or("").to_string();
            out.insert(module_name(&root, &path), code);
        }
    }
    out
}

fn module_name(root: &Path, file: &Path) -> String {
    let relative = file
        .strip_prefix(root)
        .expect("under src/")
        .with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts.join("::")
}

/// The first `depth` segments of a module path.
fn level(module: &str, depth: usize) -> String {
    module
        .split("::")
        .take(depth)
        .collect::<Vec<_>>()
        .join("::")
}

fn uses(modules: &BTreeMap<String, String>, depth: usize) -> BTreeMap<String, BTreeSet<String>> {
    let path = regex::Regex::new(r"crate::((?:[a-z_0-9]+::)*[a-z_0-9]+)").expect("regex");
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, code) in modules {
        for found in path.captures_iter(code) {
            let segments: Vec<&str> = found[1].split("::").collect();
            // The longest prefix that names a module: `crate::report::Report`
            // is a use of `report`.
            let Some(used) = (1..=segments.len())
                .rev()
                .map(|n| segments[..n].join("::"))
                .find(|m| modules.contains_key(m))
            else {
                continue;
            };
            let (from, to) = (level(module, depth), level(&used, depth));
            let nested = |a: &str, b: &str| a == b || b.starts_with(&format!("{a}::"));
            if !nested(&from, &to) && !nested(&to, &from) {
                edges.entry(from).or_default().insert(to);
            }
        }
    }
    edges
}

/// A path that leads from `start` back to `start`, if any.
fn circle_through(edges: &BTreeMap<String, BTreeSet<String>>, start: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![start.to_string()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().expect("never empty");
        for next in edges.get(last).into_iter().flatten() {
            if next == start {
                let mut circle = path.clone();
                circle.push(next.clone());
                return Some(circle);
            }
            if seen.insert(next.clone()) {
                let mut longer = path.clone();
                longer.push(next.clone());
                stack.push(longer);
            }
        }
    }
    None
}

fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    edges
        .keys()
        .filter_map(|m| circle_through(edges, m))
        .map(|c| c.join(" → "))
        .collect()
}

#[test]
fn no_module_uses_one_that_uses_it_back() {
    let modules = modules();
    assert!(modules.contains_key("findings") && modules.contains_key("report::sarif"));
    for depth in 1..=3 {
        let found = circles(&uses(&modules, depth));
        assert!(
            found.is_empty(),
            "import circles between modules (depth {depth}):\n{}",
            found.join("\n")
        );
    }
}

#[test]
fn a_circle_is_found() {
    let mut modules = BTreeMap::new();
    modules.insert("a".to_string(), "use crate::b::Thing;".to_string());
    modules.insert("b".to_string(), "use crate::c::x;".to_string());
    modules.insert("c".to_string(), "fn f() { crate::a::g() }".to_string());
    modules.insert("d".to_string(), "use crate::a;".to_string());
    let found = circles(&uses(&modules, 1));
    assert_eq!(found, ["a → b → c → a", "b → c → a → b", "c → a → b → c"]);
    modules.insert("c".to_string(), String::new());
    assert!(circles(&uses(&modules, 1)).is_empty());
}
