//! The methodology page, written from the study the index was run from (indicators, their
//! groups and weights, how figures are normalised and combined, bands, sources and the
//! date of the data), and the glossary of the programme's terms.

use super::results::{RESULTS, Results};
use super::{Viewer, input, render, ser};
use crate::domain::figure;
use oa_model::study::{Aggregation, Direction, End, Normalisation, OutlierTreatment, Weighting};
use serde_json::{Value, json};

/// How indicators are put on one scale, in words.
fn normalisation_words(n: &Normalisation) -> String {
    match n {
        Normalisation::None => "Indicators are used as they are published.".into(),
        Normalisation::MinMax { low, high } => format!(
            "Each indicator is rescaled so that its lowest value is {} and its highest {}.",
            figure(*low),
            figure(*high)
        ),
        Normalisation::ZScore => "Each indicator is standardised: the number of standard deviations an area is above or below the average area.".into(),
        Normalisation::Rank => "Each indicator is replaced by the area's rank on it.".into(),
        Normalisation::PercentileRank => "Each indicator is replaced by the area's percentile (the share of areas with a lower value).".into(),
        Normalisation::Borda => "Each indicator is scored by the number of areas an area beats on it.".into(),
        Normalisation::DistanceToTarget => "Each indicator is measured as the distance from its target.".into(),
        Normalisation::Goalposts { low, high } => format!(
            "Each indicator is placed between fixed goalposts of {} and {}.",
            figure(*low),
            figure(*high)
        ),
        Normalisation::FractionOfMax => "Each indicator is divided by its highest value.".into(),
        Normalisation::Rankit => "Each indicator's ranks are turned into normal scores (rankits).".into(),
        Normalisation::ImdExponential => "Ranks are transformed to an exponential distribution, as in the English Indices of Deprivation, so that good scores in one domain only partly offset bad ones in another.".into(),
    }
}

fn weighting_words(w: &Weighting) -> &'static str {
    match w {
        Weighting::Given => "Weights are those set out in the tables above.",
        Weighting::Equal => "Every indicator within a group counts equally.",
        Weighting::Pca => "Weights come from a principal component analysis of the indicators.",
    }
}

fn aggregation_words(a: &Aggregation) -> String {
    match a {
        Aggregation::Arithmetic | Aggregation::WeightedSum => {
            "Indicators are combined by a weighted average, group by group, then the groups into the index.".into()
        }
        Aggregation::Geometric => "Indicators are combined by a weighted geometric mean, so a low value is offset less by a high one.".into(),
        Aggregation::Harmonic => "Indicators are combined by a weighted harmonic mean.".into(),
        Aggregation::GeneralisedMean { p } => {
            format!("Indicators are combined by a generalised mean of power {}.", figure(*p))
        }
        Aggregation::Median => "Indicators are combined by a weighted median.".into(),
        Aggregation::Copeland => "Areas are compared pair by pair on every indicator (the Copeland method).".into(),
    }
}

/// The methodology page's model, from the study of the results shown.
pub fn model(r: &Results) -> Option<Value> {
    let study = r.study.as_ref()?;
    let better = |d: &Direction| match d {
        Direction::HigherIsBetter => "Higher",
        _ => "Lower",
    };
    let mut groups: Vec<Value> = study
        .groups
        .iter()
        .map(|g| {
            let indicators: Vec<Value> = study
                .indicators
                .iter()
                .filter(|i| i.group.as_deref() == Some(g.id.as_str()))
                .map(|i| json!({"name": r.label(&i.id), "better": better(&i.direction), "unit": i.unit, "weight": i.weight}))
                .collect();
            json!({"name": r.label(&g.id), "weight": g.weight, "indicators": indicators})
        })
        .collect();
    let loose: Vec<Value> = study
        .indicators
        .iter()
        .filter(|i| i.group.is_none())
        .map(|i| json!({"name": r.label(&i.id), "better": better(&i.direction), "unit": i.unit, "weight": i.weight}))
        .collect();
    if !loose.is_empty() {
        groups.push(json!({"name": "Indicators", "weight": null, "indicators": loose}));
    }
    let m = &study.method;
    let mut method = vec![
        normalisation_words(&m.normalisation),
        weighting_words(&m.weights).to_string(),
        aggregation_words(&m.aggregation),
    ];
    if m.outliers == OutlierTreatment::Jrc {
        method.push("Extreme values are tamed first (the European Commission's Joint Research Centre rule on skew and kurtosis).".into());
    }
    if m.missing.min_coverage > 0.0 {
        method.push(format!(
            "An area is ranked only if it has at least {}% of its indicators.",
            figure((m.missing.min_coverage * 1000.0).round() / 10.0)
        ));
    }
    if study.rollup.is_some() {
        method.push(format!(
            "The index is worked out for small areas, then summarised over {} (population-weighted).",
            r.areas_word()
        ));
    }
    let bands: Vec<String> = r
        .band_words
        .iter()
        .map(|(name, words)| {
            format!(
                "{}: a district in {words}.",
                input::sentence(&name.replace('_', " "))
            )
        })
        .collect();
    let sources: Vec<String> = study
        .sources
        .iter()
        .map(|s| {
            format!(
                "{} (file {})",
                input::sentence(&s.id.replace('_', " ")),
                s.path
            )
        })
        .collect();
    Some(json!({
        "title": study.study.title,
        "description": study.study.description,
        "areas": r.areas_word(),
        "count": r.rows.len(),
        "vintage": study.geography.vintage,
        "rank_1": match study.scoring.rank_1 { End::Worst => "worst (least opportunity or most deprived)", End::Best => "best" },
        "updated": input::long_date(&r.created_at),
        "groups": groups,
        "method": method,
        "bands": bands,
        "sources": sources,
    }))
}

/// `GET /methodology`.
pub async fn methodology(viewer: Viewer) -> axum::response::Response {
    let m = match &*RESULTS {
        Ok(Some(r)) => model(r),
        _ => None,
    };
    render(
        &viewer,
        "methodology.html",
        minijinja::context! { title => "How the index works", m => ser(m) },
    )
}

/// The programme's terms, in the order a reader meets them.
pub const GLOSSARY: [(&str, &str); 16] = [
    (
        "Opportunity area",
        "One of the places the programme chose for extra support because young people there have fewer chances to get on. An area is one or more local authority districts.",
    ),
    (
        "Wave",
        "The round in which an area was chosen. Wave 1 areas were announced in October 2016, wave 2 in January 2017.",
    ),
    (
        "Index",
        "A single score for every district, made by combining several indicators, used to rank the districts.",
    ),
    (
        "Indicator",
        "One measure that goes into the index, such as the share of children reaching a good level of development at age 5.",
    ),
    (
        "Rank",
        "A district's place on the index. Rank 1 is at one end of the scale: the methodology page says which.",
    ),
    (
        "Cold spot",
        "A district in the band at the low-opportunity end of the index, for example the worst 20% of districts.",
    ),
    (
        "Likelihood",
        "How sure the index is that a district is in a band, from rerunning it many times with its inputs varied within their uncertainty. 48% means it was in the band in 48 of every 100 runs.",
    ),
    (
        "Vintage",
        "The year of the district boundaries the figures use. Districts merge and split, so counts differ between years: the 2019 index ranks 317 districts, the 2016 social mobility index ranked 324.",
    ),
    (
        "Key performance indicator (KPI)",
        "A figure an area's plan promises to improve, with a baseline (where it started) and a target (where it aims to be by a given year).",
    ),
    (
        "Baseline",
        "A KPI's figure before the programme's work began, the point progress is measured from.",
    ),
    (
        "National figure",
        "England's figure for the same year, for comparison.",
    ),
    (
        "Series break",
        "A year in which a figure was not collected or its definition changed (for example no tests in 2020), so figures either side cannot be compared directly.",
    ),
    (
        "Draft figure",
        "A figure an area lead has recorded that waits for a national admin's approval before it is published.",
    ),
    (
        "Allocation",
        "Money set aside from a fund for an area in a financial year.",
    ),
    (
        "Grant",
        "Money from an allocation awarded to an organisation for a purpose.",
    ),
    (
        "Spend return",
        "An area's report of the money spent from a grant in a month.",
    ),
];

/// `GET /glossary`.
pub async fn glossary(viewer: Viewer) -> axum::response::Response {
    render(
        &viewer,
        "glossary.html",
        minijinja::context! { title => "Glossary", terms => ser(GLOSSARY) },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_methodology_is_written_from_the_study() {
        let r = crate::pages::results::tests::fixture();
        let m = model(&r).unwrap();
        assert_eq!(m["title"], "A bundle of layout version 1");
        assert_eq!(m["vintage"], 2016);
        assert_eq!(m["rank_1"], "best");
        let group = &m["groups"][0];
        assert_eq!(group["name"], "Pillar");
        assert_eq!(group["indicators"][1]["better"], "Lower");
        assert_eq!(
            m["bands"][0],
            "Coldspot: a district in the worst 2 districts."
        );
        assert!(m["method"][0].as_str().unwrap().contains("standardised"));
        assert!(m["sources"][0].as_str().unwrap().contains("data.csv"));
        assert!(
            input::long_date(&r.created_at).contains(' '),
            "a date in words"
        );
    }

    #[test]
    fn the_glossary_explains_the_index_terms() {
        for term in [
            "Cold spot",
            "Likelihood",
            "Vintage",
            "Series break",
            "Draft figure",
        ] {
            assert!(GLOSSARY.iter().any(|(t, _)| *t == term), "{term}");
        }
    }
}
