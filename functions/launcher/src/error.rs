//! The one error type of the launcher crate. Every variant has a stable machine-readable code
//! and an HTTP status; `http::problem` turns it into RFC 9457 problem+json.
//!
//! Messages never carry secrets: variants hold only identifiers chosen by the caller or AWS
//! error codes, never credentials or payloads.

use std::fmt;

/// Stable codes clients may switch on. Renaming one is a breaking API change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    Unauthenticated,
    Forbidden,
    InvalidRequest,
    InvalidPayload,
    PayloadTooLarge,
    FunctionNotFound,
    ConnectionNotFound,
    ConnectionExists,
    VersionConflict,
    PreconditionRequired,
    RouteNotFound,
    MethodNotAllowed,
    InvokeForbidden,
    Throttled,
    FunctionError,
    ConnectionAccessDenied,
    ConnectionCredentialsInvalid,
    LinkValidationFailed,
    LambdaUnavailable,
    StoreUnavailable,
    SecretUnavailable,
    Internal,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden => "forbidden",
            Self::InvalidRequest => "invalid_request",
            Self::InvalidPayload => "invalid_payload",
            Self::PayloadTooLarge => "payload_too_large",
            Self::FunctionNotFound => "function_not_found",
            Self::ConnectionNotFound => "connection_not_found",
            Self::ConnectionExists => "connection_exists",
            Self::VersionConflict => "version_conflict",
            Self::PreconditionRequired => "precondition_required",
            Self::RouteNotFound => "route_not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::InvokeForbidden => "invoke_forbidden",
            Self::Throttled => "throttled",
            Self::FunctionError => "function_error",
            Self::ConnectionAccessDenied => "connection_access_denied",
            Self::ConnectionCredentialsInvalid => "connection_credentials_invalid",
            Self::LinkValidationFailed => "link_validation_failed",
            Self::LambdaUnavailable => "lambda_unavailable",
            Self::StoreUnavailable => "store_unavailable",
            Self::SecretUnavailable => "secret_unavailable",
            Self::Internal => "internal",
        }
    }

    pub fn status(self) -> u16 {
        match self {
            Self::Unauthenticated => 401,
            Self::Forbidden | Self::InvokeForbidden => 403,
            Self::InvalidRequest | Self::InvalidPayload => 400,
            Self::PayloadTooLarge => 413,
            Self::FunctionNotFound | Self::ConnectionNotFound | Self::RouteNotFound => 404,
            Self::MethodNotAllowed => 405,
            Self::PreconditionRequired => 428,
            Self::ConnectionExists | Self::VersionConflict => 409,
            Self::LinkValidationFailed => 422,
            Self::Throttled => 429,
            Self::FunctionError
            | Self::ConnectionAccessDenied
            | Self::ConnectionCredentialsInvalid
            | Self::LambdaUnavailable => 502,
            Self::StoreUnavailable | Self::SecretUnavailable => 503,
            Self::Internal => 500,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Self::Unauthenticated => "Authentication required",
            Self::Forbidden => "Not allowed",
            Self::InvalidRequest => "Invalid request",
            Self::InvalidPayload => "Invalid payload",
            Self::PayloadTooLarge => "Payload too large",
            Self::FunctionNotFound => "Function not found",
            Self::ConnectionNotFound => "Connection not found",
            Self::ConnectionExists => "Connection already exists",
            Self::VersionConflict => "Version conflict",
            Self::PreconditionRequired => "Precondition required",
            Self::RouteNotFound => "No such route",
            Self::MethodNotAllowed => "Method not allowed",
            Self::InvokeForbidden => "Invocation not allowed",
            Self::Throttled => "Throttled",
            Self::FunctionError => "The function returned an error",
            Self::ConnectionAccessDenied => "The linked credentials were denied",
            Self::ConnectionCredentialsInvalid => "The linked credentials are invalid",
            Self::LinkValidationFailed => "The account could not be linked",
            Self::LambdaUnavailable => "AWS Lambda is unavailable",
            Self::StoreUnavailable => "Storage is unavailable",
            Self::SecretUnavailable => "Secret could not be decrypted",
            Self::Internal => "Internal error",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LauncherError {
    #[error("{0}")]
    Unauthenticated(String),
    #[error("{0}")]
    Forbidden(String),
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
    #[error("a connection with id '{0}' already exists")]
    ConnectionExists(String),
    #[error("{0}")]
    VersionConflict(String),
    #[error("{0}")]
    PreconditionRequired(String),
    #[error("no route matches this path")]
    RouteNotFound,
    #[error("this path does not accept that method")]
    MethodNotAllowed,
    #[error("you may see this function but not run it in {mode} mode")]
    InvokeForbidden { mode: &'static str },
    #[error("AWS Lambda throttled the request ({0}); it did not run, try again later")]
    Throttled(String),
    #[error("the linked credentials were denied by AWS ({0})")]
    ConnectionAccessDenied(String),
    #[error("the linked credentials were rejected by AWS ({0})")]
    ConnectionCredentialsInvalid(String),
    #[error("{0}")]
    LinkValidationFailed(String),
    #[error("AWS Lambda failed: {0}")]
    LambdaUnavailable(String),
    #[error("the launcher's store failed: {0}")]
    StoreUnavailable(String),
    #[error("the linked secret could not be decrypted ({0})")]
    SecretUnavailable(String),
    #[error("{0}")]
    Internal(String),
}

impl LauncherError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::InvalidRequest(_) => ErrorCode::InvalidRequest,
            Self::InvalidPayload(_) => ErrorCode::InvalidPayload,
            Self::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            Self::FunctionNotFound => ErrorCode::FunctionNotFound,
            Self::ConnectionNotFound => ErrorCode::ConnectionNotFound,
            Self::ConnectionExists(_) => ErrorCode::ConnectionExists,
            Self::VersionConflict(_) => ErrorCode::VersionConflict,
            Self::PreconditionRequired(_) => ErrorCode::PreconditionRequired,
            Self::RouteNotFound => ErrorCode::RouteNotFound,
            Self::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Self::InvokeForbidden { .. } => ErrorCode::InvokeForbidden,
            Self::Throttled(_) => ErrorCode::Throttled,
            Self::ConnectionAccessDenied(_) => ErrorCode::ConnectionAccessDenied,
            Self::ConnectionCredentialsInvalid(_) => ErrorCode::ConnectionCredentialsInvalid,
            Self::LinkValidationFailed(_) => ErrorCode::LinkValidationFailed,
            Self::LambdaUnavailable(_) => ErrorCode::LambdaUnavailable,
            Self::StoreUnavailable(_) => ErrorCode::StoreUnavailable,
            Self::SecretUnavailable(_) => ErrorCode::SecretUnavailable,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidRequest(message.into())
    }
}

pub type Result<T, E = LauncherError> = std::result::Result<T, E>;
