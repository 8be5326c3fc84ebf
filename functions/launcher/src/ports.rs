//! The launcher's ports: small traits the service runs over. AWS adapters implement them in
//! `aws`; tests may substitute in-memory fakes.

use async_trait::async_trait;
use secrecy::SecretString;
use std::collections::BTreeMap;

use crate::domain::audit::{AuditQuery, AuditRecord};
use crate::domain::connection::{Connection, LiveCredentials};
use crate::domain::function::{InvokeMode, InvokeOutcome};
use crate::domain::idempotency::{Claim, StoredOutcome};
use crate::domain::link_token::LinkTokenRecord;
use crate::domain::preset::Preset;
use crate::domain::rules::RuleSet;
use crate::domain::schema::StoredSchema;
use crate::error::Result;

#[async_trait]
pub trait ConnectionStore: Send + Sync {
    /// Stores a new connection; fails with `ConnectionExists` if the id is taken in that tenant.
    async fn insert(&self, connection: &Connection) -> Result<()>;
    /// Replaces a connection if its stored version is still `connection.version - 1`; fails with
    /// `VersionConflict` otherwise (a concurrent change won).
    async fn replace(&self, connection: &Connection) -> Result<()>;
    async fn get(&self, tenant: &str, id: &str) -> Result<Option<Connection>>;
    async fn list(&self, tenant: &str) -> Result<Vec<Connection>>;
    /// Removes a connection; fails with `ConnectionNotFound` if there was none.
    async fn delete(&self, tenant: &str, id: &str) -> Result<()>;
    async fn insert_link_token(&self, token: &LinkTokenRecord) -> Result<()>;
    async fn get_link_token(&self, tenant: &str, hash: &str) -> Result<Option<LinkTokenRecord>>;
    /// Stores a new connection and consumes its link token in one transaction: fails with
    /// `LinkTokenInvalid` if the token is gone or expired at `now`, `ConnectionExists` if the id is
    /// taken; in both cases nothing changes.
    async fn insert_consuming_token(&self, connection: &Connection, token: &LinkTokenRecord, now: u64) -> Result<()>;
    /// Removes a connection only if its unlink-token hash is `hash`; `LinkTokenInvalid` otherwise.
    async fn delete_with_unlink_token(&self, tenant: &str, id: &str, hash: &str) -> Result<()>;
}

#[async_trait]
pub trait RuleStore: Send + Sync {
    /// The tenant's rules; an empty set at version 0 if none were ever written.
    async fn get_rules(&self, tenant: &str) -> Result<RuleSet>;
    /// Replaces the rules if the stored version is still `expected_version`; returns the new set.
    async fn put_rules(&self, tenant: &str, rules: &RuleSet, expected_version: u64) -> Result<RuleSet>;
}

/// The audit trail, per tenant, kept `retention` long.
#[async_trait]
pub trait AuditStore: Send + Sync {
    /// Writes (or overwrites, for the same id and time) one record.
    async fn record(&self, record: &AuditRecord) -> Result<()>;
    /// Records newest first, filtered; and the cursor of the next page.
    async fn query(&self, tenant: &str, query: &AuditQuery) -> Result<(Vec<AuditRecord>, Option<String>)>;
}

/// Idempotency keys: which request owns a key, and the outcome it ended with.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` for a request with `fingerprint`, unless a live claim exists (then reports it).
    async fn claim(&self, tenant: &str, key: &str, fingerprint: &str, now: u64) -> Result<Claim>;
    /// Stores how the claimed request ended (an outcome, or the code of an error after which the
    /// function may have run), kept 24 hours.
    async fn complete(
        &self,
        tenant: &str,
        key: &str,
        fingerprint: &str,
        outcome: std::result::Result<&StoredOutcome, &str>,
        now: u64,
    ) -> Result<()>;
    /// Gives the key back: the claimed request provably did not run the function.
    async fn release(&self, tenant: &str, key: &str) -> Result<()>;
}

/// Presets of a function, per tenant. `function` is `connection/region/name`.
#[async_trait]
pub trait PresetStore: Send + Sync {
    /// The function's presets, by name.
    async fn list_presets(&self, tenant: &str, function: &str) -> Result<Vec<Preset>>;
    async fn get_preset(&self, tenant: &str, function: &str, name: &str) -> Result<Option<Preset>>;
    /// Creates or replaces one preset; returns whether it replaced an existing one.
    async fn put_preset(&self, tenant: &str, function: &str, preset: &Preset) -> Result<bool>;
    /// Removes one preset; `PresetNotFound` if there was none.
    async fn delete_preset(&self, tenant: &str, function: &str, name: &str) -> Result<()>;
}

/// Input schemas stored in the launcher, per tenant, referenced by functions' tags.
#[async_trait]
pub trait SchemaStore: Send + Sync {
    /// The tenant's schemas, by name.
    async fn list_schemas(&self, tenant: &str) -> Result<Vec<StoredSchema>>;
    async fn get_schema(&self, tenant: &str, name: &str) -> Result<Option<StoredSchema>>;
    /// Creates or replaces one schema; returns whether it replaced an existing one.
    async fn put_schema(&self, tenant: &str, schema: &StoredSchema) -> Result<bool>;
    /// Removes one schema; `SchemaNotFound` if there was none.
    async fn delete_schema(&self, tenant: &str, name: &str) -> Result<()>;
}

/// Encrypts linked secrets, bound to (tenant, connection).
#[async_trait]
pub trait SecretCipher: Send + Sync {
    async fn encrypt(&self, tenant: &str, connection: &str, secret: &SecretString) -> Result<Vec<u8>>;
    async fn decrypt(&self, tenant: &str, connection: &str, ciphertext: &[u8]) -> Result<SecretString>;
}

/// A Lambda function as the linked account reports it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RemoteFunction {
    pub name: String,
    pub arn: String,
    pub description: String,
    pub runtime: Option<String>,
    pub memory_mb: Option<i32>,
    pub timeout_seconds: Option<i32>,
    pub last_modified: Option<String>,
    pub handler: Option<String>,
    pub version: Option<String>,
    pub state: Option<String>,
    pub architectures: Vec<String>,
    pub package_type: Option<String>,
    pub tags: BTreeMap<String, String>,
}

/// One AssumeRole request.
#[derive(Debug, Clone, Copy)]
pub struct RoleSession<'a> {
    pub role_arn: &'a str,
    pub external_id: &'a str,
    /// Identifies the launcher tenant in the customer's CloudTrail (sanitized for STS).
    pub session_name: &'a str,
    /// The acting user (sanitized for STS), so the customer's CloudTrail shows who ran what.
    pub source_identity: Option<&'a str>,
}

#[derive(Debug, Clone)]
pub struct AssumedCredentials {
    pub credentials: LiveCredentials,
    pub expires_at: std::time::SystemTime,
}

/// The linked AWS account, reached with the linked credentials.
#[async_trait]
pub trait LambdaAccounts: Send + Sync {
    /// STS GetCallerIdentity: the account id the credentials belong to.
    async fn account_id(&self, credentials: &LiveCredentials) -> Result<String>;
    /// Proves the credentials may list functions in `region` (ListFunctions, MaxItems 1).
    async fn probe_region(&self, credentials: &LiveCredentials, region: &str) -> Result<()>;
    /// The launcher's own AWS account id (what customer roles trust).
    async fn launcher_account_id(&self) -> Result<String>;
    /// STS AssumeRole with the launcher's own credentials, carrying the External ID and, when
    /// given, the acting user as SourceIdentity.
    async fn assume_role(&self, role: &RoleSession<'_>) -> Result<AssumedCredentials>;
    /// Every function in the region, following pagination to the end.
    async fn list_functions(&self, credentials: &LiveCredentials, region: &str) -> Result<Vec<RemoteFunction>>;
    /// A function's tags (ListTags).
    async fn list_tags(
        &self,
        credentials: &LiveCredentials,
        region: &str,
        arn: &str,
    ) -> Result<crate::domain::rules::Tags>;
    /// Configuration and tags, or `None` if the function does not exist.
    async fn get_function(
        &self,
        credentials: &LiveCredentials,
        region: &str,
        name: &str,
        qualifier: Option<&str>,
    ) -> Result<Option<RemoteFunction>>;
    /// One invocation. Implementations must never retry a synchronous invoke that may have run.
    async fn invoke(
        &self,
        credentials: &LiveCredentials,
        region: &str,
        name: &str,
        qualifier: Option<&str>,
        mode: InvokeMode,
        payload: Vec<u8>,
    ) -> Result<InvokeOutcome>;
}
