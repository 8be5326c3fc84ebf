//! Duplicate-safe invocations: the same `Idempotency-Key` from the same caller within 24 hours
//! answers with the first request's outcome instead of running the function again.

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::function::{FunctionRef, InvokeMode, InvokeOutcome};
use crate::error::{LauncherError, Result};

pub const KEY_TTL_SECONDS: u64 = 24 * 3600;
/// Outcomes are stored whole up to this many payload bytes (DynamoDB items hold 400 KB); larger
/// payloads are replayed without their payload, marked so.
pub const MAX_STORED_PAYLOAD: usize = 256 * 1024;

/// A key as the client sent it: 1-128 printable ASCII characters, no comma. API Gateway joins
/// repeated headers with commas, so a comma would make two keys look like one; refusing it gives
/// the same answer deployed and locally (where repeated headers are refused as such).
pub fn check_key(key: &str) -> Result<()> {
    if (1..=128).contains(&key.len()) && key.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b',') {
        Ok(())
    } else {
        Err(LauncherError::invalid(
            "Idempotency-Key must be one value of 1-128 printable ASCII characters, without spaces or commas",
        ))
    }
}

/// Where the key is stored: scoped to the caller, so two callers' keys never meet.
pub fn scoped_key(subject: &str, key: &str) -> String {
    // Length-prefixed, so no (subject, key) pair can spell another's.
    hex::encode(Sha256::digest(format!("{}:{subject}{key}", subject.len()).as_bytes()))
}

/// What the request asked for; a key reused for a different request is refused.
pub fn fingerprint(reference: &FunctionRef, qualifier: Option<&str>, mode: InvokeMode, payload: &[u8]) -> String {
    let mut hash = Sha256::new();
    for part in [&reference.connection, &reference.region, &reference.name, qualifier.unwrap_or(""), mode.as_str()] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hash.update(payload);
    hex::encode(hash.finalize())
}

/// An outcome as stored for replay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredOutcome {
    pub mode: InvokeMode,
    pub status_code: i32,
    pub function_error: Option<String>,
    pub executed_version: Option<String>,
    pub log_tail: Option<String>,
    pub request_id: Option<String>,
    pub duration_ms: u64,
    /// Base64; `None` when it was too large to keep (the replay then says so: `payload_kept`).
    pub payload: Option<String>,
}

impl From<&InvokeOutcome> for StoredOutcome {
    fn from(o: &InvokeOutcome) -> Self {
        Self {
            mode: o.mode,
            status_code: o.status_code,
            function_error: o.function_error.clone(),
            executed_version: o.executed_version.clone(),
            log_tail: o.log_tail.clone(),
            request_id: o.request_id.clone(),
            duration_ms: o.duration_ms,
            payload: (o.payload.len() <= MAX_STORED_PAYLOAD)
                .then(|| base64::engine::general_purpose::STANDARD.encode(&o.payload)),
        }
    }
}

impl StoredOutcome {
    pub fn replay(&self) -> InvokeOutcome {
        let payload = match &self.payload {
            Some(encoded) => base64::engine::general_purpose::STANDARD.decode(encoded).unwrap_or_default(),
            None => Vec::new(),
        };
        InvokeOutcome {
            mode: self.mode,
            status_code: self.status_code,
            function_error: self.function_error.clone(),
            executed_version: self.executed_version.clone(),
            log_tail: self.log_tail.clone(),
            request_id: self.request_id.clone(),
            payload,
            payload_kept: self.payload.is_some(),
            duration_ms: self.duration_ms,
            replayed: true,
        }
    }
}

/// What the store found when a request claimed a key.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// The key is this request's now: run the function.
    Claimed,
    /// Another request with the key is running.
    InFlight,
    /// A request with the key finished: its fingerprint and outcome (or the error it ended with).
    Done { fingerprint: String, outcome: std::result::Result<StoredOutcome, String> },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_and_scoped_per_caller() {
        assert!(check_key("order-42").is_ok());
        for bad in ["", "has space", &"k".repeat(129), "tab\t"] {
            assert!(check_key(bad).is_err(), "{bad:?}");
        }
        assert_ne!(scoped_key("alice", "k"), scoped_key("bob", "k"));
        assert_ne!(scoped_key("a\nb", "c"), scoped_key("a", "b\nc"));
    }

    #[test]
    fn fingerprints_tell_requests_apart() {
        let f = FunctionRef { connection: "c".into(), region: "us-east-1".into(), name: "f".into() };
        let base = fingerprint(&f, None, InvokeMode::Sync, b"{}");
        assert_eq!(base, fingerprint(&f, None, InvokeMode::Sync, b"{}"));
        assert_ne!(base, fingerprint(&f, None, InvokeMode::Async, b"{}"));
        assert_ne!(base, fingerprint(&f, Some("1"), InvokeMode::Sync, b"{}"));
        assert_ne!(base, fingerprint(&f, None, InvokeMode::Sync, b"{ }"));
    }

    #[test]
    fn outcomes_replay_as_stored() {
        let outcome = InvokeOutcome {
            mode: InvokeMode::Sync,
            status_code: 200,
            function_error: None,
            executed_version: Some("3".into()),
            log_tail: Some("log".into()),
            request_id: Some("r".into()),
            payload: b"{\"ok\":true}".to_vec(),
            payload_kept: true,
            duration_ms: 7,
            replayed: false,
        };
        let replay = StoredOutcome::from(&outcome).replay();
        assert_eq!(replay, InvokeOutcome { replayed: true, ..outcome.clone() });
        let big = InvokeOutcome { payload: vec![b' '; MAX_STORED_PAYLOAD + 1], ..outcome };
        assert!(StoredOutcome::from(&big).payload.is_none());
        let replay = StoredOutcome::from(&big).replay();
        assert!(!replay.payload_kept && replay.payload.is_empty(), "an empty payload, flagged, not a made-up one");
    }
}
