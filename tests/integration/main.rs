//! Integration tests: the real router against the local AWS stand-in (moto), handler fixtures
//! through the Lambda entry, SDK-level fault tests and template checks. Run with `make test`.

mod access;
mod audit;
mod auth;
mod calls;
mod console;
mod flow;
mod handlers;
mod idempotency;
mod isolation;
mod link_tokens;
mod over_http;
mod presets;
mod role_requests;
mod roles;
mod schemas;
mod sdk_faults;
mod secrets;
mod tags;
mod templates;
mod tenants;
mod tls;
mod validation;
