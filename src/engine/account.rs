//! Credentials, account id and access keys.

use super::subject::{KeysOwner, keys_owner, subject};
use super::{Verdict, call_failed, not_collected};
use crate::iam::Principal;
use crate::rules::check::ApiCallSucceeds;
use crate::rules::check::CallKey;
use crate::snapshot::Target;
use crate::snapshot::aws::{AwsError, Evidence, Paged, evidence};

pub fn api_call_succeeds(check: &ApiCallSucceeds, target: &Target) -> Verdict {
    let aws = &target.aws;
    // A success must carry what AWS always returns with it; an empty answer
    // is broken evidence, not a success.
    let (outcome, complete): (Evidence<'_, ()>, bool) = match check.call {
        CallKey::GetCallerIdentity => {
            let e = evidence(aws.caller_identity.as_ref());
            let complete =
                matches!(e, Evidence::Present(r) if r.arn.is_some() && r.account.is_some());
            (erase(e), complete)
        }
        CallKey::DescribeSecurityGroups => {
            let e = evidence(aws.security_groups.as_ref());
            let complete = matches!(e, Evidence::Present(r) if r.security_groups.is_some());
            (erase(e), complete)
        }
        CallKey::GetUser => {
            let e = evidence(aws.user.as_ref());
            let complete = matches!(e, Evidence::Present(r) if r.user.is_some());
            (erase(e), complete)
        }
    };
    let key = check.call.as_str();
    match outcome {
        Evidence::Present(_) if !complete => Verdict::unknown(format!(
            "{key} answered without the fields a success carries"
        )),
        Evidence::Present(_) => Verdict::pass(format!("{key} succeeded")),
        Evidence::Failed(error) if check.failing_codes.contains(&error.code) => Verdict::fail(
            format!("{key} was refused with {}: {}", error.code, error.message),
        ),
        Evidence::Failed(error) => Verdict::unknown(call_failed(key, error)),
        Evidence::Missing => Verdict::unknown(missing_identity(key)),
    }
}

/// Without the call made with Bitmovin's keys, nothing is known of them.
fn missing_identity(key: &str) -> String {
    format!(
        "{}: the keys entered in the Bitmovin dashboard were not tested (collect with --bitmovin-profile, or --as-bitmovin when running with those keys)",
        not_collected(key)
    )
}

/// Forget the response type: only success or failure matters here.
fn erase<T>(evidence: Evidence<'_, T>) -> Evidence<'_, ()> {
    match evidence {
        Evidence::Missing => Evidence::Missing,
        Evidence::Failed(e) => Evidence::Failed(e),
        Evidence::Present(_) => Evidence::Present(&()),
    }
}

pub fn account_matches(target: &Target) -> Verdict {
    let key = "sts:GetCallerIdentity";
    let identity = match evidence(target.aws.caller_identity.as_ref()) {
        Evidence::Present(identity) => identity,
        Evidence::Failed(error) => return Verdict::unknown(failed_identity(key, error)),
        Evidence::Missing => return Verdict::unknown(missing_identity(key)),
    };
    let Some(expected) = &target.setup.account_id else {
        return Verdict::unknown(
            "setup.account_id is not given, so there is nothing to compare the keys' account with",
        );
    };
    match &identity.account {
        Some(actual) if actual == expected => {
            Verdict::pass(format!("the keys belong to account {actual}"))
        }
        Some(actual) => Verdict::fail(format!(
            "the keys belong to account {actual}, but the dashboard is given account {expected}"
        )),
        None => Verdict::unknown(format!("{key} answered without an Account field")),
    }
}

fn failed_identity(key: &str, error: &AwsError) -> String {
    format!("{} (see credentials-valid)", call_failed(key, error))
}

pub fn access_key_active(target: &Target) -> Verdict {
    let subject = match subject(target) {
        Ok(subject) => subject,
        Err(verdict) => return verdict,
    };
    let key = "iam:ListAccessKeys";
    let (keys, truncated) = match evidence(target.aws.access_keys.as_ref()) {
        Evidence::Present(response) => match &response.access_key_metadata {
            Some(keys) => (keys, response.truncated()),
            None => return Verdict::unknown(format!("{key} answered without AccessKeyMetadata")),
        },
        Evidence::Failed(error) => return Verdict::unknown(call_failed(key, error)),
        Evidence::Missing => return Verdict::unknown(not_collected(key)),
    };
    let active: Vec<&str> = keys
        .iter()
        .filter(|k| k.status == "Active")
        .map(|k| k.access_key_id.as_deref().unwrap_or("(id not shown)"))
        .collect();
    let verdict = match active.as_slice() {
        [] if truncated => Verdict::unknown(format!(
            "no active key on the first page of {key}, and the rest was not collected"
        )),
        [] if keys.is_empty() => Verdict::fail("the user has no access key"),
        [] => Verdict::fail(format!(
            "all {} access keys of the user are inactive",
            keys.len()
        )),
        ids => Verdict::pass(format!(
            "active access key: {}{}",
            ids.join(", "),
            subject
                .caveat
                .as_ref()
                .map(|c| format!("; {c}"))
                .unwrap_or_default()
        )),
    };
    // The fix names the user the evidence is about, never another one.
    match subject.user {
        Some(user) => verdict.with("iam_user", user),
        None => verdict,
    }
}

/// The dashboard's keys belong to an IAM user, and to the one the setup
/// names. Bitmovin acts as the keys' owner, whatever the setup says.
pub fn keys_owner_is_user(target: &Target) -> Verdict {
    let principal = match keys_owner(target) {
        KeysOwner::Known(principal) => principal,
        KeysOwner::Unverified(why) => {
            return Verdict::unknown(format!(
                "{why}: whose keys the dashboard holds is not known"
            ));
        }
    };
    if let Some(reason) = principal.unsuitable_because() {
        return Verdict::fail(format!(
            "the dashboard's keys belong to {principal}, not to an IAM user: {reason}"
        ));
    }
    let Principal::User { name, .. } = &principal else {
        return Verdict::unknown(format!("{principal} is not an IAM user"));
    };
    match target.setup.iam_user.as_deref() {
        Some(configured) if configured != name => Verdict::fail(format!(
            "the dashboard's keys belong to IAM user {name}, but setup.iam_user is {configured}: {configured}'s policies do not apply to Bitmovin's requests; {name}'s do"
        )),
        Some(_) => Verdict::pass(format!(
            "the dashboard's keys belong to IAM user {name}, the user named in the setup"
        )),
        None => Verdict::pass(format!("the dashboard's keys belong to IAM user {name}")),
    }
}
