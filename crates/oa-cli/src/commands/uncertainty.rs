//! `oa uncertainty STUDY [--data-dir DIR] [--samples N] [--seed S] --out OUT`: Monte Carlo
//! uncertainty of the ranking (per-area rank intervals and band probabilities) and, when
//! the study asks, Sobol sensitivity indices; writes `uncertainty.csv`, `uncertainty.svg`
//! and (with `[uncertainty.sobol]`) `sensitivity.csv`, `sensitivity.svg` into OUT.
//!
//! With a `[selection]`, the selection is re-made on every sample with the sample's ranks
//! in place of the study's index (other measures as read from the data): `uncertainty.csv`
//! gains `p_selected` (the share of feasible samples selecting the area) and
//! `selection_stability.csv` gives `samples, feasible, infeasible` (samples whose
//! constraints cannot all hold are counted, not fatal), `share_equal_nominal` (selected
//! set equal to the nominal one), `mean_jaccard` (mean |S ∩ S0| / |S ∪ S0|) and
//! `nominal_selected` (the codes, `;`-separated).

use super::run::{data_dir_for, load_data, load_study};
use crate::exit;
use oa_engine::IndicatorMatrix;
use oa_model::Study;
use oa_model::study::selection::{Better, INDEX_MEASURE};
use oa_model::study::uncertainty::{check_samples, check_sobol};
use oa_targeting::reselect::Reselector;
use oa_targeting::select;
use oa_uncertainty::{
    Problem, Reselect, SelectionStability, Settings, SobolSettings, report, summary,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// Arguments of `oa uncertainty`.
#[derive(clap::Args)]
pub struct Args {
    /// The study file (TOML) with an `[uncertainty]` section.
    pub study: PathBuf,
    /// Where the study's data paths are resolved (default: the study file's folder).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Monte Carlo samples (default: the study's `uncertainty.samples`).
    #[arg(long, allow_negative_numbers = true)]
    pub samples: Option<i64>,
    /// Random seed (default: the study's `uncertainty.seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory (created; an existing results bundle gets the files added).
    #[arg(long)]
    pub out: PathBuf,
    /// No progress bar and no summary on stdout.
    #[arg(long)]
    pub quiet: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (study, _) = load_study(&args.study)?;
    let data_dir = data_dir_for(&args.study, args.data_dir.as_deref());
    let started = Instant::now();
    let files = analyse(&study, &data_dir, args.samples, args.seed, !args.quiet)?;
    std::fs::create_dir_all(&args.out)
        .map_err(|e| exit::user(format!("{}: cannot create: {e}", args.out.display())))?;
    for (name, text) in &files.files {
        oa_io::bundle::write_file_atomic(&args.out.join(name), text.as_bytes())
            .map_err(|e| anyhow::anyhow!("{}: {e}", args.out.join(name).display()))?;
    }
    if !args.quiet {
        println!(
            "{} runs ({} samples) on {} areas in {:.2} s; wrote {} to {}",
            files.runs,
            files.samples,
            files.areas,
            started.elapsed().as_secs_f64(),
            files
                .files
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            args.out.display()
        );
        if let Some(st) = &files.selection {
            println!(
                "selection: same set as nominal in {} of samples, mean Jaccard {}; {} infeasible",
                report::number(st.share_equal),
                report::number(st.mean_jaccard),
                st.infeasible
            );
        }
    }
    Ok(())
}

/// The files of an analysis, computed before anything is written.
pub struct Files {
    pub files: Vec<(String, String)>,
    pub runs: usize,
    pub samples: usize,
    pub areas: usize,
    /// The selection's stability, when the study selects.
    pub selection: Option<SelectionStability>,
}

/// Reads the data and runs the analysis of `study`'s `[uncertainty]` section.
pub fn analyse(
    study: &Study,
    data_dir: &Path,
    samples: Option<i64>,
    seed: Option<u64>,
    progress: bool,
) -> anyhow::Result<Files> {
    let Some(u) = &study.uncertainty else {
        return Err(exit::user(
            "the study has no [uncertainty] section: add one (see studies/imd2019-uncertainty.toml)",
        ));
    };
    let samples = samples.unwrap_or(u.samples);
    check_samples(samples).map_err(|m| exit::user(format!("--samples: {m}")))?;
    let seed = seed.unwrap_or(u.seed);
    let sobol = match u.sobol {
        Some(so) => {
            let base = so.samples.unwrap_or(samples);
            check_sobol(&so, base)
                .map_err(|(k, m)| exit::user(format!("`uncertainty.{k}`: {m}")))?;
            Some(SobolSettings {
                samples: base as usize,
                bootstrap: so.bootstrap as usize,
                confidence: so.confidence,
            })
        }
        None => None,
    };
    let data = load_data(study, data_dir)?;
    let se = if u.data_noise.is_some() {
        load_standard_errors(study, data_dir, &data.area_codes)?
    } else {
        Vec::new()
    };
    let codes = data.area_codes.clone();
    let names = data.area_names.clone();
    let matrix =
        IndicatorMatrix::new(data.indicator_ids, data.columns).with_area_codes(data.area_codes);
    let problem = Problem::prepare(study, &matrix, &se).map_err(exit::user)?;
    let settings = Settings {
        samples: samples as usize,
        seed,
        bins: summary::DEFAULT_BINS,
        sobol,
    };
    let reselection = match study.selection {
        Some(_) => Some(Reselection::prepare(
            study, data_dir, &problem, &codes, &names,
        )?),
        None => None,
    };
    let select = |ranks: &[u32]| reselection.as_ref().and_then(|r| r.select(ranks));
    let bar = crate::stages::Bar::with_template(
        progress,
        "{msg:<12} [{bar:30}] {pos}/{len} runs, {per_sec}, ETA {eta}",
    );
    let outcome = oa_uncertainty::run_with_selection(
        &problem,
        &settings,
        &bar,
        reselection
            .as_ref()
            .map(|r| (&select as Reselect<'_>, &r.nominal[..])),
    )
    .map_err(exit::user)?;
    drop(bar);
    let title = &study.study.title;
    let mut files = vec![
        (
            "uncertainty.csv".to_string(),
            report::uncertainty_csv(
                &problem,
                &outcome,
                &codes,
                outcome.selection.as_ref().map(|s| &s.p_selected[..]),
            ),
        ),
        (
            "uncertainty.svg".to_string(),
            report::uncertainty_svg(
                &problem,
                &outcome,
                &format!("{title}: rank uncertainty ({samples} samples)"),
            ),
        ),
    ];
    if let Some(svg) = report::sensitivity_svg(&outcome, &format!("{title}: sensitivity")) {
        files.push(("sensitivity.csv".into(), report::sensitivity_csv(&outcome)));
        files.push(("sensitivity.svg".into(), svg));
    }
    if let (Some(r), Some(st)) = (&reselection, &outcome.selection) {
        files.push((
            SELECTION_STABILITY_CSV.into(),
            stability_csv(samples as usize, st, &r.nominal_codes()),
        ));
    }
    Ok(Files {
        files,
        runs: outcome.runs,
        samples: samples as usize,
        areas: problem.n_areas(),
        selection: outcome.selection,
    })
}

/// The set-level stability of the selection across the Monte Carlo samples.
pub const SELECTION_STABILITY_CSV: &str = "selection_stability.csv";

/// The study's selection prepared once for re-running on each sample: its districts
/// and measures read once, with the study's index replaced per sample by the sample's
/// ranks (ranks order areas as scores do, so the choice by need is the same).
struct Reselection {
    /// One prepared selection per worker in use (they hold scratch state); which one a
    /// sample gets does not change its result.
    pool: Mutex<Vec<Reselector>>,
    template: Option<Reselector>,
    /// Kept area of each district (None: not among the study's ranked areas).
    kept_of_district: Vec<Option<usize>>,
    /// Districts of each candidate area, as kept areas.
    candidate_kept: Vec<Vec<usize>>,
    /// Input area code per kept area.
    kept_codes: Vec<String>,
    /// The selection on the nominal ranks (kept areas, sorted).
    nominal: Vec<usize>,
}

impl Reselection {
    fn prepare(
        study: &Study,
        data_dir: &Path,
        problem: &Problem,
        codes: &[String],
        names: &[String],
    ) -> anyhow::Result<Reselection> {
        use crate::stages::selection::{IndexScores, read_inputs};
        let kept_codes: Vec<String> = problem.kept.iter().map(|&a| codes[a].clone()).collect();
        let kept_of: BTreeMap<&str, usize> = kept_codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        let mut score = vec![f64::NAN; codes.len()];
        for (&a, &r) in problem.kept.iter().zip(&problem.nominal_ranks) {
            if r > 0 {
                score[a] = f64::from(r);
            }
        }
        let scores = IndexScores {
            codes: codes.to_vec(),
            names: if names.len() == codes.len() {
                names.to_vec()
            } else {
                codes.to_vec()
            },
            score,
        };
        let mut inputs = read_inputs(study, data_dir, Some(&scores))?;
        if let Some(i) = inputs.index {
            // The index measure now holds ranks: rank 1 is the best or the worst end.
            inputs.measures[i].better = match study.scoring.rank_1 {
                oa_model::study::End::Best => Better::Lower,
                oa_model::study::End::Worst => Better::Higher,
            };
        }
        let selection = study
            .selection
            .as_ref()
            .expect("called for a study with [selection]");
        let nominal_problem = select::prepare(selection, &inputs.districts, &inputs.measures)
            .map_err(|e| exit::user(format!("the selection on the nominal ranking: {e}")))?;
        let choice = select::choose(&nominal_problem)
            .map_err(|e| exit::user(format!("the selection on the nominal ranking: {e}")))?;
        let kept_of_district: Vec<Option<usize>> = inputs
            .districts
            .iter()
            .map(|d| kept_of.get(d.code.as_str()).copied())
            .collect();
        let candidate_kept: Vec<Vec<usize>> = nominal_problem
            .candidates
            .iter()
            .map(|c| {
                c.districts
                    .iter()
                    .filter_map(|d| kept_of.get(d.as_str()).copied())
                    .collect()
            })
            .collect();
        let template = match inputs.index {
            Some(_) => Some(
                Reselector::new(
                    selection,
                    &inputs.districts,
                    &inputs.measures,
                    INDEX_MEASURE,
                )
                .map_err(|e| exit::user(format!("re-running the selection per sample: {e}")))?,
            ),
            None => None,
        };
        let mut r = Reselection {
            pool: Mutex::new(Vec::new()),
            template,
            kept_of_district,
            candidate_kept,
            kept_codes,
            nominal: Vec::new(),
        };
        r.nominal = r.kept_areas(&choice.chosen);
        Ok(r)
    }

    /// The kept areas of the chosen candidates (sorted).
    fn kept_areas(&self, chosen: &[usize]) -> Vec<usize> {
        let mut out: Vec<usize> = chosen
            .iter()
            .flat_map(|&c| self.candidate_kept[c].iter().copied())
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The selection on one sample's ranks; `None` when infeasible (or when a district
    /// is not ranked in the sample).
    fn select(&self, ranks: &[u32]) -> Option<Vec<usize>> {
        let Some(template) = &self.template else {
            return Some(self.nominal.clone());
        };
        let values: Vec<f64> = self
            .kept_of_district
            .iter()
            .map(|k| match k.map(|i| ranks[i]) {
                Some(r) if r > 0 => f64::from(r),
                _ => f64::NAN,
            })
            .collect();
        let mut re = self
            .pool
            .lock()
            .expect("no panics hold this lock")
            .pop()
            .unwrap_or_else(|| template.clone());
        let chosen = match re.update(&values) {
            Ok(_) => re.select().map(|c| self.kept_areas(&c.chosen)),
            Err(_) => None,
        };
        self.pool.lock().expect("no panics hold this lock").push(re);
        chosen
    }

    fn nominal_codes(&self) -> Vec<String> {
        self.nominal
            .iter()
            .map(|&i| self.kept_codes[i].clone())
            .collect()
    }
}

/// `selection_stability.csv`: one row of set-level figures.
fn stability_csv(samples: usize, s: &SelectionStability, nominal: &[String]) -> String {
    format!(
        "samples,feasible,infeasible,share_equal_nominal,mean_jaccard,nominal_selected\n{samples},{},{},{},{},{}\n",
        s.feasible,
        s.infeasible,
        report::number(s.share_equal),
        report::number(s.mean_jaccard),
        nominal.join(";")
    )
}

/// Standard errors per indicator (study order), read like the indicators themselves but
/// from each indicator's `se_column`; `None` for indicators without one.
fn load_standard_errors(
    study: &Study,
    data_dir: &Path,
    codes: &[String],
) -> anyhow::Result<Vec<Option<Vec<f64>>>> {
    let mut se_study = study.clone();
    for ind in se_study.indicators.iter_mut() {
        if let Some(c) = &ind.se_column {
            ind.column = Some(c.clone());
        }
    }
    let se = oa_io::load_study_data(&se_study, data_dir)
        .map_err(|e| exit::user(format!("reading standard errors (`se_column`): {e}")))?;
    if se.area_codes != codes {
        return Err(exit::user(
            "standard errors: the areas read differ from the indicators' (check `se_column`)",
        ));
    }
    Ok(study
        .indicators
        .iter()
        .zip(se.columns)
        .map(|(ind, col)| ind.se_column.as_ref().map(|_| col))
        .collect())
}
