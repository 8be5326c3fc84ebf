//! Cross-account roles: role setup issues a fresh External ID; linking assumes the role with it;
//! list, get and invoke then work across an access-key account and a role account at once.

use http::{Method, StatusCode};
use launcher_tests::*;
use serde_json::json;

#[tokio::test]
async fn role_and_access_key_accounts_side_by_side() {
    let keyed = CustomerAccount::create().await;
    keyed.create_function(REGION, "keyed-job", "", &[]).await;
    let roled = CustomerAccount::create().await;
    roled.create_function(REGION, "role-job", "", &[]).await;
    roled.create_function("eu-west-1", "role-eu-job", "", &[]).await;
    let launcher = TestLauncher::start().await;
    let admin = admin_token("acme");
    launcher.link("acme", "keyed", &keyed, &[REGION]).await;

    // Role setup: a pending connection with a launcher-generated External ID.
    let setup =
        launcher.post_json("/connections/role-setup", &admin, &json!({"id": "roled", "name": "Role account"})).await;
    assert_eq!(setup.status, StatusCode::CREATED, "{}", setup.text);
    let external_id = setup.json["external_id"].as_str().unwrap().to_owned();
    assert!(external_id.len() >= 32);
    assert_eq!(setup.json["launcher_account_id"], "123456789012", "moto's default account is the launcher's");
    assert_eq!(setup.json["template"], "infra/cross-account-role.yaml");
    assert_eq!(setup.json["parameters"]["ExternalId"], external_id.as_str());
    assert_eq!(setup.json["parameters"]["LauncherAccountId"], "123456789012");
    assert_eq!(setup.json["connection"]["state"], "pending");
    assert_eq!(setup.json["link_request"]["kind"], "role");

    // Every setup gets its own External ID; a taken id is a conflict.
    let other = launcher.post_json("/connections/role-setup", &admin, &json!({"id": "another"})).await;
    assert_ne!(other.json["external_id"], setup.json["external_id"]);
    let taken = launcher.post_json("/connections/role-setup", &admin, &json!({"id": "roled"})).await;
    assert_eq!(taken.code(), "connection_exists");

    // Pending: listed as such, no functions yet, nothing to invoke.
    let pending = launcher.get("/connections/roled", &admin).await;
    assert_eq!(pending.json["state"], "pending");
    assert_eq!(pending.json["external_id"], external_id.as_str());
    let listed = launcher.get("/functions", &admin).await;
    let names: Vec<&str> =
        listed.json["functions"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["keyed-job"]);

    // Linking checks the ARN before calling AWS.
    for (role_arn, why) in [
        ("arn:aws:iam::123456789012:role/some-other-role", "lambda-launcher-"),
        ("arn:aws:iam::12345:role/lambda-launcher-access", "IAM role ARN"),
    ] {
        let body = json!({"kind": "role", "id": "roled", "role_arn": role_arn, "regions": [REGION]});
        let refused = launcher.post_json("/connections", &admin, &body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{role_arn}");
        assert!(refused.json["detail"].as_str().unwrap().contains(why), "{}", refused.text);
    }
    let no_setup = json!({"kind": "role", "id": "never-set-up", "role_arn": "arn:aws:iam::123456789012:role/lambda-launcher-x", "regions": [REGION]});
    let refused = launcher.post_json("/connections", &admin, &no_setup).await;
    assert!(refused.json["detail"].as_str().unwrap().contains("role-setup"), "{}", refused.text);

    let role_arn = roled.create_launcher_role(&external_id).await;
    let body = json!({"kind": "role", "id": "roled", "role_arn": role_arn, "regions": [REGION, "eu-west-1"]});
    let linked = launcher.post_json("/connections", &admin, &body).await;
    assert_eq!(linked.status, StatusCode::CREATED, "{}", linked.text);
    assert_eq!(linked.json["kind"], "role");
    assert_eq!(linked.json["state"], "active");
    assert_eq!(linked.json["account_id"], roled.account_id.as_str());
    assert_eq!(linked.json["role_arn"], role_arn.as_str());
    assert_eq!(linked.json["version"], 2);
    let again = launcher.post_json("/connections", &admin, &body).await;
    assert_eq!(again.code(), "connection_exists");

    // Both accounts, three places, one list; each entry says its account and region.
    let listed = launcher.get("/functions", &admin).await;
    let places: Vec<(String, String, String)> = listed.json["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["account_id"].as_str().unwrap().into(),
                f["region"].as_str().unwrap().into(),
                f["name"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            (keyed.account_id.clone(), REGION.to_owned(), "keyed-job".to_owned()),
            (roled.account_id.clone(), "eu-west-1".to_owned(), "role-eu-job".to_owned()),
            (roled.account_id.clone(), REGION.to_owned(), "role-job".to_owned()),
        ]
    );

    // Get and invoke behave the same for both kinds.
    let detail = launcher.get("/functions/roled/eu-west-1/role-eu-job", &admin).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    assert!(detail.json["arn"].as_str().unwrap().contains(&roled.account_id));
    for path in ["/functions/roled/us-east-1/role-job/invoke", "/functions/keyed/us-east-1/keyed-job/invoke"] {
        let run = launcher.post_json(path, &admin, &json!({"via": path})).await;
        assert_eq!(run.status, StatusCode::OK, "{path}: {}", run.text);
        assert_eq!(run.json["payload"], json!({"via": path}));
    }

    // Operators get the same rules on role connections.
    launcher.set_rules("acme", json!({"grants": [{"groups": ["ops"], "connections": ["roled"], "functions": ["role-*"], "actions": ["invoke"]}]})).await;
    let ops = token("olivia", "acme", &["ops"]);
    let seen = launcher.get("/functions", &ops).await;
    assert_eq!(seen.json["functions"].as_array().unwrap().len(), 2, "{}", seen.text);
    let hidden = launcher.post_json("/functions/keyed/us-east-1/keyed-job/invoke", &ops, &json!({})).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);

    // Unlink works the same.
    let gone = launcher.call(Method::DELETE, "/connections/roled", Some(&admin), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert_eq!(launcher.get("/functions/roled/us-east-1/role-job", &admin).await.status, StatusCode::NOT_FOUND);
}
