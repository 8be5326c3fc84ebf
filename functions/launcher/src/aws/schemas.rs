//! Stored input schemas in the launcher table: `pk = TENANT#<tenant>`, `sk = SCHEMA#<name>`.
//! Schema names have the preset-name format (no `#`), so one `begins_with` Query lists exactly
//! a tenant's schemas.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

use super::dynamo::DynamoStore;
use crate::domain::schema::StoredSchema;
use crate::error::{LauncherError, Result};
use crate::ports::SchemaStore;

const PREFIX: &str = "SCHEMA#";

fn sk(name: &str) -> AttributeValue {
    AttributeValue::S(format!("{PREFIX}{name}"))
}

fn decode(item: &HashMap<String, AttributeValue>) -> Option<StoredSchema> {
    serde_json::from_str(item.get("schema_doc")?.as_s().ok()?).ok()
}

#[async_trait]
impl SchemaStore for DynamoStore {
    async fn list_schemas(&self, tenant: &str) -> Result<Vec<StoredSchema>> {
        let mut schemas = Vec::new();
        for item in self.items_with_prefix(tenant, PREFIX).await? {
            match decode(&item) {
                Some(schema) => schemas.push(schema),
                None => tracing::error!(tenant, "skipped an unreadable schema row"),
            }
        }
        schemas.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(schemas)
    }

    async fn get_schema(&self, tenant: &str, name: &str) -> Result<Option<StoredSchema>> {
        Ok(self.item(tenant, sk(name)).await?.as_ref().and_then(decode))
    }

    async fn put_schema(&self, tenant: &str, schema: &StoredSchema) -> Result<bool> {
        let document = serde_json::to_string(schema).map_err(|e| LauncherError::Internal(e.to_string()))?;
        self.put_document(tenant, sk(&schema.name), "schema_doc", document).await
    }

    async fn delete_schema(&self, tenant: &str, name: &str) -> Result<()> {
        self.delete_existing(tenant, sk(name), LauncherError::SchemaNotFound).await
    }
}
