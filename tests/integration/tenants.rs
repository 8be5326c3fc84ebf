//! No tenant reaches another tenant's connections or functions, even with the same ids.

use http::{Method, StatusCode};
use launcher_tests::*;
use serde_json::json;

#[tokio::test]
async fn tenants_with_the_same_connection_id_stay_apart() {
    let acme_account = CustomerAccount::create().await;
    acme_account.create_function(REGION, "acme-secret-job", "", &[]).await;
    let globex_account = CustomerAccount::create().await;
    globex_account.create_function(REGION, "globex-job", "", &[]).await;
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &acme_account, &[REGION]).await;
    launcher.link("globex", "prod", &globex_account, &[REGION]).await;
    let globex_admin = admin_token("globex");

    let list = launcher.get("/functions", &globex_admin).await;
    let names: Vec<&str> =
        list.json["functions"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["globex-job"]);
    assert_eq!(list.json["functions"][0]["account_id"], globex_account.account_id.as_str());

    // acme's function through globex's "prod": that is globex's account, where it does not exist.
    let get = launcher.get("/functions/prod/us-east-1/acme-secret-job", &globex_admin).await;
    assert_eq!(get.status, StatusCode::NOT_FOUND);
    let run = launcher.post_json("/functions/prod/us-east-1/acme-secret-job/invoke", &globex_admin, &json!({})).await;
    assert_eq!(run.status, StatusCode::NOT_FOUND);

    let connection = launcher.get("/connections/prod", &globex_admin).await;
    assert_eq!(connection.json["account_id"], globex_account.account_id.as_str());
    let connections = launcher.get("/connections", &globex_admin).await;
    assert_eq!(connections.json["connections"].as_array().unwrap().len(), 1);

    // Rules are per tenant: acme's grant to ops gives globex's ops nothing, though globex has
    // a connection called "prod" too and acme's ops see acme's function.
    let rules = launcher.set_rules("acme", json!({"grants": [{"groups": ["ops"], "actions": ["invoke"]}]})).await;
    assert_eq!(rules.status, StatusCode::OK);
    let globex_ops = token("gus", "globex", &["ops"]);
    assert_eq!(launcher.get("/functions", &globex_ops).await.json["functions"], json!([]));
    let globex_run = launcher.post_json("/functions/prod/us-east-1/globex-job/invoke", &globex_ops, &json!({})).await;
    assert_eq!(globex_run.status, StatusCode::NOT_FOUND);
    let acme_ops = token("olivia", "acme", &["ops"]);
    let acme_seen = launcher.get("/functions", &acme_ops).await;
    assert_eq!(acme_seen.json["functions"][0]["name"], "acme-secret-job");
    assert_eq!(launcher.get("/rules", &globex_admin).await.json["version"], 0);

    // globex unlinking "prod" removes only its own.
    let unlink = launcher.call(Method::DELETE, "/connections/prod", Some(&globex_admin), None).await;
    assert_eq!(unlink.status, StatusCode::NO_CONTENT);
    let acme_admin = admin_token("acme");
    let acme_still = launcher.get("/connections/prod", &acme_admin).await;
    assert_eq!(acme_still.json["account_id"], acme_account.account_id.as_str());

    // A tenant with nothing linked sees nothing and reaches nothing.
    let initech = admin_token("initech");
    assert_eq!(launcher.get("/functions", &initech).await.json["functions"], json!([]));
    let unknown_conn = launcher.get("/connections/prod", &initech).await;
    assert_eq!(unknown_conn.status, StatusCode::NOT_FOUND);
    let unknown_fn = launcher.get("/functions/prod/us-east-1/acme-secret-job", &initech).await;
    assert_eq!(unknown_fn.status, StatusCode::NOT_FOUND);
}
