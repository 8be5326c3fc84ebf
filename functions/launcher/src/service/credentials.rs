//! Credentials for a linked account: a decrypted access key, or assumed-role credentials carrying
//! the acting user as SourceIdentity. Both are cached (service/caches.rs): a decrypted secret for
//! `SECRET_TTL`, a role session until shortly before it expires.

use std::time::{Duration, Instant, SystemTime};

use super::caches::generation;
use super::Launcher;
use crate::domain::connection::{sts_name, Connection, LiveCredentials, StoredCredentials};
use crate::error::{LauncherError, Result};
use crate::identity::Principal;
use crate::ports::RoleSession;

/// Assumed credentials are replaced this long before they expire, so a request never starts
/// with credentials that lapse mid-call.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(300);

/// RoleSessionName for a tenant: shows the customer which launcher tenant acted.
pub fn session_name(tenant: &str) -> String {
    sts_name(&format!("launcher-{tenant}"))
}

impl Launcher {
    /// Credentials to act on `connection` for `principal`.
    pub(super) async fn credentials(&self, principal: &Principal, connection: &Connection) -> Result<LiveCredentials> {
        match &connection.credentials {
            StoredCredentials::AccessKey { access_key_id, secret_ciphertext } => {
                // The generation covers the ciphertext: a re-link with another key misses.
                let key = (connection.tenant.clone(), connection.id.clone(), generation(connection));
                if let Some(cached) = self.caches.secrets.get(&key) {
                    return Ok(cached);
                }
                let secret = self.cipher.decrypt(&connection.tenant, &connection.id, secret_ciphertext).await?;
                let credentials = LiveCredentials::access_key(access_key_id, secret);
                self.caches.secrets.insert(key, credentials.clone());
                Ok(credentials)
            }
            StoredCredentials::Role { role_arn: Some(role_arn), external_id } => {
                let source_identity = sts_name(&principal.subject);
                let key =
                    (connection.tenant.clone(), connection.id.clone(), generation(connection), source_identity.clone());
                if let Some(cached) = self.caches.sessions.get(&key) {
                    return Ok(cached);
                }
                let session = self
                    .accounts
                    .assume_role(&RoleSession {
                        role_arn,
                        external_id,
                        session_name: &session_name(&connection.tenant),
                        source_identity: Some(&source_identity),
                    })
                    .await?;
                let left = session.expires_at.duration_since(SystemTime::now()).unwrap_or_default();
                if let Some(usable) = left.checked_sub(REFRESH_BEFORE_EXPIRY) {
                    self.caches.sessions.insert_until(key, session.credentials.clone(), Instant::now() + usable);
                }
                Ok(session.credentials)
            }
            StoredCredentials::Role { role_arn: None, .. } => Err(LauncherError::FunctionNotFound),
        }
    }
}
