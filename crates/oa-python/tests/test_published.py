"""The published figures the Rust tests check, reproduced through the Python package:
the IMD 2019 ranks and deciles (File 1), MHCLG's district summaries (File 10) and the
2016 opportunity areas' selection and allocations to the penny."""

import pandas as pd

import oa
from conftest import REPO, study_text


def test_imd2019_ranks_and_deciles_match_file_1(imd2019, data):
    scores = imd2019["scores"]
    assert list(scores.columns) == ["area_code", "area_name", "score", "rank", "band", "quantile"]
    assert len(scores) == 32_844
    file1 = pd.read_csv(
        data / "imd2019" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv",
        encoding="utf-8-sig",
        thousands=",",
    )
    joined = scores.merge(file1, left_on="area_code", right_on="LSOA code (2011)", validate="1:1")
    assert len(joined) == 32_844
    rank_gap = (joined["rank"] - joined["Index of Multiple Deprivation (IMD) Rank"]).abs()
    assert rank_gap.max() <= 2
    assert (joined["quantile"] == joined["Index of Multiple Deprivation (IMD) Decile"]).all()
    # Rank 1 is Tendring 018A (Jaywick); the cold-spot band is ceil(20% of 32,844).
    assert scores.loc[0, "area_code"] == "E01021988" and scores.loc[0, "rank"] == 1
    assert (scores["band"] == "coldspot").sum() == 6_569
    assert scores.loc[scores["band"] == "coldspot", "rank"].max() <= 6_569


def test_imd2019_scores_match_the_published_score(imd2019, data):
    combined = pd.read_csv(data / "imd2019" / "imd2019_lsoa_combined.csv")
    joined = imd2019["scores"].merge(combined, left_on="area_code", right_on="lsoa11cd")
    assert len(joined) == 32_844
    assert (joined["score"] - joined["imd_score"]).abs().max() <= 0.002


# MHCLG, IoD 2019 File 10 (local authority district summaries), IMD rows, as written in
# crates/oa-spatial/tests/published_lad_summaries.rs: (code, average rank, its rank,
# average score, its rank, proportion in the most deprived 10% (4 dp), its rank).
FILE_10 = [
    ("E06000009", 26765.29, 1, 45.039, 1, 0.4149, 6),  # Blackpool
    ("E06000002", 23729.10, 16, 40.460, 5, 0.4884, 1),  # Middlesbrough
    ("E08000011", 26199.75, 3, 43.006, 2, 0.4694, 3),  # Knowsley
    ("E08000012", 25833.57, 4, 42.412, 3, 0.4866, 2),  # Liverpool
    ("E08000003", 26417.75, 2, 40.005, 6, 0.4326, 5),  # Manchester
]


def test_district_summaries_match_file_10(data):
    study = oa.Study.from_toml(
        study_text("imd2019-lad", [("samples = 1000", "samples = 30")]), data
    )
    districts = study.run(progress=False)
    lad = districts.scores
    assert len(lad) == 317
    assert lad.loc[0, "area_code"] == "E06000009"  # Blackpool first on the headline
    by_code = lad.set_index("area_code")
    for code, avg_rank, r_rank, avg_score, r_score, share, r_share in FILE_10:
        row = by_code.loc[code]
        # Our LSOA scores are within 0.002 and ranks within 2 of the published ones.
        assert abs(row["average_score"] - avg_score) <= 0.0025, code
        assert abs(row["average_rank"] - avg_rank) <= 2, code
        assert row["rank_average_score"] == r_score, code
        assert row["rank_average_rank"] == r_rank, code
        assert round(row["proportion_most_deprived_10pc"], 4) == share, code
        assert row["rank_proportion_most_deprived_10pc"] == r_share, code
    assert (lad["band"] == "coldspot").sum() == 64
    assert set(districts.tables) >= {"scores", "small_area_scores", "clusters", "uncertainty"}


def test_opportunity_areas_2016_selection_and_allocations_to_the_penny(oa2016):
    selection = oa2016["selection"]
    assert len(selection) == 323
    chosen = selection.loc[selection["selected"], "area_id"].tolist()
    assert chosen == [f"OA{i:02}" for i in range(1, 13)]
    blackpool = selection.set_index("area_id").loc["OA03"]
    assert blackpool["rank"] == 6
    assert "ranked 6 of 324 on children's income deprivation" in blackpool["reason"]

    funds = oa2016["funds"].set_index("fund")
    assert funds.loc["core", "allocated_pence"] == 7_200_000_000
    assert funds.loc["year4", "total_pence"] == 1_800_000_000
    assert funds.loc["year4", "allocated_pence"] == 1_759_000_000
    assert funds.loc["year4", "unallocated_pence"] == 41_000_000
    assert funds.loc["research_schools", "allocated_pence"] == 240_000_000
    assert funds.loc["tlif", "unallocated_pence"] == 7_500_000_000
    lines = oa2016["allocations"]
    paid = lines.groupby("fund")["amount_pence"].sum().reindex(funds.index, fill_value=0)
    assert paid.to_dict() == funds["allocated_pence"].to_dict()
    y4 = lines[(lines["fund"] == "year4") & (lines["area_id"] == "OA03")]
    assert y4["amount_pence"].tolist() == [197_000_000]
    assert "**Not allocated: £410,000.00**" in oa2016.reports["allocations"]
    assert "at most 3 areas in East of England" in oa2016.reports["selection"]


def test_select_and_allocate_again_on_results(oa2016):
    again = oa2016.select().allocate()
    pd.testing.assert_frame_equal(again["selection"], oa2016["selection"])
    pd.testing.assert_frame_equal(again["allocations"], oa2016["allocations"])
    assert (REPO / "studies").is_dir()
