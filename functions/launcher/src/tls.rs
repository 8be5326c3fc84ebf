//! The process-wide rustls crypto provider, for HTTP clients other than the SDK's (reqwest in
//! the bootstrap function, the local server and the tests), which are built without one so
//! that no binary links a second TLS crypto library beside ring.

/// Makes ring the process's default provider. Call before building a reqwest client; reqwest
/// panics without one. Idempotent: a provider already installed is kept.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}
