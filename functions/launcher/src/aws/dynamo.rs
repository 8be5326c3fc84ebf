//! Connections and rules in the single DynamoDB table. Every write is conditional.
//!
//! Keys: `pk = TENANT#<tenant>`; `sk = CONN#<id>` or `RULES`. Every read is keyed by the
//! caller's tenant, which is what keeps tenants apart.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_sdk_dynamodb::Client;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::{classify, AwsFailure, HttpStatus};
use crate::domain::connection::{Connection, StoredCredentials};
use crate::domain::link_token::LinkTokenRecord;
use crate::domain::rules::RuleSet;
use crate::error::{LauncherError, Result};
use crate::ports::{ConnectionStore, RuleStore};

type Item = HashMap<String, AttributeValue>;

#[derive(Clone, Debug)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self { client, table: table.into() }
    }

    pub(super) fn client(&self) -> &Client {
        &self.client
    }

    pub(super) fn table(&self) -> &str {
        &self.table
    }

    /// One item of a tenant's partition, read consistently.
    pub(super) async fn item(&self, tenant: &str, sort_key: AttributeValue) -> Result<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", tenant_key(tenant))
            .key("sk", sort_key)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("GetItem", &e))?;
        Ok(out.item)
    }

    /// Every item of a tenant's partition whose sort key starts with `prefix`, read consistently,
    /// every page.
    pub(super) async fn items_with_prefix(&self, tenant: &str, prefix: &str) -> Result<Vec<Item>> {
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", tenant_key(tenant))
            .expression_attribute_values(":prefix", AttributeValue::S(prefix.to_owned()))
            .consistent_read(true)
            .into_paginator()
            .items()
            .send();
        let mut items = Vec::new();
        while let Some(item) = pages.next().await {
            items.push(item.map_err(|e| store_error("Query", &e))?);
        }
        Ok(items)
    }

    /// Creates or replaces one item of a tenant's partition holding a JSON document in
    /// `attribute`; returns whether it replaced an existing item.
    pub(super) async fn put_document(
        &self,
        tenant: &str,
        sort_key: AttributeValue,
        attribute: &str,
        document: String,
    ) -> Result<bool> {
        let out = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", tenant_key(tenant))
            .item("sk", sort_key)
            .item(attribute, AttributeValue::S(document))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| store_error("PutItem", &e))?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    /// Deletes one item of a tenant's partition; `missing` if there was none.
    pub(super) async fn delete_existing(
        &self,
        tenant: &str,
        sort_key: AttributeValue,
        missing: LauncherError,
    ) -> Result<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", tenant_key(tenant))
            .key("sk", sort_key)
            .condition_expression("attribute_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Err(missing),
            Err(e) => Err(store_error("DeleteItem", &e)),
        }
    }
}

fn tenant_key(tenant: &str) -> AttributeValue {
    AttributeValue::S(format!("TENANT#{tenant}"))
}

fn connection_key(id: &str) -> AttributeValue {
    AttributeValue::S(format!("CONN#{id}"))
}

const RULES_KEY: &str = "RULES";

fn store_error<E: ProvideErrorMetadata, R: HttpStatus>(op: &str, err: &SdkError<E, R>) -> LauncherError {
    let failure = classify(err);
    tracing::error!(operation = op, failure = ?failure, "dynamodb call failed");
    LauncherError::StoreUnavailable(format!("{op}: {failure:?}"))
}

fn is_condition_failure<E: ProvideErrorMetadata, R: HttpStatus>(err: &SdkError<E, R>) -> bool {
    matches!(classify(err), AwsFailure::ConditionFailed(_))
}

fn s(item: &Item, name: &str) -> Result<String> {
    match item.get(name) {
        Some(AttributeValue::S(v)) => Ok(v.clone()),
        _ => Err(LauncherError::Internal(format!("stored item lacks string attribute '{name}'"))),
    }
}

fn n(item: &Item, name: &str) -> Result<u64> {
    match item.get(name) {
        Some(AttributeValue::N(v)) => {
            v.parse().map_err(|_| LauncherError::Internal(format!("stored attribute '{name}' is not a number")))
        }
        _ => Err(LauncherError::Internal(format!("stored item lacks number attribute '{name}'"))),
    }
}

fn connection_to_item(c: &Connection) -> Item {
    let mut item = Item::from([
        ("pk".into(), tenant_key(&c.tenant)),
        ("sk".into(), connection_key(&c.id)),
        ("name".into(), AttributeValue::S(c.name.clone())),
        ("account_id".into(), AttributeValue::S(c.account_id.clone())),
        ("regions".into(), AttributeValue::L(c.regions.iter().cloned().map(AttributeValue::S).collect())),
        ("created_at".into(), AttributeValue::S(c.created_at.clone())),
        ("created_by".into(), AttributeValue::S(c.created_by.clone())),
        ("version".into(), AttributeValue::N(c.version.to_string())),
    ]);
    if let Some(hash) = &c.unlink_token_hash {
        item.insert("unlink_token_hash".into(), AttributeValue::S(hash.clone()));
    }
    match &c.credentials {
        StoredCredentials::AccessKey { access_key_id, secret_ciphertext } => {
            item.insert("kind".into(), AttributeValue::S("access_key".into()));
            item.insert("access_key_id".into(), AttributeValue::S(access_key_id.clone()));
            item.insert("secret_ciphertext".into(), AttributeValue::B(Blob::new(secret_ciphertext.clone())));
        }
        StoredCredentials::Role { role_arn, external_id } => {
            item.insert("kind".into(), AttributeValue::S("role".into()));
            item.insert("external_id".into(), AttributeValue::S(external_id.clone()));
            if let Some(arn) = role_arn {
                item.insert("role_arn".into(), AttributeValue::S(arn.clone()));
            }
        }
    }
    item
}

fn connection_from_item(item: &Item) -> Result<Connection> {
    let credentials = match s(item, "kind")?.as_str() {
        "access_key" => StoredCredentials::AccessKey {
            access_key_id: s(item, "access_key_id")?,
            secret_ciphertext: match item.get("secret_ciphertext") {
                Some(AttributeValue::B(b)) => b.as_ref().to_vec(),
                _ => return Err(LauncherError::Internal("stored connection lacks its ciphertext".into())),
            },
        },
        "role" => StoredCredentials::Role { role_arn: s(item, "role_arn").ok(), external_id: s(item, "external_id")? },
        other => return Err(LauncherError::Internal(format!("unknown connection kind '{other}'"))),
    };
    let regions = match item.get("regions") {
        Some(AttributeValue::L(values)) => values.iter().filter_map(|v| v.as_s().ok().cloned()).collect(),
        _ => Vec::new(),
    };
    // Tenant and id come from the key, never from attributes: a row copied into another
    // tenant's partition then decrypts (and fails) under that tenant's encryption context.
    let key_part = |name: &str, prefix: &str| {
        s(item, name)?
            .strip_prefix(prefix)
            .map(str::to_owned)
            .ok_or_else(|| LauncherError::Internal(format!("stored key '{name}' lacks prefix {prefix}")))
    };
    Ok(Connection {
        tenant: key_part("pk", "TENANT#")?,
        id: key_part("sk", "CONN#")?,
        name: s(item, "name")?,
        account_id: s(item, "account_id")?,
        regions,
        credentials,
        created_at: s(item, "created_at")?,
        created_by: s(item, "created_by")?,
        version: n(item, "version")?,
        unlink_token_hash: s(item, "unlink_token_hash").ok(),
    })
}

fn link_token_key(hash: &str) -> AttributeValue {
    AttributeValue::S(format!("LINKTOKEN#{hash}"))
}

#[async_trait]
impl ConnectionStore for DynamoStore {
    async fn insert(&self, connection: &Connection) -> Result<()> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(connection_to_item(connection)))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Err(LauncherError::ConnectionExists(connection.id.clone())),
            Err(e) => Err(store_error("PutItem", &e)),
        }
    }

    async fn replace(&self, connection: &Connection) -> Result<()> {
        let previous = connection.version.checked_sub(1).ok_or_else(|| LauncherError::Internal("version 0".into()))?;
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(connection_to_item(connection)))
            .condition_expression("version = :previous")
            .expression_attribute_values(":previous", AttributeValue::N(previous.to_string()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Err(LauncherError::VersionConflict(format!(
                "connection '{}' changed or was unlinked meanwhile; read it again",
                connection.id
            ))),
            Err(e) => Err(store_error("PutItem", &e)),
        }
    }

    async fn get(&self, tenant: &str, id: &str) -> Result<Option<Connection>> {
        self.item(tenant, connection_key(id)).await?.as_ref().map(connection_from_item).transpose()
    }

    /// Rows this version cannot read (written by a newer one, or damaged) are skipped and
    /// logged, so one bad row does not take the whole tenant's listing down.
    async fn list(&self, tenant: &str) -> Result<Vec<Connection>> {
        let mut connections = Vec::new();
        for item in self.items_with_prefix(tenant, "CONN#").await? {
            match connection_from_item(&item) {
                Ok(connection) => connections.push(connection),
                Err(e) => {
                    tracing::error!(tenant, error = %e, "skipped an unreadable connection row")
                }
            }
        }
        Ok(connections)
    }

    async fn delete(&self, tenant: &str, id: &str) -> Result<()> {
        self.delete_existing(tenant, connection_key(id), LauncherError::ConnectionNotFound).await
    }

    async fn insert_link_token(&self, token: &LinkTokenRecord) -> Result<()> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", tenant_key(&token.tenant))
            .item("sk", link_token_key(&token.hash))
            .item("connection_id", AttributeValue::S(token.connection_id.clone()))
            .item("expires_at", AttributeValue::N(token.expires_at.to_string()))
            .item("created_by", AttributeValue::S(token.created_by.clone()))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        result.map(|_| ()).map_err(|e| store_error("PutItem", &e))
    }

    async fn get_link_token(&self, tenant: &str, hash: &str) -> Result<Option<LinkTokenRecord>> {
        let Some(item) = self.item(tenant, link_token_key(hash)).await? else { return Ok(None) };
        Ok(Some(LinkTokenRecord {
            tenant: tenant.to_owned(),
            hash: hash.to_owned(),
            connection_id: s(&item, "connection_id")?,
            expires_at: n(&item, "expires_at")?,
            created_by: s(&item, "created_by")?,
        }))
    }

    async fn insert_consuming_token(&self, connection: &Connection, token: &LinkTokenRecord, now: u64) -> Result<()> {
        use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
        use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};
        let consume = Delete::builder()
            .table_name(&self.table)
            .key("pk", tenant_key(&token.tenant))
            .key("sk", link_token_key(&token.hash))
            .condition_expression("attribute_exists(pk) AND expires_at > :now")
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
            .build()
            .map_err(|e| LauncherError::Internal(e.to_string()))?;
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(connection_to_item(connection)))
            .condition_expression("attribute_not_exists(pk)")
            .build()
            .map_err(|e| LauncherError::Internal(e.to_string()))?;
        let result = self
            .client
            .transact_write_items()
            .transact_items(TransactWriteItem::builder().delete(consume).build())
            .transact_items(TransactWriteItem::builder().put(put).build())
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) => {
                let reasons: Vec<String> = match e.as_service_error() {
                    Some(TransactWriteItemsError::TransactionCanceledException(cancel)) => {
                        cancel.cancellation_reasons().iter().map(|r| r.code().unwrap_or("None").to_owned()).collect()
                    }
                    _ => return Err(store_error("TransactWriteItems", &e)),
                };
                if reasons.first().is_some_and(|c| c == "ConditionalCheckFailed") {
                    Err(LauncherError::LinkTokenInvalid)
                } else if reasons.get(1).is_some_and(|c| c == "ConditionalCheckFailed") {
                    Err(LauncherError::ConnectionExists(connection.id.clone()))
                } else {
                    Err(store_error("TransactWriteItems", &e))
                }
            }
        }
    }

    async fn delete_with_unlink_token(&self, tenant: &str, id: &str, hash: &str) -> Result<()> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.table)
            .key("pk", tenant_key(tenant))
            .key("sk", connection_key(id))
            .condition_expression("unlink_token_hash = :hash")
            .expression_attribute_values(":hash", AttributeValue::S(hash.to_owned()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            Err(e) if is_condition_failure(&e) => Err(LauncherError::LinkTokenInvalid),
            Err(e) => Err(store_error("DeleteItem", &e)),
        }
    }
}

#[async_trait]
impl RuleStore for DynamoStore {
    async fn get_rules(&self, tenant: &str) -> Result<RuleSet> {
        let Some(item) = self.item(tenant, AttributeValue::S(RULES_KEY.into())).await? else {
            return Ok(RuleSet::default());
        };
        let mut rules: RuleSet = serde_json::from_str(&s(&item, "rules")?)
            .map_err(|e| LauncherError::Internal(format!("stored rules are unreadable: {e}")))?;
        rules.version = n(&item, "version")?;
        Ok(rules)
    }

    async fn put_rules(&self, tenant: &str, rules: &RuleSet, expected_version: u64) -> Result<RuleSet> {
        let next = expected_version
            .checked_add(1)
            .ok_or_else(|| LauncherError::VersionConflict(format!("no rules have version {expected_version}")))?;
        let stored = RuleSet { version: next, ..rules.clone() };
        let document = serde_json::to_string(&stored).map_err(|e| LauncherError::Internal(e.to_string()))?;
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", tenant_key(tenant))
            .item("sk", AttributeValue::S(RULES_KEY.into()))
            .item("rules", AttributeValue::S(document))
            .item("version", AttributeValue::N(stored.version.to_string()));
        let request = if expected_version == 0 {
            request.condition_expression("attribute_not_exists(pk)")
        } else {
            request
                .condition_expression("version = :expected")
                .expression_attribute_values(":expected", AttributeValue::N(expected_version.to_string()))
        };
        match request.send().await {
            Ok(_) => Ok(stored),
            Err(e) if is_condition_failure(&e) => Err(LauncherError::VersionConflict(format!(
                "the rules changed since version {expected_version}; fetch them again and reapply your change"
            ))),
            Err(e) => Err(store_error("PutItem", &e)),
        }
    }
}
