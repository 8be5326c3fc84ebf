//! Everything built once at start-up and shared by every request.

use std::sync::Arc;

use aws_config::SdkConfig;
use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;

use crate::aws::audit::DynamoAudit;
use crate::aws::dynamo::DynamoStore;
use crate::aws::kms::KmsCipher;
use crate::aws::lambda::AwsLambdaAccounts;
use crate::config::{AuthMode, Config, JwtKeySource};
use crate::error::{LauncherError, Result};
use crate::identity::jwt::JwtVerifier;
use crate::service::{Launcher, Stores};

pub enum Authenticator {
    /// Trust the claims API Gateway's JWT authorizer put in the request context.
    ApiGatewayAuthorizer,
    /// Verify the bearer token in-process (local server).
    Jwt(Box<JwtVerifier>),
}

pub struct AppState {
    pub config: Config,
    pub launcher: Launcher,
    pub authenticator: Authenticator,
}

impl AppState {
    /// Builds the state from the environment: configuration, then the AWS clients, once.
    pub async fn from_env() -> Result<Arc<Self>> {
        let config = Config::from_env()?;
        let sdk = crate::aws::sdk::load_from_env().await;
        Self::new(config, &sdk, None)
    }

    /// `jwks_document` is the JWKS when the caller fetched it (the local server fetches URLs, so
    /// Lambda binaries carry no HTTP client for it); otherwise a configured JWKS is read as a file.
    pub fn new(config: Config, sdk: &SdkConfig, jwks_document: Option<&str>) -> Result<Arc<Self>> {
        Self::with_interceptors(config, sdk, jwks_document, &[])
    }

    /// As `new`, with SDK interceptors on every client the launcher builds: its own DynamoDB,
    /// KMS and STS clients and each linked account's Lambda and STS clients (tests and the
    /// benchmark count AWS calls with `aws::calls::CallCounter`).
    pub fn with_interceptors(
        config: Config,
        sdk: &SdkConfig,
        jwks_document: Option<&str>,
        interceptors: &[SharedInterceptor],
    ) -> Result<Arc<Self>> {
        let authenticator = match &config.auth {
            AuthMode::Authorizer => Authenticator::ApiGatewayAuthorizer,
            AuthMode::Jwt(jwt) => Authenticator::Jwt(Box::new(match &jwt.key {
                JwtKeySource::Hs256(secret) => JwtVerifier::hs256(secret, &jwt.issuer, &jwt.audience)?,
                JwtKeySource::Jwks(location) => {
                    let document = match jwks_document {
                        Some(document) => document.to_owned(),
                        None => std::fs::read_to_string(location).map_err(|e| {
                            LauncherError::Internal(format!("configuration: cannot read JWKS file {location}: {e}"))
                        })?,
                    };
                    JwtVerifier::rs256_from_jwks(&document, &jwt.issuer, &jwt.audience)?
                }
            })),
        };
        let dynamodb = {
            let mut builder = aws_sdk_dynamodb::config::Builder::from(sdk);
            for interceptor in interceptors {
                builder.push_interceptor(interceptor.clone());
            }
            aws_sdk_dynamodb::Client::from_conf(builder.build())
        };
        let kms = {
            let mut builder = aws_sdk_kms::config::Builder::from(sdk);
            for interceptor in interceptors {
                builder.push_interceptor(interceptor.clone());
            }
            aws_sdk_kms::Client::from_conf(builder.build())
        };
        let mut accounts = AwsLambdaAccounts::new(sdk.clone()).with_launcher_account(config.account_id.clone());
        for interceptor in interceptors {
            accounts = accounts.with_interceptor(interceptor.clone());
        }
        let store = Arc::new(DynamoStore::new(dynamodb.clone(), &config.table));
        let stores = Stores {
            connections: store.clone(),
            rules: store.clone(),
            presets: store.clone(),
            schemas: store.clone(),
            idempotency: store,
            audit: Arc::new(DynamoAudit::new(dynamodb, &config.table, config.audit_retention_days)),
        };
        let launcher = Launcher::new(
            stores,
            Arc::new(KmsCipher::new(kms, &config.kms_key_id)),
            Arc::new(accounts),
            config.admin_group.clone(),
        );
        Ok(Arc::new(Self { config, launcher, authenticator }))
    }
}
