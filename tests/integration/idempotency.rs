//! Duplicate-safe invocations: the same Idempotency-Key from the same caller returns the first
//! outcome and runs nothing; a key reused for another request is refused; a request still in
//! flight makes its duplicate wait; a request that provably did not run frees its key.

use aws_sdk_dynamodb::types::AttributeValue;
use aws_smithy_mocks::mock;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode as SmithyStatus;
use aws_smithy_types::body::SdkBody;
use http::{Method, StatusCode};
use launcher_tests::*;
use serde_json::json;

async fn invoke_with_key(
    launcher: &TestLauncher,
    token: &str,
    path: &str,
    key: &str,
    body: serde_json::Value,
) -> Reply {
    let body = Some(body.to_string().into_bytes());
    call(launcher.router(), Method::POST, path, Some(token), body, &[("idempotency-key", key)]).await
}

#[tokio::test]
async fn a_repeated_key_replays_the_first_outcome_and_runs_nothing() {
    let account = CustomerAccount::create().await;
    account.create_function(REGION, "pay", "", &[]).await;
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &account, &[REGION]).await;
    let alice = admin_token("acme");
    let path = "/functions/prod/us-east-1/pay/invoke";
    account.queue_lambda_results(REGION, &[r#"{"run":1}"#, r#"{"run":2}"#, r#"{"run":3}"#]).await;

    let first = invoke_with_key(&launcher, &alice, path, "order-42", json!({"amount": 10})).await;
    assert_eq!(first.json["payload"], json!({"run": 1}), "{}", first.text);
    assert!(first.headers.get("idempotent-replayed").is_none());
    let again = invoke_with_key(&launcher, &alice, path, "order-42", json!({"amount": 10})).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json["payload"], json!({"run": 1}), "the stored outcome, not a second run");
    assert_eq!(again.json["request_id"], first.json["request_id"]);
    assert_eq!(again.headers["idempotent-replayed"], "true");

    // The same key for a different request is refused, and runs nothing.
    let reused = invoke_with_key(&launcher, &alice, path, "order-42", json!({"amount": 99})).await;
    assert_eq!((reused.status, reused.code()), (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused"));

    // Keys are per caller: bob's order-42 is his own request.
    let bob = token("bob@acme", "acme", &[ADMIN_GROUP]);
    let bobs = invoke_with_key(&launcher, &bob, path, "order-42", json!({"amount": 10})).await;
    assert_eq!(bobs.json["payload"], json!({"run": 2}));
    // And per tenant: nobody else can even see the function.
    let mallory = invoke_with_key(&launcher, &admin_token("globex"), path, "order-42", json!({"amount": 10})).await;
    assert_eq!(mallory.status, StatusCode::NOT_FOUND);

    // Exactly two runs happened: the next plain invoke gets the third queued result.
    let plain = launcher.post_json(path, &alice, &json!({})).await;
    assert_eq!(plain.json["payload"], json!({"run": 3}));

    let trail = launcher.get("/audit?subject=admin@acme", &alice).await;
    let outcomes: Vec<&str> =
        trail.json["records"].as_array().unwrap().iter().map(|r| r["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes[..4], ["succeeded", "failed", "replayed", "succeeded"], "{}", trail.text);

    let bad = invoke_with_key(&launcher, &alice, path, "has space", json!({})).await;
    assert_eq!(bad.code(), "invalid_request");
}

#[tokio::test]
async fn a_duplicate_of_a_request_in_flight_gets_409() {
    let account = CustomerAccount::create().await;
    account.create_function(REGION, "slow", "", &[]).await;
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &account, &[REGION]).await;
    // The first request with the key holds it (written as the launcher writes a claim).
    let scoped = launcher::domain::idempotency::scoped_key("admin@acme", "order-7");
    aws_sdk_dynamodb::Client::new(&launcher.sdk)
        .put_item()
        .table_name(&launcher.table)
        .item("pk", AttributeValue::S("TENANT#acme".into()))
        .item("sk", AttributeValue::S(format!("IDEM#{scoped}")))
        .item("state", AttributeValue::S("in_flight".into()))
        .item("fingerprint", AttributeValue::S("x".into()))
        .item("expires_at", AttributeValue::N((now() + 600).to_string()))
        .send()
        .await
        .unwrap();
    account.queue_lambda_results(REGION, &[r#"{"ran":"once"}"#]).await;
    let path = "/functions/prod/us-east-1/slow/invoke";
    let duplicate = invoke_with_key(&launcher, &admin_token("acme"), path, "order-7", json!({})).await;
    assert_eq!((duplicate.status, duplicate.code()), (StatusCode::CONFLICT, "idempotency_in_flight"));
    // Nothing ran for the duplicate.
    let plain = launcher.post_json(path, &admin_token("acme"), &json!({})).await;
    assert_eq!(plain.json["payload"], json!({"ran": "once"}));
}

/// Throttling proves the function did not run: the key is released and the retry runs it.
#[tokio::test]
async fn a_request_that_did_not_run_frees_its_key() {
    let identity = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder().account("111122223333").build()
    });
    let list = mock!(aws_sdk_lambda::Client::list_functions)
        .then_output(|| aws_sdk_lambda::operation::list_functions::ListFunctionsOutput::builder().build());
    let get = mock!(aws_sdk_lambda::Client::get_function).then_output(|| {
        aws_sdk_lambda::operation::get_function::GetFunctionOutput::builder()
            .configuration(aws_sdk_lambda::types::FunctionConfiguration::builder().function_name("f").build())
            .build()
    });
    let invoke = mock!(aws_sdk_lambda::Client::invoke)
        .sequence()
        .http_response(|| {
            let mut r = HttpResponse::new(SmithyStatus::try_from(429).unwrap(), SdkBody::from("{}"));
            r.headers_mut().insert("x-amzn-errortype", "TooManyRequestsException");
            r
        })
        .output(|| {
            aws_sdk_lambda::operation::invoke::InvokeOutput::builder()
                .status_code(200)
                .payload(br#"{"ok":true}"#.as_slice().into())
                .build()
        })
        .build();
    let real = TestLauncher::start().await;
    let state = real.with_accounts(mocked_accounts(&[&identity, &list, &get, &invoke]).await);
    let app = || launcher::http::router(state.clone(), launcher::http::Routes::All);
    let admin = admin_token("acme");
    let link = json!({"id": "prod", "access_key_id": "AKIAEXAMPLEEXAMPLE12", "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "regions": [REGION]});
    call(app(), Method::POST, "/connections", Some(&admin), Some(link.to_string().into_bytes()), &[]).await;
    let send = || {
        call(
            app(),
            Method::POST,
            "/functions/prod/us-east-1/f/invoke",
            Some(&admin),
            None,
            &[("idempotency-key", "k-1")],
        )
    };
    let throttled = send().await;
    assert_eq!(throttled.code(), "throttled", "{}", throttled.text);
    let retried = send().await;
    assert_eq!(retried.status, StatusCode::OK, "{}", retried.text);
    assert_eq!(retried.json["payload"], json!({"ok": true}));
    assert_eq!(invoke.num_calls(), 2);
}

#[tokio::test]
async fn a_replay_of_an_answer_too_large_to_keep_says_so_instead_of_inventing_a_payload() {
    let account = CustomerAccount::create().await;
    account.create_function(REGION, "export", "", &[]).await;
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &account, &[REGION]).await;
    let alice = admin_token("acme");
    let path = "/functions/prod/us-east-1/export/invoke";
    let large = json!({"rows": "x".repeat(launcher::domain::idempotency::MAX_STORED_PAYLOAD)}).to_string();
    account.queue_lambda_results(REGION, &[&large]).await;

    let first = invoke_with_key(&launcher, &alice, path, "export-1", json!({})).await;
    assert_eq!(first.status, StatusCode::OK, "{}", &first.text[..200.min(first.text.len())]);
    assert_eq!(first.json["payload_encoding"], "json");
    assert_eq!(
        first.json["payload"]["rows"].as_str().map(str::len),
        Some(launcher::domain::idempotency::MAX_STORED_PAYLOAD)
    );
    let again = invoke_with_key(&launcher, &alice, path, "export-1", json!({})).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    assert_eq!(again.json["payload"], serde_json::Value::Null);
    assert_eq!(again.json["payload_encoding"], "not_kept");
    assert_eq!(again.json["request_id"], first.json["request_id"]);
}

#[tokio::test]
async fn several_or_comma_joined_keys_are_refused_and_run_nothing() {
    let account = CustomerAccount::create().await;
    account.create_function(REGION, "pay", "", &[]).await;
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &account, &[REGION]).await;
    let alice = admin_token("acme");
    let path = "/functions/prod/us-east-1/pay/invoke";
    account.queue_lambda_results(REGION, &[r#"{"run":1}"#]).await;

    let body = Some(b"{}".to_vec());
    let two = [("idempotency-key", "k-1"), ("idempotency-key", "k-2")];
    let several = call(launcher.router(), Method::POST, path, Some(&alice), body.clone(), &two).await;
    assert_eq!((several.status, several.code()), (StatusCode::BAD_REQUEST, "invalid_request"), "{}", several.text);
    // What API Gateway makes of two headers: one value with a comma.
    let joined = invoke_with_key(&launcher, &alice, path, "k-1,k-2", json!({})).await;
    assert_eq!((joined.status, joined.code()), (StatusCode::BAD_REQUEST, "invalid_request"));
    // Nothing ran: the next invoke gets the first queued result.
    let plain = launcher.post_json(path, &alice, &json!({})).await;
    assert_eq!(plain.json["payload"], json!({"run": 1}));
}
