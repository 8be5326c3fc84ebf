//! Presets: named example payloads per function, shared within the tenant. Every access goes
//! through `resolve`, so a function the caller may not see has no presets either: 404 exactly
//! like a missing function.

use serde::Serialize;

use super::Launcher;
use crate::domain::audit::{AuditAction, Outcome};
use crate::domain::function::FunctionRef;
use crate::domain::preset::{check_name, Preset, PresetInput, MAX_PRESETS_PER_FUNCTION};
use crate::error::{LauncherError, Result};
use crate::identity::Principal;

#[derive(Debug, Serialize)]
pub struct PresetList {
    pub presets: Vec<Preset>,
    /// Whether the caller may save and delete presets (tenant admins).
    pub can_edit: bool,
}

pub(super) fn function_key(reference: &FunctionRef) -> String {
    format!("{}/{}/{}", reference.connection, reference.region, reference.name)
}

impl Launcher {
    /// `GET …/presets`: anyone who may view the function.
    pub async fn list_presets(&self, principal: &Principal, reference: &FunctionRef) -> Result<PresetList> {
        self.resolve(principal, reference).await?;
        let presets = self.presets.list_presets(&principal.tenant, &function_key(reference)).await?;
        Ok(PresetList { presets, can_edit: self.is_admin(principal) })
    }

    /// `PUT …/presets/{name}`: tenant admins. Returns the preset and whether it was new.
    pub async fn put_preset(
        &self,
        principal: &Principal,
        reference: &FunctionRef,
        name: &str,
        input: PresetInput,
    ) -> Result<(Preset, bool)> {
        self.require_admin(principal)?;
        self.resolve(principal, reference).await?;
        check_name(name)?;
        input.check()?;
        let key = function_key(reference);
        let existing = self.presets.list_presets(&principal.tenant, &key).await?;
        if existing.len() >= MAX_PRESETS_PER_FUNCTION && !existing.iter().any(|p| p.name == name) {
            return Err(LauncherError::PresetLimitReached(MAX_PRESETS_PER_FUNCTION));
        }
        let record = self.audit_record(principal, AuditAction::PresetSave);
        let preset = Preset {
            name: name.to_owned(),
            description: input.description,
            payload: input.payload,
            updated_at: record.at.clone(),
            updated_by: principal.subject.clone(),
        };
        let replaced = self.presets.put_preset(&principal.tenant, &key, &preset).await?;
        self.audit_preset(record, reference, name).await;
        Ok((preset, !replaced))
    }

    /// `DELETE …/presets/{name}`: tenant admins.
    pub async fn delete_preset(&self, principal: &Principal, reference: &FunctionRef, name: &str) -> Result<()> {
        self.require_admin(principal)?;
        self.resolve(principal, reference).await?;
        check_name(name).map_err(|_| LauncherError::PresetNotFound)?;
        self.presets.delete_preset(&principal.tenant, &function_key(reference), name).await?;
        let record = self.audit_record(principal, AuditAction::PresetDelete);
        self.audit_preset(record, reference, name).await;
        Ok(())
    }

    async fn audit_preset(&self, mut record: crate::domain::audit::AuditRecord, reference: &FunctionRef, name: &str) {
        record.connection = Some(reference.connection.clone());
        record.region = Some(reference.region.clone());
        record.function = Some(reference.name.clone());
        record.outcome = Outcome::Succeeded;
        record.detail = Some(format!("preset {name}"));
        self.audit_done(&record).await;
    }

    /// The payload of a preset of a function the caller has resolved; `PresetNotFound` if none.
    pub(super) async fn preset_payload(
        &self,
        principal: &Principal,
        reference: &FunctionRef,
        name: &str,
    ) -> Result<Vec<u8>> {
        check_name(name).map_err(|_| LauncherError::PresetNotFound)?;
        let preset = self
            .presets
            .get_preset(&principal.tenant, &function_key(reference), name)
            .await?
            .ok_or(LauncherError::PresetNotFound)?;
        Ok(preset.payload.to_string().into_bytes())
    }
}
