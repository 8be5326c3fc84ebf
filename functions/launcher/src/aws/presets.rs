//! Presets in the launcher table: `pk = TENANT#<tenant>`, `sk = PRESET#<connection>/<region>/<name>#<preset>`.
//! Connection ids, regions, function names and preset names cannot hold `#` or `/` (checked
//! before any store access), so one `begins_with` Query lists exactly one function's presets.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

use super::classify;
use super::dynamo::DynamoStore;
use crate::domain::preset::Preset;
use crate::error::{LauncherError, Result};
use crate::ports::PresetStore;

fn pk(tenant: &str) -> AttributeValue {
    AttributeValue::S(format!("TENANT#{tenant}"))
}

fn prefix(function: &str) -> String {
    format!("PRESET#{function}#")
}

fn sk(function: &str, name: &str) -> AttributeValue {
    AttributeValue::S(format!("{}{name}", prefix(function)))
}

fn store_error(op: &str, failure: impl std::fmt::Debug) -> LauncherError {
    tracing::error!(operation = op, failure = ?failure, "preset store failed");
    LauncherError::StoreUnavailable(format!("{op}: {failure:?}"))
}

fn decode(item: &std::collections::HashMap<String, AttributeValue>) -> Option<Preset> {
    let document = item.get("preset")?.as_s().ok()?;
    serde_json::from_str(document).ok()
}

#[async_trait]
impl PresetStore for DynamoStore {
    async fn list_presets(&self, tenant: &str, function: &str) -> Result<Vec<Preset>> {
        let mut presets = Vec::new();
        for item in self.items_with_prefix(tenant, &prefix(function)).await? {
            match decode(&item) {
                Some(preset) => presets.push(preset),
                None => tracing::error!(tenant, "skipped an unreadable preset row"),
            }
        }
        presets.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(presets)
    }

    async fn get_preset(&self, tenant: &str, function: &str, name: &str) -> Result<Option<Preset>> {
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .key("pk", pk(tenant))
            .key("sk", sk(function, name))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("GetItem", classify(&e)))?;
        Ok(out.item.as_ref().and_then(decode))
    }

    async fn put_preset(&self, tenant: &str, function: &str, preset: &Preset) -> Result<bool> {
        let document = serde_json::to_string(preset).map_err(|e| LauncherError::Internal(e.to_string()))?;
        let out = self
            .client()
            .put_item()
            .table_name(self.table())
            .item("pk", pk(tenant))
            .item("sk", sk(function, &preset.name))
            .item("preset", AttributeValue::S(document))
            .return_values(aws_sdk_dynamodb::types::ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| store_error("PutItem", classify(&e)))?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    async fn delete_preset(&self, tenant: &str, function: &str, name: &str) -> Result<()> {
        self.delete_existing(tenant, sk(function, name), LauncherError::PresetNotFound).await
    }
}
