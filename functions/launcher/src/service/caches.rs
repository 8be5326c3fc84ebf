//! What a warm launcher keeps in memory so that an invoke costs one call into the linked account
//! and no reads: connection records, rules, decrypted secrets, assumed-role credentials, function
//! metadata and tags. Every cache is bounded in entries and has a TTL; docs/performance.md lists
//! them and how quickly a change elsewhere takes effect.
//!
//! Keys of everything derived from a connection carry the tenant, the connection id and the
//! connection's generation (a hash of its version, creation time and credentials), so a re-link
//! under the same id — on this instance or another — never meets the old link's secrets,
//! sessions or metadata. Changes made through this instance (link, unlink, rules) are applied
//! to the caches at once.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::Duration;

use crate::cache::TtlCache;
use crate::domain::connection::{Connection, LiveCredentials, StoredCredentials};
use crate::domain::rules::{RuleSet, Tags};
use crate::domain::schema::Schema;
use crate::ports::RemoteFunction;

/// Rules changed through another instance apply within this.
pub const RULES_TTL: Duration = Duration::from_secs(5);
/// A link, re-link or unlink made through another instance applies within this.
pub const CONNECTION_TTL: Duration = Duration::from_secs(30);
/// Decrypted secrets are dropped after this (a disabled KMS key stops them within it).
pub const SECRET_TTL: Duration = Duration::from_secs(15 * 60);
/// Function configuration and tags: a change in the linked account applies within this.
pub const FUNCTION_TTL: Duration = Duration::from_secs(60);

const MAX_TENANTS: usize = 1024;
const MAX_CONNECTIONS: usize = 4096;
const MAX_SESSIONS: usize = 4096;
const MAX_FUNCTIONS: usize = 4096;
const MAX_TAGS: usize = 10_000;

/// (tenant, connection id).
pub(super) type ConnectionKey = (String, String);
/// (tenant, connection id, generation).
pub(super) type GenerationKey = (String, String, u64);
/// (tenant, connection id, generation, region, function name, qualifier).
pub(super) type FunctionKey = (String, String, u64, String, String, Option<String>);

pub(super) struct Caches {
    pub connections: TtlCache<ConnectionKey, Arc<Connection>>,
    pub connection_lists: TtlCache<String, Arc<Vec<Connection>>>,
    pub rules: TtlCache<String, Arc<RuleSet>>,
    /// Decrypted access keys; `LiveCredentials` keeps the secret in a redacting `SecretString`.
    pub secrets: TtlCache<GenerationKey, LiveCredentials>,
    /// Assumed-role credentials per acting user (their SourceIdentity), until shortly before expiry.
    pub sessions: TtlCache<(String, String, u64, String), LiveCredentials>,
    pub functions: TtlCache<FunctionKey, Arc<RemoteFunction>>,
    /// Tags by function ARN.
    pub tags: TtlCache<(String, String, u64, String), Tags>,
    /// Stored input schemas by (tenant, name); a change through another instance applies within
    /// `FUNCTION_TTL`, like a change of the tag that references it.
    pub schemas: TtlCache<(String, String), Arc<Schema>>,
}

impl Default for Caches {
    fn default() -> Self {
        Self {
            connections: TtlCache::new(MAX_CONNECTIONS, CONNECTION_TTL),
            connection_lists: TtlCache::new(MAX_TENANTS, CONNECTION_TTL),
            rules: TtlCache::new(MAX_TENANTS, RULES_TTL),
            secrets: TtlCache::new(MAX_CONNECTIONS, SECRET_TTL),
            sessions: TtlCache::new(MAX_SESSIONS, SECRET_TTL),
            functions: TtlCache::new(MAX_FUNCTIONS, FUNCTION_TTL),
            tags: TtlCache::new(MAX_TAGS, FUNCTION_TTL),
            schemas: TtlCache::new(MAX_CONNECTIONS, FUNCTION_TTL),
        }
    }
}

impl Caches {
    /// Forgets everything about one connection: called by every link, re-link and unlink made
    /// through this instance, so the next request reads the new state.
    pub fn forget_connection(&self, tenant: &str, id: &str) {
        self.connections.remove(&(tenant.to_owned(), id.to_owned()));
        self.connection_lists.remove(tenant);
        self.secrets.remove_where(|(t, c, _)| t == tenant && c == id);
        self.sessions.remove_where(|(t, c, _, _)| t == tenant && c == id);
        self.functions.remove_where(|(t, c, ..)| t == tenant && c == id);
        self.tags.remove_where(|(t, c, _, _)| t == tenant && c == id);
    }
}

/// Changes whenever the connection is re-linked or replaced: a new version, a new creation
/// time or new credentials. Not a secret: the ciphertext is hashed, never the secret.
pub(super) fn generation(connection: &Connection) -> u64 {
    let mut hasher = DefaultHasher::new();
    connection.version.hash(&mut hasher);
    connection.created_at.hash(&mut hasher);
    connection.account_id.hash(&mut hasher);
    match &connection.credentials {
        StoredCredentials::AccessKey { access_key_id, secret_ciphertext } => {
            0u8.hash(&mut hasher);
            access_key_id.hash(&mut hasher);
            secret_ciphertext.hash(&mut hasher);
        }
        StoredCredentials::Role { role_arn, external_id } => {
            1u8.hash(&mut hasher);
            role_arn.hash(&mut hasher);
            external_id.hash(&mut hasher);
        }
    }
    hasher.finish()
}

impl super::Launcher {
    /// A tenant's connection, from the cache or the store. Absence is not cached: a connection
    /// linked through another instance is usable at once.
    pub(super) async fn cached_connection(
        &self,
        tenant: &str,
        id: &str,
    ) -> crate::error::Result<Option<Arc<Connection>>> {
        let key = (tenant.to_owned(), id.to_owned());
        if let Some(connection) = self.caches.connections.get(&key) {
            return Ok(Some(connection));
        }
        let Some(connection) = self.connections.get(tenant, id).await? else { return Ok(None) };
        let connection = Arc::new(connection);
        self.caches.connections.insert(key, connection.clone());
        Ok(Some(connection))
    }

    /// Every connection of a tenant, from the cache or the store.
    pub(super) async fn cached_connections(&self, tenant: &str) -> crate::error::Result<Arc<Vec<Connection>>> {
        if let Some(connections) = self.caches.connection_lists.get(tenant) {
            return Ok(connections);
        }
        let connections = Arc::new(self.connections.list(tenant).await?);
        self.caches.connection_lists.insert(tenant.to_owned(), connections.clone());
        Ok(connections)
    }

    /// A tenant's rules, from the cache or the store.
    pub(super) async fn cached_rules(&self, tenant: &str) -> crate::error::Result<Arc<RuleSet>> {
        if let Some(rules) = self.caches.rules.get(tenant) {
            return Ok(rules);
        }
        let rules = Arc::new(self.rules.get_rules(tenant).await?);
        self.caches.rules.insert(tenant.to_owned(), rules.clone());
        Ok(rules)
    }
}
