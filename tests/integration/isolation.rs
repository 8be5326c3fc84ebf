//! Tenant isolation, proven as a matrix: two tenants with the same connection id and overlapping
//! function names. Every endpoint is tried with every identifier of the other tenant; every
//! attempt is refused with exactly the answer a reference that does not exist gets.

use http::{Method, StatusCode};
use launcher_tests::*;
use serde_json::json;

#[tokio::test]
async fn every_endpoint_with_every_foreign_identifier_looks_like_nothing() {
    let acme_account = CustomerAccount::create().await;
    let globex_account = CustomerAccount::create().await;
    for name in ["shared-name", "acme-only"] {
        acme_account.create_function(REGION, name, "", &[]).await;
    }
    for name in ["shared-name", "globex-only"] {
        globex_account.create_function(REGION, name, "", &[]).await;
    }
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &acme_account, &[REGION]).await;
    launcher.link("acme", "acme-conn", &acme_account, &[REGION]).await;
    launcher.link("globex", "prod", &globex_account, &[REGION]).await;
    let acme = admin_token("acme");
    let acme_run = launcher.post_json("/functions/prod/us-east-1/acme-only/invoke", &acme, &json!({})).await;
    assert_eq!(acme_run.status, StatusCode::OK);
    launcher.set_rules("acme", json!({"grants": [{"groups": ["ops"], "actions": ["invoke"]}]})).await;
    for path in
        ["/functions/prod/us-east-1/acme-only/presets/p1", "/functions/acme-conn/us-east-1/acme-only/presets/p1"]
    {
        let body = Some(json!({"payload": {"acme": true}}).to_string().into_bytes());
        assert_eq!(launcher.call(Method::PUT, path, Some(&acme), body).await.status, StatusCode::CREATED);
    }

    // The attacker is globex's admin (every right in globex) and, separately, a globex operator.
    let attackers = [admin_token("globex"), token("gus@globex", "globex", &["ops"])];
    // (foreign reference, a reference that does not exist anywhere, method, body)
    let probes: Vec<(&str, &str, Method, Option<&str>)> = vec![
        // The trail first: the attacker's own denied attempts below land in its own trail.
        ("/audit?subject=admin@acme", "/audit?subject=nobody@nowhere", Method::GET, None),
        ("/audit?function=acme-conn/", "/audit?function=no-conn/", Method::GET, None),
        ("/audit?function=prod/us-east-1/acme-only", "/audit?function=prod/us-east-1/no-such-fn", Method::GET, None),
        ("/functions/prod/us-east-1/acme-only", "/functions/prod/us-east-1/no-such-fn", Method::GET, None),
        ("/functions/acme-conn/us-east-1/acme-only", "/functions/no-conn/us-east-1/acme-only", Method::GET, None),
        ("/functions/acme-conn/us-east-1/shared-name", "/functions/no-conn/us-east-1/shared-name", Method::GET, None),
        (
            "/functions/prod/us-east-1/acme-only/invoke",
            "/functions/prod/us-east-1/no-such-fn/invoke",
            Method::POST,
            Some("{}"),
        ),
        (
            "/functions/prod/us-east-1/acme-only/invoke?mode=async",
            "/functions/prod/us-east-1/no-such-fn/invoke?mode=async",
            Method::POST,
            Some("{}"),
        ),
        (
            "/functions/prod/us-east-1/acme-only/invoke?mode=dry-run",
            "/functions/prod/us-east-1/no-such-fn/invoke?mode=dry-run",
            Method::POST,
            Some("{}"),
        ),
        (
            "/functions/acme-conn/us-east-1/shared-name/invoke",
            "/functions/no-conn/us-east-1/shared-name/invoke",
            Method::POST,
            Some("{}"),
        ),
        (
            "/functions/prod/us-east-1/acme-only/presets",
            "/functions/prod/us-east-1/no-such-fn/presets",
            Method::GET,
            None,
        ),
        (
            "/functions/acme-conn/us-east-1/acme-only/presets",
            "/functions/no-conn/us-east-1/acme-only/presets",
            Method::GET,
            None,
        ),
        (
            "/functions/acme-conn/us-east-1/acme-only/presets/p1",
            "/functions/no-conn/us-east-1/acme-only/presets/p1",
            Method::PUT,
            Some(r#"{"payload": {"globex": true}}"#),
        ),
        (
            "/functions/acme-conn/us-east-1/acme-only/presets/p1",
            "/functions/no-conn/us-east-1/acme-only/presets/p1",
            Method::DELETE,
            None,
        ),
        (
            "/functions/prod/us-east-1/acme-only/invoke?preset=p1",
            "/functions/prod/us-east-1/no-such-fn/invoke?preset=p1",
            Method::POST,
            None,
        ),
        ("/connections/acme-conn", "/connections/no-conn", Method::GET, None),
        ("/connections/acme-conn", "/connections/no-conn", Method::DELETE, None),
    ];
    let mut cells = 0;
    for attacker in &attackers {
        for (foreign, missing, method, body) in &probes {
            for key in [None, Some("acme-key-1")] {
                let headers: Vec<(&str, &str)> = key.iter().map(|k| ("idempotency-key", *k)).collect();
                let bytes = body.map(|b| b.as_bytes().to_vec());
                let a = call(launcher.router(), method.clone(), foreign, Some(attacker), bytes.clone(), &headers).await;
                let b = call(launcher.router(), method.clone(), missing, Some(attacker), bytes, &headers).await;
                assert_eq!((a.status, &a.text), (b.status, &b.text), "{method} {foreign} vs {missing}");
                let empty = a.json["records"] == json!([]) || a.json["presets"] == json!([]);
                assert!(a.status.is_client_error() || empty, "{method} {foreign}: {}", a.text);
                cells += 1;
            }
        }
        // The list holds only the attacker's own tenant's functions.
        let listed = launcher.get("/functions", attacker).await;
        for f in listed.json["functions"].as_array().unwrap() {
            assert_eq!(f["account_id"], globex_account.account_id.as_str(), "{}", listed.text);
        }
        cells += 1;
    }
    // Nothing of acme's changed: its connections, rules, and its run is still in its own trail.
    assert_eq!(launcher.get("/connections", &acme).await.json["connections"].as_array().unwrap().len(), 2);
    assert_eq!(launcher.get("/rules", &acme).await.json["version"], 1);
    for conn in ["prod", "acme-conn"] {
        let presets = launcher.get(&format!("/functions/{conn}/us-east-1/acme-only/presets"), &acme).await;
        assert_eq!(presets.json["presets"][0]["payload"], json!({"acme": true}), "{}", presets.text);
    }
    let trail = launcher.get("/audit?function=prod/us-east-1/acme-only", &acme).await;
    let actions: Vec<&str> =
        trail.json["records"].as_array().unwrap().iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["preset_save", "invoke"], "{}", trail.text);
    // Writes from globex stayed in globex.
    assert_eq!(launcher.get("/rules", &admin_token("globex")).await.json["version"], 0);
    eprintln!(
        "isolation matrix: {cells} cells ({} attackers x {} probes x 2 key variants + lists)",
        attackers.len(),
        probes.len()
    );
    assert_eq!(cells, 2 * (17 * 2 + 1));
}
