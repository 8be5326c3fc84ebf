//! The linked secret never leaves the encrypted store: not in responses, logs, errors or Debug
//! output; and its ciphertext only decrypts for the tenant and connection it was linked to.

use aws_sdk_dynamodb::types::AttributeValue;
use http::{Method, StatusCode};
use launcher_tests::logs::CapturedLogs;
use launcher_tests::*;
use serde_json::json;

#[tokio::test]
async fn the_secret_appears_in_no_response_and_no_log_line() {
    let (logs, _guard) = CapturedLogs::start();
    let account = CustomerAccount::create().await;
    account.create_function(REGION, "hello", "", &[]).await;
    let launcher = TestLauncher::start().await;
    let admin = admin_token("acme");
    let secret = account.secret_access_key.clone();

    let mut bodies = Vec::new();
    let linked = launcher.post_json("/connections", &admin, &account.link_body("prod", &[REGION])).await;
    assert_eq!(linked.status, StatusCode::CREATED);
    bodies.push(linked.text);
    // Failure paths too: a conflict, a bad region, a body of the wrong shape around the secret.
    bodies.push(launcher.post_json("/connections", &admin, &account.link_body("prod", &[REGION])).await.text);
    bodies.push(launcher.post_json("/connections", &admin, &account.link_body("other", &["bad"])).await.text);
    let mut wrong_type = account.link_body("x", &[REGION]);
    wrong_type["secret_access_key"] = json!([secret.clone()]);
    bodies.push(launcher.post_json("/connections", &admin, &wrong_type).await.text);
    bodies.push(launcher.get("/connections", &admin).await.text);
    bodies.push(launcher.get("/connections/prod", &admin).await.text);
    bodies.push(launcher.get("/functions", &admin).await.text);
    bodies.push(launcher.get("/functions/prod/us-east-1/hello", &admin).await.text);
    bodies.push(launcher.post_json("/functions/prod/us-east-1/hello/invoke", &admin, &json!({})).await.text);

    let logged = logs.text();
    assert!(logged.contains("account linked"), "the capture works");
    assert!(logged.contains("function invoked"));
    for body in &bodies {
        assert!(!body.contains(&secret), "a response carried the secret: {body}");
    }
    assert!(!logged.contains(&secret), "a log line carried the secret");
    use base64::Engine;
    let encoded = base64::engine::general_purpose::STANDARD.encode(&secret);
    assert!(!logged.contains(&encoded), "a log line carried the base64 secret");

    // Debug output of every type that holds the secret is redacted.
    let request: launcher::service::LinkRequest = serde_json::from_value(account.link_body("prod", &[REGION])).unwrap();
    let debug = format!("{request:?}");
    assert!(!debug.contains(&secret) && debug.contains("REDACTED"), "{debug}");
    let live = launcher::domain::connection::LiveCredentials {
        access_key_id: account.access_key_id.clone(),
        secret_access_key: secret.clone().into(),
        session_token: Some(secret.clone().into()),
    };
    assert!(!format!("{live:?}").contains(&secret));
}

#[tokio::test]
async fn a_ciphertext_copied_to_another_tenant_or_connection_does_not_decrypt() {
    let account = CustomerAccount::create().await;
    account.create_function(REGION, "hello", "", &[]).await;
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &account, &[REGION]).await;

    // An attacker with write access to the table copies acme's row verbatim into globex's
    // partition, and into another connection id of acme's own.
    let dynamo = aws_sdk_dynamodb::Client::new(&launcher.sdk);
    let original = dynamo
        .get_item()
        .table_name(&launcher.table)
        .key("pk", AttributeValue::S("TENANT#acme".into()))
        .key("sk", AttributeValue::S("CONN#prod".into()))
        .send()
        .await
        .unwrap()
        .item
        .expect("stored connection");
    assert!(matches!(original.get("secret_ciphertext"), Some(AttributeValue::B(_))));
    assert!(!format!("{original:?}").contains(&account.secret_access_key), "the store holds only ciphertext");
    for (pk, sk) in [("TENANT#globex", "CONN#prod"), ("TENANT#acme", "CONN#copy")] {
        let mut copy = original.clone();
        copy.insert("pk".into(), AttributeValue::S(pk.into()));
        copy.insert("sk".into(), AttributeValue::S(sk.into()));
        dynamo.put_item().table_name(&launcher.table).set_item(Some(copy)).send().await.unwrap();
    }

    let globex = admin_token("globex");
    let listed = launcher.get("/functions", &globex).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json["functions"], json!([]));
    assert_eq!(listed.json["errors"][0]["code"], "secret_unavailable", "{}", listed.text);
    let run = launcher.post_json("/functions/prod/us-east-1/hello/invoke", &globex, &json!({})).await;
    assert_eq!(run.status, StatusCode::SERVICE_UNAVAILABLE, "{}", run.text);
    assert_eq!(run.code(), "secret_unavailable");

    let acme = admin_token("acme");
    let copied = launcher.post_json("/functions/copy/us-east-1/hello/invoke", &acme, &json!({})).await;
    assert_eq!(copied.code(), "secret_unavailable", "{}", copied.text);
    // The original still works.
    let original_run = launcher.call(Method::POST, "/functions/prod/us-east-1/hello/invoke", Some(&acme), None).await;
    assert_eq!(original_run.status, StatusCode::OK, "{}", original_run.text);
}
