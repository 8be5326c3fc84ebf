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
    /// SHA-256 of the unlink token handed to a bootstrap stack, if it linked this connection.
    pub unlink_token_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StoredCredentials {
    AccessKey {
        access_key_id: String,
        secret_ciphertext: Vec<u8>,
    },
    /// A cross-account role. `role_arn` is `None` while the connection is pending: the launcher
    /// generated the External ID, the customer has not linked their role yet.
    Role {
        role_arn: Option<String>,
        external_id: String,
    },
}

impl Connection {
    /// A pending role connection has no account behind it yet: nothing to list or invoke.
    pub fn is_active(&self) -> bool {
        match &self.credentials {
            StoredCredentials::AccessKey { .. } => true,
            StoredCredentials::Role { role_arn, .. } => role_arn.is_some(),
        }
    }
}

/// Credentials ready to sign requests. `SecretString` redacts itself in `Debug` and zeroizes on drop.
#[derive(Debug, Clone)]
pub struct LiveCredentials {
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    /// Present for temporary (assumed-role) credentials.
    pub session_token: Option<SecretString>,
}

impl LiveCredentials {
    pub fn access_key(access_key_id: impl Into<String>, secret_access_key: SecretString) -> Self {
        Self { access_key_id: access_key_id.into(), secret_access_key, session_token: None }
    }
}

/// What `GET /connections` shows: never a secret, nor its ciphertext.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ConnectionView {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    /// `active`, or `pending` for a role connection whose role is not linked yet.
    pub state: &'static str,
    pub account_id: String,
    pub regions: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// Not a secret (AWS: it guards against confused deputies, not against disclosure); the
    /// customer needs it to create the role.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub version: u64,
}

impl From<&Connection> for ConnectionView {
    fn from(c: &Connection) -> Self {
        let (kind, access_key_id, role_arn, external_id) = match &c.credentials {
            StoredCredentials::AccessKey { access_key_id, .. } => {
                ("access_key", Some(access_key_id.clone()), None, None)
            }
            StoredCredentials::Role { role_arn, external_id } => {
                ("role", None, role_arn.clone(), Some(external_id.clone()))
            }
        };
        Self {
            id: c.id.clone(),
            name: c.name.clone(),
            kind,
            state: if c.is_active() { "active" } else { "pending" },
            account_id: c.account_id.clone(),
            regions: c.regions.clone(),
            access_key_id,
            role_arn,
            external_id,
            created_at: c.created_at.clone(),
            created_by: c.created_by.clone(),
            version: c.version,
        }
    }
}

/// The KMS encryption context of a connection's secret. Binding tenant and connection id means a
/// ciphertext copied into another tenant's or connection's row cannot be decrypted there.
pub fn encryption_context(tenant: &str, connection_id: &str) -> [(&'static str, String); 3] {
    [("tenant", tenant.to_owned()), ("connection", connection_id.to_owned()), ("purpose", "access-key".to_owned())]
}

/// A new External ID: 192 random bits as hex, from the OS generator. Never derived from a secret,
/// never chosen by the tenant, unique per connection.
pub fn new_external_id() -> String {
    format!("ll-{}", crate::random::hex::<24>())
}

/// What STS accepts as a SourceIdentity or RoleSessionName: 2-64 of `[A-Za-z0-9_+=,.@-]`.
/// Other characters become `-`; short values are padded so the name stays valid.
pub fn sts_name(value: &str) -> String {
    let mut name: String = value
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "_+=,.@-".contains(c) { c } else { '-' })
        .take(64)
        .collect();
    while name.len() < 2 {
        name.push('-');
    }
    name
}

/// Checks an IAM role ARN and returns its account id.
pub fn role_account(role_arn: &str) -> Option<&str> {
    let rest = role_arn.strip_prefix("arn:")?;
    let (partition, rest) = rest.split_once(':')?;
    let rest = rest.strip_prefix("iam::")?;
    let (account, resource) = rest.split_once(':')?;
    let role_path = resource.strip_prefix("role/")?;
    let ok = partition.starts_with("aws")
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && (1..=512).contains(&role_path.len())
        && role_path.chars().all(|c| c.is_ascii_alphanumeric() || "_+=,.@-/".contains(c));
    ok.then_some(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn external_ids_are_fresh_and_long() {
        let a = new_external_id();
        let b = new_external_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 3 + 48);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }

    #[test]
    fn sts_names_are_sanitized() {
        assert_eq!(sts_name("alice@acme.com"), "alice@acme.com");
        assert_eq!(sts_name("auth0|1234 5"), "auth0-1234-5");
        assert_eq!(sts_name("x"), "x-");
        assert_eq!(sts_name(""), "--");
        assert_eq!(sts_name(&"é".repeat(100)).len(), 64);
    }

    #[test]
    fn role_arns() {
        assert_eq!(role_account("arn:aws:iam::123456789012:role/lambda-launcher-access"), Some("123456789012"));
        assert_eq!(role_account("arn:aws-us-gov:iam::123456789012:role/path/r"), Some("123456789012"));
        for bad in [
            "",
            "arn:aws:iam::12345678901:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:s3:::bucket",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:iam::123456789012:role/a b",
        ] {
            assert_eq!(role_account(bad), None, "{bad}");
        }
    }
}
