//! One-time link tokens: how a bootstrap stack in another account links itself without a user
//! token. Single use, expiring, bound to tenant and connection id; stored only hashed.

use aws_sdk_dynamodb::types::AttributeValue;
use base64::Engine;
use http::{Method, StatusCode};
use launcher_tests::*;
use serde_json::{json, Value};

async fn link_with(launcher: &TestLauncher, scheme_and_token: Option<String>, body: &Value) -> Reply {
    let headers: Vec<(&str, &str)> = scheme_and_token.iter().map(|v| ("authorization", v.as_str())).collect();
    call(launcher.router(), Method::POST, "/link", None, Some(body.to_string().into_bytes()), &headers).await
}

fn key_body(account: &CustomerAccount) -> Value {
    json!({"access_key_id": account.access_key_id, "secret_access_key": account.secret_access_key, "regions": [REGION], "name": "Bootstrapped"})
}

async fn issue(launcher: &TestLauncher, tenant: &str, connection_id: &str) -> String {
    let reply = launcher
        .post_json("/connections/link-tokens", &admin_token(tenant), &json!({"connection_id": connection_id}))
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    reply.json["token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_link_token_links_once_for_its_tenant_and_connection() {
    let account = CustomerAccount::create().await;
    account.create_function(REGION, "booted", "", &[]).await;
    let launcher = TestLauncher::start().await;
    let admin = admin_token("acme");
    let token = issue(&launcher, "acme", "boot").await;

    // Only the hash is stored.
    let rows = aws_sdk_dynamodb::Client::new(&launcher.sdk).scan().table_name(&launcher.table).send().await.unwrap();
    assert!(!format!("{:?}", rows.items()).contains(&token), "the token itself is not stored");

    // A bad body does not use the token up.
    let bad = link_with(&launcher, Some(format!("LinkToken {token}")), &json!({"access_key_id": "x"})).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let linked = link_with(&launcher, Some(format!("LinkToken {token}")), &key_body(&account)).await;
    assert_eq!(linked.status, StatusCode::CREATED, "{}", linked.text);
    assert_eq!(linked.json["connection"]["id"], "boot");
    assert_eq!(linked.json["connection"]["account_id"], account.account_id.as_str());
    assert!(!linked.text.contains(&account.secret_access_key));
    let unlink_token = linked.json["unlink_token"].as_str().unwrap().to_owned();

    // The tenant admin sees it, and its functions, like any other link.
    assert_eq!(launcher.get("/connections/boot", &admin).await.json["name"], "Bootstrapped");
    assert_eq!(launcher.get("/functions", &admin).await.json["functions"][0]["name"], "booted");

    // Used up.
    let again = link_with(&launcher, Some(format!("LinkToken {token}")), &key_body(&account)).await;
    assert_eq!((again.status, again.code()), (StatusCode::UNAUTHORIZED, "link_token_invalid"));
    assert!(again.is_problem());

    // The unlink token unlinks that connection, once.
    let unlink = |t: String| {
        let router = launcher.router();
        async move { call(router, Method::DELETE, "/link", None, None, &[("authorization", &t)]).await }
    };
    assert_eq!(unlink(format!("UnlinkToken {unlink_token}")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(launcher.get("/connections/boot", &admin).await.status, StatusCode::NOT_FOUND);
    assert_eq!(unlink(format!("UnlinkToken {unlink_token}")).await.code(), "link_token_invalid");
    assert_eq!(unlink("UnlinkToken lut.x.y.z".into()).await.code(), "link_token_invalid");
}

#[tokio::test]
async fn expired_foreign_missing_and_malformed_tokens_are_refused_alike() {
    let account = CustomerAccount::create().await;
    let launcher = TestLauncher::start().await;
    let body = key_body(&account);

    // Expired: the row says so (DynamoDB's TTL deletes lazily, so the launcher checks itself).
    let expired = issue(&launcher, "acme", "old").await;
    let dynamo = aws_sdk_dynamodb::Client::new(&launcher.sdk);
    let rows = dynamo.scan().table_name(&launcher.table).send().await.unwrap();
    let row = rows.items().iter().find(|r| r["sk"].as_s().unwrap().starts_with("LINKTOKEN#")).unwrap().clone();
    let mut past = row.clone();
    past.insert("expires_at".into(), AttributeValue::N("1000".into()));
    dynamo.put_item().table_name(&launcher.table).set_item(Some(past)).send().await.unwrap();

    // Foreign: acme's token with its tenant part rewritten to globex.
    let acme_token = issue(&launcher, "acme", "boot").await;
    let parts: Vec<&str> = acme_token.split('.').collect();
    let globex = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode("globex");
    let foreign = format!("{}.{}.{}", parts[0], globex, parts[2]);

    let mut answers = Vec::new();
    for header in [
        Some(format!("LinkToken {expired}")),
        Some(format!("LinkToken {foreign}")),
        Some(format!("LinkToken {}", acme_token.replace(parts[2], &"0".repeat(48)))),
        Some("LinkToken not-a-token".into()),
        Some(format!("Bearer {acme_token}")),
        None,
    ] {
        let reply = link_with(&launcher, header.clone(), &body).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{header:?}: {}", reply.text);
        answers.push(reply.text);
    }
    assert!(answers.windows(2).all(|w| w[0] == w[1]), "every refusal reads the same: {answers:?}");
    assert_eq!(launcher.get("/connections", &admin_token("globex")).await.json["connections"], json!([]));
    assert_eq!(launcher.get("/connections", &admin_token("acme")).await.json["connections"], json!([]));

    // The genuine token still works afterwards.
    let ok = link_with(&launcher, Some(format!("LinkToken {acme_token}")), &body).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
}

#[tokio::test]
async fn issuing_tokens_is_for_admins_and_checks_its_input() {
    let account = CustomerAccount::create().await;
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "taken", &account, &[REGION]).await;
    let admin = admin_token("acme");
    let ops = token("olivia", "acme", &["ops"]);
    let denied = launcher.post_json("/connections/link-tokens", &ops, &json!({"connection_id": "x"})).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    for (body, code) in [
        (json!({"connection_id": "taken"}), "connection_exists"),
        (json!({"connection_id": "Bad Id"}), "invalid_request"),
        (json!({"connection_id": "x", "ttl_seconds": 5}), "invalid_request"),
        (json!({"connection_id": "x", "ttl_seconds": 99999999}), "invalid_request"),
        (json!({"connection_id": "x", "tenant": "globex"}), "invalid_request"),
    ] {
        let reply = launcher.post_json("/connections/link-tokens", &admin, &body).await;
        assert_eq!(reply.code(), code, "{body}: {}", reply.text);
    }
    let issued = launcher
        .post_json("/connections/link-tokens", &admin, &json!({"connection_id": "x", "ttl_seconds": 600}))
        .await;
    assert_eq!(issued.status, StatusCode::CREATED);
    let expires = issued.json["expires_at"].as_u64().unwrap();
    assert!((now() + 590..=now() + 610).contains(&expires), "{expires}");
}
