//! Optional stages of `oa run`, each owned by one feature and called by `commands::run`
//! after the index is written, when the study declares it. Order: rollup, spatial, selection,
//! funding, uncertainty, maps (maps last so they can highlight selected areas).
//!
//! A stage reads what it needs from the bundle being written (`ctx.out`, a temporary
//! directory renamed into place only when every stage has succeeded) and returns the
//! files it wrote, relative to `ctx.out`, for the manifest.

pub mod funding;
pub mod maps;
pub mod rollup;
pub mod selection;
pub mod spatial;
pub mod uncertainty;

use oa_model::Study;
use std::path::Path;

/// What every stage of `oa run` can see.
pub struct RunContext<'a> {
    pub study: &'a Study,
    /// The study file as given on the command line.
    pub study_path: &'a Path,
    /// Where the study's relative data paths are resolved.
    pub data_dir: &'a Path,
    /// The bundle directory being written.
    pub out: &'a Path,
    /// Show progress bars (false when stderr is not a terminal or `--quiet`).
    pub progress: bool,
}

/// Runs every stage the study declares, in order, each timed; returns (stage, seconds,
/// files written). The first error stops the run (the caller discards the bundle).
pub fn run_declared(ctx: &RunContext) -> anyhow::Result<Vec<(&'static str, f64, Vec<String>)>> {
    type Stage = fn(&RunContext) -> anyhow::Result<Vec<String>>;
    let s = ctx.study;
    let plan: [(&'static str, bool, Stage); 6] = [
        ("rollup", s.rollup.is_some(), rollup::run),
        ("spatial", s.spatial.is_some(), spatial::run),
        ("selection", s.selection.is_some(), selection::run),
        ("funding", !s.funds.is_empty(), funding::run),
        ("uncertainty", s.uncertainty.is_some(), uncertainty::run),
        ("maps", s.maps.is_some(), maps::run),
    ];
    let mut done = Vec::new();
    for (name, declared, stage) in plan {
        if !declared {
            continue;
        }
        let started = std::time::Instant::now();
        let files = stage(ctx)
            .map_err(|e| e.context(format!("{} ({name} stage)", ctx.study_path.display())))?;
        done.push((name, started.elapsed().as_secs_f64(), files));
    }
    Ok(done)
}

/// A terminal progress bar on stderr for the engine's long loops; draws nothing when
/// disabled (`--quiet`, or stderr is not a terminal). Stages may use it too.
pub struct Bar {
    bar: indicatif::ProgressBar,
}

impl Bar {
    /// A bar that draws only when `enabled` and stderr is a terminal.
    pub fn new(enabled: bool) -> Bar {
        Bar::with_template(
            enabled,
            "{spinner} {msg:<14} [{bar:30}] {pos}/{len} {elapsed}",
        )
    }

    /// Like [`Bar::new`] with another indicatif template, for commands that show other
    /// figures (such as an ETA).
    pub fn with_template(enabled: bool, template: &str) -> Bar {
        use std::io::IsTerminal;
        let bar = if enabled && std::io::stderr().is_terminal() {
            let b = indicatif::ProgressBar::new(0);
            b.set_style(
                indicatif::ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            b
        } else {
            indicatif::ProgressBar::hidden()
        };
        Bar { bar }
    }

    /// A phase of unknown length (reading files): a ticking spinner with a message.
    pub fn spin(&self, phase: &str) {
        self.bar.set_message(phase.to_string());
        self.bar
            .enable_steady_tick(std::time::Duration::from_millis(120));
    }
}

impl oa_engine::Progress for Bar {
    fn start(&self, phase: &str, total: u64) {
        self.bar.disable_steady_tick();
        self.bar.reset();
        self.bar.set_length(total);
        self.bar.set_message(phase.to_string());
    }

    fn advance(&self, steps: u64) {
        self.bar.inc(steps);
    }

    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Drop for Bar {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
