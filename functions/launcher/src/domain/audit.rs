//! The audit trail: who did what to which function or connection, when, and how it ended. Never
//! a payload or a secret: only a payload's size and SHA-256.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    Invoke,
    Link,
    Unlink,
    RulesChange,
    PresetSave,
    PresetDelete,
    SchemaSave,
    SchemaDelete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Written before an invocation runs; replaced by its result.
    Started,
    Succeeded,
    /// An Idempotency-Key repeat: the stored outcome was returned, nothing ran.
    Replayed,
    FunctionError,
    Denied,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub id: String,
    /// RFC 3339 with milliseconds; records sort by it.
    pub at: String,
    #[serde(skip)]
    pub at_ms: u64,
    #[serde(skip)]
    pub tenant: String,
    pub subject: String,
    pub groups: Vec<String>,
    pub action: AuditAction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualifier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_bytes: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_sha256: Option<String>,
    /// A short note: the rules version a change produced, a link's kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The fingerprint of a payload: enough to match a run to a known input, nothing to read back.
pub fn payload_digest(payload: &[u8]) -> String {
    hex::encode(Sha256::digest(payload))
}

/// Filters of `GET /audit`.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub subject: Option<String>,
    /// `connection/region/name`, or a prefix of it such as `prod/` or `prod/us-east-1/`.
    pub function: Option<String>,
    /// Inclusive bounds, Unix milliseconds.
    pub from_ms: Option<u64>,
    pub to_ms: Option<u64>,
    pub limit: usize,
    pub cursor: Option<String>,
}

impl AuditRecord {
    /// `connection/region/name` of the function, if the record is about one.
    pub fn function_path(&self) -> Option<String> {
        Some(format!("{}/{}/{}", self.connection.as_ref()?, self.region.as_ref()?, self.function.as_ref()?))
    }

    pub fn matches(&self, query: &AuditQuery) -> bool {
        query.subject.as_ref().is_none_or(|s| *s == self.subject)
            && query.function.as_ref().is_none_or(|f| self.function_path().is_some_and(|p| p.starts_with(f.as_str())))
    }
}
