//! The terminal's progress bar: the pipeline's long loops report through
//! `oa_pipeline::Progress`; a phase of unknown length (reading files) shows a spinner.
//! Nothing is drawn when stderr is not a terminal or with `--quiet`.

/// A progress bar on stderr.
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
}

impl oa_pipeline::Progress for Bar {
    fn start(&self, phase: &str, total: u64) {
        self.bar.reset();
        self.bar.set_message(phase.to_string());
        self.bar.set_length(total);
        if total == 0 {
            self.bar
                .enable_steady_tick(std::time::Duration::from_millis(120));
        } else {
            self.bar.disable_steady_tick();
        }
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
