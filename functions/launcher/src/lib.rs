//! Lambda Launcher core, shared by every function binary and the local server.
//!
//! Layers, outside in: `http` translates HTTP ⇄ domain; `service` runs the use cases over the
//! `ports` traits; `aws` implements those ports with the AWS SDK; `domain` and `identity` hold
//! plain types and rules with no I/O.

pub mod app;
pub mod aws;
pub mod cache;
pub mod config;
pub mod domain;
pub mod error;
pub mod http;
pub mod identity;
pub mod lambda;
pub mod ports;
pub mod random;
pub mod service;
pub mod telemetry;
pub mod tls;

pub use app::AppState;
pub use config::Config;
pub use error::{ErrorCode, LauncherError};
