//! Linking through a one-time link token (a bootstrap stack in another account), and unlinking
//! with the unlink token that link returned.

use std::time::{SystemTime, UNIX_EPOCH};

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

use super::connections::{log_linked, AccessKeyLink};
use super::Launcher;
use crate::domain::audit::AuditAction;
use crate::domain::connection::ConnectionView;
use crate::domain::link_token::{self, LinkTokenRecord};
use crate::domain::names;
use crate::error::{LauncherError, Result};
use crate::identity::Principal;

pub const DEFAULT_TOKEN_TTL_SECONDS: u64 = 3600;
pub const MAX_TOKEN_TTL_SECONDS: u64 = 7 * 24 * 3600;

/// `POST /connections/link-tokens`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueLinkToken {
    pub connection_id: String,
    #[serde(default)]
    pub ttl_seconds: Option<u64>,
}

/// The token is shown once, here; only its hash is stored.
#[derive(Debug, Serialize)]
pub struct IssuedLinkToken {
    pub token: String,
    pub connection_id: String,
    pub expires_at: u64,
}

/// `POST /link`, authorized by the link token, not a user.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenLinkRequest {
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    pub regions: Vec<String>,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TokenLinked {
    pub connection: ConnectionView,
    /// Lets the bootstrap stack unlink this one connection on Delete.
    pub unlink_token: String,
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl Launcher {
    pub async fn issue_link_token(&self, principal: &Principal, request: IssueLinkToken) -> Result<IssuedLinkToken> {
        self.require_admin(principal)?;
        names::connection_id(&request.connection_id)?;
        let ttl = request.ttl_seconds.unwrap_or(DEFAULT_TOKEN_TTL_SECONDS);
        if !(60..=MAX_TOKEN_TTL_SECONDS).contains(&ttl) {
            return Err(LauncherError::invalid(format!("ttl_seconds must be 60-{MAX_TOKEN_TTL_SECONDS}")));
        }
        if self.connections.get(&principal.tenant, &request.connection_id).await?.is_some() {
            return Err(LauncherError::ConnectionExists(request.connection_id));
        }
        let token = link_token::new_link_token(&principal.tenant);
        let record = LinkTokenRecord {
            tenant: principal.tenant.clone(),
            hash: link_token::hash(&token),
            connection_id: request.connection_id.clone(),
            expires_at: now() + ttl,
            created_by: principal.subject.clone(),
        };
        self.connections.insert_link_token(&record).await?;
        tracing::info!(tenant = %principal.tenant, connection = %record.connection_id, by = %principal.subject, ttl, "link token issued");
        Ok(IssuedLinkToken { token, connection_id: record.connection_id, expires_at: record.expires_at })
    }

    /// Links an access key for the tenant and connection id the token was issued for. The token
    /// is consumed in the same transaction that stores the connection: it works once.
    pub async fn link_with_token(&self, token: Option<&str>, request: TokenLinkRequest) -> Result<TokenLinked> {
        let token = token.ok_or(LauncherError::LinkTokenInvalid)?;
        let tenant = link_token::link_token_tenant(token).ok_or(LauncherError::LinkTokenInvalid)?;
        let record = self
            .connections
            .get_link_token(&tenant, &link_token::hash(token))
            .await?
            .filter(|r| r.expires_at > now())
            .ok_or(LauncherError::LinkTokenInvalid)?;
        let key = AccessKeyLink::checked(
            record.connection_id.clone(),
            request.name.as_deref(),
            Some(request.access_key_id),
            Some(request.secret_access_key),
            &request.regions,
        )?;
        let by = format!("link-token:{}", record.created_by);
        let mut connection = self.access_key_connection(&tenant, &by, key).await?;
        let unlink_token = link_token::new_unlink_token(&tenant, &connection.id);
        connection.unlink_token_hash = Some(link_token::hash(&unlink_token));
        let inserted = self.connections.insert_consuming_token(&connection, &record, now()).await;
        self.caches.forget_connection(&connection.tenant, &connection.id);
        inserted?;
        log_linked(&by, &connection);
        let actor = Principal { subject: by, tenant: tenant.clone(), groups: Default::default() };
        self.audit_connection(&actor, AuditAction::Link, &connection.id, Some("access_key via link token".into()))
            .await;
        Ok(TokenLinked { connection: ConnectionView::from(&connection), unlink_token })
    }

    pub async fn unlink_with_token(&self, token: Option<&str>) -> Result<()> {
        let token = token.ok_or(LauncherError::LinkTokenInvalid)?;
        let (tenant, id) = link_token::unlink_token_target(token).ok_or(LauncherError::LinkTokenInvalid)?;
        let deleted = self.connections.delete_with_unlink_token(&tenant, &id, &link_token::hash(token)).await;
        self.caches.forget_connection(&tenant, &id);
        deleted?;
        tracing::info!(tenant = %tenant, connection = %id, by = "unlink-token", "account unlinked");
        let actor = Principal { subject: "unlink-token".into(), tenant, groups: Default::default() };
        self.audit_connection(&actor, AuditAction::Unlink, &id, None).await;
        Ok(())
    }
}
