//! `launcher-local`: the development side of Lambda Launcher.
//!
//! - `serve`      the whole router on a TCP port, verifying bearer tokens in-process
//! - `provision`  create the launcher's table and KMS key in the (local) AWS account
//! - `mint-token` a development HS256 token for a chosen user (local use only)
//!
//! Configuration is the same `LAUNCHER_*` environment as the Lambda functions, plus
//! `LAUNCHER_BIND` for `serve`. Point the SDK at the local AWS with `AWS_ENDPOINT_URL`.

mod dev;
mod provision;
mod token;

use std::process::ExitCode;

use launcher::config::{AuthMode, JwtKeySource};
use launcher::http::{router, Routes};
use launcher::{AppState, Config};

const USAGE: &str =
    "usage: launcher-local serve | provision | mint-token --sub S --tenant T [--groups a,b] [--ttl SECONDS]";

#[tokio::main]
async fn main() -> ExitCode {
    launcher::telemetry::init_text();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") | None => serve().await,
        Some("provision") => provision::run().await,
        Some("mint-token") => token::run(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command '{other}'\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("launcher-local: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve() -> Result<(), String> {
    let mut config = Config::from_env().map_err(|e| e.to_string())?;
    if !matches!(config.auth, AuthMode::Jwt(_)) {
        return Err("the local server verifies tokens itself: set LAUNCHER_AUTH_MODE=jwt".into());
    }
    let dev_users = dev::users_from_env(&config)?;
    config.console.dev_sign_in = dev_users.is_some();
    let jwks = fetch_jwks_if_url(&config).await?;
    let sdk = launcher::aws::sdk::load_from_env().await;
    let dev_routes = dev_users.map(|users| dev::routes(config.clone(), users));
    let state = AppState::new(config, &sdk, jwks.as_deref()).map_err(|e| e.to_string())?;
    let bind = std::env::var("LAUNCHER_BIND").unwrap_or_else(|_| "127.0.0.1:8080".into());
    let listener = tokio::net::TcpListener::bind(&bind).await.map_err(|e| format!("bind {bind}: {e}"))?;
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    // The addresses the dev routes' Host check accepts (127.0.0.1, ::1, localhost), no others.
    let loopback = matches!(address.ip(), std::net::IpAddr::V4(ip) if ip == std::net::Ipv4Addr::LOCALHOST)
        || address.ip() == std::net::Ipv6Addr::LOCALHOST;
    if dev_routes.is_some() && !loopback {
        return Err(format!(
            "LAUNCHER_DEV_USERS: the development sign-in mints a token for anyone who reaches it, so it is only \
             offered on a loopback address, not {address}; bind to 127.0.0.1 (LAUNCHER_BIND) or unset LAUNCHER_DEV_USERS"
        ));
    }
    tracing::info!(%address, "launcher-local listening");
    println!("listening on http://{address}");
    let mut app = router(state, Routes::All);
    if let Some(dev_routes) = dev_routes {
        tracing::warn!("development sign-in is on (LAUNCHER_DEV_USERS): local use only");
        app = dev_routes.merge(app);
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}

/// A JWKS given as an http(s) URL is fetched once at start-up; a path is read by the launcher.
async fn fetch_jwks_if_url(config: &Config) -> Result<Option<String>, String> {
    let AuthMode::Jwt(jwt) = &config.auth else {
        return Ok(None);
    };
    let JwtKeySource::Jwks(location) = &jwt.key else {
        return Ok(None);
    };
    if !(location.starts_with("http://") || location.starts_with("https://")) {
        return Ok(None);
    }
    launcher::tls::install_crypto_provider();
    let response = reqwest::get(location).await.map_err(|e| format!("fetch JWKS {location}: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("fetch JWKS {location}: HTTP {}", response.status()));
    }
    response.text().await.map(Some).map_err(|e| format!("read JWKS {location}: {e}"))
}
