//! Built without the `local-jwt` feature — the Lambda functions, where API Gateway's JWT
//! authorizer verifies tokens — the in-process verifier cannot be configured:
//! `LAUNCHER_AUTH_MODE=jwt` fails at start-up with a clear message instead.

use secrecy::SecretString;

use super::Claims;
use crate::error::{LauncherError, Result};

/// The same bound as the real verifier's (`jwt.rs`), so configuration checks read alike.
pub const MIN_HS256_SECRET_BYTES: usize = 32;

/// Cannot exist: every constructor fails.
#[derive(Debug)]
pub enum JwtVerifier {}

fn not_built() -> LauncherError {
    LauncherError::Internal(
        "configuration: this binary verifies no tokens itself (built without the local-jwt feature); \
         use LAUNCHER_AUTH_MODE=authorizer behind API Gateway, or the local server"
            .into(),
    )
}

impl JwtVerifier {
    pub fn hs256(_secret: &SecretString, _issuer: &str, _audience: &str) -> Result<Self> {
        Err(not_built())
    }

    pub fn rs256_from_jwks(_jwks_json: &str, _issuer: &str, _audience: &str) -> Result<Self> {
        Err(not_built())
    }

    pub fn verify_bearer(&self, _authorization: Option<&str>) -> Result<Claims> {
        match *self {}
    }
}
