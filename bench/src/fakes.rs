//! In-memory ports for the overhead and fan-out figures: every store, the cipher and the linked
//! accounts answer at once (or after a fixed delay standing for AWS's latency), so what is
//! measured is the launcher's own work.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use launcher::domain::audit::{AuditQuery, AuditRecord};
use launcher::domain::connection::{Connection, LiveCredentials, StoredCredentials};
use launcher::domain::function::{InvokeMode, InvokeOutcome};
use launcher::domain::idempotency::{Claim, StoredOutcome};
use launcher::domain::link_token::LinkTokenRecord;
use launcher::domain::preset::Preset;
use launcher::domain::rules::{RuleSet, Tags};
use launcher::domain::schema::StoredSchema;
use launcher::error::{LauncherError, Result};
use launcher::ports::{
    AssumedCredentials, AuditStore, ConnectionStore, IdempotencyStore, LambdaAccounts, PresetStore, RemoteFunction,
    RoleSession, RuleStore, SchemaStore, SecretCipher,
};
use secrecy::SecretString;

pub const REGIONS: [&str; 3] = ["us-east-1", "eu-west-1", "ap-southeast-2"];

/// `connections` access-key connections `c0`, `c1`, … of tenant `bench`, each in `regions`.
pub struct FakeStore {
    pub connections: Vec<Connection>,
    pub rules: RuleSet,
}

impl FakeStore {
    pub fn new(connections: usize, regions: &[&str], rules: RuleSet) -> Self {
        let connections = (0..connections)
            .map(|i| Connection {
                tenant: "bench".into(),
                id: if connections == 1 { "prod".into() } else { format!("c{i}") },
                name: format!("connection {i}"),
                account_id: format!("{:012}", 210_987_654_321u64 + i as u64),
                regions: regions.iter().map(|r| (*r).to_owned()).collect(),
                credentials: StoredCredentials::AccessKey {
                    access_key_id: format!("AKIABENCH{i:08}"),
                    secret_ciphertext: vec![7; 184],
                },
                created_at: "2026-12-03T00:00:00Z".into(),
                created_by: "admin@bench".into(),
                version: 1,
                unlink_token_hash: None,
            })
            .collect();
        Self { connections, rules }
    }
}

fn unsupported() -> LauncherError {
    LauncherError::Internal("not part of the benchmark".into())
}

#[async_trait]
impl ConnectionStore for FakeStore {
    async fn insert(&self, _: &Connection) -> Result<()> {
        Err(unsupported())
    }
    async fn replace(&self, _: &Connection) -> Result<()> {
        Err(unsupported())
    }
    async fn get(&self, tenant: &str, id: &str) -> Result<Option<Connection>> {
        Ok(self.connections.iter().find(|c| c.tenant == tenant && c.id == id).cloned())
    }
    async fn list(&self, tenant: &str) -> Result<Vec<Connection>> {
        Ok(self.connections.iter().filter(|c| c.tenant == tenant).cloned().collect())
    }
    async fn delete(&self, _: &str, _: &str) -> Result<()> {
        Err(unsupported())
    }
    async fn insert_link_token(&self, _: &LinkTokenRecord) -> Result<()> {
        Err(unsupported())
    }
    async fn get_link_token(&self, _: &str, _: &str) -> Result<Option<LinkTokenRecord>> {
        Err(unsupported())
    }
    async fn insert_consuming_token(&self, _: &Connection, _: &LinkTokenRecord, _: u64) -> Result<()> {
        Err(unsupported())
    }
    async fn delete_with_unlink_token(&self, _: &str, _: &str, _: &str) -> Result<()> {
        Err(unsupported())
    }
}

#[async_trait]
impl RuleStore for FakeStore {
    async fn get_rules(&self, _: &str) -> Result<RuleSet> {
        Ok(self.rules.clone())
    }
    async fn put_rules(&self, _: &str, _: &RuleSet, _: u64) -> Result<RuleSet> {
        Err(unsupported())
    }
}

#[async_trait]
impl IdempotencyStore for FakeStore {
    async fn claim(&self, _: &str, _: &str, _: &str, _: u64) -> Result<Claim> {
        Err(unsupported())
    }
    async fn complete(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: std::result::Result<&StoredOutcome, &str>,
        _: u64,
    ) -> Result<()> {
        Err(unsupported())
    }
    async fn release(&self, _: &str, _: &str) -> Result<()> {
        Err(unsupported())
    }
}

/// Audit writes that cost nothing (the overhead figure); the record is still built and serialized.
pub struct NoAudit;

#[async_trait]
impl AuditStore for NoAudit {
    async fn record(&self, record: &AuditRecord) -> Result<()> {
        std::hint::black_box(serde_json::to_string(record).map_err(|e| LauncherError::Internal(e.to_string()))?);
        Ok(())
    }
    async fn query(&self, _: &str, _: &AuditQuery) -> Result<(Vec<AuditRecord>, Option<String>)> {
        Err(unsupported())
    }
}

/// No presets and no stored schemas: the figures run plain payloads.
pub struct NoPresets;

#[async_trait]
impl SchemaStore for NoPresets {
    async fn list_schemas(&self, _: &str) -> Result<Vec<StoredSchema>> {
        Ok(Vec::new())
    }
    async fn get_schema(&self, _: &str, _: &str) -> Result<Option<StoredSchema>> {
        Ok(None)
    }
    async fn put_schema(&self, _: &str, _: &StoredSchema) -> Result<bool> {
        Err(unsupported())
    }
    async fn delete_schema(&self, _: &str, _: &str) -> Result<()> {
        Err(LauncherError::SchemaNotFound)
    }
}

#[async_trait]
impl PresetStore for NoPresets {
    async fn list_presets(&self, _: &str, _: &str) -> Result<Vec<Preset>> {
        Ok(Vec::new())
    }
    async fn get_preset(&self, _: &str, _: &str, _: &str) -> Result<Option<Preset>> {
        Ok(None)
    }
    async fn put_preset(&self, _: &str, _: &str, _: &Preset) -> Result<bool> {
        Err(unsupported())
    }
    async fn delete_preset(&self, _: &str, _: &str, _: &str) -> Result<()> {
        Err(LauncherError::PresetNotFound)
    }
}

pub struct FakeCipher;

#[async_trait]
impl SecretCipher for FakeCipher {
    async fn encrypt(&self, _: &str, _: &str, _: &SecretString) -> Result<Vec<u8>> {
        Err(unsupported())
    }
    async fn decrypt(&self, _: &str, _: &str, _: &[u8]) -> Result<SecretString> {
        Ok(SecretString::from("bench-secret-key-0123456789012345678901".to_owned()))
    }
}

/// Linked accounts that answer at once, or after `list_delay` for ListFunctions (AWS's latency).
pub struct FakeAccounts {
    pub list_delay: Duration,
    pub functions_per_region: usize,
}

#[async_trait]
impl LambdaAccounts for FakeAccounts {
    async fn account_id(&self, _: &LiveCredentials) -> Result<String> {
        Err(unsupported())
    }
    async fn probe_region(&self, _: &LiveCredentials, _: &str) -> Result<()> {
        Err(unsupported())
    }
    async fn launcher_account_id(&self) -> Result<String> {
        Err(unsupported())
    }
    async fn assume_role(&self, _: &RoleSession<'_>) -> Result<AssumedCredentials> {
        Err(unsupported())
    }
    async fn list_functions(&self, credentials: &LiveCredentials, region: &str) -> Result<Vec<RemoteFunction>> {
        if !self.list_delay.is_zero() {
            tokio::time::sleep(self.list_delay).await;
        }
        Ok((0..self.functions_per_region)
            .map(|i| RemoteFunction {
                name: format!("fn-{i}"),
                arn: format!("arn:aws:lambda:{region}:{}:function:fn-{i}", credentials.access_key_id),
                runtime: Some("provided.al2023".into()),
                ..Default::default()
            })
            .collect())
    }
    async fn list_tags(&self, _: &LiveCredentials, _: &str, _: &str) -> Result<Tags> {
        Ok(Tags::default())
    }
    async fn get_function(
        &self,
        _: &LiveCredentials,
        region: &str,
        name: &str,
        _: Option<&str>,
    ) -> Result<Option<RemoteFunction>> {
        Ok(Some(RemoteFunction {
            name: name.to_owned(),
            arn: format!("arn:aws:lambda:{region}:210987654321:function:{name}"),
            ..Default::default()
        }))
    }
    async fn invoke(
        &self,
        _: &LiveCredentials,
        _: &str,
        _: &str,
        _: Option<&str>,
        mode: InvokeMode,
        payload: Vec<u8>,
    ) -> Result<InvokeOutcome> {
        Ok(InvokeOutcome {
            mode,
            status_code: 200,
            function_error: None,
            executed_version: Some("$LATEST".into()),
            log_tail: None,
            request_id: Some("00000000-0000-0000-0000-000000000000".into()),
            payload,
            payload_kept: true,
            duration_ms: 0,
            replayed: false,
        })
    }
}

pub fn stores(store: Arc<FakeStore>) -> launcher::service::Stores {
    launcher::service::Stores {
        connections: store.clone(),
        rules: store.clone(),
        idempotency: store,
        audit: Arc::new(NoAudit),
        presets: Arc::new(NoPresets),
        schemas: Arc::new(NoPresets),
    }
}
