//! Request-level tests with aws-smithy-mocks: what AWS answers that the local stand-in cannot
//! produce (pagination, throttling, 5xx, denied or invalid keys, function errors, log tails),
//! through the real SDK deserializers and the launcher's own adapter.

use std::sync::Arc;
use std::time::Duration;

use aws_config::Region;
use aws_credential_types::Credentials;
use aws_sdk_lambda::operation::list_functions::ListFunctionsOutput;
use aws_sdk_lambda::types::FunctionConfiguration;
use aws_smithy_mocks::{mock, Rule};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode as SmithyStatus;
use aws_smithy_types::body::SdkBody;
use http::{Method, StatusCode};
use launcher::aws::lambda::AwsLambdaAccounts;
use launcher::domain::connection::LiveCredentials;
use launcher::domain::function::InvokeMode;
use launcher::ports::LambdaAccounts;
use launcher::AppState;
use launcher_tests::*;
use serde_json::json;

async fn accounts_with(rules: &[&Rule]) -> AwsLambdaAccounts {
    mocked_accounts(rules).await
}

fn creds() -> LiveCredentials {
    LiveCredentials::access_key("AKIAEXAMPLEEXAMPLE12", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned().into())
}

fn lambda_error(status: u16, error_type: &str) -> HttpResponse {
    let mut response = HttpResponse::new(
        SmithyStatus::try_from(status).unwrap(),
        SdkBody::from(json!({"Type": "User", "message": format!("mocked {error_type}")}).to_string()),
    );
    response.headers_mut().insert("x-amzn-errortype", error_type.to_owned());
    response.headers_mut().insert("content-type", "application/json");
    response
}

fn function(name: &str) -> FunctionConfiguration {
    FunctionConfiguration::builder()
        .function_name(name)
        .function_arn(format!("arn:aws:lambda:us-east-1:111122223333:function:{name}"))
        .build()
}

#[tokio::test]
async fn listing_follows_every_page() {
    let pages = mock!(aws_sdk_lambda::Client::list_functions).then_compute_output(|request| {
        let (names, next): (&[&str], Option<&str>) = match request.marker() {
            None => (&["a", "b"], Some("page-2")),
            Some("page-2") => (&["c", "d"], Some("page-3")),
            Some(_) => (&["e"], None),
        };
        ListFunctionsOutput::builder()
            .set_functions(Some(names.iter().map(|n| function(n)).collect()))
            .set_next_marker(next.map(str::to_owned))
            .build()
    });
    let accounts = accounts_with(&[&pages]).await;
    let listed = accounts.list_functions(&creds(), REGION).await.unwrap();
    let names: Vec<&str> = listed.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c", "d", "e"]);
    assert_eq!(pages.num_calls(), 3);
}

#[tokio::test]
async fn control_plane_reads_retry_transient_failures() {
    let flaky = mock!(aws_sdk_lambda::Client::list_functions)
        .sequence()
        .http_response(|| lambda_error(503, "ServiceException"))
        .http_response(|| lambda_error(429, "TooManyRequestsException"))
        .output(|| ListFunctionsOutput::builder().functions(function("ok")).build())
        .build();
    let accounts = accounts_with(&[&flaky]).await;
    let listed = accounts.list_functions(&creds(), REGION).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(flaky.num_calls(), 3);
}

#[tokio::test]
async fn a_sync_invoke_is_never_retried() {
    for (status, error_type, code) in [
        // 5xx: Lambda may have run it. Said so, never retried.
        (500, "ServiceException", "invoke_outcome_unknown"),
        (502, "EC2UnexpectedException", "invoke_outcome_unknown"),
        (409, "ResourceConflictException", "function_not_ready"),
        (429, "TooManyRequestsException", "throttled"),
        (403, "AccessDeniedException", "connection_access_denied"),
        (403, "UnrecognizedClientException", "connection_credentials_invalid"),
        (404, "ResourceNotFoundException", "function_not_found"),
        (413, "RequestTooLargeException", "payload_too_large"),
    ] {
        let invoke = mock!(aws_sdk_lambda::Client::invoke)
            .sequence()
            .http_response(move || lambda_error(status, error_type))
            .repeatedly()
            .build();
        let accounts = accounts_with(&[&invoke]).await;
        for mode in [InvokeMode::Sync, InvokeMode::Async] {
            let before = invoke.num_calls();
            let err = accounts.invoke(&creds(), REGION, "f", None, mode, b"{}".to_vec()).await.unwrap_err();
            assert_eq!(err.code().as_str(), code, "{error_type}");
            assert_eq!(invoke.num_calls() - before, 1, "{error_type} in {mode:?} was retried");
            assert!(!err.to_string().contains("mocked"), "AWS messages are not passed on: {err}");
        }
    }
}

#[tokio::test]
async fn function_errors_and_log_tails_are_decoded() {
    use base64::Engine;
    let log = "START RequestId: 42 Version: $LATEST\nTraceback: boom\nEND RequestId: 42\n";
    let encoded = base64::engine::general_purpose::STANDARD.encode(log);
    let invoke = mock!(aws_sdk_lambda::Client::invoke)
        .match_requests(|r| r.log_type() == Some(&aws_sdk_lambda::types::LogType::Tail))
        .then_http_response(move || {
            let mut response = HttpResponse::new(
                SmithyStatus::try_from(200).unwrap(),
                SdkBody::from(r#"{"errorMessage":"boom","errorType":"ValueError"}"#),
            );
            response.headers_mut().insert("x-amz-function-error", "Unhandled");
            response.headers_mut().insert("x-amz-log-result", encoded.clone());
            response.headers_mut().insert("x-amz-executed-version", "7");
            response.headers_mut().insert("x-amzn-requestid", "req-42");
            response
        });
    let accounts = accounts_with(&[&invoke]).await;
    let outcome = accounts.invoke(&creds(), REGION, "f", Some("7"), InvokeMode::Sync, b"{}".to_vec()).await.unwrap();
    assert_eq!(outcome.status_code, 200);
    assert_eq!(outcome.function_error.as_deref(), Some("Unhandled"));
    assert_eq!(outcome.executed_version.as_deref(), Some("7"));
    assert_eq!(outcome.log_tail.as_deref(), Some(log));
    assert_eq!(outcome.request_id.as_deref(), Some("req-42"));
    assert_eq!(outcome.payload, br#"{"errorMessage":"boom","errorType":"ValueError"}"#);
}

#[tokio::test]
async fn link_refuses_keys_aws_rejects() {
    let invalid = mock!(aws_sdk_sts::Client::get_caller_identity).then_http_response(|| {
        HttpResponse::new(
            SmithyStatus::try_from(403).unwrap(),
            SdkBody::from(
                "<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>\
                 <Message>The security token included in the request is invalid.</Message></Error>\
                 <RequestId>1</RequestId></ErrorResponse>",
            ),
        )
    });
    let accounts = accounts_with(&[&invalid]).await;
    let err = accounts.account_id(&creds()).await.unwrap_err();
    assert_eq!(err.code().as_str(), "link_validation_failed");

    let denied =
        mock!(aws_sdk_lambda::Client::list_functions).then_http_response(|| lambda_error(403, "AccessDeniedException"));
    let accounts = accounts_with(&[&denied]).await;
    let err = accounts.probe_region(&creds(), "eu-west-1").await.unwrap_err();
    assert_eq!(err.code().as_str(), "link_validation_failed");
    assert!(err.to_string().contains("eu-west-1"), "{err}");
}

/// The HTTP answers for those failures, through the real router and store (moto) with the
/// Lambda side mocked.
#[tokio::test]
async fn http_answers_for_lambda_failures() {
    let identity = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder().account("111122223333").build()
    });
    let probe = mock!(aws_sdk_lambda::Client::list_functions).then_output(|| {
        ListFunctionsOutput::builder().functions(function("crashy")).functions(function("busy")).build()
    });
    let get = mock!(aws_sdk_lambda::Client::get_function).then_compute_output(|r| {
        aws_sdk_lambda::operation::get_function::GetFunctionOutput::builder()
            .configuration(function(r.function_name().unwrap()))
            .build()
    });
    let crash = mock!(aws_sdk_lambda::Client::invoke)
        .match_requests(|r| r.function_name() == Some("crashy"))
        .then_http_response(|| {
            let mut response =
                HttpResponse::new(SmithyStatus::try_from(200).unwrap(), SdkBody::from(r#"{"errorMessage":"boom"}"#));
            response.headers_mut().insert("x-amz-function-error", "Unhandled");
            response
        });
    let throttle = mock!(aws_sdk_lambda::Client::invoke)
        .match_requests(|r| r.function_name() == Some("busy"))
        .then_http_response(|| lambda_error(429, "TooManyRequestsException"));
    let accounts = accounts_with(&[&identity, &probe, &get, &crash, &throttle]).await;

    let real = TestLauncher::start().await;
    let state = Arc::new(AppState {
        config: test_config(&real.table, &real.key_alias, hs256_auth()),
        authenticator: launcher::app::Authenticator::Jwt(Box::new(
            launcher::identity::jwt::JwtVerifier::hs256(&HS256_SECRET.to_owned().into(), ISSUER, AUDIENCE).unwrap(),
        )),
        launcher: real.state.launcher.with_accounts(Arc::new(accounts)),
    });
    let app = launcher::http::router(state, launcher::http::Routes::All);
    let admin = admin_token("acme");
    let body = json!({"id": "prod", "access_key_id": "AKIAEXAMPLEEXAMPLE12", "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "regions": [REGION]});
    let linked =
        call(app.clone(), Method::POST, "/connections", Some(&admin), Some(body.to_string().into_bytes()), &[]).await;
    assert_eq!(linked.status, StatusCode::CREATED, "{}", linked.text);
    assert_eq!(linked.json["account_id"], "111122223333");

    let crashed =
        call(app.clone(), Method::POST, "/functions/prod/us-east-1/crashy/invoke", Some(&admin), None, &[]).await;
    assert_eq!(crashed.status, StatusCode::BAD_GATEWAY, "{}", crashed.text);
    assert_eq!(crashed.code(), "function_error");
    assert!(crashed.is_problem());
    assert_eq!(crashed.json["result"]["function_error"], "Unhandled");
    assert_eq!(crashed.json["result"]["payload"], json!({"errorMessage": "boom"}));

    let throttled =
        call(app.clone(), Method::POST, "/functions/prod/us-east-1/busy/invoke", Some(&admin), None, &[]).await;
    assert_eq!(throttled.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(throttled.code(), "throttled");
    assert_eq!(throttled.headers["retry-after"], "1");
    assert_eq!(throttle.num_calls(), 1);
}

/// The real duplicate-run risk: the request reached Lambda and the answer never came back.
/// The invoke gives up at its deadline, says the outcome is unknown, and sends nothing again.
#[tokio::test]
async fn an_invoke_that_times_out_is_reported_unknown_and_not_resent() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            held.push(socket); // read nothing, answer nothing
        }
    });
    let sdk = launcher::aws::sdk::config_loader()
        .region(Region::new(REGION))
        .credentials_provider(Credentials::for_tests())
        .endpoint_url(endpoint)
        .load()
        .await;
    let accounts = AwsLambdaAccounts::new(sdk).with_invoke_deadline(Duration::from_millis(300));
    let err = accounts.invoke(&creds(), REGION, "f", None, InvokeMode::Sync, b"{}".to_vec()).await.unwrap_err();
    assert_eq!(err.code().as_str(), "invoke_outcome_unknown", "{err}");
    assert!(err.to_string().contains("may have run"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "the invoke was sent exactly once");
}
