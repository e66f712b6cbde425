"""Studies built in code over DataFrames (pandas, polars, pyarrow), and tables out and
back: the same results as the study file, and bundles that read back equal."""

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import oa

FILE_2 = "imd2019/File_2_-_IoD2019_Domains_of_Deprivation.csv"
DOMAINS = {
    "income": ("Income Rank (where 1 is most deprived)", 0.225),
    "employment": ("Employment Rank (where 1 is most deprived)", 0.225),
    "education": ("Education, Skills and Training Rank (where 1 is most deprived)", 0.135),
    "health": ("Health Deprivation and Disability Rank (where 1 is most deprived)", 0.135),
    "crime": ("Crime Rank (where 1 is most deprived)", 0.093),
    "barriers": ("Barriers to Housing and Services Rank (where 1 is most deprived)", 0.093),
    "living_environment": ("Living Environment Rank (where 1 is most deprived)", 0.093),
}


def imd_from(frame) -> oa.Study:
    """studies/imd2019.toml, as keyword arguments."""
    return oa.Study.from_frame(
        frame,
        id="imd2019",
        code="LSOA code (2011)",
        name="LSOA name (2011)",
        area_type="lsoa",
        vintage=2011,
        geography={"code_prefixes": ["E01"]},
        indicators={i: {"column": c, "direction": "higher_is_better"} for i, (c, _) in DOMAINS.items()},
        weights={i: w for i, (_, w) in DOMAINS.items()},
        method={
            "outliers": "none",
            "normalisation": "imd_exponential",
            "weights": "given",
            "aggregation": "weighted_sum",
            "missing": {"min_coverage": 1.0, "impute": "none"},
        },
        scoring={"score": "higher_is_worse", "rank_1": "worst"},
        bands={"quantiles": 10, "named": [{"name": "coldspot", "end": "worst", "share": 0.2}]},
    )


@pytest.fixture(scope="module")
def domains(data):
    return pd.read_csv(data / FILE_2, encoding="utf-8-sig", thousands=",")


@pytest.mark.parametrize("kind", ["pandas", "polars", "pyarrow"])
def test_a_study_on_a_frame_gives_the_study_files_results(kind, domains, imd2019):
    frame = {
        "pandas": lambda: domains,
        "polars": lambda: pl.from_pandas(domains),
        "pyarrow": lambda: pa.Table.from_pandas(domains, preserve_index=False),
    }[kind]()
    study = imd_from(frame)
    assert 'path = "data frame"' in study.toml
    results = study.run(progress=False)
    for table in ["scores", "indicators", "coverage"]:
        pd.testing.assert_frame_equal(results[table], imd2019[table], check_exact=True)
    inputs = results.manifest["inputs"]
    assert [i["path"] for i in inputs] == ["data frame"] and len(inputs[0]["sha256"]) == 64


def test_groups_weights_markers_and_text_numbers(tmp_path):
    frame = pd.DataFrame(
        {
            "lad": ["E06000001", "E06000002", "e06000003", "E06000004", "E06000005"],
            "name": ["A", "B", "C", "D", "E"],
            "reading": [50.0, 60.0, 70.0, 80.0, 90.0],
            "maths": ["1,000", "2,000", "c", "4,000", "5,000"],
            "absence": [9, 7, 5, 3, 1],
        }
    )
    study = oa.Study.from_frame(
        frame,
        code="lad",
        name="name",
        area_type="lad",
        vintage=2019,
        indicators={"reading": "higher_is_better", "maths": "higher_is_better", "absence": "higher_is_worse"},
        groups={"attainment": ["reading", "maths"], "attendance": ["absence"]},
        weights={"attainment": 2, "attendance": 1},
        method={"normalisation": "zscore", "missing": {"min_coverage": 0.5, "impute": "mean"}},
        bands={"named": [{"name": "coldspot", "end": "worst", "count": 1}]},
    )
    r = study.run(progress=False)
    scores = r["scores"]
    assert scores["area_code"].tolist()[0] == "E06000005"  # best on every indicator
    assert scores["area_code"].tolist()[-1] == "E06000001"
    assert "E06000003" in set(scores["area_code"])  # read upper case
    assert {"score_attainment", "score_attendance"} <= set(scores.columns)
    coverage = r["coverage"].set_index("area_code")
    assert coverage.loc["E06000003", "imputed"] == 1
    assert scores.loc[scores["band"] == "coldspot", "area_code"].tolist() == ["E06000001"]
    # The generated study is a study file like any other.
    again = oa.Study.from_toml(study.toml)
    assert again.toml == study.toml


def test_results_round_trip_through_a_bundle(tmp_path, oa2016):
    out = oa2016.write(tmp_path / "oa2016")
    back = oa.read(out)
    assert back.tables == oa2016.tables
    for name in oa2016.tables:
        pd.testing.assert_frame_equal(back[name], oa2016[name], check_exact=True)
    assert back.manifest["outputs"] == oa2016.manifest["outputs"]
    assert back.reports == oa2016.reports
    assert back.study.toml == oa2016.study.toml


def test_tables_cross_as_arrow_to_polars_and_pyarrow(imd2019):
    arrow = imd2019.to_arrow("scores")
    assert arrow.num_rows == 32_844
    assert arrow.schema.field("score").type == pa.float64()
    assert arrow.schema.field("rank").type == pa.int64()
    frame = imd2019.to_polars("scores")
    assert frame.shape == (32_844, 6)
    assert frame["area_code"][0] == "E01021988"
    assert imd2019.scores.equals(imd2019["scores"])


def test_a_results_table_goes_back_in_as_data(imd2019):
    """A DataFrame round trip: the IMD's transformed domain scores (indicators table) in,
    an index of them out."""
    indicators = imd2019["indicators"]
    study = oa.Study.from_frame(
        indicators,
        code="area_code",
        area_type="lsoa",
        vintage=2011,
        indicators={i: "higher_is_worse" for i in DOMAINS},
        weights={i: w for i, (_, w) in DOMAINS.items()},
        method={"normalisation": "none", "weights": "given", "aggregation": "weighted_sum"},
        scoring={"score": "higher_is_worse", "rank_1": "worst"},
    )
    again = study.run(progress=False)["scores"].set_index("area_code")
    first = imd2019["scores"].set_index("area_code")
    assert (again["rank"] - first.loc[again.index, "rank"]).abs().max() == 0
