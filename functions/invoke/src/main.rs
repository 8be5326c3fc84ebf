//! The `invoke` Lambda function. All logic lives in the `launcher` crate.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    launcher::lambda::serve(invoke::ROUTES).await
}
