//! Configuration, read once at start-up from the environment. Every limit lives here.

use std::env;

use secrecy::SecretString;

use crate::error::{LauncherError, Result};

/// AWS Lambda's own limits on invocation payloads (request and response).
pub const SYNC_PAYLOAD_LIMIT: usize = 6 * 1024 * 1024;
pub const ASYNC_PAYLOAD_LIMIT: usize = 1024 * 1024;
/// How deeply a payload's arrays and objects may nest: far more than any real input needs, and
/// below the 128 levels at which JSON parsers (serde_json's among them) give up.
pub const PAYLOAD_DEPTH_LIMIT: usize = 100;
/// Lambda returns at most the last 4 KB of the log with `LogType=Tail`.
pub const LOG_TAIL_LIMIT: usize = 4 * 1024;
pub const DEFAULT_AUDIT_RETENTION_DAYS: u64 = 90;
/// Largest page of `GET /functions` and `GET /audit`.
pub const MAX_PAGE_SIZE: usize = 200;
pub const DEFAULT_PAGE_SIZE: usize = 50;
/// Largest body of the admin routes (links, rules): far above any valid one.
pub const ADMIN_BODY_LIMIT: usize = 64 * 1024;
/// Largest invoke answer the launcher returns: Lambda's own 6 MB response limit applies to the
/// launcher function too, and the API Gateway envelope needs room.
pub const RESPONSE_LIMIT: usize = SYNC_PAYLOAD_LIMIT - 64 * 1024;

/// Where a request's identity comes from.
#[derive(Debug, Clone)]
pub enum AuthMode {
    /// Deployed: API Gateway's JWT authorizer already verified the token; claims are read from
    /// the request context.
    Authorizer,
    /// Local: the server verifies the bearer token itself.
    Jwt(JwtSettings),
}

#[derive(Debug, Clone)]
pub struct JwtSettings {
    pub issuer: String,
    pub audience: String,
    pub key: JwtKeySource,
}

#[derive(Debug, Clone)]
pub enum JwtKeySource {
    /// HS256 with a shared secret: development only.
    Hs256(SecretString),
    /// RS256 against a JWKS document at a path or an http(s) URL.
    Jwks(String),
}

#[derive(Debug, Clone)]
pub struct ClaimNames {
    pub tenant: String,
    pub groups: String,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub table: String,
    pub kms_key_id: String,
    pub claims: ClaimNames,
    pub admin_group: String,
    pub auth: AuthMode,
    /// The launcher's own AWS account (template.yaml sets it); looked up with STS when unset.
    pub account_id: Option<String>,
    /// How long audit records are kept (DynamoDB TTL).
    pub audit_retention_days: u64,
    /// What the web console's sign-in needs to know (served as `/console/config.json`).
    pub console: ConsoleSettings,
}

/// The web console's sign-in settings. Public: they are served to every browser.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConsoleSettings {
    /// The OIDC issuer the console signs in against (authorization code + PKCE).
    pub issuer: Option<String>,
    /// The console's OIDC client id (a public client: no secret).
    pub client_id: Option<String>,
    /// Scopes the console asks for.
    pub scopes: String,
    /// Which token of the code exchange the console sends to the API: `access_token` or `id_token`.
    pub token: String,
    /// Extra origins the browser may fetch (the issuer's token endpoint when it is not on the
    /// issuer's origin), for the Content-Security-Policy.
    pub connect_origins: Vec<String>,
    /// The development sign-in: only the local server sets this, never from the environment.
    pub dev_sign_in: bool,
}

/// An origin or URL the console may sign in against or fetch: https, or plain http only on the
/// loopback host itself (a local identity provider). It goes into the Content-Security-Policy,
/// so nothing that could end or extend a directive is accepted.
fn console_origin_ok(url: &str) -> bool {
    if url.contains(|c: char| c.is_whitespace() || c.is_control() || c == ';' || c == ',' || c == '\'') {
        return false;
    }
    let authority_of = |rest: &str| rest.split(['/', '?', '#']).next().unwrap_or("").to_owned();
    if let Some(rest) = url.strip_prefix("https://") {
        let authority = authority_of(rest);
        return !authority.is_empty() && !authority.contains('@');
    }
    let Some(rest) = url.strip_prefix("http://") else { return false };
    // Not `[::1]`: CSP source expressions have no IPv6 literals, so the browser would ignore it.
    let authority = authority_of(rest);
    !authority.starts_with('[') && is_loopback_host(&authority)
}

/// `localhost`, `127.0.0.1` or `[::1]`, with or without a port: a URL authority or `Host` header
/// that can only mean this machine.
pub fn is_loopback_host(authority: &str) -> bool {
    let name = match authority.strip_prefix("[::1]") {
        Some(port) => return port.is_empty() || is_port(port),
        None => authority.split(':').next().unwrap_or(""),
    };
    let port = &authority[name.len()..];
    (name.eq_ignore_ascii_case("localhost") || name == "127.0.0.1") && (port.is_empty() || is_port(port))
}

fn is_port(colon_port: &str) -> bool {
    colon_port.strip_prefix(':').is_some_and(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
}

impl ConsoleSettings {
    fn from_env() -> Result<Self> {
        let issuer = optional("LAUNCHER_CONSOLE_ISSUER").or_else(|| optional("LAUNCHER_JWT_ISSUER"));
        if let Some(issuer) = &issuer {
            if !console_origin_ok(issuer.as_str()) {
                return Err(config_error(
                    "LAUNCHER_CONSOLE_ISSUER must be an https:// URL (http:// only on localhost or 127.0.0.1)",
                ));
            }
        }
        let connect_origins: Vec<String> = optional("LAUNCHER_CONSOLE_CONNECT_ORIGINS")
            .map(|v| v.split([',', ' ']).filter(|o| !o.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default();
        if let Some(bad) = connect_origins.iter().find(|o| !console_origin_ok(o.as_str())) {
            return Err(config_error(format!("LAUNCHER_CONSOLE_CONNECT_ORIGINS: '{bad}' is not an https:// origin")));
        }
        let token = optional("LAUNCHER_CONSOLE_TOKEN").unwrap_or_else(|| "access_token".into());
        if token != "access_token" && token != "id_token" {
            return Err(config_error("LAUNCHER_CONSOLE_TOKEN must be access_token or id_token"));
        }
        Ok(Self {
            issuer,
            client_id: optional("LAUNCHER_CONSOLE_CLIENT_ID"),
            scopes: optional("LAUNCHER_CONSOLE_SCOPES").unwrap_or_else(|| "openid profile email".into()),
            token,
            connect_origins,
            dev_sign_in: false,
        })
    }
}

impl Config {
    /// Reads `LAUNCHER_*` variables; docs/configuration.md lists them.
    pub fn from_env() -> Result<Self> {
        let auth = match optional("LAUNCHER_AUTH_MODE").as_deref().unwrap_or("authorizer") {
            "authorizer" => AuthMode::Authorizer,
            "jwt" => AuthMode::Jwt(JwtSettings::from_env()?),
            other => {
                return Err(config_error(format!("LAUNCHER_AUTH_MODE must be 'authorizer' or 'jwt', not '{other}'")))
            }
        };
        Ok(Self {
            table: required("LAUNCHER_TABLE")?,
            kms_key_id: required("LAUNCHER_KMS_KEY_ID")?,
            claims: ClaimNames {
                tenant: optional("LAUNCHER_TENANT_CLAIM").unwrap_or_else(|| "org_id".into()),
                groups: optional("LAUNCHER_GROUPS_CLAIM").unwrap_or_else(|| "groups".into()),
            },
            admin_group: optional("LAUNCHER_ADMIN_GROUP").unwrap_or_else(|| "launcher-admins".into()),
            auth,
            account_id: optional("LAUNCHER_ACCOUNT_ID"),
            audit_retention_days: match optional("LAUNCHER_AUDIT_RETENTION_DAYS") {
                None => DEFAULT_AUDIT_RETENTION_DAYS,
                Some(days) => days
                    .parse()
                    .ok()
                    .filter(|d| (1..=3650).contains(d))
                    .ok_or_else(|| config_error("LAUNCHER_AUDIT_RETENTION_DAYS must be 1-3650"))?,
            },
            console: ConsoleSettings::from_env()?,
        })
    }
}

impl JwtSettings {
    fn from_env() -> Result<Self> {
        let key = match (optional("LAUNCHER_JWT_HS256_SECRET"), optional("LAUNCHER_JWKS")) {
            (Some(secret), None) if secret.len() < crate::identity::jwt::MIN_HS256_SECRET_BYTES => {
                return Err(config_error(format!(
                    "LAUNCHER_JWT_HS256_SECRET must be at least {} bytes",
                    crate::identity::jwt::MIN_HS256_SECRET_BYTES
                )))
            }
            (Some(secret), None) => JwtKeySource::Hs256(SecretString::from(secret)),
            (None, Some(jwks)) => JwtKeySource::Jwks(jwks),
            _ => {
                return Err(config_error(
                    "LAUNCHER_AUTH_MODE=jwt needs exactly one of LAUNCHER_JWT_HS256_SECRET or LAUNCHER_JWKS",
                ))
            }
        };
        Ok(Self { issuer: required("LAUNCHER_JWT_ISSUER")?, audience: required("LAUNCHER_JWT_AUDIENCE")?, key })
    }
}

fn optional(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn required(name: &str) -> Result<String> {
    optional(name).ok_or_else(|| config_error(format!("{name} must be set")))
}

fn config_error(message: impl Into<String>) -> LauncherError {
    LauncherError::Internal(format!("configuration: {}", message.into()))
}

#[cfg(test)]
mod tests {
    use super::{console_origin_ok, is_loopback_host};

    #[test]
    fn console_origins_are_https_or_plain_http_on_loopback_only() {
        for ok in [
            "https://idp.example.com",
            "https://idp.example.com/realms/acme/",
            "https://idp.example.com:8443",
            "http://localhost",
            "http://localhost:8080/realms/dev",
            "http://127.0.0.1:5556",
        ] {
            assert!(console_origin_ok(ok), "{ok} should be accepted");
        }
        for bad in [
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example:80",
            "http://localhost@evil.example",
            "http://localhost:80x",
            "http://[::1]:9000/",
            "http://idp.example.com",
            "https://",
            "https://user@evil.example",
            "ftp://idp.example.com",
            "https://idp.example.com; script-src *",
            "https://a.example,https://b.example",
            "https://idp.example.com 'unsafe-inline'",
            "idp.example.com",
        ] {
            assert!(!console_origin_ok(bad), "{bad} should be refused");
        }
    }

    #[test]
    fn loopback_hosts() {
        for ok in ["localhost", "LOCALHOST:8080", "127.0.0.1", "127.0.0.1:49152", "[::1]", "[::1]:8080"] {
            assert!(is_loopback_host(ok), "{ok}");
        }
        for bad in [
            "",
            "evil.example",
            "localhost.evil.example",
            "127.0.0.1.nip.io:8080",
            "10.0.0.5:8080",
            "localhost:",
            "[::1]x",
            "localhost:8080x",
            "localhost@evil.example",
        ] {
            assert!(!is_loopback_host(bad), "{bad}");
        }
    }
}
