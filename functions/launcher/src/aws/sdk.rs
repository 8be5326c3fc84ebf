//! The one way every process of the project configures the AWS SDK.
//!
//! The SDK crates are built without `default-https-client`, which would link aws-lc into every
//! function binary (about 1 MB): each `SdkConfig` gets the SDK's own hyper/rustls client here,
//! with rustls on the ring crypto provider. Clients built from the `SdkConfig` share it and its
//! connection pool; nothing is loaded or connected until the first request.

use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// HTTPS (and plain HTTP, for local endpoints) with the system's root certificates.
pub fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new().tls_provider(tls::Provider::Rustls(CryptoMode::Ring)).build_https()
}

/// `aws_config::defaults` with the launcher's HTTP client; region, credentials and endpoint
/// still come from the environment unless the caller sets them.
pub fn config_loader() -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest()).http_client(https_client())
}

/// The SDK configuration from the environment, as Lambda and the local tools run.
pub async fn load_from_env() -> SdkConfig {
    config_loader().load().await
}
