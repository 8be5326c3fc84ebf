//! The PhysicalResourceId: everything a later Update or Delete needs, so neither depends on the
//! properties CloudFormation sends with it (a cleanup Delete after a replacement may carry the
//! new ones).
//!
//! `lambda-launcher-link/<user>/<fingerprint>/<link>`, where `<user>` names the generation's IAM
//! user (its policy has the same name), `<fingerprint>` identifies the properties it was linked
//! with, and `<link>` is what unlinks it:
//! - `t.<base64url tenant>.<connection id>`: linked in-process;
//! - `u.<base64url launcher URL>.<unlink token>`: linked over HTTPS. The unlink token can only
//!   unlink this one connection (docs/bootstrap.md discusses the trade-off);
//! - `-`: not linked (a Create that failed).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

pub const PREFIX: &str = "lambda-launcher-link";
/// CloudFormation's limit on a physical id.
pub const MAX_LEN: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkHandle {
    InProcess { tenant: String, connection_id: String },
    Https { url: String, unlink_token: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhysicalId {
    pub user: String,
    pub fingerprint: String,
    pub link: Option<LinkHandle>,
}

/// An unlink token must fit in a physical id unchanged.
pub fn valid_unlink_token(token: &str) -> bool {
    (1..=512).contains(&token.len())
        && token.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'~'))
}

impl PhysicalId {
    pub fn render(&self) -> String {
        let link = match &self.link {
            None => "-".to_owned(),
            Some(LinkHandle::InProcess { tenant, connection_id }) => {
                format!("t.{}.{connection_id}", URL_SAFE_NO_PAD.encode(tenant))
            }
            Some(LinkHandle::Https { url, unlink_token }) => {
                format!("u.{}.{unlink_token}", URL_SAFE_NO_PAD.encode(url))
            }
        };
        format!("{PREFIX}/{}/{}/{link}", self.user, self.fingerprint)
    }

    /// `None` for anything this handler did not issue: a Delete of it has nothing to do.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.splitn(4, '/');
        if parts.next()? != PREFIX {
            return None;
        }
        let user = parts.next()?;
        let fingerprint = parts.next()?;
        let link = parts.next()?;
        let user_ok = (1..=64).contains(&user.len())
            && user.starts_with("lambda-launcher-")
            && user.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b));
        if !user_ok || fingerprint.is_empty() || !fingerprint.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let decode = |s: &str| String::from_utf8(URL_SAFE_NO_PAD.decode(s).ok()?).ok().filter(|s| !s.is_empty());
        let link = match link.split_once('.') {
            None if link == "-" => None,
            Some(("t", rest)) => {
                let (tenant, connection_id) = rest.split_once('.')?;
                Some(LinkHandle::InProcess { tenant: decode(tenant)?, connection_id: connection_id.to_owned() })
            }
            Some(("u", rest)) => {
                let (url, token) = rest.split_once('.')?;
                if !valid_unlink_token(token) {
                    return None;
                }
                Some(LinkHandle::Https { url: decode(url)?, unlink_token: token.to_owned() })
            }
            _ => return None,
        };
        Some(Self { user: user.to_owned(), fingerprint: fingerprint.to_owned(), link })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for link in [
            None,
            Some(LinkHandle::InProcess { tenant: "Acme Corp/EU".into(), connection_id: "prod-1".into() }),
            Some(LinkHandle::Https {
                url: "https://api.example.com/v1".into(),
                unlink_token: "lut.YWNtZQ.cHJvZA.0123456789abcdef".into(),
            }),
        ] {
            let id = PhysicalId {
                user: "lambda-launcher-prod-0123456789".into(),
                fingerprint: "00ff00ff00ff00ff".into(),
                link,
            };
            let text = id.render();
            assert!(text.len() < MAX_LEN);
            assert_eq!(PhysicalId::parse(&text), Some(id), "{text}");
        }
    }

    #[test]
    fn foreign_ids_are_not_ours() {
        for text in [
            "",
            "lambda-launcher-link-not-created-abc",
            "lambda-launcher-link/someone/00ff/-",
            "lambda-launcher-link/lambda-launcher-x/zz/-",
            "lambda-launcher-link/lambda-launcher-x/00ff/q.x",
            "lambda-launcher-link/lambda-launcher-x/00ff/u.aHR0cHM6Ly9h.bad/token",
            "other/lambda-launcher-x/00ff/-",
        ] {
            assert_eq!(PhysicalId::parse(text), None, "{text}");
        }
    }
}
