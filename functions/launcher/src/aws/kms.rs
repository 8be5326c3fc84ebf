//! Linked secrets encrypted with KMS under an encryption context bound to tenant and connection.

use async_trait::async_trait;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::Client;
use secrecy::{ExposeSecret, SecretString};

use super::{classify, AwsFailure};
use crate::domain::connection::encryption_context;
use crate::error::{LauncherError, Result};
use crate::ports::SecretCipher;

#[derive(Clone, Debug)]
pub struct KmsCipher {
    client: Client,
    key_id: String,
}

impl KmsCipher {
    pub fn new(client: Client, key_id: impl Into<String>) -> Self {
        Self { client, key_id: key_id.into() }
    }
}

#[async_trait]
impl SecretCipher for KmsCipher {
    async fn encrypt(&self, tenant: &str, connection: &str, secret: &SecretString) -> Result<Vec<u8>> {
        let mut request =
            self.client.encrypt().key_id(&self.key_id).plaintext(Blob::new(secret.expose_secret().as_bytes().to_vec()));
        for (key, value) in encryption_context(tenant, connection) {
            request = request.encryption_context(key, value);
        }
        let out = request.send().await.map_err(|e| {
            let failure = classify(&e);
            tracing::error!(failure = ?failure, "kms encrypt failed");
            LauncherError::SecretUnavailable(format!("encrypt: {failure:?}"))
        })?;
        out.ciphertext_blob
            .map(Blob::into_inner)
            .ok_or_else(|| LauncherError::SecretUnavailable("KMS returned no ciphertext".into()))
    }

    async fn decrypt(&self, tenant: &str, connection: &str, ciphertext: &[u8]) -> Result<SecretString> {
        let mut request = self.client.decrypt().key_id(&self.key_id).ciphertext_blob(Blob::new(ciphertext.to_vec()));
        for (key, value) in encryption_context(tenant, connection) {
            request = request.encryption_context(key, value);
        }
        let out = request.send().await.map_err(|e| {
            let failure = classify(&e);
            tracing::error!(failure = ?failure, "kms decrypt failed");
            match failure {
                AwsFailure::InvalidRequest(code) => LauncherError::SecretUnavailable(format!(
                    "the ciphertext does not belong to this tenant and connection ({code})"
                )),
                other => LauncherError::SecretUnavailable(format!("decrypt: {other:?}")),
            }
        })?;
        let plaintext = out
            .plaintext
            .map(Blob::into_inner)
            .ok_or_else(|| LauncherError::SecretUnavailable("KMS returned no plaintext".into()))?;
        String::from_utf8(plaintext)
            .map(SecretString::from)
            .map_err(|_| LauncherError::SecretUnavailable("the decrypted secret is not text".into()))
    }
}
