//! Presets: named example payloads of one function, shared within a tenant. Tenant admins save
//! and delete them; anyone who may view the function sees them; anyone who may invoke it runs one.

use serde::{Deserialize, Serialize};

use crate::config::PAYLOAD_DEPTH_LIMIT;
use crate::domain::function::nesting_depth;
use crate::error::{LauncherError, Result};

/// Largest preset payload (serialized JSON).
pub const MAX_PRESET_PAYLOAD: usize = 64 * 1024;
pub const MAX_PRESETS_PER_FUNCTION: usize = 50;
pub const MAX_DESCRIPTION_CHARS: usize = 256;
pub const MAX_NAME_LEN: usize = 64;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preset {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The payload, as JSON.
    pub payload: serde_json::Value,
    pub updated_at: String,
    pub updated_by: String,
}

/// What an admin sends to `PUT …/presets/{name}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresetInput {
    pub payload: serde_json::Value,
    #[serde(default)]
    pub description: String,
}

/// 1-64 of `A-Z a-z 0-9 . _ -`, starting with a letter or digit: safe in a URL path segment and
/// in a DynamoDB sort key.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(LauncherError::invalid(format!(
            "a preset name is 1-{MAX_NAME_LEN} of A-Z a-z 0-9 . _ - and starts with a letter or digit"
        )))
    }
}

impl PresetInput {
    /// Checks the limits; returns the payload's serialized size.
    pub fn check(&self) -> Result<usize> {
        if self.description.chars().count() > MAX_DESCRIPTION_CHARS {
            return Err(LauncherError::invalid(format!("description: at most {MAX_DESCRIPTION_CHARS} characters")));
        }
        let text = self.payload.to_string();
        let size = text.len();
        if size > MAX_PRESET_PAYLOAD {
            return Err(LauncherError::PayloadTooLarge(format!(
                "the preset payload is {size} bytes; the limit is {MAX_PRESET_PAYLOAD} bytes"
            )));
        }
        // The limit every run applies: a preset that could never run is not saved.
        if nesting_depth(text.as_bytes()) > PAYLOAD_DEPTH_LIMIT {
            return Err(LauncherError::InvalidPayload(format!(
                "the preset payload nests arrays and objects more than {PAYLOAD_DEPTH_LIMIT} levels deep"
            )));
        }
        Ok(size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_and_limits() {
        for good in ["daily", "2026-12", "Big_one.v2", &"a".repeat(64)] {
            assert!(check_name(good).is_ok(), "{good}");
        }
        for bad in ["", "-x", "a b", "a/b", "a#b", "é", &"a".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad}");
        }
        let ok = PresetInput { payload: json!({"a": 1}), description: "x".into() };
        assert_eq!(ok.check().unwrap(), 7);
        let big = PresetInput { payload: json!("x".repeat(MAX_PRESET_PAYLOAD)), description: String::new() };
        assert_eq!(big.check().unwrap_err().code().as_str(), "payload_too_large");
        let long = PresetInput { payload: json!({}), description: "é".repeat(257) };
        assert_eq!(long.check().unwrap_err().code().as_str(), "invalid_request");
        let nested = |levels: usize| -> serde_json::Value {
            serde_json::from_str(&format!("{}{}", "[".repeat(levels), "]".repeat(levels))).unwrap()
        };
        let runnable = PresetInput { payload: nested(PAYLOAD_DEPTH_LIMIT), description: String::new() };
        assert!(runnable.check().is_ok());
        let never_runs = PresetInput { payload: nested(PAYLOAD_DEPTH_LIMIT + 1), description: String::new() };
        assert_eq!(never_runs.check().unwrap_err().code().as_str(), "invalid_payload");
    }
}
