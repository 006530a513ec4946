//! Targets from Bitmovin's own configuration: every Cloud Connect AWS
//! account Bitmovin lists, and each of its region settings, becomes a
//! target whose setup is what the dashboard holds. The inventory (keyed by
//! account number) says how to read each account; what Bitmovin returned
//! is kept in the snapshot as evidence.

use std::collections::HashSet;

use futures::StreamExt;

use super::TargetSpec;
use super::inventory::Accounts;
use crate::aws_format::Format;
use crate::bitmovin::client::{ApiError, Client, id_segment};
use crate::bitmovin::models::{AwsAccount, AwsAccountRegionSettings, Encoding, Task};
use crate::bitmovin::regions;
use crate::output::visible;
use crate::snapshot::{BitmovinEvidence, DEFAULT_SSH_PORT, Setup};

/// The API paths read.
pub const ACCOUNTS: &str = "/encoding/infrastructure/aws";

/// The path of an account's region settings; an error for an account id
/// that is not one.
pub fn region_settings_path(account_id: &str) -> Result<String, String> {
    Ok(format!("{ACCOUNTS}/{}/regions", id_segment(account_id)?))
}

/// Accounts whose region settings are read at the same time.
const CONCURRENCY: usize = 8;

/// What Bitmovin's configuration gives.
#[derive(Debug)]
pub struct FromBitmovin {
    pub specs: Vec<TargetSpec>,
    /// One line per account or region setting that gave no target, and why:
    /// the run cannot say those are fine.
    pub problems: Vec<String>,
}

/// List the accounts, then each account's region settings. A failure to
/// list the accounts is the run's; one account's failure is a problem and
/// the others go on.
pub async fn targets(client: &Client, accounts: &Accounts) -> Result<FromBitmovin, ApiError> {
    let listed: Vec<AwsAccount> = client.list(ACCOUNTS).await?;
    let settings: Vec<(AwsAccount, Result<Vec<serde_json::Value>, String>)> =
        futures::stream::iter(listed)
            .map(|account| async move {
                let settings = match region_settings_path(&account.id) {
                    Ok(path) => client.list(&path).await.map_err(|e| e.to_string()),
                    Err(why) => Err(format!("its id {why}")),
                };
                (account, settings)
            })
            .buffered(CONCURRENCY)
            .collect()
            .await;
    let mut found = FromBitmovin {
        specs: Vec::new(),
        problems: Vec::new(),
    };
    let mut names = HashSet::new();
    for (account, settings) in settings {
        let label = label(&account);
        let settings = match settings {
            Ok(settings) => settings,
            Err(e) => {
                found.problems.push(format!("{label}: {e}"));
                continue;
            }
        };
        for setting in settings {
            // One odd region setting is a problem of its own, not its account's.
            let setting = serde_json::from_value::<AwsAccountRegionSettings>(setting)
                .map_err(|e| format!("a region setting is not the API's model: {e}"));
            match setting.and_then(|s| target(&account, s, accounts, &mut names)) {
                Ok(spec) => found.specs.push(spec),
                Err(why) => found.problems.push(format!("{label}: {why}")),
            }
        }
    }
    Ok(found)
}

/// How an account is named in a message (its values made visible).
fn label(account: &AwsAccount) -> String {
    match &account.account_number {
        Some(number) => format!(
            "Cloud Connect account {} ({})",
            visible(number),
            visible(&account.id)
        ),
        None => format!("Cloud Connect account {}", visible(&account.id)),
    }
}

/// An encoding as triage reads it: the encoding, its status and, when it
/// runs on Cloud Connect, the account and region it runs in.
#[derive(Debug)]
pub struct EncodingFacts {
    pub encoding: Encoding,
    pub task: Task,
    /// `None`: Bitmovin's own cloud.
    pub cloud_connect: Option<CloudConnect>,
}

#[derive(Debug)]
pub struct CloudConnect {
    pub infrastructure_id: String,
    /// The target to audit, or why there is none.
    pub target: Result<TargetSpec, String>,
}

/// The path of encoding `id`; an error for an id that is not one.
pub fn encoding_path(id: &str) -> Result<String, String> {
    Ok(format!("/encoding/encodings/{}", id_segment(id)?))
}

/// Read encoding `id`, its status, and for Cloud Connect the account and
/// the region setting it runs with (as the target to audit, with the
/// encoding's encoder version).
pub async fn encoding(
    client: &Client,
    path: &str,
    accounts: &Accounts,
) -> Result<EncodingFacts, ApiError> {
    let encoding: Encoding = client.get(path).await?;
    let task: Task = client.get(&format!("{path}/status")).await?;
    let infrastructure = encoding
        .infrastructure
        .as_ref()
        .and_then(|i| i.infrastructure_id.clone());
    let cloud_connect = match infrastructure {
        None => None,
        Some(infrastructure_id) => Some(CloudConnect {
            target: cloud_connect_target(client, &encoding, &infrastructure_id, accounts).await,
            infrastructure_id,
        }),
    };
    Ok(EncodingFacts {
        encoding,
        task,
        cloud_connect,
    })
}

async fn cloud_connect_target(
    client: &Client,
    encoding: &Encoding,
    infrastructure_id: &str,
    accounts: &Accounts,
) -> Result<TargetSpec, String> {
    let infrastructure =
        id_segment(infrastructure_id).map_err(|why| format!("its infrastructure id {why}"))?;
    let account: AwsAccount = client
        .get(&format!("{ACCOUNTS}/{infrastructure}"))
        .await
        .map_err(|e| e.to_string())?;
    // The region asked of the infrastructure, else the one Bitmovin chose.
    let cloud_region = [
        encoding
            .infrastructure
            .as_ref()
            .and_then(|i| i.cloud_region.as_deref()),
        encoding.selected_cloud_region.as_deref(),
        encoding.cloud_region.as_deref(),
    ]
    .into_iter()
    .flatten()
    .find_map(regions::from_cloud_region)
    .ok_or("the encoding names no AWS region (cloudRegion), so its region setting is unknown")?;
    let setting: AwsAccountRegionSettings = client
        .get(&format!(
            "{}/{}",
            region_settings_path(&account.id)?,
            regions::to_aws_cloud_region(&cloud_region)
        ))
        .await
        .map_err(|e| e.to_string())?;
    let mut spec = target(&account, setting, accounts, &mut HashSet::new())?;
    // The version the encoding really ran (or asked for).
    if let Some(version) = [
        encoding.selected_encoder_version.as_deref(),
        encoding.encoder_version.as_deref(),
    ]
    .into_iter()
    .flatten()
    .find_map(|v| v.parse().ok())
    {
        spec.setup.encoder_version = version;
    }
    Ok(spec)
}

/// The target of one region setting, or why there is none.
fn target(
    account: &AwsAccount,
    setting: AwsAccountRegionSettings,
    accounts: &Accounts,
    names: &mut HashSet<String>,
) -> Result<TargetSpec, String> {
    let number = account
        .account_number
        .as_deref()
        .ok_or("Bitmovin has no accountNumber for it")?;
    if !Format::AccountId.accepts(number) {
        return Err(format!(
            "its accountNumber \"{}\" is not {}",
            visible(number),
            Format::AccountId.expected()
        ));
    }
    let given = setting.region.as_deref().unwrap_or_default();
    let region = regions::from_aws_cloud_region(given).ok_or_else(|| {
        format!(
            "a region setting's region \"{}\" is not an AWS region",
            visible(given)
        )
    })?;
    let security_group_id = setting
        .security_group_id
        .clone()
        .ok_or_else(|| format!("the region setting for {region} has no securityGroupId"))?;
    let ssh_port = match setting.ssh_port {
        None => DEFAULT_SSH_PORT,
        Some(port) => u16::try_from(port).ok().filter(|&p| p > 0).ok_or_else(|| {
            format!("the region setting for {region} has sshPort {port}, not a port")
        })?,
    };
    // Two Cloud Connect accounts for one AWS account (or a list that
    // repeats itself): each target keeps a name of its own.
    let base = format!("{number}-{region}");
    let mut name = base.clone();
    let mut count = 1;
    while !names.insert(name.clone()) {
        count += 1;
        name = format!("{base}-{count}");
    }
    let setup = Setup {
        account_id: Some(number.to_string()),
        region,
        security_group_id: Some(security_group_id),
        security_group_name: None,
        subnet_id: setting.subnet_id.clone(),
        iam_user: None,
        ssh_port,
        encoder_version: Default::default(),
        // No limit, or none that sizes anything: the quota rules say unknown.
        max_encodings: setting
            .limit_parallel_encodings
            .and_then(|n| u32::try_from(n).ok())
            .filter(|&n| n > 0),
        instances_per_encoding: crate::snapshot::DEFAULT_INSTANCES_PER_ENCODING,
        live: Vec::new(),
        machine_types: setting.machine_types.clone().unwrap_or_default(),
        // No cap, or none that bounds anything.
        max_instances: setting
            .maximum_amount_of_coordinators_and_workers_in_region
            .and_then(|n| u32::try_from(n).ok())
            .filter(|&n| n > 0),
    };
    let mut spec = accounts.spec(number, name, setup);
    spec.from_bitmovin = Some(BitmovinEvidence {
        account: account.clone(),
        region_settings: setting,
    });
    Ok(spec)
}
