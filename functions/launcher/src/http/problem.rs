//! RFC 9457 problem details. Every error the API returns has this shape and a stable `code`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::error::{ErrorCode, LauncherError};

pub const CONTENT_TYPE: &str = "application/problem+json";

/// Builds a problem response; `extra` members are merged in (RFC 9457 extension members).
pub fn problem(code: ErrorCode, detail: &str, extra: Map<String, Value>) -> Response {
    let status = StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut body = json!({
        "type": format!("urn:lambda-launcher:problem:{}", code.as_str()),
        "title": code.title(),
        "status": code.status(),
        "detail": detail,
        "code": code.as_str(),
    });
    if let Value::Object(members) = &mut body {
        members.extend(extra);
    }
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    match code {
        ErrorCode::Unauthenticated => {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        ErrorCode::Throttled => {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        _ => {}
    }
    response
}

impl IntoResponse for LauncherError {
    fn into_response(self) -> Response {
        let code = self.code();
        if code.status() >= 500 {
            tracing::error!(code = code.as_str(), error = %self, "request failed");
        }
        let mut extra = Map::new();
        if let LauncherError::PayloadSchemaViolation { pointer, .. } = &self {
            extra.insert("pointer".into(), Value::String(pointer.clone()));
        }
        problem(code, &self.public_detail(), extra)
    }
}
