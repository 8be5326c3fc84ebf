//! AWS calls per request, counted by an SDK interceptor on every client the launcher builds
//! (issue 6). A warm invoke makes exactly one call into the linked account (lambda:Invoke) and no
//! reads: no DynamoDB GetItem/Query, no KMS Decrypt, no STS, no GetFunction/ListTags. The launcher's
//! own audit trail costs two writes per invoke (a record before the run, the outcome after);
//! an Idempotency-Key adds its claim and its outcome. The whole (service, operation) multiset is
//! compared, so any extra call fails the test. And the caches give way at once to changes made
//! through the same launcher: unlink, re-link, rules.

use http::{Method, StatusCode};
use launcher_tests::*;
use serde_json::json;

const OPS_RULES: &str = r#"{"grants": [{"groups": ["ops"], "functions": ["hello"], "actions": ["invoke"]}]}"#;

async fn invoke(launcher: &TestLauncher, token: &str, function: &str) -> Reply {
    launcher.post_json(&format!("/functions/prod/{REGION}/{function}/invoke"), token, &json!({"n": 1})).await
}

#[tokio::test]
async fn a_warm_invoke_makes_one_call_into_the_account_and_two_audit_writes() {
    let account = CustomerAccount::create().await;
    account.create_function(REGION, "hello", "", &[]).await;
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &account, &[REGION]).await;
    assert_eq!(launcher.set_rules("acme", serde_json::from_str(OPS_RULES).unwrap()).await.status, StatusCode::OK);
    let operator = token("olivia", "acme", &["ops"]);
    launcher.calls.take();

    // Cold (the rules were cached by the PUT through this launcher): the connection record, the
    // secret and the function's existence are read once.
    let cold = invoke(&launcher, &operator, "hello").await;
    assert_eq!(cold.status, StatusCode::OK, "{}", cold.text);
    assert_eq!(
        launcher.calls.take(),
        calls(&[
            ("DynamoDB", "GetItem", 1),
            ("KMS", "Decrypt", 1),
            ("Lambda", "GetFunction", 1),
            ("Lambda", "Invoke", 1),
            ("DynamoDB", "PutItem", 2),
        ])
    );

    // Warm: the Invoke, and the audit record before and after it. Nothing else.
    for _ in 0..3 {
        let warm = invoke(&launcher, &operator, "hello").await;
        assert_eq!(warm.status, StatusCode::OK, "{}", warm.text);
        assert_eq!(launcher.calls.take(), calls(&[("Lambda", "Invoke", 1), ("DynamoDB", "PutItem", 2)]));
    }
    // An admin (no rules read at all) and an async invoke cost the same.
    let admin = admin_token("acme");
    let queued =
        launcher.post_json(&format!("/functions/prod/{REGION}/hello/invoke?mode=async"), &admin, &json!({})).await;
    assert_eq!(queued.status, StatusCode::ACCEPTED, "{}", queued.text);
    assert_eq!(launcher.calls.take(), calls(&[("Lambda", "Invoke", 1), ("DynamoDB", "PutItem", 2)]));
    // A warm GET of the function reads nothing at all.
    let detail = launcher.get(&format!("/functions/prod/{REGION}/hello"), &operator).await;
    assert_eq!(detail.status, StatusCode::OK, "{}", detail.text);
    assert_eq!(launcher.calls.take(), calls(&[]));
}

#[tokio::test]
async fn a_warm_invoke_on_a_role_connection_assumes_no_role() {
    let account = CustomerAccount::create().await;
    account.create_function(REGION, "hello", "", &[]).await;
    let launcher = TestLauncher::start().await;
    let admin = admin_token("acme");
    let setup = launcher.post_json("/connections/role-setup", &admin, &json!({"id": "prod"})).await;
    assert_eq!(setup.status, StatusCode::CREATED, "{}", setup.text);
    let role_arn = account.create_launcher_role(setup.json["external_id"].as_str().unwrap()).await;
    let body = json!({"kind": "role", "id": "prod", "role_arn": role_arn, "regions": [REGION]});
    let linked = launcher.post_json("/connections", &admin, &body).await;
    assert_eq!(linked.status, StatusCode::CREATED, "{}", linked.text);
    let operator = token("olivia", "acme", &["ops"]);
    assert_eq!(launcher.set_rules("acme", serde_json::from_str(OPS_RULES).unwrap()).await.status, StatusCode::OK);
    launcher.calls.take();

    assert_eq!(invoke(&launcher, &operator, "hello").await.status, StatusCode::OK);
    let cold = launcher.calls.take();
    assert_eq!(cold.get(&("STS".to_owned(), "AssumeRole".to_owned())), Some(&1), "{cold:?}");
    let warm = invoke(&launcher, &operator, "hello").await;
    assert_eq!(warm.status, StatusCode::OK, "{}", warm.text);
    assert_eq!(launcher.calls.take(), calls(&[("Lambda", "Invoke", 1), ("DynamoDB", "PutItem", 2)]));

    // Another user acts under their own SourceIdentity: one AssumeRole of their own, then warm.
    let other = token("oscar", "acme", &["ops"]);
    assert_eq!(invoke(&launcher, &other, "hello").await.status, StatusCode::OK);
    assert_eq!(
        launcher.calls.take(),
        calls(&[("STS", "AssumeRole", 1), ("Lambda", "Invoke", 1), ("DynamoDB", "PutItem", 2)])
    );
}

#[tokio::test]
async fn an_idempotency_key_adds_its_claim_and_outcome_writes() {
    let account = CustomerAccount::create().await;
    account.create_function(REGION, "hello", "", &[]).await;
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &account, &[REGION]).await;
    let admin = admin_token("acme");
    let path = format!("/functions/prod/{REGION}/hello/invoke");
    let keyed = |key: &'static str| {
        let router = launcher.router();
        let admin = admin.clone();
        let path = path.clone();
        async move {
            call(router, Method::POST, &path, Some(&admin), Some(b"{}".to_vec()), &[("idempotency-key", key)]).await
        }
    };
    assert_eq!(keyed("warm-up").await.status, StatusCode::OK);
    launcher.calls.take();

    // A new key: the Invoke; the claim and the outcome; the two audit writes.
    let first = keyed("key-1").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert_eq!(launcher.calls.take(), calls(&[("Lambda", "Invoke", 1), ("DynamoDB", "PutItem", 4)]));

    // The same key again: a refused claim, the stored outcome read, one audit write; no Invoke.
    let replay = keyed("key-1").await;
    assert_eq!(replay.status, StatusCode::OK, "{}", replay.text);
    assert_eq!(replay.headers.get("idempotent-replayed").map(|v| v.to_str().unwrap()), Some("true"));
    assert_eq!(launcher.calls.take(), calls(&[("DynamoDB", "PutItem", 2), ("DynamoDB", "GetItem", 1)]));
}

#[tokio::test]
async fn a_warm_list_makes_one_list_functions_per_connection_and_region() {
    let first = CustomerAccount::create().await;
    let second = CustomerAccount::create().await;
    for (account, name) in [(&first, "one"), (&second, "two")] {
        account.create_function(REGION, name, "", &[]).await;
        account.create_function("eu-west-1", &format!("{name}-eu"), "", &[]).await;
    }
    let launcher = TestLauncher::start().await;
    launcher.link("acme", "prod", &first, &[REGION, "eu-west-1"]).await;
    launcher.link("acme", "dev", &second, &[REGION, "eu-west-1"]).await;
    let rules = json!({"grants": [{"groups": ["ops"], "functions": ["*"], "actions": ["view"]}]});
    assert_eq!(launcher.set_rules("acme", rules).await.status, StatusCode::OK);
    let operator = token("olivia", "acme", &["ops"]);
    launcher.calls.take();

    let cold = launcher.get("/functions", &operator).await;
    assert_eq!(cold.status, StatusCode::OK, "{}", cold.text);
    assert_eq!(cold.json["functions"].as_array().unwrap().len(), 4, "{}", cold.text);
    assert_eq!(
        launcher.calls.take(),
        calls(&[("DynamoDB", "Query", 1), ("KMS", "Decrypt", 2), ("Lambda", "ListFunctions", 4)])
    );
    for token in [&operator, &admin_token("acme")] {
        let warm = launcher.get("/functions", token).await;
        let arns = |reply: &Reply| -> Vec<serde_json::Value> {
            reply.json["functions"].as_array().unwrap().iter().map(|f| f["arn"].clone()).collect()
        };
        assert_eq!(arns(&warm), arns(&cold));
        assert_eq!(launcher.calls.take(), calls(&[("Lambda", "ListFunctions", 4)]));
    }
}

#[tokio::test]
async fn unlink_relink_and_rule_changes_take_effect_at_once_on_the_same_launcher() {
    let account = CustomerAccount::create().await;
    let replacement = CustomerAccount::create().await;
    for a in [&account, &replacement] {
        a.create_function(REGION, "hello", "", &[]).await;
    }
    let launcher = TestLauncher::start().await;
    let admin = admin_token("acme");
    launcher.link("acme", "prod", &account, &[REGION]).await;
    assert_eq!(launcher.set_rules("acme", serde_json::from_str(OPS_RULES).unwrap()).await.status, StatusCode::OK);
    let operator = token("olivia", "acme", &["ops"]);
    for who in [&admin, &operator] {
        assert_eq!(invoke(&launcher, who, "hello").await.status, StatusCode::OK);
        assert_eq!(invoke(&launcher, who, "hello").await.status, StatusCode::OK, "warm");
    }

    // A rule change applies to the very next request.
    assert_eq!(launcher.set_rules("acme", json!({"grants": []})).await.status, StatusCode::OK);
    assert_eq!(invoke(&launcher, &operator, "hello").await.status, StatusCode::NOT_FOUND);
    assert_eq!(launcher.set_rules("acme", serde_json::from_str(OPS_RULES).unwrap()).await.status, StatusCode::OK);
    assert_eq!(invoke(&launcher, &operator, "hello").await.status, StatusCode::OK);

    // Unlink: the next invoke is 404, for everyone, and makes no call into the account.
    let gone = launcher.call(Method::DELETE, "/connections/prod", Some(&admin), None).await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    launcher.calls.take();
    for who in [&admin, &operator] {
        let missing = invoke(&launcher, who, "hello").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text);
        assert_eq!(missing.code(), "function_not_found");
    }
    let after_unlink = launcher.calls.take();
    assert!(!after_unlink.keys().any(|(service, _)| service == "Lambda"), "{after_unlink:?}");
    let listed = launcher.get("/functions", &admin).await;
    assert_eq!(listed.json["functions"], json!([]));

    // Re-link the same id to another account with other credentials: they are used at once.
    launcher.link("acme", "prod", &replacement, &[REGION]).await;
    replacement.queue_lambda_results(REGION, &[r#""from the new account""#]).await;
    for who in [&admin, &operator] {
        let detail = launcher.get(&format!("/functions/prod/{REGION}/hello"), who).await;
        assert!(detail.json["arn"].as_str().unwrap().contains(&replacement.account_id), "{}", detail.text);
    }
    let run = invoke(&launcher, &operator, "hello").await;
    assert_eq!(run.status, StatusCode::OK, "{}", run.text);
    assert_eq!(run.json["payload"], "from the new account");
    let listed = launcher.get("/functions", &admin).await;
    assert_eq!(listed.json["functions"][0]["account_id"], replacement.account_id.as_str());
}
