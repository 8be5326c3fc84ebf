use std::sync::Arc;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::Router;

use super::{console, handlers};
use crate::app::AppState;
use crate::config::{ADMIN_BODY_LIMIT, SYNC_PAYLOAD_LIMIT};

/// Which routes a binary serves. Each Lambda function serves only its own routes, so each gets
/// only the IAM permissions those routes need; the local server serves all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Routes {
    List,
    Invoke,
    Link,
    All,
}

pub fn router(state: Arc<AppState>, routes: Routes) -> Router {
    let list = || {
        Router::new()
            .route("/functions", get(handlers::list_functions))
            .route("/functions/{connection}/{region}/{name}", get(handlers::get_function))
            .route("/functions/{connection}/{region}/{name}/presets", get(handlers::list_presets))
            .route("/schemas", get(handlers::list_schemas))
            // The web console: static, no data, no JWT authorizer (the page signs in itself).
            .route("/", get(console::index))
            .route("/console/{asset}", get(console::console_asset))
    };
    let invoke = || Router::new().route("/functions/{connection}/{region}/{name}/invoke", post(handlers::invoke));
    // Admin bodies are small: a tight limit keeps a huge rule set from ever reaching the store.
    let link = || {
        Router::new()
            .route("/connections", get(handlers::list_connections).post(handlers::link))
            .route("/connections/role-setup", post(handlers::role_setup))
            .route("/connections/link-tokens", post(handlers::issue_link_token))
            // Authorized by a link or unlink token, not a user: no JWT authorizer on this route.
            .route("/link", post(handlers::link_with_token).delete(handlers::unlink_with_token))
            .route("/connections/{id}", get(handlers::get_connection).delete(handlers::unlink))
            .route("/rules", get(handlers::get_rules).put(handlers::put_rules))
            .route("/audit", get(handlers::audit))
            .route(
                "/functions/{connection}/{region}/{name}/presets/{preset}",
                put(handlers::put_preset).delete(handlers::delete_preset),
            )
            .route("/schemas/{name}", put(handlers::put_schema).delete(handlers::delete_schema))
            .layer(DefaultBodyLimit::max(ADMIN_BODY_LIMIT))
    };
    let app = match routes {
        Routes::List => list(),
        Routes::Invoke => invoke(),
        Routes::Link => link(),
        Routes::All => list().merge(invoke()).merge(link()),
    };
    app.fallback(handlers::route_not_found)
        .method_not_allowed_fallback(handlers::method_not_allowed)
        // One byte over the sync limit still reaches the handler, which answers with a clear 413.
        .layer(DefaultBodyLimit::max(SYNC_PAYLOAD_LIMIT + 1))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// One line per request: method, route template (never the raw path's query), status, latency.
/// Headers and bodies are never logged: they carry tokens and payloads.
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = next.run(request).await;
    tracing::info!(
        method = %method,
        route = %route,
        status = response.status().as_u16(),
        latency_us = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}
