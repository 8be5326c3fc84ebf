//! Logging set-up: JSON lines in Lambda (CloudWatch Logs Insights reads them), plain text locally.
//! The level comes from `RUST_LOG` (default `info`): a level, or `target=level` pairs separated by
//! commas (`warn,launcher=debug`). A `Targets` filter rather than `EnvFilter`, whose span and
//! regex directives would link a regex engine into every function binary.

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

fn filter() -> Targets {
    std::env::var("RUST_LOG")
        .ok()
        .and_then(|directives| directives.parse().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO))
}

pub fn init_json() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_current_span(false)
        .without_time() // CloudWatch stamps every line already
        .with_target(false)
        .with_max_level(LevelFilter::TRACE)
        .finish()
        .with(filter())
        .try_init();
}

/// Logs go to stderr so stdout stays for what a command prints (an address, a token); colours
/// only on a terminal, so a log file reads as plain text.
pub fn init_text() {
    use std::io::IsTerminal;
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .with_max_level(LevelFilter::TRACE)
        .finish()
        .with(filter())
        .try_init();
}
