//! In-process bearer-token verification for the local server. It applies the same checks as
//! API Gateway's JWT authorizer: signature, `exp`/`nbf`, issuer, audience; `alg: none` and any
//! algorithm other than the configured one are refused.

use std::collections::HashMap;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use secrecy::{ExposeSecret, SecretString};

use super::Claims;
use crate::error::{LauncherError, Result};

/// Clock skew tolerated on `exp` and `nbf`.
const LEEWAY_SECONDS: u64 = 30;

pub struct JwtVerifier {
    keys: Keys,
    validation: Validation,
}

enum Keys {
    Shared(DecodingKey),
    ByKeyId(HashMap<String, DecodingKey>),
}

impl std::fmt::Debug for JwtVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.keys {
            Keys::Shared(_) => f.write_str("JwtVerifier(hs256)"),
            Keys::ByKeyId(keys) => write!(f, "JwtVerifier(rs256, {} keys)", keys.len()),
        }
    }
}

/// A shorter HS256 secret can be brute-forced from one token.
pub const MIN_HS256_SECRET_BYTES: usize = 32;

impl JwtVerifier {
    /// `audience` may list several, comma-separated (as the template's JwtAudience does).
    pub fn hs256(secret: &SecretString, issuer: &str, audience: &str) -> Result<Self> {
        if secret.expose_secret().len() < MIN_HS256_SECRET_BYTES {
            return Err(LauncherError::Internal(format!(
                "configuration: LAUNCHER_JWT_HS256_SECRET must be at least {MIN_HS256_SECRET_BYTES} bytes"
            )));
        }
        let key = DecodingKey::from_secret(secret.expose_secret().as_bytes())
            .map_err(|_| LauncherError::Internal("configuration: the HS256 secret is not usable".into()))?;
        Ok(Self { keys: Keys::Shared(key), validation: validation(Algorithm::HS256, issuer, audience) })
    }

    /// RS256 keys from a JWKS document; keys of other types or algorithms are ignored.
    pub fn rs256_from_jwks(jwks_json: &str, issuer: &str, audience: &str) -> Result<Self> {
        let set: JwkSet = serde_json::from_str(jwks_json)
            .map_err(|e| LauncherError::Internal(format!("configuration: the JWKS is not valid: {e}")))?;
        let keys: HashMap<String, DecodingKey> = set
            .keys
            .iter()
            .filter(|jwk| matches!(jwk.algorithm, jsonwebtoken::jwk::AlgorithmParameters::RSA(_)))
            .filter_map(|jwk| Some((jwk.common.key_id.clone()?, DecodingKey::from_jwk(jwk).ok()?)))
            .collect();
        if keys.is_empty() {
            return Err(LauncherError::Internal("configuration: the JWKS holds no RSA key with a key id (kid)".into()));
        }
        Ok(Self { keys: Keys::ByKeyId(keys), validation: validation(Algorithm::RS256, issuer, audience) })
    }

    /// Verifies an `Authorization` header value and returns the token's claims.
    pub fn verify_bearer(&self, authorization: Option<&str>) -> Result<Claims> {
        let header_value = authorization.ok_or_else(|| unauthenticated("no bearer token was sent"))?;
        let token = header_value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| unauthenticated("the Authorization header must be 'Bearer <token>'"))?;
        let header = decode_header(token)
            .map_err(|_| unauthenticated("the token is malformed or its algorithm is not allowed"))?;
        let key = match &self.keys {
            Keys::Shared(key) => key,
            Keys::ByKeyId(keys) => header
                .kid
                .as_ref()
                .and_then(|kid| keys.get(kid))
                .ok_or_else(|| unauthenticated("the token was signed with an unknown key"))?,
        };
        let data = decode::<Claims>(token, key, &self.validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind;
            let reason = match e.kind() {
                ErrorKind::ExpiredSignature => "the token has expired",
                ErrorKind::ImmatureSignature => "the token is not valid yet",
                ErrorKind::InvalidIssuer => "the token's issuer is not trusted",
                ErrorKind::InvalidAudience => "the token's audience is not this launcher",
                ErrorKind::InvalidSignature => "the token's signature is invalid",
                ErrorKind::InvalidAlgorithm => "the token's algorithm is not allowed",
                ErrorKind::MissingRequiredClaim(_) => "the token lacks a required claim (exp, iss, aud, sub)",
                _ => "the token is invalid",
            };
            unauthenticated(reason)
        })?;
        Ok(data.claims)
    }
}

fn validation(algorithm: Algorithm, issuer: &str, audience: &str) -> Validation {
    let mut v = Validation::new(algorithm);
    v.algorithms = vec![algorithm];
    v.set_issuer(&[issuer]);
    let audiences: Vec<&str> = audience.split(',').map(str::trim).filter(|a| !a.is_empty()).collect();
    v.set_audience(&audiences);
    v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    v.validate_nbf = true;
    v.leeway = LEEWAY_SECONDS;
    v
}

fn unauthenticated(reason: &str) -> LauncherError {
    LauncherError::Unauthenticated(reason.to_owned())
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{encode, EncodingKey, Header};
    use serde_json::json;

    use super::*;

    const SECRET: &str = "unit-test-secret-of-at-least-32-bytes!";

    fn token(aud: &str) -> String {
        let exp = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() + 60;
        let claims = json!({"sub": "a", "iss": "https://idp", "aud": aud, "exp": exp});
        encode(&Header::default(), &claims, &EncodingKey::from_secret(SECRET.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn short_hs256_secrets_are_refused() {
        let short = SecretString::from("too-short".to_owned());
        assert!(JwtVerifier::hs256(&short, "https://idp", "x").is_err());
    }

    #[test]
    fn any_listed_audience_and_any_scheme_case() {
        let verifier = JwtVerifier::hs256(&SecretString::from(SECRET.to_owned()), "https://idp", "web, cli").unwrap();
        for (aud, scheme, ok) in
            [("web", "Bearer", true), ("cli", "bearer", true), ("cli", "BEARER", true), ("other", "Bearer", false)]
        {
            let header = format!("{scheme} {}", token(aud));
            assert_eq!(verifier.verify_bearer(Some(&header)).is_ok(), ok, "{aud} {scheme}");
        }
        assert!(verifier.verify_bearer(Some(&format!("Basic {}", token("web")))).is_err());
        assert_eq!(format!("{verifier:?}"), "JwtVerifier(hs256)");
    }
}
