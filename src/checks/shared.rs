//! Values several rules share (Bitmovin's source addresses, the guide's EC2
//! policy, the quota constants), defined once in `rules/shared.toml` and
//! referenced from rule files as `"@name"`.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Range;
use std::sync::LazyLock;

use ipnet::IpNet;
use regex::Regex;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The file name (at the top of a rules folder) that holds shared values.
pub const SHARED_FILE: &str = "shared.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharedValues {
    /// Named lists of network addresses.
    #[serde(default)]
    pub cidrs: BTreeMap<String, Cidrs>,
    /// Named IAM permission sets: each action on each of its resources.
    #[serde(default)]
    pub grants: BTreeMap<String, Vec<Grant>>,
    /// Named tables: action → the resources AWS authorizes it against, for
    /// actions a grant gives on `*` that do have resource-level permissions.
    #[serde(default)]
    pub resource_scopes: BTreeMap<String, ResourceScopes>,
    /// Named numbers that quota formulas may use.
    #[serde(default)]
    pub numbers: BTreeMap<String, f64>,
    /// Named regular expressions (e.g. what a well-formed id looks like).
    #[serde(default)]
    pub patterns: BTreeMap<String, Pattern>,
    /// Named lists of AWS principals (account ids or IAM ARNs).
    #[serde(default)]
    pub principals: BTreeMap<String, AwsPrincipals>,
    /// Symptom (a stage, e.g. `queue`) → how people describe it.
    #[serde(default)]
    pub symptoms: BTreeMap<crate::findings::Stage, Vec<String>>,
    /// `symptoms` compiled (case-insensitive) when loaded.
    #[serde(skip)]
    pub symptom_patterns: Vec<(crate::findings::Stage, Regex)>,
}

/// A list of networks; each entry is checked when the file is read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cidrs(pub Vec<IpNet>);

impl<'de> Deserialize<'de> for Cidrs {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let texts = Vec::<String>::deserialize(deserializer)?;
        texts
            .iter()
            .map(|t| {
                t.parse::<IpNet>()
                    .map_err(|e| de::Error::custom(format!("invalid CIDR `{t}`: {e}")))
            })
            .collect::<Result<_, _>>()
            .map(Cidrs)
    }
}

/// A regular expression, compiled when the rule file is read.
#[derive(Debug, Clone)]
pub struct Pattern(pub Regex);

impl Default for Pattern {
    fn default() -> Self {
        // Matches nothing: only seen before a reference is resolved.
        Pattern(Regex::new("[^\\s\\S]").expect("valid literal regex"))
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Regex::new(&text).map(Pattern).map_err(de::Error::custom)
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Grant {
    pub actions: Vec<String>,
    pub resources: Vec<String>,
}

/// AWS principals as a trust policy names them: a 12-digit account id, or
/// the ARN of an account's root, a user or a role; each checked when the
/// file is read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AwsPrincipals(pub Vec<String>);

impl<'de> Deserialize<'de> for AwsPrincipals {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Compiled when a principal is first listed (rules are read at
        // every start, and the built-in list is empty).
        static FORM: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"^(\d{12}|arn:aws[a-z-]*:iam::\d{12}:(root|(user|role)/[\w+=,.@/-]+))$")
                .expect("a valid pattern")
        });
        let texts = Vec::<String>::deserialize(deserializer)?;
        match texts.iter().find(|t| !FORM.is_match(t)) {
            Some(bad) => Err(de::Error::custom(format!(
                "`{bad}` is not an AWS principal: write a 12-digit account id or an ARN such as arn:aws:iam::123456789012:role/NAME"
            ))),
            None => Ok(AwsPrincipals(texts)),
        }
    }
}

/// Action → the ARN patterns of the resources a request for it names.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ResourceScopes(pub BTreeMap<String, Vec<String>>);

impl SharedValues {
    /// Add another file's values; a name defined twice is an error.
    pub fn merge(&mut self, other: SharedValues) -> Result<(), String> {
        fn add<K: Ord + std::fmt::Display, T>(
            into: &mut BTreeMap<K, T>,
            from: BTreeMap<K, T>,
            kind: &str,
        ) -> Result<(), String> {
            for (name, value) in from {
                if into.contains_key(&name) {
                    return Err(format!("shared {kind} `{name}` is defined twice"));
                }
                into.insert(name, value);
            }
            Ok(())
        }
        add(&mut self.cidrs, other.cidrs, "cidrs")?;
        add(&mut self.grants, other.grants, "grants")?;
        add(
            &mut self.resource_scopes,
            other.resource_scopes,
            "resource_scopes",
        )?;
        add(&mut self.numbers, other.numbers, "numbers")?;
        add(&mut self.patterns, other.patterns, "patterns")?;
        add(&mut self.principals, other.principals, "principals")?;
        add(&mut self.symptoms, other.symptoms, "symptoms")
    }
}

/// A type that can be looked up by name among the shared values.
pub trait Lookup: Sized + Clone {
    const KIND: &'static str;
    fn table(shared: &SharedValues) -> &BTreeMap<String, Self>;
}

impl Lookup for Cidrs {
    const KIND: &'static str = "cidrs";
    fn table(shared: &SharedValues) -> &BTreeMap<String, Self> {
        &shared.cidrs
    }
}

impl Lookup for Pattern {
    const KIND: &'static str = "patterns";
    fn table(shared: &SharedValues) -> &BTreeMap<String, Self> {
        &shared.patterns
    }
}

impl Lookup for AwsPrincipals {
    const KIND: &'static str = "principals";
    fn table(shared: &SharedValues) -> &BTreeMap<String, Self> {
        &shared.principals
    }
}

impl Lookup for f64 {
    const KIND: &'static str = "numbers";
    fn table(shared: &SharedValues) -> &BTreeMap<String, Self> {
        &shared.numbers
    }
}

impl Lookup for ResourceScopes {
    const KIND: &'static str = "resource_scopes";
    fn table(shared: &SharedValues) -> &BTreeMap<String, Self> {
        &shared.resource_scopes
    }
}

impl Lookup for Vec<Grant> {
    const KIND: &'static str = "grants";
    fn table(shared: &SharedValues) -> &BTreeMap<String, Self> {
        &shared.grants
    }
}

/// A rule parameter given inline or as `"@name"` of a shared value. After
/// loading, `value` always holds the resolved value.
#[derive(Debug, Clone)]
pub struct Shared<T> {
    pub name: Option<String>,
    pub value: T,
    pub span: Range<usize>,
}

impl<T: Lookup> Shared<T> {
    /// Fill in a reference; the error is the message for the value's span.
    pub fn resolve(&mut self, shared: &SharedValues) -> Result<(), String> {
        let Some(name) = &self.name else {
            return Ok(());
        };
        let table = T::table(shared);
        match table.get(name) {
            Some(value) => {
                self.value = value.clone();
                Ok(())
            }
            None => {
                let known: Vec<&str> = table.keys().map(String::as_str).collect();
                Err(format!(
                    "unknown shared {} `@{name}` (defined in {SHARED_FILE}: {})",
                    T::KIND,
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ))
            }
        }
    }
}

enum RefOrInline<T> {
    Ref(String),
    Inline(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for RefOrInline<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RefVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for RefVisitor<T> {
            type Value = RefOrInline<T>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or a reference \"@name\" to rules/shared.toml")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                match text.strip_prefix('@') {
                    Some(name) => Ok(RefOrInline::Ref(name.to_string())),
                    None => Err(E::custom(format!(
                        "`{text}` is not a value nor a reference like \"@bitmovin_sources\""
                    ))),
                }
            }

            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
                T::deserialize(n.into_deserializer()).map(RefOrInline::Inline)
            }

            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
                T::deserialize(n.into_deserializer()).map(RefOrInline::Inline)
            }

            fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
                T::deserialize(n.into_deserializer()).map(RefOrInline::Inline)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                T::deserialize(SeqAccessDeserializer::new(seq)).map(RefOrInline::Inline)
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(RefOrInline::Inline)
            }
        }

        deserializer.deserialize_any(RefVisitor(PhantomData))
    }
}

impl<'de, T: Deserialize<'de> + Default> Deserialize<'de> for Shared<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = Spanned::<RefOrInline<T>>::deserialize(deserializer)?;
        let span = spanned.span();
        Ok(match spanned.into_inner() {
            RefOrInline::Ref(name) => Shared {
                name: Some(name),
                value: T::default(),
                span,
            },
            RefOrInline::Inline(value) => Shared {
                name: None,
                value,
                span,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Holder {
        from: Shared<Cidrs>,
    }

    fn shared() -> SharedValues {
        toml::from_str("[cidrs]\nbitmovin = [\"104.199.97.13/32\"]\n").unwrap()
    }

    #[test]
    fn resolves_references_and_keeps_inline_values() {
        let mut h: Holder = toml::from_str("from = \"@bitmovin\"").unwrap();
        h.from.resolve(&shared()).unwrap();
        assert_eq!(
            h.from.value.0,
            vec!["104.199.97.13/32".parse::<IpNet>().unwrap()]
        );
        let mut h: Holder = toml::from_str("from = [\"10.0.0.0/8\"]").unwrap();
        h.from.resolve(&shared()).unwrap();
        assert_eq!(h.from.value.0.len(), 1);
        assert!(h.from.name.is_none());
    }

    #[test]
    fn unknown_reference_lists_what_exists() {
        let mut h: Holder = toml::from_str("from = \"@bitmovn\"").unwrap();
        let err = h.from.resolve(&shared()).unwrap_err();
        assert!(
            err.contains("`@bitmovn`") && err.contains("bitmovin"),
            "{err}"
        );
        assert_eq!(h.from.span, 7..17);
    }

    #[test]
    fn bad_inline_cidr_is_rejected() {
        let err = toml::from_str::<Holder>("from = [\"10.0.0.0/33\"]")
            .err()
            .unwrap();
        assert!(
            err.message().contains("invalid CIDR `10.0.0.0/33`"),
            "{err}"
        );
        assert!(toml::from_str::<Holder>("from = \"10.0.0.0/8\"").is_err());
    }

    #[test]
    fn merging_refuses_duplicates() {
        let mut a = shared();
        assert!(a.merge(shared()).is_err());
    }
}
