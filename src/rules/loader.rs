//! Finding, reading and validating rule files. Loading is strict: unknown
//! fields, unknown check types, duplicate ids, bad CIDRs, bad formulas and
//! unknown placeholders are errors naming file, line and column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use super::{Rule, Stage, Triage};
use crate::checks::shared::{SHARED_FILE, SharedValues};
use crate::error::{InputError, line_col};
use crate::template::{Placeholder, placeholders};
use regex::Regex;

static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/rules");

#[derive(Debug, Clone)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub shared: SharedValues,
}

/// A rule folder's files: (path shown in messages, text), sorted by path.
struct Source {
    path: PathBuf,
    text: String,
    /// The folder's top-level `shared.toml`.
    is_shared: bool,
    /// Compiled into the binary, and checked by its tests.
    built_in: bool,
}

impl RuleSet {
    /// The rules built into the binary.
    pub fn builtin() -> Result<RuleSet, InputError> {
        RuleSet::load(&[])
    }

    /// The built-in rules plus every rule file under each of `extra_dirs`.
    pub fn load(extra_dirs: &[PathBuf]) -> Result<RuleSet, InputError> {
        let mut folders = vec![builtin_sources()?];
        for dir in extra_dirs {
            folders.push(read_dir_sources(dir)?);
        }
        RuleSet::from_folders(folders)
    }

    /// One more rule file, checked as `load` checks it, against this set's
    /// shared values (fast: the other rules are not read again).
    pub fn add_file(&mut self, path: &Path, text: &str) -> Result<(), InputError> {
        let source = Source {
            path: path.to_path_buf(),
            text: text.to_string(),
            is_shared: false,
            built_in: false,
        };
        let rule = parse_rule(&source, &self.shared)?;
        if let Some(first) = self.get(&rule.id) {
            return Err(at_text(
                &source,
                &format!("\"{}\"", rule.id),
                format!(
                    "duplicate rule id `{}` (already defined in {})",
                    rule.id,
                    first.origin.display()
                ),
            ));
        }
        self.rules.push(rule);
        self.rules.sort_by_key(|r| r.stage);
        self.link();
        Ok(())
    }

    /// Give every rule the set's first rule id per check type (and per
    /// check type with its evidence key), for details that point to it.
    fn link(&mut self) {
        let mut see = BTreeMap::new();
        for rule in &self.rules {
            let name = rule.check.type_name();
            see.entry(name.to_string())
                .or_insert_with(|| rule.id.clone());
            if let Some(key) = rule.check.evidence_key() {
                see.entry(format!("{name} {key}"))
                    .or_insert_with(|| rule.id.clone());
            }
        }
        let see = std::sync::Arc::new(see);
        for rule in &mut self.rules {
            rule.see = std::sync::Arc::clone(&see);
        }
    }

    fn from_folders(folders: Vec<Vec<Source>>) -> Result<RuleSet, InputError> {
        let mut shared = SharedValues::default();
        for folder in &folders {
            for source in folder.iter().filter(|s| s.is_shared) {
                let values: SharedValues =
                    toml::from_str(&source.text).map_err(|e| toml_error(source, &e))?;
                shared
                    .merge(values)
                    .map_err(|message| InputError::new(&source.path, message))?;
            }
        }
        shared.symptom_patterns = compile_symptoms(&shared.symptoms)
            .map_err(|message| InputError::new("rules/shared.toml", message))?;
        let mut rules: Vec<Rule> = Vec::new();
        let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
        for source in folders.iter().flatten().filter(|s| !s.is_shared) {
            let rule = parse_rule(source, &shared)?;
            if let Some(first) = seen.get(&rule.id) {
                return Err(at_text(
                    source,
                    &format!("\"{}\"", rule.id),
                    format!(
                        "duplicate rule id `{}` (already defined in {})",
                        rule.id,
                        first.display()
                    ),
                ));
            }
            seen.insert(rule.id.clone(), source.path.clone());
            rules.push(rule);
        }
        // Stable sort: the order in which the customer meets the problems.
        rules.sort_by_key(|r| r.stage);
        let mut set = RuleSet { rules, shared };
        set.link();
        Ok(set)
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }
}

fn builtin_sources() -> Result<Vec<Source>, InputError> {
    fn walk(dir: &Dir<'static>, out: &mut Vec<Source>) -> Result<(), InputError> {
        for file in dir.files() {
            if file.path().extension().is_some_and(|e| e == "toml") {
                let path = Path::new("rules").join(file.path());
                // Built in at compile time, but never read as empty.
                let Some(text) = file.contents_utf8() else {
                    return Err(InputError::new(&path, "a rule file must be UTF-8"));
                };
                out.push(Source {
                    path,
                    text: text.to_string(),
                    is_shared: file.path() == Path::new(SHARED_FILE),
                    built_in: true,
                });
            }
        }
        for sub in dir.dirs() {
            walk(sub, out)?;
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(&BUILTIN, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn read_dir_sources(root: &Path) -> Result<Vec<Source>, InputError> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<Source>) -> Result<(), InputError> {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| InputError::new(dir, format!("cannot read rules folder: {e}")))?;
        for entry in entries {
            let path = entry
                .map_err(|e| InputError::new(dir, e.to_string()))?
                .path();
            if path.is_dir() {
                walk(&path, root, out)?;
            } else if path.extension().is_some_and(|e| e == "toml") {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| InputError::new(&path, format!("cannot read rule file: {e}")))?;
                let is_shared = dir == root && path.file_name().is_some_and(|n| n == SHARED_FILE);
                out.push(Source {
                    path,
                    text,
                    is_shared,
                    built_in: false,
                });
            }
        }
        Ok(())
    }
    if !root.is_dir() {
        return Err(InputError::new(
            root,
            "--rules must name a folder of rule files",
        ));
    }
    let mut out = Vec::new();
    walk(root, root, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

fn toml_error(source: &Source, error: &toml::de::Error) -> InputError {
    InputError::at_span(
        &source.path,
        &source.text,
        error.span(),
        error.message().trim().to_string(),
    )
}

/// An error placed at the first occurrence of `needle` in the file.
fn at_text(source: &Source, needle: &str, message: String) -> InputError {
    match source.text.find(needle) {
        Some(offset) => {
            let (line, col) = line_col(&source.text, offset);
            InputError::at(&source.path, line, col, message)
        }
        None => InputError::new(&source.path, message),
    }
}

fn parse_rule(source: &Source, shared: &SharedValues) -> Result<Rule, InputError> {
    let mut rule: Rule = toml::from_str(&source.text).map_err(|e| toml_error(source, &e))?;
    rule.origin = source.path.clone();

    let id_ok = !rule.id.is_empty()
        && rule
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !rule.id.starts_with('-');
    if !id_ok {
        return Err(at_text(
            source,
            "id",
            format!(
                "rule id `{}` must be lowercase letters, digits and dashes",
                rule.id
            ),
        ));
    }
    for (field, value) in [
        ("title", &rule.title),
        ("why", &rule.why),
        ("fix", &rule.fix),
    ] {
        if value.trim().is_empty() {
            return Err(at_text(
                source,
                field,
                format!("rule `{}` has an empty `{field}`", rule.id),
            ));
        }
    }
    if rule.references.is_empty() {
        return Err(at_text(
            source,
            "references",
            format!(
                "rule `{}` needs at least one reference to the guide",
                rule.id
            ),
        ));
    }

    rule.check.prepare(shared).map_err(|e| match e.span {
        Some(span) => InputError::at_span(&source.path, &source.text, Some(span), e.message),
        None => at_text(source, "[check", e.message),
    })?;

    if let Some(triage) = &mut rule.triage {
        let place = |(needle, message): (String, String)| at_text(source, &needle, message);
        triage.sources = triage_sources(triage, shared).map_err(place)?;
        if !source.built_in {
            let compiled = compile_triage(&triage.sources).map_err(place)?;
            triage.compiled = compiled.into();
        }
    }

    let mut allowed: Vec<Placeholder> = Placeholder::SETUP.to_vec();
    allowed.extend_from_slice(rule.check.placeholders());
    let texts = [
        ("fix_command", rule.fix_command.as_deref()),
        ("documented_error", rule.documented_error.as_deref()),
        ("fix", Some(rule.fix.as_str())),
    ];
    for (field, text) in texts {
        for (_, name) in placeholders(text.unwrap_or_default()) {
            let known = Placeholder::from_name(name);
            if known.is_none_or(|p| !allowed.contains(&p)) {
                let names: Vec<&str> = allowed.iter().map(|p| p.name()).collect();
                return Err(at_text(
                    source,
                    &format!("{{{name}}}"),
                    format!(
                        "unknown placeholder `{{{name}}}` in `{field}` (a `{}` rule may use: {})",
                        rule.check.type_name(),
                        names.join(", ")
                    ),
                ));
            }
            // A fix command's values are checked against their AWS format
            // before they are pasted in; one without a format cannot go in.
            if field == "fix_command" && known.and_then(Placeholder::format).is_none() {
                return Err(at_text(
                    source,
                    &format!("{{{name}}}"),
                    format!(
                        "placeholder `{{{name}}}` has no known AWS format, so it cannot go into `fix_command` (add one in src/template.rs)"
                    ),
                ));
            }
        }
    }
    Ok(rule)
}

/// Case-insensitive, as people paste messages in every case.
fn insensitive(pattern: &str) -> String {
    format!("(?i){pattern}")
}

/// One regular expression of a triage section, before it is compiled.
#[derive(Debug, Clone)]
pub(crate) struct TriageSource {
    /// What the rule file says (to place an error), and what kind it is.
    written: String,
    code: bool,
    /// The expression: case-insensitive, a code matched whole.
    regex: String,
}

/// A triage section's patterns (resolving `@name`) and codes, as the
/// expressions they become. The error carries text to find in the file
/// and the message.
fn triage_sources(
    triage: &Triage,
    shared: &SharedValues,
) -> Result<Vec<TriageSource>, (String, String)> {
    let mut sources = Vec::new();
    for pattern in &triage.patterns {
        let text = match pattern.strip_prefix('@') {
            Some(name) => match shared.patterns.get(name) {
                Some(p) => p.0.as_str(),
                None => {
                    return Err((
                        pattern.clone(),
                        format!("unknown shared pattern `{pattern}`"),
                    ));
                }
            },
            None => pattern,
        };
        sources.push(TriageSource {
            written: pattern.clone(),
            code: false,
            regex: insensitive(text),
        });
    }
    for code in &triage.codes {
        // An AWS error code, whole: not a prefix of a longer one
        // (`AuthFailure.ServiceLinkedRoleCreationNotPermitted`).
        sources.push(TriageSource {
            written: code.clone(),
            code: true,
            regex: insensitive(&format!(
                r"(^|[^A-Za-z0-9.]){}($|[^A-Za-z0-9.]|\.($|[^A-Za-z0-9]))",
                regex::escape(code)
            )),
        });
    }
    if sources.is_empty() {
        return Err((
            "[triage]".into(),
            "a [triage] section needs `patterns` or `codes`".into(),
        ));
    }
    Ok(sources)
}

/// A triage section's expressions, compiled and checked: a named group must
/// be a placeholder, and no pattern may match an empty message.
pub(crate) fn compile_triage(sources: &[TriageSource]) -> Result<Vec<Regex>, (String, String)> {
    let mut compiled = Vec::new();
    for source in sources {
        let pattern = &source.written;
        let regex = Regex::new(&source.regex).map_err(|e| {
            let kind = if source.code { "code" } else { "pattern" };
            (pattern.clone(), format!("invalid {kind}: {e}"))
        })?;
        // A named group fills that placeholder in the fixes triage shows.
        if let Some(name) = regex
            .capture_names()
            .flatten()
            .find(|name| Placeholder::from_name(name).is_none())
        {
            return Err((
                pattern.clone(),
                format!(
                    "triage pattern `{pattern}` names group `{name}`, which is no placeholder (known: {})",
                    Placeholder::all()
                        .map(Placeholder::name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        if regex.is_match("") {
            // "" or "a*": it would match every message pasted to triage.
            let find = if pattern.is_empty() {
                "patterns".to_string()
            } else {
                pattern.clone()
            };
            return Err((
                find,
                format!(
                    "triage pattern `{pattern}` matches an empty message, so it would match every message"
                ),
            ));
        }
        compiled.push(regex);
    }
    Ok(compiled)
}

fn compile_symptoms(
    symptoms: &BTreeMap<Stage, Vec<String>>,
) -> Result<Vec<(Stage, Regex)>, String> {
    let mut compiled = Vec::new();
    for (stage, patterns) in symptoms {
        for pattern in patterns {
            let regex = Regex::new(&insensitive(pattern))
                .map_err(|e| format!("invalid symptom pattern `{pattern}`: {e}"))?;
            compiled.push((*stage, regex));
        }
    }
    Ok(compiled)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in rules' triage is compiled on first use, without the
    /// checks a rule file gets when it is read: here they get them.
    #[test]
    fn every_built_in_triage_section_compiles_and_passes_the_checks() {
        let rules = RuleSet::builtin().expect("built-in rules");
        let mut sections = 0;
        for rule in &rules.rules {
            if let Some(triage) = &rule.triage {
                sections += 1;
                let compiled = compile_triage(&triage.sources)
                    .unwrap_or_else(|(at, why)| panic!("{}: {at}: {why}", rule.id));
                assert_eq!(compiled.len(), triage.patterns.len() + triage.codes.len());
                assert_eq!(triage.compiled().len(), compiled.len(), "{}", rule.id);
            }
        }
        assert!(sections > 0);
    }

    #[test]
    fn a_rule_folders_triage_is_checked_when_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let rule = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/account/credentials-valid.toml"),
        )
        .expect("a built-in rule file");
        let text = rule
            .replace("id = \"credentials-valid\"", "id = \"mine\"")
            .replacen("patterns = [", "patterns = [\"a*\", ", 1);
        assert_ne!(text, rule, "the file was changed");
        std::fs::write(dir.path().join("mine.toml"), text).expect("write");
        let error = RuleSet::load(&[dir.path().to_path_buf()]).expect_err("refused");
        assert!(
            error.message.contains("matches an empty message"),
            "{error}"
        );
    }
}
