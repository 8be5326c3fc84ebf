//! Functions as the launcher presents them, and the shape of an invocation.

use serde::Serialize;
use std::collections::BTreeMap;

/// Where a function lives, as seen by a tenant: (connection, region, name).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FunctionRef {
    pub connection: String,
    pub region: String,
    pub name: String,
}

/// One entry of `GET /functions`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FunctionSummary {
    pub connection: String,
    pub account_id: String,
    pub region: String,
    pub name: String,
    pub arn: String,
    pub description: String,
    pub runtime: Option<String>,
    pub memory_mb: Option<i32>,
    pub timeout_seconds: Option<i32>,
    pub last_modified: Option<String>,
    /// What the caller may do with it: `view`, `invoke`, `invoke_async`.
    pub allowed: Vec<&'static str>,
    /// The function's tags, in a listing only when asked for (`tags=true`) or read anyway for the
    /// access decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

/// `GET /functions/{connection}/{region}/{name}`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FunctionDetail {
    #[serde(flatten)]
    pub summary: FunctionSummary,
    pub handler: Option<String>,
    pub version: Option<String>,
    pub state: Option<String>,
    pub architectures: Vec<String>,
    pub package_type: Option<String>,
    /// The input schema its `launcher:input-schema` tag declares, when it is a usable one.
    pub input_schema: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InvokeMode {
    Sync,
    Async,
    DryRun,
}

impl InvokeMode {
    pub fn parse(value: Option<&str>) -> Option<Self> {
        match value.unwrap_or("sync") {
            "sync" => Some(Self::Sync),
            "async" => Some(Self::Async),
            "dry-run" => Some(Self::DryRun),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sync => "sync",
            Self::Async => "async",
            Self::DryRun => "dry-run",
        }
    }
}

/// What Lambda answered, decoded. The payload is kept as bytes: it is the function's own output.
#[derive(Debug, Clone, PartialEq)]
pub struct InvokeOutcome {
    pub mode: InvokeMode,
    pub status_code: i32,
    pub function_error: Option<String>,
    pub executed_version: Option<String>,
    pub log_tail: Option<String>,
    pub request_id: Option<String>,
    pub payload: Vec<u8>,
    /// False only in a replay whose first run's payload was too large to keep (`payload` is empty).
    pub payload_kept: bool,
    pub duration_ms: u64,
    /// The stored outcome of an earlier request with the same Idempotency-Key: nothing ran now.
    pub replayed: bool,
}

/// The deepest nesting of arrays and objects in a JSON text (brackets inside strings do not
/// count). Linear and without recursion, so it is safe before parsing.
pub fn nesting_depth(json: &[u8]) -> usize {
    let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &byte in json {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}
