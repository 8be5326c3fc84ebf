//! The `launcher-local` binary itself: provisioning, development tokens, and serving the router
//! with RS256 keys fetched from a JWKS URL. Needs the local AWS (`make test` starts it).

use std::process::Stdio;

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use launcher_tests::*;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_launcher-local");

fn command(table: &str, key: &str) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env("AWS_ENDPOINT_URL", moto_endpoint())
        .env("AWS_ACCESS_KEY_ID", "launcher-local")
        .env("AWS_SECRET_ACCESS_KEY", "launcher-local")
        .env("AWS_REGION", REGION)
        .env("LAUNCHER_TABLE", table)
        .env("LAUNCHER_KMS_KEY_ID", key)
        .env("LAUNCHER_AUTH_MODE", "jwt")
        .env("LAUNCHER_JWT_ISSUER", ISSUER)
        .env("LAUNCHER_JWT_AUDIENCE", AUDIENCE)
        .env_remove("LAUNCHER_JWKS")
        .env_remove("LAUNCHER_JWT_HS256_SECRET")
        .kill_on_drop(true);
    cmd
}

#[tokio::test]
async fn provision_then_mint_a_token_the_server_accepts() {
    let table = unique("local-bin");
    let key = format!("alias/{}", unique("local-bin"));
    let provisioned =
        command(&table, &key).env("LAUNCHER_JWT_HS256_SECRET", HS256_SECRET).arg("provision").output().await.unwrap();
    assert!(provisioned.status.success(), "{}", String::from_utf8_lossy(&provisioned.stderr));
    // Running it twice is harmless.
    let again =
        command(&table, &key).env("LAUNCHER_JWT_HS256_SECRET", HS256_SECRET).arg("provision").output().await.unwrap();
    assert!(again.status.success());

    let sdk = launcher_sdk().await;
    let described = aws_sdk_dynamodb::Client::new(&sdk).describe_table().table_name(&table).send().await.unwrap();
    let keys: Vec<&str> = described.table().unwrap().key_schema().iter().map(|k| k.attribute_name()).collect();
    assert_eq!(keys, ["pk", "sk"]);
    let alias = aws_sdk_kms::Client::new(&sdk).describe_key().key_id(&key).send().await;
    assert!(alias.is_ok(), "the key alias exists");

    let minted = command(&table, &key)
        .env("LAUNCHER_JWT_HS256_SECRET", HS256_SECRET)
        .args(["mint-token", "--sub", "dev@acme", "--tenant", "acme", "--groups", "ops,launcher-admins"])
        .output()
        .await
        .unwrap();
    assert!(minted.status.success());
    let token = String::from_utf8(minted.stdout).unwrap().trim().to_owned();
    let launcher = TestLauncher::start().await;
    let reply = launcher.get("/connections", &token).await;
    assert_eq!(reply.status.as_u16(), 200, "the minted token is an admin of acme: {}", reply.text);

    let refused =
        command(&table, &key).env("LAUNCHER_JWT_HS256_SECRET", HS256_SECRET).arg("mint-token").output().await.unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--sub is required"));
}

#[tokio::test]
async fn serves_the_router_with_keys_from_a_jwks_url() {
    // An identity provider's JWKS endpoint on loopback.
    let jwks: Value = serde_json::from_str(include_str!("../../../tests/fixtures/jwt/jwks.json")).unwrap();
    let idp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let jwks_url = format!("http://{}/.well-known/jwks.json", idp.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/.well-known/jwks.json", axum::routing::get(move || async move { axum::Json(jwks) }));
    tokio::spawn(async move { axum::serve(idp, app).await.unwrap() });

    let sdk = launcher_sdk().await;
    let (table, key) = provision(&sdk).await;
    let mut child = command(&table, &key)
        .env("LAUNCHER_JWKS", &jwks_url)
        .env("LAUNCHER_BIND", "127.0.0.1:0")
        .arg("serve")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().expect("the server prints its address");
    let base = first.strip_prefix("listening on ").expect("listening on <url>").to_owned();

    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("test-key-1".into());
    let claims = json!({"sub": "rs@acme", "iss": ISSUER, "aud": AUDIENCE, "exp": now() + 600, "org_id": "acme", "groups": "launcher-admins ops"});
    let token = encode(
        &header,
        &claims,
        &EncodingKey::from_rsa_pem(include_bytes!("../../../tests/fixtures/jwt/rs256-test-private.pem")).unwrap(),
    )
    .unwrap();

    let client = launcher_tests::http_client();
    let ok = client.get(format!("{base}/connections")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(ok.status().as_u16(), 200, "space-separated groups claim makes this caller an admin");
    let refused = client.get(format!("{base}/connections")).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    child.kill().await.unwrap();
}

#[tokio::test]
async fn refuses_to_serve_without_in_process_token_checks() {
    let output = command("t", "alias/k").env("LAUNCHER_AUTH_MODE", "authorizer").arg("serve").output().await.unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("LAUNCHER_AUTH_MODE=jwt"));
    let unknown = command("t", "alias/k").arg("frobnicate").output().await.unwrap();
    assert!(!unknown.status.success());
}

async fn body_json(request: reqwest::RequestBuilder) -> Value {
    serde_json::from_str(&request.send().await.unwrap().text().await.unwrap()).unwrap()
}

async fn serve(table: &str, key: &str, dev_users: Option<&str>) -> (tokio::process::Child, String) {
    let mut cmd = command(table, key);
    cmd.env("LAUNCHER_JWT_HS256_SECRET", HS256_SECRET)
        .env("LAUNCHER_BIND", "127.0.0.1:0")
        .env_remove("LAUNCHER_DEV_USERS");
    if let Some(users) = dev_users {
        cmd.env("LAUNCHER_DEV_USERS", users);
    }
    let mut child = cmd.arg("serve").stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next_line().await.unwrap().expect("the server prints its address");
    (child, first.strip_prefix("listening on ").expect("listening on <url>").to_owned())
}

#[tokio::test]
async fn the_development_sign_in_exists_only_when_configured_and_mints_tokens_the_server_accepts() {
    let sdk = launcher_sdk().await;
    let (table, key) = provision(&sdk).await;
    let client = launcher_tests::http_client();

    let (mut child, base) =
        serve(&table, &key, Some("alice:alice@acme:acme:launcher-admins;olivia:olivia@acme:acme:ops")).await;
    let config = body_json(client.get(format!("{base}/console/config.json"))).await;
    assert_eq!(config["dev_sign_in"], true);
    let users = body_json(client.get(format!("{base}/dev/users"))).await;
    assert_eq!(
        users["users"][1],
        json!({"user": "olivia", "subject": "olivia@acme", "tenant": "acme", "groups": ["ops"]})
    );
    let signed = body_json(client.post(format!("{base}/dev/sign-in")).body(r#"{"user": "alice"}"#)).await;
    let token = signed["token"].as_str().expect("a token");
    let ok = client.get(format!("{base}/connections")).bearer_auth(token).send().await.unwrap();
    assert_eq!(ok.status().as_u16(), 200, "alice is a tenant admin of acme");
    let unknown = client.post(format!("{base}/dev/sign-in")).body(r#"{"user": "eve"}"#).send().await.unwrap();
    assert_eq!(unknown.status().as_u16(), 400);
    // Addressed to another name (a page that rebound its DNS name to 127.0.0.1): refused, no token.
    for path in ["/dev/users", "/dev/sign-in"] {
        let rebound = client
            .post(format!("{base}{path}"))
            .header("Host", "attacker.example:8080")
            .body(r#"{"user": "alice"}"#)
            .send()
            .await
            .unwrap();
        assert_eq!(rebound.status().as_u16(), 403, "{path}");
        let text = rebound.text().await.unwrap();
        assert!(text.contains("\"code\":\"forbidden\"") && !text.contains("token\""), "{text}");
    }
    // Sent by another site's page (a form or a no-cors fetch needs no preflight): refused too.
    let cross_site = client
        .post(format!("{base}/dev/sign-in"))
        .header("Origin", "https://attacker.example")
        .header("Content-Type", "text/plain")
        .body(r#"{"user": "alice"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status().as_u16(), 403);
    let same_site = client
        .post(format!("{base}/dev/sign-in"))
        .header("Origin", base.as_str())
        .body(r#"{"user": "alice"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(same_site.status().as_u16(), 200, "the console's own page signs in");
    let by_name = client.get(format!("{}/dev/users", base.replace("127.0.0.1", "localhost"))).send().await.unwrap();
    assert_eq!(by_name.status().as_u16(), 200, "localhost is loopback too");
    child.kill().await.unwrap();

    // Bound to every interface, the server does not start with the development sign-in on.
    let exposed = command(&table, &key)
        .env("LAUNCHER_JWT_HS256_SECRET", HS256_SECRET)
        .env("LAUNCHER_BIND", "0.0.0.0:0")
        .env("LAUNCHER_DEV_USERS", "a:a:acme:")
        .arg("serve")
        .output()
        .await
        .unwrap();
    assert!(!exposed.status.success());
    assert!(String::from_utf8_lossy(&exposed.stderr).contains("only offered on a loopback address"));

    // Not configured: no development sign-in at all.
    let (mut child, base) = serve(&table, &key, None).await;
    let config = body_json(client.get(format!("{base}/console/config.json"))).await;
    assert_eq!(config["dev_sign_in"], false);
    for path in ["/dev/users", "/dev/sign-in"] {
        let reply = client.post(format!("{base}{path}")).body(r#"{"user": "alice"}"#).send().await.unwrap();
        assert!(matches!(reply.status().as_u16(), 404 | 405), "{path}");
    }
    child.kill().await.unwrap();

    // A JWKS-verifying server cannot mint tokens: the development sign-in is refused at start.
    let refused = command(&table, &key)
        .env("LAUNCHER_JWKS", "/nonexistent.json")
        .env("LAUNCHER_DEV_USERS", "a:a:acme:")
        .arg("serve")
        .output()
        .await
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("LAUNCHER_DEV_USERS needs"));
}
