//! The IAM side: one *generation* is a managed policy, a user with that policy attached, and one
//! access key. Every step tolerates "already exists" and "not found", and nothing is adopted or
//! deleted unless it carries this resource's owner tag, so a name collision with someone else's
//! user or policy fails cleanly instead of taking it over.

use std::fmt;

use aws_sdk_iam::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_iam::types::Tag;
use secrecy::SecretString;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::event::Envelope;
use crate::{ACCESS_POLICY, IAM_PATH};

/// Every IAM action the handler calls; `infra/bootstrap-user.yaml` grants exactly these (a test
/// compares them).
pub const ACTIONS: &[&str] = &[
    "iam:AttachUserPolicy",
    "iam:CreateAccessKey",
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:CreateUser",
    "iam:DeleteAccessKey",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:DeleteUser",
    "iam:DetachUserPolicy",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetUser",
    "iam:ListAccessKeys",
    "iam:ListPolicyTags",
    "iam:ListPolicyVersions",
    "iam:TagPolicy",
    "iam:TagUser",
];

pub const OWNER_TAG: &str = "lambda-launcher:owner";
const STACK_TAG: &str = "lambda-launcher:stack";
const RESOURCE_TAG: &str = "lambda-launcher:resource";
/// Set on the user once linked: a later Update that keeps the link answers the same `Data`
/// (CloudFormation replaces the attributes with every answer) without asking the launcher.
pub const CONNECTION_TAG: &str = "lambda-launcher:connection-id";
pub const ACCOUNT_TAG: &str = "lambda-launcher:account-id";
const USER_PREFIX: &str = "lambda-launcher-";
const MAX_SLUG: usize = 32;

/// The names of one generation's user and policy, and the owner tag both carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generation {
    pub user: String,
    /// Same as the user name (policies have their own namespace).
    pub policy_name: String,
    pub policy_arn: String,
    pub user_arn: String,
    /// Identifies the stack and logical resource that own the generation.
    pub owner: String,
    pub stack_name: String,
    pub logical_id: String,
}

/// (partition, account, stack name) from a CloudFormation stack ARN.
fn stack_parts(stack_id: &str) -> Option<(&str, &str, &str)> {
    let parts: Vec<&str> = stack_id.splitn(6, ':').collect();
    match parts.as_slice() {
        ["arn", partition, "cloudformation", _region, account, resource]
            if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) =>
        {
            let name = resource.strip_prefix("stack/")?.split('/').next()?;
            Some((partition, account, name))
        }
        _ => None,
    }
}

fn digest(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

/// The owner tag value for a stack's logical resource.
pub fn owner(stack_id: &str, logical_id: &str) -> String {
    digest(&[stack_id, logical_id])[..32].to_owned()
}

/// The IAM user (and policy) name a request creates: readable, and unique per request, so the
/// generation an Update creates never shares a name with the one it replaces.
pub fn user_name(slug: &str, envelope: &Envelope) -> String {
    let slug: String = slug.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(MAX_SLUG).collect();
    let suffix = &digest(&[&envelope.stack_id, &envelope.logical_resource_id, &envelope.request_id])[..10];
    format!("{USER_PREFIX}{slug}-{suffix}")
}

impl Generation {
    pub fn new(envelope: &Envelope, user: &str) -> Result<Self, String> {
        let (partition, account, stack_name) =
            stack_parts(&envelope.stack_id).ok_or("StackId is not a CloudFormation stack ARN")?;
        let path = IAM_PATH.trim_matches('/'); // lambda-launcher/bootstrap
        Ok(Self {
            user: user.to_owned(),
            policy_name: user.to_owned(),
            policy_arn: format!("arn:{partition}:iam::{account}:policy/{path}/{user}"),
            user_arn: format!("arn:{partition}:iam::{account}:user/{path}/{user}"),
            owner: owner(&envelope.stack_id, &envelope.logical_resource_id),
            stack_name: stack_name.to_owned(),
            logical_id: envelope.logical_resource_id.chars().take(256).collect(),
        })
    }

    fn tags(&self) -> Vec<Tag> {
        [
            (OWNER_TAG, self.owner.as_str()),
            (STACK_TAG, self.stack_name.as_str()),
            (RESOURCE_TAG, self.logical_id.as_str()),
        ]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| Tag::builder().key(k).value(v).build().expect("key and value are set"))
        .collect()
    }

    fn owns(&self, tags: &[Tag]) -> bool {
        tags.iter().any(|t| t.key() == OWNER_TAG && t.value() == self.owner)
    }
}

/// An IAM call that failed, described by operation, AWS error code and message (IAM's messages
/// name entities, never a secret).
#[derive(Debug, Clone)]
pub struct IamError {
    pub operation: &'static str,
    pub code: Option<String>,
    pub message: String,
}

impl fmt::Display for IamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "IAM {} failed: {code}: {}", self.operation, self.message),
            None => write!(f, "IAM {} failed: {}", self.operation, self.message),
        }
    }
}

impl std::error::Error for IamError {}

fn iam_error<E, R>(operation: &'static str, error: &SdkError<E, R>) -> IamError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: fmt::Debug,
{
    match error.code() {
        Some(code) => IamError {
            operation,
            code: Some(code.to_owned()),
            message: error.message().unwrap_or("no message").to_owned(),
        },
        None => IamError { operation, code: None, message: DisplayErrorContext(error).to_string() },
    }
}

fn is<E, R>(error: &SdkError<E, R>, code: &str) -> bool
where
    E: ProvideErrorMetadata,
{
    error.code() == Some(code)
}

/// Whether an entity exists and whose it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    Gone,
    Ours,
    Foreign,
}

#[derive(Clone)]
pub struct Iam {
    client: aws_sdk_iam::Client,
    permissions_boundary: Option<String>,
}

impl Iam {
    /// `permissions_boundary`: the managed policy ARN set as every new user's boundary.
    pub fn new(client: aws_sdk_iam::Client, permissions_boundary: Option<String>) -> Self {
        Self { client, permissions_boundary }
    }

    pub fn client(&self) -> &aws_sdk_iam::Client {
        &self.client
    }

    /// Creates the policy from `policies/`, or finds ours and brings its document up to date.
    pub async fn ensure_policy(&self, g: &Generation) -> Result<(), String> {
        let created = self
            .client
            .create_policy()
            .policy_name(&g.policy_name)
            .path(IAM_PATH)
            .policy_document(ACCESS_POLICY)
            .description("Lambda Launcher access: list, describe and invoke Lambda functions")
            .set_tags(Some(g.tags()))
            .send()
            .await;
        match created {
            Ok(_) => {
                tracing::info!(policy = %g.policy_arn, "policy created");
                Ok(())
            }
            Err(e) if is(&e, "EntityAlreadyExists") => match self.policy_ownership(g).await? {
                Ownership::Ours => self.ensure_policy_document(g).await,
                _ => Err(format!(
                    "an IAM policy named {} already exists and was not created by this stack's {}; \
                     nothing was changed",
                    g.policy_name, g.logical_id
                )),
            },
            Err(e) => Err(iam_error("CreatePolicy", &e).to_string()),
        }
    }

    pub async fn policy_ownership(&self, g: &Generation) -> Result<Ownership, String> {
        match self.client.list_policy_tags().policy_arn(&g.policy_arn).send().await {
            Ok(out) if g.owns(out.tags()) => Ok(Ownership::Ours),
            Ok(_) => Ok(Ownership::Foreign),
            Err(e) if is(&e, "NoSuchEntity") => Ok(Ownership::Gone),
            Err(e) => Err(iam_error("ListPolicyTags", &e).to_string()),
        }
    }

    pub async fn user_ownership(&self, g: &Generation) -> Result<Ownership, String> {
        match self.client.get_user().user_name(&g.user).send().await {
            Ok(out) if out.user().is_some_and(|u| g.owns(u.tags())) => Ok(Ownership::Ours),
            Ok(_) => Ok(Ownership::Foreign),
            Err(e) if is(&e, "NoSuchEntity") => Ok(Ownership::Gone),
            Err(e) => Err(iam_error("GetUser", &e).to_string()),
        }
    }

    /// The policy's default version, parsed (IAM returns it URL-encoded).
    pub async fn policy_document(&self, policy_arn: &str) -> Result<Value, String> {
        let policy = self
            .client
            .get_policy()
            .policy_arn(policy_arn)
            .send()
            .await
            .map_err(|e| iam_error("GetPolicy", &e).to_string())?;
        let version = policy
            .policy()
            .and_then(|p| p.default_version_id())
            .ok_or("IAM GetPolicy returned no default version")?
            .to_owned();
        let out = self
            .client
            .get_policy_version()
            .policy_arn(policy_arn)
            .version_id(&version)
            .send()
            .await
            .map_err(|e| iam_error("GetPolicyVersion", &e).to_string())?;
        let raw = out.policy_version().and_then(|v| v.document()).ok_or("IAM GetPolicyVersion returned no document")?;
        serde_json::from_str(raw)
            .or_else(|_| serde_json::from_str(&percent_decode(raw)))
            .map_err(|_| "IAM GetPolicyVersion returned a document that is not JSON".to_owned())
    }

    /// Makes `policies/launcher-access-policy.json` the default version (a new function version
    /// may carry a changed policy), keeping no older versions.
    async fn ensure_policy_document(&self, g: &Generation) -> Result<(), String> {
        let want: Value = serde_json::from_str(ACCESS_POLICY).expect("the embedded policy is JSON");
        if self.policy_document(&g.policy_arn).await? == want {
            return Ok(());
        }
        self.delete_old_policy_versions(&g.policy_arn).await?;
        self.client
            .create_policy_version()
            .policy_arn(&g.policy_arn)
            .policy_document(ACCESS_POLICY)
            .set_as_default(true)
            .send()
            .await
            .map_err(|e| iam_error("CreatePolicyVersion", &e).to_string())?;
        self.delete_old_policy_versions(&g.policy_arn).await?;
        tracing::info!(policy = %g.policy_arn, "policy document updated");
        Ok(())
    }

    async fn delete_old_policy_versions(&self, policy_arn: &str) -> Result<(), String> {
        let versions = match self.client.list_policy_versions().policy_arn(policy_arn).send().await {
            Ok(out) => out.versions().to_vec(),
            Err(e) if is(&e, "NoSuchEntity") => return Ok(()),
            Err(e) => return Err(iam_error("ListPolicyVersions", &e).to_string()),
        };
        for version in versions.iter().filter(|v| !v.is_default_version()) {
            let Some(id) = version.version_id() else {
                continue;
            };
            match self.client.delete_policy_version().policy_arn(policy_arn).version_id(id).send().await {
                Ok(_) => {}
                Err(e) if is(&e, "NoSuchEntity") => {}
                Err(e) => return Err(iam_error("DeletePolicyVersion", &e).to_string()),
            }
        }
        Ok(())
    }

    /// Creates the user, or finds ours.
    pub async fn ensure_user(&self, g: &Generation) -> Result<(), String> {
        let created = self
            .client
            .create_user()
            .user_name(&g.user)
            .path(IAM_PATH)
            .set_permissions_boundary(self.permissions_boundary.clone())
            .set_tags(Some(g.tags()))
            .send()
            .await;
        match created {
            Ok(_) => {
                tracing::info!(user = %g.user, "user created");
                Ok(())
            }
            Err(e) if is(&e, "EntityAlreadyExists") => match self.user_ownership(g).await? {
                Ownership::Ours => Ok(()),
                _ => Err(format!(
                    "an IAM user named {} already exists and was not created by this stack's {}; \
                     nothing was changed",
                    g.user, g.logical_id
                )),
            },
            Err(e) => Err(iam_error("CreateUser", &e).to_string()),
        }
    }

    /// Records what the user is linked as (tags; identifiers only).
    pub async fn tag_link(&self, g: &Generation, connection_id: &str, account_id: &str) -> Result<(), String> {
        let tags = [(CONNECTION_TAG, connection_id), (ACCOUNT_TAG, account_id)]
            .into_iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| Tag::builder().key(k).value(v).build().expect("key and value are set"))
            .collect::<Vec<_>>();
        if tags.is_empty() {
            return Ok(());
        }
        self.client
            .tag_user()
            .user_name(&g.user)
            .set_tags(Some(tags))
            .send()
            .await
            .map_err(|e| iam_error("TagUser", &e).to_string())?;
        Ok(())
    }

    /// The user's tags (empty if there is no such user).
    pub async fn user_tags(&self, user: &str) -> Result<Vec<(String, String)>, String> {
        match self.client.get_user().user_name(user).send().await {
            Ok(out) => Ok(out
                .user()
                .map(|u| u.tags().iter().map(|t| (t.key().to_owned(), t.value().to_owned())).collect())
                .unwrap_or_default()),
            Err(e) if is(&e, "NoSuchEntity") => Ok(Vec::new()),
            Err(e) => Err(iam_error("GetUser", &e).to_string()),
        }
    }

    /// Attaching twice is not an error in IAM.
    pub async fn attach(&self, g: &Generation) -> Result<(), String> {
        self.client
            .attach_user_policy()
            .user_name(&g.user)
            .policy_arn(&g.policy_arn)
            .send()
            .await
            .map_err(|e| iam_error("AttachUserPolicy", &e).to_string())?;
        Ok(())
    }

    /// The user's access key ids; `None` if the user does not exist.
    pub async fn access_keys(&self, user: &str) -> Result<Option<Vec<String>>, String> {
        match self.client.list_access_keys().user_name(user).send().await {
            Ok(out) => Ok(Some(
                out.access_key_metadata().iter().filter_map(|k| k.access_key_id().map(str::to_owned)).collect(),
            )),
            Err(e) if is(&e, "NoSuchEntity") => Ok(None),
            Err(e) => Err(iam_error("ListAccessKeys", &e).to_string()),
        }
    }

    /// Deletes every access key of the user (leftovers of an attempt that did not finish).
    pub async fn delete_access_keys(&self, user: &str) -> Result<(), String> {
        for key in self.access_keys(user).await?.unwrap_or_default() {
            match self.client.delete_access_key().user_name(user).access_key_id(&key).send().await {
                Ok(_) => tracing::info!(user, access_key_id = %key, "access key deleted"),
                Err(e) if is(&e, "NoSuchEntity") => {}
                Err(e) => return Err(iam_error("DeleteAccessKey", &e).to_string()),
            }
        }
        Ok(())
    }

    /// A new access key. The secret goes straight into a `SecretString`; the SDK's own output
    /// type redacts it in `Debug` and is dropped here.
    pub async fn create_access_key(&self, user: &str) -> Result<(String, SecretString), String> {
        let out = self
            .client
            .create_access_key()
            .user_name(user)
            .send()
            .await
            .map_err(|e| iam_error("CreateAccessKey", &e).to_string())?;
        let key = out.access_key().ok_or("IAM CreateAccessKey returned no key")?;
        let id = key.access_key_id().to_owned();
        let secret = SecretString::from(key.secret_access_key().to_owned());
        tracing::info!(user, access_key_id = %id, "access key created");
        Ok((id, secret))
    }

    /// Removes the generation: keys, attachment, user, then the policy (its old versions first).
    /// Anything already gone is fine; anything not ours is left alone.
    pub async fn teardown(&self, g: &Generation) -> Result<(), String> {
        match self.user_ownership(g).await? {
            Ownership::Gone => {}
            Ownership::Foreign => {
                tracing::warn!(user = %g.user, "user is not this resource's; left alone")
            }
            Ownership::Ours => {
                self.delete_access_keys(&g.user).await?;
                match self.client.detach_user_policy().user_name(&g.user).policy_arn(&g.policy_arn).send().await {
                    Ok(_) => {}
                    Err(e) if is(&e, "NoSuchEntity") => {}
                    Err(e) => return Err(iam_error("DetachUserPolicy", &e).to_string()),
                }
                match self.client.delete_user().user_name(&g.user).send().await {
                    Ok(_) => tracing::info!(user = %g.user, "user deleted"),
                    Err(e) if is(&e, "NoSuchEntity") => {}
                    Err(e) => return Err(iam_error("DeleteUser", &e).to_string()),
                }
            }
        }
        match self.policy_ownership(g).await? {
            Ownership::Gone => {}
            Ownership::Foreign => {
                tracing::warn!(policy = %g.policy_arn, "policy is not this resource's; left alone")
            }
            Ownership::Ours => {
                self.delete_old_policy_versions(&g.policy_arn).await?;
                match self.client.delete_policy().policy_arn(&g.policy_arn).send().await {
                    Ok(_) => tracing::info!(policy = %g.policy_arn, "policy deleted"),
                    Err(e) if is(&e, "NoSuchEntity") => {}
                    Err(e) => return Err(iam_error("DeletePolicy", &e).to_string()),
                }
            }
        }
        Ok(())
    }
}

/// RFC 3986 percent-decoding (IAM's policy documents); invalid escapes stay as they are.
fn percent_decode(text: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn envelope(request: &str) -> Envelope {
        Envelope::from_event(&json!({
            "ResponseURL": "http://x", "RequestId": request, "LogicalResourceId": "Link",
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/my-stack/0a1b2c3d",
        }))
        .unwrap()
    }

    #[test]
    fn names_are_readable_unique_per_request_and_valid() {
        let a = user_name("prod", &envelope("r1"));
        assert!(a.starts_with("lambda-launcher-prod-"), "{a}");
        assert_eq!(a, user_name("prod", &envelope("r1")));
        assert_ne!(a, user_name("prod", &envelope("r2")));
        let long = user_name(&"x".repeat(63), &envelope("r1"));
        assert!(long.len() <= 64, "{long}");
        let g = Generation::new(&envelope("r1"), &a).unwrap();
        assert_eq!(g.policy_arn, format!("arn:aws:iam::123456789012:policy/lambda-launcher/bootstrap/{a}"));
        assert_eq!(g.stack_name, "my-stack");
        assert!(Generation::new(&Envelope::from_event(&json!({"ResponseURL": "x", "StackId": "nope"})).unwrap(), &a)
            .is_err());
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("%7B%22a%22%3A1%7D"), "{\"a\":1}");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
    }
}
