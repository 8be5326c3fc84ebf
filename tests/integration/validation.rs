//! Bad input gets a clear, stable problem+json and changes nothing.

use http::{Method, StatusCode};
use launcher_tests::*;
use serde_json::json;

#[tokio::test]
async fn invoke_input_is_checked_before_anything_runs() {
    let account = CustomerAccount::create().await;
    account.create_function(REGION, "hello", "", &[]).await;
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &account, &[REGION]).await;
    let admin = admin_token("acme");
    let path = "/functions/prod/us-east-1/hello/invoke";

    // A marker result waits in moto's queue: any invoke that reached Lambda would take it.
    account.queue_lambda_results(REGION, &[r#"{"marker":"untouched"}"#]).await;
    let cases: Vec<(String, Option<Vec<u8>>, StatusCode, &str)> = vec![
        (format!("{path}?mode=sometimes"), None, StatusCode::BAD_REQUEST, "invalid_request"),
        (format!("{path}?colour=red"), None, StatusCode::BAD_REQUEST, "invalid_request"),
        (format!("{path}?qualifier=not%20valid"), None, StatusCode::BAD_REQUEST, "invalid_request"),
        (path.to_owned(), Some(b"{not json".to_vec()), StatusCode::BAD_REQUEST, "invalid_payload"),
        // Valid JSON, nested deeper than any function should have to parse (and than parsers allow).
        (path.to_owned(), Some(nested_arrays(101)), StatusCode::BAD_REQUEST, "invalid_payload"),
        (path.to_owned(), Some(nested_arrays(100_000)), StatusCode::BAD_REQUEST, "invalid_payload"),
        (
            format!("{path}?mode=async"),
            Some(json_of_size(1024 * 1024 + 1)),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (path.to_owned(), Some(json_of_size(6 * 1024 * 1024 + 1)), StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        ("/functions/prod/us-east-1/bad%20name/invoke".into(), None, StatusCode::BAD_REQUEST, "invalid_request"),
        ("/functions/prod/mars-north-1x/hello/invoke".into(), None, StatusCode::BAD_REQUEST, "invalid_request"),
    ];
    for (uri, body, status, code) in cases {
        let reply = launcher.call(Method::POST, &uri, Some(&admin), body).await;
        assert_eq!(reply.status, status, "{uri}: {}", reply.text);
        assert_eq!(reply.code(), code, "{uri}");
        assert!(reply.is_problem(), "{uri}: {}", reply.text);
    }

    // None of them ran: the first real invoke still gets the marker.
    let first = launcher.post_json(path, &admin, &json!({})).await;
    assert_eq!(first.json["payload"], json!({"marker": "untouched"}), "{}", first.text);

    // 100 levels is within the limit and runs.
    let hundred = launcher.call(Method::POST, path, Some(&admin), Some(nested_arrays(100))).await;
    assert_eq!(hundred.status, StatusCode::OK, "{}", hundred.text);

    // Within the limits, large payloads go through: 1 MB async is accepted.
    let big_async =
        launcher.call(Method::POST, &format!("{path}?mode=async"), Some(&admin), Some(json_of_size(1024 * 1024))).await;
    assert_eq!(big_async.status, StatusCode::ACCEPTED, "{}", big_async.text);

    // Unknown routes and methods are problems too.
    let route = launcher.get("/nope", &admin).await;
    assert_eq!((route.status, route.code()), (StatusCode::NOT_FOUND, "route_not_found"));
    let method = launcher.call(Method::PATCH, "/functions", Some(&admin), None).await;
    assert_eq!((method.status, method.code()), (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"));
    let bad_limit = launcher.get("/functions?limit=0", &admin).await;
    assert_eq!(bad_limit.code(), "invalid_request");
    let bad_cursor = launcher.get("/functions?cursor=%21%21", &admin).await;
    assert_eq!(bad_cursor.code(), "invalid_request");
}

fn nested_arrays(levels: usize) -> Vec<u8> {
    format!("{}{}", "[".repeat(levels), "]".repeat(levels)).into_bytes()
}

/// A JSON string document of exactly `size` bytes.
fn json_of_size(size: usize) -> Vec<u8> {
    let mut body = vec![b'"'];
    body.resize(size - 1, b'x');
    body.push(b'"');
    body
}

#[tokio::test]
async fn link_input_is_checked_and_a_refused_link_stores_nothing() {
    let account = CustomerAccount::create().await;
    let launcher = TestLauncher::start().await;
    let admin = admin_token("acme");
    let good = account.link_body("prod", &[REGION]);
    let mut cases = Vec::new();
    for (field, value) in [
        ("id", json!("Not A Slug")),
        ("id", json!("")),
        ("regions", json!([])),
        ("regions", json!(["moon-base-1x"])),
        ("access_key_id", json!("short")),
        ("secret_access_key", json!("x")),
        ("secret_access_key", json!(12345)),
        ("name", json!("")),
    ] {
        let mut body = good.clone();
        body[field] = value;
        cases.push((field, body.to_string().into_bytes()));
    }
    let mut unknown = good.clone();
    unknown["role_arn"] = json!("arn:aws:iam::1:role/x");
    cases.push(("unknown field", unknown.to_string().into_bytes()));
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("regions");
    cases.push(("missing field", missing.to_string().into_bytes()));
    cases.push(("not json", b"{".to_vec()));

    for (case, body) in cases {
        let reply = launcher.call(Method::POST, "/connections", Some(&admin), Some(body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{case}: {}", reply.text);
        assert_eq!(reply.code(), "invalid_request", "{case}");
        assert!(reply.is_problem());
        assert!(!reply.text.contains(&account.secret_access_key), "{case} echoed the secret");
    }
    let unknown =
        launcher.call(Method::POST, "/connections", Some(&admin), Some(b"{\"id\":\"a\",\"bogus\":1}".to_vec())).await;
    assert!(unknown.json["detail"].as_str().unwrap().contains("unknown field `bogus`"), "{}", unknown.text);

    assert_eq!(launcher.get("/connections", &admin).await.json["connections"], json!([]));
    // And the same body, once valid, links.
    assert_eq!(launcher.post_json("/connections", &admin, &good).await.status, StatusCode::CREATED);
}
