//! Plain-English names of the study's settings (no figures: those come from the bundle).

use oa_model::study::rollup::RollupMeasure;
use oa_model::study::{
    Aggregation, Direction, End, Imputation, Normalisation, OutlierTreatment, Weighting,
};

/// The areas of an area type, in the plural: `lad` is "local authority districts".
pub fn area_type(area_type: &str) -> String {
    match area_type {
        "lad" => "local authority districts".into(),
        "lsoa" => "lower-layer super output areas (LSOAs)".into(),
        "msoa" => "middle-layer super output areas (MSOAs)".into(),
        "utla" => "upper-tier local authorities".into(),
        "region" => "regions".into(),
        other => format!("areas of type {other}"),
    }
}

pub fn direction(d: Direction) -> &'static str {
    match d {
        Direction::HigherIsBetter => "a higher value is better",
        Direction::HigherIsWorse => "a higher value is worse",
    }
}

pub fn end(e: End) -> &'static str {
    match e {
        End::Best => "best",
        End::Worst => "worst",
    }
}

pub fn normalisation(n: &Normalisation) -> String {
    match n {
        Normalisation::None => "values are used as they are".into(),
        Normalisation::MinMax { .. } => {
            "each indicator is rescaled so that its lowest value maps to `low` and its highest to `high`".into()
        }
        Normalisation::ZScore => {
            "each indicator becomes a z-score: its distance from the mean in standard deviations".into()
        }
        Normalisation::Rank => "each indicator is replaced by its rank".into(),
        Normalisation::PercentileRank => "each indicator is replaced by its percentile rank".into(),
        Normalisation::Borda => "each indicator is replaced by its Borda count".into(),
        Normalisation::DistanceToTarget => "each indicator is measured as the distance to its target".into(),
        Normalisation::Goalposts { .. } => {
            "each indicator is placed between fixed goalposts `low` and `high` and truncated there".into()
        }
        Normalisation::FractionOfMax => "each indicator is divided by its largest value".into(),
        Normalisation::Rankit => {
            "each indicator's rank is turned into a normal score (rankit)".into()
        }
        Normalisation::ImdExponential => {
            "each indicator's rank goes through the exponential transformation of the Indices of Deprivation, which stretches the most deprived end".into()
        }
    }
}

pub fn aggregation(a: &Aggregation) -> &'static str {
    match a {
        Aggregation::Arithmetic => "a weighted arithmetic mean of the children",
        Aggregation::WeightedSum => "a weighted sum of the children, with the weights as written",
        Aggregation::Geometric => {
            "a weighted geometric mean of the children (a weakness is not fully made up by a strength)"
        }
        Aggregation::Harmonic => "a weighted harmonic mean of the children",
        Aggregation::GeneralisedMean { .. } => "a weighted generalised mean of power `p`",
        Aggregation::Median => "the weighted median of the children",
        Aggregation::Copeland => "Copeland's rule: wins minus losses in pairwise comparisons",
    }
}

pub fn weighting(w: Weighting) -> &'static str {
    match w {
        Weighting::Given => "the weights written in the study",
        Weighting::Equal => "equal weights within each group",
        Weighting::Pca => {
            "weights from the first principal component of each group's indicators, estimated from the data"
        }
    }
}

pub fn imputation(i: Imputation) -> &'static str {
    match i {
        Imputation::None => "missing values are not filled in",
        Imputation::Mean => "a missing value is filled with the indicator's mean",
        Imputation::Median => "a missing value is filled with the indicator's median",
        Imputation::GroupMean => "a missing value is filled with the mean of the area's group",
        Imputation::GroupMedian => "a missing value is filled with the median of the area's group",
    }
}

pub fn outliers(o: OutlierTreatment) -> &'static str {
    match o {
        OutlierTreatment::None => "outliers are left as they are",
        OutlierTreatment::Jrc => {
            "skewed indicators are winsorised, then log-transformed if still skewed (the JRC rule)"
        }
    }
}

pub fn rollup_measure(m: RollupMeasure) -> &'static str {
    match m {
        RollupMeasure::AverageScore => "the population-weighted average score of its small areas",
        RollupMeasure::AverageRank => "the population-weighted average rank of its small areas",
        RollupMeasure::ProportionMostDeprived10pc => {
            "the share of its small areas among the most deprived tenth nationally"
        }
        RollupMeasure::Extent => {
            "the extent: the share of its population living in the most deprived small areas"
        }
        RollupMeasure::LocalConcentration => {
            "local concentration: the average rank of its most deprived small areas"
        }
    }
}

/// A roll-up column's name for people.
pub fn rollup_column(id: &str) -> &'static str {
    match id {
        "average_score" => "Average score",
        "average_rank" => "Average rank",
        "proportion_most_deprived_10pc" => "Share in most deprived tenth",
        "extent" => "Extent",
        "local_concentration" => "Local concentration",
        _ => "Summary",
    }
}

/// The headline score column's name for people.
pub fn rollup_column_or_score(column: &str) -> &'static str {
    match column {
        "score" => "Score",
        other => rollup_column(other),
    }
}
