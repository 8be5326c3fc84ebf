//! Presets in the launcher table: `pk = TENANT#<tenant>`, `sk = PRESET#<connection>/<region>/<name>#<preset>`.
//! Connection ids, regions, function names and preset names cannot hold `#` or `/` (checked
//! before any store access), so one `begins_with` Query lists exactly one function's presets.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

use super::dynamo::DynamoStore;
use crate::domain::preset::Preset;
use crate::error::{LauncherError, Result};
use crate::ports::PresetStore;

fn prefix(function: &str) -> String {
    format!("PRESET#{function}#")
}

fn sk(function: &str, name: &str) -> AttributeValue {
    AttributeValue::S(format!("{}{name}", prefix(function)))
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
        Ok(self.item(tenant, sk(function, name)).await?.as_ref().and_then(decode))
    }

    async fn put_preset(&self, tenant: &str, function: &str, preset: &Preset) -> Result<bool> {
        let document = serde_json::to_string(preset).map_err(|e| LauncherError::Internal(e.to_string()))?;
        self.put_document(tenant, sk(function, &preset.name), "preset", document).await
    }

    async fn delete_preset(&self, tenant: &str, function: &str, name: &str) -> Result<()> {
        self.delete_existing(tenant, sk(function, name), LauncherError::PresetNotFound).await
    }
}
