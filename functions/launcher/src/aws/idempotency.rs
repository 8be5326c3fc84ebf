//! Idempotency keys in the launcher table: `sk = IDEM#<sha256(caller, key)>`. A claim is a
//! conditional write; an in-flight claim lapses after the longest possible invocation, so a
//! crashed request cannot block its key for a day.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

use super::classify;
use super::dynamo::DynamoStore;
use crate::domain::idempotency::{Claim, StoredOutcome, KEY_TTL_SECONDS};
use crate::error::{LauncherError, Result};
use crate::ports::IdempotencyStore;

/// Longer than any invocation through the launcher (API Gateway gives up after 30 s; async and
/// direct callers are bounded by Lambda's 15 minutes).
const IN_FLIGHT_LEASE_SECONDS: u64 = 15 * 60;

fn key(tenant: &str, key: &str) -> [(&'static str, AttributeValue); 2] {
    [("pk", AttributeValue::S(format!("TENANT#{tenant}"))), ("sk", AttributeValue::S(format!("IDEM#{key}")))]
}

fn store_error(op: &str, failure: impl std::fmt::Debug) -> LauncherError {
    tracing::error!(operation = op, failure = ?failure, "idempotency store failed");
    LauncherError::StoreUnavailable(format!("{op}: {failure:?}"))
}

#[async_trait]
impl IdempotencyStore for DynamoStore {
    async fn claim(&self, tenant: &str, idem: &str, fingerprint: &str, now: u64) -> Result<Claim> {
        let [pk, sk] = key(tenant, idem);
        let claimed = self
            .client()
            .put_item()
            .table_name(self.table())
            .item(pk.0, pk.1.clone())
            .item(sk.0, sk.1.clone())
            .item("state", AttributeValue::S("in_flight".into()))
            .item("fingerprint", AttributeValue::S(fingerprint.into()))
            .item("expires_at", AttributeValue::N((now + IN_FLIGHT_LEASE_SECONDS).to_string()))
            .condition_expression("attribute_not_exists(pk) OR expires_at < :now")
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
            .send()
            .await;
        match claimed {
            Ok(_) => return Ok(Claim::Claimed),
            Err(e) if matches!(classify(&e), super::AwsFailure::ConditionFailed(_)) => {}
            Err(e) => return Err(store_error("PutItem", classify(&e))),
        }
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .key(pk.0, pk.1)
            .key(sk.0, sk.1)
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("GetItem", classify(&e)))?;
        let Some(item) = out.item else { return Ok(Claim::InFlight) };
        let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
        if text("state").as_deref() != Some("done") {
            return Ok(Claim::InFlight);
        }
        let outcome = match (text("outcome"), text("error_code")) {
            (Some(document), _) => Ok(serde_json::from_str(&document)
                .map_err(|e| LauncherError::Internal(format!("stored outcome is unreadable: {e}")))?),
            (None, Some(code)) => Err(code),
            (None, None) => Err("unknown".to_owned()),
        };
        Ok(Claim::Done { fingerprint: text("fingerprint").unwrap_or_default(), outcome })
    }

    async fn complete(
        &self,
        tenant: &str,
        idem: &str,
        fingerprint: &str,
        outcome: std::result::Result<&StoredOutcome, &str>,
        now: u64,
    ) -> Result<()> {
        let [pk, sk] = key(tenant, idem);
        let mut request = self
            .client()
            .put_item()
            .table_name(self.table())
            .item(pk.0, pk.1)
            .item(sk.0, sk.1)
            .item("state", AttributeValue::S("done".into()))
            .item("fingerprint", AttributeValue::S(fingerprint.into()))
            .item("expires_at", AttributeValue::N((now + KEY_TTL_SECONDS).to_string()));
        request = match outcome {
            Ok(stored) => {
                let document = serde_json::to_string(stored).map_err(|e| LauncherError::Internal(e.to_string()))?;
                request.item("outcome", AttributeValue::S(document))
            }
            Err(code) => request.item("error_code", AttributeValue::S(code.into())),
        };
        request.send().await.map_err(|e| store_error("PutItem", classify(&e)))?;
        Ok(())
    }

    async fn release(&self, tenant: &str, idem: &str) -> Result<()> {
        let [pk, sk] = key(tenant, idem);
        self.client()
            .delete_item()
            .table_name(self.table())
            .key(pk.0, pk.1)
            .key(sk.0, sk.1)
            .send()
            .await
            .map_err(|e| store_error("DeleteItem", classify(&e)))?;
        Ok(())
    }
}
