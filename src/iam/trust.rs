//! A role's trust policy (`AssumeRolePolicyDocument`): who may assume the
//! role and under which conditions. Unlike a permission policy its
//! statements name a `Principal` and no `Resource`, so it has a model of
//! its own; conditions and string lists are read as in a permission policy.

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use std::fmt;

use super::policy::{ConditionBlock, OneOrMany, StringList, percent_decoded};
use super::{Condition, Effect};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustPolicy {
    pub statements: Vec<TrustStatement>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawTrustStatement")]
pub struct TrustStatement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principals: Principals,
    /// `NotPrincipal` instead of `Principal`.
    pub not_principal: bool,
    pub actions: Vec<String>,
    /// `NotAction` instead of `Action`.
    pub not_action: bool,
    pub conditions: Vec<Condition>,
}

/// A statement's principals: `"*"`, or per kind (`AWS`, `Service`,
/// `Federated`, `CanonicalUser`) a list of names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principals {
    Everyone,
    Named(Vec<(String, Vec<String>)>),
}

impl Principals {
    /// The AWS principals named (account ids, ARNs, `*`).
    pub fn aws(&self) -> impl Iterator<Item = &str> {
        let named = match self {
            Principals::Named(kinds) => Some(kinds.iter()),
            Principals::Everyone => None,
        };
        named
            .into_iter()
            .flatten()
            .filter(|(kind, _)| kind == "AWS")
            .flat_map(|(_, names)| names.iter().map(String::as_str))
    }

    /// `"*"` or `{"AWS": "*"}`: any principal of any account.
    pub fn anyone(&self) -> bool {
        matches!(self, Principals::Everyone) || self.aws().any(|name| name == "*")
    }
}

#[derive(Deserialize)]
struct RawTrustStatement {
    #[serde(rename = "Sid", default)]
    sid: Option<String>,
    #[serde(rename = "Effect")]
    effect: Effect,
    #[serde(rename = "Principal", default)]
    principal: Option<RawPrincipals>,
    #[serde(rename = "NotPrincipal", default)]
    not_principal: Option<RawPrincipals>,
    #[serde(rename = "Action", default)]
    action: Option<StringList>,
    #[serde(rename = "NotAction", default)]
    not_action: Option<StringList>,
    #[serde(rename = "Condition", default)]
    condition: Option<ConditionBlock>,
}

impl TryFrom<RawTrustStatement> for TrustStatement {
    type Error = String;

    fn try_from(raw: RawTrustStatement) -> Result<Self, Self::Error> {
        let (principals, not_principal) = match (raw.principal, raw.not_principal) {
            (Some(p), None) => (p.0, false),
            (None, Some(p)) => (p.0, true),
            (Some(_), Some(_)) => {
                return Err("statement has both Principal and NotPrincipal".into());
            }
            (None, None) => return Err("statement has neither Principal nor NotPrincipal".into()),
        };
        let (actions, not_action) = match (raw.action, raw.not_action) {
            (Some(StringList(list)), None) => (list, false),
            (None, Some(StringList(list))) => (list, true),
            (Some(_), Some(_)) => return Err("statement has both Action and NotAction".into()),
            (None, None) => return Err("statement has neither Action nor NotAction".into()),
        };
        Ok(TrustStatement {
            sid: raw.sid,
            effect: raw.effect,
            principals,
            not_principal,
            actions,
            not_action,
            conditions: raw.condition.map(|block| block.0).unwrap_or_default(),
        })
    }
}

struct RawPrincipals(Principals);

impl<'de> Deserialize<'de> for RawPrincipals {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct PrincipalsVisitor;

        impl<'de> Visitor<'de> for PrincipalsVisitor {
            type Value = RawPrincipals;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("\"*\" or an object of principal kinds (AWS, Service, Federated)")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                if value == "*" {
                    Ok(RawPrincipals(Principals::Everyone))
                } else {
                    Err(E::custom(format!(
                        "a Principal string must be \"*\", found {value:?}"
                    )))
                }
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut kinds = Vec::new();
                while let Some(kind) = map.next_key::<String>()? {
                    let StringList(names) = map.next_value()?;
                    kinds.push((kind, names));
                }
                Ok(RawPrincipals(Principals::Named(kinds)))
            }
        }

        deserializer.deserialize_any(PrincipalsVisitor)
    }
}

/// The document as written (`Version` and `Id` are not read).
#[derive(Deserialize)]
struct RawTrustPolicy {
    #[serde(rename = "Statement")]
    statement: OneOrMany<TrustStatement>,
}

/// Accepts the document as a JSON object (as the AWS CLI prints it) or as
/// the URL-encoded JSON string the IAM API returns.
impl<'de> Deserialize<'de> for TrustPolicy {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TrustVisitor;

        impl<'de> Visitor<'de> for TrustVisitor {
            type Value = TrustPolicy;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a trust policy as a JSON object or a URL-encoded JSON string")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RawTrustPolicy::deserialize(MapAccessDeserializer::new(map)).map(TrustPolicy::from)
            }

            fn visit_str<E: de::Error>(self, encoded: &str) -> Result<Self::Value, E> {
                let decoded = percent_decoded(encoded).map_err(E::custom)?;
                serde_json::from_str::<RawTrustPolicy>(&decoded)
                    .map(TrustPolicy::from)
                    .map_err(|e| {
                        E::custom(format!(
                            "trust policy string is not valid URL-encoded JSON: {e}"
                        ))
                    })
            }
        }

        deserializer.deserialize_any(TrustVisitor)
    }
}

impl From<RawTrustPolicy> for TrustPolicy {
    fn from(raw: RawTrustPolicy) -> Self {
        TrustPolicy {
            statements: raw.statement.0,
        }
    }
}
