//! AWS configuration for one target: the standard credential chain
//! (environment, profiles, SSO, web identity, instance metadata), a named
//! profile, an assumed role with an optional external id, adaptive retry
//! and time limits. Endpoints follow the `AWS_ENDPOINT_URL*` variables
//! unless `--endpoint-url` is given (which then applies to every service).

use std::time::Duration;

use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_types::sdk_config::SharedCredentialsProvider;

/// How to get the credentials a target is read with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct CredentialSource {
    pub profile: Option<String>,
    pub role_arn: Option<String>,
    pub external_id: Option<String>,
}

/// Limits for every call.
#[derive(Debug, Clone, Copy)]
pub struct CallLimits {
    /// One attempt.
    pub attempt: Duration,
    /// All attempts of one call together.
    pub operation: Duration,
    pub max_attempts: u32,
}

impl Default for CallLimits {
    fn default() -> Self {
        CallLimits {
            attempt: Duration::from_secs(10),
            operation: Duration::from_secs(30),
            max_attempts: 3,
        }
    }
}

pub async fn sdk_config(
    region: &str,
    source: &CredentialSource,
    endpoint_url: Option<&str>,
    limits: CallLimits,
) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        // Adaptive: backs off when AWS throttles, across the whole run.
        .retry_config(
            RetryConfig::adaptive()
                .with_max_attempts(limits.max_attempts)
                .with_initial_backoff(Duration::from_millis(200)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(limits.attempt)
                .operation_timeout(limits.operation)
                .connect_timeout(Duration::from_secs(5))
                .build(),
        );
    if let Some(profile) = &source.profile {
        // A named profile wins over credentials in the environment, as in
        // the aws CLI: the default chain would look at the environment first.
        let from_profile = ProfileFileCredentialsProvider::builder()
            .profile_name(profile)
            .build();
        loader = loader
            .profile_name(profile)
            .credentials_provider(from_profile);
    }
    if let Some(url) = endpoint_url {
        // Set in code, this outranks the per-service environment variables,
        // so it is only used when the user asked for it.
        loader = loader.endpoint_url(url);
    }
    let base = loader.load().await;
    let Some(role_arn) = &source.role_arn else {
        return base;
    };
    let mut builder = AssumeRoleProvider::builder(role_arn.clone())
        .session_name("ccaudit")
        .configure(&base);
    if let Some(external_id) = &source.external_id {
        builder = builder.external_id(external_id.clone());
    }
    let provider = builder.build().await;
    base.to_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build()
}

/// Why no credentials can be had from `config`, if that is so. Checked once
/// per target, so a missing profile or a role that cannot be assumed is
/// named plainly instead of failing every call.
pub async fn problem(config: &SdkConfig, source: &CredentialSource) -> Option<String> {
    use aws_credential_types::provider::ProvideCredentials;
    let provider = config.credentials_provider()?;
    let error = provider.provide_credentials().await.err()?;
    let mut from = Vec::new();
    if let Some(profile) = &source.profile {
        from.push(format!("profile `{profile}`"));
    }
    if let Some(role) = &source.role_arn {
        from.push(format!("role {role}"));
    }
    let from = if from.is_empty() {
        "the default credential chain".to_string()
    } else {
        from.join(" via ")
    };
    if let Some(refused) = refused_role(&error) {
        return Some(format!("cannot load credentials from {from}: {refused}"));
    }
    // A credential_process helper's stderr is quoted in the error and may
    // hold anything: keep only what comes before it.
    let reason = aws_sdk_iam::error::DisplayErrorContext(&error).to_string();
    let reason = reason.split("Stderr:").next().unwrap_or("").trim_end();
    let reason: String = reason.chars().take(300).collect();
    Some(format!("cannot load credentials from {from}: {reason}"))
}

/// STS's own answer when it refused to let the role be assumed (say,
/// `AccessDenied: User … is not authorized to perform: sts:AssumeRole`), as
/// `collect` records any failed call, instead of the provider's nesting.
fn refused_role(error: &(dyn std::error::Error + 'static)) -> Option<String> {
    use aws_sdk_sts::operation::assume_role::AssumeRoleError;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::client::result::SdkError;
    let mut next = Some(error);
    while let Some(current) = next {
        if let Some(refused) = current.downcast_ref::<SdkError<AssumeRoleError, HttpResponse>>()
            && matches!(refused, SdkError::ServiceError(_))
        {
            let record = super::errors::from_sdk(refused);
            let code = record["Error"]["Code"].as_str().unwrap_or_default();
            let message = record["Error"]["Message"].as_str().unwrap_or_default();
            let text: String = format!("sts:AssumeRole refused ({code}): {message}")
                .chars()
                .take(300)
                .collect();
            return Some(text);
        }
        next = current.source();
    }
    None
}
