use std::collections::BTreeSet;

use serde_json::Value;

use super::Principal;
use crate::config::ClaimNames;
use crate::error::{LauncherError, Result};

/// Verified claims, keyed by claim name.
pub type Claims = serde_json::Map<String, Value>;

/// Builds the principal from verified claims. A token without a subject or tenant is refused:
/// a caller must never fall into a default tenant.
pub fn principal_from_claims(claims: &Claims, names: &ClaimNames) -> Result<Principal> {
    let subject = claims
        .get("sub")
        .and_then(scalar_to_string)
        .ok_or_else(|| LauncherError::Unauthenticated("the token has no subject (sub) claim".into()))?;
    let tenant = claims
        .get(&names.tenant)
        .and_then(scalar_to_string)
        .ok_or_else(|| LauncherError::Unauthenticated(format!("the token has no tenant claim ({})", names.tenant)))?;
    let groups = claims.get(&names.groups).map(parse_list_claim).unwrap_or_default();
    Ok(Principal { subject, tenant, groups })
}

/// Reads a list-valued claim in every form identity providers and API Gateway produce:
/// a JSON array; a string holding a JSON array; API Gateway's bracketed `[ops admins]`;
/// or a space- or comma-separated list.
pub fn parse_list_claim(value: &Value) -> BTreeSet<String> {
    match value {
        Value::Array(items) => items.iter().filter_map(scalar_to_string).collect(),
        Value::String(text) => parse_list_text(text),
        other => scalar_to_string(other).into_iter().collect(),
    }
}

fn parse_list_text(text: &str) -> BTreeSet<String> {
    let trimmed = text.trim();
    if trimmed.starts_with('[') {
        if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(trimmed) {
            return items.iter().filter_map(scalar_to_string).collect();
        }
    }
    let inner = trimmed.strip_prefix('[').and_then(|rest| rest.strip_suffix(']')).unwrap_or(trimmed);
    inner
        .split(|c: char| c == ',' || c.is_whitespace())
        .map(|item| item.trim_matches('"'))
        .filter(|item| !item.is_empty())
        .map(str::to_owned)
        .collect()
}

fn scalar_to_string(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn names() -> ClaimNames {
        ClaimNames { tenant: "org_id".into(), groups: "groups".into() }
    }

    #[test]
    fn list_claims_in_every_form() {
        assert_eq!(parse_list_claim(&json!(["ops", "admins"])), set(&["ops", "admins"]));
        assert_eq!(parse_list_claim(&json!("[ops admins]")), set(&["ops", "admins"]));
        assert_eq!(parse_list_claim(&json!("[\"ops\",\"admins\"]")), set(&["ops", "admins"]));
        assert_eq!(parse_list_claim(&json!("ops admins")), set(&["ops", "admins"]));
        assert_eq!(parse_list_claim(&json!("ops,admins")), set(&["ops", "admins"]));
        assert_eq!(parse_list_claim(&json!("ops, admins ,  billing")), set(&["ops", "admins", "billing"]));
        assert_eq!(parse_list_claim(&json!("[ops]")), set(&["ops"]));
        assert_eq!(parse_list_claim(&json!("[]")), set(&[]));
        assert_eq!(parse_list_claim(&json!("")), set(&[]));
        assert_eq!(parse_list_claim(&json!(null)), set(&[]));
        assert_eq!(parse_list_claim(&json!("solo")), set(&["solo"]));
    }

    #[test]
    fn principal_needs_subject_and_tenant() {
        let claims = json!({"sub": "alice", "org_id": "acme", "groups": "[ops admins]"});
        let p = principal_from_claims(claims.as_object().unwrap(), &names()).unwrap();
        assert_eq!(p.subject, "alice");
        assert_eq!(p.tenant, "acme");
        assert_eq!(p.groups, set(&["ops", "admins"]));

        let no_tenant = json!({"sub": "alice", "groups": ["ops"]});
        let err = principal_from_claims(no_tenant.as_object().unwrap(), &names()).unwrap_err();
        assert_eq!(err.code().as_str(), "unauthenticated");

        let blank_tenant = json!({"sub": "alice", "org_id": "  "});
        assert!(principal_from_claims(blank_tenant.as_object().unwrap(), &names()).is_err());

        let no_sub = json!({"org_id": "acme"});
        assert!(principal_from_claims(no_sub.as_object().unwrap(), &names()).is_err());
    }

    #[test]
    fn missing_groups_mean_no_groups() {
        let claims = json!({"sub": "bob", "org_id": "acme"});
        let p = principal_from_claims(claims.as_object().unwrap(), &names()).unwrap();
        assert!(p.groups.is_empty());
    }
}
