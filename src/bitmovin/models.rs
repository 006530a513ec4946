//! Bitmovin's API models, as far as ccaudit reads them. Field names are the
//! API's (camelCase); fields the API adds later are ignored. The account and
//! its region settings are snapshot evidence, so their shapes live with the
//! snapshot's (`snapshot::bitmovin`).

use serde::{Deserialize, Serialize};

pub use crate::snapshot::bitmovin::{AwsAccount, AwsAccountRegionSettings};

/// Every answer: `{"requestId", "status", "data": {"result": …}}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    #[serde(default)]
    pub request_id: Option<String>,
    pub data: ResultWrapper<T>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ResultWrapper<T> {
    pub result: T,
}

/// A page of a list (`offset`/`limit` query parameters; at most 100 a page).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    #[serde(default)]
    pub total_count: Option<u64>,
    #[serde(default = "Vec::new")]
    pub items: Vec<T>,
}

/// An error answer: `{"requestId", "status": "ERROR", "data": ResponseErrorData}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorEnvelope {
    #[serde(default)]
    pub request_id: Option<String>,
    pub data: ErrorData,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorData {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub developer_message: Option<String>,
}

/// `Encoding` (GET /encoding/encodings/{id}), the fields triage reads.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Encoding {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    /// `Status`: CREATED, QUEUED, RUNNING, FINISHED, ERROR, CANCELED,
    /// TRANSFER_ERROR.
    #[serde(default)]
    pub status: Option<String>,
    /// A `CloudRegion`: `AWS_EU_WEST_1`, `EXTERNAL`, `AUTO`, `GOOGLE_…`.
    #[serde(default)]
    pub cloud_region: Option<String>,
    #[serde(default)]
    pub selected_cloud_region: Option<String>,
    #[serde(default)]
    pub encoder_version: Option<String>,
    #[serde(default)]
    pub selected_encoder_version: Option<String>,
    /// Set when the encoding runs on a custom infrastructure (Cloud Connect).
    #[serde(default)]
    pub infrastructure: Option<InfrastructureSettings>,
    #[serde(default)]
    pub queued_at: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InfrastructureSettings {
    #[serde(default)]
    pub infrastructure_id: Option<String>,
    #[serde(default)]
    pub cloud_region: Option<String>,
}

/// `Task` (GET /encoding/encodings/{id}/status).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub messages: Vec<Message>,
    #[serde(default)]
    pub error: Option<ErrorDetails>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Message {
    /// `MessageType`: ERROR, WARNING, INFO, DEBUG, TRACE.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorDetails {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub retry_hint: Option<String>,
}
