//! Bitmovin encoder versions: `STABLE`, `BETA` or a numeric `2.51.0`.
//! Numbers compare numerically (2.51.0 < 2.179.0); STABLE and BETA are the
//! newest releases, so they satisfy every "at least" requirement.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EncoderVersion {
    #[default]
    Stable,
    Beta,
    Release(Vec<u64>),
}

impl EncoderVersion {
    /// True when this version is `min` or newer.
    pub fn at_least(&self, min: &EncoderVersion) -> bool {
        match (self, min) {
            (EncoderVersion::Release(have), EncoderVersion::Release(want)) => {
                compare_numbers(have, want) != Ordering::Less
            }
            (EncoderVersion::Release(_), _) => false,
            // The moving tags always carry the newest encoder.
            (EncoderVersion::Stable | EncoderVersion::Beta, _) => true,
        }
    }
}

/// Compare dotted numbers, treating missing parts as zero (2.51 == 2.51.0).
fn compare_numbers(a: &[u64], b: &[u64]) -> Ordering {
    let len = a.len().max(b.len());
    (0..len)
        .map(|i| {
            let x = a.get(i).copied().unwrap_or(0);
            let y = b.get(i).copied().unwrap_or(0);
            x.cmp(&y)
        })
        .find(|o| *o != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
}

impl FromStr for EncoderVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        match trimmed.to_ascii_uppercase().as_str() {
            "STABLE" => return Ok(EncoderVersion::Stable),
            "BETA" => return Ok(EncoderVersion::Beta),
            _ => {}
        }
        let digits = trimmed.strip_prefix(['v', 'V']).unwrap_or(trimmed);
        let parts: Result<Vec<u64>, _> = digits.split('.').map(str::parse::<u64>).collect();
        match parts {
            Ok(parts) if !parts.is_empty() && parts.len() <= 4 => {
                Ok(EncoderVersion::Release(parts))
            }
            _ => Err(format!(
                "invalid encoder version `{s}`: expected STABLE, BETA or a number like 2.51.0"
            )),
        }
    }
}

impl fmt::Display for EncoderVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncoderVersion::Stable => f.write_str("STABLE"),
            EncoderVersion::Beta => f.write_str("BETA"),
            EncoderVersion::Release(parts) => {
                let text: Vec<String> = parts.iter().map(u64::to_string).collect();
                f.write_str(&text.join("."))
            }
        }
    }
}

impl<'de> Deserialize<'de> for EncoderVersion {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl Serialize for EncoderVersion {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> EncoderVersion {
        s.parse().unwrap()
    }

    #[test]
    fn numeric_not_lexical() {
        assert!(v("2.179.0").at_least(&v("2.51.0")));
        assert!(!v("2.51.0").at_least(&v("2.179.0")));
        assert!(v("2.100.0").at_least(&v("2.51.0")));
        assert!(!v("2.50.9").at_least(&v("2.51.0")));
        assert!(v("2.51.0").at_least(&v("2.51.0")));
        assert!(v("2.51").at_least(&v("2.51.0")));
        assert!(v("v3.0.0").at_least(&v("2.179.0")));
    }

    #[test]
    fn tags_are_newest() {
        assert!(v("STABLE").at_least(&v("2.179.0")));
        assert!(v("beta").at_least(&v("2.179.0")));
        assert_eq!(v("stable"), EncoderVersion::Stable);
    }

    #[test]
    fn rejects_garbage() {
        assert!("latest".parse::<EncoderVersion>().is_err());
        assert!("2..1".parse::<EncoderVersion>().is_err());
        assert!("".parse::<EncoderVersion>().is_err());
    }

    #[test]
    fn displays_as_given() {
        assert_eq!(v("2.51.0").to_string(), "2.51.0");
        assert_eq!(v("Stable").to_string(), "STABLE");
    }
}
