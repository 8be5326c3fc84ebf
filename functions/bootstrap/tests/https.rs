//! The bootstrap in a customer account: it links over HTTPS with a one-time link token. The
//! launcher is the real router (`launcher::http::router`) served on a loopback port, with a
//! layer that can inject validation failures or hang; IAM is a fresh moto account.

mod support;

use std::time::Duration;

use bootstrap::physical_id::{LinkHandle, PhysicalId};
use bootstrap::{Bootstrap, Limits};
use launcher_tests::logs::CapturedLogs;
use launcher_tests::unique;
use serde_json::{json, Value};
use support::*;
use tokio::time::Instant;

struct Setup {
    server: LauncherServer,
    bootstrap: Bootstrap,
    sink: ResponseSink,
    iam: IamView,
    tenant: String,
    connection: String,
    stack: String,
    account: String,
    sdk: aws_config::SdkConfig,
}

async fn setup() -> Setup {
    let (account, sdk) = customer_account().await;
    Setup {
        server: LauncherServer::start().await,
        bootstrap: Bootstrap::new(&sdk).with_limits(fast_limits()),
        sink: ResponseSink::start().await,
        iam: IamView::new(&sdk),
        tenant: unique("globex"),
        connection: unique("acct"),
        stack: stack_id(&account),
        account,
        sdk,
    }
}

impl Setup {
    fn properties(&self, token: &str, regions: &[&str]) -> Value {
        json!({
            "ServiceToken": format!("arn:aws:lambda:us-east-1:{}:function:bootstrap", self.account),
            "LauncherUrl": self.server.url, "LinkToken": token, "Regions": regions,
            "Name": "Customer account",
        })
    }

    async fn request(&self, kind: &str, physical: Option<&str>, props: Value) -> Value {
        let event = event(kind, &self.stack, &self.sink.url(), physical, props, None);
        run(&self.bootstrap, &self.sink, event).await
    }
}

/// `GET /connections` answers a list (or an object holding one).
fn as_list(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        Value::Object(mut map) => map.remove("connections").and_then(|v| v.as_array().cloned()).unwrap_or_default(),
        _ => Vec::new(),
    }
}

impl Setup {
    async fn connections(&self) -> Vec<Value> {
        as_list(self.server.connections(&self.tenant).await)
    }
}

fn posts(server: &LauncherServer) -> usize {
    server.link_requests().iter().filter(|(m, _)| m == http::Method::POST).count()
}

#[tokio::test]
async fn create_update_delete_over_https() {
    let s = setup().await;
    // Two tokens for the same connection id: one for the Create, one for a later Update.
    let first_token = s.server.issue_token(&s.tenant, &s.connection).await;
    let second_token = s.server.issue_token(&s.tenant, &s.connection).await;
    let (logs, _guard) = CapturedLogs::start();

    let created = s.request("Create", None, s.properties(&first_token, &["us-east-1"])).await;
    assert_eq!(created["Status"], "SUCCESS", "{created}");
    let physical = created["PhysicalResourceId"].as_str().unwrap().to_owned();
    let Some(LinkHandle::Https { url, unlink_token }) = PhysicalId::parse(&physical).unwrap().link else {
        panic!("{physical}")
    };
    assert_eq!(url, s.server.url);
    assert!(unlink_token.starts_with("lut."), "{unlink_token}");
    let user = user_of(&created);
    assert!(s.iam.user_exists(&user).await);
    let file: Value = serde_json::from_str(POLICY_FILE).unwrap();
    assert_eq!(s.iam.policy_document(&policy_of(&created)).await, Some(file));
    assert_eq!(s.iam.attached(&user).await, [policy_of(&created)]);
    let keys = s.iam.keys(&user).await;
    assert_eq!(keys.len(), 1);
    let linked = s.connections().await;
    assert_eq!(linked.len(), 1, "{linked:?}");
    assert_eq!(linked[0]["id"], json!(s.connection));
    assert_eq!(linked[0]["access_key_id"], json!(keys[0]));
    assert_eq!(linked[0]["account_id"], json!(s.account));
    assert_eq!(created["Data"]["ConnectionId"], json!(s.connection));
    assert_eq!(created["Data"]["AccountId"], json!(s.account));
    let first_secret = stored_secret(&s.server.launcher, &s.tenant, &s.connection).await;

    // Update with new regions and a new token: the launcher answers 409 (the connection is
    // linked and the token stays unused), the bootstrap unlinks the old generation with its
    // unlink token and links the new key.
    let updated = s.request("Update", Some(&physical), s.properties(&second_token, &["us-east-1", "eu-west-1"])).await;
    assert_eq!(updated["Status"], "SUCCESS", "{updated}");
    let new_physical = updated["PhysicalResourceId"].as_str().unwrap().to_owned();
    assert_ne!(new_physical, physical);
    assert_eq!(posts(&s.server), 3, "link, 409, link again");
    let new_user = user_of(&updated);
    let new_keys = s.iam.keys(&new_user).await;
    assert_eq!(new_keys.len(), 1);
    let linked = s.connections().await;
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0]["access_key_id"], json!(new_keys[0]));
    assert_eq!(linked[0]["regions"], json!(["eu-west-1", "us-east-1"]));
    let second_secret = stored_secret(&s.server.launcher, &s.tenant, &s.connection).await;

    // The clean-up Delete of the old generation: its unlink token no longer matches (401),
    // which is success; the old user goes, the new link stays.
    let cleanup = s.request("Delete", Some(&physical), s.properties(&first_token, &["us-east-1"])).await;
    assert_eq!(cleanup["Status"], "SUCCESS", "{cleanup}");
    assert!(!s.iam.user_exists(&user).await);
    assert_eq!(s.connections().await.len(), 1);

    // Delete: unlinked with the unlink token, everything gone; again: still success.
    let props = s.properties(&second_token, &["us-east-1", "eu-west-1"]);
    let deleted = s.request("Delete", Some(&new_physical), props.clone()).await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    assert!(s.connections().await.is_empty());
    assert!(s.iam.leftovers("lambda-launcher-").await.is_empty());
    let again = s.request("Delete", Some(&new_physical), props).await;
    assert_eq!(again["Status"], "SUCCESS", "{again}");

    // No secret and no link token in any answer or log line.
    let logs = logs.text();
    assert!(logs.contains("custom resource request"));
    s.sink.assert_nothing_leaked(&logs, &[&first_secret, &second_secret, &first_token, &second_token]);
}

#[tokio::test]
async fn a_used_token_fails_the_update_and_keeps_the_link() {
    let s = setup().await;
    let token = s.server.issue_token(&s.tenant, &s.connection).await;
    let created = s.request("Create", None, s.properties(&token, &["us-east-1"])).await;
    assert_eq!(created["Status"], "SUCCESS", "{created}");
    let physical = created["PhysicalResourceId"].as_str().unwrap().to_owned();
    let keys = s.iam.keys(&user_of(&created)).await;

    let failed = s.request("Update", Some(&physical), s.properties(&token, &["us-east-1", "eu-west-1"])).await;
    assert_eq!(failed["Status"], "FAILED", "{failed}");
    assert_eq!(failed["PhysicalResourceId"], json!(physical));
    let reason = failed["Reason"].as_str().unwrap();
    assert!(reason.contains("link_token_invalid"), "{reason}");
    assert!(reason.contains("POST /connections/link-tokens"), "{reason}");
    assert!(!reason.contains(&token));
    // The old link and generation are untouched; the new generation is gone.
    let linked = s.connections().await;
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0]["access_key_id"], json!(keys[0]));
    assert_eq!(linked[0]["regions"], json!(["us-east-1"]));
    assert_eq!(s.iam.leftovers("lambda-launcher-").await.len(), 2);

    // CloudFormation's rollback: an Update back to the old properties, same physical id.
    let rollback = s.request("Update", Some(&physical), s.properties(&token, &["us-east-1"])).await;
    assert_eq!(rollback["Status"], "SUCCESS", "{rollback}");
    assert_eq!(rollback["PhysicalResourceId"], json!(physical));
    assert_eq!(rollback["Data"], created["Data"], "the same attributes as the Create");
    for key in ["UserName", "UserArn", "PolicyArn", "AccessKeyId", "ConnectionId", "AccountId"] {
        assert!(!created["Data"][key].as_str().unwrap_or("").is_empty(), "{key}: {created}");
    }
    assert_eq!(s.iam.keys(&user_of(&created)).await, keys);

    let deleted = s.request("Delete", Some(&physical), s.properties(&token, &["us-east-1"])).await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    assert!(s.connections().await.is_empty());
    assert!(s.iam.leftovers("lambda-launcher-").await.is_empty());
}

#[tokio::test]
async fn an_invalid_token_fails_the_create_and_leaves_nothing() {
    let s = setup().await;
    let token = "llt.Z2xvYmV4.000000000000000000000000000000000000000000000000";
    let failed = s.request("Create", None, s.properties(token, &["us-east-1"])).await;
    assert_eq!(failed["Status"], "FAILED", "{failed}");
    let reason = failed["Reason"].as_str().unwrap();
    assert!(reason.contains("401 link_token_invalid"), "{reason}");
    assert!(reason.contains("Nothing this request created was left behind"), "{reason}");
    assert!(!reason.contains(token));
    assert!(s.iam.leftovers("lambda-launcher-").await.is_empty());
    let physical = failed["PhysicalResourceId"].as_str().unwrap().to_owned();
    let deleted = s.request("Delete", Some(&physical), s.properties(token, &["us-east-1"])).await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
}

#[tokio::test]
async fn validation_failures_are_retried_then_reported() {
    let s = setup().await;
    // A fresh IAM key may be refused for a few seconds: two refusals, then it works.
    s.server.fail_validations(2);
    let token = s.server.issue_token(&s.tenant, &s.connection).await;
    let created = s.request("Create", None, s.properties(&token, &["us-east-1"])).await;
    assert_eq!(created["Status"], "SUCCESS", "{created}");
    assert_eq!(posts(&s.server), 3);
    let physical = created["PhysicalResourceId"].as_str().unwrap().to_owned();
    s.request("Delete", Some(&physical), s.properties(&token, &["us-east-1"])).await;

    // Refused every time: FAILED after the allowed attempts, nothing left.
    let other = unique("acct");
    let token = s.server.issue_token(&s.tenant, &other).await;
    s.server.fail_validations(100);
    let failed = s.request("Create", None, s.properties(&token, &["us-east-1"])).await;
    assert_eq!(failed["Status"], "FAILED", "{failed}");
    assert!(failed["Reason"].as_str().unwrap().contains("422 link_validation_failed"), "{failed}");
    assert_eq!(posts(&s.server), 3 + fast_limits().link_attempts as usize);
    assert!(s.iam.leftovers("lambda-launcher-").await.is_empty());
}

#[tokio::test]
async fn a_hanging_launcher_still_gets_an_answer_in_time_and_nothing_is_left() {
    let s = setup().await;
    let bootstrap = Bootstrap::new(&s.sdk).with_limits(Limits {
        answer_reserve: Duration::from_secs(1),
        cleanup_reserve: Duration::from_secs(4),
        ..fast_limits()
    });
    s.server.hang();
    let token = s.server.issue_token(&s.tenant, &s.connection).await;
    let event = event("Create", &s.stack, &s.sink.url(), None, s.properties(&token, &["us-east-1"]), None);
    let url = event["ResponseURL"].as_str().unwrap().to_owned();
    let started = Instant::now();
    let answer = bootstrap.handle(event, Instant::now() + Duration::from_secs(8)).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(8), "{:?}", started.elapsed());
    assert_eq!(s.sink.to(&url).len(), 1);
    let answer = serde_json::to_value(answer).unwrap();
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(reason.contains("ran out of time"), "{reason}");
    assert!(reason.contains("What it had created was removed"), "{reason}");
    assert!(s.iam.leftovers("lambda-launcher-").await.is_empty());
}

#[tokio::test]
async fn a_delete_that_cannot_reach_the_launcher_still_removes_the_key_and_says_so() {
    let s = setup().await;
    let token = s.server.issue_token(&s.tenant, &s.connection).await;
    let created = s.request("Create", None, s.properties(&token, &["us-east-1"])).await;
    let physical = created["PhysicalResourceId"].as_str().unwrap().to_owned();
    let mut unreachable = PhysicalId::parse(&physical).unwrap();
    let Some(LinkHandle::Https { unlink_token, .. }) = unreachable.link.clone() else { panic!() };
    unreachable.link = Some(LinkHandle::Https { url: "http://127.0.0.1:9".into(), unlink_token });
    let failed = s.request("Delete", Some(&unreachable.render()), s.properties(&token, &["us-east-1"])).await;
    assert_eq!(failed["Status"], "FAILED", "{failed}");
    let reason = failed["Reason"].as_str().unwrap();
    assert!(reason.contains("could not reach the launcher"), "{reason}");
    assert!(reason.contains("retry the Delete"), "{reason}");
    assert!(s.iam.leftovers("lambda-launcher-").await.is_empty(), "the key and user are deleted all the same");
    // The retried Delete (launcher reachable again) unlinks.
    let deleted = s.request("Delete", Some(&physical), s.properties(&token, &["us-east-1"])).await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    assert!(s.connections().await.is_empty());
}
