//! HTTP ⇄ domain translation: the axum router every function binary and the local server serve.

mod auth;
mod body;
pub mod console;
mod handlers;
pub mod problem;
mod router;

pub use router::{router, Routes};
