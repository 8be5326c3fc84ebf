//! Stored input schemas in the launcher table: `pk = TENANT#<tenant>`, `sk = SCHEMA#<name>`.
//! Schema names have the preset-name format (no `#`), so one `begins_with` Query lists exactly
//! a tenant's schemas.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::classify;
use super::dynamo::DynamoStore;
use crate::domain::schema::StoredSchema;
use crate::error::{LauncherError, Result};
use crate::ports::SchemaStore;

const PREFIX: &str = "SCHEMA#";

fn pk(tenant: &str) -> AttributeValue {
    AttributeValue::S(format!("TENANT#{tenant}"))
}

fn sk(name: &str) -> AttributeValue {
    AttributeValue::S(format!("{PREFIX}{name}"))
}

fn store_error(op: &str, failure: impl std::fmt::Debug) -> LauncherError {
    tracing::error!(operation = op, failure = ?failure, "schema store failed");
    LauncherError::StoreUnavailable(format!("{op}: {failure:?}"))
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
        let out = self
            .client()
            .get_item()
            .table_name(self.table())
            .key("pk", pk(tenant))
            .key("sk", sk(name))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| store_error("GetItem", classify(&e)))?;
        Ok(out.item.as_ref().and_then(decode))
    }

    async fn put_schema(&self, tenant: &str, schema: &StoredSchema) -> Result<bool> {
        let document = serde_json::to_string(schema).map_err(|e| LauncherError::Internal(e.to_string()))?;
        let out = self
            .client()
            .put_item()
            .table_name(self.table())
            .item("pk", pk(tenant))
            .item("sk", sk(&schema.name))
            .item("schema_doc", AttributeValue::S(document))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(|e| store_error("PutItem", classify(&e)))?;
        Ok(out.attributes.is_some_and(|a| !a.is_empty()))
    }

    async fn delete_schema(&self, tenant: &str, name: &str) -> Result<()> {
        self.delete_existing(tenant, sk(name), LauncherError::SchemaNotFound).await
    }
}
