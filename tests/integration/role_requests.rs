//! What the launcher sends to STS for role connections, checked at the request level (moto
//! enforces neither trust policies nor External IDs): every AssumeRole carries the connection's
//! External ID, a session name naming the tenant and the acting user as SourceIdentity; sessions
//! are cached per user; a revoked trust is a clear error, never a 500.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_sdk_lambda::operation::list_functions::ListFunctionsOutput;
use aws_sdk_lambda::types::FunctionConfiguration;
use aws_sdk_sts::operation::assume_role::AssumeRoleOutput;
use aws_sdk_sts::types::Credentials as StsCredentials;
use aws_smithy_mocks::{mock, Rule};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode as SmithyStatus;
use aws_smithy_types::body::SdkBody;
use http::{Method, StatusCode};
use launcher::AppState;
use launcher_tests::*;
use serde_json::json;

const CUSTOMER: &str = "111122223333";
const ROLE: &str = "arn:aws:iam::111122223333:role/lambda-launcher-access";

#[derive(Debug, Clone, PartialEq)]
struct Assumed {
    role_arn: String,
    external_id: String,
    session_name: String,
    source_identity: String,
}

fn session() -> AssumeRoleOutput {
    let expires = aws_smithy_types::DateTime::from(SystemTime::now() + Duration::from_secs(3600));
    AssumeRoleOutput::builder()
        .credentials(
            StsCredentials::builder()
                .access_key_id("ASIAMOCKEDSESSION123")
                .secret_access_key("mocked-session-secret-key-0123456789")
                .session_token("mocked-session-token")
                .expiration(expires)
                .build()
                .unwrap(),
        )
        .build()
}

fn access_denied() -> HttpResponse {
    HttpResponse::new(
        SmithyStatus::try_from(403).unwrap(),
        SdkBody::from(
            "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
             <Message>not authorized to perform sts:AssumeRole</Message></Error><RequestId>1</RequestId></ErrorResponse>",
        ),
    )
}

async fn launcher_with(rules: &[&Rule]) -> (TestLauncher, Arc<AppState>) {
    let real = TestLauncher::start().await;
    let state = real.with_accounts(mocked_accounts(rules).await);
    (real, state)
}

fn function(name: &str) -> FunctionConfiguration {
    FunctionConfiguration::builder()
        .function_name(name)
        .function_arn(format!("arn:aws:lambda:us-east-1:{CUSTOMER}:function:{name}"))
        .build()
}

async fn send(
    state: &Arc<AppState>,
    method: Method,
    path: &str,
    token: &str,
    body: Option<serde_json::Value>,
) -> Reply {
    let app = launcher::http::router(state.clone(), launcher::http::Routes::All);
    call(app, method, path, Some(token), body.map(|b| b.to_string().into_bytes()), &[]).await
}

#[tokio::test]
async fn every_assume_role_carries_the_external_id_and_the_acting_user() {
    let seen: Arc<Mutex<Vec<Assumed>>> = Arc::default();
    let record = seen.clone();
    let assume = mock!(aws_sdk_sts::Client::assume_role).then_compute_output(move |r| {
        record.lock().unwrap().push(Assumed {
            role_arn: r.role_arn().unwrap_or_default().into(),
            external_id: r.external_id().unwrap_or_default().into(),
            session_name: r.role_session_name().unwrap_or_default().into(),
            source_identity: r.source_identity().unwrap_or_default().into(),
        });
        session()
    });
    let identity = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder().account(CUSTOMER).build()
    });
    let list = mock!(aws_sdk_lambda::Client::list_functions)
        .then_output(|| ListFunctionsOutput::builder().functions(function("job")).build());
    let get = mock!(aws_sdk_lambda::Client::get_function).then_output(|| {
        aws_sdk_lambda::operation::get_function::GetFunctionOutput::builder().configuration(function("job")).build()
    });
    let invoke = mock!(aws_sdk_lambda::Client::invoke).then_output(|| {
        aws_sdk_lambda::operation::invoke::InvokeOutput::builder()
            .status_code(200)
            .payload(b"{}".as_slice().into())
            .build()
    });
    let (_real, state) = launcher_with(&[&assume, &identity, &list, &get, &invoke]).await;

    let admin = admin_token("acme");
    let setup = send(&state, Method::POST, "/connections/role-setup", &admin, Some(json!({"id": "prod"}))).await;
    assert_eq!(setup.status, StatusCode::CREATED, "{}", setup.text);
    let external_id = setup.json["external_id"].as_str().unwrap().to_owned();
    let link = json!({"kind": "role", "id": "prod", "role_arn": ROLE, "regions": [REGION]});
    let linked = send(&state, Method::POST, "/connections", &admin, Some(link)).await;
    assert_eq!(linked.status, StatusCode::CREATED, "{}", linked.text);

    // An operator whose subject STS would not accept as is: sanitized, and one session reused.
    let rules = json!({"grants": [{"groups": ["ops"], "actions": ["invoke"]}]});
    let app = launcher::http::router(state.clone(), launcher::http::Routes::All);
    let put =
        call(app, Method::PUT, "/rules", Some(&admin), Some(rules.to_string().into_bytes()), &[("if-match", "\"0\"")])
            .await;
    assert_eq!(put.status, StatusCode::OK);
    let ops = token("auth0|olivia", "acme", &["ops"]);
    for _ in 0..3 {
        let run = send(&state, Method::POST, "/functions/prod/us-east-1/job/invoke", &ops, Some(json!({}))).await;
        assert_eq!(run.status, StatusCode::OK, "{}", run.text);
    }
    assert_eq!(send(&state, Method::GET, "/functions", &ops, None).await.json["functions"][0]["name"], "job");
    send(&state, Method::POST, "/functions/prod/us-east-1/job/invoke", &admin, Some(json!({}))).await;

    let seen = seen.lock().unwrap().clone();
    let expected = |source_identity: &str| Assumed {
        role_arn: ROLE.into(),
        external_id: external_id.clone(),
        session_name: "launcher-acme".into(),
        source_identity: source_identity.into(),
    };
    assert_eq!(
        seen,
        [expected("admin@acme"), expected("auth0-olivia"), expected("admin@acme")],
        "link once, then one cached session per acting user"
    );
    assert_eq!(invoke.num_calls(), 4);
}

#[tokio::test]
async fn a_refused_assume_role_is_a_clear_error_at_link_and_at_use() {
    let assume = mock!(aws_sdk_sts::Client::assume_role)
        .sequence()
        .output(session) // the link succeeds...
        .http_response(access_denied) // ...then the customer revokes the trust
        .repeatedly()
        .build();
    let identity = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder().account(CUSTOMER).build()
    });
    let list = mock!(aws_sdk_lambda::Client::list_functions)
        .then_output(|| ListFunctionsOutput::builder().functions(function("job")).build());
    let (_real, state) = launcher_with(&[&assume, &identity, &list]).await;
    let admin = admin_token("acme");
    send(&state, Method::POST, "/connections/role-setup", &admin, Some(json!({"id": "prod"}))).await;
    send(&state, Method::POST, "/connections/role-setup", &admin, Some(json!({"id": "second"}))).await;
    let link = |id: &str| json!({"kind": "role", "id": id, "role_arn": ROLE, "regions": [REGION]});
    assert_eq!(
        send(&state, Method::POST, "/connections", &admin, Some(link("prod"))).await.status,
        StatusCode::CREATED
    );

    // Linking a role that refuses: 422 with what to check, and nothing stored.
    let refused = send(&state, Method::POST, "/connections", &admin, Some(link("second"))).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text);
    assert_eq!(refused.code(), "link_validation_failed");
    assert!(refused.json["detail"].as_str().unwrap().contains("External ID"), "{}", refused.text);
    assert_eq!(send(&state, Method::GET, "/connections/second", &admin, None).await.json["state"], "pending");

    // Using the revoked role (another user: no cached session): 502 role_assume_denied.
    let other_admin = token("second-admin", "acme", &[ADMIN_GROUP]);
    let used = send(&state, Method::GET, "/functions/prod/us-east-1/job", &other_admin, None).await;
    assert_eq!(used.status, StatusCode::BAD_GATEWAY, "{}", used.text);
    assert_eq!(used.code(), "role_assume_denied");
    assert!(used.is_problem());
    // In a listing it is reported for that connection, and the listing still answers.
    let listed = send(&state, Method::GET, "/functions", &other_admin, None).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json["errors"][0]["code"], "role_assume_denied");
}
