//! The layering of docs/architecture.md, enforced: no module of `src/` uses
//! a module that uses it back, directly or through others. A module's uses
//! are its paths outside comments and `#[cfg(test)] mod` blocks: `crate::…`,
//! `super::…`, `self::…`, a child module's name, and each item of a
//! `{…}` group. A module and the modules inside it count as one at the
//! level compared (a parent declares its children).

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
            let code = text.split("#[cfg(test)]\nmod ").next().unwrap_or("");
            let code: Vec<&str> = code
                .lines()
                .map(|line| line.split("//").next().unwrap_or(""))
                .collect();
            out.insert(module_name(&root, &path), code.join("\n"));
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

/// Every path `code` (of module `module`) uses, as `a::b::c` from the crate
/// root: relative paths resolved, `{…}` groups expanded.
fn paths(module: &str, code: &str, modules: &BTreeMap<String, String>) -> Vec<String> {
    let group =
        regex::Regex::new(r"((?:crate|super|self)(?:::[a-z_0-9]+)*)::\{([^{}]*)\}").expect("regex");
    let path = regex::Regex::new(r"\b((?:crate|super|self)(?:::[a-z_0-9]+)+)").expect("regex");
    let child = regex::Regex::new(r"(?m)^\s*(?:pub )?use ([a-z_0-9]+)::").expect("regex");
    let mut found: Vec<String> = Vec::new();
    for g in group.captures_iter(code) {
        for item in g[2].split(',') {
            let item = item.trim().split(" as ").next().unwrap_or("");
            if item.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
                found.push(format!("{}::{item}", &g[1]));
            }
        }
    }
    found.extend(path.captures_iter(code).map(|p| p[1].to_string()));
    found.extend(
        child
            .captures_iter(code)
            .filter(|c| !matches!(&c[1], "crate" | "super" | "self" | "std"))
            .map(|c| format!("self::{}", &c[1])),
    );
    let parent = module.rsplit_once("::").map_or("", |(p, _)| p);
    found
        .into_iter()
        .map(|p| {
            let joined = |base: &str, rest: &str| {
                if base.is_empty() {
                    rest.to_string()
                } else {
                    format!("{base}::{rest}")
                }
            };
            if let Some(rest) = p.strip_prefix("crate::") {
                rest.to_string()
            } else if p.starts_with("super::") {
                // Each `super::` is one level up.
                let (mut base, mut rest) = (parent, p.as_str());
                while let Some(after) = rest.strip_prefix("super::") {
                    rest = after;
                    if rest.starts_with("super::") {
                        base = base.rsplit_once("::").map_or("", |(b, _)| b);
                    }
                }
                joined(base, rest)
            } else if let Some(rest) = p.strip_prefix("self::") {
                joined(module, rest)
            } else {
                p
            }
        })
        .filter(|p| {
            modules
                .keys()
                .any(|m| p == m || p.starts_with(&format!("{m}::")))
        })
        .collect()
}

fn uses(modules: &BTreeMap<String, String>, depth: usize) -> BTreeMap<String, BTreeSet<String>> {
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, code) in modules {
        for found in paths(module, code, modules) {
            let segments: Vec<&str> = found.split("::").collect();
            // The longest prefix that names a module: `report::Report` is a
            // use of `report`.
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
    // Relative paths and `{…}` groups count; so does a child's name.
    modules.insert("p::q".to_string(), "use super::super::a;".to_string());
    modules.insert("p".to_string(), "use crate::{d, p::q};".to_string());
    modules.insert("b".to_string(), "use crate::{c, p};".to_string());
    modules.insert("c".to_string(), "use super::b::Thing;".to_string());
    let found = circles(&uses(&modules, 1));
    // c → b through `super::b`; p → a through p::q's `super::super::a`;
    // p → d and b → p through `{…}` groups.
    for circle in ["c → b → c", "a → b → p → a", "d → a → b → p → d"] {
        assert!(found.contains(&circle.to_string()), "{circle}: {found:?}");
    }
}
