//! Linking the new key to the launcher, and unlinking it: in-process through the launcher
//! library, or over HTTPS with a one-time link token.
//!
//! Every message that leaves this module (as a Reason or a log line) has passed `redact` with the
//! secret and the token: the launcher promises never to echo them, and this checks anyway.

use std::collections::BTreeSet;
use std::time::Duration;

use launcher::domain::connection::ConnectionView;
use launcher::identity::Principal;
use launcher::service::LinkRequest;
use launcher::{AppState, ErrorCode, LauncherError};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE};
use reqwest::StatusCode;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

use crate::physical_id::valid_unlink_token;
use crate::redact;

/// Why a link failed, by what the caller does next.
#[derive(Debug, Clone)]
pub enum LinkError {
    /// The launcher could not use the key (`link_validation_failed`): a new IAM key takes a few
    /// seconds to work everywhere, so this is retried.
    Validation(String),
    /// The link token is unknown, expired or used (`link_token_invalid`).
    TokenInvalid(String),
    /// The connection id is taken (`connection_exists`).
    Exists(String),
    Other(String),
}

impl LinkError {
    pub fn message(&self) -> &str {
        match self {
            Self::Validation(m) | Self::TokenInvalid(m) | Self::Exists(m) | Self::Other(m) => m,
        }
    }
}

/// The tenant admin the bootstrap acts as in-process.
pub fn principal(state: &AppState, tenant: &str) -> Principal {
    Principal {
        subject: "bootstrap".into(),
        tenant: tenant.to_owned(),
        groups: BTreeSet::from([state.config.admin_group.clone()]),
    }
}

fn launcher_error(e: &LauncherError, secrets: &[&str]) -> LinkError {
    // Display, not public_detail: this goes to the stack's own operator, and LauncherError
    // messages carry identifiers and AWS error codes only.
    let message = redact(&format!("{} ({})", e, e.code()), secrets);
    match e.code() {
        ErrorCode::LinkValidationFailed => LinkError::Validation(message),
        ErrorCode::ConnectionExists => LinkError::Exists(message),
        _ => LinkError::Other(message),
    }
}

#[allow(clippy::too_many_arguments)]
pub async fn link_in_process(
    state: &AppState,
    tenant: &str,
    connection_id: &str,
    name: Option<&str>,
    regions: &[String],
    access_key_id: &str,
    secret: &SecretString,
) -> Result<ConnectionView, LinkError> {
    let request = LinkRequest {
        id: connection_id.to_owned(),
        kind: Some("access_key".into()),
        name: name.map(str::to_owned),
        access_key_id: Some(access_key_id.to_owned()),
        secret_access_key: Some(secret.clone()),
        role_arn: None,
        regions: regions.to_vec(),
    };
    state
        .launcher
        .link(&principal(state, tenant), request)
        .await
        .map_err(|e| launcher_error(&e, &[secret.expose_secret()]))
}

/// The access key id of connection `connection_id`, if it exists and is an access-key link.
pub async fn linked_key(state: &AppState, tenant: &str, connection_id: &str) -> Result<Option<String>, String> {
    match state.launcher.get_connection(&principal(state, tenant), connection_id).await {
        Ok(view) => Ok(view.access_key_id),
        Err(LauncherError::ConnectionNotFound) => Ok(None),
        Err(e) => Err(format!("the launcher could not read connection {connection_id}: {e}")),
    }
}

/// Unlinks; a connection that is already gone is success.
pub async fn unlink_in_process(state: &AppState, tenant: &str, connection_id: &str) -> Result<(), String> {
    match state.launcher.unlink(&principal(state, tenant), connection_id).await {
        Ok(()) | Err(LauncherError::ConnectionNotFound) => Ok(()),
        Err(e) => Err(format!("the launcher could not unlink connection {connection_id}: {e}")),
    }
}

/// What `POST /link` answered.
#[derive(Debug, Clone)]
pub struct HttpsLinked {
    pub unlink_token: String,
    pub connection: Value,
}

fn endpoint(url: &str) -> String {
    format!("{}/link", url.trim_end_matches('/'))
}

/// An RFC 9457 problem's code and detail, if the body is one.
fn problem(body: &str) -> (String, String) {
    let value: Value = serde_json::from_str(body).unwrap_or(Value::Null);
    let text = |k: &str| value.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    (text("code"), text("detail"))
}

#[allow(clippy::too_many_arguments)]
pub async fn link_https(
    http: &reqwest::Client,
    url: &str,
    token: &SecretString,
    name: Option<&str>,
    regions: &[String],
    access_key_id: &str,
    secret: &SecretString,
    timeout: Duration,
) -> Result<HttpsLinked, LinkError> {
    let secrets = [secret.expose_secret(), token.expose_secret()];
    let mut body = json!({
        "access_key_id": access_key_id,
        "secret_access_key": secret.expose_secret(),
        "regions": regions,
    });
    if let Some(name) = name {
        body["name"] = json!(name);
    }
    let sent = http
        .post(endpoint(url))
        .timeout(timeout)
        .header(AUTHORIZATION, format!("LinkToken {}", token.expose_secret()))
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_string())
        .send()
        .await;
    drop(body);
    let response = sent.map_err(|e| {
        LinkError::Other(redact(&format!("could not reach the launcher at {}: {e}", endpoint(url)), &secrets))
    })?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if status == StatusCode::CREATED || status == StatusCode::OK {
        let value: Value = serde_json::from_str(&text)
            .map_err(|_| LinkError::Other(format!("the launcher answered {status} with a body that is not JSON")))?;
        let unlink_token = value["unlink_token"].as_str().unwrap_or("").to_owned();
        if !valid_unlink_token(&unlink_token) {
            return Err(LinkError::Other(format!("the launcher answered {status} without a usable unlink_token")));
        }
        return Ok(HttpsLinked { unlink_token, connection: value["connection"].clone() });
    }
    let (code, detail) = problem(&text);
    let message = redact(
        &format!(
            "the launcher refused the link: {} {}{}",
            status.as_u16(),
            if code.is_empty() { "(no code)" } else { &code },
            if detail.is_empty() { String::new() } else { format!(": {detail}") }
        ),
        &secrets,
    );
    Err(match code.as_str() {
        "link_validation_failed" => LinkError::Validation(message),
        "link_token_invalid" => LinkError::TokenInvalid(format!(
            "{message}. A link token works once and expires: a tenant admin issues a new one with \
             POST /connections/link-tokens; pass it as LinkToken with every Create and every \
             Update that changes the link"
        )),
        "connection_exists" => LinkError::Exists(message),
        _ => LinkError::Other(message),
    })
}

/// `DELETE /link` with the unlink token. An unknown or used token means the connection is
/// already unlinked (or was re-linked by a newer generation): success.
pub async fn unlink_https(
    http: &reqwest::Client,
    url: &str,
    unlink_token: &str,
    timeout: Duration,
) -> Result<(), String> {
    let response = http
        .delete(endpoint(url))
        .timeout(timeout)
        .header(AUTHORIZATION, format!("UnlinkToken {unlink_token}"))
        .send()
        .await
        .map_err(|e| format!("could not reach the launcher at {} to unlink: {e}", endpoint(url)))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let (code, detail) = problem(&response.text().await.unwrap_or_default());
    match (status.as_u16(), code.as_str()) {
        (401, "link_token_invalid") | (404, _) => Ok(()),
        _ => Err(format!(
            "the launcher refused the unlink: {} {code}{}",
            status.as_u16(),
            if detail.is_empty() { String::new() } else { format!(": {detail}") }
        )),
    }
}
