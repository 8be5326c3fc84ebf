//! The one way every process of the project configures the AWS SDK.
//!
//! The SDK crates are built without `default-https-client`, which would link aws-lc into every
//! function binary (about 1 MB): each `SdkConfig` gets the SDK's own hyper/rustls client here,
//! with rustls on the ring crypto provider. Clients built from the `SdkConfig` share it and its
//! connection pool; nothing is loaded or connected until the first request.

use aws_config::{BehaviorVersion, ConfigLoader, SdkConfig};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// HTTPS (and plain HTTP, for local endpoints) trusting the system's root certificates.
pub fn https_client() -> SharedHttpClient {
    build(TrustStore::default())
}

/// The same client trusting only the given PEM root certificates (the TLS tests' own CA).
pub fn https_client_trusting(pem_roots: &[u8]) -> SharedHttpClient {
    build(TrustStore::empty().with_native_roots(false).with_pem_certificate(pem_roots.to_vec()))
}

fn build(trust_store: TrustStore) -> SharedHttpClient {
    let context = TlsContext::builder()
        .with_trust_store(trust_store)
        .build()
        .expect("a TLS context without extra server names always builds");
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .tls_context(context)
        .build_https()
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
