//! Deny by default; grants by group or subject, connection, region and name glob; a hidden
//! function answers exactly like a missing one; rules change only with the right version.

use http::{Method, StatusCode};
use launcher_tests::*;
use serde_json::json;

async fn setup() -> (TestLauncher, CustomerAccount) {
    let account = CustomerAccount::create().await;
    for name in ["report-daily", "report-weekly", "billing-close", "db-migrate"] {
        account.create_function(REGION, name, "", &[]).await;
    }
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &account, &[REGION]).await;
    (launcher, account)
}

fn names(reply: &Reply) -> Vec<String> {
    reply.json["functions"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn operators_see_and_run_only_what_rules_grant() {
    let (launcher, _account) = setup().await;
    let ops = token("olivia", "acme", &["ops"]);

    // No rules yet: an operator sees nothing at all.
    let nothing = launcher.get("/functions", &ops).await;
    assert_eq!(nothing.status, StatusCode::OK);
    assert_eq!(names(&nothing), Vec::<String>::new());

    let set = launcher
        .set_rules(
            "acme",
            json!({"grants": [
                {"groups": ["ops"], "connections": ["prod"], "regions": ["us-east-1"], "functions": ["report-*"], "actions": ["invoke"]},
                {"groups": ["ops"], "functions": ["billing-*"], "actions": ["view"]},
                {"subjects": ["someone-else"], "functions": ["db-migrate"], "actions": ["invoke", "invoke_async"]}
            ]}),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);

    let list = launcher.get("/functions", &ops).await;
    assert_eq!(names(&list), ["billing-close", "report-daily", "report-weekly"]);
    let report = &list.json["functions"][1];
    assert_eq!(report["allowed"], json!(["view", "invoke"]));
    assert_eq!(list.json["functions"][0]["allowed"], json!(["view"]));

    // Allowed: sync invoke of a granted function.
    let run = launcher.post_json("/functions/prod/us-east-1/report-daily/invoke", &ops, &json!({"day": 1})).await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.text);
    assert_eq!(run.json["payload"], json!({"day": 1}));

    // Visible but not runnable: 403, and async needs its own grant.
    let view_only = launcher.post_json("/functions/prod/us-east-1/billing-close/invoke", &ops, &json!({})).await;
    assert_eq!(view_only.status, StatusCode::FORBIDDEN);
    assert_eq!(view_only.code(), "invoke_forbidden");
    let no_async =
        launcher.post_json("/functions/prod/us-east-1/report-daily/invoke?mode=async", &ops, &json!({})).await;
    assert_eq!(no_async.status, StatusCode::FORBIDDEN);
    assert_eq!(no_async.code(), "invoke_forbidden");

    // Hidden function: exactly the answer a missing one gets, on get and on invoke. The missing
    // one, report-missing, is granted to ops, so its 404 comes from AWS, not from the rules.
    let hidden_get = launcher.get("/functions/prod/us-east-1/db-migrate", &ops).await;
    let missing_get = launcher.get("/functions/prod/us-east-1/report-missing", &ops).await;
    assert_eq!(hidden_get.status, StatusCode::NOT_FOUND);
    assert_eq!((&hidden_get.text, &hidden_get.headers), (&missing_get.text, &missing_get.headers));
    let hidden_run = launcher.post_json("/functions/prod/us-east-1/db-migrate/invoke", &ops, &json!({})).await;
    let missing_run = launcher.post_json("/functions/prod/us-east-1/report-missing/invoke", &ops, &json!({})).await;
    assert_eq!(hidden_run.status, StatusCode::NOT_FOUND);
    assert_eq!((&hidden_run.text, &hidden_run.headers), (&missing_run.text, &missing_run.headers));
    assert_eq!(hidden_run.code(), "function_not_found");
    // A view-only function that does not exist is missing too, not forbidden.
    let missing_view_only =
        launcher.post_json("/functions/prod/us-east-1/billing-missing/invoke", &ops, &json!({})).await;
    assert_eq!(missing_view_only.text, missing_run.text);
    let hidden_connection = launcher.get("/functions/nope/us-east-1/report-daily", &ops).await;
    assert_eq!(hidden_connection.text, missing_get.text);

    // The named subject does get it.
    let someone = token("someone-else", "acme", &[]);
    assert_eq!(names(&launcher.get("/functions", &someone).await), ["db-migrate"]);

    // Operators cannot administer.
    for (method, path) in
        [(Method::GET, "/connections"), (Method::GET, "/rules"), (Method::DELETE, "/connections/prod")]
    {
        let denied = launcher.call(method, path, Some(&ops), None).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(denied.code(), "forbidden");
    }
    let link = launcher.post_json("/connections", &ops, &json!({})).await;
    assert_eq!(link.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn rules_are_versioned_and_conditionally_replaced() {
    let launcher = TestLauncher::start().await;
    let admin = admin_token("acme");
    let empty = launcher.get("/rules", &admin).await;
    assert_eq!(empty.json, json!({"version": 0, "grants": [], "tag_opt_in": false}));
    assert_eq!(empty.headers["etag"], "\"0\"");

    let rules = json!({"grants": [{"groups": ["ops"], "actions": ["view"]}]});
    let body = Some(rules.to_string().into_bytes());
    let no_precondition = call(launcher.router(), Method::PUT, "/rules", Some(&admin), body.clone(), &[]).await;
    assert_eq!(no_precondition.status, StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(no_precondition.code(), "precondition_required");

    let first =
        call(launcher.router(), Method::PUT, "/rules", Some(&admin), body.clone(), &[("if-match", "\"0\"")]).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(first.json["version"], 1);
    assert_eq!(first.headers["etag"], "\"1\"");

    // A second writer still holding version 0 loses, and the stored rules are unchanged.
    let other = json!({"grants": [{"groups": ["everyone"], "actions": ["invoke"]}]});
    let stale = call(
        launcher.router(),
        Method::PUT,
        "/rules",
        Some(&admin),
        Some(other.to_string().into_bytes()),
        &[("if-match", "\"0\"")],
    )
    .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.code(), "version_conflict");
    let stored = launcher.get("/rules", &admin).await;
    assert_eq!(stored.json["version"], 1);
    assert_eq!(stored.json["grants"][0]["groups"], json!(["ops"]));

    // Invalid rules are refused with the field named, and change nothing.
    let bad = call(
        launcher.router(),
        Method::PUT,
        "/rules",
        Some(&admin),
        Some(json!({"grants": [{"groups": ["ops"], "functions": [], "actions": ["view"]}]}).to_string().into_bytes()),
        &[("if-match", "\"1\"")],
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.json["detail"].as_str().unwrap().starts_with("grants[0].functions"), "{}", bad.text);
    let unknown_action = call(
        launcher.router(),
        Method::PUT,
        "/rules",
        Some(&admin),
        Some(json!({"grants": [{"groups": ["ops"], "actions": ["delete"]}]}).to_string().into_bytes()),
        &[("if-match", "\"1\"")],
    )
    .await;
    assert_eq!(unknown_action.status, StatusCode::BAD_REQUEST);
    assert_eq!(launcher.get("/rules", &admin).await.json["version"], 1);
}
