//! Identifier formats, checked before anything reaches AWS or the store. The patterns follow the
//! AWS Lambda API reference; each error names the field and the accepted form.

use crate::error::{LauncherError, Result};

/// Lambda function name (not an ARN): 1-64 of letters, digits, hyphen, underscore.
pub fn function_name(value: &str) -> Result<()> {
    let ok =
        (1..=64).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    check(ok, "function name", value, "1-64 letters, digits, '-' or '_'")
}

/// Qualifier: `$LATEST`, a version number, or an alias name (1-128 chars, not all digits).
pub fn qualifier(value: &str) -> Result<()> {
    let is_version = !value.is_empty() && value.len() <= 10 && value.bytes().all(|b| b.is_ascii_digit());
    let is_alias = (1..=128).contains(&value.len())
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !value.bytes().all(|b| b.is_ascii_digit());
    check(
        value == "$LATEST" || is_version || is_alias,
        "qualifier",
        value,
        "$LATEST, a version number or an alias name",
    )
}

/// AWS region code such as `us-east-1` or `us-gov-west-1`.
pub fn region(value: &str) -> Result<()> {
    let parts: Vec<&str> = value.split('-').collect();
    let ok = value.len() <= 32
        && parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1].iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty();
    check(ok, "region", value, "an AWS region code such as us-east-1")
}

/// Connection id chosen by the tenant admin: a short lowercase slug that reads well in URLs.
pub fn connection_id(value: &str) -> Result<()> {
    let ok = (1..=63).contains(&value.len())
        && value.as_bytes()[0].is_ascii_alphanumeric()
        && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    check(ok, "connection id", value, "1-63 lowercase letters, digits or '-', starting with a letter or digit")
}

/// Access key id: AKIA/ASIA... 16-128 uppercase letters and digits. The value is never echoed:
/// a secret pasted into the wrong field must not come back in the error.
pub fn access_key_id(value: &str) -> Result<()> {
    let ok = (16..=128).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(LauncherError::invalid("access_key_id is not valid: expected 16-128 uppercase letters and digits"))
    }
}

fn check(ok: bool, field: &str, value: &str, form: &str) -> Result<()> {
    if ok {
        Ok(())
    } else {
        // Only short values are echoed: identifiers, never a pasted 40-character secret.
        let shown = if value.chars().count() <= 32 { format!(" '{value}'") } else { String::new() };
        Err(LauncherError::invalid(format!("{field}{shown} is not valid: expected {form}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names() {
        for ok in ["a", "hello-world", "Report_2024", &"x".repeat(64)] {
            assert!(function_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "has space", "arn:aws:lambda", "a/b", "ünï", &"x".repeat(65)] {
            let err = function_name(bad).unwrap_err();
            assert_eq!(err.code().as_str(), "invalid_request", "{bad}");
        }
    }

    #[test]
    fn qualifiers() {
        for ok in ["$LATEST", "1", "42", "prod", "blue-green_2"] {
            assert!(qualifier(ok).is_ok(), "{ok}");
        }
        for bad in ["", "$latest", "a b", "v1.0", &"x".repeat(129)] {
            assert!(qualifier(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn regions() {
        for ok in ["us-east-1", "eu-central-2", "us-gov-west-1", "ap-southeast-4"] {
            assert!(region(ok).is_ok(), "{ok}");
        }
        for bad in ["", "us-east", "US-EAST-1", "useast1", "us-east-1a", "x-east-1", "us--1"] {
            assert!(region(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn connection_ids() {
        for ok in ["prod", "acct-1", "0a"] {
            assert!(connection_id(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-x", "Prod", "a_b", "a/b", &"x".repeat(64)] {
            assert!(connection_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn error_messages_do_not_echo_secret_like_values() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        for message in [
            function_name(secret).unwrap_err().to_string(),
            access_key_id(secret).unwrap_err().to_string(),
            access_key_id("short").unwrap_err().to_string(),
            region(secret).unwrap_err().to_string(),
            connection_id(secret).unwrap_err().to_string(),
        ] {
            assert!(!message.contains(secret) && !message.contains("wJalr"), "{message}");
        }
        assert!(!access_key_id("short").unwrap_err().to_string().contains("short"));
        assert!(region("moon-1").unwrap_err().to_string().contains("'moon-1'"));
    }
}
