//! The bootstrap in the launcher's own account: Create, Update and Delete against moto IAM, the
//! launcher linked in-process, answers PUT to a loopback stand-in for the presigned URL.

mod support;

use std::sync::Arc;

use bootstrap::physical_id::{LinkHandle, PhysicalId};
use bootstrap::Bootstrap;
use launcher::identity::Principal;
use launcher::AppState;
use launcher_tests::logs::CapturedLogs;
use launcher_tests::{launcher_sdk, unique, CustomerAccount, TestLauncher, ADMIN_GROUP};
use serde_json::{json, Value};
use support::*;

const ACCOUNT: &str = "123456789012";

fn admin(tenant: &str) -> Principal {
    Principal { subject: "test".into(), tenant: tenant.into(), groups: [ADMIN_GROUP.to_owned()].into() }
}

async fn connections(state: &AppState, tenant: &str) -> Vec<Value> {
    state
        .launcher
        .list_connections(&admin(tenant))
        .await
        .unwrap()
        .iter()
        .map(|c| serde_json::to_value(c).unwrap())
        .collect()
}

struct Setup {
    launcher: TestLauncher,
    bootstrap: Bootstrap,
    sink: ResponseSink,
    iam: IamView,
    tenant: String,
    connection: String,
    stack: String,
}

async fn setup() -> Setup {
    let launcher = TestLauncher::start().await;
    let sdk = launcher_sdk().await;
    let bootstrap = Bootstrap::new(&sdk).with_launcher(Arc::clone(&launcher.state)).with_limits(fast_limits());
    Setup {
        launcher,
        bootstrap,
        sink: ResponseSink::start().await,
        iam: IamView::new(&sdk),
        tenant: unique("acme"),
        connection: unique("own"),
        stack: stack_id(ACCOUNT),
    }
}

impl Setup {
    fn properties(&self, regions: &[&str]) -> Value {
        json!({
            "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:bootstrap",
            "Tenant": self.tenant, "ConnectionId": self.connection, "Regions": regions,
            "Name": "Launcher account",
        })
    }

    async fn request(&self, kind: &str, physical: Option<&str>, props: Value, old: Option<Value>) -> Value {
        let event = event(kind, &self.stack, &self.sink.url(), physical, props, old);
        run(&self.bootstrap, &self.sink, event).await
    }

    fn prefix(&self) -> String {
        format!("lambda-launcher-{}-", self.connection)
    }
}

#[tokio::test]
async fn create_update_delete_and_delete_again() {
    let s = setup().await;
    let (logs, _guard) = CapturedLogs::start();

    // Create: policy (the file in policies/), user, attachment, one key, linked.
    let created = s.request("Create", None, s.properties(&["us-east-1"]), None).await;
    assert_eq!(created["Status"], "SUCCESS", "{created}");
    let physical = created["PhysicalResourceId"].as_str().unwrap().to_owned();
    let parsed = PhysicalId::parse(&physical).expect("a physical id Delete can read");
    assert_eq!(
        parsed.link,
        Some(LinkHandle::InProcess { tenant: s.tenant.clone(), connection_id: s.connection.clone() })
    );
    let user = user_of(&created);
    let policy = policy_of(&created);
    assert!(user.starts_with(&s.prefix()), "{user}");
    assert!(s.iam.user_exists(&user).await);
    let file: Value = serde_json::from_str(POLICY_FILE).unwrap();
    assert_eq!(s.iam.policy_document(&policy).await, Some(file.clone()));
    assert_eq!(s.iam.attached(&user).await, vec![policy.clone()]);
    let keys = s.iam.keys(&user).await;
    assert_eq!(keys.len(), 1, "exactly one access key");
    let linked = connections(&s.launcher.state, &s.tenant).await;
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0]["id"], json!(s.connection));
    assert_eq!(linked[0]["access_key_id"], json!(keys[0]));
    assert_eq!(linked[0]["account_id"], ACCOUNT);
    assert_eq!(linked[0]["regions"], json!(["us-east-1"]));
    assert_eq!(linked[0]["name"], "Launcher account");
    assert_eq!(created["Data"]["AccessKeyId"], json!(keys[0]));
    assert_eq!(created["Data"]["ConnectionId"], json!(s.connection));
    assert_eq!(created["Data"]["AccountId"], ACCOUNT);
    let first_secret = stored_secret(&s.launcher, &s.tenant, &s.connection).await;

    // Update with new regions: a new generation (new user, new key), re-linked; a new physical
    // id, so CloudFormation deletes the old one afterwards.
    let updated = s
        .request(
            "Update",
            Some(&physical),
            s.properties(&["us-east-1", "eu-west-1"]),
            Some(s.properties(&["us-east-1"])),
        )
        .await;
    assert_eq!(updated["Status"], "SUCCESS", "{updated}");
    let new_physical = updated["PhysicalResourceId"].as_str().unwrap().to_owned();
    assert_ne!(new_physical, physical);
    let new_user = user_of(&updated);
    assert_ne!(new_user, user);
    let new_keys = s.iam.keys(&new_user).await;
    assert_eq!(new_keys.len(), 1);
    assert_ne!(new_keys, keys);
    assert_eq!(s.iam.attached(&new_user).await, [policy_of(&updated)]);
    let linked = connections(&s.launcher.state, &s.tenant).await;
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0]["access_key_id"], json!(new_keys[0]));
    assert_eq!(linked[0]["regions"], json!(["eu-west-1", "us-east-1"]));
    let second_secret = stored_secret(&s.launcher, &s.tenant, &s.connection).await;
    assert_ne!(first_secret, second_secret);

    // CloudFormation's clean-up Delete of the old physical id: the old key, user and policy go;
    // the new link stays.
    let cleanup = s.request("Delete", Some(&physical), s.properties(&["us-east-1"]), None).await;
    assert_eq!(cleanup["Status"], "SUCCESS", "{cleanup}");
    assert_eq!(cleanup["PhysicalResourceId"], json!(physical));
    assert!(!s.iam.user_exists(&user).await, "old user gone");
    assert!(s.iam.keys(&user).await.is_empty(), "old key gone");
    assert_eq!(s.iam.policy_document(&policy).await, None, "old policy gone");
    let linked = connections(&s.launcher.state, &s.tenant).await;
    assert_eq!(linked.len(), 1, "the new link survives the old one's Delete");
    assert_eq!(linked[0]["access_key_id"], json!(new_keys[0]));

    // Delete: unlinked, key, attachment, user and policy gone.
    let props = s.properties(&["us-east-1", "eu-west-1"]);
    let deleted = s.request("Delete", Some(&new_physical), props.clone(), None).await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    assert!(connections(&s.launcher.state, &s.tenant).await.is_empty());
    assert!(!s.iam.user_exists(&new_user).await);
    assert_eq!(s.iam.policy_document(&policy_of(&updated)).await, None);
    assert!(s.iam.leftovers(&s.prefix()).await.is_empty());

    // A repeated Delete finds nothing and succeeds.
    let again = s.request("Delete", Some(&new_physical), props, None).await;
    assert_eq!(again["Status"], "SUCCESS", "{again}");

    // Neither secret in any answer or log line.
    let logs = logs.text();
    assert!(logs.contains("custom resource request"), "logs were captured");
    s.sink.assert_nothing_leaked(&logs, &[&first_secret, &second_secret]);
}

#[tokio::test]
async fn an_update_that_keeps_the_link_keeps_everything_and_relinks_a_lost_link() {
    let s = setup().await;
    let created = s.request("Create", None, s.properties(&["us-east-1"]), None).await;
    let physical = created["PhysicalResourceId"].as_str().unwrap().to_owned();
    let user = user_of(&created);
    let keys = s.iam.keys(&user).await;

    // Only the ServiceToken changed (a new function version): same physical id, same key.
    let mut props = s.properties(&["us-east-1"]);
    props["ServiceToken"] = json!("arn:aws:lambda:us-east-1:123456789012:function:bootstrap-v2");
    let updated = s.request("Update", Some(&physical), props.clone(), Some(s.properties(&["us-east-1"]))).await;
    assert_eq!(updated["Status"], "SUCCESS", "{updated}");
    assert_eq!(updated["PhysicalResourceId"], json!(physical));
    assert_eq!(s.iam.keys(&user).await, keys);
    assert_eq!(updated["Data"], created["Data"], "the same attributes as the Create");

    // The link was lost (say a rolled-back Update unlinked it): the same Update links a new key
    // of the same user, under the same physical id.
    s.launcher.state.launcher.unlink(&admin(&s.tenant), &s.connection).await.unwrap();
    let relinked = s.request("Update", Some(&physical), props.clone(), Some(props.clone())).await;
    assert_eq!(relinked["Status"], "SUCCESS", "{relinked}");
    assert_eq!(relinked["PhysicalResourceId"], json!(physical));
    let new_keys = s.iam.keys(&user).await;
    assert_eq!(new_keys.len(), 1);
    assert_ne!(new_keys, keys);
    let linked = connections(&s.launcher.state, &s.tenant).await;
    assert_eq!(linked[0]["access_key_id"], json!(new_keys[0]));
    assert_eq!(relinked["Data"]["AccessKeyId"], json!(new_keys[0]));
    assert_eq!(relinked["Data"]["AccountId"], created["Data"]["AccountId"]);

    let deleted = s.request("Delete", Some(&physical), props, None).await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    assert!(s.iam.leftovers(&s.prefix()).await.is_empty());
}

#[tokio::test]
async fn a_create_failing_at_the_link_leaves_nothing_and_its_delete_succeeds() {
    let s = setup().await;
    // Someone already linked another account under this connection id.
    let other = CustomerAccount::create().await;
    s.launcher.link(&s.tenant, &s.connection, &other, &["us-east-1"]).await;
    let (logs, _guard) = CapturedLogs::start();

    let failed = s.request("Create", None, s.properties(&["us-east-1"]), None).await;
    assert_eq!(failed["Status"], "FAILED", "{failed}");
    let reason = failed["Reason"].as_str().unwrap();
    assert!(reason.contains("already exists"), "{reason}");
    assert!(reason.contains(&s.connection), "{reason}");
    assert!(reason.contains("Nothing this request created was left behind"), "{reason}");
    assert!(failed.get("Data").is_none());
    assert!(s.iam.leftovers(&s.prefix()).await.is_empty(), "no user, policy or key left");

    // CloudFormation then deletes the failed resource: success, and the other link is untouched.
    let physical = failed["PhysicalResourceId"].as_str().unwrap().to_owned();
    let deleted = s.request("Delete", Some(&physical), s.properties(&["us-east-1"]), None).await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    let linked = connections(&s.launcher.state, &s.tenant).await;
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0]["access_key_id"], json!(other.access_key_id));
    assert!(!logs.text().contains(&other.secret_access_key));
}

#[tokio::test]
async fn a_policy_name_collision_fails_cleanly_and_touches_nothing_foreign() {
    let s = setup().await;
    let event = event("Create", &s.stack, &s.sink.url(), None, s.properties(&["us-east-1"]), None);
    // Someone else's policy already has the name this request would use.
    let envelope = bootstrap::Envelope::from_event(&event).unwrap();
    let name = bootstrap::iam::user_name(&s.connection, &envelope);
    let foreign = s
        .iam
        .0
        .create_policy()
        .policy_name(&name)
        .path(bootstrap::IAM_PATH)
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let foreign_arn = foreign.policy().unwrap().arn().unwrap().to_owned();

    let failed = run(&s.bootstrap, &s.sink, event).await;
    assert_eq!(failed["Status"], "FAILED", "{failed}");
    let reason = failed["Reason"].as_str().unwrap();
    assert!(reason.contains("already exists and was not created by this stack"), "{reason}");
    assert!(!s.iam.user_exists(&name).await, "no user created");
    assert!(connections(&s.launcher.state, &s.tenant).await.is_empty());

    // The Delete that follows leaves the foreign policy alone.
    let physical = failed["PhysicalResourceId"].as_str().unwrap().to_owned();
    let deleted = s.request("Delete", Some(&physical), s.properties(&["us-east-1"]), None).await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    assert!(s.iam.policy_document(&foreign_arn).await.is_some());
    s.iam.0.delete_policy().policy_arn(&foreign_arn).send().await.unwrap();
}

#[tokio::test]
async fn a_retried_create_reuses_its_generation_without_duplicates() {
    let s = setup().await;
    let event = event("Create", &s.stack, &s.sink.url(), None, s.properties(&["us-east-1"]), None);
    let first = s.bootstrap.handle(event.clone(), deadline()).await.unwrap();
    // Lambda may deliver the same request again (say the first run was cut off after linking).
    let second = s.bootstrap.handle(event, deadline()).await.unwrap();
    let first = serde_json::to_value(first).unwrap();
    let second = serde_json::to_value(second).unwrap();
    assert_eq!(second["Status"], "SUCCESS", "{second}");
    assert_eq!(first["PhysicalResourceId"], second["PhysicalResourceId"]);
    let user = user_of(&second);
    let keys = s.iam.keys(&user).await;
    assert_eq!(keys.len(), 1, "one key, not two");
    assert_eq!(s.iam.attached(&user).await.len(), 1);
    let linked = connections(&s.launcher.state, &s.tenant).await;
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0]["access_key_id"], json!(keys[0]));
    assert_eq!(s.iam.leftovers(&s.prefix()).await.len(), 2, "one user, one policy");

    let physical = second["PhysicalResourceId"].as_str().unwrap().to_owned();
    let deleted = s.request("Delete", Some(&physical), s.properties(&["us-east-1"]), None).await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    assert!(s.iam.leftovers(&s.prefix()).await.is_empty());
}

#[tokio::test]
async fn every_user_gets_the_permissions_boundary() {
    // Moto keeps no permissions boundary, so the request itself is checked.
    let mut s = setup().await;
    let proxy = RecordingProxy::start().await;
    let boundary = format!("arn:aws:iam::{ACCOUNT}:policy/lambda-launcher/boundary/cap");
    s.bootstrap = Bootstrap::new(&proxy.sdk().await)
        .with_launcher(Arc::clone(&s.launcher.state))
        .with_limits(fast_limits())
        .with_permissions_boundary(Some(boundary.clone()));
    let created = s.request("Create", None, s.properties(&["us-east-1"]), None).await;
    assert_eq!(created["Status"], "SUCCESS", "{created}");
    let create_user: Vec<String> =
        proxy.requests().into_iter().map(|(_, body)| body).filter(|body| body.contains("Action=CreateUser")).collect();
    assert_eq!(create_user.len(), 1);
    let encoded = boundary.replace(':', "%3A").replace('/', "%2F");
    assert!(create_user[0].contains(&format!("PermissionsBoundary={encoded}")), "{}", create_user[0]);
    let secret = stored_secret(&s.launcher, &s.tenant, &s.connection).await;
    assert!(proxy.requests().iter().all(|(_, body)| !body.contains(&secret)));

    let physical = created["PhysicalResourceId"].as_str().unwrap().to_owned();
    let deleted = s.request("Delete", Some(&physical), s.properties(&["us-east-1"]), None).await;
    assert_eq!(deleted["Status"], "SUCCESS", "{deleted}");
    assert!(s.iam.leftovers(&s.prefix()).await.is_empty());
}
