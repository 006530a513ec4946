//! Where a plan's resource is written: the `.tf` file and line of its
//! `resource "TYPE" "NAME"` block. The plan's JSON has no positions, so
//! the code is read: the root module's directory (given, or the plan
//! file's), a module's from `.terraform/modules/modules.json` (what
//! `terraform init` installed) or from its local `source` path.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::resources::{Plan, Resource, strip_keys};
use crate::snapshot::terraform::Written;

pub struct Code {
    root: PathBuf,
    /// Module key (`cc.network`) → its directory, from the manifest.
    installed: BTreeMap<String, String>,
}

impl Code {
    pub fn at(root: &Path) -> Code {
        // Only locations come from it: a manifest that cannot be read
        // leaves local sources to go by.
        let installed = std::fs::read_to_string(root.join(".terraform/modules/modules.json"))
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .and_then(|manifest| {
                let modules = manifest.get("Modules")?.as_array()?;
                Some(
                    modules
                        .iter()
                        .filter_map(|m| {
                            Some((
                                m.get("Key")?.as_str()?.to_string(),
                                m.get("Dir")?.as_str()?.to_string(),
                            ))
                        })
                        .collect(),
                )
            })
            .unwrap_or_default();
        Code {
            root: root.to_path_buf(),
            installed,
        }
    }

    /// The resource's address, with its block's file and line when found.
    pub fn written(&self, plan: &Plan, resource: &Resource) -> Written {
        let place = self
            .module_dir(plan, &strip_keys(&resource.module))
            .and_then(|dir| block_in(&dir, resource.local_address()));
        // Code scanning wants paths from the repository's root: under the
        // current directory (run from that root), relative to it.
        let here = std::env::current_dir().ok();
        // A path with control characters (a plan's module `source` is the
        // plan's text) is not shown: it would break a report's lines.
        let place = place.filter(|(file, _)| !file.to_string_lossy().chars().any(char::is_control));
        let (file, line) = match place {
            Some((file, line)) => {
                let relative = here
                    .as_deref()
                    .and_then(|here| file.strip_prefix(here).ok())
                    .unwrap_or(&file);
                (Some(shown(relative)), Some(line))
            }
            None => (None, None),
        };
        Written {
            address: resource.address.clone(),
            module: Some(resource.module.clone()).filter(|m| !m.is_empty()),
            file,
            line,
            inline: Vec::new(),
            destroyed: resource.destroyed,
        }
    }

    fn module_dir(&self, plan: &Plan, module: &str) -> Option<PathBuf> {
        if module.is_empty() {
            return Some(self.root.clone());
        }
        // `module.cc.module.network` is installed as `cc.network`.
        let key: Vec<&str> = module.split('.').skip(1).step_by(2).collect();
        if let Some(dir) = self.installed.get(&key.join(".")) {
            return Some(self.root.join(dir));
        }
        let source = plan.sources.get(module)?;
        if !(source.starts_with("./") || source.starts_with("../")) {
            return None;
        }
        let parent = module.rsplitn(3, '.').nth(2).unwrap_or("");
        Some(self.module_dir(plan, parent)?.join(source))
    }
}

/// The first `.tf` file of `dir` (by name) with the block of `local`
/// (`aws_security_group.encoders`), and the block's line.
fn block_in(dir: &Path, local: &str) -> Option<(PathBuf, u32)> {
    let (kind, name) = local.split_once('.')?;
    let pattern = regex::Regex::new(&format!(
        r#"^\s*resource\s+"{}"\s+"{}"\s*\{{"#,
        regex::escape(kind),
        regex::escape(name)
    ))
    .ok()?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "tf"))
        .collect();
    files.sort();
    files.into_iter().find_map(|file| {
        let text = std::fs::read_to_string(&file).ok()?;
        let line = text.lines().position(|l| pattern.is_match(l))?;
        Some((file, u32::try_from(line + 1).ok()?))
    })
}

/// A path as code scanning and people want it: `/`-separated, without `./`.
fn shown(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    let mut parts: Vec<&str> = Vec::new();
    for part in text.split('/') {
        match part {
            "." => {}
            ".." if parts.last().is_some_and(|p| *p != ".." && !p.is_empty()) => {
                parts.pop();
            }
            _ => parts.push(part),
        }
    }
    parts.join("/")
}
