//! Credentials, account id and access keys.

pub mod access_key_active;
pub mod account_matches;
pub mod api_call_succeeds;
pub mod bitmovin_key_active;
pub mod keys_owner;
pub mod role_trust;

use crate::checks::verdict::{call_failed, not_collected, see};
use crate::snapshot::aws::{AwsError, Evidence};

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

fn failed_identity(key: &str, error: &AwsError) -> String {
    format!(
        "{}{}",
        call_failed(key, error),
        see("api-call-succeeds sts:GetCallerIdentity")
    )
}
