//! Input schemas: a function declares the JSON its input must be with the tag
//! `launcher:input-schema`, holding a compact JSON Schema (AWS tag values are at most 256
//! characters), or with `launcher:input-schema-ref`, naming a schema a tenant admin stored in
//! the launcher (`PUT /schemas/{name}`, up to 32 KB). The launcher checks payloads against it
//! before running anything, and the console renders a form from it.
//!
//! A documented subset of JSON Schema (2020-12 keywords, same meaning): `type` (one or a list),
//! `properties`, `required`, `additionalProperties` (boolean or schema), `items`, `enum`,
//! `const`, `minimum`, `maximum`, `minLength`, `maxLength` (in characters), `pattern`
//! (regex-lite syntax, unanchored like JSON Schema), `minItems`, `maxItems`; `title`,
//! `description`, `default` and `$schema` are annotations. Any other keyword makes the schema
//! invalid (refused, rather than silently not enforced).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub const INPUT_SCHEMA_TAG: &str = "launcher:input-schema";
pub const INPUT_SCHEMA_REF_TAG: &str = "launcher:input-schema-ref";
/// Largest stored schema (serialized JSON).
pub const MAX_STORED_SCHEMA: usize = 32 * 1024;
pub const MAX_STORED_SCHEMAS: usize = 200;
pub const MAX_SCHEMA_DESCRIPTION_CHARS: usize = 256;

/// A schema stored in the launcher, per tenant, for functions to reference by name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSchema {
    pub name: String,
    pub description: String,
    pub schema: Value,
    pub updated_at: String,
    pub updated_by: String,
}

/// The body of `PUT /schemas/{name}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaInput {
    pub schema: Value,
    #[serde(default)]
    pub description: String,
}

impl SchemaInput {
    /// Checks the limits and that the schema is one the launcher can enforce.
    pub fn check(&self) -> crate::error::Result<Schema> {
        use crate::error::LauncherError;
        if self.description.chars().count() > MAX_SCHEMA_DESCRIPTION_CHARS {
            return Err(LauncherError::invalid(format!(
                "description: at most {MAX_SCHEMA_DESCRIPTION_CHARS} characters"
            )));
        }
        let size = self.schema.to_string().len();
        if size > MAX_STORED_SCHEMA {
            return Err(LauncherError::PayloadTooLarge(format!(
                "the schema is {size} bytes; the limit is {MAX_STORED_SCHEMA} bytes"
            )));
        }
        Schema::from_value(self.schema.clone())
            .map_err(|e| LauncherError::invalid(format!("schema: not a usable schema ({e})")))
    }
}
const MAX_DEPTH: usize = 16;

const KNOWN: &[&str] = &[
    "type",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "enum",
    "const",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
    "title",
    "description",
    "default",
    "$schema",
];
const TYPES: &[&str] = &["string", "number", "integer", "boolean", "object", "array", "null"];

/// Where and why a payload does not match: `pointer` is an RFC 6901 JSON pointer into the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub pointer: String,
    pub message: String,
}

/// Every `pattern` of a schema, compiled once when the schema is checked.
type Patterns = std::collections::HashMap<String, regex_lite::Regex>;

/// A checked schema, with its patterns compiled (a stored schema may hold many, and an array's
/// every item meets them).
#[derive(Debug, Clone)]
pub struct Schema {
    value: Value,
    patterns: Patterns,
}

impl Schema {
    /// Parses and checks a schema; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
        Self::from_value(value)
    }

    /// Checks an already parsed schema.
    pub fn from_value(value: Value) -> Result<Self, String> {
        let mut patterns = Patterns::new();
        check(&value, "", 0, &mut patterns)?;
        Ok(Self { value, patterns })
    }

    pub fn as_json(&self) -> &Value {
        &self.value
    }

    /// The first place `instance` breaks the schema, if any.
    pub fn validate(&self, instance: &Value) -> Result<(), Violation> {
        validate(&self.value, instance, &mut String::new(), &self.patterns)
    }
}

fn check(schema: &Value, at: &str, depth: usize, patterns: &mut Patterns) -> Result<(), String> {
    let place = if at.is_empty() { "the schema".to_owned() } else { format!("schema at {at}") };
    if depth > MAX_DEPTH {
        return Err(format!("{place} nests deeper than {MAX_DEPTH}"));
    }
    let Value::Object(map) = schema else {
        return match schema {
            Value::Bool(_) => Ok(()),
            _ => Err(format!("{place} must be an object or a boolean")),
        };
    };
    if let Some(unknown) = map.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(format!("{place}: keyword '{unknown}' is not supported"));
    }
    match map.get("type") {
        None => {}
        Some(Value::String(t)) if TYPES.contains(&t.as_str()) => {}
        Some(Value::Array(ts)) if ts.iter().all(|t| t.as_str().is_some_and(|t| TYPES.contains(&t))) => {}
        Some(_) => return Err(format!("{place}: 'type' must be one of {TYPES:?} or a list of them")),
    }
    for key in ["minimum", "maximum"] {
        if map.get(key).is_some_and(|v| !v.is_number()) {
            return Err(format!("{place}: '{key}' must be a number"));
        }
    }
    for key in ["minLength", "maxLength", "minItems", "maxItems"] {
        if map.get(key).is_some_and(|v| !v.is_u64()) {
            return Err(format!("{place}: '{key}' must be a non-negative integer"));
        }
    }
    if let Some(pattern) = map.get("pattern") {
        let pattern = pattern.as_str().ok_or_else(|| format!("{place}: 'pattern' must be a string"))?;
        let compiled = regex_lite::Regex::new(pattern)
            .map_err(|_| format!("{place}: 'pattern' is not a valid regular expression"))?;
        patterns.insert(pattern.to_owned(), compiled);
    }
    if map.get("enum").is_some_and(|v| !v.is_array()) {
        return Err(format!("{place}: 'enum' must be a list"));
    }
    if let Some(required) = map.get("required") {
        if !required.as_array().is_some_and(|r| r.iter().all(Value::is_string)) {
            return Err(format!("{place}: 'required' must be a list of names"));
        }
    }
    if let Some(properties) = map.get("properties") {
        let properties = properties.as_object().ok_or_else(|| format!("{place}: 'properties' must be an object"))?;
        for (name, sub) in properties {
            check(sub, &format!("{at}/properties/{}", escape(name)), depth + 1, patterns)?;
        }
    }
    for key in ["additionalProperties", "items"] {
        if let Some(sub) = map.get(key) {
            check(sub, &format!("{at}/{key}"), depth + 1, patterns)?;
        }
    }
    Ok(())
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn type_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn type_matches(expected: &str, value: &Value) -> bool {
    let actual = type_of(value);
    expected == actual || (expected == "number" && actual == "integer")
}

fn fail(pointer: &str, message: impl Into<String>) -> Result<(), Violation> {
    Err(Violation { pointer: pointer.to_owned(), message: message.into() })
}

fn validate(schema: &Value, value: &Value, pointer: &mut String, patterns: &Patterns) -> Result<(), Violation> {
    let map: &Map<String, Value> = match schema {
        Value::Bool(true) => return Ok(()),
        Value::Bool(false) => return fail(pointer, "no value is allowed here"),
        Value::Object(map) => map,
        _ => return Ok(()),
    };
    match map.get("type") {
        Some(Value::String(t)) if !type_matches(t, value) => {
            return fail(pointer, format!("must be of type {t}, not {}", type_of(value)))
        }
        Some(Value::Array(ts)) if !ts.iter().filter_map(Value::as_str).any(|t| type_matches(t, value)) => {
            return fail(pointer, format!("must be one of the types {}", Value::Array(ts.clone())))
        }
        _ => {}
    }
    if let Some(constant) = map.get("const") {
        if constant != value {
            return fail(pointer, format!("must be {constant}"));
        }
    }
    if let Some(Value::Array(options)) = map.get("enum") {
        if !options.contains(value) {
            return fail(pointer, format!("must be one of {}", Value::Array(options.clone())));
        }
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = map.get("minimum").and_then(Value::as_f64) {
            if n < min {
                return fail(pointer, format!("must be at least {min}"));
            }
        }
        if let Some(max) = map.get("maximum").and_then(Value::as_f64) {
            if n > max {
                return fail(pointer, format!("must be at most {max}"));
            }
        }
    }
    if let Value::String(s) = value {
        let chars = s.chars().count() as u64;
        if let Some(min) = map.get("minLength").and_then(Value::as_u64) {
            if chars < min {
                return fail(pointer, format!("must be at least {min} characters long"));
            }
        }
        if let Some(max) = map.get("maxLength").and_then(Value::as_u64) {
            if chars > max {
                return fail(pointer, format!("must be at most {max} characters long"));
            }
        }
        if let Some(pattern) = map.get("pattern").and_then(Value::as_str) {
            // Every pattern was compiled by `check`; one missing would be a bug, never a pass.
            if patterns.get(pattern).is_none_or(|re| !re.is_match(s)) {
                return fail(pointer, format!("must match the pattern {pattern}"));
            }
        }
    }
    if let Value::Array(items) = value {
        let count = items.len() as u64;
        if map.get("minItems").and_then(Value::as_u64).is_some_and(|min| count < min) {
            return fail(pointer, "has too few items");
        }
        if map.get("maxItems").and_then(Value::as_u64).is_some_and(|max| count > max) {
            return fail(pointer, "has too many items");
        }
        if let Some(item_schema) = map.get("items") {
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push_str(&format!("/{i}"));
                validate(item_schema, item, pointer, patterns)?;
                pointer.truncate(len);
            }
        }
    }
    if let Value::Object(members) = value {
        if let Some(Value::Array(required)) = map.get("required") {
            if let Some(missing) = required.iter().filter_map(Value::as_str).find(|r| !members.contains_key(*r)) {
                return fail(&format!("{pointer}/{}", escape(missing)), "is required");
            }
        }
        let properties = map.get("properties").and_then(Value::as_object);
        for (name, member) in members {
            let len = pointer.len();
            pointer.push('/');
            pointer.push_str(&escape(name));
            match (properties.and_then(|p| p.get(name)), map.get("additionalProperties")) {
                (Some(sub), _) => validate(sub, member, pointer, patterns)?,
                (None, Some(Value::Bool(false))) => return fail(pointer, "is not an allowed property"),
                (None, Some(sub)) => validate(sub, member, pointer, patterns)?,
                (None, None) => {}
            }
            pointer.truncate(len);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn schema(v: Value) -> Schema {
        Schema::parse(&v.to_string()).unwrap()
    }

    fn violation(s: &Schema, v: Value) -> (String, String) {
        let e = s.validate(&v).unwrap_err();
        (e.pointer, e.message)
    }

    #[test]
    fn objects_required_and_additional_properties() {
        let s = schema(json!({"type": "object", "required": ["date"], "additionalProperties": false,
            "properties": {"date": {"type": "string", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"},
                           "dry": {"type": "boolean"}}}));
        assert!(s.validate(&json!({"date": "2026-12-03"})).is_ok());
        assert!(s.validate(&json!({"date": "2026-12-03", "dry": true})).is_ok());
        assert_eq!(violation(&s, json!({})).0, "/date");
        assert_eq!(violation(&s, json!({"date": "yesterday"})).0, "/date");
        assert_eq!(
            violation(&s, json!({"date": "2026-12-03", "x": 1})),
            ("/x".into(), "is not an allowed property".into())
        );
        assert_eq!(violation(&s, json!({"date": 3})).1, "must be of type string, not integer");
        assert_eq!(violation(&s, json!([])).0, "");
    }

    #[test]
    fn numbers_strings_arrays_enums() {
        let s = schema(json!({"properties": {
            "n": {"type": "integer", "minimum": 1, "maximum": 10},
            "f": {"type": "number"},
            "s": {"type": "string", "minLength": 2, "maxLength": 3},
            "e": {"enum": ["a", "b"]},
            "a": {"type": "array", "items": {"type": "string"}, "maxItems": 2},
            "a/b~c": {"const": 1}}}));
        assert!(s.validate(&json!({"n": 5, "f": 1.5, "s": "ab", "e": "a", "a": ["x"], "a/b~c": 1})).is_ok());
        assert!(s.validate(&json!({"f": 2})).is_ok(), "an integer is a number");
        assert_eq!(violation(&s, json!({"n": 0})).0, "/n");
        assert_eq!(violation(&s, json!({"n": 1.5})).1, "must be of type integer, not number");
        assert_eq!(violation(&s, json!({"s": "abcd"})).0, "/s");
        assert_eq!(violation(&s, json!({"s": "é"})).0, "/s");
        assert_eq!(violation(&s, json!({"e": "c"})).0, "/e");
        assert_eq!(violation(&s, json!({"a": ["x", 2]})).0, "/a/1");
        assert_eq!(violation(&s, json!({"a": ["x", "y", "z"]})).0, "/a");
        assert_eq!(violation(&s, json!({"a/b~c": 2})).0, "/a~1b~0c");
    }

    #[test]
    fn bad_schemas_are_refused_not_ignored() {
        for bad in [
            "nope",
            "3",
            r#"{"type": "text"}"#,
            r#"{"oneOf": []}"#,
            r#"{"properties": {"a": {"format": "date"}}}"#,
            r#"{"pattern": "("}"#,
            r#"{"minLength": -1}"#,
            r#"{"required": "a"}"#,
        ] {
            assert!(Schema::parse(bad).is_err(), "{bad}");
        }
        assert!(Schema::parse("true").is_ok());
        let deep = format!("{}{{}}{}", r#"{"items":"#.repeat(20), "}".repeat(20));
        assert!(Schema::parse(&deep).unwrap_err().contains("deeper"));
    }
}
