//! The audit trail: every invocation (allowed, denied, failed), link, unlink and rule change is
//! recorded — who, what, when, outcome, size and hash of the payload, never the payload. An
//! invocation whose record cannot be written is not run.

use std::sync::Arc;

use http::{Method, StatusCode};
use launcher::aws::audit::DynamoAudit;
use launcher_tests::*;
use serde_json::{json, Value};

fn records(reply: &Reply) -> Vec<Value> {
    reply.json["records"].as_array().unwrap_or_else(|| panic!("{}", reply.text)).clone()
}

#[tokio::test]
async fn invocations_links_and_rule_changes_are_recorded_newest_first() {
    let account = CustomerAccount::create().await;
    for name in ["report-daily", "billing-close", "db-migrate"] {
        account.create_function(REGION, name, "", &[]).await;
    }
    let launcher = TestLauncher::start().await;
    let admin = admin_token("acme");
    launcher.link("acme", "prod", &account, &[REGION]).await;
    launcher
        .set_rules(
            "acme",
            json!({"grants": [{"groups": ["ops"], "functions": ["report-*"], "actions": ["invoke"]},
                              {"groups": ["ops"], "functions": ["billing-*"], "actions": ["view"]}]}),
        )
        .await;
    let ops = token("olivia", "acme", &["ops"]);
    let secret_payload = json!({"card": "4111-1111-1111-1111"});
    let ok = launcher.post_json("/functions/prod/us-east-1/report-daily/invoke", &ops, &secret_payload).await;
    assert_eq!(ok.status, StatusCode::OK);
    let forbidden = launcher.post_json("/functions/prod/us-east-1/billing-close/invoke", &ops, &json!({})).await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    let hidden = launcher.post_json("/functions/prod/us-east-1/db-migrate/invoke", &ops, &json!({})).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(
        launcher.call(Method::DELETE, "/connections/prod", Some(&admin), None).await.status,
        StatusCode::NO_CONTENT
    );

    let trail = launcher.get("/audit", &admin).await;
    assert_eq!(trail.status, StatusCode::OK, "{}", trail.text);
    let all = records(&trail);
    let summary: Vec<(&str, &str, &str)> = all
        .iter()
        .map(|r| {
            (
                r["action"].as_str().unwrap(),
                r["outcome"].as_str().unwrap(),
                r["function"].as_str().or(r["connection"].as_str()).unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("unlink", "succeeded", "prod"),
            ("invoke", "denied", "db-migrate"),
            ("invoke", "denied", "billing-close"),
            ("invoke", "succeeded", "report-daily"),
            ("rules_change", "succeeded", "-"),
            ("link", "succeeded", "prod"),
        ],
        "newest first"
    );
    let run = &all[3];
    assert_eq!(run["subject"], "olivia");
    assert_eq!(run["groups"], json!(["ops"]));
    assert_eq!(run["connection"], "prod");
    assert_eq!(run["region"], REGION);
    assert_eq!(run["mode"], "sync");
    assert_eq!(run["status_code"], 200);
    assert!(run["request_id"].is_string());
    assert!(run["duration_ms"].is_u64());
    let sent = secret_payload.to_string();
    assert_eq!(run["payload_bytes"], sent.len());
    assert_eq!(run["payload_sha256"], launcher::domain::audit::payload_digest(sent.as_bytes()));
    assert!(!trail.text.contains("4111"), "the payload itself is never recorded");
    assert_eq!(all[1]["error_code"], "function_not_found");
    assert_eq!(all[2]["error_code"], "invoke_forbidden");
    assert_eq!(all[0]["subject"], "admin@acme");
    assert!(all[4]["detail"].as_str().unwrap().contains("version 1"));

    // Pages, filters and time ranges.
    let first = launcher.get("/audit?limit=2", &admin).await;
    assert_eq!(records(&first).len(), 2);
    let cursor = first.json["next_cursor"].as_str().unwrap();
    let second = launcher.get(&format!("/audit?limit=2&cursor={cursor}"), &admin).await;
    assert_eq!(records(&second)[0], all[2]);
    let olivia = launcher.get("/audit?subject=olivia", &admin).await;
    assert_eq!(records(&olivia).len(), 3);
    let one_function = launcher.get("/audit?function=prod/us-east-1/report-", &admin).await;
    assert_eq!(records(&one_function).len(), 1);
    let future = launcher.get("/audit?from=2999-01-01T00:00:00Z", &admin).await;
    assert_eq!(records(&future).len(), 0);
    let bad = launcher.get("/audit?from=yesterday", &admin).await;
    assert_eq!(bad.code(), "invalid_request");

    // Anyone else reads only their own records, whatever subject they ask for; per tenant.
    let own = records(&launcher.get("/audit", &ops).await);
    assert_eq!(own.len(), 3);
    assert!(own.iter().all(|r| r["subject"] == "olivia"));
    assert_eq!(records(&launcher.get("/audit?subject=olivia", &ops).await), own);
    assert_eq!(records(&launcher.get("/audit?subject=admin@acme", &ops).await).len(), 0);
    assert_eq!(records(&launcher.get("/audit?function=prod/", &ops).await).len(), 3);
    let stranger = token("sam", "acme", &["ops"]);
    assert_eq!(records(&launcher.get("/audit", &stranger).await).len(), 0);
    assert_eq!(records(&launcher.get("/audit", &admin_token("globex")).await).len(), 0);
}

#[tokio::test]
async fn an_invocation_whose_record_cannot_be_written_does_not_run() {
    let account = CustomerAccount::create().await;
    account.create_function(REGION, "hello", "", &[]).await;
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &account, &[REGION]).await;
    account.queue_lambda_results(REGION, &[r#"{"marker":"untouched"}"#]).await;

    // The same launcher, but its audit trail points at a table that does not exist.
    let sdk = launcher.sdk.clone();
    let broken = launcher.state.launcher.with_audit(Arc::new(DynamoAudit::new(
        aws_sdk_dynamodb::Client::new(&sdk),
        "no-such-audit-table",
        90,
    )));
    let state = launcher.serving(broken);
    let app = launcher::http::router(state, launcher::http::Routes::All);
    let refused =
        call(app, Method::POST, "/functions/prod/us-east-1/hello/invoke", Some(&admin_token("acme")), None, &[]).await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE, "{}", refused.text);
    assert_eq!(refused.code(), "audit_unavailable");

    // It did not run: the queued result is still there for the next (audited) invoke.
    let next = launcher.post_json("/functions/prod/us-east-1/hello/invoke", &admin_token("acme"), &json!({})).await;
    assert_eq!(next.json["payload"], json!({"marker": "untouched"}), "{}", next.text);
}
