//! One-time link tokens: how a bootstrap stack in another account links itself through the API
//! without a user token. A tenant admin issues one for a chosen connection id; the launcher
//! stores only its SHA-256; it expires and works once. Linking returns an unlink token, a
//! capability to unlink that one connection later (the stack's Delete).
//!
//! Both tokens name their tenant (and the unlink token its connection) in clear, so the launcher
//! can find the row; the random part carries 192 bits.

use base64::Engine;
use sha2::{Digest, Sha256};

const LINK_PREFIX: &str = "llt";
const UNLINK_PREFIX: &str = "lut";

fn b64(text: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

fn unb64(text: &str) -> Option<String> {
    String::from_utf8(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text).ok()?).ok()
}

fn random_hex() -> String {
    crate::random::hex::<24>()
}

/// What is stored instead of a token.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn new_link_token(tenant: &str) -> String {
    format!("{LINK_PREFIX}.{}.{}", b64(tenant), random_hex())
}

/// The tenant a link token names, if it has the right shape.
pub fn link_token_tenant(token: &str) -> Option<String> {
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(LINK_PREFIX), Some(tenant), Some(random), None) if random.len() == 48 => unb64(tenant),
        _ => None,
    }
}

pub fn new_unlink_token(tenant: &str, connection_id: &str) -> String {
    format!("{UNLINK_PREFIX}.{}.{}.{}", b64(tenant), b64(connection_id), random_hex())
}

/// The (tenant, connection) an unlink token names, if it has the right shape.
pub fn unlink_token_target(token: &str) -> Option<(String, String)> {
    let mut parts = token.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(UNLINK_PREFIX), Some(tenant), Some(connection), Some(random), None) if random.len() == 48 => {
            Some((unb64(tenant)?, unb64(connection)?))
        }
        _ => None,
    }
}

/// A stored link token.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkTokenRecord {
    pub tenant: String,
    pub hash: String,
    pub connection_id: String,
    /// Unix seconds; also the table's TTL attribute.
    pub expires_at: u64,
    pub created_by: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_name_their_tenant_and_are_unique() {
        let a = new_link_token("acme corp");
        assert_eq!(link_token_tenant(&a).as_deref(), Some("acme corp"));
        assert_ne!(a, new_link_token("acme corp"));
        assert_eq!(link_token_tenant("llt.x.y"), None);
        assert_eq!(link_token_tenant(&a.replace("llt.", "lut.")), None);
        let u = new_unlink_token("acme", "prod");
        assert_eq!(unlink_token_target(&u), Some(("acme".into(), "prod".into())));
        assert_eq!(unlink_token_target(&a), None);
        assert_eq!(hash(&a).len(), 64);
        assert_ne!(hash(&a), hash(&u));
    }
}
