//! Every request is answered on its ResponseURL, whatever goes wrong: malformed requests,
//! errors midway, panics, an unreachable response URL.

mod support;

use std::time::Duration;

use bootstrap::{Bootstrap, Envelope, Failure, Success};
use launcher_tests::{launcher_sdk, unique};
use serde_json::{json, Map, Value};
use support::*;
use tokio::time::Instant;

const ACCOUNT: &str = "123456789012";

async fn bootstrap() -> Bootstrap {
    Bootstrap::new(&launcher_sdk().await).with_limits(fast_limits())
}

#[tokio::test]
async fn malformed_requests_are_answered_failed() {
    let b = bootstrap().await;
    let sink = ResponseSink::start().await;
    let stack = stack_id(ACCOUNT);
    let props = json!({"Tenant": "t", "ConnectionId": "c", "Regions": ["us-east-1"]});

    let unknown = run(&b, &sink, event("Replace", &stack, &sink.url(), None, props.clone(), None)).await;
    assert_eq!(unknown["Status"], "FAILED");
    assert!(unknown["Reason"].as_str().unwrap().contains("unknown RequestType 'Replace'"));
    assert!(unknown["PhysicalResourceId"].as_str().unwrap().starts_with("lambda-launcher-link-not-created-"));

    let secretish = "llt.do-not-echo-me";
    let bad = json!({"LauncherUrl": "http://launcher.example.com", "LinkToken": secretish, "Regions": ["us-east-1"]});
    let invalid = run(&b, &sink, event("Create", &stack, &sink.url(), None, bad.clone(), None)).await;
    assert_eq!(invalid["Status"], "FAILED");
    let reason = invalid["Reason"].as_str().unwrap();
    assert!(reason.starts_with("invalid properties: LauncherUrl must use https://"), "{reason}");
    assert!(!reason.contains(secretish));

    // An Update with bad properties keeps its physical id (CloudFormation rolls back).
    let physical = "lambda-launcher-link/lambda-launcher-c-0123456789/00ff00ff00ff00ff/-";
    let update = run(&b, &sink, event("Update", &stack, &sink.url(), Some(physical), bad, None)).await;
    assert_eq!(update["Status"], "FAILED");
    assert_eq!(update["PhysicalResourceId"], physical);

    let no_properties = json!({"RequestType": "Create", "ResponseURL": sink.url(), "StackId": stack,
        "RequestId": "r", "LogicalResourceId": "L"});
    let answer = run(&b, &sink, no_properties).await;
    assert_eq!(answer["Status"], "FAILED");
    assert!(answer["Reason"].as_str().unwrap().contains("ResourceProperties must be an object"));

    // Nowhere to answer: nothing is sent, nothing panics.
    let before = sink.all().len();
    assert!(b.handle(json!({"RequestType": "Create"}), deadline()).await.is_none());
    assert_eq!(sink.all().len(), before);
}

#[tokio::test]
async fn a_delete_of_something_this_handler_never_made_succeeds() {
    let b = bootstrap().await;
    let sink = ResponseSink::start().await;
    for physical in ["lambda-launcher-link-not-created-abc", "some-other-provider-id"] {
        let answer =
            run(&b, &sink, event("Delete", &stack_id(ACCOUNT), &sink.url(), Some(physical), json!({}), None)).await;
        assert_eq!(answer["Status"], "SUCCESS", "{answer}");
        assert_eq!(answer["PhysicalResourceId"], physical);
    }
}

#[tokio::test]
async fn an_error_midway_is_answered_and_cleaned_up() {
    // In-process linking without the launcher's configuration (no LAUNCHER_TABLE here): the
    // policy and user are created, then linking fails; both are removed before answering.
    assert!(std::env::var("LAUNCHER_TABLE").is_err(), "this test needs LAUNCHER_TABLE unset");
    let b = bootstrap().await;
    let sink = ResponseSink::start().await;
    let connection = unique("nocfg");
    let props = json!({"Tenant": "t", "ConnectionId": connection, "Regions": ["us-east-1"]});
    let answer = run(&b, &sink, event("Create", &stack_id(ACCOUNT), &sink.url(), None, props, None)).await;
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    let reason = answer["Reason"].as_str().unwrap();
    assert!(reason.contains("needs the launcher's configuration"), "{reason}");
    assert!(reason.contains("LAUNCHER_TABLE"), "{reason}");
    assert!(reason.contains("Nothing this request created was left behind"), "{reason}");
    let iam = IamView::new(&launcher_sdk().await);
    assert!(iam.leftovers(&format!("lambda-launcher-{connection}-")).await.is_empty());
}

#[tokio::test]
async fn a_panic_is_answered_failed() {
    let b = bootstrap().await;
    let sink = ResponseSink::start().await;
    let url = sink.url();
    let envelope = Envelope::from_event(&json!({"RequestType": "Create", "ResponseURL": url,
        "StackId": stack_id(ACCOUNT), "RequestId": "r-1", "LogicalResourceId": "L"}))
    .unwrap();
    let request_id = envelope.request_id.clone();
    let answer = b
        .answer_with(&envelope, deadline(), |_, _| async move {
            if request_id == "r-1" {
                panic!("boom");
            }
            Ok::<Success, Failure>(Success { physical_id: String::new(), reason: String::new(), data: Map::new() })
        })
        .await;
    let received = sink.to(&url);
    assert_eq!(received.len(), 1);
    let body: Value = received[0].json();
    assert_eq!(body["Status"], "FAILED");
    assert!(body["Reason"].as_str().unwrap().contains("failed unexpectedly"), "{body}");
    assert_eq!(body, serde_json::to_value(answer).unwrap());
}

#[tokio::test]
async fn an_unreachable_response_url_does_not_hang_the_handler() {
    let b = bootstrap().await;
    let event = event(
        "Delete",
        &stack_id(ACCOUNT),
        "http://127.0.0.1:9/response?X-Amz-Signature=x",
        Some("not-ours"),
        json!({}),
        None,
    );
    let started = Instant::now();
    let answer = b.handle(event, Instant::now() + Duration::from_secs(20)).await.unwrap();
    assert_eq!(answer.status, bootstrap::Status::Success);
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
}
