//! Who is calling: a principal built from verified JWT claims, whichever way they were verified.

mod claims;
#[cfg(feature = "local-jwt")]
pub mod jwt;
#[cfg(not(feature = "local-jwt"))]
#[path = "jwt_disabled.rs"]
pub mod jwt;

pub use claims::{parse_list_claim, principal_from_claims, Claims};

use std::collections::BTreeSet;

/// The caller, as the identity provider describes them. The tenant always comes from a claim,
/// never from the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub subject: String,
    pub tenant: String,
    pub groups: BTreeSet<String>,
}

impl Principal {
    pub fn in_group(&self, group: &str) -> bool {
        self.groups.contains(group)
    }
}
