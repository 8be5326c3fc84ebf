//! The development sign-in: ONLY the local server has it (this module is not in the launcher
//! library, so no Lambda binary can serve it). With `LAUNCHER_DEV_USERS` set and an HS256 secret,
//! `GET /dev/users` lists the configured demo users and `POST /dev/sign-in {"user": "olivia"}`
//! mints a token for one of them, signed like `launcher-local mint-token`. The console shows a
//! clearly marked panel for it when `/console/config.json` says `dev_sign_in: true`.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::{HOST, ORIGIN};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use launcher::config::{is_loopback_host, AuthMode, JwtKeySource};
use launcher::{Config, LauncherError};
use serde_json::{json, Value};

/// How long a development token lives.
const TTL_SECONDS: u64 = 3600;

#[derive(Debug, Clone, PartialEq)]
pub struct DevUser {
    pub name: String,
    pub subject: String,
    pub tenant: String,
    pub groups: Vec<String>,
}

/// `name:subject:tenant:group1,group2;name2:…` (groups may be empty).
pub fn parse_users(spec: &str) -> Result<Vec<DevUser>, String> {
    let users: Vec<DevUser> = spec
        .split(';')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(|entry| {
            let parts: Vec<&str> = entry.split(':').collect();
            let [name, subject, tenant, groups] = parts[..] else {
                return Err(format!("LAUNCHER_DEV_USERS: '{entry}' is not name:subject:tenant:groups"));
            };
            if name.is_empty() || subject.is_empty() || tenant.is_empty() {
                return Err(format!("LAUNCHER_DEV_USERS: '{entry}' needs a name, a subject and a tenant"));
            }
            Ok(DevUser {
                name: name.to_owned(),
                subject: subject.to_owned(),
                tenant: tenant.to_owned(),
                groups: groups.split(',').filter(|g| !g.is_empty()).map(str::to_owned).collect(),
            })
        })
        .collect::<Result<_, _>>()?;
    if users.is_empty() {
        return Err("LAUNCHER_DEV_USERS names no user".into());
    }
    Ok(users)
}

/// The configured users, if the development sign-in is on (it needs the HS256 secret).
pub fn users_from_env(config: &Config) -> Result<Option<Vec<DevUser>>, String> {
    let Some(spec) = std::env::var("LAUNCHER_DEV_USERS").ok().filter(|v| !v.trim().is_empty()) else {
        return Ok(None);
    };
    match &config.auth {
        AuthMode::Jwt(jwt) if matches!(jwt.key, JwtKeySource::Hs256(_)) => parse_users(&spec).map(Some),
        _ => Err("LAUNCHER_DEV_USERS needs LAUNCHER_JWT_HS256_SECRET (development tokens are HS256)".into()),
    }
}

struct DevState {
    config: Config,
    users: Vec<DevUser>,
}

pub fn routes(config: Config, users: Vec<DevUser>) -> Router {
    Router::new()
        .route("/dev/users", get(list_users))
        .route("/dev/sign-in", post(sign_in))
        .with_state(Arc::new(DevState { config, users }))
        .layer(middleware::from_fn(loopback_host_only))
}

/// The server refuses to offer the development sign-in on anything but a loopback address; this
/// also refuses requests addressed to any other name, so a web page that rebinds its own DNS name
/// to 127.0.0.1 cannot mint tokens from the user's browser. A request a browser sends from
/// another site's page carries that page's `Origin`: refused too, whether or not the page could
/// read the answer.
async fn loopback_host_only(request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host_ok = headers.get(HOST).and_then(|h| h.to_str().ok()).is_some_and(is_loopback_host);
    let origin_ok = headers.get(ORIGIN).is_none_or(|origin| {
        let origin = origin.to_str().unwrap_or("");
        let authority = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
        authority.is_some_and(is_loopback_host)
    });
    if host_ok && origin_ok {
        next.run(request).await
    } else {
        LauncherError::Forbidden(
            "the development sign-in answers only requests to localhost or 127.0.0.1, from pages on them".into(),
        )
        .into_response()
    }
}

async fn list_users(State(state): State<Arc<DevState>>) -> Json<Value> {
    let users: Vec<Value> = state
        .users
        .iter()
        .map(|u| json!({"user": u.name, "subject": u.subject, "tenant": u.tenant, "groups": u.groups}))
        .collect();
    Json(json!({ "users": users, "note": "development sign-in of the local server; never deployed" }))
}

async fn sign_in(State(state): State<Arc<DevState>>, body: axum::body::Bytes) -> Response {
    let user = serde_json::from_slice::<Value>(&body).ok().and_then(|v| v["user"].as_str().map(str::to_owned));
    let Some(user) = user.and_then(|name| state.users.iter().find(|u| u.name == name)) else {
        return LauncherError::invalid("send {\"user\": NAME} with a user GET /dev/users lists").into_response();
    };
    match crate::token::mint(&state.config, &user.subject, &user.tenant, &user.groups, TTL_SECONDS) {
        Ok(token) => {
            tracing::info!(user = %user.name, "development sign-in");
            Json(json!({"token": token, "token_type": "Bearer", "expires_in": TTL_SECONDS, "user": user.name}))
                .into_response()
        }
        Err(e) => LauncherError::Internal(e).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_lists() {
        let users =
            parse_users("alice:alice@acme:acme:launcher-admins; olivia:olivia@acme:acme:ops,qa ;x:x:t:").unwrap();
        assert_eq!(users.len(), 3);
        assert_eq!(users[1].groups, ["ops", "qa"]);
        assert!(users[2].groups.is_empty());
        for bad in ["", "a:b:c", "a::c:d", "a:b:c:d:e"] {
            assert!(parse_users(bad).is_err(), "{bad}");
        }
    }
}
