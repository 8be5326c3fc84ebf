//! The launcher's ports: small traits the service runs over. AWS adapters implement them in
//! `aws`; tests may substitute in-memory fakes.

use async_trait::async_trait;
use secrecy::SecretString;
use std::collections::BTreeMap;

use crate::domain::connection::{Connection, LiveCredentials};
use crate::domain::function::{InvokeMode, InvokeOutcome};
use crate::domain::rules::RuleSet;
use crate::error::Result;

#[async_trait]
pub trait ConnectionStore: Send + Sync {
    /// Stores a new connection; fails with `ConnectionExists` if the id is taken in that tenant.
    async fn insert(&self, connection: &Connection) -> Result<()>;
    async fn get(&self, tenant: &str, id: &str) -> Result<Option<Connection>>;
    async fn list(&self, tenant: &str) -> Result<Vec<Connection>>;
    /// Removes a connection; fails with `ConnectionNotFound` if there was none.
    async fn delete(&self, tenant: &str, id: &str) -> Result<()>;
}

#[async_trait]
pub trait RuleStore: Send + Sync {
    /// The tenant's rules; an empty set at version 0 if none were ever written.
    async fn get_rules(&self, tenant: &str) -> Result<RuleSet>;
    /// Replaces the rules if the stored version is still `expected_version`; returns the new set.
    async fn put_rules(
        &self,
        tenant: &str,
        rules: &RuleSet,
        expected_version: u64,
    ) -> Result<RuleSet>;
}

/// Encrypts linked secrets, bound to (tenant, connection).
#[async_trait]
pub trait SecretCipher: Send + Sync {
    async fn encrypt(
        &self,
        tenant: &str,
        connection: &str,
        secret: &SecretString,
    ) -> Result<Vec<u8>>;
    async fn decrypt(
        &self,
        tenant: &str,
        connection: &str,
        ciphertext: &[u8],
    ) -> Result<SecretString>;
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

/// The linked AWS account, reached with the linked credentials.
#[async_trait]
pub trait LambdaAccounts: Send + Sync {
    /// STS GetCallerIdentity: the account id the credentials belong to.
    async fn account_id(&self, credentials: &LiveCredentials) -> Result<String>;
    /// Proves the credentials may list functions in `region` (ListFunctions, MaxItems 1).
    async fn probe_region(&self, credentials: &LiveCredentials, region: &str) -> Result<()>;
    /// Every function in the region, following pagination to the end.
    async fn list_functions(
        &self,
        credentials: &LiveCredentials,
        region: &str,
    ) -> Result<Vec<RemoteFunction>>;
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
