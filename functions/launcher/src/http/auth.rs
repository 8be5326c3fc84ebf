//! Resolves the caller of every request to a `Principal`, from whichever verifier is configured.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use lambda_http::request::RequestContext;

use crate::app::{AppState, Authenticator};
use crate::error::LauncherError;
use crate::identity::{principal_from_claims, Claims, Principal};

impl FromRequestParts<Arc<AppState>> for Principal {
    type Rejection = LauncherError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let claims = match &state.authenticator {
            Authenticator::ApiGatewayAuthorizer => authorizer_claims(parts)?,
            Authenticator::Jwt(verifier) => {
                let header = parts.headers.get(axum::http::header::AUTHORIZATION).and_then(|v| v.to_str().ok());
                verifier.verify_bearer(header)?
            }
        };
        principal_from_claims(&claims, &state.config.claims)
    }
}

/// Claims that API Gateway's JWT authorizer verified, from the Lambda request context. Their
/// values arrive as strings (arrays as `[a b]`), which `principal_from_claims` understands.
fn authorizer_claims(parts: &Parts) -> Result<Claims, LauncherError> {
    let Some(RequestContext::ApiGatewayV2(context)) = parts.extensions.get::<RequestContext>() else {
        return Err(LauncherError::Unauthenticated("the request carries no authorizer context".into()));
    };
    let claims = context
        .authorizer
        .as_ref()
        .and_then(|a| a.jwt.as_ref())
        .map(|jwt| &jwt.claims)
        .filter(|claims| !claims.is_empty())
        .ok_or_else(|| LauncherError::Unauthenticated("the request carries no verified JWT claims".into()))?;
    Ok(claims.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect())
}

/// A principal in the tenant admin group. Checked before the body is read, so a caller without
/// the right gets 403 whatever they sent. (The service checks again: this is only the order.)
pub struct Admin(pub Principal);

impl FromRequestParts<Arc<AppState>> for Admin {
    type Rejection = LauncherError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let principal = Principal::from_request_parts(parts, state).await?;
        state.launcher.require_admin(&principal)?;
        Ok(Self(principal))
    }
}
