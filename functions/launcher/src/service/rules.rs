use super::Launcher;
use crate::domain::audit::AuditAction;
use crate::domain::rules::{self, RuleSet};
use crate::error::Result;
use crate::identity::Principal;

impl Launcher {
    pub async fn get_rules(&self, principal: &Principal) -> Result<RuleSet> {
        self.require_admin(principal)?;
        self.rules.get_rules(&principal.tenant).await
    }

    pub async fn put_rules(&self, principal: &Principal, rules: RuleSet, expected_version: u64) -> Result<RuleSet> {
        self.require_admin(principal)?;
        rules::validate(&rules)?;
        let stored = self.rules.put_rules(&principal.tenant, &rules, expected_version).await?;
        // This instance applies the change at once; others within RULES_TTL.
        self.caches.rules.insert(principal.tenant.clone(), std::sync::Arc::new(stored.clone()));
        tracing::info!(tenant = %principal.tenant, version = stored.version, by = %principal.subject, "rules replaced");
        let mut record = self.audit_record(principal, AuditAction::RulesChange);
        record.detail = Some(format!("rules version {} ({} grants)", stored.version, stored.grants.len()));
        self.audit_done(&record).await;
        Ok(stored)
    }

    /// Rules apply to everyone but admins; admins skip the read. Cached for `RULES_TTL`.
    pub(super) async fn rules_for(&self, principal: &Principal) -> Result<std::sync::Arc<RuleSet>> {
        if self.is_admin(principal) {
            Ok(Default::default())
        } else {
            self.cached_rules(&principal.tenant).await
        }
    }
}
