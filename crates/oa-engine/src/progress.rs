//! Progress reporting for long loops, implemented by the applications (a terminal bar in
//! the CLI, nothing in tests). The engine never prints.

/// Receives progress from long computations. Implementations must be cheap and
/// thread-safe: `advance` may be called from rayon workers.
pub trait Progress: Sync {
    /// A new phase of `total` steps starts, e.g. ("Monte Carlo", 10_000).
    fn start(&self, _phase: &str, _total: u64) {}
    /// `steps` more steps are done.
    fn advance(&self, _steps: u64) {}
    /// The current phase is over.
    fn finish(&self) {}
    /// True once the caller asked to stop (Ctrl-C, a cancelled job): long loops check it
    /// between batches and give up early; the caller then discards the partial work.
    fn stopped(&self) -> bool {
        false
    }
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}
