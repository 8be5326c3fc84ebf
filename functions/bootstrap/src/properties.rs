//! The custom resource's properties: which tenant and connection to link, where, and how.
//!
//! CloudFormation passes every scalar as a string. `Regions` may be a list or a comma-separated
//! string (a `CommaDelimitedList` parameter gives a list). Errors never quote the `LinkToken`.

use launcher::domain::names;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

const MAX_REGIONS: usize = 20;
const KNOWN: &[&str] =
    &["ServiceToken", "ServiceTimeout", "Tenant", "ConnectionId", "Regions", "Name", "LauncherUrl", "LinkToken"];

/// How the new key reaches the launcher.
#[derive(Debug, Clone)]
pub enum Target {
    /// The launcher's own account: link through the launcher library, as a tenant admin of
    /// `tenant` would.
    InProcess { tenant: String, connection_id: String },
    /// Another account: `POST {url}/link` with a one-time link token. The token names the tenant
    /// and the connection id; `connection_id` only names the IAM user when given.
    Https { url: String, token: SecretString, connection_id: Option<String> },
}

#[derive(Debug, Clone)]
pub struct Properties {
    pub target: Target,
    /// Sorted, without duplicates.
    pub regions: Vec<String>,
    pub name: Option<String>,
}

impl Properties {
    pub fn parse(properties: &Value) -> Result<Self, String> {
        let map = properties.as_object().ok_or("ResourceProperties must be an object")?;
        if let Some(unknown) = map.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(format!(
                "unknown property '{unknown}'; the properties are Tenant and ConnectionId (the launcher's own \
                 account) or LauncherUrl and LinkToken (another account), with Regions and optionally Name"
            ));
        }
        let regions = regions(map.get("Regions"))?;
        let name = text(map, "Name")?;
        if let Some(name) = &name {
            if name.chars().count() > 128 {
                return Err("Name must be 1-128 characters".into());
            }
        }
        let connection_id = text(map, "ConnectionId")?;
        if let Some(id) = &connection_id {
            names::connection_id(id).map_err(|e| format!("ConnectionId: {e}"))?;
        }
        let tenant = text(map, "Tenant")?;
        let url = text(map, "LauncherUrl")?;
        let token = match map.get("LinkToken") {
            None => None,
            Some(Value::String(token)) if !token.trim().is_empty() => {
                if token.len() > 2048 {
                    return Err("LinkToken is too long".into());
                }
                Some(SecretString::from(token.trim().to_owned()))
            }
            Some(Value::String(_)) => None,
            Some(_) => return Err("LinkToken must be a string".into()),
        };
        let target = match (tenant, url, token) {
            (Some(_), Some(_), _) => {
                return Err(
                    "give either Tenant (the launcher's own account) or LauncherUrl (another account), not both"
                        .into(),
                )
            }
            (Some(tenant), None, None) => {
                if tenant.chars().count() > 256 {
                    return Err("Tenant must be 1-256 characters".into());
                }
                Target::InProcess {
                    tenant,
                    connection_id: connection_id
                        .ok_or("ConnectionId is required with Tenant")?,
                }
            }
            (Some(_), None, Some(_)) => {
                return Err("LinkToken belongs with LauncherUrl, not with Tenant".into())
            }
            (None, Some(url), Some(token)) => Target::Https {
                url: launcher_url(&url)?,
                token,
                connection_id,
            },
            (None, Some(_), None) => {
                return Err("LinkToken is required with LauncherUrl: a tenant admin issues one with POST /connections/link-tokens".into())
            }
            (None, None, _) => {
                return Err("give Tenant and ConnectionId (the launcher's own account) or LauncherUrl and LinkToken (another account)".into())
            }
        };
        Ok(Self { target, regions, name })
    }

    /// Identifies what the link looks like (never the token itself: only its hash enters). A
    /// change means a new generation: a new user and key, linked anew; see docs/bootstrap.md.
    pub fn fingerprint(&self) -> String {
        let target = match &self.target {
            Target::InProcess { tenant, connection_id } => {
                json!({"mode": "in-process", "tenant": tenant, "connection": connection_id})
            }
            Target::Https { url, token, connection_id } => json!({
                "mode": "https",
                "url": url,
                "token": hex::encode(Sha256::digest(token.expose_secret().as_bytes())),
                "connection": connection_id,
            }),
        };
        let canonical = json!({"v": 1, "target": target, "regions": self.regions, "name": self.name});
        hex::encode(&Sha256::digest(canonical.to_string().as_bytes())[..8])
    }

    /// The readable part of the IAM user and policy names.
    pub fn slug(&self) -> &str {
        match &self.target {
            Target::InProcess { connection_id, .. } => connection_id,
            Target::Https { connection_id: Some(id), .. } => id,
            Target::Https { .. } => "link",
        }
    }

    /// The connection id, where the properties name it.
    pub fn connection_id(&self) -> Option<&str> {
        match &self.target {
            Target::InProcess { connection_id, .. } => Some(connection_id),
            Target::Https { connection_id, .. } => connection_id.as_deref(),
        }
    }
}

fn text(map: &Map<String, Value>, key: &str) -> Result<Option<String>, String> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(format!("{key} must be a string")),
    }
}

fn regions(value: Option<&Value>) -> Result<Vec<String>, String> {
    let items: Vec<String> = match value {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(|s| s.trim().to_owned())
                    .ok_or_else(|| "Regions must list region codes as strings".to_owned())
            })
            .collect::<Result<_, _>>()?,
        Some(Value::String(list)) => list.split(',').map(|s| s.trim().to_owned()).collect(),
        None | Some(Value::Null) => Vec::new(),
        Some(_) => return Err("Regions must be a list of region codes".into()),
    };
    let mut regions: Vec<String> = items.into_iter().filter(|r| !r.is_empty()).collect();
    regions.sort();
    regions.dedup();
    if regions.is_empty() || regions.len() > MAX_REGIONS {
        return Err(format!("Regions must list 1-{MAX_REGIONS} AWS regions, such as us-east-1"));
    }
    for (i, region) in regions.iter().enumerate() {
        // Not echoed: a value pasted into the wrong property could be a secret.
        if names::region(region).is_err() {
            return Err(format!("Regions: entry {} is not an AWS region code such as us-east-1", i + 1));
        }
    }
    Ok(regions)
}

/// `https://…`, or `http://` to a loopback address (local tests): the secret travels in the body.
fn launcher_url(value: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(value)
        .map_err(|_| "LauncherUrl must be an absolute URL such as https://api.example.com".to_owned())?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1") | Some("localhost") | Some("[::1]"));
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err("LauncherUrl must use https:// (the access key travels to it)".into()),
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
        return Err("LauncherUrl must have no query, fragment or user info".into());
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(v: Value) -> Result<Properties, String> {
        Properties::parse(&v)
    }

    #[test]
    fn in_process_properties() {
        let p = parse(json!({"ServiceToken": "arn", "Tenant": "acme", "ConnectionId": "prod",
            "Regions": ["us-east-1", "eu-west-1", "us-east-1"], "Name": "Production"}))
        .unwrap();
        assert_eq!(p.regions, ["eu-west-1", "us-east-1"]);
        assert!(
            matches!(&p.target, Target::InProcess { tenant, connection_id } if tenant == "acme" && connection_id == "prod")
        );
        assert_eq!(p.slug(), "prod");
        let same = parse(json!({"Tenant": "acme", "ConnectionId": "prod",
            "Regions": "us-east-1, eu-west-1", "Name": "Production"}))
        .unwrap();
        assert_eq!(p.fingerprint(), same.fingerprint(), "ServiceToken and order do not count");
        let other =
            parse(json!({"Tenant": "acme", "ConnectionId": "prod", "Regions": ["us-east-1"], "Name": "Production"}))
                .unwrap();
        assert_ne!(p.fingerprint(), other.fingerprint());
        assert_eq!(p.fingerprint().len(), 16);
    }

    #[test]
    fn https_properties_and_the_token_stay_out_of_errors() {
        let p = parse(json!({"LauncherUrl": "https://api.example.com/prod/", "LinkToken": "llt.secret-token",
            "Regions": ["us-east-1"]}))
        .unwrap();
        assert!(matches!(&p.target, Target::Https { url, .. } if url == "https://api.example.com/prod"));
        assert_eq!(p.slug(), "link");
        let q = parse(json!({"LauncherUrl": "https://api.example.com/prod/", "LinkToken": "llt.other-token",
            "Regions": ["us-east-1"]}))
        .unwrap();
        assert_ne!(p.fingerprint(), q.fingerprint(), "a new token is a new link");
        assert!(!format!("{p:?}").contains("secret-token"));
        for bad in [
            json!({"LauncherUrl": "http://api.example.com", "LinkToken": "llt.secret-token", "Regions": ["us-east-1"]}),
            json!({"LauncherUrl": "https://api.example.com", "Regions": ["us-east-1"]}),
            json!({"LauncherUrl": "https://a", "Tenant": "t", "LinkToken": "llt.secret-token", "Regions": ["us-east-1"]}),
            json!({"LauncherUrl": "https://a", "LinkToken": "llt.secret-token", "Regions": ["llt.secret-token"]}),
            json!({"LauncherUrl": "https://a", "LinkToken": "llt.secret-token", "Regions": []}),
            json!({"LauncherUrl": "https://a", "LinkToken": "llt.secret-token", "Regions": ["us-east-1"], "Extra": "x"}),
            json!({"Tenant": "t", "Regions": ["us-east-1"]}),
            json!({"Tenant": "t", "ConnectionId": "Not_Valid", "Regions": ["us-east-1"]}),
            json!("nope"),
        ] {
            let e = parse(bad.clone()).expect_err(&bad.to_string());
            assert!(!e.contains("secret-token"), "{e}");
        }
        assert!(parse(json!({"LauncherUrl": "http://127.0.0.1:9/x", "LinkToken": "t", "Regions": "us-east-1"})).is_ok());
    }
}
