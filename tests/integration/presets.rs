//! Presets (named example payloads per function, shared within the tenant) and input schemas
//! declared with the `launcher:input-schema` tag.

use http::{Method, StatusCode};
use launcher_tests::*;
use serde_json::{json, Value};

async fn put(launcher: &TestLauncher, path: &str, token: &str, body: &Value) -> Reply {
    launcher.call(Method::PUT, path, Some(token), Some(body.to_string().into_bytes())).await
}

const DAILY: &str = "/functions/prod/us-east-1/report-daily";

#[tokio::test]
async fn admins_save_presets_viewers_see_them_invokers_run_them() {
    let account = CustomerAccount::create().await;
    for name in ["report-daily", "billing-close", "db-migrate"] {
        account.create_function(REGION, name, "", &[]).await;
    }
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &account, &[REGION]).await;
    launcher
        .set_rules(
            "acme",
            json!({"grants": [{"groups": ["ops"], "functions": ["report-*"], "actions": ["invoke"]},
                              {"groups": ["ops"], "functions": ["billing-*"], "actions": ["view"]}]}),
        )
        .await;
    let admin = admin_token("acme");
    let ops = token("olivia", "acme", &["ops"]);

    let body = json!({"payload": {"date": "2026-12-03"}, "description": "Yesterday's report"});
    let created = put(&launcher, &format!("{DAILY}/presets/yesterday"), &admin, &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.json["updated_by"], "admin@acme");
    let replaced = put(&launcher, &format!("{DAILY}/presets/yesterday"), &admin, &body).await;
    assert_eq!(replaced.status, StatusCode::OK);
    put(&launcher, "/functions/prod/us-east-1/billing-close/presets/close", &admin, &json!({"payload": {}})).await;
    put(&launcher, "/functions/prod/us-east-1/db-migrate/presets/up", &admin, &json!({"payload": {"to": 3}})).await;

    // An operator sees presets of what they may view; can_edit says they may not change them.
    let listed = launcher.get(&format!("{DAILY}/presets"), &ops).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.text);
    assert_eq!(listed.json["can_edit"], false);
    assert_eq!(listed.json["presets"][0]["name"], "yesterday");
    assert_eq!(listed.json["presets"][0]["payload"], json!({"date": "2026-12-03"}));
    assert_eq!(launcher.get(&format!("{DAILY}/presets"), &admin).await.json["can_edit"], true);

    // Running a preset: the stored payload is sent (moto's function echoes it).
    let run = launcher.call(Method::POST, &format!("{DAILY}/invoke?preset=yesterday"), Some(&ops), None).await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.text);
    assert_eq!(run.json["payload"], json!({"date": "2026-12-03"}));
    let both = launcher
        .call(Method::POST, &format!("{DAILY}/invoke?preset=yesterday"), Some(&ops), Some(b"{\"a\":1}".to_vec()))
        .await;
    assert_eq!(both.code(), "invalid_request");
    let unknown = launcher.call(Method::POST, &format!("{DAILY}/invoke?preset=nope"), Some(&ops), None).await;
    assert_eq!((unknown.status, unknown.code()), (StatusCode::NOT_FOUND, "preset_not_found"));
    // View-only: the preset is visible, running it is refused like any run.
    let view_only = launcher
        .call(Method::POST, "/functions/prod/us-east-1/billing-close/invoke?preset=close", Some(&ops), None)
        .await;
    assert_eq!(view_only.code(), "invoke_forbidden");

    // A hidden function has no presets either: exactly the answer of a missing function.
    for (hidden, missing, method) in [
        ("/functions/prod/us-east-1/db-migrate/presets", "/functions/prod/us-east-1/no-such/presets", Method::GET),
        (
            "/functions/prod/us-east-1/db-migrate/invoke?preset=up",
            "/functions/prod/us-east-1/no-such/invoke?preset=up",
            Method::POST,
        ),
    ] {
        let a = launcher.call(method.clone(), hidden, Some(&ops), None).await;
        let b = launcher.call(method.clone(), missing, Some(&ops), None).await;
        assert_eq!((a.status, &a.text), (StatusCode::NOT_FOUND, &b.text), "{hidden}");
    }

    // Only tenant admins change presets.
    let denied = put(&launcher, &format!("{DAILY}/presets/mine"), &ops, &body).await;
    assert_eq!(denied.code(), "forbidden");
    let denied = launcher.call(Method::DELETE, &format!("{DAILY}/presets/yesterday"), Some(&ops), None).await;
    assert_eq!(denied.code(), "forbidden");

    // Bad input is refused with a stable code and changes nothing.
    for (name, body, code) in [
        ("bad name", json!({"payload": {}}), "invalid_request"),
        ("ok", json!({"payload": {}, "extra": 1}), "invalid_request"),
        ("ok", json!({"description": "no payload"}), "invalid_request"),
        ("ok", json!({"payload": "x".repeat(64 * 1024)}), "payload_too_large"),
    ] {
        let path = format!("{DAILY}/presets/{}", name.replace(' ', "%20"));
        let reply = put(&launcher, &path, &admin, &body).await;
        assert_eq!(reply.code(), code, "{name}: {}", reply.text);
        assert!(reply.is_problem());
    }
    assert_eq!(launcher.get(&format!("{DAILY}/presets"), &admin).await.json["presets"].as_array().unwrap().len(), 1);
    let foreign_conn = put(&launcher, "/functions/nope/us-east-1/report-daily/presets/x", &admin, &body).await;
    assert_eq!(foreign_conn.code(), "function_not_found");

    // At most 50 per function; replacing one at the limit still works.
    for i in 1..50 {
        let reply = put(&launcher, &format!("{DAILY}/presets/p{i:02}"), &admin, &json!({"payload": {"i": i}})).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{i}: {}", reply.text);
    }
    let full = put(&launcher, &format!("{DAILY}/presets/one-more"), &admin, &json!({"payload": {}})).await;
    assert_eq!((full.status, full.code()), (StatusCode::CONFLICT, "preset_limit_reached"));
    assert_eq!(
        put(&launcher, &format!("{DAILY}/presets/p01"), &admin, &json!({"payload": {}})).await.status,
        StatusCode::OK
    );

    // Delete, then it is gone; deleting again is 404.
    let path = format!("{DAILY}/presets/yesterday");
    assert_eq!(launcher.call(Method::DELETE, &path, Some(&admin), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(launcher.call(Method::DELETE, &path, Some(&admin), None).await.code(), "preset_not_found");

    // Every change is in the audit trail; the preset run names its preset.
    let trail = launcher.get("/audit?function=prod/us-east-1/report-daily&limit=200", &admin).await;
    let records = trail.json["records"].as_array().unwrap();
    let actions: Vec<&str> = records.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"preset_save") && actions.contains(&"preset_delete"), "{actions:?}");
    let preset_run = records.iter().find(|r| r["action"] == "invoke" && r["outcome"] == "succeeded").unwrap();
    assert_eq!(preset_run["detail"], "preset yesterday");
    assert_eq!(preset_run["payload_bytes"], json!({"date": "2026-12-03"}).to_string().len());

    // Another tenant's admin sees none of it, even with the same connection id.
    let other = CustomerAccount::create().await;
    other.create_function(REGION, "report-daily", "", &[]).await;
    launcher.link("globex", "prod", &other, &[REGION]).await;
    let globex = launcher.get(&format!("{DAILY}/presets"), &admin_token("globex")).await;
    assert_eq!(globex.json["presets"], json!([]), "{}", globex.text);
}

#[tokio::test]
async fn payloads_are_checked_against_the_functions_input_schema() {
    let account = CustomerAccount::create().await;
    let schema = r#"{"type":"object","required":["date"],"additionalProperties":false,"properties":{"date":{"type":"string","pattern":"^\\d{4}-\\d{2}-\\d{2}$"},"dry":{"type":"boolean"}}}"#;
    assert!(schema.len() <= 256, "fits in a tag value");
    account.create_function(REGION, "report-daily", "", &[("launcher:input-schema", schema)]).await;
    account.create_function(REGION, "broken", "", &[("launcher:input-schema", "{\"type\": \"text\"}")]).await;
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &account, &[REGION]).await;
    let admin = admin_token("acme");

    let detail = launcher.get(DAILY, &admin).await;
    assert_eq!(detail.json["input_schema"]["required"], json!(["date"]), "{}", detail.text);
    assert_eq!(detail.json["tags"]["launcher:input-schema"], schema);

    let ok = launcher.post_json(&format!("{DAILY}/invoke"), &admin, &json!({"date": "2026-12-03"})).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    for (payload, pointer) in [
        (json!({}), "/date"),
        (json!({"date": "yesterday"}), "/date"),
        (json!({"date": "2026-12-03", "dry": "yes"}), "/dry"),
        (json!({"date": "2026-12-03", "other": 1}), "/other"),
        (json!([1]), ""),
    ] {
        let bad = launcher.post_json(&format!("{DAILY}/invoke?mode=async"), &admin, &payload).await;
        assert_eq!((bad.status, bad.code()), (StatusCode::UNPROCESSABLE_ENTITY, "payload_schema_violation"));
        assert_eq!(bad.json["pointer"], pointer, "{}", bad.text);
        assert!(bad.is_problem());
    }
    // A preset is checked the same way when it runs.
    put(&launcher, &format!("{DAILY}/presets/bad"), &admin, &json!({"payload": {"nope": 1}})).await;
    let bad_preset = launcher.call(Method::POST, &format!("{DAILY}/invoke?preset=bad"), Some(&admin), None).await;
    assert_eq!(bad_preset.code(), "payload_schema_violation");
    // A schema the launcher cannot use is refused, not ignored.
    let broken = launcher.post_json("/functions/prod/us-east-1/broken/invoke", &admin, &json!({})).await;
    assert_eq!(broken.code(), "input_schema_invalid");
    assert_eq!(launcher.get("/functions/prod/us-east-1/broken", &admin).await.json["input_schema"], Value::Null);

    // Nothing ran for the refused ones: one succeeded invocation in the trail.
    let trail = launcher.get("/audit?function=prod/us-east-1/report-daily", &admin).await;
    let runs: Vec<&Value> = trail.json["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "invoke" && r["outcome"] == "succeeded")
        .collect();
    assert_eq!(runs.len(), 1, "{}", trail.text);

    // The listing carries tags when asked for them.
    let listed = launcher.get("/functions?tags=true", &admin).await;
    assert_eq!(listed.json["functions"][1]["tags"]["launcher:input-schema"], schema, "{}", listed.text);
    assert!(launcher.get("/functions", &admin).await.json["functions"][0].get("tags").is_none());
}
