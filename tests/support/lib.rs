//! Test support: the local AWS stand-in, sample customer accounts, and a launcher wired to both.
//!
//! Every test gets its own launcher table and KMS key and its own customer account (a fresh
//! 12-digit account id in moto), so tests run in parallel without seeing each other's data.

pub mod logs;

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_config::{Region, SdkConfig};
use aws_credential_types::Credentials;
use axum::body::Body;
use axum::Router;
use http::{Method, Request, StatusCode};
use http_body_util::BodyExt;
use jsonwebtoken::{encode, EncodingKey, Header};
use launcher::aws::calls::{Call, CallCounter};
use launcher::config::{AuthMode, ClaimNames, JwtKeySource, JwtSettings};
use launcher::http::{router, Routes};
use launcher::{AppState, Config};
use serde_json::{json, Value};
use tower::ServiceExt;

pub const ISSUER: &str = "https://idp.launcher.test";
pub const AUDIENCE: &str = "lambda-launcher";
pub const HS256_SECRET: &str = "test-only-hs256-secret-of-enough-length-0123456789";
pub const ADMIN_GROUP: &str = "launcher-admins";
pub const REGION: &str = "us-east-1";
pub const ECHO_ZIP: &[u8] = include_bytes!("../fixtures/echo-function.zip");

/// A plain reqwest client (reqwest is built without a TLS crypto provider: see `launcher::tls`).
pub fn http_client() -> reqwest::Client {
    launcher::tls::install_crypto_provider();
    reqwest::Client::new()
}

/// The moto server `scripts/with-moto.sh` started for this run.
pub fn moto_endpoint() -> String {
    std::env::var("LAUNCHER_MOTO_ENDPOINT").expect(
        "LAUNCHER_MOTO_ENDPOINT is not set: run the suite with `make test` (it starts the local AWS), \
         or `scripts/with-moto.sh cargo test`",
    )
}

pub async fn sdk_config(credentials: Credentials, region: &str) -> SdkConfig {
    launcher::aws::sdk::config_loader()
        .endpoint_url(moto_endpoint())
        .region(Region::new(region.to_owned()))
        .credentials_provider(credentials)
        .load()
        .await
}

/// The launcher's own account in moto (the default account).
pub async fn launcher_sdk() -> SdkConfig {
    sdk_config(Credentials::new("launcher-local", "launcher-local", None, None, "test"), REGION).await
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

/// A fresh customer account in moto (a new random 12-digit id) and admin credentials acting in
/// it: moto routes calls made with an assumed role's credentials to the role's account.
pub async fn fresh_account() -> (String, SdkConfig) {
    let digits: String = uuid::Uuid::new_v4().as_u128().to_string().chars().take(12).collect();
    let account_id = format!("{digits:0>12}");
    let assumed = aws_sdk_sts::Client::new(&launcher_sdk().await)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{account_id}:role/test-setup"))
        .role_session_name("test-setup")
        .send()
        .await
        .expect("assume a role into the customer account");
    let c = assumed.credentials().expect("credentials");
    let credentials =
        Credentials::new(c.access_key_id(), c.secret_access_key(), Some(c.session_token().to_owned()), None, "setup");
    (account_id, sdk_config(credentials, REGION).await)
}

/// A customer AWS account in moto with an IAM user whose access key the launcher links.
pub struct CustomerAccount {
    pub account_id: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    admin: SdkConfig,
    execution_role: String,
}

impl CustomerAccount {
    pub async fn create() -> Self {
        let (account_id, admin) = fresh_account().await;
        let iam = aws_sdk_iam::Client::new(&admin);
        iam.create_user().user_name("lambda-launcher").send().await.expect("create user");
        let key = iam.create_access_key().user_name("lambda-launcher").send().await.expect("create access key");
        let key = key.access_key().expect("access key");
        let role = iam
            .create_role()
            .role_name("function-exec")
            .assume_role_policy_document(
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
                    .to_string(),
            )
            .send()
            .await
            .expect("create execution role");
        Self {
            account_id,
            access_key_id: key.access_key_id().to_owned(),
            secret_access_key: key.secret_access_key().to_owned(),
            execution_role: role.role().expect("role").arn().to_owned(),
            admin,
        }
    }

    pub async fn create_function(&self, region: &str, name: &str, description: &str, tags: &[(&str, &str)]) {
        let mut config = aws_sdk_lambda::config::Builder::from(&self.admin);
        config.set_region(Some(Region::new(region.to_owned())));
        let lambda = aws_sdk_lambda::Client::from_conf(config.build());
        let mut request = lambda
            .create_function()
            .function_name(name)
            .description(description)
            .runtime(aws_sdk_lambda::types::Runtime::Python312)
            .role(&self.execution_role)
            .handler("index.handler")
            .code(aws_sdk_lambda::types::FunctionCode::builder().zip_file(ECHO_ZIP.into()).build());
        for (k, v) in tags {
            request = request.tags(*k, *v);
        }
        request.send().await.unwrap_or_else(|e| panic!("create function {name}: {e:?}"));
    }

    /// Creates the role `infra/cross-account-role.yaml` would create (moto does not enforce its
    /// trust policy; request-level tests check what the launcher sends instead).
    pub async fn create_launcher_role(&self, external_id: &str) -> String {
        let trust = json!({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": ["sts:AssumeRole", "sts:SetSourceIdentity"],
            "Condition": {"StringEquals": {"sts:ExternalId": external_id}}
        }]});
        let role = aws_sdk_iam::Client::new(&self.admin)
            .create_role()
            .role_name("lambda-launcher-access")
            .assume_role_policy_document(trust.to_string())
            .send()
            .await
            .expect("create launcher role");
        role.role().expect("role").arn().to_owned()
    }

    /// The link request body for this account.
    pub fn link_body(&self, id: &str, regions: &[&str]) -> Value {
        json!({
            "id": id,
            "name": format!("account {}", self.account_id),
            "access_key_id": self.access_key_id,
            "secret_access_key": self.secret_access_key,
            "regions": regions,
        })
    }

    /// Queues results that moto's Docker-free Lambda returns, in order, for the next invokes.
    pub async fn queue_lambda_results(&self, region: &str, results: &[&str]) {
        let response = http_client()
            .post(format!("{}/moto-api/static/lambda-simple/response", moto_endpoint()))
            .header("content-type", "application/json")
            .body(json!({"results": results, "region": region, "account_id": self.account_id}).to_string())
            .send()
            .await
            .expect("queue lambda results");
        assert_eq!(response.status().as_u16(), 201);
    }
}

/// A launcher with its own table and key, verifying HS256 tokens like the local server.
pub struct TestLauncher {
    pub state: Arc<AppState>,
    pub table: String,
    pub key_alias: String,
    pub sdk: SdkConfig,
    /// Every AWS call this launcher makes (its own DynamoDB/KMS/STS and the linked accounts').
    pub calls: CallCounter,
}

/// The expected AWS calls, as `CallCounter::take` reports them: (service, operation, count).
pub fn calls(expected: &[(&str, &str, usize)]) -> BTreeMap<Call, usize> {
    expected.iter().map(|(service, operation, n)| (((*service).to_owned(), (*operation).to_owned()), *n)).collect()
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.json["code"].as_str().unwrap_or("")
    }

    pub fn is_problem(&self) -> bool {
        self.headers.get("content-type").and_then(|v| v.to_str().ok()) == Some("application/problem+json")
            && self.json["status"].as_u64() == Some(u64::from(self.status.as_u16()))
            && self.json["type"].as_str().is_some_and(|t| t.ends_with(self.code()))
            && self.json["title"].is_string()
            && self.json["detail"].is_string()
    }
}

pub fn test_config(table: &str, key_alias: &str, auth: AuthMode) -> Config {
    Config {
        table: table.to_owned(),
        kms_key_id: key_alias.to_owned(),
        claims: ClaimNames { tenant: "org_id".into(), groups: "groups".into() },
        admin_group: ADMIN_GROUP.into(),
        auth,
        // Unset: the launcher asks STS, as it does when deployed without the variable.
        account_id: None,
        audit_retention_days: launcher::config::DEFAULT_AUDIT_RETENTION_DAYS,
        console: Default::default(),
    }
}

pub fn hs256_auth() -> AuthMode {
    AuthMode::Jwt(JwtSettings {
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        key: JwtKeySource::Hs256(HS256_SECRET.to_owned().into()),
    })
}

/// Provisions a fresh table and KMS key exactly as `launcher-local provision` does.
pub async fn provision(sdk: &SdkConfig) -> (String, String) {
    let table = unique("launcher");
    let key_alias = format!("alias/{}", unique("launcher"));
    launcher::aws::table::ensure_table(&aws_sdk_dynamodb::Client::new(sdk), &table).await.expect("table");
    let kms = aws_sdk_kms::Client::new(sdk);
    let key = kms.create_key().send().await.expect("create key");
    kms.create_alias()
        .alias_name(&key_alias)
        .target_key_id(key.key_metadata().unwrap().key_id())
        .send()
        .await
        .expect("alias");
    (table, key_alias)
}

impl TestLauncher {
    pub async fn start() -> Self {
        Self::start_with(hs256_auth()).await
    }

    pub async fn start_with(auth: AuthMode) -> Self {
        let sdk = launcher_sdk().await;
        let (table, key_alias) = provision(&sdk).await;
        let calls = CallCounter::default();
        let state =
            AppState::with_interceptors(test_config(&table, &key_alias, auth), &sdk, None, &[calls.interceptor()])
                .expect("state");
        Self { state, table, key_alias, sdk, calls }
    }

    /// The same launcher (store, key, tokens) reaching AWS Lambda and STS through `accounts`,
    /// e.g. an adapter whose SDK calls aws-smithy-mocks answers.
    pub fn with_accounts(&self, accounts: launcher::aws::lambda::AwsLambdaAccounts) -> Arc<AppState> {
        self.serving(self.state.launcher.with_accounts(Arc::new(accounts)))
    }

    /// App state that serves `launcher` (a variant of this one) with this launcher's configuration.
    pub fn serving(&self, launcher: launcher::service::Launcher) -> Arc<AppState> {
        Arc::new(AppState {
            config: test_config(&self.table, &self.key_alias, hs256_auth()),
            authenticator: launcher::app::Authenticator::Jwt(Box::new(
                launcher::identity::jwt::JwtVerifier::hs256(&HS256_SECRET.to_owned().into(), ISSUER, AUDIENCE).unwrap(),
            )),
            launcher,
        })
    }

    pub fn router(&self) -> Router {
        router(self.state.clone(), Routes::All)
    }

    pub async fn call(&self, method: Method, path: &str, token: Option<&str>, body: Option<Vec<u8>>) -> Reply {
        call(self.router(), method, path, token, body, &[]).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.call(Method::GET, path, Some(token), None).await
    }

    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> Reply {
        self.call(Method::POST, path, Some(token), Some(body.to_string().into_bytes())).await
    }

    /// Links `account` as connection `id` in `tenant` with an admin token; asserts success.
    pub async fn link(&self, tenant: &str, id: &str, account: &CustomerAccount, regions: &[&str]) -> Value {
        let reply = self.post_json("/connections", &admin_token(tenant), &account.link_body(id, regions)).await;
        assert_eq!(reply.status, StatusCode::CREATED, "link failed: {}", reply.text);
        reply.json
    }

    /// Replaces a tenant's rules (reading the current version first).
    pub async fn set_rules(&self, tenant: &str, rules: Value) -> Reply {
        let admin = admin_token(tenant);
        let current = self.get("/rules", &admin).await;
        let etag = current.headers.get("etag").unwrap().to_str().unwrap().to_owned();
        let body = Some(rules.to_string().into_bytes());
        call(self.router(), Method::PUT, "/rules", Some(&admin), body, &[("if-match", &etag)]).await
    }
}

pub async fn call(
    router: Router,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Vec<u8>>,
    headers: &[(&str, &str)],
) -> Reply {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(body.map(Body::from).unwrap_or_else(Body::empty)).unwrap();
    reply(router.oneshot(request).await.unwrap()).await
}

pub async fn reply(response: http::Response<Body>) -> Reply {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply { status, headers, text, json }
}

pub fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}

/// Signs arbitrary claims with the test HS256 secret.
pub fn sign(claims: &Value) -> String {
    encode(&Header::default(), claims, &EncodingKey::from_secret(HS256_SECRET.as_bytes()).unwrap()).unwrap()
}

pub fn token(subject: &str, tenant: &str, groups: &[&str]) -> String {
    sign(&json!({
        "sub": subject, "iss": ISSUER, "aud": AUDIENCE, "exp": now() + 600, "iat": now(),
        "org_id": tenant, "groups": groups,
    }))
}

pub fn admin_token(tenant: &str) -> String {
    token(&format!("admin@{tenant}"), tenant, &[ADMIN_GROUP])
}

/// An adapter for the linked accounts whose every AWS call is answered by `rules`
/// (aws-smithy-mocks; nothing leaves the process). Reads retry fast.
pub async fn mocked_accounts(rules: &[&aws_smithy_mocks::Rule]) -> launcher::aws::lambda::AwsLambdaAccounts {
    let sdk = launcher::aws::sdk::config_loader()
        .region(Region::new(REGION))
        .credentials_provider(Credentials::for_tests())
        .http_client(aws_smithy_mocks::create_mock_http_client())
        .retry_config(
            aws_config::retry::RetryConfig::standard().with_initial_backoff(std::time::Duration::from_millis(1)),
        )
        .load()
        .await;
    let mut interceptor =
        aws_smithy_mocks::MockResponseInterceptor::new().rule_mode(aws_smithy_mocks::RuleMode::MatchAny);
    for rule in rules {
        interceptor = interceptor.with_rule(rule);
    }
    launcher::aws::lambda::AwsLambdaAccounts::new(sdk)
        .with_interceptor(aws_smithy_runtime_api::client::interceptors::SharedInterceptor::new(interceptor))
}
