//! The use cases: link, list, get, invoke, rules. Pure orchestration over the ports; every store
//! access is keyed by the caller's tenant, and every function access goes through `authorize`.

mod audit;
mod connections;
mod credentials;
mod functions;
mod link_tokens;
mod rules;
mod time;

use std::sync::Arc;

pub use audit::{parse_time_ms, AuditPage};
pub use connections::{LinkRequest, RoleSetupRequest, RoleSetupView};
pub use functions::{FunctionPage, ListingError};
pub use link_tokens::{IssueLinkToken, IssuedLinkToken, TokenLinkRequest, TokenLinked};

use crate::error::{LauncherError, Result};
use crate::identity::Principal;
use crate::ports::{AuditStore, ConnectionStore, LambdaAccounts, RuleStore, SecretCipher};
use credentials::RoleCredentialCache;

pub struct Launcher {
    connections: Arc<dyn ConnectionStore>,
    rules: Arc<dyn RuleStore>,
    cipher: Arc<dyn SecretCipher>,
    accounts: Arc<dyn LambdaAccounts>,
    audit: Arc<dyn AuditStore>,
    admin_group: String,
    role_credentials: RoleCredentialCache,
}

impl Launcher {
    pub fn new(
        connections: Arc<dyn ConnectionStore>,
        rules: Arc<dyn RuleStore>,
        cipher: Arc<dyn SecretCipher>,
        accounts: Arc<dyn LambdaAccounts>,
        audit: Arc<dyn AuditStore>,
        admin_group: impl Into<String>,
    ) -> Self {
        Self {
            connections,
            rules,
            cipher,
            accounts,
            audit,
            admin_group: admin_group.into(),
            role_credentials: RoleCredentialCache::default(),
        }
    }

    /// The same launcher with another route to the linked accounts (tests mock AWS with it).
    pub fn with_accounts(&self, accounts: Arc<dyn LambdaAccounts>) -> Self {
        Self::new(
            self.connections.clone(),
            self.rules.clone(),
            self.cipher.clone(),
            accounts,
            self.audit.clone(),
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
