//! The web console: one HTML page, one ES module, one style sheet and an icon, embedded in the
//! binary and served without authentication (they hold no data: every datum the page shows comes
//! from the authenticated API). `config.json` tells the page how to sign in.

use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::app::AppState;
use crate::config::ConsoleSettings;
use crate::error::LauncherError;

const INDEX: &str = include_str!("../../console/index.html");
const SCRIPT: &str = include_str!("../../console/console.js");
const STYLE: &str = include_str!("../../console/console.css");
const ICON: &str = include_str!("../../console/icon.svg");

/// The embedded assets by name: (content type, body).
fn asset(name: &str) -> Option<(&'static str, &'static [u8])> {
    match name {
        "console.js" => Some(("text/javascript; charset=utf-8", SCRIPT.as_bytes())),
        "console.css" => Some(("text/css; charset=utf-8", STYLE.as_bytes())),
        "icon.svg" => Some(("image/svg+xml", ICON.as_bytes())),
        _ => None,
    }
}

/// `scheme://host[:port]` of a URL, for the Content-Security-Policy.
fn origin(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let end = rest.find('/').map(|i| i + url.len() - rest.len()).unwrap_or(url.len());
    Some(&url[..end])
}

/// No inline script or style, nothing from elsewhere but the identity provider (discovery and
/// the token endpoint, fetched by the page during sign-in), no framing.
pub fn content_security_policy(settings: &ConsoleSettings) -> String {
    let mut connect = vec!["'self'".to_owned()];
    if settings.client_id.is_some() {
        connect.extend(settings.issuer.as_deref().and_then(origin).map(str::to_owned));
        connect.extend(settings.connect_origins.iter().filter_map(|o| origin(o)).map(str::to_owned));
    }
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src {}; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        connect.join(" ")
    )
}

fn respond(settings: &ConsoleSettings, request: &HeaderMap, content_type: &'static str, body: Vec<u8>) -> Response {
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&body))[..20]);
    let fresh = request.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag.as_str());
    let mut response = if fresh { StatusCode::NOT_MODIFIED.into_response() } else { body.into_response() };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // Revalidated on every load (cheap: an ETag match is a 304), so a deploy is seen at once.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    if let Ok(value) = HeaderValue::from_str(&content_security_policy(settings)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// `GET /`: the console page.
pub async fn index(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    respond(&state.config.console, &headers, "text/html; charset=utf-8", INDEX.as_bytes().to_vec())
}

/// What the page needs to sign in. Public by nature (an OIDC public client's id and issuer).
pub fn console_config(settings: &ConsoleSettings) -> serde_json::Value {
    json!({
        "issuer": settings.issuer.as_ref().filter(|_| settings.client_id.is_some()),
        "client_id": settings.client_id,
        "scopes": settings.scopes,
        "token": settings.token,
        "redirect_path": "/",
        "dev_sign_in": settings.dev_sign_in,
    })
}

/// `GET /console/{asset}`: the script, the style sheet, the icon and `config.json`.
pub async fn console_asset(
    State(state): State<Arc<AppState>>,
    path: std::result::Result<Path<String>, PathRejection>,
    headers: HeaderMap,
) -> Response {
    let settings = &state.config.console;
    let Ok(Path(name)) = path else { return LauncherError::RouteNotFound.into_response() };
    if name == "config.json" {
        let body = console_config(settings).to_string().into_bytes();
        return respond(settings, &headers, "application/json", body);
    }
    match asset(&name) {
        Some((content_type, body)) => respond(settings, &headers, content_type, body.to_vec()),
        None => LauncherError::RouteNotFound.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_and_policy() {
        assert_eq!(origin("https://login.example.com/tenant/v2"), Some("https://login.example.com"));
        assert_eq!(origin("http://127.0.0.1:9000"), Some("http://127.0.0.1:9000"));
        assert_eq!(origin("nope"), None);
        let mut settings = ConsoleSettings { issuer: Some("https://idp.example.com/o".into()), ..Default::default() };
        assert!(content_security_policy(&settings).contains("connect-src 'self';"));
        settings.client_id = Some("console".into());
        settings.connect_origins = vec!["https://auth.example.com".into()];
        let csp = content_security_policy(&settings);
        assert!(csp.contains("connect-src 'self' https://idp.example.com https://auth.example.com;"), "{csp}");
        assert!(csp.contains("script-src 'self';") && !csp.contains("unsafe"), "{csp}");
    }

    #[test]
    fn the_page_loads_only_its_own_module_and_style() {
        assert!(INDEX.contains(r#"<script type="module" src="/console/console.js"></script>"#));
        assert!(!INDEX.contains("<script>") && !INDEX.contains("style="), "no inline script or style");
        assert!(!INDEX.contains("http://") && !INDEX.contains("https://"), "nothing from elsewhere");
        assert!(!SCRIPT.contains("document.cookie"), "tokens never go to cookies");
    }
}
