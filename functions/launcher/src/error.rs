//! The one error type of the launcher crate. Every variant has a stable machine-readable code
//! and an HTTP status; `http::problem` turns it into RFC 9457 problem+json.
//!
//! Messages never carry secrets: variants hold only identifiers chosen by the caller or AWS
//! error codes, never credentials or payloads.

use std::fmt;

macro_rules! error_codes {
    ($($variant:ident => ($code:literal, $status:literal, $title:literal),)*) => {
        /// Stable codes clients may switch on. Renaming one is a breaking API change.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorCode { $($variant,)* }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $code,)* }
            }

            pub fn status(self) -> u16 {
                match self { $(Self::$variant => $status,)* }
            }

            pub fn title(self) -> &'static str {
                match self { $(Self::$variant => $title,)* }
            }
        }
    };
}

error_codes! {
    Unauthenticated => ("unauthenticated", 401, "Authentication required"),
    LinkTokenInvalid => ("link_token_invalid", 401, "The link token is not valid"),
    Forbidden => ("forbidden", 403, "Not allowed"),
    InvokeForbidden => ("invoke_forbidden", 403, "Invocation not allowed"),
    InvalidRequest => ("invalid_request", 400, "Invalid request"),
    InvalidPayload => ("invalid_payload", 400, "Invalid payload"),
    PayloadTooLarge => ("payload_too_large", 413, "Payload too large"),
    FunctionNotFound => ("function_not_found", 404, "Function not found"),
    ConnectionNotFound => ("connection_not_found", 404, "Connection not found"),
    PresetNotFound => ("preset_not_found", 404, "Preset not found"),
    SchemaNotFound => ("schema_not_found", 404, "Schema not found"),
    RouteNotFound => ("route_not_found", 404, "No such route"),
    MethodNotAllowed => ("method_not_allowed", 405, "Method not allowed"),
    ConnectionExists => ("connection_exists", 409, "Connection already exists"),
    VersionConflict => ("version_conflict", 409, "Version conflict"),
    FunctionNotReady => ("function_not_ready", 409, "The function is being updated"),
    IdempotencyInFlight => ("idempotency_in_flight", 409, "A request with this Idempotency-Key is running"),
    IdempotencyKeyReused => ("idempotency_key_reused", 422, "The Idempotency-Key was used for another request"),
    LinkValidationFailed => ("link_validation_failed", 422, "The account could not be linked"),
    PayloadSchemaViolation => ("payload_schema_violation", 422, "The payload does not match the function's input schema"),
    InputSchemaInvalid => ("input_schema_invalid", 422, "The function's input schema is not usable"),
    PresetLimitReached => ("preset_limit_reached", 409, "Too many presets"),
    SchemaLimitReached => ("schema_limit_reached", 409, "Too many schemas"),
    PreconditionRequired => ("precondition_required", 428, "Precondition required"),
    Throttled => ("throttled", 429, "Throttled"),
    FunctionError => ("function_error", 502, "The function returned an error"),
    ResponseTooLarge => ("response_too_large", 502, "The function's response is too large"),
    InvokeOutcomeUnknown => ("invoke_outcome_unknown", 502, "The invocation may or may not have run"),
    ConnectionAccessDenied => ("connection_access_denied", 502, "The linked credentials were denied"),
    ConnectionCredentialsInvalid => ("connection_credentials_invalid", 502, "The linked credentials are invalid"),
    RoleAssumeDenied => ("role_assume_denied", 502, "The linked role could not be assumed"),
    LambdaRejected => ("lambda_rejected", 502, "AWS Lambda rejected the request"),
    LambdaUnavailable => ("lambda_unavailable", 502, "AWS Lambda is unavailable"),
    StoreUnavailable => ("store_unavailable", 503, "Storage is unavailable"),
    AuditUnavailable => ("audit_unavailable", 503, "The audit trail is unavailable"),
    SecretUnavailable => ("secret_unavailable", 503, "Secret could not be decrypted"),
    Internal => ("internal", 500, "Internal error"),
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum LauncherError {
    #[error("{0}")]
    Unauthenticated(String),
    /// One answer for unknown, expired, used and foreign tokens alike.
    #[error("the link token is unknown, expired or already used; ask a tenant admin for a new one")]
    LinkTokenInvalid,
    #[error("{0}")]
    Forbidden(String),
    #[error("you may see this function but not run it in {mode} mode")]
    InvokeForbidden { mode: &'static str },
    #[error("{0}")]
    InvalidRequest(String),
    #[error("{0}")]
    InvalidPayload(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Deliberately carries nothing: a hidden function and a missing one must look the same.
    #[error("no such function, or you may not see it")]
    FunctionNotFound,
    #[error("no such connection")]
    ConnectionNotFound,
    #[error("no such preset for this function")]
    PresetNotFound,
    #[error("no stored schema of that name in this tenant")]
    SchemaNotFound,
    /// `pointer` is an RFC 6901 pointer into the payload; both come from the launcher, never
    /// from payload values.
    #[error("the payload does not match the function's input schema: {pointer} {message}")]
    PayloadSchemaViolation { pointer: String, message: String },
    #[error("the function's input schema (its launcher:input-schema or launcher:input-schema-ref tag) is not usable ({0}); its owner must fix it")]
    InputSchemaInvalid(String),
    #[error("this function already has {0} presets, the most it may have; delete one first")]
    PresetLimitReached(usize),
    #[error("this tenant already has {0} stored schemas, the most it may have; delete one first")]
    SchemaLimitReached(usize),
    #[error("no route matches this path")]
    RouteNotFound,
    #[error("this path does not accept that method")]
    MethodNotAllowed,
    #[error("a connection with id '{0}' already exists")]
    ConnectionExists(String),
    #[error("{0}")]
    VersionConflict(String),
    #[error("the function is being created or updated; try again shortly ({0})")]
    FunctionNotReady(String),
    #[error("a request with this Idempotency-Key is still running; wait for it, then retry to get its outcome")]
    IdempotencyInFlight,
    #[error("this Idempotency-Key was used in the last 24 hours for a different request (function, qualifier, mode or payload)")]
    IdempotencyKeyReused,
    #[error("{0}")]
    LinkValidationFailed(String),
    #[error("{0}")]
    PreconditionRequired(String),
    #[error("AWS Lambda throttled the request ({0}); it did not run, try again later")]
    Throttled(String),
    #[error("{0}")]
    ResponseTooLarge(String),
    #[error("the invocation was sent but its outcome is unknown ({0}); it may have run: check before retrying")]
    InvokeOutcomeUnknown(String),
    #[error("the linked credentials were denied by AWS ({0})")]
    ConnectionAccessDenied(String),
    #[error("the linked credentials were rejected by AWS ({0})")]
    ConnectionCredentialsInvalid(String),
    #[error("the linked role could not be assumed ({0}): the trust was revoked, the External ID does not match, or the role was deleted")]
    RoleAssumeDenied(String),
    #[error("AWS Lambda rejected the request ({0})")]
    LambdaRejected(String),
    #[error("{0}")]
    LambdaUnavailable(String),
    #[error("the launcher's store failed: {0}")]
    StoreUnavailable(String),
    #[error("the invocation was not run: its audit record could not be written ({0})")]
    AuditUnavailable(String),
    #[error("the linked secret could not be decrypted ({0})")]
    SecretUnavailable(String),
    #[error("{0}")]
    Internal(String),
}

impl LauncherError {
    pub fn code(&self) -> ErrorCode {
        use ErrorCode as C;
        match self {
            Self::Unauthenticated(_) => C::Unauthenticated,
            Self::LinkTokenInvalid => C::LinkTokenInvalid,
            Self::Forbidden(_) => C::Forbidden,
            Self::InvokeForbidden { .. } => C::InvokeForbidden,
            Self::InvalidRequest(_) => C::InvalidRequest,
            Self::InvalidPayload(_) => C::InvalidPayload,
            Self::PayloadTooLarge(_) => C::PayloadTooLarge,
            Self::FunctionNotFound => C::FunctionNotFound,
            Self::ConnectionNotFound => C::ConnectionNotFound,
            Self::PresetNotFound => C::PresetNotFound,
            Self::SchemaNotFound => C::SchemaNotFound,
            Self::PayloadSchemaViolation { .. } => C::PayloadSchemaViolation,
            Self::InputSchemaInvalid(_) => C::InputSchemaInvalid,
            Self::PresetLimitReached(_) => C::PresetLimitReached,
            Self::SchemaLimitReached(_) => C::SchemaLimitReached,
            Self::RouteNotFound => C::RouteNotFound,
            Self::MethodNotAllowed => C::MethodNotAllowed,
            Self::ConnectionExists(_) => C::ConnectionExists,
            Self::VersionConflict(_) => C::VersionConflict,
            Self::FunctionNotReady(_) => C::FunctionNotReady,
            Self::IdempotencyInFlight => C::IdempotencyInFlight,
            Self::IdempotencyKeyReused => C::IdempotencyKeyReused,
            Self::LinkValidationFailed(_) => C::LinkValidationFailed,
            Self::PreconditionRequired(_) => C::PreconditionRequired,
            Self::Throttled(_) => C::Throttled,
            Self::ResponseTooLarge(_) => C::ResponseTooLarge,
            Self::InvokeOutcomeUnknown(_) => C::InvokeOutcomeUnknown,
            Self::ConnectionAccessDenied(_) => C::ConnectionAccessDenied,
            Self::ConnectionCredentialsInvalid(_) => C::ConnectionCredentialsInvalid,
            Self::RoleAssumeDenied(_) => C::RoleAssumeDenied,
            Self::LambdaRejected(_) => C::LambdaRejected,
            Self::LambdaUnavailable(_) => C::LambdaUnavailable,
            Self::StoreUnavailable(_) => C::StoreUnavailable,
            Self::AuditUnavailable(_) => C::AuditUnavailable,
            Self::SecretUnavailable(_) => C::SecretUnavailable,
            Self::Internal(_) => C::Internal,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidRequest(message.into())
    }

    /// What a client is told. Store and internal failures keep their details in the log: they
    /// name AWS error codes and operations that are of no use to a caller.
    pub fn public_detail(&self) -> String {
        match self {
            Self::Internal(_) => "the launcher hit an internal error".to_owned(),
            Self::StoreUnavailable(_) => "the launcher's store is unavailable; try again shortly".to_owned(),
            Self::AuditUnavailable(_) => {
                "the invocation was not run: its audit record could not be written; try again shortly".to_owned()
            }
            other => other.to_string(),
        }
    }
}

pub type Result<T, E = LauncherError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_with_error_statuses() {
        let mut seen = std::collections::BTreeSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {code}");
            assert!(code.as_str().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{code}");
            assert!((400..600).contains(&code.status()), "{code}");
        }
    }
}
