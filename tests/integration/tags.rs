//! Tags in the access decision: grants that select by tag, and function owners opting a function
//! in with the `launcher:groups` tag where the tenant's rules allow it.

use http::{Method, StatusCode};
use launcher_tests::*;
use serde_json::json;

fn names(reply: &Reply) -> Vec<String> {
    reply.json["functions"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn tag_selectors_and_owner_opt_in() {
    let account = CustomerAccount::create().await;
    account.create_function(REGION, "pay-run", "", &[("launcher:groups", "billing finance")]).await;
    account.create_function(REGION, "team-job", "", &[("team", "ops-east")]).await;
    account.create_function(REGION, "plain", "", &[]).await;
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &account, &[REGION]).await;
    let set = launcher
        .set_rules(
            "acme",
            json!({"tag_opt_in": true,
                   "grants": [{"groups": ["ops"], "tags": {"team": "ops-*"}, "actions": ["invoke"]}]}),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);

    // The opt-in tag lets billing see and run pay-run, synchronously only.
    let billing = token("bea", "acme", &["billing"]);
    let listed = launcher.get("/functions", &billing).await;
    assert_eq!(names(&listed), ["pay-run"], "{}", listed.text);
    assert_eq!(listed.json["functions"][0]["allowed"], json!(["view", "invoke"]));
    let run = launcher.post_json("/functions/prod/us-east-1/pay-run/invoke", &billing, &json!({"n": 1})).await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.text);
    let run_async =
        launcher.post_json("/functions/prod/us-east-1/pay-run/invoke?mode=async", &billing, &json!({})).await;
    assert_eq!(run_async.code(), "invoke_forbidden");
    let plain = launcher.get("/functions/prod/us-east-1/plain", &billing).await;
    let missing = launcher.get("/functions/prod/us-east-1/no-such-fn", &billing).await;
    assert_eq!((plain.status, &plain.text), (StatusCode::NOT_FOUND, &missing.text));

    // The tag selector lets ops run team-job (tag value matched by pattern), nothing else.
    let ops = token("olivia", "acme", &["ops"]);
    assert_eq!(names(&launcher.get("/functions", &ops).await), ["team-job"]);
    let ops_run = launcher.post_json("/functions/prod/us-east-1/team-job/invoke", &ops, &json!({})).await;
    assert_eq!(ops_run.status, StatusCode::OK, "{}", ops_run.text);
    assert_eq!(launcher.get("/functions/prod/us-east-1/pay-run", &ops).await.status, StatusCode::NOT_FOUND);

    // Switched off by the tenant admin, the opt-in tag grants nothing.
    let off = launcher
        .set_rules("acme", json!({"grants": [{"groups": ["ops"], "tags": {"team": "ops-*"}, "actions": ["invoke"]}]}))
        .await;
    assert_eq!(off.status, StatusCode::OK);
    assert_eq!(names(&launcher.get("/functions", &billing).await), Vec::<String>::new());
    let hidden = launcher.call(Method::POST, "/functions/prod/us-east-1/pay-run/invoke", Some(&billing), None).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);

    // Bad tag selectors are refused with the field named.
    let too_many: serde_json::Map<String, serde_json::Value> = (0..11).map(|i| (format!("k{i}"), json!("v"))).collect();
    let bad = launcher
        .set_rules("acme", json!({"grants": [{"groups": ["ops"], "tags": too_many, "actions": ["view"]}]}))
        .await;
    assert!(bad.json["detail"].as_str().unwrap().starts_with("grants[0].tags"), "{}", bad.text);
}
