//! `bitmovin-key-active`: the access key Bitmovin has for a key-based Cloud
//! Connect account is an active key of the IAM user (the target read from
//! Bitmovin's API, `--from-bitmovin`).

use serde::Deserialize;

use super::access_key_active::{AccessKeyActive, listed_keys};
use crate::checks::CheckType;
use crate::checks::Reads;
use crate::checks::subject::subject;
use crate::checks::verdict::Verdict;
use crate::findings::Resource;
use crate::output::visible;
use crate::snapshot::Target;
use crate::template::Placeholder;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BitmovinKeyActive {}

impl CheckType for BitmovinKeyActive {
    fn how_judged(&self) -> &'static str {
        "Finds the accessKey of Bitmovin's AwsAccount among iam:ListAccessKeys of the keys' owner; applies only to targets read from Bitmovin's API that use an access key (not a role)."
    }

    // The same evidence as access-key-active: the user's listed keys.
    fn evidence_key(&self) -> Option<&'static str> {
        AccessKeyActive {}.evidence_key()
    }

    fn reads(&self, key: &str, name: Option<&str>) -> Reads {
        AccessKeyActive {}.reads(key, name)
    }

    fn placeholders(&self) -> &'static [Placeholder] {
        AccessKeyActive {}.placeholders()
    }

    fn resource(&self, target: &Target) -> Resource {
        AccessKeyActive {}.resource(target)
    }

    fn evaluate(&self, target: &Target) -> Verdict {
        bitmovin_key_active(target)
    }
}

fn bitmovin_key_active(target: &Target) -> Verdict {
    let Some(bitmovin) = &target.bitmovin else {
        return Verdict::skip(
            "applies only to a target read from Bitmovin's API (collect --from-bitmovin)",
        );
    };
    let account = &bitmovin.account;
    let configured = match (&account.access_key, account.role()) {
        (Some(key), _) if !key.is_empty() => visible(key).into_owned(),
        (_, Some(_)) => {
            return Verdict::skip("the account is role-based: Bitmovin holds no access key for it");
        }
        _ => {
            return Verdict::unknown(
                "Bitmovin's AwsAccount has neither an accessKey nor a roleName",
            );
        }
    };
    let subject = match subject(target) {
        Ok(subject) => subject,
        Err(verdict) => return verdict,
    };
    let (keys, truncated) = match listed_keys(target) {
        Ok(listed) => listed,
        Err(verdict) => return verdict,
    };
    let user = subject.user().unwrap_or("the user");
    let found = keys
        .iter()
        .find(|k| k.access_key_id.as_deref() == account.access_key.as_deref());
    let verdict = match found {
        Some(k) if k.status == "Active" => Verdict::pass(format!(
            "Bitmovin's access key {configured} is an active key of IAM user {user}{}",
            subject
                .caveat
                .as_ref()
                .map(|c| format!("; {c}"))
                .unwrap_or_default()
        )),
        Some(k) => Verdict::fail(format!(
            "Bitmovin's access key {configured} is {} on IAM user {user}",
            visible(&k.status).to_lowercase()
        )),
        None if truncated => Verdict::unknown(format!(
            "Bitmovin's access key {configured} is not on the first page of iam:ListAccessKeys, and the rest was not collected"
        )),
        None => Verdict::fail(format!(
            "Bitmovin's access key {configured} is not a key of IAM user {user} ({})",
            match keys.len() {
                0 => "it has none".to_string(),
                n => format!(
                    "its key{}: {}",
                    if n == 1 { "" } else { "s" },
                    keys.iter()
                        .map(
                            |k| visible(k.access_key_id.as_deref().unwrap_or("(id not shown)"))
                                .into_owned()
                        )
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        )),
    };
    match subject.user() {
        Some(user) => verdict.with(Placeholder::IamUser, user.to_string()),
        None => verdict,
    }
}
