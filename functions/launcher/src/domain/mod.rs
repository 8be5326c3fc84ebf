//! Plain domain types and decisions: no I/O, no AWS or HTTP types.

pub mod audit;
pub mod connection;
pub mod function;
pub mod idempotency;
pub mod link_token;
pub mod names;
pub mod preset;
pub mod rules;
pub mod schema;
