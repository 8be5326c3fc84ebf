//! Request body and query decoding with errors that never reflect submitted values: a JSON type
//! error would otherwise quote the offending value, which could be a secret.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use serde::de::DeserializeOwned;

use crate::error::{LauncherError, Result};

pub fn json_body<T: DeserializeOwned>(body: Result<Bytes, BytesRejection>) -> Result<T> {
    let bytes = bytes_body(body)?;
    serde_json::from_slice(&bytes).map_err(|e| {
        use serde_json::error::Category;
        let message = e.to_string();
        let reason = match e.classify() {
            Category::Syntax | Category::Eof => "the body is not valid JSON".to_owned(),
            Category::Data if message.starts_with("missing field") || message.starts_with("unknown field") => {
                // serde names the field (never the value) in these two messages.
                message.split(" at line").next().unwrap_or("a field is wrong").to_owned()
            }
            Category::Data => "a field has the wrong type or value".to_owned(),
            Category::Io => "the body could not be read".to_owned(),
        };
        LauncherError::invalid(format!("{reason} (line {}, column {})", e.line(), e.column()))
    })
}

pub fn bytes_body(body: Result<Bytes, BytesRejection>) -> Result<Bytes> {
    body.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            LauncherError::PayloadTooLarge(format!(
                "the request body is too large for this endpoint (invoke: {} bytes; admin routes: {} bytes)",
                crate::config::SYNC_PAYLOAD_LIMIT,
                crate::config::ADMIN_BODY_LIMIT
            ))
        } else {
            LauncherError::invalid("the request body could not be read")
        }
    })
}
