//! Logging set-up: JSON lines in Lambda (CloudWatch Logs Insights reads them), plain text locally.
//! The level comes from `RUST_LOG` (default `info`).

use tracing_subscriber::EnvFilter;

fn filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"))
}

pub fn init_json() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter())
        .with_current_span(false)
        .without_time() // CloudWatch stamps every line already
        .with_target(false)
        .try_init();
}

/// Logs go to stderr so stdout stays for what a command prints (an address, a token).
pub fn init_text() {
    let _ =
        tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter()).with_target(false).try_init();
}
