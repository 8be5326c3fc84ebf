//! The linked account, reached with the linked credentials: STS to identify it or assume its
//! role, Lambda to list, describe and invoke.
//!
//! Clients share the process-wide `SdkConfig` (HTTP client, connection pool, endpoint) and differ
//! only in credentials and region. Invocations use a client with retries disabled and a
//! deadline: a retried Invoke after a timeout or 5xx could run the function twice. Lambda clients
//! are kept per (credentials, region, kind), bounded, so a warm request builds none.

use std::time::{Duration, Instant, SystemTime};

use async_trait::async_trait;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_sdk_lambda::operation::RequestId;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{FunctionConfiguration, InvocationType, LogType};
use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;
use base64::Engine;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::OnceCell;

use super::{classify, AwsFailure};
use crate::cache::TtlCache;
use crate::config::LOG_TAIL_LIMIT;
use crate::domain::connection::LiveCredentials;
use crate::domain::function::{InvokeMode, InvokeOutcome};
use crate::error::{LauncherError, Result};
use crate::ports::{AssumedCredentials, LambdaAccounts, RemoteFunction, RoleSession};

/// How long an Invoke may take before the launcher answers `invoke_outcome_unknown`: inside the
/// invoke function's 29 s timeout and API Gateway's 30 s, so the caller always gets an answer.
pub const INVOKE_DEADLINE: Duration = Duration::from_secs(27);
/// Assumed-role sessions last an hour (the role's default maximum).
const ROLE_SESSION: Duration = Duration::from_secs(3600);

/// Lambda clients kept at most this long and this many: a client holds credentials.
const CLIENT_TTL: Duration = Duration::from_secs(15 * 60);
const MAX_CLIENTS: usize = 256;

/// (access key id, region, for invoke).
type ClientKey = (String, String, bool);

/// A built client and the secrets it signs with, compared on every hit.
#[derive(Clone)]
struct CachedClient {
    secret_access_key: SecretString,
    session_token: Option<SecretString>,
    client: aws_sdk_lambda::Client,
}

struct ClientCache(TtlCache<ClientKey, CachedClient>);

impl std::fmt::Debug for ClientCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ClientCache({} clients)", self.0.len())
    }
}

#[derive(Debug)]
pub struct AwsLambdaAccounts {
    sdk: SdkConfig,
    interceptors: Vec<SharedInterceptor>,
    invoke_deadline: Duration,
    /// The launcher's own STS client, built once.
    own_sts: aws_sdk_sts::Client,
    own_account: OnceCell<String>,
    clients: ClientCache,
}

impl AwsLambdaAccounts {
    pub fn new(sdk: SdkConfig) -> Self {
        let own_sts = aws_sdk_sts::Client::new(&sdk);
        Self {
            sdk,
            interceptors: Vec::new(),
            invoke_deadline: INVOKE_DEADLINE,
            own_sts,
            own_account: OnceCell::new(),
            clients: ClientCache(TtlCache::new(MAX_CLIENTS, CLIENT_TTL)),
        }
    }

    /// The launcher's account id when configuration knows it (saves an STS call).
    pub fn with_launcher_account(self, account_id: Option<String>) -> Self {
        Self { own_account: OnceCell::new_with(account_id), ..self }
    }

    /// Adds an SDK interceptor to every client this builds (request-level tests, call counting).
    pub fn with_interceptor(mut self, interceptor: SharedInterceptor) -> Self {
        self.interceptors.push(interceptor);
        let mut sts = aws_sdk_sts::config::Builder::from(&self.sdk);
        for interceptor in &self.interceptors {
            sts.push_interceptor(interceptor.clone());
        }
        self.own_sts = aws_sdk_sts::Client::from_conf(sts.build());
        self.clients = ClientCache(TtlCache::new(MAX_CLIENTS, CLIENT_TTL));
        self
    }

    pub fn with_invoke_deadline(self, invoke_deadline: Duration) -> Self {
        Self { invoke_deadline, clients: ClientCache(TtlCache::new(MAX_CLIENTS, CLIENT_TTL)), ..self }
    }

    fn credentials(credentials: &LiveCredentials) -> Credentials {
        Credentials::new(
            credentials.access_key_id.clone(),
            credentials.secret_access_key.expose_secret().to_owned(),
            credentials.session_token.as_ref().map(|t| t.expose_secret().to_owned()),
            None,
            "lambda-launcher-linked",
        )
    }

    /// A Lambda client for these credentials in `region`: the cached one, or a new one.
    fn lambda(&self, credentials: &LiveCredentials, region: &str, for_invoke: bool) -> aws_sdk_lambda::Client {
        let key = (credentials.access_key_id.clone(), region.to_owned(), for_invoke);
        if let Some(cached) = self.clients.0.get(&key) {
            let same_token = match (&cached.session_token, &credentials.session_token) {
                (None, None) => true,
                (Some(a), Some(b)) => a.expose_secret() == b.expose_secret(),
                _ => false,
            };
            if same_token && cached.secret_access_key.expose_secret() == credentials.secret_access_key.expose_secret() {
                return cached.client;
            }
        }
        let client = self.build_lambda(credentials, region, for_invoke);
        self.clients.0.insert(
            key,
            CachedClient {
                secret_access_key: credentials.secret_access_key.clone(),
                session_token: credentials.session_token.clone(),
                client: client.clone(),
            },
        );
        client
    }

    fn build_lambda(&self, credentials: &LiveCredentials, region: &str, for_invoke: bool) -> aws_sdk_lambda::Client {
        let mut builder = aws_sdk_lambda::config::Builder::from(&self.sdk)
            .credentials_provider(Self::credentials(credentials))
            .region(aws_sdk_lambda::config::Region::new(region.to_owned()));
        if for_invoke {
            builder = builder
                .retry_config(RetryConfig::disabled())
                .timeout_config(TimeoutConfig::builder().operation_timeout(self.invoke_deadline).build());
        }
        for interceptor in &self.interceptors {
            builder.push_interceptor(interceptor.clone());
        }
        aws_sdk_lambda::Client::from_conf(builder.build())
    }

    fn linked_sts(&self, credentials: &LiveCredentials) -> aws_sdk_sts::Client {
        let mut builder =
            aws_sdk_sts::config::Builder::from(&self.sdk).credentials_provider(Self::credentials(credentials));
        for interceptor in &self.interceptors {
            builder.push_interceptor(interceptor.clone());
        }
        aws_sdk_sts::Client::from_conf(builder.build())
    }
}

/// Maps a failed read (list, describe) on the linked account to the launcher's stable errors.
fn linked_error(operation: &str, failure: AwsFailure) -> LauncherError {
    tracing::warn!(operation, failure = ?failure, "call on linked account failed");
    match failure {
        AwsFailure::NotFound(_) => LauncherError::FunctionNotFound,
        AwsFailure::Throttled(code) => LauncherError::Throttled(code),
        AwsFailure::AccessDenied(code) => LauncherError::ConnectionAccessDenied(format!("{operation}: {code}")),
        AwsFailure::BadCredentials(code) => LauncherError::ConnectionCredentialsInvalid(format!("{operation}: {code}")),
        AwsFailure::TooLarge(code) => {
            LauncherError::PayloadTooLarge(format!("AWS Lambda refused the payload as too large ({code})"))
        }
        AwsFailure::Conflict(code) => LauncherError::FunctionNotReady(code),
        AwsFailure::InvalidRequest(code) | AwsFailure::ConditionFailed(code) => {
            LauncherError::LambdaRejected(format!("{operation}: {code}"))
        }
        AwsFailure::Unavailable(code) => {
            LauncherError::LambdaUnavailable(format!("AWS Lambda failed ({operation}: {code})"))
        }
    }
}

/// An Invoke failure. Only answers that prove Lambda did not run the function keep their own
/// code; anything that may have run (5xx, timeout, lost response) is `invoke_outcome_unknown`.
fn invoke_error(failure: AwsFailure) -> LauncherError {
    match failure {
        AwsFailure::Unavailable(code) => {
            tracing::warn!(failure = %code, "invoke outcome unknown");
            LauncherError::InvokeOutcomeUnknown(code)
        }
        AwsFailure::InvalidRequest(code) if code.starts_with("InvalidRequestContentException") => {
            LauncherError::InvalidPayload(format!("AWS Lambda refused the payload ({code})"))
        }
        other => linked_error("Invoke", other),
    }
}

fn remote_function(config: &FunctionConfiguration) -> RemoteFunction {
    RemoteFunction {
        name: config.function_name().unwrap_or_default().to_owned(),
        arn: config.function_arn().unwrap_or_default().to_owned(),
        description: config.description().unwrap_or_default().to_owned(),
        runtime: config.runtime().map(|r| r.as_str().to_owned()),
        memory_mb: config.memory_size(),
        timeout_seconds: config.timeout(),
        last_modified: config.last_modified().map(str::to_owned),
        handler: config.handler().map(str::to_owned),
        version: config.version().map(str::to_owned),
        state: config.state().map(|s| s.as_str().to_owned()),
        architectures: config.architectures().iter().map(|a| a.as_str().to_owned()).collect(),
        package_type: config.package_type().map(|p| p.as_str().to_owned()),
        tags: Default::default(),
    }
}

/// Decodes Lambda's base64 log tail. Invalid UTF-8 (a multi-byte character cut at the 4 KB
/// boundary) is replaced rather than refused.
fn decode_log_tail(encoded: Option<&str>) -> Option<String> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(encoded?).ok()?;
    let start = bytes.len().saturating_sub(LOG_TAIL_LIMIT);
    Some(String::from_utf8_lossy(&bytes[start..]).into_owned())
}

#[async_trait]
impl LambdaAccounts for AwsLambdaAccounts {
    async fn account_id(&self, credentials: &LiveCredentials) -> Result<String> {
        let out = self.linked_sts(credentials).get_caller_identity().send().await.map_err(|e| match classify(&e) {
            AwsFailure::Unavailable(code) => LauncherError::LambdaUnavailable(format!("AWS STS failed ({code})")),
            AwsFailure::Throttled(code) => LauncherError::Throttled(code),
            other => LauncherError::LinkValidationFailed(format!("AWS STS rejected the credentials ({other:?})")),
        })?;
        out.account.ok_or_else(|| LauncherError::LinkValidationFailed("AWS STS returned no account id".into()))
    }

    async fn launcher_account_id(&self) -> Result<String> {
        self.own_account
            .get_or_try_init(|| async {
                let out = self.own_sts.get_caller_identity().send().await.map_err(|e| {
                    LauncherError::Internal(format!("the launcher cannot identify its own account: {:?}", classify(&e)))
                })?;
                out.account.ok_or_else(|| LauncherError::Internal("AWS STS returned no account id".into()))
            })
            .await
            .cloned()
    }

    async fn assume_role(&self, role: &RoleSession<'_>) -> Result<AssumedCredentials> {
        let out = self
            .own_sts
            .assume_role()
            .role_arn(role.role_arn)
            .external_id(role.external_id)
            .role_session_name(role.session_name)
            .set_source_identity(role.source_identity.map(str::to_owned))
            .duration_seconds(ROLE_SESSION.as_secs() as i32)
            .send()
            .await
            .map_err(|e| match classify(&e) {
                AwsFailure::Unavailable(code) => LauncherError::LambdaUnavailable(format!("AWS STS failed ({code})")),
                AwsFailure::Throttled(code) => LauncherError::Throttled(code),
                other => {
                    tracing::warn!(role = role.role_arn, failure = ?other, "assume role refused");
                    LauncherError::RoleAssumeDenied(format!("{other:?}"))
                }
            })?;
        let c = out.credentials.ok_or_else(|| LauncherError::RoleAssumeDenied("STS returned no credentials".into()))?;
        let expires_at = SystemTime::try_from(c.expiration).unwrap_or_else(|_| SystemTime::now() + ROLE_SESSION);
        Ok(AssumedCredentials {
            credentials: LiveCredentials {
                access_key_id: c.access_key_id,
                secret_access_key: SecretString::from(c.secret_access_key),
                session_token: Some(SecretString::from(c.session_token)),
            },
            expires_at,
        })
    }

    async fn probe_region(&self, credentials: &LiveCredentials, region: &str) -> Result<()> {
        let lambda = self.lambda(credentials, region, false);
        lambda.list_functions().max_items(1).send().await.map_err(|e| match classify(&e) {
            AwsFailure::Throttled(code) => LauncherError::Throttled(code),
            AwsFailure::Unavailable(code) => LauncherError::LinkValidationFailed(format!(
                "AWS Lambda in {region} could not be reached ({code}); is {region} an enabled region?"
            )),
            other => LauncherError::LinkValidationFailed(format!(
                "the credentials may not list functions in {region} ({other:?}); attach policies/launcher-access-policy.json"
            )),
        })?;
        Ok(())
    }

    async fn list_functions(&self, credentials: &LiveCredentials, region: &str) -> Result<Vec<RemoteFunction>> {
        let lambda = self.lambda(credentials, region, false);
        let mut pages = lambda.list_functions().into_paginator().items().send();
        let mut functions = Vec::new();
        while let Some(config) = pages.next().await {
            let config = config.map_err(|e| linked_error("ListFunctions", classify(&e)))?;
            functions.push(remote_function(&config));
        }
        Ok(functions)
    }

    async fn list_tags(
        &self,
        credentials: &LiveCredentials,
        region: &str,
        arn: &str,
    ) -> Result<crate::domain::rules::Tags> {
        let lambda = self.lambda(credentials, region, false);
        let out = lambda.list_tags().resource(arn).send().await.map_err(|e| linked_error("ListTags", classify(&e)))?;
        Ok(out.tags.unwrap_or_default().into_iter().collect())
    }

    async fn get_function(
        &self,
        credentials: &LiveCredentials,
        region: &str,
        name: &str,
        qualifier: Option<&str>,
    ) -> Result<Option<RemoteFunction>> {
        let lambda = self.lambda(credentials, region, false);
        let request = lambda.get_function().function_name(name).set_qualifier(qualifier.map(str::to_owned));
        let out = match request.send().await {
            Ok(out) => out,
            Err(e) => {
                return match classify(&e) {
                    AwsFailure::NotFound(_) => Ok(None),
                    other => Err(linked_error("GetFunction", other)),
                }
            }
        };
        let Some(config) = out.configuration() else {
            return Ok(None);
        };
        let mut function = remote_function(config);
        function.tags = out.tags().cloned().unwrap_or_default().into_iter().collect();
        Ok(Some(function))
    }

    async fn invoke(
        &self,
        credentials: &LiveCredentials,
        region: &str,
        name: &str,
        qualifier: Option<&str>,
        mode: InvokeMode,
        payload: Vec<u8>,
    ) -> Result<InvokeOutcome> {
        let lambda = self.lambda(credentials, region, true);
        let invocation_type = match mode {
            InvokeMode::Sync => InvocationType::RequestResponse,
            InvokeMode::Async => InvocationType::Event,
            InvokeMode::DryRun => InvocationType::DryRun,
        };
        let mut request = lambda
            .invoke()
            .function_name(name)
            .set_qualifier(qualifier.map(str::to_owned))
            .invocation_type(invocation_type)
            .payload(Blob::new(payload));
        if mode == InvokeMode::Sync {
            request = request.log_type(LogType::Tail);
        }
        let started = Instant::now();
        let out = request.send().await.map_err(|e| invoke_error(classify(&e)))?;
        let duration_ms = started.elapsed().as_millis() as u64;
        Ok(InvokeOutcome {
            mode,
            status_code: out.status_code(),
            function_error: out.function_error().map(str::to_owned),
            executed_version: out.executed_version().map(str::to_owned),
            log_tail: decode_log_tail(out.log_result()),
            request_id: out.request_id().map(str::to_owned),
            payload: out.payload().map(|p| p.as_ref().to_vec()).unwrap_or_default(),
            payload_kept: true,
            duration_ms,
            replayed: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_tail_is_decoded_and_bounded() {
        let text = "START RequestId: 1\nhello\nEND\n";
        let encoded = base64::engine::general_purpose::STANDARD.encode(text);
        assert_eq!(decode_log_tail(Some(&encoded)).as_deref(), Some(text));
        assert_eq!(decode_log_tail(None), None);
        assert_eq!(decode_log_tail(Some("not base64!")), None);
        let long = "x".repeat(LOG_TAIL_LIMIT + 100);
        let encoded = base64::engine::general_purpose::STANDARD.encode(&long);
        assert_eq!(decode_log_tail(Some(&encoded)).unwrap().len(), LOG_TAIL_LIMIT);
    }
}
