//! Captures everything the launcher logs during a test, to assert what never appears there.
//!
//! One global subscriber (JSON, every level, the format the Lambda functions use) routes each
//! event to the capture buffer of the thread that emitted it; threads that capture nothing drop
//! their events before formatting. The filter is a `DynFilterFn` because it must be asked per
//! event: a plain `FilterFn` (or a scoped subscriber per test) caches the first thread's answer
//! per callsite, and events of tests running in parallel would be lost.

use std::cell::RefCell;
use std::io::Write;
use std::sync::{Arc, Mutex, Once};

use tracing_subscriber::filter::DynFilterFn;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

thread_local! {
    static CURRENT: RefCell<Option<CapturedLogs>> = const { RefCell::new(None) };
}

#[derive(Clone, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

/// Stops capturing on this thread when dropped.
pub struct CaptureGuard;

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CURRENT.with(|c| c.borrow_mut().take());
    }
}

impl CapturedLogs {
    /// Starts capturing this thread's events; use with a current-thread test runtime.
    pub fn start() -> (Self, CaptureGuard) {
        static INSTALL: Once = Once::new();
        INSTALL.call_once(|| {
            let layer = tracing_subscriber::fmt::layer()
                .json()
                .with_writer(ThreadRouter)
                .with_filter(DynFilterFn::new(|_, _| CURRENT.with(|c| c.borrow().is_some())));
            tracing_subscriber::registry().with(layer).init();
        });
        let logs = Self::default();
        CURRENT.with(|c| *c.borrow_mut() = Some(logs.clone()));
        (logs, CaptureGuard)
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

struct ThreadRouter;

impl Write for ThreadRouter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CURRENT.with(|c| {
            if let Some(logs) = c.borrow().as_ref() {
                logs.0.lock().unwrap().extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for ThreadRouter {
    type Writer = ThreadRouter;

    fn make_writer(&'a self) -> Self::Writer {
        ThreadRouter
    }
}
