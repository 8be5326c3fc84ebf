//! Handlers: decode the request, call one `Launcher` method, encode the answer. No decisions here.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::auth::Admin;
use super::body::{bytes_body, json_body};
use super::problem::problem;
use crate::app::AppState;
use crate::config::RESPONSE_LIMIT;
use crate::domain::audit::AuditQuery;
use crate::domain::function::{FunctionRef, InvokeMode, InvokeOutcome};
use crate::domain::rules::RuleSet;
use crate::error::{ErrorCode, LauncherError, Result};
use crate::identity::Principal;
use crate::service::{parse_time_ms, InvokeRequest, IssueLinkToken, LinkRequest, RoleSetupRequest, TokenLinkRequest};

type AppStateRef = State<Arc<AppState>>;
type Body = std::result::Result<Bytes, BytesRejection>;

fn query<T>(q: std::result::Result<Query<T>, QueryRejection>) -> Result<T> {
    q.map(|Query(v)| v).map_err(|e| LauncherError::invalid(format!("bad query string: {}", e.body_text())))
}

fn function_path(p: std::result::Result<Path<(String, String, String)>, PathRejection>) -> Result<FunctionRef> {
    let Path((connection, region, name)) = p.map_err(|_| LauncherError::FunctionNotFound)?;
    Ok(FunctionRef { connection, region, name })
}

fn connection_path(p: std::result::Result<Path<String>, PathRejection>) -> Result<String> {
    p.map(|Path(id)| id).map_err(|_| LauncherError::ConnectionNotFound)
}

fn created(body: impl Serialize, location: &str) -> Response {
    let mut response = (StatusCode::CREATED, Json(body)).into_response();
    if let Ok(location) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    limit: Option<usize>,
    cursor: Option<String>,
    tags: Option<bool>,
}

pub async fn list_functions(
    State(state): AppStateRef,
    principal: Principal,
    q: std::result::Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response> {
    let q = query(q)?;
    let page = state.launcher.list_functions(&principal, q.limit, q.cursor.as_deref(), q.tags.unwrap_or(false)).await?;
    Ok(Json(page).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GetQuery {
    qualifier: Option<String>,
}

pub async fn get_function(
    State(state): AppStateRef,
    principal: Principal,
    path: std::result::Result<Path<(String, String, String)>, PathRejection>,
    q: std::result::Result<Query<GetQuery>, QueryRejection>,
) -> Result<Response> {
    let reference = function_path(path)?;
    let q = query(q)?;
    let detail = state.launcher.get_function(&principal, &reference, q.qualifier.as_deref()).await?;
    Ok(Json(detail).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvokeQuery {
    mode: Option<String>,
    qualifier: Option<String>,
    preset: Option<String>,
}

pub async fn invoke(
    State(state): AppStateRef,
    principal: Principal,
    path: std::result::Result<Path<(String, String, String)>, PathRejection>,
    q: std::result::Result<Query<InvokeQuery>, QueryRejection>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    let mut keys = headers.get_all("idempotency-key").iter();
    let idempotency_key = match (keys.next(), keys.next()) {
        (None, _) => None,
        (Some(value), None) => {
            Some(value.to_str().map_err(|_| LauncherError::invalid("Idempotency-Key must be ASCII"))?)
        }
        (Some(_), Some(_)) => return Err(LauncherError::invalid("send one Idempotency-Key header, not several")),
    };
    let reference = function_path(path)?;
    let q = query(q)?;
    let mode = InvokeMode::parse(q.mode.as_deref())
        .ok_or_else(|| LauncherError::invalid("mode must be sync, async or dry-run"))?;
    let payload = bytes_body(body)?.to_vec();
    if q.preset.is_some() && !payload.iter().all(u8::is_ascii_whitespace) {
        return Err(LauncherError::invalid("send either a body or preset=NAME, not both"));
    }
    let request = InvokeRequest {
        reference: &reference,
        qualifier: q.qualifier.as_deref(),
        mode,
        payload,
        idempotency_key,
        preset: q.preset.as_deref(),
    };
    let outcome = state.launcher.invoke(&principal, request).await?;
    let mut response = invoke_response(&outcome);
    if outcome.replayed {
        response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    Ok(response)
}

/// The function's payload as JSON if it is JSON, else as text, else base64.
fn payload_member(payload: &[u8]) -> (Value, &'static str) {
    if payload.is_empty() {
        return (Value::Null, "none");
    }
    if let Ok(value) = serde_json::from_slice::<Value>(payload) {
        return (value, "json");
    }
    match std::str::from_utf8(payload) {
        Ok(text) => (Value::String(text.to_owned()), "text"),
        Err(_) => (Value::String(base64::engine::general_purpose::STANDARD.encode(payload)), "base64"),
    }
}

/// Sync answers carry the function's result; async and dry-run answers only say it was accepted
/// (Lambda returns no payload for them).
fn invoke_response(outcome: &InvokeOutcome) -> Response {
    let mut result = json!({
        "mode": outcome.mode.as_str(),
        "status_code": outcome.status_code,
        "request_id": outcome.request_id,
        "duration_ms": outcome.duration_ms,
    });
    if outcome.mode == InvokeMode::Sync {
        let (payload, encoding) =
            if outcome.payload_kept { payload_member(&outcome.payload) } else { (Value::Null, "not_kept") };
        let members = result.as_object_mut().expect("built as an object");
        members.insert("function_error".into(), json!(outcome.function_error));
        members.insert("executed_version".into(), json!(outcome.executed_version));
        members.insert("log_tail".into(), json!(outcome.log_tail));
        members.insert("payload".into(), payload);
        members.insert("payload_encoding".into(), json!(encoding));
    }
    let encoded = result.to_string();
    if encoded.len() > RESPONSE_LIMIT {
        // The function ran; its answer cannot travel back through Lambda and API Gateway whole.
        let mut extra = Map::new();
        extra.insert("request_id".into(), json!(outcome.request_id));
        extra.insert("function_error".into(), json!(outcome.function_error));
        return problem(
            ErrorCode::ResponseTooLarge,
            &format!(
                "the function ran (request {}) but its answer is {} bytes, over the {RESPONSE_LIMIT}-byte limit; \
                 have it write large results elsewhere (S3) and return a reference",
                outcome.request_id.as_deref().unwrap_or("unknown"),
                encoded.len()
            ),
            extra,
        );
    }
    match (&outcome.function_error, outcome.mode) {
        (Some(kind), _) => {
            let mut extra = Map::new();
            extra.insert("result".into(), result);
            problem(ErrorCode::FunctionError, &format!("the function ran and failed ({kind})"), extra)
        }
        (None, InvokeMode::Async) => json_response(StatusCode::ACCEPTED, encoded),
        (None, _) => json_response(StatusCode::OK, encoded),
    }
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

pub async fn list_connections(State(state): AppStateRef, Admin(principal): Admin) -> Result<Response> {
    Ok(Json(json!({ "connections": state.launcher.list_connections(&principal).await? })).into_response())
}

pub async fn link(State(state): AppStateRef, Admin(principal): Admin, body: Body) -> Result<Response> {
    let request: LinkRequest = json_body(body)?;
    let view = state.launcher.link(&principal, request).await?;
    Ok(created(&view, &format!("/connections/{}", view.id)))
}

pub async fn role_setup(State(state): AppStateRef, Admin(principal): Admin, body: Body) -> Result<Response> {
    let request: RoleSetupRequest = json_body(body)?;
    let setup = state.launcher.role_setup(&principal, request).await?;
    Ok(created(&setup, &format!("/connections/{}", setup.connection.id)))
}

pub async fn get_connection(
    State(state): AppStateRef,
    Admin(principal): Admin,
    path: std::result::Result<Path<String>, PathRejection>,
) -> Result<Response> {
    let id = connection_path(path)?;
    Ok(Json(state.launcher.get_connection(&principal, &id).await?).into_response())
}

pub async fn unlink(
    State(state): AppStateRef,
    Admin(principal): Admin,
    path: std::result::Result<Path<String>, PathRejection>,
) -> Result<Response> {
    let id = connection_path(path)?;
    state.launcher.unlink(&principal, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn with_etag(rules: &RuleSet) -> Response {
    let mut response = Json(rules).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("\"{}\"", rules.version)) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

pub async fn get_rules(State(state): AppStateRef, Admin(principal): Admin) -> Result<Response> {
    Ok(with_etag(&state.launcher.get_rules(&principal).await?))
}

/// `PUT /rules` replaces the rule set only if `If-Match` names the current version, so two
/// admins editing at once cannot silently overwrite each other.
pub async fn put_rules(
    State(state): AppStateRef,
    Admin(principal): Admin,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    let expected = headers
        .get(header::IF_MATCH)
        .ok_or_else(|| {
            LauncherError::PreconditionRequired(
                "send If-Match with the ETag from GET /rules (\"0\" when none exist)".into(),
            )
        })?
        .to_str()
        .ok()
        .and_then(|v| v.trim().trim_start_matches("W/").trim_matches('"').parse::<u64>().ok())
        .ok_or_else(|| LauncherError::invalid("If-Match must be the ETag from GET /rules, such as \"3\""))?;
    let rules: RuleSet = json_body(body)?;
    if rules.version != 0 && rules.version != expected {
        return Err(LauncherError::invalid(format!(
            "the body says version {} but If-Match says {expected}; send one version",
            rules.version
        )));
    }
    let stored = state.launcher.put_rules(&principal, rules, expected).await?;
    Ok(with_etag(&stored))
}

pub async fn route_not_found() -> LauncherError {
    LauncherError::RouteNotFound
}

pub async fn method_not_allowed() -> LauncherError {
    LauncherError::MethodNotAllowed
}

/// The token after `scheme` in the Authorization header.
fn token_from<'a>(headers: &'a HeaderMap, scheme: &str) -> Option<&'a str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (given, token) = value.split_once(' ')?;
    given.eq_ignore_ascii_case(scheme).then(|| token.trim())
}

pub async fn issue_link_token(State(state): AppStateRef, Admin(principal): Admin, body: Body) -> Result<Response> {
    let request: IssueLinkToken = json_body(body)?;
    let issued = state.launcher.issue_link_token(&principal, request).await?;
    Ok((StatusCode::CREATED, Json(issued)).into_response())
}

/// `POST /link`: no user token; the one-time link token in `Authorization: LinkToken …` decides.
pub async fn link_with_token(State(state): AppStateRef, headers: HeaderMap, body: Body) -> Result<Response> {
    // The token's shape is checked before the body: without a usable token nothing is read.
    let token = token_from(&headers, "LinkToken");
    if token.and_then(crate::domain::link_token::link_token_tenant).is_none() {
        return Err(LauncherError::LinkTokenInvalid);
    }
    let request: TokenLinkRequest = json_body(body)?;
    let linked = state.launcher.link_with_token(token, request).await?;
    Ok(created(&linked, &format!("/connections/{}", linked.connection.id)))
}

/// `DELETE /link`: `Authorization: UnlinkToken …` unlinks the connection that token names.
pub async fn unlink_with_token(State(state): AppStateRef, headers: HeaderMap) -> Result<Response> {
    state.launcher.unlink_with_token(token_from(&headers, "UnlinkToken")).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditParams {
    limit: Option<usize>,
    cursor: Option<String>,
    subject: Option<String>,
    function: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// `GET /audit`: the tenant's audit trail, newest first (a non-admin's own records only).
pub async fn audit(
    State(state): AppStateRef,
    principal: Principal,
    q: std::result::Result<Query<AuditParams>, QueryRejection>,
) -> Result<Response> {
    let q = query(q)?;
    let audit_query = AuditQuery {
        subject: q.subject,
        function: q.function,
        from_ms: q.from.as_deref().map(parse_time_ms).transpose()?,
        to_ms: q.to.as_deref().map(parse_time_ms).transpose()?,
        limit: q.limit.unwrap_or(crate::config::DEFAULT_PAGE_SIZE),
        cursor: q.cursor,
    };
    Ok(Json(state.launcher.query_audit(&principal, audit_query).await?).into_response())
}

type PresetPath = std::result::Result<Path<(String, String, String, String)>, PathRejection>;

fn preset_path(p: PresetPath) -> Result<(FunctionRef, String)> {
    let Path((connection, region, name, preset)) = p.map_err(|_| LauncherError::FunctionNotFound)?;
    Ok((FunctionRef { connection, region, name }, preset))
}

/// `GET /functions/{c}/{r}/{n}/presets`: anyone who may view the function.
pub async fn list_presets(
    State(state): AppStateRef,
    principal: Principal,
    path: std::result::Result<Path<(String, String, String)>, PathRejection>,
) -> Result<Response> {
    let reference = function_path(path)?;
    Ok(Json(state.launcher.list_presets(&principal, &reference).await?).into_response())
}

/// `PUT /functions/{c}/{r}/{n}/presets/{preset}`: tenant admins; 201 when new, 200 when replaced.
pub async fn put_preset(
    State(state): AppStateRef,
    Admin(principal): Admin,
    path: PresetPath,
    body: Body,
) -> Result<Response> {
    let (reference, name) = preset_path(path)?;
    let input: crate::domain::preset::PresetInput = json_body(body)?;
    let (preset, created) = state.launcher.put_preset(&principal, &reference, &name, input).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(preset)).into_response())
}

/// `DELETE /functions/{c}/{r}/{n}/presets/{preset}`: tenant admins.
pub async fn delete_preset(State(state): AppStateRef, Admin(principal): Admin, path: PresetPath) -> Result<Response> {
    let (reference, name) = preset_path(path)?;
    state.launcher.delete_preset(&principal, &reference, &name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

type SchemaPath = std::result::Result<Path<String>, PathRejection>;

/// `GET /schemas`: the tenant's stored input schemas, for tenant admins.
pub async fn list_schemas(State(state): AppStateRef, Admin(principal): Admin) -> Result<Response> {
    Ok(Json(state.launcher.list_schemas(&principal).await?).into_response())
}

/// `PUT /schemas/{name}`: tenant admins; 201 when new, 200 when replaced.
pub async fn put_schema(
    State(state): AppStateRef,
    Admin(principal): Admin,
    path: SchemaPath,
    body: Body,
) -> Result<Response> {
    let Path(name) = path.map_err(|_| LauncherError::SchemaNotFound)?;
    let input: crate::domain::schema::SchemaInput = json_body(body)?;
    let (schema, created) = state.launcher.put_schema(&principal, &name, input).await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(schema)).into_response())
}

/// `DELETE /schemas/{name}`: tenant admins.
pub async fn delete_schema(State(state): AppStateRef, Admin(principal): Admin, path: SchemaPath) -> Result<Response> {
    let Path(name) = path.map_err(|_| LauncherError::SchemaNotFound)?;
    state.launcher.delete_schema(&principal, &name).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
