//! Function tags for the access decision, cached briefly: rules that select by tag, and the
//! opt-in tag, must not cost a ListTags call per function on every request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};

use super::Launcher;
use crate::domain::connection::LiveCredentials;
use crate::domain::rules::Tags;
use crate::error::Result;

/// How long a function's tags are trusted: a tag change takes effect within this.
pub const TAG_TTL: Duration = Duration::from_secs(60);
const MAX_CACHED: usize = 10_000;
const TAG_CONCURRENCY: usize = 16;

#[derive(Default)]
pub struct TagCache {
    entries: Mutex<HashMap<String, (Instant, Tags)>>,
}

impl TagCache {
    fn get(&self, arn: &str) -> Option<Tags> {
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.get(arn).filter(|(at, _)| at.elapsed() < TAG_TTL).map(|(_, tags)| tags.clone())
    }

    pub(super) fn put(&self, arn: &str, tags: Tags) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if entries.len() >= MAX_CACHED {
            entries.retain(|_, (at, _)| at.elapsed() < TAG_TTL);
            if entries.len() >= MAX_CACHED {
                entries.clear();
            }
        }
        entries.insert(arn.to_owned(), (Instant::now(), tags));
    }
}

impl Launcher {
    /// Tags of each function (by ARN), from the cache or ListTags, concurrently.
    pub(super) async fn tags_of(
        &self,
        credentials: &LiveCredentials,
        region: &str,
        arns: Vec<String>,
    ) -> Result<HashMap<String, Tags>> {
        let lookups: Vec<_> = arns
            .into_iter()
            .map(|arn| async move {
                if let Some(tags) = self.tags.get(&arn) {
                    return Ok((arn, tags));
                }
                let tags = self.accounts.list_tags(credentials, region, &arn).await?;
                self.tags.put(&arn, tags.clone());
                Ok((arn, tags))
            })
            .collect();
        stream::iter(lookups).buffer_unordered(TAG_CONCURRENCY).collect::<Vec<Result<_>>>().await.into_iter().collect()
    }
}
