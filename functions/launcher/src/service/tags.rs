//! Function tags for the access decision, cached for `FUNCTION_TTL` (service/caches.rs): rules
//! that select by tag, and the opt-in tag, must not cost a ListTags call per function on every
//! request.

use std::collections::HashMap;

use futures::stream::{self, StreamExt};

use super::caches::generation;
use super::Launcher;
use crate::domain::connection::{Connection, LiveCredentials};
use crate::domain::rules::Tags;
use crate::error::Result;

const TAG_CONCURRENCY: usize = 16;

impl Launcher {
    /// Tags of each function (by ARN) of `connection`, from the cache or ListTags, concurrently.
    pub(super) async fn tags_of(
        &self,
        connection: &Connection,
        credentials: &LiveCredentials,
        region: &str,
        arns: Vec<String>,
    ) -> Result<HashMap<String, Tags>> {
        let generation = generation(connection);
        let lookups: Vec<_> = arns
            .into_iter()
            .map(|arn| async move {
                let key = (connection.tenant.clone(), connection.id.clone(), generation, arn);
                if let Some(tags) = self.caches.tags.get(&key) {
                    return Ok((key.3, tags));
                }
                let tags = self.accounts.list_tags(credentials, region, &key.3).await?;
                self.caches.tags.insert(key.clone(), tags.clone());
                Ok((key.3, tags))
            })
            .collect();
        stream::iter(lookups).buffer_unordered(TAG_CONCURRENCY).collect::<Vec<Result<_>>>().await.into_iter().collect()
    }
}
