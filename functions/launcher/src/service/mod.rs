//! The use cases: link, list, get, invoke, rules. Pure orchestration over the ports; every store
//! access is keyed by the caller's tenant, and every function access goes through `authorize`.

mod audit;
mod caches;
mod connections;
mod credentials;
mod functions;
mod link_tokens;
mod presets;
mod rules;
mod schemas;
mod tags;
mod time;

pub use caches::{CONNECTION_TTL, FUNCTION_TTL, RULES_TTL, SECRET_TTL};

use std::sync::Arc;

pub use audit::{parse_time_ms, AuditPage};
pub use connections::{LinkRequest, RoleSetupRequest, RoleSetupView};
pub use functions::{FunctionPage, InvokeRequest, ListingError};
pub use link_tokens::{IssueLinkToken, IssuedLinkToken, TokenLinkRequest, TokenLinked};

use crate::error::{LauncherError, Result};
use crate::identity::Principal;
use crate::ports::{
    AuditStore, ConnectionStore, IdempotencyStore, LambdaAccounts, PresetStore, RuleStore, SchemaStore, SecretCipher,
};
use caches::Caches;

pub struct Launcher {
    connections: Arc<dyn ConnectionStore>,
    rules: Arc<dyn RuleStore>,
    cipher: Arc<dyn SecretCipher>,
    accounts: Arc<dyn LambdaAccounts>,
    audit: Arc<dyn AuditStore>,
    idempotency: Arc<dyn IdempotencyStore>,
    presets: Arc<dyn PresetStore>,
    schemas: Arc<dyn SchemaStore>,
    admin_group: String,
    /// Bounded in-process caches (connections, rules, secrets, sessions, functions, tags).
    caches: Caches,
}

/// The stores a launcher keeps its state in (one DynamoDB table implements all of them).
#[derive(Clone)]
pub struct Stores {
    pub connections: Arc<dyn ConnectionStore>,
    pub rules: Arc<dyn RuleStore>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub audit: Arc<dyn AuditStore>,
    pub presets: Arc<dyn PresetStore>,
    pub schemas: Arc<dyn SchemaStore>,
}

impl Launcher {
    pub fn new(
        stores: Stores,
        cipher: Arc<dyn SecretCipher>,
        accounts: Arc<dyn LambdaAccounts>,
        admin_group: impl Into<String>,
    ) -> Self {
        Self {
            connections: stores.connections,
            rules: stores.rules,
            idempotency: stores.idempotency,
            audit: stores.audit,
            presets: stores.presets,
            schemas: stores.schemas,
            cipher,
            accounts,
            admin_group: admin_group.into(),
            caches: Caches::default(),
        }
    }

    fn stores(&self) -> Stores {
        Stores {
            connections: self.connections.clone(),
            rules: self.rules.clone(),
            idempotency: self.idempotency.clone(),
            audit: self.audit.clone(),
            presets: self.presets.clone(),
            schemas: self.schemas.clone(),
        }
    }

    /// The same launcher with another route to the linked accounts (tests mock AWS with it).
    pub fn with_accounts(&self, accounts: Arc<dyn LambdaAccounts>) -> Self {
        Self::new(self.stores(), self.cipher.clone(), accounts, self.admin_group.clone())
    }

    /// The same launcher keeping its audit trail in `audit` (tests break it with this).
    pub fn with_audit(&self, audit: Arc<dyn AuditStore>) -> Self {
        Self::new(
            Stores { audit, ..self.stores() },
            self.cipher.clone(),
            self.accounts.clone(),
            self.admin_group.clone(),
        )
    }

    pub fn is_admin(&self, principal: &Principal) -> bool {
        principal.in_group(&self.admin_group)
    }

    pub fn require_admin(&self, principal: &Principal) -> Result<()> {
        if self.is_admin(principal) {
            Ok(())
        } else {
            Err(LauncherError::Forbidden(format!("this needs the tenant admin group '{}'", self.admin_group)))
        }
    }
}
