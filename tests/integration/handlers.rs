//! Each Lambda function's router, fed real API Gateway v2 (HTTP API) events the way the Lambda
//! runtime feeds them: claims come from the JWT authorizer's request context, array claims in
//! API Gateway's `[a b]` form.

use http::StatusCode;
use launcher::config::AuthMode;
use launcher::http::{router, Routes};
use launcher::AppState;
use launcher_tests::*;
use serde_json::{json, Value};
use tower::ServiceExt;

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/apigw/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

async fn handle(state: &std::sync::Arc<AppState>, routes: Routes, event: &Value) -> Reply {
    let request = lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway v2 event");
    let response = router(state.clone(), routes).oneshot(request).await.unwrap();
    reply(response).await
}

#[tokio::test]
async fn api_gateway_events_through_each_function() {
    let account = CustomerAccount::create().await;
    account.create_function(REGION, "hello", "From the fixture", &[]).await;
    let sdk = launcher_sdk().await;
    let (table, key) = provision(&sdk).await;
    let state = AppState::new(test_config(&table, &key, AuthMode::Authorizer), &sdk, None).unwrap();

    // link function: POST /connections with the admin's authorizer claims.
    let mut link = fixture("post-connections.json");
    link["body"] = json!(account.link_body("prod", &[REGION]).to_string());
    let linked = handle(&state, link::ROUTES, &link).await;
    assert_eq!(linked.status, StatusCode::CREATED, "{}", linked.text);
    assert_eq!(linked.json["account_id"], account.account_id.as_str());
    let listed = handle(&state, link::ROUTES, &fixture("get-connections.json")).await;
    assert_eq!(listed.json["connections"][0]["id"], "prod");

    // list function: GET /functions and GET /functions/{connection}/{region}/{name}.
    let functions = handle(&state, list::ROUTES, &fixture("get-functions.json")).await;
    assert_eq!(functions.status, StatusCode::OK, "{}", functions.text);
    assert_eq!(functions.json["functions"][0]["name"], "hello");
    let detail = handle(&state, list::ROUTES, &fixture("get-function.json")).await;
    assert_eq!(detail.json["description"], "From the fixture");

    // invoke function: POST .../invoke, body as API Gateway delivers it.
    let invoked = handle(&state, invoke::ROUTES, &fixture("post-invoke.json")).await;
    assert_eq!(invoked.status, StatusCode::OK, "{}", invoked.text);
    assert_eq!(invoked.json["payload"], json!({"from": "api-gateway"}));
    // Base64-encoded bodies (binary media types) decode the same.
    let mut encoded = fixture("post-invoke.json");
    use base64::Engine;
    encoded["body"] = json!(base64::engine::general_purpose::STANDARD.encode(br#"{"from":"base64"}"#));
    encoded["isBase64Encoded"] = json!(true);
    let decoded = handle(&state, invoke::ROUTES, &encoded).await;
    assert_eq!(decoded.json["payload"], json!({"from": "base64"}));

    // Each function serves only its own routes.
    let wrong = handle(&state, list::ROUTES, &fixture("post-invoke.json")).await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert_eq!(wrong.code(), "route_not_found");
    let wrong = handle(&state, invoke::ROUTES, &fixture("get-connections.json")).await;
    assert_eq!(wrong.code(), "route_not_found");

    // An operator's claims (groups as a one-item bracket list) see nothing without rules.
    let mut operator = fixture("get-functions.json");
    operator["requestContext"]["authorizer"]["jwt"]["claims"]["groups"] = json!("[ops]");
    operator["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = json!("olivia");
    assert_eq!(handle(&state, list::ROUTES, &operator).await.json["functions"], json!([]));
    let mut hidden = fixture("post-invoke.json");
    hidden["requestContext"]["authorizer"]["jwt"]["claims"] =
        operator["requestContext"]["authorizer"]["jwt"]["claims"].clone();
    assert_eq!(handle(&state, invoke::ROUTES, &hidden).await.status, StatusCode::NOT_FOUND);

    // The console page and a script through the list function, as API Gateway delivers a route
    // without the authorizer (no claims, no Authorization header).
    for (path, content_type, marker) in [
        ("/", "text/html; charset=utf-8", "<script type=\"module\" src=\"/console/console.js\">"),
        ("/console/console.js", "text/javascript; charset=utf-8", "Lambda Launcher console"),
    ] {
        let mut page = fixture("get-functions.json");
        page["requestContext"].as_object_mut().unwrap().remove("authorizer");
        page["headers"].as_object_mut().unwrap().remove("authorization");
        page["routeKey"] = json!(format!("GET {path}"));
        page["rawPath"] = json!(path);
        page["rawQueryString"] = json!("");
        page.as_object_mut().unwrap().remove("queryStringParameters");
        page["requestContext"]["http"]["path"] = json!(path);
        let served = handle(&state, list::ROUTES, &page).await;
        assert_eq!(served.status, StatusCode::OK, "{path}");
        assert_eq!(served.headers["content-type"], content_type);
        assert!(served.text.contains(marker), "{path}");
    }

    // No authorizer claims, or no tenant claim: 401.
    let mut anonymous = fixture("get-functions.json");
    anonymous["requestContext"].as_object_mut().unwrap().remove("authorizer");
    let refused = handle(&state, list::ROUTES, &anonymous).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    assert!(refused.is_problem());
    let mut tenantless = fixture("get-functions.json");
    tenantless["requestContext"]["authorizer"]["jwt"]["claims"].as_object_mut().unwrap().remove("org_id");
    assert_eq!(handle(&state, list::ROUTES, &tenantless).await.status, StatusCode::UNAUTHORIZED);
}
