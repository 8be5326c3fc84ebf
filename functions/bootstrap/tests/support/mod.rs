//! Shared by the bootstrap tests: a loopback server standing in for CloudFormation's presigned
//! ResponseURL, custom-resource events, IAM inspection in moto, a customer account, and the
//! launcher's real router served over TCP (with fault injection) for the HTTPS mode.
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use axum::body::Body;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use axum::Router;
use bootstrap::{Bootstrap, Limits};
use http::{HeaderMap, Method, StatusCode};
use launcher_tests::{TestLauncher, REGION};
use serde_json::{json, Value};
use tokio::time::Instant;

pub const POLICY_FILE: &str = include_str!("../../../../policies/launcher-access-policy.json");

/// Quick retries and reserves for tests; the defaults suit Lambda.
pub fn fast_limits() -> Limits {
    Limits {
        answer_reserve: Duration::from_secs(2),
        cleanup_reserve: Duration::from_secs(10),
        link_retry_first: Duration::from_millis(50),
        link_attempts: 4,
        http_timeout: Duration::from_secs(20),
    }
}

pub fn deadline() -> Instant {
    Instant::now() + Duration::from_secs(120)
}

/// One request CloudFormation's presigned URL received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: Method,
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("the answer is JSON")
    }
}

/// Stands in for the presigned S3 URL: records every PUT.
#[derive(Clone)]
pub struct ResponseSink {
    pub base: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl ResponseSink {
    pub async fn start() -> Self {
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let store = received.clone();
        let app = Router::new().route(
            "/{*path}",
            put(move |request: Request| {
                let store = store.clone();
                async move {
                    let (parts, body) = request.into_parts();
                    let bytes = axum::body::to_bytes(body, 1 << 20).await.unwrap();
                    store.lock().unwrap().push(Received {
                        method: parts.method,
                        path_and_query: parts.uri.path_and_query().unwrap().to_string(),
                        headers: parts.headers,
                        body: String::from_utf8_lossy(&bytes).into_owned(),
                    });
                    StatusCode::OK
                }
            }),
        );
        Self { base: serve(app).await, received }
    }

    /// A fresh presigned-looking URL.
    pub fn url(&self) -> String {
        format!(
            "{}/cloudformation-custom-resource-response/{}?X-Amz-Signature=abc&X-Amz-Expires=7200",
            self.base,
            uuid::Uuid::new_v4()
        )
    }

    pub fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The answers that went to `url`.
    /// Fails if any of `secrets` is in `logs` or in any answer this sink received.
    pub fn assert_nothing_leaked(&self, logs: &str, secrets: &[&String]) {
        for secret in secrets {
            assert!(!logs.contains(secret.as_str()), "a secret or token in the log");
            for answer in self.all() {
                assert!(!answer.body.contains(secret.as_str()), "a secret or token in an answer");
            }
        }
    }

    pub fn to(&self, url: &str) -> Vec<Received> {
        let path = url.strip_prefix(&self.base).unwrap();
        self.all().into_iter().filter(|r| r.path_and_query == path).collect()
    }
}

/// Serves `app` on a free loopback port; returns its base URL.
pub async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{address}")
}

pub fn stack_id(account: &str) -> String {
    format!("arn:aws:cloudformation:{REGION}:{account}:stack/bootstrap-test/{}", uuid::Uuid::new_v4())
}

/// A custom-resource request as CloudFormation sends it.
pub fn event(
    request_type: &str,
    stack_id: &str,
    response_url: &str,
    physical_id: Option<&str>,
    properties: Value,
    old_properties: Option<Value>,
) -> Value {
    let mut event = json!({
        "RequestType": request_type,
        "ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:bootstrap",
        "ResponseURL": response_url,
        "StackId": stack_id,
        "RequestId": uuid::Uuid::new_v4().to_string(),
        "ResourceType": "Custom::LambdaLauncherLink",
        "LogicalResourceId": "LauncherLink",
        "ResourceProperties": properties,
    });
    if let Some(id) = physical_id {
        event["PhysicalResourceId"] = json!(id);
    }
    if let Some(old) = old_properties {
        event["OldResourceProperties"] = old;
    }
    event
}

/// Runs one request and checks the answer reached the response URL exactly once, as sent:
/// a JSON body with a Content-Length and no Content-Type (S3 presigned PUT).
pub async fn run(bootstrap: &Bootstrap, sink: &ResponseSink, event: Value) -> Value {
    let url = event["ResponseURL"].as_str().unwrap().to_owned();
    let returned = bootstrap.handle(event, deadline()).await.expect("answered");
    let received = sink.to(&url);
    assert_eq!(received.len(), 1, "exactly one answer per request");
    let answer = &received[0];
    assert_eq!(answer.method, Method::PUT);
    let content_type = answer.headers.get("content-type").map(|v| v.to_str().unwrap().to_owned());
    assert!(content_type.as_deref().unwrap_or("").is_empty(), "{content_type:?}");
    assert_eq!(answer.headers.get("content-length").unwrap().to_str().unwrap(), answer.body.len().to_string());
    let body = answer.json();
    assert_eq!(body, serde_json::to_value(&returned).unwrap());
    body
}

/// IAM as the test sees it.
pub struct IamView(pub aws_sdk_iam::Client);

impl IamView {
    pub fn new(sdk: &SdkConfig) -> Self {
        Self(aws_sdk_iam::Client::new(sdk))
    }

    pub async fn user_exists(&self, user: &str) -> bool {
        match self.0.get_user().user_name(user).send().await {
            Ok(out) => {
                assert_eq!(out.user().unwrap().path(), bootstrap::IAM_PATH);
                true
            }
            Err(e) if e.as_service_error().is_some_and(|e| e.is_no_such_entity_exception()) => false,
            Err(e) => panic!("GetUser: {e:?}"),
        }
    }

    pub async fn keys(&self, user: &str) -> Vec<String> {
        self.0
            .list_access_keys()
            .user_name(user)
            .send()
            .await
            .map(|out| out.access_key_metadata().iter().map(|k| k.access_key_id().unwrap().to_owned()).collect())
            .unwrap_or_default()
    }

    pub async fn attached(&self, user: &str) -> Vec<String> {
        self.0
            .list_attached_user_policies()
            .user_name(user)
            .send()
            .await
            .map(|out| out.attached_policies().iter().map(|p| p.policy_arn().unwrap().to_owned()).collect())
            .unwrap_or_default()
    }

    /// The policy's default document, or `None` if there is no such policy.
    pub async fn policy_document(&self, arn: &str) -> Option<Value> {
        let policy = self.0.get_policy().policy_arn(arn).send().await.ok()?;
        let version = policy.policy()?.default_version_id()?.to_owned();
        let out = self.0.get_policy_version().policy_arn(arn).version_id(version).send().await.unwrap();
        let raw = out.policy_version().unwrap().document().unwrap().to_owned();
        Some(
            serde_json::from_str(&raw)
                .unwrap_or_else(|_| serde_json::from_str(&percent_decode(&raw)).expect("policy JSON")),
        )
    }

    /// Users and policies under /lambda-launcher/ whose name starts with `prefix`.
    pub async fn leftovers(&self, prefix: &str) -> Vec<String> {
        let mut found = Vec::new();
        let users = self.0.list_users().path_prefix("/lambda-launcher/").send().await.unwrap();
        for user in users.users() {
            if user.user_name().starts_with(prefix) {
                found.push(format!("user {}", user.user_name()));
            }
        }
        let policies = self
            .0
            .list_policies()
            .scope(aws_sdk_iam::types::PolicyScopeType::Local)
            .path_prefix("/lambda-launcher/")
            .send()
            .await
            .unwrap();
        for policy in policies.policies() {
            if policy.policy_name().unwrap_or("").starts_with(prefix) {
                found.push(format!("policy {}", policy.policy_name().unwrap()));
            }
        }
        found
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

pub fn user_of(answer: &Value) -> String {
    answer["Data"]["UserName"].as_str().unwrap().to_owned()
}

pub fn policy_of(answer: &Value) -> String {
    answer["Data"]["PolicyArn"].as_str().unwrap().to_owned()
}

/// Admin credentials in a fresh customer account in moto (an assumed role there).
pub async fn customer_account() -> (String, SdkConfig) {
    launcher_tests::fresh_account().await
}

/// The launcher's real router on a loopback port, with faults a test may switch on.
pub struct LauncherServer {
    pub launcher: TestLauncher,
    pub url: String,
    faults: Arc<Faults>,
}

#[derive(Default)]
struct Faults {
    /// Answer this many `POST /link` with 422 link_validation_failed before passing them on.
    validation_failures: AtomicU32,
    /// Never answer `POST /link`.
    hang: AtomicBool,
    /// Every request to /link that arrived (method, path).
    seen: Mutex<Vec<(Method, String)>>,
}

async fn inject(
    axum::extract::State(faults): axum::extract::State<Arc<Faults>>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path() == "/link" {
        faults.seen.lock().unwrap().push((request.method().clone(), request.uri().path().to_owned()));
        if request.method() == Method::POST {
            if faults.hang.load(Ordering::SeqCst) {
                tokio::time::sleep(Duration::from_secs(600)).await;
            }
            let remaining = faults.validation_failures.load(Ordering::SeqCst);
            if remaining > 0 {
                faults.validation_failures.store(remaining - 1, Ordering::SeqCst);
                let problem = json!({
                    "type": "https://lambda-launcher.dev/problems/link_validation_failed",
                    "title": "The account could not be linked", "status": 422,
                    "code": "link_validation_failed",
                    "detail": "AWS STS rejected the access key (InvalidClientTokenId)",
                });
                return (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    [("content-type", "application/problem+json")],
                    Body::from(problem.to_string()),
                )
                    .into_response();
            }
        }
    }
    next.run(request).await
}

impl LauncherServer {
    pub async fn start() -> Self {
        let launcher = TestLauncher::start().await;
        let faults = Arc::new(Faults::default());
        let app = launcher.router().layer(middleware::from_fn_with_state(faults.clone(), inject));
        let url = serve(app).await;
        Self { launcher, url, faults }
    }

    /// A one-time link token for `connection_id`, issued by a tenant admin through the API.
    pub async fn issue_token(&self, tenant: &str, connection_id: &str) -> String {
        let reply = self
            .launcher
            .post_json(
                "/connections/link-tokens",
                &launcher_tests::admin_token(tenant),
                &json!({"connection_id": connection_id}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
        reply.json["token"].as_str().unwrap().to_owned()
    }

    pub async fn connections(&self, tenant: &str) -> Value {
        let reply = self.launcher.get("/connections", &launcher_tests::admin_token(tenant)).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        reply.json
    }

    pub fn fail_validations(&self, n: u32) {
        self.faults.validation_failures.store(n, Ordering::SeqCst);
    }

    pub fn hang(&self) {
        self.faults.hang.store(true, Ordering::SeqCst);
    }

    pub fn link_requests(&self) -> Vec<(Method, String)> {
        self.faults.seen.lock().unwrap().clone()
    }
}

/// The secret the launcher stored for a connection (decrypted as the launcher would), so tests
/// can look for it where it must not be.
pub async fn stored_secret(launcher: &TestLauncher, tenant: &str, connection_id: &str) -> String {
    use launcher::domain::connection::StoredCredentials;
    use launcher::ports::{ConnectionStore, SecretCipher};
    use secrecy::ExposeSecret;
    let store = launcher::aws::dynamo::DynamoStore::new(aws_sdk_dynamodb::Client::new(&launcher.sdk), &launcher.table);
    let connection = store.get(tenant, connection_id).await.unwrap().expect("connection stored");
    let StoredCredentials::AccessKey { secret_ciphertext, .. } = connection.credentials else {
        panic!("not an access-key connection")
    };
    let cipher = launcher::aws::kms::KmsCipher::new(aws_sdk_kms::Client::new(&launcher.sdk), &launcher.key_alias);
    let secret = cipher.decrypt(tenant, connection_id, &secret_ciphertext).await.unwrap();
    let secret = secret.expose_secret().to_owned();
    assert!(secret.len() >= 16);
    secret
}

/// A pass-through proxy in front of moto that records every request (method, URI, body), to
/// check what the bootstrap sends to AWS where moto does not keep it.
pub struct RecordingProxy {
    pub url: String,
    requests: Arc<Mutex<Vec<(String, String)>>>,
}

impl RecordingProxy {
    pub async fn start() -> Self {
        let requests: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
        let store = requests.clone();
        let target = launcher_tests::moto_endpoint();
        let client = launcher_tests::http_client();
        let app = Router::new().fallback(move |request: Request| {
            let (store, target, client) = (store.clone(), target.clone(), client.clone());
            async move {
                let (parts, body) = request.into_parts();
                let bytes = axum::body::to_bytes(body, 16 << 20).await.unwrap();
                let uri = parts.uri.path_and_query().unwrap().to_string();
                store.lock().unwrap().push((uri.clone(), String::from_utf8_lossy(&bytes).into_owned()));
                let mut forward = client.request(parts.method, format!("{target}{uri}"));
                for (name, value) in &parts.headers {
                    if name != "host" && name != "content-length" {
                        forward = forward.header(name, value);
                    }
                }
                let answer = forward.body(bytes).send().await.unwrap();
                let status = answer.status();
                let headers = answer.headers().clone();
                let body = answer.bytes().await.unwrap();
                let mut response = Response::new(Body::from(body));
                *response.status_mut() = status;
                for (name, value) in &headers {
                    if name != "content-length" && name != "transfer-encoding" {
                        response.headers_mut().insert(name, value.clone());
                    }
                }
                response
            }
        });
        Self { url: serve(app).await, requests }
    }

    /// An SDK configuration for the launcher's account that goes through the proxy.
    pub async fn sdk(&self) -> SdkConfig {
        launcher::aws::sdk::config_loader()
            .endpoint_url(&self.url)
            .region(aws_config::Region::new(REGION))
            .credentials_provider(Credentials::new("launcher-local", "launcher-local", None, None, "test"))
            .load()
            .await
    }

    /// (URI, body) of every request so far.
    pub fn requests(&self) -> Vec<(String, String)> {
        self.requests.lock().unwrap().clone()
    }
}
