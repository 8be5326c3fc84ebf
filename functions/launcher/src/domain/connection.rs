//! A linked AWS account: which account, which regions, and how the launcher authenticates to it.

use secrecy::SecretString;
use serde::Serialize;

/// A connection as stored. The secret is held only as KMS ciphertext.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    pub tenant: String,
    pub id: String,
    pub name: String,
    pub account_id: String,
    pub regions: Vec<String>,
    pub credentials: StoredCredentials,
    pub created_at: String,
    pub created_by: String,
    pub version: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StoredCredentials {
    AccessKey {
        access_key_id: String,
        secret_ciphertext: Vec<u8>,
    },
}

/// Credentials ready to sign requests. `SecretString` redacts itself in `Debug` and zeroizes on drop.
#[derive(Debug, Clone)]
pub struct LiveCredentials {
    pub access_key_id: String,
    pub secret_access_key: SecretString,
}

/// What `GET /connections` shows: never a secret, nor its ciphertext.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConnectionView {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub account_id: String,
    pub regions: Vec<String>,
    pub access_key_id: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub version: u64,
}

impl From<&Connection> for ConnectionView {
    fn from(c: &Connection) -> Self {
        let (kind, access_key_id) = match &c.credentials {
            StoredCredentials::AccessKey { access_key_id, .. } => {
                ("access_key", Some(access_key_id.clone()))
            }
        };
        Self {
            id: c.id.clone(),
            name: c.name.clone(),
            kind,
            account_id: c.account_id.clone(),
            regions: c.regions.clone(),
            access_key_id,
            created_at: c.created_at.clone(),
            created_by: c.created_by.clone(),
            version: c.version,
        }
    }
}

/// The KMS encryption context of a connection's secret. Binding tenant and connection id means a
/// ciphertext copied into another tenant's or connection's row cannot be decrypted there.
pub fn encryption_context(tenant: &str, connection_id: &str) -> [(&'static str, String); 3] {
    [
        ("tenant", tenant.to_owned()),
        ("connection", connection_id.to_owned()),
        ("purpose", "access-key".to_owned()),
    ]
}
