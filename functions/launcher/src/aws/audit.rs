//! The audit trail in the launcher table: `pk = TENANT#<tenant>`, `sk = AUDIT#<ms>#<id>`, expiring
//! through the table's TTL attribute. Sort keys order records by time, so "newest first" and time
//! ranges are one Query.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use base64::Engine;

use super::classify;
use crate::domain::audit::{AuditQuery, AuditRecord};
use crate::error::{LauncherError, Result};
use crate::ports::AuditStore;

#[derive(Clone, Debug)]
pub struct DynamoAudit {
    client: Client,
    table: String,
    retention_seconds: u64,
}

impl DynamoAudit {
    pub fn new(client: Client, table: impl Into<String>, retention_days: u64) -> Self {
        Self { client, table: table.into(), retention_seconds: retention_days * 86_400 }
    }
}

fn sort_key(at_ms: u64, id: &str) -> String {
    format!("AUDIT#{at_ms:015}#{id}")
}

fn encode_cursor(key: &HashMap<String, AttributeValue>) -> Option<String> {
    let sk = key.get("sk")?.as_s().ok()?;
    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sk))
}

fn decode_cursor(cursor: &str) -> Result<String> {
    let invalid = || LauncherError::invalid("cursor is not one this API returned");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let sk = String::from_utf8(bytes).map_err(|_| invalid())?;
    sk.starts_with("AUDIT#").then_some(sk).ok_or_else(invalid)
}

#[async_trait]
impl AuditStore for DynamoAudit {
    async fn record(&self, record: &AuditRecord) -> Result<()> {
        let document = serde_json::to_string(record).map_err(|e| LauncherError::Internal(e.to_string()))?;
        let expires_at = record.at_ms / 1000 + self.retention_seconds;
        self.client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(format!("TENANT#{}", record.tenant)))
            .item("sk", AttributeValue::S(sort_key(record.at_ms, &record.id)))
            .item("record", AttributeValue::S(document))
            .item("expires_at", AttributeValue::N(expires_at.to_string()))
            .send()
            .await
            .map_err(|e| {
                let failure = classify(&e);
                tracing::error!(failure = ?failure, "audit write failed");
                LauncherError::AuditUnavailable(format!("{failure:?}"))
            })?;
        Ok(())
    }

    async fn query(&self, tenant: &str, query: &AuditQuery) -> Result<(Vec<AuditRecord>, Option<String>)> {
        let lower = sort_key(query.from_ms.unwrap_or(0), "");
        // '~' sorts after every id character, so `to` is inclusive.
        let mut upper = format!("{}~", sort_key(query.to_ms.unwrap_or(999_999_999_999_999), ""));
        if let Some(cursor) = &query.cursor {
            let after = decode_cursor(cursor)?;
            // Newest first: the next page is strictly older than the cursor's record.
            if after < upper {
                upper = after;
            }
        }
        let mut records = Vec::new();
        let mut start: Option<HashMap<String, AttributeValue>> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk AND sk BETWEEN :lower AND :upper")
                .expression_attribute_values(":pk", AttributeValue::S(format!("TENANT#{tenant}")))
                .expression_attribute_values(":lower", AttributeValue::S(lower.clone()))
                .expression_attribute_values(":upper", AttributeValue::S(upper.clone()))
                .scan_index_forward(false)
                .set_exclusive_start_key(start.take())
                .limit(100)
                .send()
                .await
                .map_err(|e| LauncherError::StoreUnavailable(format!("Query: {:?}", classify(&e))))?;
            for item in out.items() {
                // `BETWEEN` includes the cursor's own record: the next page starts below it.
                let sk = item.get("sk").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                if query.cursor.is_some() && sk == upper {
                    continue;
                }
                let Some(Ok(mut record)) =
                    item.get("record").and_then(|v| v.as_s().ok()).map(|d| serde_json::from_str::<AuditRecord>(d))
                else {
                    continue;
                };
                record.tenant = tenant.to_owned();
                if record.matches(query) {
                    records.push((sk, record));
                    if records.len() == query.limit {
                        let next = records.last().map(|(sk, _)| {
                            let key = HashMap::from([("sk".to_owned(), AttributeValue::S(sk.clone()))]);
                            encode_cursor(&key).unwrap_or_default()
                        });
                        return Ok((records.into_iter().map(|(_, r)| r).collect(), next));
                    }
                }
            }
            match out.last_evaluated_key() {
                Some(key) => start = Some(key.clone()),
                None => return Ok((records.into_iter().map(|(_, r)| r).collect(), None)),
            }
        }
    }
}
