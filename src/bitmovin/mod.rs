//! Bitmovin's own view of Cloud Connect, read from its public REST API:
//! the AWS accounts connected to it, their region settings, and encodings
//! with their status. The models name their fields as Bitmovin's OpenAPI
//! models do (its open-source API SDKs); see docs/bitmovin.md.

#[cfg(feature = "collector")]
pub mod client;
pub mod models;
pub mod regions;
