//! Counts AWS calls by service and operation: an SDK interceptor that tests and the benchmark
//! install on every client the launcher builds (`AppState::with_interceptors`). It counts
//! attempts, so a retried call counts twice.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// (service, operation), e.g. ("Lambda", "Invoke").
pub type Call = (String, String);

#[derive(Debug, Clone, Default)]
pub struct CallCounter {
    calls: Arc<Mutex<BTreeMap<Call, usize>>>,
}

impl CallCounter {
    pub fn interceptor(&self) -> SharedInterceptor {
        SharedInterceptor::new(self.clone())
    }

    /// The calls counted since the last `take`, and starts again from zero.
    pub fn take(&self) -> BTreeMap<Call, usize> {
        std::mem::take(&mut *self.calls.lock().unwrap_or_else(|p| p.into_inner()))
    }

    pub fn total(&self) -> usize {
        self.calls.lock().unwrap_or_else(|p| p.into_inner()).values().sum()
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let call = match cfg.load::<Metadata>() {
            Some(metadata) => (metadata.service().to_owned(), metadata.name().to_owned()),
            None => ("unknown".to_owned(), "unknown".to_owned()),
        };
        *self.calls.lock().unwrap_or_else(|p| p.into_inner()).entry(call).or_default() += 1;
        Ok(())
    }
}
