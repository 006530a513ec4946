//! The plan's resources: planned values (modules at any depth), what apply
//! alone will know (`after_unknown`), what is destroyed, and which other
//! resources each attribute refers to (the configuration's references),
//! which is how a rule finds its group when the group's id is not known yet.

use std::collections::BTreeMap;

use serde_json::Value;

/// One resource instance of the plan.
#[derive(Debug, Clone)]
pub struct Resource {
    /// `module.cc.aws_security_group.encoders[0]`
    pub address: String,
    /// `module.cc` (empty in the root module)
    pub module: String,
    pub kind: String,
    /// Its attributes after apply, as far as the plan knows them; `Null`
    /// for a resource the plan destroys.
    pub values: Value,
    /// `after_unknown`: `true` at each value only apply will know.
    pub unknown: Value,
    /// The plan destroys it and makes no new one.
    pub destroyed: bool,
}

impl Resource {
    /// Whether apply alone will know `attribute` (or anything inside it).
    pub fn unknown(&self, attribute: &str) -> bool {
        self.unknown.get(attribute).is_some_and(any_true)
    }

    /// The attribute's value, when the plan knows it.
    pub fn known(&self, attribute: &str) -> Option<&Value> {
        if self.unknown(attribute) {
            return None;
        }
        self.values.get(attribute).filter(|v| !v.is_null())
    }

    /// Its address without the instance key: `aws_security_group.encoders`
    /// in `module.cc`, as the configuration names it.
    pub fn local_address(&self) -> &str {
        let without_module = self
            .address
            .strip_prefix(&self.module)
            .map(|rest| rest.trim_start_matches('.'))
            .unwrap_or(&self.address);
        without_module
            .split_once('[')
            .map_or(without_module, |(base, _)| base)
    }
}

/// A module address without instance keys (`module.cc[0]` → `module.cc`),
/// as the configuration names the module.
pub fn strip_keys(module: &str) -> String {
    let mut out = String::with_capacity(module.len());
    let mut depth = 0_usize;
    for c in module.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn any_true(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Array(items) => items.iter().any(any_true),
        Value::Object(fields) => fields.values().any(any_true),
        _ => false,
    }
}

/// The plan, as far as the audit reads it.
#[derive(Debug, Default)]
pub struct Plan {
    pub resources: Vec<Resource>,
    /// (module, local address) → attribute → the references of its expression.
    pub references: BTreeMap<(String, String), BTreeMap<String, Vec<String>>>,
    /// The AWS provider's region, when the configuration states it.
    pub region: Option<String>,
}

impl Plan {
    /// Read the plan representation; an error says what is missing.
    pub fn read(plan: &Value) -> Result<Plan, String> {
        let version = plan
            .get("format_version")
            .and_then(Value::as_str)
            .ok_or("no \"format_version\": not the JSON of `terraform show -json PLANFILE`")?;
        if version.split('.').next() != Some("1") {
            return Err(format!(
                "plan format_version \"{}\" is not 1.x, the format this ccaudit reads",
                crate::output::visible(version)
            ));
        }
        let root = plan
            .pointer("/planned_values/root_module")
            .ok_or("no \"planned_values\": not a plan (a state has no planned values)")?;
        let changes = plan
            .get("resource_changes")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let mut out = Plan::default();
        let by_address: BTreeMap<&str, &Value> = changes
            .iter()
            .filter_map(|c| Some((c.get("address")?.as_str()?, c)))
            .collect();
        planned(root, "", &by_address, &mut out.resources);
        // What the plan destroys is not among the planned values.
        for change in changes {
            let actions = actions(change);
            if actions.contains(&"delete")
                && !actions.contains(&"create")
                && let Some(resource) = destroyed(change)
            {
                out.resources.push(resource);
            }
        }
        if let Some(config) = plan.pointer("/configuration/root_module") {
            configured(config, "", &mut out.references);
        }
        out.region = plan
            .pointer("/configuration/provider_config")
            .and_then(Value::as_object)
            .and_then(|providers| {
                providers.values().find_map(|p| {
                    (p.get("name")?.as_str()? == "aws" && p.get("alias").is_none())
                        .then(|| p.pointer("/expressions/region/constant_value")?.as_str())
                        .flatten()
                })
            })
            .map(str::to_string);
        Ok(out)
    }

    /// The references of `attribute` of `resource` in the configuration.
    pub fn references(&self, resource: &Resource, attribute: &str) -> &[String] {
        self.references
            .get(&(
                strip_keys(&resource.module),
                resource.local_address().to_string(),
            ))
            .and_then(|attributes| attributes.get(attribute))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

fn actions(change: &Value) -> Vec<&str> {
    change
        .pointer("/change/actions")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// A module's managed resources, and its child modules', in `out`.
fn planned(
    module: &Value,
    address: &str,
    changes: &BTreeMap<&str, &Value>,
    out: &mut Vec<Resource>,
) {
    for resource in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (Some(resource_address), Some(kind)) = (
            resource.get("address").and_then(Value::as_str),
            resource.get("type").and_then(Value::as_str),
        ) else {
            continue;
        };
        if resource.get("mode").and_then(Value::as_str) != Some("managed") {
            continue;
        }
        let unknown = changes
            .get(resource_address)
            .and_then(|c| c.pointer("/change/after_unknown"))
            .cloned()
            .unwrap_or(Value::Null);
        out.push(Resource {
            address: resource_address.to_string(),
            module: address.to_string(),
            kind: kind.to_string(),
            values: resource.get("values").cloned().unwrap_or(Value::Null),
            unknown,
            destroyed: false,
        });
    }
    for child in module
        .get("child_modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let child_address = child.get("address").and_then(Value::as_str).unwrap_or("");
        planned(child, child_address, changes, out);
    }
}

/// A resource the plan destroys, as it was.
fn destroyed(change: &Value) -> Option<Resource> {
    if change.get("mode").and_then(Value::as_str) != Some("managed") {
        return None;
    }
    Some(Resource {
        address: change.get("address")?.as_str()?.to_string(),
        module: change
            .get("module_address")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        kind: change.get("type")?.as_str()?.to_string(),
        values: change
            .pointer("/change/before")
            .cloned()
            .unwrap_or(Value::Null),
        unknown: Value::Null,
        destroyed: true,
    })
}

/// Each configured resource's attribute references, by module.
fn configured(
    module: &Value,
    address: &str,
    out: &mut BTreeMap<(String, String), BTreeMap<String, Vec<String>>>,
) {
    for resource in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(local) = resource.get("address").and_then(Value::as_str) else {
            continue;
        };
        let mut attributes = BTreeMap::new();
        for (name, expression) in resource
            .get("expressions")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let references: Vec<String> = expression
                .get("references")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect();
            if !references.is_empty() {
                attributes.insert(name.clone(), references);
            }
        }
        out.insert((address.to_string(), local.to_string()), attributes);
    }
    for (name, call) in module
        .get("module_calls")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        let child = if address.is_empty() {
            format!("module.{name}")
        } else {
            format!("{address}.module.{name}")
        };
        if let Some(inner) = call.get("module") {
            configured(inner, &child, out);
        }
    }
}
