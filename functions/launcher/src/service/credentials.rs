//! Credentials for a linked account: a decrypted access key, or assumed-role credentials carrying
//! the acting user as SourceIdentity, cached until shortly before they expire.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use super::Launcher;
use crate::domain::connection::{sts_name, Connection, LiveCredentials, StoredCredentials};
use crate::error::{LauncherError, Result};
use crate::identity::Principal;
use crate::ports::{AssumedCredentials, RoleSession};

/// Assumed credentials are replaced this long before they expire, so a request never starts
/// with credentials that lapse mid-call.
const REFRESH_BEFORE_EXPIRY: Duration = Duration::from_secs(300);
/// Bounds the cache: one tenant with many users cannot grow it without limit.
const MAX_CACHED_SESSIONS: usize = 4096;

/// (tenant, connection, connection version, source identity). The version makes a re-link or an
/// unlink-and-relink under the same id start from fresh credentials.
type SessionKey = (String, String, u64, String);

#[derive(Default)]
pub struct RoleCredentialCache {
    sessions: Mutex<HashMap<SessionKey, AssumedCredentials>>,
}

impl RoleCredentialCache {
    fn get(&self, key: &SessionKey) -> Option<LiveCredentials> {
        let sessions = self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let session = sessions.get(key)?;
        let fresh = session.expires_at.duration_since(SystemTime::now()).is_ok_and(|left| left > REFRESH_BEFORE_EXPIRY);
        fresh.then(|| session.credentials.clone())
    }

    fn put(&self, key: SessionKey, session: AssumedCredentials) {
        let mut sessions = self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if sessions.len() >= MAX_CACHED_SESSIONS {
            let now = SystemTime::now();
            sessions.retain(|_, s| s.expires_at > now + REFRESH_BEFORE_EXPIRY);
            if sessions.len() >= MAX_CACHED_SESSIONS {
                sessions.clear();
            }
        }
        sessions.insert(key, session);
    }
}

/// RoleSessionName for a tenant: shows the customer which launcher tenant acted.
pub fn session_name(tenant: &str) -> String {
    sts_name(&format!("launcher-{tenant}"))
}

impl Launcher {
    /// Credentials to act on `connection` for `principal`.
    pub(super) async fn credentials(&self, principal: &Principal, connection: &Connection) -> Result<LiveCredentials> {
        match &connection.credentials {
            StoredCredentials::AccessKey { access_key_id, secret_ciphertext } => {
                let secret = self.cipher.decrypt(&connection.tenant, &connection.id, secret_ciphertext).await?;
                Ok(LiveCredentials::access_key(access_key_id, secret))
            }
            StoredCredentials::Role { role_arn: Some(role_arn), external_id } => {
                let source_identity = sts_name(&principal.subject);
                let key =
                    (connection.tenant.clone(), connection.id.clone(), connection.version, source_identity.clone());
                if let Some(cached) = self.role_credentials.get(&key) {
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
                let credentials = session.credentials.clone();
                self.role_credentials.put(key, session);
                Ok(credentials)
            }
            StoredCredentials::Role { role_arn: None, .. } => Err(LauncherError::FunctionNotFound),
        }
    }
}
