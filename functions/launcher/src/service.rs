//! The use cases: link, list, get, invoke, rules. Pure orchestration over the ports; every store
//! access is keyed by the caller's tenant, and every function access goes through `authorize`.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use futures::stream::{self, StreamExt};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use crate::config::{ASYNC_PAYLOAD_LIMIT, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, SYNC_PAYLOAD_LIMIT};
use crate::domain::connection::{Connection, ConnectionView, LiveCredentials, StoredCredentials};
use crate::domain::function::{
    FunctionDetail, FunctionRef, FunctionSummary, InvokeMode, InvokeOutcome,
};
use crate::domain::names;
use crate::domain::rules::{self, authorize, Action, Permissions, RuleSet};
use crate::error::{LauncherError, Result};
use crate::identity::Principal;
use crate::ports::{ConnectionStore, LambdaAccounts, RemoteFunction, RuleStore, SecretCipher};

/// How many (connection, region) listings run at once.
const LIST_CONCURRENCY: usize = 16;
const MAX_REGIONS: usize = 20;

pub struct Launcher {
    pub connections: Arc<dyn ConnectionStore>,
    pub rules: Arc<dyn RuleStore>,
    pub cipher: Arc<dyn SecretCipher>,
    pub accounts: Arc<dyn LambdaAccounts>,
    pub admin_group: String,
}

/// `POST /connections` with an access key.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkAccessKey {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    pub access_key_id: String,
    pub secret_access_key: SecretString,
    pub regions: Vec<String>,
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
    /// Connections or regions that could not be listed; the rest of the page is still valid.
    pub errors: Vec<ListingError>,
}

impl Launcher {
    pub fn require_admin(&self, principal: &Principal) -> Result<()> {
        if principal.in_group(&self.admin_group) {
            Ok(())
        } else {
            Err(LauncherError::Forbidden(format!(
                "this needs the tenant admin group '{}'",
                self.admin_group
            )))
        }
    }

    // ----- connections -------------------------------------------------------------------

    pub async fn link_access_key(
        &self,
        principal: &Principal,
        request: LinkAccessKey,
    ) -> Result<ConnectionView> {
        self.require_admin(principal)?;
        names::connection_id(&request.id)?;
        names::access_key_id(&request.access_key_id)?;
        let secret_len = request.secret_access_key.expose_secret().len();
        if !(16..=128).contains(&secret_len) {
            return Err(LauncherError::invalid(
                "secret_access_key must be 16-128 characters",
            ));
        }
        let mut regions = request.regions.clone();
        regions.sort();
        regions.dedup();
        if regions.is_empty() || regions.len() > MAX_REGIONS {
            return Err(LauncherError::invalid(format!(
                "regions must list 1-{MAX_REGIONS} AWS regions"
            )));
        }
        for region in &regions {
            names::region(region)?;
        }
        let name = request.name.clone().unwrap_or_else(|| request.id.clone());
        if name.is_empty() || name.len() > 128 {
            return Err(LauncherError::invalid("name must be 1-128 characters"));
        }
        // Fail fast on a taken id; the conditional write below is what actually guards it.
        if self
            .connections
            .get(&principal.tenant, &request.id)
            .await?
            .is_some()
        {
            return Err(LauncherError::ConnectionExists(request.id));
        }

        let credentials = LiveCredentials {
            access_key_id: request.access_key_id.clone(),
            secret_access_key: request.secret_access_key.clone(),
        };
        let account_id = self.accounts.account_id(&credentials).await?;
        let probes = regions
            .iter()
            .map(|region| self.accounts.probe_region(&credentials, region));
        for result in futures::future::join_all(probes).await {
            result?;
        }
        let secret_ciphertext = self
            .cipher
            .encrypt(&principal.tenant, &request.id, &request.secret_access_key)
            .await?;
        let connection = Connection {
            tenant: principal.tenant.clone(),
            id: request.id,
            name,
            account_id,
            regions,
            credentials: StoredCredentials::AccessKey {
                access_key_id: request.access_key_id,
                secret_ciphertext,
            },
            created_at: now_rfc3339(),
            created_by: principal.subject.clone(),
            version: 1,
        };
        self.connections.insert(&connection).await?;
        tracing::info!(
            tenant = %connection.tenant,
            connection = %connection.id,
            account_id = %connection.account_id,
            regions = ?connection.regions,
            by = %principal.subject,
            "account linked"
        );
        Ok(ConnectionView::from(&connection))
    }

    pub async fn list_connections(&self, principal: &Principal) -> Result<Vec<ConnectionView>> {
        self.require_admin(principal)?;
        let mut views: Vec<ConnectionView> = self
            .connections
            .list(&principal.tenant)
            .await?
            .iter()
            .map(ConnectionView::from)
            .collect();
        views.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(views)
    }

    pub async fn get_connection(&self, principal: &Principal, id: &str) -> Result<ConnectionView> {
        self.require_admin(principal)?;
        names::connection_id(id).map_err(|_| LauncherError::ConnectionNotFound)?;
        let connection = self
            .connections
            .get(&principal.tenant, id)
            .await?
            .ok_or(LauncherError::ConnectionNotFound)?;
        Ok(ConnectionView::from(&connection))
    }

    pub async fn unlink(&self, principal: &Principal, id: &str) -> Result<()> {
        self.require_admin(principal)?;
        names::connection_id(id).map_err(|_| LauncherError::ConnectionNotFound)?;
        self.connections.delete(&principal.tenant, id).await?;
        tracing::info!(tenant = %principal.tenant, connection = %id, by = %principal.subject, "account unlinked");
        Ok(())
    }

    // ----- rules -------------------------------------------------------------------------

    pub async fn get_rules(&self, principal: &Principal) -> Result<RuleSet> {
        self.require_admin(principal)?;
        self.rules.get_rules(&principal.tenant).await
    }

    pub async fn put_rules(
        &self,
        principal: &Principal,
        rules: RuleSet,
        expected_version: u64,
    ) -> Result<RuleSet> {
        self.require_admin(principal)?;
        rules::validate(&rules)?;
        let stored = self
            .rules
            .put_rules(&principal.tenant, &rules, expected_version)
            .await?;
        tracing::info!(tenant = %principal.tenant, version = stored.version, by = %principal.subject, "rules replaced");
        Ok(stored)
    }

    // ----- functions ---------------------------------------------------------------------

    async fn credentials(&self, connection: &Connection) -> Result<LiveCredentials> {
        match &connection.credentials {
            StoredCredentials::AccessKey {
                access_key_id,
                secret_ciphertext,
            } => Ok(LiveCredentials {
                access_key_id: access_key_id.clone(),
                secret_access_key: self
                    .cipher
                    .decrypt(&connection.tenant, &connection.id, secret_ciphertext)
                    .await?,
            }),
        }
    }

    /// Rules apply to everyone but admins; admins skip the read.
    async fn rules_for(&self, principal: &Principal) -> Result<RuleSet> {
        if principal.in_group(&self.admin_group) {
            Ok(RuleSet::default())
        } else {
            self.rules.get_rules(&principal.tenant).await
        }
    }

    pub async fn list_functions(
        &self,
        principal: &Principal,
        limit: Option<usize>,
        cursor: Option<&str>,
    ) -> Result<FunctionPage> {
        let limit = limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(LauncherError::invalid(format!(
                "limit must be 1-{MAX_PAGE_SIZE}"
            )));
        }
        let after = cursor.map(decode_cursor).transpose()?;
        let (connections, rules) = futures::try_join!(
            self.connections.list(&principal.tenant),
            self.rules_for(principal)
        )?;

        // Owned pairs: borrowed closure arguments make the stream's future not `Send`-general.
        let targets: Vec<(Connection, String)> = connections
            .iter()
            .flat_map(|c| c.regions.iter().map(move |r| (c.clone(), r.clone())))
            .collect();
        let listings: Vec<_> = stream::iter(targets)
            .map(|(connection, region)| async move {
                let listed = async {
                    let credentials = self.credentials(&connection).await?;
                    self.accounts.list_functions(&credentials, &region).await
                }
                .await;
                (connection, region, listed)
            })
            .buffer_unordered(LIST_CONCURRENCY)
            .collect()
            .await;

        let mut functions = Vec::new();
        let mut errors = Vec::new();
        for (connection, region, listed) in listings {
            match listed {
                Ok(remote) => {
                    for f in remote {
                        let reference = FunctionRef {
                            connection: connection.id.clone(),
                            region: region.clone(),
                            name: f.name.clone(),
                        };
                        let permissions =
                            authorize(principal, &self.admin_group, &rules, &reference);
                        if permissions.view {
                            functions.push(summary(&connection, &region, f, permissions));
                        }
                    }
                }
                Err(e) => errors.push(ListingError {
                    connection: connection.id.clone(),
                    region: region.clone(),
                    code: e.code().as_str(),
                    detail: e.to_string(),
                }),
            }
        }
        functions.sort_by(|a, b| sort_key(a).cmp(&sort_key(b)));
        errors.sort_by(|a, b| (&a.connection, &a.region).cmp(&(&b.connection, &b.region)));
        if let Some(after) = &after {
            functions
                .retain(|f| sort_key(f) > (after.0.as_str(), after.1.as_str(), after.2.as_str()));
        }
        let next_cursor = (functions.len() > limit).then(|| encode_cursor(&functions[limit - 1]));
        functions.truncate(limit);
        Ok(FunctionPage {
            functions,
            next_cursor,
            errors,
        })
    }

    /// Finds the connection and the caller's permissions for a function. Anything the caller
    /// may not view — an unknown connection, a region not linked, a denied function — is
    /// `FunctionNotFound`, the same answer as a function that does not exist.
    async fn resolve(
        &self,
        principal: &Principal,
        reference: &FunctionRef,
    ) -> Result<(Connection, Permissions)> {
        names::connection_id(&reference.connection).map_err(|_| LauncherError::FunctionNotFound)?;
        names::region(&reference.region)?;
        names::function_name(&reference.name)?;
        let (connection, rules) = futures::try_join!(
            self.connections
                .get(&principal.tenant, &reference.connection),
            self.rules_for(principal)
        )?;
        let connection = connection.ok_or(LauncherError::FunctionNotFound)?;
        if !connection.regions.contains(&reference.region) {
            return Err(LauncherError::FunctionNotFound);
        }
        let permissions = authorize(principal, &self.admin_group, &rules, reference);
        if !permissions.view {
            return Err(LauncherError::FunctionNotFound);
        }
        Ok((connection, permissions))
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
        let credentials = self.credentials(&connection).await?;
        let remote = self
            .accounts
            .get_function(&credentials, &reference.region, &reference.name, qualifier)
            .await?
            .ok_or(LauncherError::FunctionNotFound)?;
        Ok(detail(&connection, &reference.region, remote, permissions))
    }

    pub async fn invoke(
        &self,
        principal: &Principal,
        reference: &FunctionRef,
        qualifier: Option<&str>,
        mode: InvokeMode,
        payload: Vec<u8>,
    ) -> Result<InvokeOutcome> {
        if let Some(q) = qualifier {
            names::qualifier(q)?;
        }
        let (connection, permissions) = self.resolve(principal, reference).await?;
        let (needed, limit) = match mode {
            InvokeMode::Sync | InvokeMode::DryRun => (Action::Invoke, SYNC_PAYLOAD_LIMIT),
            InvokeMode::Async => (Action::InvokeAsync, ASYNC_PAYLOAD_LIMIT),
        };
        if !permissions.allows(needed) {
            return Err(LauncherError::InvokeForbidden {
                mode: mode.as_str(),
            });
        }
        let payload = checked_payload(payload, mode, limit)?;
        let credentials = self.credentials(&connection).await?;
        // Resolve first: Invoke on a missing function must be a clean 404, and some Lambda
        // stand-ins answer it with a 200.
        self.accounts
            .get_function(&credentials, &reference.region, &reference.name, qualifier)
            .await?
            .ok_or(LauncherError::FunctionNotFound)?;
        let payload_bytes = payload.len();
        let outcome = self
            .accounts
            .invoke(
                &credentials,
                &reference.region,
                &reference.name,
                qualifier,
                mode,
                payload,
            )
            .await?;
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
            "function invoked"
        );
        Ok(outcome)
    }
}

/// Enforces the mode's size limit and that the payload is JSON (Lambda refuses anything else).
/// An empty body means `{}`.
fn checked_payload(payload: Vec<u8>, mode: InvokeMode, limit: usize) -> Result<Vec<u8>> {
    if payload.len() > limit {
        return Err(LauncherError::PayloadTooLarge(format!(
            "the {} payload is {} bytes; the limit is {limit} bytes{}",
            mode.as_str(),
            payload.len(),
            if mode == InvokeMode::Async {
                " (use mode=sync for up to 6 MB)"
            } else {
                ""
            }
        )));
    }
    if payload.iter().all(u8::is_ascii_whitespace) {
        return Ok(b"{}".to_vec());
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

fn summary(
    connection: &Connection,
    region: &str,
    f: RemoteFunction,
    permissions: Permissions,
) -> FunctionSummary {
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
    }
}

fn detail(
    connection: &Connection,
    region: &str,
    mut f: RemoteFunction,
    permissions: Permissions,
) -> FunctionDetail {
    let tags = std::mem::take(&mut f.tags);
    let (handler, version, state, architectures, package_type) = (
        f.handler.take(),
        f.version.take(),
        f.state.take(),
        std::mem::take(&mut f.architectures),
        f.package_type.take(),
    );
    FunctionDetail {
        summary: summary(connection, region, f, permissions),
        handler,
        version,
        state,
        architectures,
        package_type,
        tags,
    }
}

fn sort_key(f: &FunctionSummary) -> (&str, &str, &str) {
    (&f.connection, &f.region, &f.name)
}

fn encode_cursor(f: &FunctionSummary) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(format!("{}\n{}\n{}", f.connection, f.region, f.name))
}

fn decode_cursor(cursor: &str) -> Result<(String, String, String)> {
    use base64::Engine;
    let invalid = || LauncherError::invalid("cursor is not one this API returned");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor)
        .map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let mut parts = text.splitn(3, '\n').map(str::to_owned);
    match (parts.next(), parts.next(), parts.next()) {
        (Some(c), Some(r), Some(n)) => Ok((c, r, n)),
        _ => Err(invalid()),
    }
}

fn now_rfc3339() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    rfc3339(seconds)
}

/// Formats Unix seconds as an RFC 3339 UTC timestamp (civil-from-days, proleptic Gregorian).
fn rfc3339(unix_seconds: u64) -> String {
    let days = (unix_seconds / 86_400) as i64;
    let secs = unix_seconds % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_796_311_845), "2026-12-03T15:30:45Z");
    }

    #[test]
    fn payload_checks() {
        assert_eq!(
            checked_payload(Vec::new(), InvokeMode::Sync, 10).unwrap(),
            b"{}"
        );
        assert_eq!(
            checked_payload(b"  ".to_vec(), InvokeMode::Sync, 10).unwrap(),
            b"{}"
        );
        assert_eq!(
            checked_payload(b"[1]".to_vec(), InvokeMode::Sync, 10).unwrap(),
            b"[1]"
        );
        assert_eq!(
            checked_payload(b"{nope".to_vec(), InvokeMode::Sync, 10)
                .unwrap_err()
                .code()
                .as_str(),
            "invalid_payload"
        );
        let big = checked_payload(vec![b' '; 11], InvokeMode::Async, 10).unwrap_err();
        assert_eq!(big.code().as_str(), "payload_too_large");
        assert!(big.to_string().contains("11 bytes"));
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
        };
        let c = encode_cursor(&f);
        assert_eq!(
            decode_cursor(&c).unwrap(),
            ("prod".into(), "us-east-1".into(), "fn".into())
        );
        assert!(decode_cursor("!!").is_err());
        assert!(decode_cursor("YWJj").is_err());
    }
}
