//! `--organization`: the accounts of an AWS organization, read with the
//! management account's (or a delegated administrator's) credentials, all
//! of them or those under some organizational units. What each account is
//! audited for comes from the inventory (`collect::inventory`); this module
//! only finds the accounts.

use std::collections::BTreeMap;

use aws_config::{Region, SdkConfig};
use aws_sdk_organizations::types::{Account, AccountState, AccountStatus};

use super::errors;

/// Every item of every page of a list call, counted in `listing.calls`,
/// or the error that stops the listing.
macro_rules! all_pages {
    ($listing:expr, $builder:expr, $items:ident, $call:expr) => {{
        let mut pages = $builder.into_paginator().send();
        let mut items = Vec::new();
        while let Some(page) = pages.next().await {
            $listing.calls += 1;
            let page = page.map_err(|e| failed($call, &e))?;
            items.extend(page.$items().iter().cloned());
        }
        items
    }};
}

/// What the listing found: the active accounts' ids in order, and how
/// many listed accounts were not active (suspended, being closed or
/// created).
#[derive(Debug, Default)]
pub struct Members {
    pub active: Vec<String>,
    pub inactive: usize,
    /// The calls made.
    pub calls: usize,
}

/// The organization's accounts, or those under `units` (organizational
/// unit or root ids, each searched down through its child units). A failed
/// call fails the listing: half an organization is not one.
pub async fn members(config: &SdkConfig, units: &[String]) -> Result<Members, String> {
    let region = super::target::organizations_region(config.region().map(|r| r.as_ref()));
    let global = config.to_builder().region(Region::new(region)).build();
    let client = aws_sdk_organizations::Client::new(&global);
    let mut listing = Listing::default();
    if units.is_empty() {
        let accounts = all_pages!(
            listing,
            client.list_accounts(),
            accounts,
            "organizations:ListAccounts"
        );
        listing.add(&accounts);
    } else {
        // Depth first through the units; a unit reached twice (given twice,
        // or under another given unit) is read once.
        let mut pending: Vec<String> = units.to_vec();
        let mut seen = std::collections::BTreeSet::new();
        while let Some(parent) = pending.pop() {
            if !seen.insert(parent.clone()) {
                continue;
            }
            let accounts = all_pages!(
                listing,
                client.list_accounts_for_parent().parent_id(&parent),
                accounts,
                &format!("organizations:ListAccountsForParent {parent}")
            );
            listing.add(&accounts);
            let units = all_pages!(
                listing,
                client
                    .list_organizational_units_for_parent()
                    .parent_id(&parent),
                organizational_units,
                &format!("organizations:ListOrganizationalUnitsForParent {parent}")
            );
            pending.extend(units.iter().filter_map(|u| u.id().map(str::to_string)));
        }
    }
    Ok(listing.members())
}

#[derive(Default)]
struct Listing {
    /// id → whether the account is active (a unit listed twice adds nothing).
    accounts: BTreeMap<String, bool>,
    calls: usize,
}

impl Listing {
    fn add(&mut self, accounts: &[Account]) {
        for account in accounts {
            if let Some(id) = account.id() {
                self.accounts.insert(id.to_string(), is_active(account));
            }
        }
    }

    fn members(self) -> Members {
        let mut members = Members {
            calls: self.calls,
            ..Members::default()
        };
        for (id, active) in self.accounts {
            if active {
                members.active.push(id);
            } else {
                members.inactive += 1;
            }
        }
        members
    }
}

/// Active by its `State` (which replaces `Status`), or by its `Status`
/// where the answer has no `State`.
fn is_active(account: &Account) -> bool {
    match account.state() {
        Some(state) => *state == AccountState::Active,
        None => account.status() == Some(&AccountStatus::Active),
    }
}

fn failed<E>(
    call: &str,
    error: &aws_smithy_runtime_api::client::result::SdkError<
        E,
        aws_smithy_runtime_api::client::orchestrator::HttpResponse,
    >,
) -> String
where
    E: aws_sdk_iam::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    let record = errors::from_sdk(error);
    let code = record["Error"]["Code"].as_str().unwrap_or("Error");
    let message = record["Error"]["Message"].as_str().unwrap_or_default();
    format!("{call} failed: {code}: {message}")
}
