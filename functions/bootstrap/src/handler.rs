//! Answering CloudFormation: Create, Update and Delete over the IAM generation and the link,
//! always ending with a PUT to the `ResponseURL`.
//!
//! The work runs under a deadline (the Lambda deadline minus reserves for clean-up and for the
//! answer) and with panics caught, and records what it created in `Progress`, so that a failure,
//! a panic or a timeout still removes what this request created and still answers FAILED.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use aws_config::SdkConfig;
use futures::FutureExt;
use launcher::AppState;
use reqwest::header::CONTENT_TYPE;
use serde_json::{json, Map, Value};
use tokio::time::Instant;

use crate::event::{Envelope, Response, Status};
use crate::iam::{self, Generation, Iam};
use crate::link::{self, LinkError};
use crate::physical_id::{LinkHandle, PhysicalId, MAX_LEN};
use crate::properties::{Properties, Target};

/// Time budgets. The defaults suit a function timeout of a few minutes (the templates use 300 s).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Kept after everything else for the answer to CloudFormation.
    pub answer_reserve: Duration,
    /// Kept after the work for removing what a timed-out request had created.
    pub cleanup_reserve: Duration,
    /// First wait before retrying a link the launcher could not validate (a new IAM key takes
    /// a few seconds to work everywhere); doubles up to 8 s.
    pub link_retry_first: Duration,
    /// Link attempts in all, while the deadline allows.
    pub link_attempts: u32,
    /// Each HTTPS request to the launcher.
    pub http_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            answer_reserve: Duration::from_secs(10),
            cleanup_reserve: Duration::from_secs(30),
            link_retry_first: Duration::from_secs(2),
            link_attempts: 7,
            http_timeout: Duration::from_secs(30),
        }
    }
}

/// What the request has created so far: the generation it started (whose user and policy a
/// failure removes) and the link it made (which a failure unlinks).
#[derive(Clone, Default)]
pub struct Progress(Arc<Mutex<State>>);

#[derive(Clone, Default)]
struct State {
    generation: Option<Generation>,
    physical: Option<PhysicalId>,
    linked: Option<LinkHandle>,
}

impl State {
    /// The physical id so far: the generation, and the link once made.
    fn physical_id(&self) -> Option<String> {
        self.physical.as_ref().map(|p| PhysicalId { link: self.linked.clone(), ..p.clone() }.render())
    }
}

impl Progress {
    fn snapshot(&self) -> State {
        self.0.lock().map(|s| s.clone()).unwrap_or_default()
    }

    fn update(&self, f: impl FnOnce(&mut State)) {
        if let Ok(mut state) = self.0.lock() {
            f(&mut state);
        }
    }
}

pub struct Success {
    pub physical_id: String,
    pub reason: String,
    pub data: Map<String, Value>,
}

pub struct Failure {
    pub reason: String,
    /// `None`: the id CloudFormation sent (Update, Delete) or a placeholder (Create).
    pub physical_id: Option<String>,
}

impl From<String> for Failure {
    fn from(reason: String) -> Self {
        Self { reason, physical_id: None }
    }
}

pub struct Bootstrap {
    sdk: SdkConfig,
    iam: Iam,
    /// Built on first use: building it loads and parses the system's root certificates, which
    /// would otherwise be part of every cold start (measured in `make bench`, docs/performance.md).
    http: OnceLock<Result<reqwest::Client, String>>,
    launcher: Option<Arc<AppState>>,
    limits: Limits,
}

impl Bootstrap {
    /// IAM (and, in-process, the launcher's table and key) through `sdk`.
    pub fn new(sdk: &SdkConfig) -> Self {
        Self {
            sdk: sdk.clone(),
            iam: Iam::new(aws_sdk_iam::Client::new(sdk), None),
            http: OnceLock::new(),
            launcher: None,
            limits: Limits::default(),
        }
    }

    /// The client for the ResponseURL and the launcher's `/link` routes.
    fn http(&self) -> Result<&reqwest::Client, String> {
        self.http
            .get_or_init(|| {
                launcher::tls::install_crypto_provider();
                reqwest::Client::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .build()
                    .map_err(|e| format!("HTTP client: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Links in-process through this launcher instead of one built from the environment.
    pub fn with_launcher(mut self, state: Arc<AppState>) -> Self {
        self.launcher = Some(state);
        self
    }

    /// Gives every user this permissions boundary (a managed policy ARN).
    pub fn with_permissions_boundary(mut self, policy_arn: Option<String>) -> Self {
        self.iam = Iam::new(self.iam.client().clone(), policy_arn);
        self
    }

    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Handles one request and answers it; returns the answer (`None` when the event names no
    /// `ResponseURL`, so there is nobody to answer).
    pub async fn handle(&self, event: Value, deadline: Instant) -> Option<Response> {
        let Some(envelope) = Envelope::from_event(&event) else {
            tracing::error!("not a CloudFormation custom resource request (no ResponseURL): nothing to answer");
            return None;
        };
        // Never the event itself: its properties hold the LinkToken.
        tracing::info!(
            request_type = %envelope.request_type,
            stack_id = %envelope.stack_id,
            logical_resource_id = %envelope.logical_resource_id,
            request_id = %envelope.request_id,
            physical_resource_id = envelope.physical_resource_id.as_deref().unwrap_or(""),
            "custom resource request"
        );
        let response = self
            .answer_with(&envelope, deadline, |progress, work_by| {
                // Boxed: the whole state machine inline is deeper than the compiler's layout limit.
                Box::pin(self.process(&envelope, &event, progress, work_by))
            })
            .await;
        Some(response)
    }

    /// Runs `work` with panics caught and a deadline, cleans up after a panic or a timeout, and
    /// answers on the `ResponseURL` whatever happened.
    pub async fn answer_with<F, Fut>(&self, envelope: &Envelope, deadline: Instant, work: F) -> Response
    where
        F: FnOnce(Progress, Instant) -> Fut,
        Fut: Future<Output = Result<Success, Failure>>,
    {
        let now = Instant::now();
        let cleanup_by = deadline.checked_sub(self.limits.answer_reserve).unwrap_or(now).max(now);
        let work_by = cleanup_by.checked_sub(self.limits.cleanup_reserve).unwrap_or(now).max(now);
        let progress = Progress::default();
        let guarded = AssertUnwindSafe(work(progress.clone(), work_by)).catch_unwind();
        let result = match tokio::time::timeout_at(work_by, guarded).await {
            Ok(Ok(result)) => result,
            Ok(Err(panic)) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(panic = %message, "the handler panicked");
                Err(self.abandon(envelope, &progress, cleanup_by, "the handler failed unexpectedly").await)
            }
            Err(_) => {
                tracing::error!("the handler ran out of time");
                Err(self.abandon(envelope, &progress, cleanup_by, "the handler ran out of time").await)
            }
        };
        let response = match result {
            Ok(success) => Response::new(envelope, Status::Success, &success.reason, success.physical_id, success.data),
            Err(failure) => {
                let mut reason = failure.reason;
                if let Ok(stream) = std::env::var("AWS_LAMBDA_LOG_STREAM_NAME") {
                    reason.push_str(&format!(" (details in log stream {stream})"));
                }
                let physical_id = failure.physical_id.unwrap_or_else(|| envelope.fallback_physical_id());
                Response::new(envelope, Status::Failed, &reason, physical_id, Map::new())
            }
        };
        tracing::info!(
            status = ?response.status,
            reason = %response.reason,
            physical_resource_id = %response.physical_resource_id,
            "answering CloudFormation"
        );
        if let Err(e) = self.send(&envelope.response_url, &response, deadline).await {
            tracing::error!(error = %e, "could not deliver the answer to CloudFormation");
        }
        response
    }

    /// After a panic or a timeout: removes what the request had created, within `cleanup_by`.
    async fn abandon(&self, envelope: &Envelope, progress: &Progress, cleanup_by: Instant, what: &str) -> Failure {
        let state = progress.snapshot();
        let mut reason = format!("{what}.");
        if state.generation.is_some() {
            match tokio::time::timeout_at(cleanup_by, self.cleanup(&state)).await {
                Ok(Ok(())) => reason.push_str(" What it had created was removed."),
                Ok(Err(e)) => reason.push_str(&format!(
                    " Removing what it had created failed: {e}. A Delete of this resource removes the rest."
                )),
                Err(_) => reason.push_str(
                    " Removing what it had created ran out of time; a Delete of this resource removes the rest.",
                ),
            }
        }
        let physical_id = match (&state.physical, envelope.request_type.as_str()) {
            (Some(_), "Create") => state.physical_id(),
            _ => None,
        };
        Failure { reason, physical_id }
    }

    async fn process(
        &self,
        envelope: &Envelope,
        event: &Value,
        progress: Progress,
        work_by: Instant,
    ) -> Result<Success, Failure> {
        let properties = || {
            Properties::parse(event.get("ResourceProperties").unwrap_or(&Value::Null))
                .map_err(|e| Failure::from(format!("invalid properties: {e}")))
        };
        match envelope.request_type.as_str() {
            "Create" => {
                let props = properties()?;
                self.create_generation(envelope, &props, None, &progress, work_by).await
            }
            "Update" => {
                let props = properties()?;
                let current = envelope.physical_resource_id.as_deref().and_then(PhysicalId::parse);
                match current {
                    Some(current) if current.fingerprint == props.fingerprint() => {
                        self.refresh(envelope, &props, &current, work_by).await
                    }
                    current => self.create_generation(envelope, &props, current.as_ref(), &progress, work_by).await,
                }
            }
            "Delete" => self.delete(envelope).await,
            other => Err(Failure::from(format!(
                "unknown RequestType '{}': expected Create, Update or Delete",
                other.chars().take(32).collect::<String>()
            ))),
        }
    }

    fn launcher(&self) -> Result<Arc<AppState>, String> {
        if let Some(state) = &self.launcher {
            return Ok(state.clone());
        }
        let config = launcher::Config::from_env()
            .map_err(|e| format!("linking in-process (Tenant) needs the launcher's configuration: {e}"))?;
        AppState::new(config, &self.sdk, None).map_err(|e| e.to_string())
    }

    /// A new generation (policy, user, key) linked to the launcher: the Create, or an Update
    /// whose link changed. Cleans up after itself when it fails.
    async fn create_generation(
        &self,
        envelope: &Envelope,
        props: &Properties,
        replacing: Option<&PhysicalId>,
        progress: &Progress,
        work_by: Instant,
    ) -> Result<Success, Failure> {
        let user = iam::user_name(props.slug(), envelope);
        let generation = Generation::new(envelope, &user)?;
        let physical = PhysicalId { user: user.clone(), fingerprint: props.fingerprint(), link: None };
        progress.update(|s| {
            s.generation = Some(generation.clone());
            s.physical = Some(physical);
        });
        tracing::info!(
            user = %user,
            replacing = replacing.map(|r| r.user.as_str()).unwrap_or(""),
            "creating the IAM user and linking it"
        );
        match self.build(props, &generation, replacing, progress, work_by).await {
            Ok(success) => Ok(success),
            Err(reason) => {
                tracing::warn!(reason = %reason, "failed; removing what this request created");
                let state = progress.snapshot();
                let note = match self.cleanup(&state).await {
                    Ok(()) => " Nothing this request created was left behind.".to_owned(),
                    Err(e) => format!(
                        " Removing what this request created failed too: {e}.{}",
                        if envelope.request_type == "Create" {
                            " A Delete of this resource removes the rest."
                        } else {
                            ""
                        }
                    ),
                };
                let physical_id = match envelope.request_type.as_str() {
                    "Create" => state.physical_id(),
                    _ => None,
                };
                Err(Failure { reason: format!("{reason}.{note}"), physical_id })
            }
        }
    }

    async fn build(
        &self,
        props: &Properties,
        g: &Generation,
        replacing: Option<&PhysicalId>,
        progress: &Progress,
        work_by: Instant,
    ) -> Result<Success, String> {
        self.iam.ensure_policy(g).await?;
        self.iam.ensure_user(g).await?;
        self.iam.attach(g).await?;
        let mut data = base_data(g);
        let name = props.name.as_deref();
        let linked = match &props.target {
            Target::InProcess { tenant, connection_id } => {
                let state = self.launcher()?;
                // A connection under this id linked with a key of this generation (a retried
                // request) or of the generation this Update replaces is ours to re-link.
                if let Some(key) = link::linked_key(&state, tenant, connection_id).await? {
                    let mut ours = self.iam.access_keys(&g.user).await?.unwrap_or_default();
                    if let Some(PhysicalId {
                        user: old_user,
                        link: Some(LinkHandle::InProcess { tenant: t, connection_id: c }),
                        ..
                    }) = replacing
                    {
                        if t == tenant && c == connection_id {
                            ours.extend(self.iam.access_keys(old_user).await?.unwrap_or_default());
                        }
                    }
                    if ours.contains(&key) {
                        tracing::info!(connection = %connection_id, access_key_id = %key, "unlinking the previous key to link the new one");
                        link::unlink_in_process(&state, tenant, connection_id).await?;
                    }
                }
                self.iam.delete_access_keys(&g.user).await?;
                let (key_id, secret) = self.iam.create_access_key(&g.user).await?;
                let attempt =
                    || link::link_in_process(&state, tenant, connection_id, name, &props.regions, &key_id, &secret);
                let view = self.with_retries(work_by, &attempt).await.map_err(|e| e.message().to_owned())?;
                progress.update(|s| {
                    s.linked =
                        Some(LinkHandle::InProcess { tenant: tenant.clone(), connection_id: connection_id.clone() })
                });
                data.insert("AccessKeyId".into(), json!(key_id));
                data.insert("ConnectionId".into(), json!(view.id));
                data.insert("AccountId".into(), json!(view.account_id));
                view.id
            }
            Target::Https { url, token, .. } => {
                self.iam.delete_access_keys(&g.user).await?;
                let (key_id, secret) = self.iam.create_access_key(&g.user).await?;
                let timeout = self.limits.http_timeout;
                let http = self.http()?;
                let attempt = || link::link_https(http, url, token, name, &props.regions, &key_id, &secret, timeout);
                let linked = match self.with_retries(work_by, &attempt).await {
                    // The link token is valid (it is checked first, and a conflict does not use
                    // it up) and names the connection the generation being replaced linked.
                    Err(LinkError::Exists(message)) => match replacing.and_then(|r| r.link.as_ref()) {
                        Some(LinkHandle::Https { url: old_url, unlink_token }) => {
                            tracing::info!(
                                "the connection exists: unlinking the previous generation to link the new one"
                            );
                            link::unlink_https(http, old_url, unlink_token, timeout).await?;
                            self.with_retries(work_by, &attempt).await
                        }
                        _ => Err(LinkError::Exists(format!(
                            "{message}: the link token names a connection that is already linked; \
                             unlink it first (DELETE /connections/<id>) or issue a token for another id"
                        ))),
                    },
                    other => other,
                }
                .map_err(|e| e.message().to_owned())?;
                progress.update(|s| {
                    s.linked = Some(LinkHandle::Https { url: url.clone(), unlink_token: linked.unlink_token.clone() })
                });
                let connection_id = linked.connection["id"].as_str().unwrap_or("").to_owned();
                data.insert("AccessKeyId".into(), json!(key_id));
                data.insert("ConnectionId".into(), json!(connection_id));
                data.insert("AccountId".into(), json!(linked.connection["account_id"].as_str().unwrap_or("")));
                connection_id
            }
        };
        let account_id = data.get("AccountId").and_then(Value::as_str).unwrap_or("").to_owned();
        self.iam.tag_link(g, &linked, &account_id).await?;
        let state = progress.snapshot();
        let physical = state.physical_id().unwrap_or_default();
        if physical.len() > MAX_LEN {
            return Err(format!(
                "the physical resource id would be {} characters, more than CloudFormation's {MAX_LEN}",
                physical.len()
            ));
        }
        Ok(Success {
            physical_id: physical,
            reason: format!("IAM user {} linked as connection {linked}", g.user),
            data,
        })
    }

    /// Links, retrying while the launcher cannot validate the new key yet.
    async fn with_retries<T, F, Fut>(&self, work_by: Instant, attempt: &F) -> Result<T, LinkError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, LinkError>>,
    {
        let mut delay = self.limits.link_retry_first;
        let mut tries = 1;
        loop {
            match attempt().await {
                Err(LinkError::Validation(message))
                    if tries < self.limits.link_attempts
                        && Instant::now() + delay + self.limits.http_timeout.min(Duration::from_secs(10)) < work_by =>
                {
                    tracing::warn!(attempt = tries, reason = %message, "the launcher could not validate the new key yet; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(8));
                    tries += 1;
                }
                other => return other,
            }
        }
    }

    /// An Update that leaves the link as it is (e.g. only the function changed): makes sure the
    /// policy, user and attachment are there and current, and, in-process, that the link is
    /// (a rolled-back Update may have unlinked it).
    async fn refresh(
        &self,
        envelope: &Envelope,
        props: &Properties,
        current: &PhysicalId,
        work_by: Instant,
    ) -> Result<Success, Failure> {
        let g = Generation::new(envelope, &current.user)?;
        self.iam.ensure_policy(&g).await?;
        self.iam.ensure_user(&g).await?;
        self.iam.attach(&g).await?;
        let mut data = base_data(&g);
        let keys = self.iam.access_keys(&g.user).await?.unwrap_or_default();
        // The same Data as the Create answered (CloudFormation replaces the attributes with it).
        let tags = self.iam.user_tags(&g.user).await?;
        let tag = |key: &str| tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default();
        data.insert("AccessKeyId".into(), json!(keys.first().cloned().unwrap_or_default()));
        data.insert("ConnectionId".into(), json!(tag(iam::CONNECTION_TAG)));
        data.insert("AccountId".into(), json!(tag(iam::ACCOUNT_TAG)));
        let mut reason = format!("IAM user {} is up to date", g.user);
        match &props.target {
            Target::InProcess { tenant, connection_id } => {
                let state = self.launcher()?;
                data.insert("ConnectionId".into(), json!(connection_id));
                match link::linked_key(&state, tenant, connection_id).await? {
                    Some(key) if keys.contains(&key) => {
                        data.insert("AccessKeyId".into(), json!(key));
                    }
                    Some(_) => {
                        return Err(Failure::from(format!(
                            "connection {connection_id} is linked with a key this resource did not create; \
                             unlink it first (DELETE /connections/{connection_id})"
                        )))
                    }
                    None => {
                        tracing::info!(connection = %connection_id, "the link is missing: linking a new key");
                        self.iam.delete_access_keys(&g.user).await?;
                        let (key_id, secret) = self.iam.create_access_key(&g.user).await?;
                        let attempt = || {
                            link::link_in_process(
                                &state,
                                tenant,
                                connection_id,
                                props.name.as_deref(),
                                &props.regions,
                                &key_id,
                                &secret,
                            )
                        };
                        let view = self
                            .with_retries(work_by, &attempt)
                            .await
                            .map_err(|e| Failure::from(e.message().to_owned()))?;
                        self.iam.tag_link(&g, connection_id, &view.account_id).await?;
                        data.insert("AccessKeyId".into(), json!(key_id));
                        data.insert("AccountId".into(), json!(view.account_id));
                        reason = format!("IAM user {} linked again as connection {connection_id}", g.user);
                    }
                }
            }
            Target::Https { .. } => {}
        }
        Ok(Success { physical_id: envelope.fallback_physical_id(), reason, data })
    }

    /// Unlink, then delete the key, the attachment, the user and the policy. Anything already
    /// gone is success, so a repeated Delete, or the Delete of a failed Create, succeeds.
    async fn delete(&self, envelope: &Envelope) -> Result<Success, Failure> {
        let id = envelope.fallback_physical_id();
        let Some(current) = PhysicalId::parse(&id) else {
            tracing::info!(physical_resource_id = %id, "not a link this handler made: nothing to delete");
            return Ok(Success { physical_id: id, reason: "nothing to delete".into(), data: Map::new() });
        };
        let g = Generation::new(envelope, &current.user)?;
        let mut problems = Vec::new();
        match &current.link {
            Some(LinkHandle::InProcess { tenant, connection_id }) => {
                // If this fails nothing is deleted: the user's keys are what proves the
                // connection is this resource's, and a retried Delete needs them.
                self.unlink_if_ours(&g, tenant, connection_id)
                    .await
                    .map_err(|e| Failure::from(format!("{e}; nothing was deleted, retry the Delete")))?;
            }
            Some(LinkHandle::Https { url, unlink_token }) => {
                if let Err(e) = self.unlink_https_retrying(url, unlink_token).await {
                    problems.push(format!(
                        "{e}; the IAM user and its key are deleted all the same, so the link no longer \
                         works: retry the Delete to unlink it, or unlink it in the launcher"
                    ));
                }
            }
            None => {}
        }
        if let Err(e) = self.iam.teardown(&g).await {
            problems.push(e);
        }
        if problems.is_empty() {
            Ok(Success {
                physical_id: id,
                reason: format!("IAM user {} unlinked and deleted", g.user),
                data: Map::new(),
            })
        } else {
            Err(Failure::from(problems.join("; ")))
        }
    }

    /// Unlinks the in-process connection only while it still uses a key of this generation (a
    /// newer generation may have re-linked the same id).
    async fn unlink_if_ours(&self, g: &Generation, tenant: &str, connection_id: &str) -> Result<(), String> {
        let state = self.launcher()?;
        let Some(key) = link::linked_key(&state, tenant, connection_id).await? else {
            return Ok(());
        };
        match self.iam.access_keys(&g.user).await? {
            Some(keys) if keys.contains(&key) => {
                link::unlink_in_process(&state, tenant, connection_id).await?;
                tracing::info!(connection = %connection_id, "unlinked");
            }
            _ => tracing::info!(
                connection = %connection_id,
                "the connection uses a key of another generation: left linked"
            ),
        }
        Ok(())
    }

    async fn unlink_https_retrying(&self, url: &str, unlink_token: &str) -> Result<(), String> {
        let mut last = String::new();
        for attempt in 0..3u32 {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(500 * 2u64.pow(attempt))).await;
            }
            match link::unlink_https(self.http()?, url, unlink_token, self.limits.http_timeout).await {
                Ok(()) => {
                    tracing::info!("unlinked");
                    return Ok(());
                }
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Undoes a request that failed: unlinks what it linked, removes its generation.
    async fn cleanup(&self, state: &State) -> Result<(), String> {
        let mut problems = Vec::new();
        match &state.linked {
            Some(LinkHandle::InProcess { tenant, connection_id }) => {
                let unlinked = match self.launcher() {
                    Ok(launcher) => link::unlink_in_process(&launcher, tenant, connection_id).await,
                    Err(e) => Err(e),
                };
                if let Err(e) = unlinked {
                    problems.push(e);
                }
            }
            Some(LinkHandle::Https { url, unlink_token }) => {
                if let Err(e) = self.unlink_https_retrying(url, unlink_token).await {
                    problems.push(e);
                }
            }
            None => {}
        }
        if let Some(g) = &state.generation {
            if let Err(e) = self.iam.teardown(g).await {
                problems.push(e);
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// PUTs the answer to the presigned URL: no Content-Type (S3 signed none), a Content-Length,
    /// a few tries while the deadline allows. The URL is never logged (it is a credential).
    async fn send(&self, url: &str, response: &Response, deadline: Instant) -> Result<(), String> {
        let body = serde_json::to_vec(response).map_err(|e| e.to_string())?;
        let mut last = String::new();
        for attempt in 0..4u32 {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if attempt > 0 {
                if remaining < Duration::from_secs(1) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(250 * 2u64.pow(attempt))).await;
            }
            let timeout = remaining.clamp(Duration::from_secs(2), Duration::from_secs(10));
            match self.http()?.put(url).header(CONTENT_TYPE, "").body(body.clone()).timeout(timeout).send().await {
                Ok(r) if r.status().is_success() => return Ok(()),
                Ok(r) => last = format!("the response URL answered {}", r.status()),
                Err(e) => last = e.without_url().to_string(),
            }
        }
        Err(last)
    }
}

fn base_data(g: &Generation) -> Map<String, Value> {
    let mut data = Map::new();
    data.insert("UserName".into(), json!(g.user));
    data.insert("UserArn".into(), json!(g.user_arn));
    data.insert("PolicyArn".into(), json!(g.policy_arn));
    data
}
