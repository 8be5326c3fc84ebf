//! List, get and invoke: every decision through `authorize`.

use std::collections::HashMap;
use std::time::Instant;

use futures::stream::{self, StreamExt};
use serde::Serialize;

use super::Launcher;
use crate::config::{ASYNC_PAYLOAD_LIMIT, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, PAYLOAD_DEPTH_LIMIT, SYNC_PAYLOAD_LIMIT};
use crate::domain::audit::{payload_digest, AuditAction, AuditRecord, Outcome};
use crate::domain::connection::{Connection, LiveCredentials};
use crate::domain::function::{nesting_depth, FunctionDetail, FunctionRef, FunctionSummary, InvokeMode, InvokeOutcome};
use crate::domain::idempotency::{self, Claim, StoredOutcome};
use crate::domain::names;
use crate::domain::rules::{authorize, could_select, needs_tags, Action, Permissions};
use crate::error::{LauncherError, Result};
use crate::identity::Principal;
use crate::ports::RemoteFunction;

/// How many AWS listings (and credential look-ups) run at once: a tenant with 10 connections in
/// 3 regions lists in one wave (a listing waits on the network, not on the CPU).
const LIST_CONCURRENCY: usize = 32;

/// One invocation as the caller asked for it.
#[derive(Debug)]
pub struct InvokeRequest<'a> {
    pub reference: &'a FunctionRef,
    pub qualifier: Option<&'a str>,
    pub mode: InvokeMode,
    pub payload: Vec<u8>,
    /// Same key, same caller, within 24 hours: the first outcome, nothing run again.
    pub idempotency_key: Option<&'a str>,
    /// Run this preset's payload (then `payload` must be empty).
    pub preset: Option<&'a str>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct ListingError {
    pub connection: String,
    pub region: String,
    pub code: &'static str,
    pub detail: String,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct FunctionPage {
    pub functions: Vec<FunctionSummary>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// Places the caller could see that could not be listed; the rest of the page is valid.
    pub errors: Vec<ListingError>,
}

impl Launcher {
    pub async fn list_functions(
        &self,
        principal: &Principal,
        limit: Option<usize>,
        cursor: Option<&str>,
        with_tags: bool,
    ) -> Result<FunctionPage> {
        let limit = limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(LauncherError::invalid(format!("limit must be 1-{MAX_PAGE_SIZE}")));
        }
        let after = cursor.map(decode_cursor).transpose()?;
        let (connections, rules) =
            futures::try_join!(self.cached_connections(&principal.tenant), self.rules_for(principal))?;

        // Only places some grant of the caller's reaches cost an AWS call (admins reach all).
        let targets: Vec<(&Connection, Vec<&String>)> = connections
            .iter()
            .filter(|c| c.is_active())
            .map(|c| {
                let regions = c
                    .regions
                    .iter()
                    .filter(|r| could_select(principal, &self.admin_group, &rules, &c.id, r))
                    .collect::<Vec<_>>();
                (c, regions)
            })
            .filter(|(_, regions)| !regions.is_empty())
            .collect();

        // Credentials once per connection, then every (connection, region) concurrently. The
        // futures are built before they are streamed: a stream of closures over borrowed items
        // would make the handler's future not `Send` for every lifetime.
        let lookups: Vec<_> =
            targets
                .iter()
                .map(|(connection, _)| async move {
                    (connection.id.as_str(), self.credentials(principal, connection).await)
                })
                .collect();
        let credentials: HashMap<&str, Result<LiveCredentials>> =
            stream::iter(lookups).buffer_unordered(LIST_CONCURRENCY).collect().await;
        let credentials = &credentials;
        let listings: Vec<_> = targets
            .iter()
            .flat_map(|(connection, regions)| regions.iter().map(move |region| (*connection, *region)))
            .map(|(connection, region)| async move {
                let listed = match &credentials[connection.id.as_str()] {
                    Ok(credentials) => self.accounts.list_functions(credentials, region).await,
                    Err(e) => Err(e.clone()),
                };
                (connection, region, listed)
            })
            .collect();
        let listings: Vec<(&Connection, &String, Result<Vec<RemoteFunction>>)> =
            stream::iter(listings).buffer_unordered(LIST_CONCURRENCY).collect().await;

        let admin = self.is_admin(principal);
        let mut functions = Vec::new();
        let mut errors = Vec::new();
        let tagged = with_tags || needs_tags(principal, &self.admin_group, &rules);
        for (connection, region, listed) in listings {
            // Tags only when they can change the answer (tag selectors, opt-in), and cached.
            let listed = match (listed, tagged) {
                (Ok(remote), true) => match &credentials[connection.id.as_str()] {
                    Ok(creds) => {
                        let arns = remote.iter().map(|f| f.arn.clone()).collect();
                        self.tags_of(connection, creds, region, arns).await.map(|tags| (remote, Some(tags)))
                    }
                    Err(e) => Err(e.clone()),
                },
                (Ok(remote), false) => Ok((remote, None)),
                (Err(e), _) => Err(e),
            };
            match listed {
                Ok((remote, tags)) => {
                    for f in remote {
                        let reference = FunctionRef {
                            connection: connection.id.clone(),
                            region: region.clone(),
                            name: f.name.clone(),
                        };
                        let function_tags = tags.as_ref().and_then(|t| t.get(&f.arn));
                        let permissions = authorize(principal, &self.admin_group, &rules, &reference, function_tags);
                        if permissions.view {
                            let mut entry = summary(connection, region, f, permissions);
                            entry.tags = function_tags.cloned();
                            functions.push(entry);
                        }
                    }
                }
                Err(e) => errors.push(ListingError {
                    connection: connection.id.clone(),
                    region: region.clone(),
                    code: e.code().as_str(),
                    // Admins get AWS's error codes to fix the link; others only the kind of failure.
                    detail: if admin { e.public_detail() } else { "this place could not be listed".to_owned() },
                }),
            }
        }
        functions.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        errors.sort_by(|a, b| (&a.connection, &a.region).cmp(&(&b.connection, &b.region)));
        if let Some(after) = &after {
            functions.retain(|f| sort_key(f) > (after.0.as_str(), after.1.as_str(), after.2.as_str()));
        }
        let next_cursor = (functions.len() > limit).then(|| encode_cursor(&functions[limit - 1]));
        functions.truncate(limit);
        Ok(FunctionPage { functions, next_cursor, errors })
    }

    /// Finds the connection and the caller's permissions for a function. Anything the caller
    /// may not view — an unknown connection, a region not linked, a denied function — is
    /// `FunctionNotFound`, the same answer as a function that does not exist.
    pub(super) async fn resolve(
        &self,
        principal: &Principal,
        reference: &FunctionRef,
    ) -> Result<(std::sync::Arc<Connection>, Permissions)> {
        names::connection_id(&reference.connection).map_err(|_| LauncherError::FunctionNotFound)?;
        names::region(&reference.region)?;
        names::function_name(&reference.name)?;
        let (connection, rules) = futures::try_join!(
            self.cached_connection(&principal.tenant, &reference.connection),
            self.rules_for(principal)
        )?;
        let connection = connection.filter(|c| c.is_active()).ok_or(LauncherError::FunctionNotFound)?;
        if !connection.regions.contains(&reference.region) {
            return Err(LauncherError::FunctionNotFound);
        }
        let mut permissions = authorize(principal, &self.admin_group, &rules, reference, None);
        if permissions != Permissions::ALL && needs_tags(principal, &self.admin_group, &rules) {
            // The function's tags may grant more: read them (cached) before deciding. A missing
            // function has no tags, so it stays as hidden as any other.
            let credentials = self.credentials(principal, &connection).await?;
            let arn =
                format!("arn:aws:lambda:{}:{}:function:{}", reference.region, connection.account_id, reference.name);
            let tags = match self.tags_of(&connection, &credentials, &reference.region, vec![arn.clone()]).await {
                Ok(mut tags) => tags.remove(&arn),
                Err(LauncherError::FunctionNotFound) => None,
                Err(e) => return Err(e),
            };
            permissions = authorize(principal, &self.admin_group, &rules, reference, tags.as_ref());
        }
        if !permissions.view {
            return Err(LauncherError::FunctionNotFound);
        }
        Ok((connection, permissions))
    }

    /// The function as AWS describes it (cached for `FUNCTION_TTL`), or `FunctionNotFound`.
    async fn describe(
        &self,
        connection: &Connection,
        credentials: &LiveCredentials,
        reference: &FunctionRef,
        qualifier: Option<&str>,
    ) -> Result<std::sync::Arc<RemoteFunction>> {
        let key = (
            connection.tenant.clone(),
            connection.id.clone(),
            super::caches::generation(connection),
            reference.region.clone(),
            reference.name.clone(),
            qualifier.map(str::to_owned),
        );
        if let Some(function) = self.caches.functions.get(&key) {
            return Ok(function);
        }
        let function = std::sync::Arc::new(
            self.accounts
                .get_function(credentials, &reference.region, &reference.name, qualifier)
                .await?
                .ok_or(LauncherError::FunctionNotFound)?,
        );
        self.caches.functions.insert(key, function.clone());
        Ok(function)
    }

    pub async fn get_function(
        &self,
        principal: &Principal,
        reference: &FunctionRef,
        qualifier: Option<&str>,
    ) -> Result<FunctionDetail> {
        if let Some(q) = qualifier {
            names::qualifier(q)?;
        }
        let (connection, permissions) = self.resolve(principal, reference).await?;
        let credentials = self.credentials(principal, &connection).await?;
        let remote = self.describe(&connection, &credentials, reference, qualifier).await?;
        // A broken schema does not hide the function: GET shows none, an invoke says why. A store
        // that cannot be read is an error here too.
        let input_schema = match self.input_schema(&principal.tenant, &remote.tags).await {
            Ok(schema) => schema,
            Err(LauncherError::InputSchemaInvalid(_)) => None,
            Err(e) => return Err(e),
        };
        Ok(detail(&connection, &reference.region, &remote, permissions, input_schema.map(|s| s.as_json().clone())))
    }

    /// Invokes, and records the attempt — allowed, denied or failed — in the audit trail. The
    /// record of an allowed invocation is written before the function runs; if that write fails
    /// the function is not run (fail closed).
    pub async fn invoke(&self, principal: &Principal, request: InvokeRequest<'_>) -> Result<InvokeOutcome> {
        let InvokeRequest { reference, qualifier, mode, payload, idempotency_key, preset } = request;
        let started = Instant::now();
        let mut record = self.audit_record(principal, AuditAction::Invoke);
        record.connection = Some(reference.connection.clone());
        record.region = Some(reference.region.clone());
        record.function = Some(reference.name.clone());
        record.qualifier = qualifier.map(str::to_owned);
        record.mode = Some(mode.as_str().to_owned());
        record.payload_bytes = Some(payload.len());
        record.payload_sha256 = Some(payload_digest(&payload));
        record.outcome = Outcome::Denied;

        record.detail = preset.map(|p| format!("preset {p}"));
        let request = InvokeRequest { reference, qualifier, mode, payload, idempotency_key, preset };
        let result = self.run_invoke(principal, request, &mut record).await;
        record.duration_ms = Some(started.elapsed().as_millis() as u64);
        match &result {
            Ok(outcome) => {
                record.outcome = if outcome.replayed {
                    Outcome::Replayed
                } else if outcome.function_error.is_some() {
                    Outcome::FunctionError
                } else {
                    Outcome::Succeeded
                };
                record.status_code = Some(outcome.status_code);
                record.request_id = outcome.request_id.clone();
                record.error_code = outcome.function_error.clone();
            }
            Err(LauncherError::AuditUnavailable(_)) => return result,
            Err(e) => {
                if record.outcome != Outcome::Started {
                    record.outcome = match e.code().status() {
                        403 | 404 => Outcome::Denied,
                        _ => Outcome::Failed,
                    };
                } else {
                    record.outcome = Outcome::Failed;
                }
                record.error_code = Some(e.code().as_str().to_owned());
            }
        }
        self.audit_done(&record).await;
        result
    }

    async fn run_invoke(
        &self,
        principal: &Principal,
        request: InvokeRequest<'_>,
        record: &mut AuditRecord,
    ) -> Result<InvokeOutcome> {
        let InvokeRequest { reference, qualifier, mode, payload, idempotency_key, preset } = request;
        if let Some(key) = idempotency_key {
            idempotency::check_key(key)?;
        }
        if let Some(q) = qualifier {
            names::qualifier(q)?;
        }
        let (connection, permissions) = self.resolve(principal, reference).await?;
        let credentials = self.credentials(principal, &connection).await?;
        // Resolve first: Invoke on a missing function must be a clean 404 (some Lambda stand-ins
        // answer it with a 200), and a missing function is 404 whatever the caller's rights.
        let function = self.describe(&connection, &credentials, reference, qualifier).await?;
        let (needed, limit) = match mode {
            InvokeMode::Sync | InvokeMode::DryRun => (Action::Invoke, SYNC_PAYLOAD_LIMIT),
            InvokeMode::Async => (Action::InvokeAsync, ASYNC_PAYLOAD_LIMIT),
        };
        if !permissions.allows(needed) {
            return Err(LauncherError::InvokeForbidden { mode: mode.as_str() });
        }
        let payload = match preset {
            None => payload,
            Some(name) => {
                let payload = self.preset_payload(principal, reference, name).await?;
                record.payload_bytes = Some(payload.len());
                record.payload_sha256 = Some(payload_digest(&payload));
                payload
            }
        };
        let payload = checked_payload(payload, mode, limit)?;
        let payload_bytes = payload.len();
        // The function's declared input: checked before anything is claimed, recorded or run.
        if let Some(schema) = self.input_schema(&principal.tenant, &function.tags).await? {
            let value: serde_json::Value = serde_json::from_slice(&payload)
                .map_err(|_| LauncherError::InvalidPayload("the payload is not valid JSON".into()))?;
            schema
                .validate(&value)
                .map_err(|v| LauncherError::PayloadSchemaViolation { pointer: v.pointer, message: v.message })?;
        }

        // A repeated key answers with the first request's outcome; nothing runs again.
        let claim = match idempotency_key {
            None => None,
            Some(key) => {
                let scoped = idempotency::scoped_key(&principal.subject, key);
                let fingerprint = idempotency::fingerprint(reference, qualifier, mode, &payload);
                match self.idempotency.claim(&principal.tenant, &scoped, &fingerprint, unix_now()).await? {
                    Claim::Claimed => Some((scoped, fingerprint)),
                    Claim::InFlight => return Err(LauncherError::IdempotencyInFlight),
                    Claim::Done { fingerprint: first, .. } if first != fingerprint => {
                        return Err(LauncherError::IdempotencyKeyReused)
                    }
                    Claim::Done { outcome: Ok(stored), .. } => return Ok(stored.replay()),
                    Claim::Done { outcome: Err(code), .. } => {
                        return Err(LauncherError::InvokeOutcomeUnknown(format!(
                            "the first request with this Idempotency-Key ended with {code}"
                        )))
                    }
                }
            }
        };
        let release = |claim: &Option<(String, String)>| {
            let claim = claim.clone();
            async move {
                if let Some((scoped, _)) = claim {
                    if let Err(e) = self.idempotency.release(&principal.tenant, &scoped).await {
                        tracing::error!(error = %e, "idempotency key not released");
                    }
                }
            }
        };

        record.outcome = Outcome::Started;
        if let Err(e) = self.audit.record(record).await {
            release(&claim).await;
            return Err(e);
        }
        let invoked =
            self.accounts.invoke(&credentials, &reference.region, &reference.name, qualifier, mode, payload).await;
        if let Some((scoped, fingerprint)) = &claim {
            let stored = invoked.as_ref().ok().map(StoredOutcome::from);
            let finished = match (&invoked, &stored) {
                (Ok(_), Some(stored)) => Some(Ok(stored)),
                // The function may have run: a retry must not run it again.
                (Err(e @ LauncherError::InvokeOutcomeUnknown(_)), _) => Some(Err(e.code().as_str())),
                _ => None,
            };
            match finished {
                Some(outcome) => {
                    if let Err(e) =
                        self.idempotency.complete(&principal.tenant, scoped, fingerprint, outcome, unix_now()).await
                    {
                        tracing::error!(error = %e, "idempotency outcome not stored");
                    }
                }
                None => release(&claim).await,
            }
        }
        let outcome = invoked?;
        tracing::info!(
            tenant = %principal.tenant,
            subject = %principal.subject,
            connection = %reference.connection,
            region = %reference.region,
            function = %reference.name,
            qualifier = qualifier.unwrap_or("$LATEST"),
            mode = mode.as_str(),
            status = outcome.status_code,
            function_error = outcome.function_error.as_deref().unwrap_or(""),
            request_id = outcome.request_id.as_deref().unwrap_or(""),
            duration_ms = outcome.duration_ms,
            payload_bytes,
            audit_id = %record.id,
            "function invoked"
        );
        Ok(outcome)
    }
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Enforces the mode's size limit and that the payload is JSON (Lambda refuses anything else).
/// An empty body means `{}`.
fn checked_payload(payload: Vec<u8>, mode: InvokeMode, limit: usize) -> Result<Vec<u8>> {
    if payload.len() > limit {
        return Err(LauncherError::PayloadTooLarge(format!(
            "the {} payload is {} bytes; the limit is {limit} bytes{}",
            mode.as_str(),
            payload.len(),
            if mode == InvokeMode::Async { " (use mode=sync for up to 6 MB)" } else { "" }
        )));
    }
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Ok(b"{}".to_vec());
    }
    // Before parsing: a parser gives up past its own depth limit with a message about syntax.
    if nesting_depth(&payload) > PAYLOAD_DEPTH_LIMIT {
        return Err(LauncherError::InvalidPayload(format!(
            "the payload nests arrays and objects more than {PAYLOAD_DEPTH_LIMIT} levels deep"
        )));
    }
    serde_json::from_slice::<serde::de::IgnoredAny>(&payload).map_err(|e| {
        LauncherError::InvalidPayload(format!(
            "the payload is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    Ok(payload)
}

fn summary(connection: &Connection, region: &str, f: RemoteFunction, permissions: Permissions) -> FunctionSummary {
    FunctionSummary {
        connection: connection.id.clone(),
        account_id: connection.account_id.clone(),
        region: region.to_owned(),
        name: f.name,
        arn: f.arn,
        description: f.description,
        runtime: f.runtime,
        memory_mb: f.memory_mb,
        timeout_seconds: f.timeout_seconds,
        last_modified: f.last_modified,
        allowed: permissions.names(),
        tags: None,
    }
}

fn detail(
    connection: &Connection,
    region: &str,
    f: &RemoteFunction,
    permissions: Permissions,
    input_schema: Option<serde_json::Value>,
) -> FunctionDetail {
    let RemoteFunction { handler, version, state, architectures, package_type, tags, .. } = f.clone();
    let mut summary = summary(connection, region, f.clone(), permissions);
    summary.tags = Some(tags);
    FunctionDetail { summary, handler, version, state, architectures, package_type, input_schema }
}

fn sort_key(f: &FunctionSummary) -> (&str, &str, &str) {
    (&f.connection, &f.region, &f.name)
}

fn encode_cursor(f: &FunctionSummary) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}\n{}\n{}", f.connection, f.region, f.name))
}

fn decode_cursor(cursor: &str) -> Result<(String, String, String)> {
    use base64::Engine;
    let invalid = || LauncherError::invalid("cursor is not one this API returned");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let mut parts = text.splitn(3, '\n').map(str::to_owned);
    match (parts.next(), parts.next(), parts.next()) {
        (Some(c), Some(r), Some(n)) => Ok((c, r, n)),
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_checks() {
        assert_eq!(checked_payload(Vec::new(), InvokeMode::Sync, 10).unwrap(), b"{}");
        assert_eq!(checked_payload(b"  ".to_vec(), InvokeMode::Sync, 10).unwrap(), b"{}");
        assert_eq!(checked_payload(b"[1]".to_vec(), InvokeMode::Sync, 10).unwrap(), b"[1]");
        let bad = checked_payload(b"{nope".to_vec(), InvokeMode::Sync, 10).unwrap_err();
        assert_eq!(bad.code().as_str(), "invalid_payload");
        let big = checked_payload(vec![b' '; 11], InvokeMode::Async, 10).unwrap_err();
        assert_eq!(big.code().as_str(), "payload_too_large");
        assert!(big.to_string().contains("11 bytes"));
    }

    #[test]
    fn payloads_nest_at_most_the_depth_limit() {
        let nested = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels)).into_bytes();
        let limit = SYNC_PAYLOAD_LIMIT;
        assert!(checked_payload(nested(PAYLOAD_DEPTH_LIMIT), InvokeMode::Sync, limit).is_ok());
        let deep = checked_payload(nested(PAYLOAD_DEPTH_LIMIT + 1), InvokeMode::Sync, limit).unwrap_err();
        assert_eq!(deep.code().as_str(), "invalid_payload");
        assert!(deep.to_string().contains("levels deep"), "{deep}");
        let very_deep = checked_payload(nested(100_000), InvokeMode::Sync, limit).unwrap_err();
        assert_eq!(very_deep.code().as_str(), "invalid_payload");
        // Brackets in strings, escaped quotes included, are text, not nesting.
        let text = format!(r#"{{"a": "{}\"{}", "b": [[1]]}}"#, "[".repeat(500), "{".repeat(500));
        assert_eq!(nesting_depth(text.as_bytes()), 3);
        assert!(checked_payload(text.into_bytes(), InvokeMode::Sync, limit).is_ok());
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let f = FunctionSummary {
            connection: "prod".into(),
            account_id: "1".into(),
            region: "us-east-1".into(),
            name: "fn".into(),
            arn: String::new(),
            description: String::new(),
            runtime: None,
            memory_mb: None,
            timeout_seconds: None,
            last_modified: None,
            allowed: vec![],
            tags: None,
        };
        let c = encode_cursor(&f);
        assert_eq!(decode_cursor(&c).unwrap(), ("prod".into(), "us-east-1".into(), "fn".into()));
        assert!(decode_cursor("!!").is_err());
        assert!(decode_cursor("YWJj").is_err());
    }
}
