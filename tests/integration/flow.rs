//! The main job end to end: link an account, list, get and invoke its functions, unlink.

use http::{Method, StatusCode};
use launcher_tests::*;
use serde_json::json;

#[tokio::test]
async fn link_list_get_invoke_unlink() {
    let account = CustomerAccount::create().await;
    account.create_function(REGION, "hello", "Says hello", &[("team", "ops")]).await;
    account.create_function(REGION, "report-daily", "Daily report", &[]).await;
    account.create_function("eu-west-1", "eu-job", "Runs in Europe", &[]).await;
    let launcher = TestLauncher::start().await;
    let admin = admin_token("acme");

    // Link: validated with STS and Lambda, account id recorded, secret never echoed.
    let linked = launcher.link("acme", "prod", &account, &[REGION, "eu-west-1"]).await;
    assert_eq!(linked["id"], "prod");
    assert_eq!(linked["kind"], "access_key");
    assert_eq!(linked["account_id"], account.account_id.as_str());
    assert_eq!(linked["regions"], json!(["eu-west-1", REGION]));
    assert_eq!(linked["access_key_id"], account.access_key_id.as_str());
    assert_eq!(linked["created_by"], "admin@acme");
    assert!(linked.get("secret_access_key").is_none());

    let connections = launcher.get("/connections", &admin).await;
    assert_eq!(connections.status, StatusCode::OK);
    assert_eq!(connections.json["connections"].as_array().unwrap().len(), 1);
    let one = launcher.get("/connections/prod", &admin).await;
    assert_eq!(one.json["account_id"], account.account_id.as_str());

    // List: every region of every connection, sorted, with account and region on each entry.
    let list = launcher.get("/functions", &admin).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let names: Vec<(&str, &str)> = list.json["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["region"].as_str().unwrap(), f["name"].as_str().unwrap()))
        .collect();
    assert_eq!(names, vec![("eu-west-1", "eu-job"), (REGION, "hello"), (REGION, "report-daily")]);
    let hello = &list.json["functions"][1];
    assert_eq!(hello["account_id"], account.account_id.as_str());
    assert_eq!(hello["connection"], "prod");
    assert_eq!(hello["description"], "Says hello");
    assert_eq!(hello["runtime"], "python3.12");
    assert_eq!(hello["allowed"], json!(["view", "invoke", "invoke_async"]));
    assert_eq!(list.json["errors"], json!([]));
    assert!(list.json["next_cursor"].is_null());

    // Get: configuration and tags.
    let detail = launcher.get("/functions/prod/us-east-1/hello", &admin).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    assert_eq!(detail.json["tags"], json!({"team": "ops"}));
    assert_eq!(detail.json["handler"], "index.handler");
    assert!(detail.json["arn"].as_str().unwrap().contains(&account.account_id));

    // Sync invoke: moto's Docker-free Lambda returns a queued result.
    account.queue_lambda_results(REGION, &[r#"{"greeting":"hello, ops"}"#]).await;
    let run = launcher.post_json("/functions/prod/us-east-1/hello/invoke", &admin, &json!({"name": "ops"})).await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.text);
    assert_eq!(run.json["mode"], "sync");
    assert_eq!(run.json["status_code"], 200);
    assert_eq!(run.json["payload"], json!({"greeting": "hello, ops"}));
    assert_eq!(run.json["payload_encoding"], "json");
    assert!(run.json["function_error"].is_null());
    assert!(run.json["request_id"].is_string());

    // Without a queued result moto echoes the payload: it really travelled to Lambda.
    let echo = launcher.post_json("/functions/prod/eu-west-1/eu-job/invoke", &admin, &json!({"n": [1, 2, 3]})).await;
    assert_eq!(echo.json["payload"], json!({"n": [1, 2, 3]}));

    // Async: 202 with the request id.
    let queued =
        launcher.post_json("/functions/prod/us-east-1/report-daily/invoke?mode=async", &admin, &json!({})).await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.text);
    assert_eq!(queued.json["mode"], "async");
    assert_eq!(queued.json["status_code"], 202);
    assert!(queued.json["request_id"].is_string());
    assert!(queued.json.get("payload").is_none(), "async answers carry no result: {}", queued.text);

    // Dry run: Lambda checks the call would be allowed, nothing runs.
    let dry =
        launcher.post_json("/functions/prod/us-east-1/report-daily/invoke?mode=dry-run", &admin, &json!({})).await;
    assert_eq!(dry.status, StatusCode::OK, "{}", dry.text);
    assert_eq!(dry.json["status_code"], 204);

    // A function that does not exist is a 404, even though moto would echo an Invoke of it.
    let missing = launcher.post_json("/functions/prod/us-east-1/no-such-function/invoke", &admin, &json!({})).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.code(), "function_not_found");

    // A region the connection does not cover is not found either.
    let other_region = launcher.get("/functions/prod/ap-south-1/hello", &admin).await;
    assert_eq!(other_region.status, StatusCode::NOT_FOUND);

    // Unlink: the connection and its functions are gone.
    let gone = launcher.call(Method::DELETE, "/connections/prod", Some(&admin), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let again = launcher.call(Method::DELETE, "/connections/prod", Some(&admin), None).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert_eq!(again.code(), "connection_not_found");
    let after = launcher.get("/functions", &admin).await;
    assert_eq!(after.json["functions"], json!([]));
    let run_after = launcher.post_json("/functions/prod/us-east-1/hello/invoke", &admin, &json!({})).await;
    assert_eq!(run_after.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn list_pages_with_a_cursor_across_connections() {
    let first = CustomerAccount::create().await;
    let second = CustomerAccount::create().await;
    for name in ["a1", "a2", "a3"] {
        first.create_function(REGION, name, "", &[]).await;
    }
    for name in ["b1", "b2"] {
        second.create_function(REGION, name, "", &[]).await;
    }
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "first", &first, &[REGION]).await;
    launcher.link("acme", "second", &second, &[REGION]).await;
    let admin = admin_token("acme");

    let mut seen = Vec::new();
    let mut path = "/functions?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let page = launcher.get(&path, &admin).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text);
        pages += 1;
        for f in page.json["functions"].as_array().unwrap() {
            seen.push(format!("{}/{}", f["connection"].as_str().unwrap(), f["name"].as_str().unwrap()));
        }
        match page.json["next_cursor"].as_str() {
            Some(cursor) => path = format!("/functions?limit=2&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["first/a1", "first/a2", "first/a3", "second/b1", "second/b2"]);
}

#[tokio::test]
async fn relinking_a_taken_id_is_a_conflict_and_changes_nothing() {
    let account = CustomerAccount::create().await;
    let other = CustomerAccount::create().await;
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &account, &[REGION]).await;
    let admin = admin_token("acme");
    let conflict = launcher.post_json("/connections", &admin, &other.link_body("prod", &[REGION])).await;
    assert_eq!(conflict.status, StatusCode::CONFLICT);
    assert_eq!(conflict.code(), "connection_exists");
    assert!(conflict.is_problem());
    let still = launcher.get("/connections/prod", &admin).await;
    assert_eq!(still.json["account_id"], account.account_id.as_str());
}
