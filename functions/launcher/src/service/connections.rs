//! Linking accounts: by access key, or by a cross-account role with a launcher-generated
//! External ID. Both validate against AWS before anything is stored.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::credentials::session_name;
use super::time::now_rfc3339;
use super::Launcher;
use crate::domain::audit::AuditAction;
use crate::domain::connection::{
    new_external_id, role_account, sts_name, Connection, ConnectionView, LiveCredentials, StoredCredentials,
};
use crate::domain::names;
use crate::error::{LauncherError, Result};
use crate::identity::Principal;
use crate::ports::RoleSession;

const MAX_REGIONS: usize = 20;
/// The launcher's functions may assume only roles named so (see template.yaml), and the role
/// template creates them so.
pub const ROLE_NAME_PREFIX: &str = "lambda-launcher-";
pub const ROLE_TEMPLATE: &str = "infra/cross-account-role.yaml";

/// `POST /connections`. `kind` is `access_key` (the default) or `role`; a role connection must
/// first be created by `POST /connections/role-setup`, which issues its External ID.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkRequest {
    pub id: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub access_key_id: Option<String>,
    #[serde(default)]
    pub secret_access_key: Option<SecretString>,
    #[serde(default)]
    pub role_arn: Option<String>,
    pub regions: Vec<String>,
}

/// `POST /connections/role-setup`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleSetupRequest {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// What a tenant admin needs to create the role in the customer account.
#[derive(Debug, Serialize)]
pub struct RoleSetupView {
    pub connection: ConnectionView,
    pub external_id: String,
    pub launcher_account_id: String,
    pub template: &'static str,
    pub parameters: Value,
    /// The request that completes the link once the role exists.
    pub link_request: Value,
}

/// A checked access-key link request.
pub(super) struct AccessKeyLink {
    pub id: String,
    pub name: String,
    pub access_key_id: String,
    pub secret: SecretString,
    pub regions: Vec<String>,
}

impl AccessKeyLink {
    pub fn checked(
        id: String,
        name: Option<&str>,
        access_key_id: Option<String>,
        secret: Option<SecretString>,
        regions: &[String],
    ) -> Result<Self> {
        let (Some(access_key_id), Some(secret)) = (access_key_id, secret) else {
            return Err(LauncherError::invalid("an access_key connection needs access_key_id and secret_access_key"));
        };
        names::connection_id(&id)?;
        names::access_key_id(&access_key_id)?;
        if !(16..=128).contains(&secret.expose_secret().len()) {
            return Err(LauncherError::invalid("secret_access_key must be 16-128 characters"));
        }
        let regions = checked_regions(regions)?;
        let name = checked_name(name, &id)?;
        Ok(Self { id, name, access_key_id, secret, regions })
    }
}

fn checked_regions(regions: &[String]) -> Result<Vec<String>> {
    let mut regions = regions.to_vec();
    regions.sort();
    regions.dedup();
    if regions.is_empty() || regions.len() > MAX_REGIONS {
        return Err(LauncherError::invalid(format!("regions must list 1-{MAX_REGIONS} AWS regions")));
    }
    for region in &regions {
        names::region(region)?;
    }
    Ok(regions)
}

fn checked_name(name: Option<&str>, id: &str) -> Result<String> {
    let name = name.unwrap_or(id);
    if name.is_empty() || name.chars().count() > 128 {
        return Err(LauncherError::invalid("name must be 1-128 characters"));
    }
    Ok(name.to_owned())
}

impl Launcher {
    pub async fn link(&self, principal: &Principal, request: LinkRequest) -> Result<ConnectionView> {
        self.require_admin(principal)?;
        names::connection_id(&request.id)?;
        match request.kind.as_deref().unwrap_or("access_key") {
            "access_key" => self.link_access_key(principal, request).await,
            "role" => self.link_role(principal, request).await,
            _ => Err(LauncherError::invalid("kind must be access_key or role")),
        }
    }

    async fn link_access_key(&self, principal: &Principal, request: LinkRequest) -> Result<ConnectionView> {
        if request.role_arn.is_some() {
            return Err(LauncherError::invalid("role_arn belongs to kind \"role\""));
        }
        let key = AccessKeyLink::checked(
            request.id,
            request.name.as_deref(),
            request.access_key_id,
            request.secret_access_key,
            &request.regions,
        )?;
        // Fail fast on a taken id; the conditional write below is what actually guards it.
        if self.connections.get(&principal.tenant, &key.id).await?.is_some() {
            return Err(LauncherError::ConnectionExists(key.id));
        }
        let connection = self.access_key_connection(&principal.tenant, &principal.subject, key).await?;
        let inserted = self.connections.insert(&connection).await;
        self.caches.forget_connection(&connection.tenant, &connection.id);
        inserted?;
        log_linked(&principal.subject, &connection);
        self.audit_connection(principal, AuditAction::Link, &connection.id, Some("access_key".into())).await;
        Ok(ConnectionView::from(&connection))
    }

    /// Validates an access key against AWS and encrypts its secret: a connection ready to store.
    pub(super) async fn access_key_connection(&self, tenant: &str, by: &str, key: AccessKeyLink) -> Result<Connection> {
        let credentials = LiveCredentials::access_key(&key.access_key_id, key.secret);
        let account_id = self.validate(&credentials, &key.regions).await?;
        let secret_ciphertext = self.cipher.encrypt(tenant, &key.id, &credentials.secret_access_key).await?;
        Ok(Connection {
            tenant: tenant.to_owned(),
            id: key.id,
            name: key.name,
            account_id,
            regions: key.regions,
            credentials: StoredCredentials::AccessKey { access_key_id: key.access_key_id, secret_ciphertext },
            created_at: now_rfc3339(),
            created_by: by.to_owned(),
            version: 1,
            unlink_token_hash: None,
        })
    }

    /// STS GetCallerIdentity (the account id), then ListFunctions in every region.
    async fn validate(&self, credentials: &LiveCredentials, regions: &[String]) -> Result<String> {
        let account_id = self.accounts.account_id(credentials).await?;
        let probes = regions.iter().map(|region| self.accounts.probe_region(credentials, region));
        for result in futures::future::join_all(probes).await {
            result?;
        }
        Ok(account_id)
    }

    pub async fn role_setup(&self, principal: &Principal, request: RoleSetupRequest) -> Result<RoleSetupView> {
        self.require_admin(principal)?;
        names::connection_id(&request.id)?;
        let name = checked_name(request.name.as_deref(), &request.id)?;
        let launcher_account_id = self.accounts.launcher_account_id().await?;
        let external_id = new_external_id();
        let connection = Connection {
            tenant: principal.tenant.clone(),
            id: request.id.clone(),
            name,
            account_id: String::new(),
            regions: Vec::new(),
            credentials: StoredCredentials::Role { role_arn: None, external_id: external_id.clone() },
            created_at: now_rfc3339(),
            created_by: principal.subject.clone(),
            version: 1,
            unlink_token_hash: None,
        };
        let inserted = self.connections.insert(&connection).await;
        self.caches.forget_connection(&connection.tenant, &connection.id);
        inserted?;
        tracing::info!(tenant = %principal.tenant, connection = %request.id, by = %principal.subject, "role setup started");
        self.audit_connection(principal, AuditAction::Link, &request.id, Some("role setup: pending".into())).await;
        let role_name = format!("{ROLE_NAME_PREFIX}access");
        Ok(RoleSetupView {
            connection: ConnectionView::from(&connection),
            parameters: json!({
                "LauncherAccountId": launcher_account_id,
                "ExternalId": external_id,
                "RoleName": role_name,
            }),
            link_request: json!({
                "kind": "role",
                "id": request.id,
                "role_arn": format!("arn:aws:iam::<customer-account-id>:role/{role_name}"),
                "regions": ["<region>"],
            }),
            external_id,
            launcher_account_id,
            template: ROLE_TEMPLATE,
        })
    }

    async fn link_role(&self, principal: &Principal, request: LinkRequest) -> Result<ConnectionView> {
        if request.access_key_id.is_some() || request.secret_access_key.is_some() {
            return Err(LauncherError::invalid("a role connection takes no access key"));
        }
        let role_arn = request.role_arn.ok_or_else(|| LauncherError::invalid("a role connection needs role_arn"))?;
        let role_account_id = role_account(&role_arn)
            .ok_or_else(|| {
                LauncherError::invalid("role_arn must be an IAM role ARN, arn:aws:iam::<account>:role/<name>")
            })?
            .to_owned();
        let role_name = role_arn.rsplit('/').next().unwrap_or_default();
        if !role_name.starts_with(ROLE_NAME_PREFIX) {
            return Err(LauncherError::invalid(format!(
                "the role's name must start with {ROLE_NAME_PREFIX} (the launcher may assume only such roles; {ROLE_TEMPLATE} names it so)"
            )));
        }
        let regions = checked_regions(&request.regions)?;
        let pending = self.connections.get(&principal.tenant, &request.id).await?.ok_or_else(|| {
            LauncherError::invalid(format!(
                "no pending role connection '{}': start with POST /connections/role-setup",
                request.id
            ))
        })?;
        let external_id = match &pending.credentials {
            StoredCredentials::Role { role_arn: None, external_id } => external_id.clone(),
            _ => return Err(LauncherError::ConnectionExists(request.id)),
        };
        let assumed = self
            .accounts
            .assume_role(&RoleSession {
                role_arn: &role_arn,
                external_id: &external_id,
                session_name: &session_name(&principal.tenant),
                source_identity: Some(&sts_name(&principal.subject)),
            })
            .await;
        let session = match assumed {
            Ok(session) => session,
            Err(LauncherError::RoleAssumeDenied(why)) => {
                let launcher = self.accounts.launcher_account_id().await.unwrap_or_else(|_| "the launcher's".into());
                return Err(LauncherError::LinkValidationFailed(format!(
                    "the launcher could not assume {role_arn} ({why}): the role must trust account {launcher} \
                     on condition sts:ExternalId = this connection's External ID (see GET /connections/{})",
                    request.id
                )));
            }
            Err(other) => return Err(other),
        };
        let account_id = self.validate(&session.credentials, &regions).await?;
        if account_id != role_account_id {
            return Err(LauncherError::LinkValidationFailed(format!(
                "the assumed role belongs to account {account_id}, not {role_account_id}"
            )));
        }
        let connection = Connection {
            name: match request.name.as_deref() {
                Some(name) => checked_name(Some(name), &request.id)?,
                None => pending.name.clone(),
            },
            account_id,
            regions,
            credentials: StoredCredentials::Role { role_arn: Some(role_arn), external_id },
            version: pending.version + 1,
            ..pending
        };
        let replaced = self.connections.replace(&connection).await;
        self.caches.forget_connection(&connection.tenant, &connection.id);
        replaced?;
        log_linked(&principal.subject, &connection);
        self.audit_connection(principal, AuditAction::Link, &connection.id, Some("role".into())).await;
        Ok(ConnectionView::from(&connection))
    }

    pub async fn list_connections(&self, principal: &Principal) -> Result<Vec<ConnectionView>> {
        self.require_admin(principal)?;
        let mut views: Vec<ConnectionView> =
            self.connections.list(&principal.tenant).await?.iter().map(ConnectionView::from).collect();
        views.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(views)
    }

    pub async fn get_connection(&self, principal: &Principal, id: &str) -> Result<ConnectionView> {
        self.require_admin(principal)?;
        names::connection_id(id).map_err(|_| LauncherError::ConnectionNotFound)?;
        let connection = self.connections.get(&principal.tenant, id).await?.ok_or(LauncherError::ConnectionNotFound)?;
        Ok(ConnectionView::from(&connection))
    }

    pub async fn unlink(&self, principal: &Principal, id: &str) -> Result<()> {
        self.require_admin(principal)?;
        names::connection_id(id).map_err(|_| LauncherError::ConnectionNotFound)?;
        // This instance forgets it at once; others within CONNECTION_TTL.
        let deleted = self.connections.delete(&principal.tenant, id).await;
        self.caches.forget_connection(&principal.tenant, id);
        deleted?;
        tracing::info!(tenant = %principal.tenant, connection = %id, by = %principal.subject, "account unlinked");
        self.audit_connection(principal, AuditAction::Unlink, id, None).await;
        Ok(())
    }
}

pub(super) fn log_linked(by: &str, connection: &Connection) {
    tracing::info!(
        tenant = %connection.tenant,
        connection = %connection.id,
        kind = ConnectionView::from(connection).kind,
        account_id = %connection.account_id,
        regions = ?connection.regions,
        by,
        "account linked"
    );
}
