//! The audit as tables: named, typed columns for the caller to write (as CSV, Parquet or
//! XLSX). Floats are kept at full precision; the writer decides how to print them.

use super::{AuditReport, ElementKind};

/// The values of one column.
#[derive(Debug, Clone, PartialEq)]
pub enum AuditValues {
    Text(Vec<String>),
    /// `NaN` = empty.
    Float(Vec<f64>),
    /// `None` = empty.
    Int(Vec<Option<i64>>),
}

/// One named column.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditColumn {
    pub name: String,
    pub values: AuditValues,
}

/// One table and the file name it is meant for.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditTable {
    pub file: &'static str,
    pub columns: Vec<AuditColumn>,
}

impl AuditTable {
    fn new(file: &'static str) -> Self {
        AuditTable {
            file,
            columns: Vec::new(),
        }
    }
    fn text(mut self, name: &str, values: Vec<String>) -> Self {
        self.columns.push(AuditColumn {
            name: name.to_string(),
            values: AuditValues::Text(values),
        });
        self
    }
    fn float(mut self, name: &str, values: Vec<f64>) -> Self {
        self.columns.push(AuditColumn {
            name: name.to_string(),
            values: AuditValues::Float(values),
        });
        self
    }
    fn int(mut self, name: &str, values: Vec<Option<i64>>) -> Self {
        self.columns.push(AuditColumn {
            name: name.to_string(),
            values: AuditValues::Int(values),
        });
        self
    }

    /// Number of rows (the length of the first column).
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| match &c.values {
            AuditValues::Text(v) => v.len(),
            AuditValues::Float(v) => v.len(),
            AuditValues::Int(v) => v.len(),
        })
    }
}

fn count(n: usize) -> Option<i64> {
    Some(n as i64)
}

fn rank(r: u32) -> Option<i64> {
    (r > 0).then_some(i64::from(r))
}

/// Every audit table. `area_codes` and `area_names` are indexed by input position (as
/// [`AuditReport::kept`]); names may be empty.
pub fn audit_tables(
    report: &AuditReport,
    area_codes: &[String],
    area_names: &[String],
) -> Vec<AuditTable> {
    let mut tables = Vec::new();
    let ind = &report.indicators;
    let col = |f: &dyn Fn(&super::stats::Describe) -> f64| -> Vec<f64> {
        ind.iter().map(|x| f(&x.stats)).collect()
    };
    tables.push(
        AuditTable::new("audit_indicators.csv")
            .text("indicator", ind.iter().map(|x| x.id.clone()).collect())
            .text("group", ind.iter().map(|x| x.parent.clone()).collect())
            .int(
                "present",
                ind.iter().map(|x| count(x.stats.present)).collect(),
            )
            .float("missing_share", col(&|d| d.missing_share))
            .float("min", col(&|d| d.min))
            .float("q1", col(&|d| d.q1))
            .float("median", col(&|d| d.median))
            .float("mean", col(&|d| d.mean))
            .float("q3", col(&|d| d.q3))
            .float("max", col(&|d| d.max))
            .float("sd", col(&|d| d.sd))
            .float("skew", col(&|d| d.skew))
            .float("kurtosis", col(&|d| d.kurtosis))
            .int(
                "outliers_low",
                ind.iter().map(|x| count(x.stats.outliers_low)).collect(),
            )
            .int(
                "outliers_high",
                ind.iter().map(|x| count(x.stats.outliers_high)).collect(),
            )
            .text(
                "jrc_flag",
                ind.iter()
                    .map(|x| if x.stats.jrc_flag { "skewed" } else { "" }.to_string())
                    .collect(),
            )
            .text(
                "treatment",
                ind.iter().map(|x| x.treatment.to_string()).collect(),
            )
            .int(
                "winsorised",
                ind.iter().map(|x| count(x.winsorised)).collect(),
            ),
    );

    let c = &report.correlations;
    let mut kind = Vec::new();
    let mut group = Vec::new();
    let mut a = Vec::new();
    let mut b = Vec::new();
    let mut r = Vec::new();
    let mut n = Vec::new();
    let mut flag = Vec::new();
    for p in &c.pairs {
        kind.push("within group".to_string());
        group.push(p.group.clone());
        a.push(p.a.clone());
        b.push(p.b.clone());
        r.push(p.correlation.r);
        n.push(count(p.correlation.n));
        flag.push(p.flag.map(|f| f.label().to_string()).unwrap_or_default());
    }
    for p in &c.parents {
        kind.push("with parent".to_string());
        group.push(p.parent.clone());
        a.push(p.child.clone());
        b.push(p.parent.clone());
        r.push(p.with_parent.r);
        n.push(count(p.with_parent.n));
        let mut f = Vec::new();
        if p.weak {
            f.push("weak with its parent".to_string());
        }
        if let (true, Some((other, ro))) = (p.fits_other_better, &p.best_other) {
            f.push(format!("correlates more with `{other}` ({ro:.3})"));
        }
        flag.push(f.join("; "));
        if p.parent != crate::tree::INDEX_ID {
            kind.push("with index".to_string());
            group.push(p.parent.clone());
            a.push(p.child.clone());
            b.push(crate::tree::INDEX_ID.to_string());
            r.push(p.with_index.r);
            n.push(count(p.with_index.n));
            flag.push(String::new());
        }
    }
    tables.push(
        AuditTable::new("audit_correlations.csv")
            .text("kind", kind)
            .text("group", group)
            .text("a", a)
            .text("b", b)
            .float("correlation", r)
            .int("areas", n)
            .text("flag", flag),
    );

    let mut t = AuditTable::new("audit_correlation_matrix.csv").text("indicator", c.ids.clone());
    for (j, id) in c.ids.iter().enumerate() {
        t = t.float(id, c.matrix.iter().map(|row| row[j]).collect());
    }
    tables.push(t);

    let g = &report.groups;
    let pca_f = |f: &dyn Fn(&crate::weights::Pca) -> f64| -> Vec<f64> {
        g.iter()
            .map(|x| x.pca.as_ref().map_or(f64::NAN, f))
            .collect()
    };
    tables.push(
        AuditTable::new("audit_groups.csv")
            .text("group", g.iter().map(|x| x.id.clone()).collect())
            .int(
                "children",
                g.iter().map(|x| count(x.children.len())).collect(),
            )
            .float(
                "cronbach_alpha",
                g.iter()
                    .map(|x| x.cronbach_alpha.unwrap_or(f64::NAN))
                    .collect(),
            )
            .float("pca_explained_variance", pca_f(&|p| p.explained_variance))
            .float("pca_eigenvalue_1", pca_f(&|p| p.eigenvalues[0]))
            .int(
                "pca_components_over_1",
                g.iter()
                    .map(|x| {
                        x.pca
                            .as_ref()
                            .ok()
                            .map(|p| p.eigenvalues.iter().filter(|l| **l > 1.0).count() as i64)
                    })
                    .collect(),
            )
            .int(
                "pca_areas",
                g.iter()
                    .map(|x| x.pca.as_ref().ok().map(|p| p.areas_used as i64))
                    .collect(),
            )
            .text(
                "pca_note",
                g.iter()
                    .map(|x| x.pca.as_ref().err().cloned().unwrap_or_default())
                    .collect(),
            ),
    );

    let (mut lg, mut lc, mut ll, mut le) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for x in g {
        if let Ok(p) = &x.pca {
            for (j, child) in x.children.iter().enumerate() {
                lg.push(x.id.clone());
                lc.push(child.clone());
                ll.push(p.loadings[j]);
                le.push(p.eigenvalues.get(j).copied().unwrap_or(f64::NAN));
            }
        }
    }
    tables.push(
        AuditTable::new("audit_pca.csv")
            .text("group", lg)
            .text("child", lc)
            .float("loading_1", ll)
            .float("eigenvalue", le),
    );

    let w = &report.weights;
    let mut t = AuditTable::new("audit_weights.csv")
        .text("element", w.iter().map(|x| x.id.clone()).collect())
        .text(
            "kind",
            w.iter()
                .map(|x| match x.kind {
                    ElementKind::Indicator => "indicator",
                    ElementKind::Group => "group",
                })
                .map(str::to_string)
                .collect(),
        )
        .text("parent", w.iter().map(|x| x.parent.clone()).collect())
        .int("depth", w.iter().map(|x| count(x.depth)).collect())
        .float("weight", w.iter().map(|x| x.weight).collect())
        .float("share_of_parent", w.iter().map(|x| x.share).collect())
        .float("effective_weight", w.iter().map(|x| x.effective).collect())
        .float(
            "correlation_with_index",
            w.iter().map(|x| x.with_index).collect(),
        )
        .float("importance", w.iter().map(|x| x.importance).collect());
    if let Some(o) = &report.optimised {
        let ids: Vec<&str> = report.correlations.ids.iter().map(String::as_str).collect();
        t = t.float(
            "optimised_effective_weight",
            w.iter()
                .map(|x| match x.kind {
                    ElementKind::Indicator => ids
                        .iter()
                        .position(|i| *i == x.id)
                        .map_or(f64::NAN, |i| o.effective[i]),
                    ElementKind::Group => f64::NAN,
                })
                .collect(),
        );
    }
    tables.push(t);

    let rm = &report.removal;
    tables.push(
        AuditTable::new("audit_removal.csv")
            .text(
                "indicator",
                rm.iter().map(|x| x.indicator.clone()).collect(),
            )
            .float(
                "mean_abs_rank_change",
                rm.iter().map(|x| x.mean_abs_shift).collect(),
            )
            .float(
                "median_abs_rank_change",
                rm.iter().map(|x| x.median_abs_shift).collect(),
            )
            .int(
                "max_abs_rank_change",
                rm.iter()
                    .map(|x| Some(i64::from(x.max_abs_shift)))
                    .collect(),
            )
            .int(
                "areas_moved",
                rm.iter().map(|x| count(x.areas_moved)).collect(),
            ),
    );

    let code = |i: usize| area_codes.get(report.kept[i]).cloned().unwrap_or_default();
    let name = |i: usize| area_names.get(report.kept[i]).cloned().unwrap_or_default();
    let areas = report.kept.len();
    let mut t = AuditTable::new("audit_rank_without.csv")
        .text("area_code", (0..areas).map(code).collect())
        .text("area_name", (0..areas).map(name).collect())
        .int(
            "rank",
            report.nominal_rank.iter().map(|&r| rank(r)).collect(),
        );
    for x in rm {
        t = t.int(
            &format!("rank_without_{}", x.indicator),
            x.rank_without.iter().map(|&r| rank(r)).collect(),
        );
    }
    tables.push(t);

    let ids = &report.correlations.ids;
    let listed = report.settings.strengths;
    let mut t = AuditTable::new("audit_strengths.csv")
        .text("area_code", (0..areas).map(code).collect())
        .text("area_name", (0..areas).map(name).collect())
        .int(
            "rank",
            report.nominal_rank.iter().map(|&r| rank(r)).collect(),
        );
    for (label, pick) in [("strength", true), ("weakness", false)] {
        for j in 0..listed {
            let entry = |p: &super::AreaProfile| {
                let list = if pick { &p.strengths } else { &p.weaknesses };
                list.get(j).copied()
            };
            t = t
                .text(
                    &format!("{label}_{}", j + 1),
                    report
                        .profiles
                        .iter()
                        .map(|p| entry(p).map(|(i, _)| ids[i].clone()).unwrap_or_default())
                        .collect(),
                )
                .int(
                    &format!("{label}_{}_rank", j + 1),
                    report
                        .profiles
                        .iter()
                        .map(|p| entry(p).and_then(|(_, r)| rank(r)))
                        .collect(),
                );
        }
    }
    tables.push(t);

    if let Some(o) = &report.optimised {
        let shares = |r: &[f64]| -> Vec<f64> {
            let s: f64 = r.iter().sum();
            r.iter().map(|x| x / s).collect()
        };
        tables.push(
            AuditTable::new("audit_optimised_weights.csv")
                .text("element", o.elements.clone())
                .text("level", vec![o.level.clone(); o.elements.len()])
                .float("target_share", o.targets.clone())
                .float("nominal_weight", o.nominal.clone())
                .float("optimised_weight", o.optimised.clone())
                .float("nominal_correlation", o.nominal_correlations.clone())
                .float("optimised_correlation", o.correlations.clone())
                .float("nominal_share", shares(&o.nominal_correlations))
                .float("optimised_share", shares(&o.correlations))
                .float(
                    "nominal_objective",
                    vec![o.nominal_objective; o.elements.len()],
                )
                .float("optimised_objective", vec![o.objective; o.elements.len()])
                .int(
                    "iterations",
                    vec![Some(o.iterations as i64); o.elements.len()],
                )
                .text(
                    "converged",
                    vec![if o.converged { "yes" } else { "no" }.to_string(); o.elements.len()],
                ),
        );
    }
    tables
}
