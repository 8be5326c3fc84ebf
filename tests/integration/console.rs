//! The web console's page and assets: served by the list function without a token, with strict
//! security headers; its sign-in configuration; and no development sign-in outside the local
//! server.

use http::{Method, StatusCode};
use launcher::config::{AuthMode, ConsoleSettings};
use launcher::http::{router, Routes};
use launcher_tests::*;

async fn state_with(console: ConsoleSettings) -> std::sync::Arc<launcher::AppState> {
    let sdk = launcher_sdk().await;
    let mut config = test_config("unused", "alias/unused", AuthMode::Authorizer);
    config.console = console;
    launcher::AppState::new(config, &sdk, None).unwrap()
}

#[tokio::test]
async fn the_page_and_its_assets_are_served_with_strict_headers() {
    let state = state_with(ConsoleSettings::default()).await;
    for (path, content_type) in [
        ("/", "text/html; charset=utf-8"),
        ("/console/console.js", "text/javascript; charset=utf-8"),
        ("/console/console.css", "text/css; charset=utf-8"),
        ("/console/icon.svg", "image/svg+xml"),
        ("/console/config.json", "application/json"),
    ] {
        let reply = call(router(state.clone(), Routes::List), Method::GET, path, None, None, &[]).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        let header = |name: &str| reply.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        assert_eq!(header("content-type"), content_type, "{path}");
        let csp = header("content-security-policy");
        assert!(csp.starts_with("default-src 'none'; script-src 'self'; style-src 'self';"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe"), "{path}: {csp}");
        assert_eq!(header("x-content-type-options"), "nosniff");
        assert_eq!(header("referrer-policy"), "no-referrer");
        assert_eq!(header("cache-control"), "no-cache");
        // Revalidation: the ETag answers 304 without a body.
        let etag = header("etag");
        let again =
            call(router(state.clone(), Routes::List), Method::GET, path, None, None, &[("if-none-match", &etag)]).await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{path}");
        assert!(again.text.is_empty());
    }
    let missing = call(router(state.clone(), Routes::List), Method::GET, "/console/secrets.txt", None, None, &[]).await;
    assert_eq!((missing.status, missing.code()), (StatusCode::NOT_FOUND, "route_not_found"));
    let traversal =
        call(router(state.clone(), Routes::List), Method::GET, "/console/..%2FCargo.toml", None, None, &[]).await;
    assert_eq!(traversal.status, StatusCode::NOT_FOUND);
    // Only the list function (and the local server) serves the console.
    for routes in [Routes::Invoke, Routes::Link] {
        let reply = call(router(state.clone(), routes), Method::GET, "/", None, None, &[]).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{routes:?}");
    }
}

#[tokio::test]
async fn config_json_offers_oidc_only_with_a_client_id_and_never_the_development_sign_in() {
    let plain = state_with(ConsoleSettings {
        issuer: Some("https://idp.example.com/tenant".into()),
        scopes: "openid".into(),
        token: "access_token".into(),
        ..Default::default()
    })
    .await;
    let reply = call(router(plain, Routes::List), Method::GET, "/console/config.json", None, None, &[]).await;
    assert_eq!(reply.json["issuer"], serde_json::Value::Null, "no client id: no sign-in offered");
    assert_eq!(reply.json["dev_sign_in"], false);

    let oidc = state_with(ConsoleSettings {
        issuer: Some("https://idp.example.com/tenant".into()),
        client_id: Some("console-client".into()),
        scopes: "openid profile".into(),
        token: "id_token".into(),
        connect_origins: vec!["https://auth.example.com".into()],
        dev_sign_in: false,
    })
    .await;
    let reply = call(router(oidc.clone(), Routes::List), Method::GET, "/console/config.json", None, None, &[]).await;
    assert_eq!(reply.json["issuer"], "https://idp.example.com/tenant");
    assert_eq!(reply.json["client_id"], "console-client");
    assert_eq!(reply.json["token"], "id_token");
    let csp = reply.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("connect-src 'self' https://idp.example.com https://auth.example.com;"), "{csp}");

    // The deployed routers have no development sign-in: it lives in the local binary only.
    for routes in [Routes::List, Routes::Invoke, Routes::Link, Routes::All] {
        for (method, path) in [(Method::GET, "/dev/users"), (Method::POST, "/dev/sign-in")] {
            let body = Some(br#"{"user": "alice"}"#.to_vec());
            let reply = call(router(oidc.clone(), routes), method.clone(), path, None, body, &[]).await;
            assert_eq!((reply.status, reply.code()), (StatusCode::NOT_FOUND, "route_not_found"), "{routes:?} {path}");
        }
    }
}

#[test]
fn the_environment_cannot_switch_the_development_sign_in_on() {
    let source =
        std::fs::read_to_string(format!("{}/../functions/launcher/src/config.rs", env!("CARGO_MANIFEST_DIR"))).unwrap();
    assert!(source.contains("dev_sign_in: false,"), "Config::from_env must leave dev_sign_in off");
    assert!(!source.contains("LAUNCHER_DEV"), "no variable of the launcher library turns it on");
}
