//! The collector: the only code that talks to AWS. Read-only calls,
//! written as raw evidence into a snapshot; it interprets nothing. Targets
//! are collected concurrently (bounded), independent calls within a target
//! too, and one unreachable account never stops the others.

pub mod bitmovin;
pub mod credentials;
mod errors;
pub mod inventory;
pub mod operations;
pub mod organization;
mod shapes;
mod target;

use std::io::IsTerminal;
use std::time::{Instant, SystemTime};

use aws_smithy_types::DateTime;
use futures::StreamExt;
use serde_json::{Value, json};

pub use credentials::{CallLimits, CredentialSource};

use crate::rules::RuleSet;
use crate::snapshot::Setup;

/// One account/region to read, and how.
#[derive(Debug, Clone)]
pub struct TargetSpec {
    pub name: String,
    pub setup: Setup,
    /// The auditor's credentials.
    pub credentials: CredentialSource,
    /// The credentials entered in the Bitmovin dashboard, for the calls
    /// Bitmovin itself makes (GetCallerIdentity, DescribeSecurityGroups).
    pub bitmovin: Option<CredentialSource>,
    /// The auditor's credentials are the keys entered in the dashboard.
    pub auditor_is_bitmovin: bool,
    /// Credentials for reading the organization's service control policies
    /// (the management account or a delegated administrator).
    pub organizations: Option<CredentialSource>,
    /// What Bitmovin's API says of this target (`--from-bitmovin`), stored
    /// in the snapshot as evidence.
    pub from_bitmovin: Option<crate::snapshot::BitmovinEvidence>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Quiet,
    /// A line per target on stderr (when stderr is not a terminal).
    Lines,
    /// A progress bar on stderr.
    Bar,
}

impl Progress {
    /// A bar for a person at a terminal, plain lines for logs.
    pub fn for_stderr(quiet: bool) -> Progress {
        match (quiet, std::io::stderr().is_terminal()) {
            (true, _) => Progress::Quiet,
            (false, true) => Progress::Bar,
            (false, false) => Progress::Lines,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    pub concurrency: usize,
    /// Applies to every service; per-service `AWS_ENDPOINT_URL_*` variables
    /// apply when this is not set.
    pub endpoint_url: Option<String>,
    pub limits: CallLimits,
    pub progress: Progress,
}

/// How one target went.
#[derive(Debug, Clone)]
pub struct TargetStats {
    pub name: String,
    pub calls: usize,
    pub failed: usize,
    pub seconds: f64,
}

pub struct Collection {
    /// The snapshot, as JSON (the contract of docs/snapshot.md).
    pub snapshot: Value,
    pub stats: Vec<TargetStats>,
}

/// Collect every target into one snapshot, in the order given.
pub async fn collect_all(specs: &[TargetSpec], rules: &RuleSet, options: &Options) -> Collection {
    let quotas = target::quota_keys(rules);
    let group_pattern = rules.shared.patterns.get("security_group_id");
    let bar = (options.progress == Progress::Bar).then(|| {
        let bar = indicatif::ProgressBar::new(specs.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} collecting [{bar:30}] {pos}/{len} {wide_msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let total = specs.len();
    let done = std::sync::atomic::AtomicUsize::new(0);
    let results: Vec<(Value, TargetStats)> = futures::stream::iter(specs)
        .map(|spec| {
            let quotas = &quotas;
            let (bar, done) = (&bar, &done);
            async move {
                // Only an id is looked for elsewhere: a name is not unique.
                let search = spec
                    .setup
                    .security_group_id
                    .as_ref()
                    .is_some_and(|id| group_pattern.is_none_or(|p| p.0.is_match(id)));
                let (value, stats) = collect_one(spec, quotas, search, options).await;
                let finished = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                match (options.progress, bar) {
                    (Progress::Bar, Some(bar)) => {
                        bar.set_message(spec.name.clone());
                        bar.inc(1);
                    }
                    (Progress::Lines, _) => eprintln!(
                        "collected {} ({finished}/{total}): {} calls, {} failed, {:.1} s",
                        stats.name, stats.calls, stats.failed, stats.seconds
                    ),
                    _ => {}
                }
                (value, stats)
            }
        })
        .buffered(options.concurrency.max(1))
        .collect()
        .await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let (targets, stats): (Vec<Value>, Vec<TargetStats>) = results.into_iter().unzip();
    let now = DateTime::from(SystemTime::now());
    // RFC 3339 as aws-smithy-types writes it: microseconds without their
    // trailing zeros, when there are any.
    let fraction = match now.subsec_nanos() / 1000 {
        0 => String::new(),
        micros => format!(".{micros:06}").trim_end_matches('0').to_string(),
    };
    let now = format!("{}{fraction}Z", crate::date::date_time(&now));
    Collection {
        snapshot: json!({
            "schema": crate::snapshot::SCHEMA,
            "collected_at": now,
            "source": concat!("ccaudit ", env!("CARGO_PKG_VERSION")),
            "targets": targets,
        }),
        stats,
    }
}

async fn collect_one(
    spec: &TargetSpec,
    quotas: &[String],
    search_other_regions: bool,
    options: &Options,
) -> (Value, TargetStats) {
    let started = Instant::now();
    let region = &spec.setup.region;
    let endpoint = options.endpoint_url.as_deref();
    let auditor =
        credentials::sdk_config(region, &spec.credentials, endpoint, options.limits).await;
    let bitmovin = match &spec.bitmovin {
        Some(source) => {
            Some(credentials::sdk_config(region, source, endpoint, options.limits).await)
        }
        None => None,
    };
    let organizations = match &spec.organizations {
        Some(source) => {
            Some(credentials::sdk_config(region, source, endpoint, options.limits).await)
        }
        None => None,
    };
    let organizations_problem = match (&organizations, &spec.organizations) {
        (Some(config), Some(source)) => credentials::problem(config, source).await,
        _ => None,
    };
    let plan = target::Plan {
        setup: &spec.setup,
        quotas,
        search_other_regions,
        role: spec.from_bitmovin.as_ref().and_then(|b| b.account.role()),
    };
    let auditor_problem = credentials::problem(&auditor, &spec.credentials).await;
    let bitmovin_problem = match (&bitmovin, &spec.bitmovin) {
        (Some(config), Some(source)) => credentials::problem(config, source).await,
        _ => None,
    };
    let sessions = target::Sessions {
        auditor: &auditor,
        bitmovin: bitmovin.as_ref(),
        auditor_is_bitmovin: spec.auditor_is_bitmovin,
        organizations: organizations.as_ref(),
    };
    let mut collected = match (auditor_problem, bitmovin_problem) {
        (Some(problem), _) => target::Collected {
            aws: target::unavailable(&plan, &problem, false),
            calls: 0,
            failed: 0,
        },
        (None, Some(problem)) => {
            // Bitmovin's keys fail: record that for Bitmovin's calls, read
            // the rest with the auditor's credentials.
            let without_keys = target::Sessions {
                bitmovin: None,
                auditor_is_bitmovin: false,
                ..sessions
            };
            let mut collected = target::collect(&plan, without_keys).await;
            collected
                .aws
                .extend(target::unavailable(&plan, &problem, true));
            collected
        }
        (None, None) => target::collect(&plan, sessions).await,
    };
    if let Some(problem) = organizations_problem {
        // The organization could not be read: say so, as AWS would.
        collected.aws.insert(
            operations::DESCRIBE_ORGANIZATION.to_string(),
            errors::record("CredentialsError", &problem),
        );
        for key in [
            operations::LIST_ROOTS,
            operations::LIST_PARENTS,
            operations::LIST_POLICIES_FOR_TARGET,
            operations::DESCRIBE_POLICY,
        ] {
            collected.aws.remove(key);
        }
    }
    let mut value = json!({
        "name": spec.name,
        "setup": spec.setup,
        "aws": collected.aws,
    });
    if let (Some(evidence), Some(target)) = (&spec.from_bitmovin, value.as_object_mut()) {
        target.insert("bitmovin".to_string(), json!(evidence));
    }
    let stats = TargetStats {
        name: spec.name.clone(),
        calls: collected.calls,
        failed: collected.failed,
        seconds: started.elapsed().as_secs_f64(),
    };
    (value, stats)
}
