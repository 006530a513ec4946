//! `encoder-version-at-least`: `setup.encoder_version` is at least a version.

use serde::Deserialize;

use crate::checks::verdict::Verdict;
use crate::checks::{CheckType, Reads};
use crate::findings::Resource;
use crate::snapshot::Target;
use crate::version::EncoderVersion;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncoderVersionAtLeast {
    pub version: EncoderVersion,
}

impl CheckType for EncoderVersionAtLeast {
    fn how_judged(&self) -> &'static str {
        "Compares setup.encoder_version with the version (STABLE and BETA count as newest)."
    }

    fn evidence_key(&self) -> Option<&'static str> {
        None
    }

    fn reads(&self, _key: &str, _name: Option<&str>) -> Reads {
        // The setup alone decides.
        Reads::Ignores
    }

    fn resource(&self, target: &Target) -> Resource {
        Resource::Encoder {
            version: target.setup.encoder_version.to_string(),
        }
    }

    fn evaluate(&self, target: &Target) -> Verdict {
        encoder_version_at_least(self, target)
    }
}

fn encoder_version_at_least(check: &EncoderVersionAtLeast, target: &Target) -> Verdict {
    let have = &target.setup.encoder_version;
    if have.at_least(&check.version) {
        Verdict::pass(format!("encoder {have} is {} or newer", check.version))
    } else {
        Verdict::fail(format!("encoder {have} is older than {}", check.version))
    }
}
