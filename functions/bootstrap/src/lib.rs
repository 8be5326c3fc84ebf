//! The `bootstrap` custom resource (`Custom::LambdaLauncherLink`): creates a least-privilege IAM
//! user in the account it runs in, gives it an access key and links that key to Lambda Launcher,
//! so the secret goes straight from IAM to the launcher's encrypted store. It never appears in a
//! stack output, the custom-resource answer, or a log line.
//!
//! Two ways to link, chosen by the resource properties (`properties`):
//! - in-process (`Tenant`, `ConnectionId`): the launcher's own account; the function runs with
//!   the launcher's environment and links through the launcher library;
//! - over HTTPS (`LauncherUrl`, `LinkToken`): any other account; a one-time link token issued by a
//!   tenant admin authorizes `POST {LauncherUrl}/link`.
//!
//! Every request is answered on the presigned `ResponseURL`, whatever happens (`handler`). See
//! docs/bootstrap.md for the life cycle (create, update, delete) and its guarantees.

pub mod event;
mod handler;
pub mod iam;
pub mod link;
pub mod physical_id;
pub mod properties;

pub use event::{Envelope, Response, Status};
pub use handler::{Bootstrap, Failure, Limits, Progress, Success};

/// The launcher access policy, the one document in `policies/` (no second copy).
pub const ACCESS_POLICY: &str = include_str!("../../../policies/launcher-access-policy.json");

/// IAM path of every user and policy the bootstrap creates; its execution role is scoped to it.
/// A path of its own: the other templates' policies live under `/lambda-launcher/`, and the
/// bootstrap role must not be able to rewrite them.
pub const IAM_PATH: &str = "/lambda-launcher/bootstrap/";

/// Environment variable naming the permissions boundary (a managed policy ARN) every user the
/// bootstrap creates gets; `infra/bootstrap-user.yaml` sets it and its role requires it.
pub const BOUNDARY_ENV: &str = "BOOTSTRAP_PERMISSIONS_BOUNDARY";

/// Replaces every occurrence of each (non-empty) secret in `text`: the last guard before a
/// message from elsewhere (an HTTP problem detail, an SDK error) becomes a Reason or a log line.
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut text = text.to_owned();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        text = text.replace(secret, "[redacted]");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_is_the_file_in_policies() {
        let document: serde_json::Value = serde_json::from_str(ACCESS_POLICY).unwrap();
        assert_eq!(document["Version"], "2012-10-17");
        assert!(ACCESS_POLICY.contains("lambda:InvokeFunction"));
    }

    #[test]
    fn redact_replaces_every_secret() {
        assert_eq!(
            redact("key abcdef and abcdef, token xyz1", &["abcdef", "xyz1", ""]),
            "key [redacted] and [redacted], token [redacted]"
        );
    }
}
