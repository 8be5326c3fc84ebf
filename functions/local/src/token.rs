//! Development tokens, signed with the local HS256 secret. Never used in a deployment: there the
//! organization's identity provider issues tokens and API Gateway verifies them.

use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{encode, EncodingKey, Header};
use secrecy::ExposeSecret;
use serde_json::json;

use launcher::config::{AuthMode, JwtKeySource};
use launcher::Config;

const USAGE: &str = "usage: launcher-local mint-token --sub SUBJECT --tenant TENANT [--groups a,b] [--ttl SECONDS]";

pub fn run(args: &[String]) -> Result<(), String> {
    let mut sub = None;
    let mut tenant = None;
    let mut groups: Vec<String> = Vec::new();
    let mut ttl: u64 = 3600;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--sub" => sub = Some(value()?),
            "--tenant" => tenant = Some(value()?),
            "--groups" => groups = value()?.split(',').filter(|g| !g.is_empty()).map(str::to_owned).collect(),
            "--ttl" => ttl = value()?.parse().map_err(|_| "--ttl must be seconds")?,
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown flag {other}\n{USAGE}")),
        }
    }
    let (sub, tenant) = (sub.ok_or("--sub is required")?, tenant.ok_or("--tenant is required")?);
    let config = Config::from_env().map_err(|e| e.to_string())?;
    println!("{}", mint(&config, &sub, &tenant, &groups, ttl)?);
    Ok(())
}

/// A development token for `sub` in `tenant`, signed with the local HS256 secret.
pub fn mint(config: &Config, sub: &str, tenant: &str, groups: &[String], ttl: u64) -> Result<String, String> {
    let AuthMode::Jwt(jwt) = &config.auth else {
        return Err("mint-token needs LAUNCHER_AUTH_MODE=jwt".into());
    };
    let JwtKeySource::Hs256(secret) = &jwt.key else {
        return Err("mint-token signs with LAUNCHER_JWT_HS256_SECRET; with a JWKS, use your identity provider".into());
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| e.to_string())?.as_secs();
    let claims = json!({
        "sub": sub,
        "iss": jwt.issuer,
        "aud": jwt.audience,
        "iat": now,
        "exp": now + ttl,
        config.claims.tenant.clone(): tenant,
        config.claims.groups.clone(): groups,
    });
    let key = EncodingKey::from_secret(secret.expose_secret().as_bytes()).map_err(|e| e.to_string())?;
    encode(&Header::default(), &claims, &key).map_err(|e| e.to_string())
}
