//! Stored input schemas: tenant admins save them by name, functions reference one with the tag
//! `launcher:input-schema-ref`, and every invoke and `GET` of such a function resolves it (cached
//! for `FUNCTION_TTL`). A reference to a schema the tenant has not stored is refused like an
//! unusable inline schema: the function does not run unchecked.

use std::sync::Arc;

use serde::Serialize;

use super::Launcher;
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::preset::check_name;
use crate::domain::rules::Tags;
use crate::domain::schema::{
    Schema, SchemaInput, StoredSchema, INPUT_SCHEMA_REF_TAG, INPUT_SCHEMA_TAG, MAX_STORED_SCHEMAS,
};
use crate::error::{LauncherError, Result};
use crate::identity::Principal;

#[derive(Debug, Serialize)]
pub struct SchemaList {
    pub schemas: Vec<StoredSchema>,
    /// Whether the caller may save and delete schemas (tenant admins).
    pub can_edit: bool,
}

impl Launcher {
    /// `GET /schemas`: tenant admins. Everyone else meets a schema only through a function they
    /// may see (its `input_schema`): deny by default holds for schemas too.
    pub async fn list_schemas(&self, principal: &Principal) -> Result<SchemaList> {
        self.require_admin(principal)?;
        let schemas = self.schemas.list_schemas(&principal.tenant).await?;
        Ok(SchemaList { schemas, can_edit: true })
    }

    /// `PUT /schemas/{name}`: tenant admins. Returns the schema and whether it was new.
    pub async fn put_schema(
        &self,
        principal: &Principal,
        name: &str,
        input: SchemaInput,
    ) -> Result<(StoredSchema, bool)> {
        self.require_admin(principal)?;
        check_name(name).map_err(|_| LauncherError::invalid("a schema name has the preset-name format"))?;
        input.check()?;
        let existing = self.schemas.list_schemas(&principal.tenant).await?;
        if existing.len() >= MAX_STORED_SCHEMAS && !existing.iter().any(|s| s.name == name) {
            return Err(LauncherError::SchemaLimitReached(MAX_STORED_SCHEMAS));
        }
        let record = self.audit_record(principal, AuditAction::SchemaSave);
        let stored = StoredSchema {
            name: name.to_owned(),
            description: input.description,
            schema: input.schema,
            updated_at: record.at.clone(),
            updated_by: principal.subject.clone(),
        };
        let replaced = self.schemas.put_schema(&principal.tenant, &stored).await?;
        self.caches.schemas.remove(&(principal.tenant.clone(), name.to_owned()));
        self.audit_schema(record, name).await;
        Ok((stored, !replaced))
    }

    /// `DELETE /schemas/{name}`: tenant admins.
    pub async fn delete_schema(&self, principal: &Principal, name: &str) -> Result<()> {
        self.require_admin(principal)?;
        check_name(name).map_err(|_| LauncherError::SchemaNotFound)?;
        self.schemas.delete_schema(&principal.tenant, name).await?;
        self.caches.schemas.remove(&(principal.tenant.clone(), name.to_owned()));
        let record = self.audit_record(principal, AuditAction::SchemaDelete);
        self.audit_schema(record, name).await;
        Ok(())
    }

    async fn audit_schema(&self, mut record: crate::domain::audit::AuditRecord, name: &str) {
        record.outcome = Outcome::Succeeded;
        record.detail = Some(format!("schema {name}"));
        self.audit_done(&record).await;
    }

    /// The input schema a function's tags declare, inline or by reference; `None` if neither.
    pub(super) async fn input_schema(&self, tenant: &str, tags: &Tags) -> Result<Option<Arc<Schema>>> {
        let invalid = LauncherError::InputSchemaInvalid;
        match (tags.get(INPUT_SCHEMA_TAG), tags.get(INPUT_SCHEMA_REF_TAG)) {
            (None, None) => Ok(None),
            (Some(_), Some(_)) => Err(invalid(format!("it has both {INPUT_SCHEMA_TAG} and {INPUT_SCHEMA_REF_TAG}"))),
            (Some(inline), None) => Schema::parse(inline).map(|s| Some(Arc::new(s))).map_err(invalid),
            (None, Some(name)) => {
                let key = (tenant.to_owned(), name.clone());
                if let Some(schema) = self.caches.schemas.get(&key) {
                    return Ok(Some(schema));
                }
                let missing =
                    || invalid(format!("{INPUT_SCHEMA_REF_TAG} names '{name}', which this tenant has not stored"));
                if check_name(name).is_err() {
                    return Err(missing());
                }
                let stored = self.schemas.get_schema(tenant, name).await?.ok_or_else(missing)?;
                let schema = Arc::new(Schema::from_value(stored.schema).map_err(invalid)?);
                self.caches.schemas.insert(key, schema.clone());
                Ok(Some(schema))
            }
        }
    }
}
