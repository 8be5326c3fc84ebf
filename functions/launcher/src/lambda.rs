//! The whole `main` of each Lambda function: init once, then serve its routes.

use crate::http::{router, Routes};

/// Initialises logging, configuration and SDK clients once, then hands the router to the Lambda
/// runtime. Configuration errors end the process at init, where Lambda reports them clearly.
pub async fn serve(routes: Routes) -> Result<(), lambda_http::Error> {
    crate::telemetry::init_json();
    let state = crate::AppState::from_env().await.map_err(|e| {
        tracing::error!(error = %e, "start-up failed");
        e
    })?;
    lambda_http::run(router(state, routes)).await
}
