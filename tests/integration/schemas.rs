//! Stored input schemas (`PUT /schemas/{name}`), referenced by a function's
//! `launcher:input-schema-ref` tag: the detail shows the schema, every invoke is checked against
//! it, a missing or broken reference refuses the run, changes apply at once on this instance, a
//! warm invoke reads nothing more, and another tenant has its own schemas.

use http::{Method, StatusCode};
use launcher_tests::*;
use serde_json::{json, Value};

const MONTHLY: &str = "/functions/prod/us-east-1/report-monthly";

fn month_schema() -> Value {
    json!({
        "type": "object",
        "required": ["month"],
        "additionalProperties": false,
        "properties": {
            "month": {"type": "string", "pattern": "^\\d{4}-\\d{2}$", "title": "Month", "description": "YYYY-MM"},
            "currency": {"enum": ["EUR", "USD"]},
            "include_drafts": {"type": "boolean"}
        }
    })
}

async fn put_schema(launcher: &TestLauncher, name: &str, token: &str, body: &Value) -> Reply {
    let body = Some(body.to_string().into_bytes());
    launcher.call(Method::PUT, &format!("/schemas/{name}"), Some(token), body).await
}

#[tokio::test]
async fn functions_are_checked_against_the_schema_their_tag_names() {
    let account = CustomerAccount::create().await;
    account.create_function(REGION, "report-monthly", "", &[("launcher:input-schema-ref", "month")]).await;
    account.create_function(REGION, "dangling", "", &[("launcher:input-schema-ref", "no-such-schema")]).await;
    account
        .create_function(
            REGION,
            "both",
            "",
            &[("launcher:input-schema-ref", "month"), ("launcher:input-schema", r#"{"type":"object"}"#)],
        )
        .await;
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &account, &[REGION]).await;
    let admin = admin_token("acme");
    let operator = token("olivia", "acme", &["ops"]);
    let rules = json!({"grants": [{"groups": ["ops"], "functions": ["*"], "actions": ["invoke"]}]});
    assert_eq!(launcher.set_rules("acme", rules).await.status, StatusCode::OK);
    // A marker result waits in moto's queue: any invoke that reached Lambda would take it.
    account.queue_lambda_results(REGION, &[r#"{"marker":"first run"}"#]).await;

    // Before the schema is stored, the reference cannot be honoured: nothing runs unchecked.
    let early = launcher.post_json(&format!("{MONTHLY}/invoke"), &admin, &json!({"month": "2026-11"})).await;
    assert_eq!(
        (early.status, early.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "input_schema_invalid"),
        "{}",
        early.text
    );
    assert!(early.json["detail"].as_str().unwrap().contains("'month'"), "{}", early.text);

    let body = json!({"schema": month_schema(), "description": "A month of reports"});
    let created = put_schema(&launcher, "month", &admin, &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json["updated_by"], "admin@acme");
    assert_eq!(put_schema(&launcher, "month", &admin, &body).await.status, StatusCode::OK, "replaced");

    // Only admins list and change them; an operator meets a schema only through a function.
    let listed = launcher.get("/schemas", &admin).await;
    assert_eq!(listed.json["schemas"][0]["schema"], month_schema(), "{}", listed.text);
    assert_eq!(listed.json["schemas"][0]["description"], "A month of reports");
    assert_eq!(listed.json["can_edit"], true);
    let not_listed = launcher.get("/schemas", &operator).await;
    assert_eq!((not_listed.status, not_listed.code()), (StatusCode::FORBIDDEN, "forbidden"));
    let refused = put_schema(&launcher, "month", &operator, &json!({"schema": {}})).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::FORBIDDEN, "forbidden"));
    let gone = launcher.call(Method::DELETE, "/schemas/month", Some(&operator), None).await;
    assert_eq!(gone.status, StatusCode::FORBIDDEN);

    // The function's detail carries the stored schema (the console builds its form from it).
    let detail = launcher.get(MONTHLY, &operator).await;
    assert_eq!(detail.json["input_schema"], month_schema(), "{}", detail.text);

    for (payload, pointer) in [
        (json!({}), "/month"),
        (json!({"month": "November"}), "/month"),
        (json!({"month": "2026-11", "currency": "GBP"}), "/currency"),
        (json!({"month": "2026-11", "extra": true}), "/extra"),
    ] {
        let bad = launcher.post_json(&format!("{MONTHLY}/invoke"), &operator, &payload).await;
        assert_eq!((bad.status, bad.code()), (StatusCode::UNPROCESSABLE_ENTITY, "payload_schema_violation"));
        assert_eq!(bad.json["pointer"], pointer, "{}", bad.text);
    }
    let ok = launcher.post_json(&format!("{MONTHLY}/invoke"), &operator, &json!({"month": "2026-11"})).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(ok.json["payload"], json!({"marker": "first run"}), "nothing refused reached Lambda");

    // A reference to nothing, or two declarations at once, refuse the run and show no schema.
    for name in ["dangling", "both"] {
        let path = format!("/functions/prod/us-east-1/{name}");
        let refused = launcher.post_json(&format!("{path}/invoke"), &admin, &json!({})).await;
        assert_eq!(refused.code(), "input_schema_invalid", "{name}: {}", refused.text);
        assert_eq!(launcher.get(&path, &admin).await.json["input_schema"], Value::Null, "{name}");
    }

    // A warm invoke of a function with a stored schema reads nothing: the schema is cached.
    launcher.calls.take();
    let warm = launcher.post_json(&format!("{MONTHLY}/invoke"), &operator, &json!({"month": "2026-12"})).await;
    assert_eq!(warm.status, StatusCode::OK);
    assert_eq!(launcher.calls.take(), calls(&[("Lambda", "Invoke", 1), ("DynamoDB", "PutItem", 2)]));

    // A change through this launcher applies to the next request: a stricter schema, then none.
    let mut stricter = month_schema();
    stricter["required"] = json!(["month", "currency"]);
    assert_eq!(put_schema(&launcher, "month", &admin, &json!({"schema": stricter})).await.status, StatusCode::OK);
    let now_bad = launcher.post_json(&format!("{MONTHLY}/invoke"), &operator, &json!({"month": "2026-12"})).await;
    assert_eq!((now_bad.code(), now_bad.json["pointer"].as_str()), ("payload_schema_violation", Some("/currency")));
    let deleted = launcher.call(Method::DELETE, "/schemas/month", Some(&admin), None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    let after = launcher.post_json(&format!("{MONTHLY}/invoke"), &operator, &json!({"month": "2026-12"})).await;
    assert_eq!(after.code(), "input_schema_invalid");
    let again = launcher.call(Method::DELETE, "/schemas/month", Some(&admin), None).await;
    assert_eq!((again.status, again.code()), (StatusCode::NOT_FOUND, "schema_not_found"));

    // Saved and deleted schemas are in the audit trail.
    let trail = launcher.get("/audit", &admin).await;
    let actions: Vec<&str> = trail.json["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["detail"] == "schema month")
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["schema_delete", "schema_save", "schema_save", "schema_save"], "{}", trail.text);
}

#[tokio::test]
async fn bad_schemas_are_refused_and_nothing_is_stored() {
    let launcher = TestLauncher::start().await;
    let admin = admin_token("acme");
    for (name, body, code) in [
        ("unknown-keyword", json!({"schema": {"type": "object", "oneOf": []}}), "invalid_request"),
        ("bad-type", json!({"schema": {"type": "text"}}), "invalid_request"),
        ("no-schema", json!({"description": "x"}), "invalid_request"),
        ("extra-field", json!({"schema": {}, "owner": "me"}), "invalid_request"),
        ("bad name", json!({"schema": {}}), "invalid_request"),
        ("-dash-first", json!({"schema": {}}), "invalid_request"),
    ] {
        let reply = put_schema(&launcher, &name.replace(' ', "%20"), &admin, &body).await;
        assert_eq!((reply.status, reply.code()), (StatusCode::BAD_REQUEST, code), "{name}: {}", reply.text);
        assert!(reply.is_problem());
    }
    let large = json!({"schema": {"description": "x".repeat(33 * 1024)}});
    let too_large = put_schema(&launcher, "too-large", &admin, &large).await;
    assert_eq!((too_large.status, too_large.code()), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"));
    assert_eq!(launcher.get("/schemas", &admin).await.json["schemas"], json!([]));

    // A refused replacement leaves the stored schema as it was.
    let good = json!({"schema": month_schema()});
    assert_eq!(put_schema(&launcher, "month", &admin, &good).await.status, StatusCode::CREATED);
    let broken = put_schema(&launcher, "month", &admin, &json!({"schema": {"type": "text"}})).await;
    assert_eq!(broken.status, StatusCode::BAD_REQUEST);
    let kept = launcher.get("/schemas", &admin).await;
    assert_eq!(kept.json["schemas"][0]["schema"], month_schema(), "{}", kept.text);
}

#[tokio::test]
async fn each_tenant_has_its_own_schemas() {
    let acme_account = CustomerAccount::create().await;
    let globex_account = CustomerAccount::create().await;
    for account in [&acme_account, &globex_account] {
        account.create_function(REGION, "report-monthly", "", &[("launcher:input-schema-ref", "month")]).await;
    }
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &acme_account, &[REGION]).await;
    launcher.link("globex", "prod", &globex_account, &[REGION]).await;
    let acme = admin_token("acme");
    let globex = admin_token("globex");
    assert_eq!(
        put_schema(&launcher, "month", &acme, &json!({"schema": month_schema()})).await.status,
        StatusCode::CREATED
    );
    // Acme's schema is read (and cached) first, so a cache keyed by name alone would leak it.
    assert_eq!(launcher.get(MONTHLY, &acme).await.json["input_schema"], month_schema());

    assert_eq!(launcher.get("/schemas", &globex).await.json["schemas"], json!([]));
    assert_eq!(launcher.get(MONTHLY, &globex).await.json["input_schema"], Value::Null);
    let refused = launcher.post_json(&format!("{MONTHLY}/invoke"), &globex, &json!({"month": "2026-11"})).await;
    assert_eq!(refused.code(), "input_schema_invalid", "globex's reference does not reach acme's schema");
    let gone = launcher.call(Method::DELETE, "/schemas/month", Some(&globex), None).await;
    assert_eq!(gone.code(), "schema_not_found");
    assert_eq!(launcher.get(MONTHLY, &acme).await.json["input_schema"], month_schema(), "acme's is untouched");
}
