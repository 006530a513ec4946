//! The IAM policy document model, read from and written back to the JSON
//! shape AWS uses (PascalCase keys, "string or list" fields).

use percent_encoding::percent_decode_str;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A whole policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    pub version: Option<String>,
    pub statements: Vec<Statement>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    Allow,
    Deny,
}

impl fmt::Display for Effect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionSpec {
    Action(Vec<String>),
    NotAction(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceSpec {
    Resource(Vec<String>),
    NotResource(Vec<String>),
}

/// One operator/key pair of a statement's `Condition` block. The values are
/// OR'ed by IAM; all pairs of a block are AND'ed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawStatement")]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub actions: ActionSpec,
    pub resources: ResourceSpec,
    pub conditions: Vec<Condition>,
}

// ---------------------------------------------------------------------------
// Deserialisation

/// The statement as written; turned into `Statement` once we know exactly one
/// of each Action/NotAction and Resource/NotResource pair is present.
#[derive(Deserialize)]
struct RawStatement {
    #[serde(rename = "Sid", default)]
    sid: Option<String>,
    #[serde(rename = "Effect")]
    effect: Effect,
    #[serde(rename = "Action", default)]
    action: Option<StringList>,
    #[serde(rename = "NotAction", default)]
    not_action: Option<StringList>,
    #[serde(rename = "Resource", default)]
    resource: Option<StringList>,
    #[serde(rename = "NotResource", default)]
    not_resource: Option<StringList>,
    #[serde(rename = "Condition", default)]
    condition: Option<ConditionBlock>,
}

impl TryFrom<RawStatement> for Statement {
    type Error = String;

    fn try_from(raw: RawStatement) -> Result<Self, Self::Error> {
        let actions = match (raw.action, raw.not_action) {
            (Some(StringList(list)), None) => ActionSpec::Action(list),
            (None, Some(StringList(list))) => ActionSpec::NotAction(list),
            (Some(_), Some(_)) => {
                return Err(
                    "statement has both Action and NotAction; exactly one is allowed".into(),
                );
            }
            (None, None) => return Err("statement has neither Action nor NotAction".into()),
        };
        let resources = match (raw.resource, raw.not_resource) {
            (Some(StringList(list)), None) => ResourceSpec::Resource(list),
            (None, Some(StringList(list))) => ResourceSpec::NotResource(list),
            (Some(_), Some(_)) => {
                return Err(
                    "statement has both Resource and NotResource; exactly one is allowed".into(),
                );
            }
            (None, None) => return Err("statement has neither Resource nor NotResource".into()),
        };
        Ok(Statement {
            sid: raw.sid,
            effect: raw.effect,
            actions,
            resources,
            conditions: raw.condition.map(|block| block.0).unwrap_or_default(),
        })
    }
}

#[derive(Deserialize)]
struct RawDocument {
    #[serde(rename = "Version", default)]
    version: Option<String>,
    #[serde(rename = "Statement")]
    statement: OneOrMany<Statement>,
}

impl From<RawDocument> for PolicyDocument {
    fn from(raw: RawDocument) -> Self {
        PolicyDocument {
            version: raw.version,
            statements: raw.statement.0,
        }
    }
}

/// Accepts the document either as a JSON object or as the URL-encoded JSON
/// string the IAM API returns.
impl<'de> Deserialize<'de> for PolicyDocument {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(DocumentVisitor)
    }
}

struct DocumentVisitor;

impl<'de> Visitor<'de> for DocumentVisitor {
    type Value = PolicyDocument;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a policy document as a JSON object or a URL-encoded JSON string")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        RawDocument::deserialize(MapAccessDeserializer::new(map)).map(PolicyDocument::from)
    }

    fn visit_str<E: de::Error>(self, encoded: &str) -> Result<Self::Value, E> {
        parse_url_encoded(encoded).map_err(E::custom)
    }
}

/// Percent-decoding only: `+` stays `+`, like the AWS CLI's `unquote`.
pub(crate) fn percent_decoded(encoded: &str) -> Result<std::borrow::Cow<'_, str>, String> {
    percent_decode_str(encoded).decode_utf8().map_err(|e| {
        format!("policy document string is not valid URL-encoded JSON: decoded bytes are not UTF-8 ({e})")
    })
}

fn parse_url_encoded(encoded: &str) -> Result<PolicyDocument, String> {
    let prefix = "policy document string is not valid URL-encoded JSON";
    let decoded = percent_decoded(encoded)?;
    // Parse as the object form only, so a string cannot nest another string.
    serde_json::from_str::<RawDocument>(&decoded)
        .map(PolicyDocument::from)
        .map_err(|e| format!("{prefix}: {e}"))
}

/// A field that AWS allows as one item or a list of items.
pub(crate) struct OneOrMany<T>(pub(crate) Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OneOrManyVisitor<T>(std::marker::PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for OneOrManyVisitor<T> {
            type Value = OneOrMany<T>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("one statement object or a list of them")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|one| OneOrMany(vec![one]))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::<T>::deserialize(SeqAccessDeserializer::new(seq)).map(OneOrMany)
            }
        }

        deserializer.deserialize_any(OneOrManyVisitor(std::marker::PhantomData))
    }
}

/// `"ec2:*"` or `["ec2:*", "s3:*"]`.
pub(crate) struct StringList(pub(crate) Vec<String>);

impl<'de> Deserialize<'de> for StringList {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StringListVisitor;

        impl<'de> Visitor<'de> for StringListVisitor {
            type Value = StringList;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Self::Value, E> {
                Ok(StringList(vec![value.to_owned()]))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::<String>::deserialize(SeqAccessDeserializer::new(seq)).map(StringList)
            }
        }

        deserializer.deserialize_any(StringListVisitor)
    }
}

/// `{ operator: { key: value-or-list } }`, flattened to one `Condition` per
/// operator/key pair. Read entry by entry (not into a map) so that a
/// duplicated operator or key keeps all its constraints instead of silently
/// dropping one — dropping a condition could turn a limited grant into a full
/// one.
pub(crate) struct ConditionBlock(pub(crate) Vec<Condition>);

impl<'de> Deserialize<'de> for ConditionBlock {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BlockVisitor;

        impl<'de> Visitor<'de> for BlockVisitor {
            type Value = ConditionBlock;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a Condition object: { operator: { key: value or list } }")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut conditions = Vec::new();
                while let Some(operator) = map.next_key::<String>()? {
                    let KeyValues(pairs) = map.next_value()?;
                    conditions.extend(pairs.into_iter().map(|(key, values)| Condition {
                        operator: operator.clone(),
                        key,
                        values,
                    }));
                }
                Ok(ConditionBlock(conditions))
            }
        }

        deserializer.deserialize_map(BlockVisitor)
    }
}

/// The `{ key: value-or-list }` part under one operator.
struct KeyValues(Vec<(String, Vec<String>)>);

impl<'de> Deserialize<'de> for KeyValues {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyValuesVisitor;

        impl<'de> Visitor<'de> for KeyValuesVisitor {
            type Value = KeyValues;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object mapping condition keys to values")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let ConditionValues(values) = map.next_value()?;
                    pairs.push((key, values));
                }
                Ok(KeyValues(pairs))
            }
        }

        deserializer.deserialize_map(KeyValuesVisitor)
    }
}

/// Condition values: strings, booleans or numbers, alone or in a list, all
/// normalised to strings (`true` → "true", `3600` → "3600").
struct ConditionValues(Vec<String>);

impl<'de> Deserialize<'de> for ConditionValues {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let values = match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::Array(items) => items
                .into_iter()
                .map(scalar_to_string)
                .collect::<Result<Vec<_>, _>>(),
            single => scalar_to_string(single).map(|value| vec![value]),
        };
        values.map(ConditionValues).map_err(de::Error::custom)
    }
}

fn scalar_to_string(value: serde_json::Value) -> Result<String, String> {
    match value {
        serde_json::Value::String(s) => Ok(s),
        serde_json::Value::Bool(b) => Ok(b.to_string()),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        other => Err(format!(
            "condition value must be a string, boolean or number, found {other}"
        )),
    }
}

// ---------------------------------------------------------------------------
// Serialisation (back to AWS's JSON shape)

impl Serialize for PolicyDocument {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(version) = &self.version {
            map.serialize_entry("Version", version)?;
        }
        map.serialize_entry("Statement", &self.statements)?;
        map.end()
    }
}

impl Serialize for Statement {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        if let Some(sid) = &self.sid {
            map.serialize_entry("Sid", sid)?;
        }
        map.serialize_entry("Effect", &self.effect)?;
        match &self.actions {
            ActionSpec::Action(list) => map.serialize_entry("Action", list)?,
            ActionSpec::NotAction(list) => map.serialize_entry("NotAction", list)?,
        }
        match &self.resources {
            ResourceSpec::Resource(list) => map.serialize_entry("Resource", list)?,
            ResourceSpec::NotResource(list) => map.serialize_entry("NotResource", list)?,
        }
        if !self.conditions.is_empty() {
            map.serialize_entry("Condition", &ConditionsByOperator(&self.conditions))?;
        }
        map.end()
    }
}

/// Regroups flat conditions under their operator, in first-seen order.
struct ConditionsByOperator<'a>(&'a [Condition]);

impl Serialize for ConditionsByOperator<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut operators: Vec<&str> = Vec::new();
        for condition in self.0 {
            if !operators.contains(&condition.operator.as_str()) {
                operators.push(&condition.operator);
            }
        }
        let mut map = serializer.serialize_map(Some(operators.len()))?;
        for operator in operators {
            map.serialize_entry(operator, &KeysOf(self.0, operator))?;
        }
        map.end()
    }
}

struct KeysOf<'a>(&'a [Condition], &'a str);

impl Serialize for KeysOf<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for condition in self.0.iter().filter(|c| c.operator == self.1) {
            map.serialize_entry(&condition.key, &condition.values)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    use serde_json::json;

    fn parse(value: serde_json::Value) -> Result<PolicyDocument, serde_json::Error> {
        serde_json::from_value(value)
    }

    fn only_statement(value: serde_json::Value) -> Statement {
        let doc = parse(value).expect("valid document");
        assert_eq!(doc.statements.len(), 1);
        doc.statements[0].clone()
    }

    #[test]
    fn single_statement_object_and_single_strings() {
        let s = only_statement(json!({
            "Version": "2012-10-17",
            "Statement": {"Sid": "One", "Effect": "Allow", "Action": "ec2:*", "Resource": "*"}
        }));
        assert_eq!(s.sid.as_deref(), Some("One"));
        assert_eq!(s.effect, Effect::Allow);
        assert_eq!(s.actions, ActionSpec::Action(vec!["ec2:*".into()]));
        assert_eq!(s.resources, ResourceSpec::Resource(vec!["*".into()]));
        assert!(s.conditions.is_empty());
    }

    #[test]
    fn statement_list_and_lists_for_every_field() {
        let doc = parse(json!({
            "Statement": [
                {"Effect": "Deny", "NotAction": ["iam:*", "sts:*"], "NotResource": ["arn:a", "arn:b"]},
                {"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:a"}
            ]
        }))
        .expect("valid");
        assert_eq!(doc.version, None);
        assert_eq!(doc.statements.len(), 2);
        let first = &doc.statements[0];
        assert_eq!(first.effect, Effect::Deny);
        assert_eq!(
            first.actions,
            ActionSpec::NotAction(vec!["iam:*".into(), "sts:*".into()])
        );
        assert_eq!(
            first.resources,
            ResourceSpec::NotResource(vec!["arn:a".into(), "arn:b".into()])
        );
        let second = &doc.statements[1];
        assert_eq!(second.actions, ActionSpec::NotAction(vec!["iam:*".into()]));
        assert_eq!(
            second.resources,
            ResourceSpec::NotResource(vec!["arn:a".into()])
        );
    }

    #[test]
    fn conditions_are_flattened_and_values_normalised_to_strings() {
        let s = only_statement(json!({"Statement": {
            "Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {
                "BoolIfExists": {"aws:MultiFactorAuthPresent": false},
                "NumericGreaterThan": {"aws:MultiFactorAuthAge": 3600},
                "IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"], "x:Y": "z"}
            }
        }}));
        let mut got: Vec<(String, String, Vec<String>)> = s
            .conditions
            .into_iter()
            .map(|c| (c.operator, c.key, c.values))
            .collect();
        got.sort();
        let expected = vec![
            (
                "BoolIfExists".into(),
                "aws:MultiFactorAuthPresent".into(),
                vec!["false".into()],
            ),
            (
                "IpAddress".into(),
                "aws:SourceIp".into(),
                vec!["10.0.0.0/8".into(), "192.168.0.0/16".into()],
            ),
            ("IpAddress".into(), "x:Y".into(), vec!["z".into()]),
            (
                "NumericGreaterThan".into(),
                "aws:MultiFactorAuthAge".into(),
                vec!["3600".into()],
            ),
        ];
        assert_eq!(got, expected);
    }

    #[test]
    fn mixed_value_list_and_bad_value_type() {
        let s = only_statement(json!({"Statement": {
            "Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"StringEquals": {"k": [true, 7, "x"]}}
        }}));
        assert_eq!(s.conditions[0].values, vec!["true", "7", "x"]);
        let err = parse(json!({"Statement": {
            "Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"StringEquals": {"k": {"nested": 1}}}
        }}))
        .expect_err("object value");
        assert!(err.to_string().contains("condition value"), "{err}");
    }

    #[test]
    fn duplicated_condition_operators_keep_every_constraint() {
        let text = r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"Bool": {"a": "true"}, "Bool": {"b": "true"}}}}"#;
        let doc: PolicyDocument = serde_json::from_str(text).expect("valid");
        let keys: Vec<&str> = doc.statements[0]
            .conditions
            .iter()
            .map(|c| c.key.as_str())
            .collect();
        assert_eq!(keys, vec!["a", "b"]);
    }

    #[test]
    fn unknown_fields_and_principal_are_ignored() {
        let s = only_statement(json!({
            "Id": "x", "Extra": [1, 2],
            "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "NotPrincipal": "*",
                           "Action": "s3:GetObject", "Resource": "*", "Future": true}]
        }));
        assert_eq!(s.actions, ActionSpec::Action(vec!["s3:GetObject".into()]));
    }

    #[test]
    fn both_or_neither_of_a_pair_is_an_error() {
        let cases = [
            (
                json!({"Effect": "Allow", "Action": "a", "NotAction": "b", "Resource": "*"}),
                "both Action and NotAction",
            ),
            (
                json!({"Effect": "Allow", "Resource": "*"}),
                "neither Action nor NotAction",
            ),
            (
                json!({"Effect": "Allow", "Action": "a", "Resource": "*", "NotResource": "x"}),
                "both Resource and NotResource",
            ),
            (
                json!({"Effect": "Allow", "Action": "a"}),
                "neither Resource nor NotResource",
            ),
        ];
        for (statement, message) in cases {
            let err = parse(json!({ "Statement": statement })).expect_err(message);
            assert!(err.to_string().contains(message), "{err}");
        }
    }

    #[test]
    fn malformed_documents_are_errors() {
        let bad = [
            json!({"Statement": {"Effect": "Maybe", "Action": "a", "Resource": "*"}}),
            json!({"Statement": {"Action": "a", "Resource": "*"}}),
            json!({"Statement": {"Effect": "Allow", "Action": 5, "Resource": "*"}}),
            json!({"Statement": {"Effect": "Allow", "Action": ["a", 1], "Resource": "*"}}),
            json!({"Statement": "nope"}),
            json!({"Version": "2012-10-17"}),
            json!(42),
            json!(null),
        ];
        for value in bad {
            assert!(parse(value.clone()).is_err(), "accepted {value}");
        }
    }

    const EC2_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Run + stop","Effect":"Allow","Action":["ec2:RunInstances","ec2:StopInstances"],"Resource":"arn:aws:ec2:*:*:instance/*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}"#;

    #[test]
    fn url_encoded_document_string_is_accepted() {
        let encoded = utf8_percent_encode(EC2_POLICY, NON_ALPHANUMERIC).to_string();
        assert!(encoded.starts_with("%7B%22Version%22%3A"), "{encoded}");
        let from_string: PolicyDocument =
            serde_json::from_value(serde_json::Value::String(encoded)).expect("decodes");
        let from_object: PolicyDocument = serde_json::from_str(EC2_POLICY).expect("parses");
        assert_eq!(from_string, from_object);
        // `+` is not a space in percent-decoding (AWS CLI `unquote` semantics).
        assert_eq!(from_string.statements[0].sid.as_deref(), Some("Run + stop"));
    }

    #[test]
    fn plus_sign_in_encoded_string_stays_plus() {
        let encoded = "%7B%22Statement%22%3A%7B%22Sid%22%3A%22a+b%22%2C%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22*%22%2C%22Resource%22%3A%22*%22%7D%7D";
        let doc: PolicyDocument = serde_json::from_value(json!(encoded)).expect("decodes");
        assert_eq!(doc.statements[0].sid.as_deref(), Some("a+b"));
    }

    #[test]
    fn malformed_encoded_string_is_a_clear_error() {
        for bad in [
            "%7B%22Version",
            "not json at all",
            "%FF%FE",
            "%22just a string%22",
            "",
        ] {
            let err = serde_json::from_value::<PolicyDocument>(json!(bad)).expect_err(bad);
            assert!(
                err.to_string()
                    .contains("policy document string is not valid URL-encoded JSON"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn round_trips_through_aws_json_shape() {
        let original = json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "A", "Effect": "Allow", "Action": ["ec2:Run*"], "Resource": ["*"],
                 "Condition": {"StringEquals": {"ec2:Region": ["eu-west-1"], "k": ["v"]},
                               "Bool": {"aws:MultiFactorAuthPresent": ["true"]}}},
                {"Effect": "Deny", "NotAction": ["iam:*"], "NotResource": ["arn:x"]}
            ]
        });
        let doc = parse(original.clone()).expect("valid");
        let written = serde_json::to_value(&doc).expect("serialises");
        assert_eq!(written, original);
        let reread = parse(written).expect("re-reads");
        assert_eq!(reread, doc);
    }
}
