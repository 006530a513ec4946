//! ccaudit: audits AWS accounts set up for Bitmovin Cloud Connect against
//! Bitmovin's guide. See docs/architecture.md for the pipeline: snapshot → rules →
//! report → rendering.

pub mod audit;
pub mod aws_format;
pub mod bitmovin;
pub mod checks;
#[cfg(feature = "collector")]
pub mod collect;
pub mod date;
pub mod drift;
pub mod engine;
pub mod error;
pub mod findings;
pub mod fix;
pub mod iam;
pub mod merge;
pub mod net;
pub mod output;
pub mod pipeline;
pub mod plan;
pub mod quotas;
pub mod report;
pub mod rule_docs;
pub mod rules;
pub mod shard;
pub mod snapshot;
pub mod suppress;
pub mod template;
pub mod triage;
pub mod version;
