//! Three-valued evaluation of a statement's `Condition` block for a request
//! Bitmovin makes: signed with long-term access keys, or with a session of
//! the role it assumes.
//!
//! Access-key requests carry no `aws:MultiFactorAuthPresent` or
//! `aws:MultiFactorAuthAge` key at all; a role session opened without MFA
//! carries `aws:MultiFactorAuthPresent` false and no age (IAM's global
//! condition keys: the key "is included in the request context only when the
//! principal uses temporary credentials"). Either way conditions on those
//! keys can be decided offline. Conditions on any other key depend on the
//! live request and are Unknown.

use super::glob;
use super::policy::Condition;

/// A truth value that may be unknown offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    /// Kleene AND: a False decides the result even next to Unknowns.
    pub fn and(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::False, _) | (_, Tri::False) => Tri::False,
            (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
            (Tri::True, Tri::True) => Tri::True,
        }
    }

    /// Kleene OR: a True decides the result even next to Unknowns.
    pub fn or(self, other: Tri) -> Tri {
        match (self, other) {
            (Tri::True, _) | (_, Tri::True) => Tri::True,
            (Tri::Unknown, _) | (_, Tri::Unknown) => Tri::Unknown,
            (Tri::False, Tri::False) => Tri::False,
        }
    }
}

impl std::ops::Not for Tri {
    type Output = Tri;

    fn not(self) -> Tri {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
}

const MFA_KEYS: [&str; 2] = ["aws:MultiFactorAuthPresent", "aws:MultiFactorAuthAge"];

/// Condition key names are case-insensitive in IAM.
pub fn is_mfa_key(key: &str) -> bool {
    MFA_KEYS.iter().any(|mfa| mfa.eq_ignore_ascii_case(key))
}

/// Does any condition of the block test an MFA key?
pub fn mentions_mfa(conditions: &[Condition]) -> bool {
    conditions.iter().any(|c| is_mfa_key(&c.key))
}

/// What is known offline about the request Bitmovin makes: signed with
/// long-term access keys (no MFA keys) or by a session of an assumed role
/// (MFA present and false), and, when the target is known, sent to the
/// target's region (`aws:RequestedRegion`).
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestFacts<'a> {
    pub region: Option<&'a str>,
    /// Bitmovin signs with a session of a role it assumed, not access keys.
    pub role_session: bool,
}

const MFA_PRESENT: &str = "aws:MultiFactorAuthPresent";

const REQUESTED_REGION: &str = "aws:RequestedRegion";

/// Evaluates a condition block (AND of all operator/key pairs) for an
/// access-key request, in which the MFA keys are absent, with no other
/// fact known. An empty block is True.
pub fn evaluate_without_mfa(conditions: &[Condition]) -> Tri {
    evaluate(conditions, RequestFacts::default())
}

/// Evaluates a condition block for Bitmovin's request described by `facts`.
pub fn evaluate(conditions: &[Condition], facts: RequestFacts) -> Tri {
    conditions
        .iter()
        .map(|c| evaluate_one(c, facts))
        .fold(Tri::True, Tri::and)
}

/// The conditions of the block that cannot be decided offline, so callers can
/// name them when a decision comes out Unknown.
pub fn undecidable_conditions<'c>(
    conditions: &'c [Condition],
    facts: RequestFacts,
) -> Vec<&'c Condition> {
    conditions
        .iter()
        .filter(|c| evaluate_one(c, facts) == Tri::Unknown)
        .collect()
}

fn evaluate_one(condition: &Condition, facts: RequestFacts) -> Tri {
    if is_mfa_key(&condition.key) {
        if facts.role_session && condition.key.eq_ignore_ascii_case(MFA_PRESENT) {
            // Bitmovin's session was opened without MFA.
            return evaluate_present_bool(&condition.operator, &condition.values, "false");
        }
        return evaluate_absent_key(&condition.operator, &condition.values);
    }
    match facts.region {
        Some(region) if condition.key.eq_ignore_ascii_case(REQUESTED_REGION) => {
            evaluate_present_string(&condition.operator, &condition.values, region)
        }
        _ => Tri::Unknown,
    }
}

/// `Bool` (and the string operators) on a boolean key the request carries.
fn evaluate_present_bool(operator: &str, values: &[String], actual: &str) -> Tri {
    let lower = operator.to_ascii_lowercase();
    match lower.strip_suffix("ifexists").unwrap_or(&lower) {
        "bool" => {
            if values.iter().any(|v| v.eq_ignore_ascii_case(actual)) {
                Tri::True
            } else {
                Tri::False
            }
        }
        _ => evaluate_present_string(operator, values, actual),
    }
}

/// IAM's string operators on a single-valued key the request carries.
/// Anything else (set operators, policy variables, other types) is Unknown.
fn evaluate_present_string(operator: &str, values: &[String], actual: &str) -> Tri {
    let operator = operator.to_ascii_lowercase();
    // The key is present, so IfExists tests the same thing.
    let operator = operator.strip_suffix("ifexists").unwrap_or(&operator);
    if operator.contains(':') || values.iter().any(|v| v.contains("${")) {
        return Tri::Unknown;
    }
    let any = |test: &dyn Fn(&str) -> bool| values.iter().any(|v| test(v));
    let result = match operator {
        "null" => {
            // "true" asks "is the key absent?": it is present.
            return values
                .iter()
                .map(|v| !null_value_when_absent(v))
                .fold(Tri::False, Tri::or);
        }
        "stringequals" => any(&|v| v == actual),
        "stringnotequals" => !any(&|v| v == actual),
        "stringequalsignorecase" => any(&|v| v.eq_ignore_ascii_case(actual)),
        "stringnotequalsignorecase" => !any(&|v| v.eq_ignore_ascii_case(actual)),
        "stringlike" => any(&|v| glob::matches(v, actual, false)),
        "stringnotlike" => !any(&|v| glob::matches(v, actual, false)),
        _ => return Tri::Unknown,
    };
    if result { Tri::True } else { Tri::False }
}

/// IAM's rules for a condition whose key is missing from the request.
fn evaluate_absent_key(operator: &str, values: &[String]) -> Tri {
    let operator = operator.to_ascii_lowercase();
    if operator == "null" {
        // Null: "true" asks "is the key absent?" (values are OR'ed).
        return values
            .iter()
            .map(|v| null_value_when_absent(v))
            .fold(Tri::False, Tri::or);
    }
    if operator.ends_with("ifexists") || operator.starts_with("forallvalues:") {
        // IfExists: no key, no test. ForAllValues: vacuously true on an empty set.
        return Tri::True;
    }
    if !operator.contains(':') && is_negated(&operator) {
        // "If the policy condition requires that the key is not matched, such
        // as StringNotLike or ArnNotLike, and the right key is not present,
        // the condition can return true" (IAM condition reference).
        return Tri::True;
    }
    // ForAnyValue: over an empty set, false. Every plain operator needs the key.
    Tri::False
}

/// Operators that test that the key does NOT match.
fn is_negated(operator: &str) -> bool {
    operator.starts_with("stringnot")
        || operator.starts_with("arnnot")
        || matches!(
            operator,
            "numericnotequals" | "datenotequals" | "notipaddress"
        )
}

fn null_value_when_absent(value: &str) -> Tri {
    if value.eq_ignore_ascii_case("true") {
        Tri::True
    } else if value.eq_ignore_ascii_case("false") {
        Tri::False
    } else {
        // IAM would reject such a value; don't guess.
        Tri::Unknown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negated_operators_hold_when_the_key_is_absent() {
        for operator in [
            "StringNotEquals",
            "StringNotLike",
            "NumericNotEquals",
            "DateNotEquals",
            "ArnNotLike",
            "NotIpAddress",
        ] {
            assert_eq!(
                evaluate_absent_key(operator, &["true".into()]),
                Tri::True,
                "{operator}"
            );
        }
        assert_eq!(
            evaluate_absent_key("StringEquals", &["false".into()]),
            Tri::False
        );
        assert_eq!(
            evaluate_absent_key("ForAnyValue:StringNotEquals", &["x".into()]),
            Tri::False
        );
    }

    fn cond(operator: &str, key: &str, values: &[&str]) -> Condition {
        Condition {
            operator: operator.into(),
            key: key.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
        }
    }

    const PRESENT: &str = "aws:MultiFactorAuthPresent";
    const AGE: &str = "aws:MultiFactorAuthAge";

    #[test]
    fn tri_truth_tables() {
        use Tri::*;
        let all = [True, False, Unknown];
        for a in all {
            for b in all {
                let and = a.and(b);
                let or = a.or(b);
                assert_eq!(and, b.and(a));
                assert_eq!(or, b.or(a));
                let expected_and = if a == False || b == False {
                    False
                } else if a == Unknown || b == Unknown {
                    Unknown
                } else {
                    True
                };
                let expected_or = if a == True || b == True {
                    True
                } else if a == Unknown || b == Unknown {
                    Unknown
                } else {
                    False
                };
                assert_eq!(and, expected_and, "{a:?} and {b:?}");
                assert_eq!(or, expected_or, "{a:?} or {b:?}");
            }
        }
    }

    #[test]
    fn empty_block_is_true() {
        assert_eq!(evaluate_without_mfa(&[]), Tri::True);
    }

    #[test]
    fn absent_mfa_key_semantics_per_operator() {
        let cases = [
            ("Bool", PRESENT, "false", Tri::False),
            ("Bool", PRESENT, "true", Tri::False),
            ("BoolIfExists", PRESENT, "false", Tri::True),
            ("BoolIfExists", PRESENT, "true", Tri::True),
            ("Null", PRESENT, "true", Tri::True),
            ("Null", PRESENT, "false", Tri::False),
            ("Null", PRESENT, "TRUE", Tri::True),
            ("Null", PRESENT, "maybe", Tri::Unknown),
            ("NumericLessThan", AGE, "3600", Tri::False),
            ("NumericGreaterThan", AGE, "3600", Tri::False),
            ("NumericGreaterThanIfExists", AGE, "3600", Tri::True),
            ("StringEquals", PRESENT, "true", Tri::False),
            ("ForAllValues:StringEquals", PRESENT, "true", Tri::True),
            ("ForAnyValue:StringEquals", PRESENT, "true", Tri::False),
            (
                "ForAnyValue:StringEqualsIfExists",
                PRESENT,
                "true",
                Tri::True,
            ),
            ("Bool", "AWS:multifactorauthpresent", "true", Tri::False),
            ("boolifexists", "aws:multifactorauthage", "true", Tri::True),
        ];
        for (operator, key, value, expected) in cases {
            assert_eq!(
                evaluate_without_mfa(&[cond(operator, key, &[value])]),
                expected,
                "{operator} {key} {value}"
            );
        }
    }

    #[test]
    fn null_values_are_ored() {
        assert_eq!(
            evaluate_without_mfa(&[cond("Null", PRESENT, &["false", "true"])]),
            Tri::True
        );
    }

    #[test]
    fn other_keys_are_unknown_but_false_wins_the_and() {
        let source_ip = cond("IpAddress", "aws:SourceIp", &["10.0.0.0/8"]);
        assert_eq!(
            evaluate_without_mfa(std::slice::from_ref(&source_ip)),
            Tri::Unknown
        );
        assert_eq!(
            evaluate_without_mfa(&[source_ip.clone(), cond("Bool", PRESENT, &["true"])]),
            Tri::False
        );
        assert_eq!(
            evaluate_without_mfa(&[source_ip.clone(), cond("BoolIfExists", PRESENT, &["false"])]),
            Tri::Unknown
        );
        let block = [
            source_ip.clone(),
            cond("StringEquals", "ec2:Region", &["x"]),
        ];
        assert_eq!(
            undecidable_conditions(&block, RequestFacts::default()).len(),
            2
        );
        assert_eq!(
            undecidable_conditions(
                &[source_ip, cond("Bool", PRESENT, &["true"])],
                RequestFacts::default()
            )
            .iter()
            .map(|c| c.key.as_str())
            .collect::<Vec<_>>(),
            vec!["aws:SourceIp"]
        );
    }

    #[test]
    fn a_role_session_carries_mfa_present_false_and_no_age() {
        let facts = RequestFacts {
            role_session: true,
            ..RequestFacts::default()
        };
        let cases = [
            // The classic "deny without MFA" blocks a role session, though
            // it never matches access keys.
            ("Bool", PRESENT, "false", Tri::True),
            ("Bool", "AWS:multifactorauthpresent", "FALSE", Tri::True),
            ("Bool", PRESENT, "true", Tri::False),
            ("BoolIfExists", PRESENT, "false", Tri::True),
            ("BoolIfExists", PRESENT, "true", Tri::False),
            ("Null", PRESENT, "true", Tri::False),
            ("Null", PRESENT, "false", Tri::True),
            ("StringEquals", PRESENT, "false", Tri::True),
            ("ForAnyValue:StringEquals", PRESENT, "false", Tri::Unknown),
            // No MFA, no age.
            ("NumericLessThan", AGE, "3600", Tri::False),
            ("NumericGreaterThanIfExists", AGE, "3600", Tri::True),
            ("Null", AGE, "true", Tri::True),
        ];
        for (operator, key, value, expected) in cases {
            let block = [cond(operator, key, &[value])];
            assert_eq!(
                evaluate(&block, facts),
                expected,
                "{operator} {key} {value}"
            );
            if key == PRESENT && operator == "Bool" && value == "false" {
                assert_eq!(evaluate_without_mfa(&block), Tri::False);
            }
        }
    }

    #[test]
    fn mentions_mfa_checks_keys_case_insensitively() {
        assert!(mentions_mfa(&[cond(
            "Bool",
            "aws:multifactorauthpresent",
            &["true"]
        )]));
        assert!(mentions_mfa(&[
            cond("IpAddress", "aws:SourceIp", &["1.2.3.4/32"]),
            cond("NumericLessThan", AGE, &["60"])
        ]));
        assert!(!mentions_mfa(&[cond(
            "IpAddress",
            "aws:SourceIp",
            &["1.2.3.4/32"]
        )]));
        assert!(!mentions_mfa(&[]));
        assert!(!is_mfa_key("aws:MultiFactorAuthPresentX"));
    }

    #[test]
    fn requested_region_is_the_targets() {
        let facts = RequestFacts {
            region: Some("eu-central-1"),
            ..RequestFacts::default()
        };
        let key = "aws:RequestedRegion";
        let cases = [
            ("StringEquals", vec!["eu-central-1"], Tri::True),
            ("StringEquals", vec!["us-east-1", "eu-central-1"], Tri::True),
            ("StringEquals", vec!["us-east-1"], Tri::False),
            ("StringNotEquals", vec!["us-east-1", "us-west-2"], Tri::True),
            ("StringNotEquals", vec!["eu-central-1"], Tri::False),
            ("StringNotEqualsIfExists", vec!["eu-central-1"], Tri::False),
            ("StringLike", vec!["eu-*"], Tri::True),
            ("StringNotLike", vec!["eu-*"], Tri::False),
            ("StringEqualsIgnoreCase", vec!["EU-CENTRAL-1"], Tri::True),
            ("Null", vec!["true"], Tri::False),
            ("Null", vec!["false"], Tri::True),
            (
                "ForAnyValue:StringEquals",
                vec!["eu-central-1"],
                Tri::Unknown,
            ),
            (
                "StringEquals",
                vec!["${aws:PrincipalTag/region}"],
                Tri::Unknown,
            ),
            ("ArnEquals", vec!["eu-central-1"], Tri::Unknown),
        ];
        for (operator, values, expected) in cases {
            let condition = cond(operator, key, &values);
            assert_eq!(
                evaluate(std::slice::from_ref(&condition), facts),
                expected,
                "{operator} {values:?}"
            );
        }
        // Without a known region the key is undecidable.
        assert_eq!(
            evaluate_without_mfa(&[cond("StringEquals", key, &["eu-central-1"])]),
            Tri::Unknown
        );
    }
}
