//! Port implementations on the AWS SDK for Rust.

pub mod audit;
pub mod calls;
pub mod dynamo;
pub mod idempotency;
pub mod kms;
pub mod lambda;
pub mod presets;
pub mod schemas;
pub mod sdk;
pub mod table;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// How an AWS call failed, independent of the operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AwsFailure {
    NotFound(String),
    Throttled(String),
    AccessDenied(String),
    BadCredentials(String),
    TooLarge(String),
    InvalidRequest(String),
    ConditionFailed(String),
    /// The resource is busy (a function being updated): try again later.
    Conflict(String),
    /// The service answered 5xx, or the request may not have reached it / its answer was lost.
    Unavailable(String),
}

const THROTTLING: &[&str] = &[
    "TooManyRequestsException",
    "ThrottlingException",
    "Throttling",
    "RequestLimitExceeded",
    "ProvisionedThroughputExceededException",
    "EC2ThrottledException",
];
const ACCESS_DENIED: &[&str] = &["AccessDeniedException", "AccessDenied", "KMSAccessDeniedException"];
const BAD_CREDENTIALS: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "ExpiredToken",
    "ExpiredTokenException",
    "IncompleteSignature",
];

/// Classifies an SDK error by its AWS error code. The description holds only the code (and HTTP
/// status): AWS messages can echo request content, so they are not passed on.
pub fn classify<E, R>(err: &SdkError<E, R>) -> AwsFailure
where
    E: ProvideErrorMetadata,
    R: HttpStatus,
{
    match err {
        SdkError::ServiceError(service) => {
            let code = service.err().code().unwrap_or("Unknown").to_owned();
            let status = service.raw().status_code();
            let described = format!("{code}, HTTP {status}");
            if THROTTLING.contains(&code.as_str()) || status == 429 {
                AwsFailure::Throttled(described)
            } else if ACCESS_DENIED.contains(&code.as_str()) {
                AwsFailure::AccessDenied(described)
            } else if BAD_CREDENTIALS.contains(&code.as_str()) {
                AwsFailure::BadCredentials(described)
            } else if code == "ResourceNotFoundException" || code == "NotFoundException" {
                AwsFailure::NotFound(described)
            } else if code == "RequestTooLargeException" || status == 413 {
                AwsFailure::TooLarge(described)
            } else if code == "ConditionalCheckFailedException" {
                AwsFailure::ConditionFailed(described)
            } else if code == "ResourceConflictException" || code == "ResourceNotReadyException" {
                AwsFailure::Conflict(described)
            } else if status >= 500 {
                AwsFailure::Unavailable(described)
            } else {
                AwsFailure::InvalidRequest(described)
            }
        }
        SdkError::TimeoutError(_) => AwsFailure::Unavailable("timed out".into()),
        SdkError::DispatchFailure(_) => AwsFailure::Unavailable("could not reach the service".into()),
        SdkError::ResponseError(_) => AwsFailure::Unavailable("the response could not be read".into()),
        SdkError::ConstructionFailure(_) => AwsFailure::InvalidRequest("the request could not be built".into()),
        _ => AwsFailure::Unavailable("unknown SDK failure".into()),
    }
}

/// The HTTP status of a raw response, so `classify` works for any SDK response type.
pub trait HttpStatus {
    fn status_code(&self) -> u16;
}

impl HttpStatus for aws_smithy_runtime_api::http::Response {
    fn status_code(&self) -> u16 {
        self.status().as_u16()
    }
}
