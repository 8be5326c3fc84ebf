//! The CloudFormation custom-resource request and response.
//!
//! The request is read leniently (`Envelope::from_event`): whatever else is wrong with it, a
//! request that names a `ResponseURL` gets an answer there.

use serde::Serialize;
use serde_json::{Map, Value};

/// Largest Reason sent back: CloudFormation accepts at most 4 KB for the whole response.
pub const MAX_REASON: usize = 1000;

/// The fields needed to answer a request.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub request_type: String,
    pub response_url: String,
    pub stack_id: String,
    pub request_id: String,
    pub logical_resource_id: String,
    /// Present on Update and Delete.
    pub physical_resource_id: Option<String>,
}

impl Envelope {
    /// `None` only when there is nowhere to answer (no `ResponseURL`).
    pub fn from_event(event: &Value) -> Option<Self> {
        let text = |key: &str| event.get(key).and_then(Value::as_str).map(str::to_owned);
        Some(Self {
            response_url: text("ResponseURL").filter(|url| !url.is_empty())?,
            request_type: text("RequestType").unwrap_or_default(),
            stack_id: text("StackId").unwrap_or_default(),
            request_id: text("RequestId").unwrap_or_default(),
            logical_resource_id: text("LogicalResourceId").unwrap_or_default(),
            physical_resource_id: text("PhysicalResourceId").filter(|id| !id.is_empty()),
        })
    }

    /// The physical id to answer with when nothing better is known: the one CloudFormation sent,
    /// or (a Create that failed before naming anything) one that no Delete mistakes for a link.
    pub fn fallback_physical_id(&self) -> String {
        self.physical_resource_id
            .clone()
            .unwrap_or_else(|| format!("lambda-launcher-link-not-created-{}", short(&self.request_id)))
    }
}

fn short(text: &str) -> String {
    text.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(64).collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Status {
    Success,
    Failed,
}

/// What is PUT to the `ResponseURL`. `Data` holds identifiers only, never a secret.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Response {
    pub status: Status,
    pub reason: String,
    pub physical_resource_id: String,
    pub stack_id: String,
    pub request_id: String,
    pub logical_resource_id: String,
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub data: Map<String, Value>,
}

impl Response {
    pub fn new(
        envelope: &Envelope,
        status: Status,
        reason: &str,
        physical_resource_id: String,
        data: Map<String, Value>,
    ) -> Self {
        Self {
            status,
            reason: truncate(reason, MAX_REASON),
            physical_resource_id,
            stack_id: envelope.stack_id.clone(),
            request_id: envelope.request_id.clone(),
            logical_resource_id: envelope.logical_resource_id.clone(),
            data,
        }
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_answerable_event_needs_only_a_response_url() {
        assert!(Envelope::from_event(&json!({"RequestType": "Create"})).is_none());
        let e = Envelope::from_event(&json!({"ResponseURL": "http://x", "RequestId": "r/1 2"})).unwrap();
        assert_eq!(e.request_type, "");
        assert_eq!(e.fallback_physical_id(), "lambda-launcher-link-not-created-r12");
    }

    #[test]
    fn responses_serialize_as_cloudformation_expects() {
        let e = Envelope::from_event(&json!({
            "ResponseURL": "http://x", "RequestType": "Create", "StackId": "s", "RequestId": "r",
            "LogicalResourceId": "L"
        }))
        .unwrap();
        let r = Response::new(&e, Status::Failed, &"x".repeat(5000), "p".into(), Map::new());
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["Status"], "FAILED");
        assert_eq!(v["PhysicalResourceId"], "p");
        assert_eq!(v["StackId"], "s");
        assert_eq!(v["RequestId"], "r");
        assert_eq!(v["LogicalResourceId"], "L");
        assert!(v.get("Data").is_none());
        assert_eq!(v["Reason"].as_str().unwrap().chars().count(), MAX_REASON);
    }
}
