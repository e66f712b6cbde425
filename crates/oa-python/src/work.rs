//! Long work off the interpreter: the pipeline runs on a worker thread while the calling
//! thread, with the GIL released, waits for it. Every 100 ms the caller takes the GIL
//! back to check for Ctrl-C (Python runs signal handlers on the main thread only) and to
//! show progress; Ctrl-C sets the flag the pipeline's `Progress::stopped` reads, the
//! worker stops at its next check, and `KeyboardInterrupt` is raised.

use crate::errors;
use oa_pipeline::{Error, Progress};
use pyo3::prelude::*;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

/// Progress shared between the worker (which reports) and the caller (which shows it).
#[derive(Default)]
struct Shared {
    phase: Mutex<String>,
    done: AtomicU64,
    total: AtomicU64,
    stop: AtomicBool,
}

impl Progress for Shared {
    fn start(&self, phase: &str, total: u64) {
        if let Ok(mut p) = self.phase.lock() {
            *p = phase.to_string();
        }
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }

    fn advance(&self, steps: u64) {
        self.done.fetch_add(steps, Ordering::Relaxed);
    }

    fn finish(&self) {
        self.done
            .store(self.total.load(Ordering::Relaxed), Ordering::Relaxed);
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// How often the caller looks for Ctrl-C and redraws progress.
const POLL: Duration = Duration::from_millis(100);

/// Runs `work` on a worker thread with the GIL released. `report`, when given, is called
/// as `report(phase, done, total)` on the calling thread while the work goes on (never for
/// work shorter than one poll).
pub fn run<T: Send>(
    py: Python<'_>,
    report: Option<&Bound<'_, PyAny>>,
    work: impl FnOnce(&dyn Progress) -> Result<T, Error> + Send,
) -> PyResult<T> {
    let shared = Shared::default();
    let (tx, rx) = mpsc::channel::<()>();
    // The receiver is not `Sync`; behind a mutex the wait can leave the GIL.
    let rx = Mutex::new(rx);
    let mut interrupted: Option<PyErr> = None;
    let outcome = std::thread::scope(|scope| {
        let worker = scope.spawn(|| {
            let result = work(&shared);
            let _ = tx.send(());
            result
        });
        let mut shown = (String::new(), u64::MAX, u64::MAX);
        loop {
            let waited = py.detach(|| match rx.lock() {
                Ok(rx) => rx.recv_timeout(POLL),
                Err(_) => Err(mpsc::RecvTimeoutError::Disconnected),
            });
            if !matches!(waited, Err(mpsc::RecvTimeoutError::Timeout)) {
                break;
            }
            if interrupted.is_some() {
                continue;
            }
            let step = py.check_signals().and_then(|()| match report {
                Some(r) => show(r, &shared, &mut shown),
                None => Ok(()),
            });
            if let Err(e) = step {
                shared.stop.store(true, Ordering::Relaxed);
                interrupted = Some(e);
            }
        }
        worker.join()
    });
    if let Some(e) = interrupted {
        return Err(e);
    }
    match outcome {
        Ok(result) => result.map_err(errors::to_py),
        Err(_) => Err(errors::to_py(Error::new(
            oa_pipeline::Code::Internal,
            "the computation panicked; this is a bug in oa, please report it",
        ))),
    }
}

/// Calls `report(phase, done, total)` when anything changed since the last call.
fn show(
    report: &Bound<'_, PyAny>,
    shared: &Shared,
    shown: &mut (String, u64, u64),
) -> PyResult<()> {
    let phase = shared.phase.lock().map(|p| p.clone()).unwrap_or_default();
    let done = shared.done.load(Ordering::Relaxed);
    let total = shared.total.load(Ordering::Relaxed);
    if (&phase, done, total) != (&shown.0, shown.1, shown.2) {
        report.call1((phase.as_str(), done, total))?;
        *shown = (phase, done, total);
    }
    Ok(())
}
