//! Recording to the audit trail, and reading it back.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;
use serde::Serialize;

use super::Launcher;
use crate::config::MAX_PAGE_SIZE;
use crate::domain::audit::{AuditAction, AuditQuery, AuditRecord, Outcome};
use crate::error::{LauncherError, Result};
use crate::identity::Principal;

#[derive(Debug, Serialize)]
pub struct AuditPage {
    pub records: Vec<AuditRecord>,
    pub next_cursor: Option<String>,
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

fn random_id() -> String {
    crate::random::hex::<8>()
}

/// Parses a time bound: RFC 3339 (`2026-12-03T10:00:00Z`) or Unix seconds.
pub fn parse_time_ms(value: &str) -> Result<u64> {
    if let Ok(seconds) = value.parse::<u64>() {
        return Ok(seconds * 1000);
    }
    let time = DateTime::from_str(value, Format::DateTime)
        .map_err(|_| LauncherError::invalid(format!("'{value}' is not an RFC 3339 time or Unix seconds")))?;
    u64::try_from(time.to_millis().unwrap_or(-1))
        .map_err(|_| LauncherError::invalid(format!("'{value}' is before 1970")))
}

impl Launcher {
    /// A fresh record of `action` by `principal`, outcome still to be set.
    pub(super) fn audit_record(&self, principal: &Principal, action: AuditAction) -> AuditRecord {
        let at_ms = now_ms();
        AuditRecord {
            id: random_id(),
            at: DateTime::from_millis(at_ms as i64).fmt(Format::DateTime).unwrap_or_default(),
            at_ms,
            tenant: principal.tenant.clone(),
            subject: principal.subject.clone(),
            groups: principal.groups.iter().cloned().collect(),
            action,
            connection: None,
            region: None,
            function: None,
            qualifier: None,
            mode: None,
            outcome: Outcome::Succeeded,
            status_code: None,
            error_code: None,
            duration_ms: None,
            request_id: None,
            payload_bytes: None,
            payload_sha256: None,
            detail: None,
        }
    }

    /// Records something that already happened. A failure is logged, not returned: the change
    /// it describes has been made and must be reported as made.
    pub(super) async fn audit_done(&self, record: &AuditRecord) {
        if let Err(e) = self.audit.record(record).await {
            tracing::error!(error = %e, action = ?record.action, subject = %record.subject, "audit record lost");
        }
    }

    /// Records that `principal` did `action` to a connection.
    pub(super) async fn audit_connection(
        &self,
        principal: &Principal,
        action: AuditAction,
        connection: &str,
        detail: Option<String>,
    ) {
        let mut record = self.audit_record(principal, action);
        record.connection = Some(connection.to_owned());
        record.detail = detail;
        self.audit_done(&record).await;
    }

    /// Tenant admins read the tenant's trail; anyone else only their own records, whatever
    /// `subject` they ask for (another subject's records are simply not there for them).
    pub async fn query_audit(&self, principal: &Principal, mut query: AuditQuery) -> Result<AuditPage> {
        if !self.is_admin(principal) {
            if query.subject.as_ref().is_some_and(|s| *s != principal.subject) {
                return Ok(AuditPage { records: Vec::new(), next_cursor: None });
            }
            query.subject = Some(principal.subject.clone());
        }
        if !(1..=MAX_PAGE_SIZE).contains(&query.limit) {
            return Err(LauncherError::invalid(format!("limit must be 1-{MAX_PAGE_SIZE}")));
        }
        if let (Some(from), Some(to)) = (query.from_ms, query.to_ms) {
            if from > to {
                return Err(LauncherError::invalid("from must not be after to"));
            }
        }
        query.function = query.function.filter(|f| !f.is_empty());
        let (records, next_cursor) = self.audit.query(&principal.tenant, &query).await?;
        Ok(AuditPage { records, next_cursor })
    }
}
