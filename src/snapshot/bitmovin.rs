//! What Bitmovin's API says of a target (`collect --from-bitmovin`): the
//! Cloud Connect account and the region settings, under the API's model
//! names and with its field names. Only the fields these structs read are
//! kept, so an account's `secretKey` and `customData` never enter a
//! snapshot; fields the API adds later are ignored.

use serde::{Deserialize, Serialize};

/// The target's evidence from Bitmovin.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct BitmovinEvidence {
    #[serde(rename = "AwsAccount")]
    pub account: AwsAccount,
    #[serde(rename = "AwsAccountRegionSettings")]
    pub region_settings: AwsAccountRegionSettings,
}

/// `AwsAccount`: a Cloud Connect AWS account (GET
/// /encoding/infrastructure/aws). Either the legacy `accessKey` (with a
/// secret key ccaudit never reads) or `roleName` with `externalId`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsAccount {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 12 digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_number: Option<String>,
    /// The access key id of the legacy key-based setup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_key: Option<String>,
    /// The role Bitmovin assumes, path included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<String>,
}

impl AwsAccount {
    /// The role Bitmovin assumes, for an account set up with a role
    /// instead of access keys.
    pub fn role(&self) -> Option<&str> {
        self.role_name.as_deref().filter(|role| !role.is_empty())
    }
}

/// `AwsAccountRegionSettings` (GET
/// /encoding/infrastructure/aws/{id}/regions): what the dashboard's region
/// settings hold.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsAccountRegionSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// An `AwsCloudRegion`: `EU_WEST_1` for eu-west-1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet_id: Option<String>,
    /// Empty means 22 (an int32 in the model: checked where it is used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_port: Option<i64>,
    /// Empty means no limit (an int64 in the model).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_parallel_encodings: Option<i64>,
    /// Legacy: the instance types Bitmovin may start (a string list in the
    /// models up to bitmovin-api-sdk-go v1.50; settings made then may
    /// still carry it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_types: Option<Vec<String>>,
    /// Legacy: the cap on coordinator and worker instances in the region
    /// (an int64 in the same models).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_amount_of_coordinators_and_workers_in_region: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_never_keeps_its_secret_key_or_custom_data() {
        let answer = r#"{"id": "a1", "accountNumber": "123456789012", "accessKey": "AKIAEXAMPLE",
            "secretKey": "wJalrXUtnFEMI/K7MDENG", "customData": {"x": 1}, "futureField": true}"#;
        let account: AwsAccount = serde_json::from_str(answer).expect("account");
        let stored = serde_json::to_string(&account).expect("json");
        assert!(
            !stored.contains("wJalr") && !stored.contains("customData"),
            "{stored}"
        );
        assert!(stored.contains("AKIAEXAMPLE"));
    }
}
