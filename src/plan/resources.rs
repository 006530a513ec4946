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
    /// `after_unknown`: `true` at each value only apply will know (`true`
    /// itself when the plan says nothing of the resource's change).
    pub unknown: Value,
    /// What the plan does to it: `["create"]`, `["no-op"]`, `["delete"]`…
    pub actions: Vec<String>,
    /// The plan destroys it and makes no new one.
    pub destroyed: bool,
    /// Its attributes before the plan (`change.before`): `Null` for one it
    /// creates, or with no change recorded.
    pub before: Value,
}

impl Resource {
    /// Whether apply alone will know `attribute` (or anything inside it).
    pub fn unknown(&self, attribute: &str) -> bool {
        match &self.unknown {
            Value::Bool(all) => *all,
            unknown => unknown.get(attribute).is_some_and(any_true),
        }
    }

    /// The plan creates it (and destroys nothing of it).
    pub fn created(&self) -> bool {
        self.actions == ["create"]
    }

    /// The plan leaves it as it is.
    pub fn unchanged(&self) -> bool {
        self.actions.is_empty() || self.actions == ["no-op"]
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

/// A tag that marks Bitmovin's resources (`--tag bitmovin=cloud-connect`),
/// for a plan with several of a kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

impl std::str::FromStr for Tag {
    type Err = String;

    fn from_str(text: &str) -> Result<Tag, String> {
        match text.split_once('=') {
            Some((key, value)) if !key.is_empty() => Ok(Tag {
                key: key.to_string(),
                value: value.to_string(),
            }),
            _ => Err(format!(
                "the tag \"{}\" is not KEY=VALUE",
                crate::output::visible(text)
            )),
        }
    }
}

impl Resource {
    /// Whether the plan knows it tagged `tag` (its `tags`, or `tags_all`
    /// with the provider's default tags).
    pub fn tagged(&self, tag: &Tag) -> bool {
        ["tags", "tags_all"].iter().any(|attribute| {
            self.known(attribute)
                .and_then(|tags| tags.get(&tag.key))
                .and_then(Value::as_str)
                == Some(tag.value.as_str())
        })
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

/// The resource of `kind` a reference names, and its instance key when the
/// reference gives one: `aws_security_group.encoders[0].id` is
/// (`encoders`, `0`); `None` for a reference to anything else.
fn reference_to<'r>(kind: &str, reference: &'r str) -> Option<(&'r str, Option<&'r str>)> {
    let rest = reference.strip_prefix(kind)?.strip_prefix('.')?;
    let name_end = rest.find(['.', '[']).unwrap_or(rest.len());
    let (name, after) = rest.split_at(name_end);
    let key = after
        .strip_prefix('[')
        .and_then(|k| k.split_once(']'))
        .map(|(key, _)| key);
    Some((name, key))
}

/// The instance key of a resource's address past its module
/// (`0` of `.aws_security_group.encoders[0]`, `"eu"` of `…["eu"]`), as
/// references write it.
fn instance_key(resource: &str) -> Option<&str> {
    let open = resource.find('[')?;
    resource[open + 1..].strip_suffix(']')
}

fn collect_references(expression: &Value, out: &mut Vec<String>) {
    match expression {
        Value::Object(fields) => {
            if let Some(references) = fields.get("references").and_then(Value::as_array) {
                out.extend(
                    references
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string),
                );
            }
            for (key, value) in fields {
                if key != "references" && key != "constant_value" {
                    collect_references(value, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_references(i, out)),
        _ => {}
    }
}

fn any_true(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Array(items) => items.iter().any(any_true),
        Value::Object(fields) => fields.values().any(any_true),
        _ => false,
    }
}

/// Bitmovin's resource of `kind`: the one at `address` (a destroyed one
/// too), or the plan's only one not destroyed that `may_be` accepts (of
/// several, the only one with `tag`); `None` when there is none. More than
/// one without `address` is an error naming them and `flag`.
pub fn choose<'p>(
    plan: &'p Plan,
    kind: &str,
    (address, tag): (Option<&str>, Option<&Tag>),
    flag: &str,
    may_be: impl Fn(&Resource) -> bool,
) -> Result<Option<&'p Resource>, String> {
    let every: Vec<&Resource> = plan.resources.iter().filter(|r| r.kind == kind).collect();
    let mut candidates: Vec<&Resource> = every
        .iter()
        .copied()
        .filter(|r| !r.destroyed && may_be(r))
        .collect();
    let listed = |resources: &[&Resource]| {
        resources
            .iter()
            .map(|r| format!("\n  - {}", crate::output::visible(&r.address)))
            .collect::<String>()
    };
    let shown = |tag: &Tag| {
        format!(
            "{}={}",
            crate::output::visible(&tag.key),
            crate::output::visible(&tag.value)
        )
    };
    if let (Some(tag), None, 2..) = (tag, address, candidates.len()) {
        let tagged: Vec<&Resource> = candidates
            .iter()
            .copied()
            .filter(|r| r.tagged(tag))
            .collect();
        if tagged.is_empty() {
            return Err(format!(
                "none of the plan's {} {kind} resources is tagged {}:{}",
                candidates.len(),
                shown(tag),
                listed(&candidates)
            ));
        }
        candidates = tagged;
    }
    match (address, candidates.as_slice()) {
        (Some(wanted), _) => every
            .iter()
            .find(|r| r.address == wanted)
            .map(|r| Some(*r))
            .ok_or_else(|| {
                format!(
                    "the plan has no {kind} at {}; it has:{}",
                    crate::output::visible(wanted),
                    listed(&candidates)
                )
            }),
        (None, []) => Ok(None),
        (None, [only]) => Ok(Some(only)),
        (None, _) => Err(format!(
            "the plan has {} {kind} resources{}; name Bitmovin's with {flag} (or --tag KEY=VALUE):{}",
            candidates.len(),
            tag.map(|t| format!(" tagged {}", shown(t)))
                .unwrap_or_default(),
            listed(&candidates)
        )),
    }
}

/// What the configuration says of one resource block.
#[derive(Debug, Default)]
pub struct Configured {
    /// attribute (or nested block) → the references of its expression; an
    /// attribute set to a constant is here with none.
    pub attributes: BTreeMap<String, Vec<String>>,
    /// Its provider configuration's key.
    pub provider: Option<String>,
}

/// The plan, as far as the audit reads it.
#[derive(Debug, Default)]
pub struct Plan {
    pub resources: Vec<Resource>,
    /// (module without instance keys, local address) → its configuration.
    pub configured: BTreeMap<(String, String), Configured>,
    /// provider configuration key → the region it states.
    pub regions: BTreeMap<String, String>,
    /// module (without instance keys) → the `source` its call gives.
    pub sources: BTreeMap<String, String>,
    /// Deposed objects (left by a create-before-destroy that failed), which
    /// apply deletes: as they were.
    pub deposed: Vec<Resource>,
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
        // A plan that stopped, or that leaves changes for a later plan,
        // does not show what apply will build.
        if plan.get("errored").and_then(Value::as_bool) == Some(true) {
            return Err("the plan errored (\"errored\": true): audit a plan that succeeded".into());
        }
        let deferred = plan
            .get("deferred_changes")
            .and_then(Value::as_array)
            .is_some_and(|d| !d.is_empty());
        if plan.get("complete").and_then(Value::as_bool) == Some(false) || deferred {
            return Err("the plan is incomplete (\"complete\": false, or deferred changes): what apply builds is not all in it; audit a complete plan".into());
        }
        let mut out = Plan::default();
        // The current object's change; a deposed object's (the same
        // address, an old object kept for a while) says nothing of it.
        let current: Vec<&Value> = changes
            .iter()
            .filter(|c| c.get("deposed").is_none())
            .collect();
        let by_address: BTreeMap<&str, &Value> = current
            .iter()
            .filter_map(|c| Some((c.get("address")?.as_str()?, *c)))
            .collect();
        planned(root, "", &by_address, &mut out.resources);
        for change in changes.iter().filter(|c| c.get("deposed").is_some()) {
            if let Some(resource) = destroyed(change) {
                out.deposed.push(resource);
            }
        }
        // What the plan destroys is not among the planned values.
        for change in &current {
            let actions = actions(change);
            if actions.contains(&"delete")
                && !actions.contains(&"create")
                && let Some(resource) = destroyed(change)
            {
                out.resources.push(resource);
            }
        }
        // Addresses reach reports and fixes: one with control characters
        // (a `for_each` key can hold anything) is refused, not shown.
        if let Some(bad) = out
            .resources
            .iter()
            .find(|r| r.address.chars().any(char::is_control))
        {
            return Err(format!(
                "the resource address {} has control characters: refused, as it would reach the report",
                crate::output::visible(&bad.address)
            ));
        }
        if let Some(config) = plan.pointer("/configuration/root_module") {
            configured(config, "", &mut out.configured, &mut out.sources);
        }
        for (key, provider) in plan
            .pointer("/configuration/provider_config")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            if provider.get("name").and_then(Value::as_str) != Some("aws") {
                continue;
            }
            if let Some(region) = provider
                .pointer("/expressions/region/constant_value")
                .and_then(Value::as_str)
            {
                out.regions.insert(key.clone(), region.to_string());
            }
        }
        Ok(out)
    }

    fn configuration(&self, resource: &Resource) -> Option<&Configured> {
        self.configured.get(&(
            strip_keys(&resource.module),
            resource.local_address().to_string(),
        ))
    }

    /// Whether the configuration sets `attribute` (or writes the block).
    pub fn sets(&self, resource: &Resource, attribute: &str) -> bool {
        self.configuration(resource)
            .is_some_and(|c| c.attributes.contains_key(attribute))
    }

    /// Whether the configuration is known and leaves `attribute` out.
    pub fn leaves_out(&self, resource: &Resource, attribute: &str) -> bool {
        self.configuration(resource)
            .is_some_and(|c| !c.attributes.contains_key(attribute))
    }

    /// The region the resource is made in: its own `region` argument, or
    /// its provider configuration's.
    pub fn region(&self, resource: &Resource) -> Option<String> {
        if let Some(region) = resource.known("region").and_then(Value::as_str) {
            return Some(region.to_string());
        }
        let key = self.configuration(resource)?.provider.as_ref()?;
        self.regions.get(key).cloned()
    }

    /// Whether `resource` is made in `region`, the target's, with `beside`
    /// (the target's group): by its own region when known, else by sharing
    /// the group's provider configuration. A region that cannot be told is
    /// not the target's.
    pub fn in_region(&self, resource: &Resource, region: &str, beside: &Resource) -> bool {
        if let Some(own) = self.region(resource) {
            return own == region;
        }
        let provider = |r: &Resource| self.configuration(r).and_then(|c| c.provider.clone());
        provider(resource).is_some() && provider(resource) == provider(beside)
    }

    /// The id `resource`'s `attribute` holds: the value when the plan knows
    /// it, else, for a reference to one resource of `kinds` whose id only
    /// apply will know, that resource's address (ids that are equal after
    /// apply are then equal now). `None` when it cannot be told.
    pub fn id_of(&self, resource: &Resource, attribute: &str, kinds: &[&str]) -> Option<String> {
        if let Some(id) = resource.known(attribute).and_then(Value::as_str) {
            return Some(id.to_string());
        }
        if !resource.unknown(attribute) {
            return None;
        }
        let mut referred = self.resources.iter().filter(|r| {
            kinds.contains(&r.kind.as_str())
                && !r.destroyed
                && self.refers_to(resource, attribute, r) == Some(true)
        });
        let (Some(one), None) = (referred.next(), referred.next()) else {
            return None;
        };
        Some(
            one.known("id")
                .and_then(Value::as_str)
                .map_or_else(|| one.address.clone(), str::to_string),
        )
    }

    /// Whether `resource`'s `attribute` refers to `target` (`Some(true)`),
    /// to another resource of its kind (`Some(false)`), or cannot be told:
    /// a reference to anything but one resource of that kind in the
    /// resource's own module instance (a variable, a module's output), or
    /// an instance key only apply will know, may be `target`.
    pub fn refers_to(
        &self,
        resource: &Resource,
        attribute: &str,
        target: &Resource,
    ) -> Option<bool> {
        let mut names = std::collections::BTreeSet::new();
        let mut keys = std::collections::BTreeSet::new();
        for reference in self.references(resource, attribute) {
            if matches!(
                reference.as_str(),
                "count.index" | "each.key" | "each.value" | "count" | "each"
            ) {
                continue;
            }
            let (name, key) = reference_to(&target.kind, reference)?;
            names.insert(name);
            if let Some(key) = key {
                keys.insert(key);
            }
        }
        let [name] = names.into_iter().collect::<Vec<_>>()[..] else {
            return None;
        };
        let own_name = target
            .local_address()
            .strip_prefix(&target.kind)
            .and_then(|rest| rest.strip_prefix('.'))
            .unwrap_or_default();
        // A module's references are to its own resources: `target` only
        // from its own module instance.
        if resource.module != target.module || name != own_name {
            return Some(false);
        }
        let own_key = instance_key(
            target
                .address
                .strip_prefix(&target.module)
                .unwrap_or(&target.address),
        );
        match (own_key, keys.len()) {
            (None, _) => Some(true),
            // `aws_security_group.encoders[count.index]`: which, apply says.
            (Some(_), 0) => None,
            (Some(own), 1) => Some(keys.contains(own)),
            (Some(_), _) => None,
        }
    }

    /// The references of `attribute` of `resource` in the configuration.
    pub fn references(&self, resource: &Resource, attribute: &str) -> &[String] {
        self.configuration(resource)
            .and_then(|c| c.attributes.get(attribute))
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
        let change = changes.get(resource_address);
        // No change for a planned resource: nothing says what is known.
        let unknown = match change {
            Some(c) => c
                .pointer("/change/after_unknown")
                .cloned()
                .unwrap_or(Value::Null),
            None => Value::Bool(true),
        };
        out.push(Resource {
            address: resource_address.to_string(),
            module: address.to_string(),
            kind: kind.to_string(),
            values: resource.get("values").cloned().unwrap_or(Value::Null),
            unknown,
            actions: change
                .map(|c| actions(c).into_iter().map(str::to_string).collect())
                .unwrap_or_default(),
            destroyed: false,
            before: change
                .and_then(|c| c.pointer("/change/before"))
                .cloned()
                .unwrap_or(Value::Null),
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
        actions: actions(change).into_iter().map(str::to_string).collect(),
        destroyed: true,
        before: change
            .pointer("/change/before")
            .cloned()
            .unwrap_or(Value::Null),
    })
}

/// Each configured resource's attributes and their references, by module.
fn configured(
    module: &Value,
    address: &str,
    out: &mut BTreeMap<(String, String), Configured>,
    sources: &mut BTreeMap<String, String>,
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
        let mut configured = Configured {
            provider: resource
                .get("provider_config_key")
                .and_then(Value::as_str)
                .map(str::to_string),
            ..Configured::default()
        };
        for (name, expression) in resource
            .get("expressions")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            // A nested block is an array or object of block expressions:
            // every reference inside it counts.
            let mut references = Vec::new();
            collect_references(expression, &mut references);
            configured.attributes.insert(name.clone(), references);
        }
        out.insert((address.to_string(), local.to_string()), configured);
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
        if let Some(source) = call.get("source").and_then(Value::as_str) {
            sources.insert(child.clone(), source.to_string());
        }
        if let Some(inner) = call.get("module") {
            configured(inner, &child, out, sources);
        }
    }
}
