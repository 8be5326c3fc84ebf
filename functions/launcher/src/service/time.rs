use std::time::SystemTime;

use aws_smithy_types::date_time::Format;
use aws_smithy_types::DateTime;

/// Now as an RFC 3339 UTC timestamp, whole seconds.
pub fn now_rfc3339() -> String {
    let seconds = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    DateTime::from_secs(seconds as i64).fmt(Format::DateTime).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn formats_rfc3339() {
        let now = super::now_rfc3339();
        assert_eq!(now.len(), "2026-12-03T15:30:45Z".len(), "{now}");
        assert!(now.ends_with('Z') && now.as_bytes()[10] == b'T');
    }
}
