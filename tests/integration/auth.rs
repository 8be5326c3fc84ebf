//! Every way a bearer token can be wrong gets 401 problem+json; good tokens resolve the same
//! principal with HS256 and with RS256 against a JWKS.

use http::{Method, StatusCode};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use launcher::config::{AuthMode, JwtKeySource, JwtSettings};
use launcher_tests::*;
use serde_json::{json, Value};

fn claims() -> Value {
    json!({"sub": "alice", "iss": ISSUER, "aud": AUDIENCE, "exp": now() + 600, "org_id": "acme", "groups": [ADMIN_GROUP]})
}

fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

fn without(mut base: Value, key: &str) -> Value {
    base.as_object_mut().unwrap().remove(key);
    base
}

fn b64(data: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
}

async fn assert_unauthenticated(launcher: &TestLauncher, token: Option<&str>, case: &str) {
    let reply = launcher.call(Method::GET, "/functions", token, None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{case}: {}", reply.text);
    assert_eq!(reply.code(), "unauthenticated", "{case}");
    assert!(reply.is_problem(), "{case}: {}", reply.text);
    assert_eq!(reply.headers["www-authenticate"], "Bearer", "{case}");
}

#[tokio::test]
async fn bad_tokens_are_refused_with_401() {
    let launcher = TestLauncher::start().await;
    let good = sign(&claims());
    assert_eq!(launcher.get("/functions", &good).await.status, StatusCode::OK);

    assert_unauthenticated(&launcher, None, "no token").await;
    assert_unauthenticated(&launcher, Some(""), "empty token").await;
    assert_unauthenticated(&launcher, Some("not-a-jwt"), "garbage").await;

    let wrong_secret = encode(
        &Header::default(),
        &claims(),
        &EncodingKey::from_secret(b"some-other-secret-of-enough-length!!").unwrap(),
    )
    .unwrap();
    assert_unauthenticated(&launcher, Some(&wrong_secret), "bad signature").await;

    // The good token's signature over a payload that moves the caller into another tenant.
    let parts: Vec<&str> = good.split('.').collect();
    let forged_claims = with(claims(), "org_id", json!("globex"));
    let tampered = format!("{}.{}.{}", parts[0], b64(forged_claims.to_string().as_bytes()), parts[2]);
    assert_unauthenticated(&launcher, Some(&tampered), "tampered payload").await;

    let expired = sign(&with(claims(), "exp", json!(now() - 3600)));
    assert_unauthenticated(&launcher, Some(&expired), "expired").await;
    let not_yet = sign(&with(claims(), "nbf", json!(now() + 3600)));
    assert_unauthenticated(&launcher, Some(&not_yet), "not yet valid").await;
    let no_exp = sign(&without(claims(), "exp"));
    assert_unauthenticated(&launcher, Some(&no_exp), "no exp").await;

    let alg_none = format!("{}.{}.", b64(br#"{"alg":"none","typ":"JWT"}"#), b64(claims().to_string().as_bytes()));
    assert_unauthenticated(&launcher, Some(&alg_none), "alg none").await;

    let wrong_issuer = sign(&with(claims(), "iss", json!("https://evil.example")));
    assert_unauthenticated(&launcher, Some(&wrong_issuer), "wrong issuer").await;
    let wrong_audience = sign(&with(claims(), "aud", json!("someone-else")));
    assert_unauthenticated(&launcher, Some(&wrong_audience), "wrong audience").await;
    let no_tenant = sign(&without(claims(), "org_id"));
    assert_unauthenticated(&launcher, Some(&no_tenant), "no tenant claim").await;
    let no_subject = sign(&without(claims(), "sub"));
    assert_unauthenticated(&launcher, Some(&no_subject), "no subject").await;

    // Basic auth or a token without the Bearer scheme.
    for header in ["Basic YWxpY2U6cGFzcw==".to_owned(), good.clone()] {
        let reply = call(launcher.router(), Method::GET, "/functions", None, None, &[("authorization", &header)]).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{header}");
        assert_eq!(reply.code(), "unauthenticated");
    }
}

#[tokio::test]
async fn rs256_tokens_verify_against_a_jwks() {
    let jwks = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/jwt/jwks.json");
    let launcher = TestLauncher::start_with(AuthMode::Jwt(JwtSettings {
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        key: JwtKeySource::Jwks(jwks.into()),
    }))
    .await;
    let sign_rs = |pem: &[u8], kid: &str| {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.into());
        encode(&header, &claims(), &EncodingKey::from_rsa_pem(pem).unwrap()).unwrap()
    };
    let good = sign_rs(include_bytes!("../fixtures/jwt/rs256-test-private.pem"), "test-key-1");
    let ok = launcher.get("/functions", &good).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);

    let other_key = sign_rs(include_bytes!("../fixtures/jwt/rs256-other-private.pem"), "test-key-1");
    assert_unauthenticated(&launcher, Some(&other_key), "RS256 signed by a key not in the JWKS").await;
    let unknown_kid = sign_rs(include_bytes!("../fixtures/jwt/rs256-test-private.pem"), "unknown");
    assert_unauthenticated(&launcher, Some(&unknown_kid), "unknown kid").await;
    // Algorithm confusion: an HS256 token is refused by an RS256 verifier.
    assert_unauthenticated(&launcher, Some(&sign(&claims())), "HS256 token to RS256 verifier").await;
}
