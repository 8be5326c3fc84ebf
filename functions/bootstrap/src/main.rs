//! The `bootstrap` Lambda function: a CloudFormation custom resource (`Custom::LambdaLauncherLink`).
//! All logic lives in the library (`bootstrap::Bootstrap`); this binds it to the Lambda runtime.
// The runtime's service future wraps the handler's whole state machine (IAM, launcher, HTTP).
#![recursion_limit = "256"]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;
use tokio::time::Instant;

#[tokio::main]
async fn main() -> Result<(), Error> {
    launcher::telemetry::init_json();
    let sdk = launcher::aws::sdk::load_from_env().await;
    // `bootstrap --local-event FILE`: handle one custom-resource event outside Lambda (the demo
    // and local trials); the answer still goes to the event's ResponseURL.
    let args: Vec<String> = std::env::args().skip(1).collect();
    let local_event = match args.as_slice() {
        [flag, path] if flag == "--local-event" => Some(std::fs::read_to_string(path)?),
        [] => None,
        _ => return Err("usage: bootstrap [--local-event FILE]".into()),
    };
    let boundary = std::env::var(bootstrap::BOUNDARY_ENV).ok().filter(|arn| !arn.trim().is_empty());
    let bootstrap = bootstrap::Bootstrap::new(&sdk).with_permissions_boundary(boundary);
    let bootstrap = &bootstrap;
    if let Some(event) = local_event {
        bootstrap.handle(serde_json::from_str(&event)?, Instant::now() + Duration::from_secs(300)).await;
        return Ok(());
    }
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let deadline = deadline(event.context.deadline);
        bootstrap.handle(event.payload, deadline).await;
        // Always a success for Lambda: the answer went to CloudFormation, and a Lambda retry of
        // an answered request would only repeat it.
        Ok::<Value, Error>(Value::Null)
    }))
    .await
}

/// The invocation's deadline (milliseconds since the epoch) as an `Instant`.
fn deadline(deadline_ms: u64) -> Instant {
    let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    let remaining = if deadline_ms > now_ms {
        Duration::from_millis(deadline_ms - now_ms)
    } else {
        // No deadline given (local runs): the Lambda maximum.
        Duration::from_secs(900)
    };
    Instant::now() + remaining
}
