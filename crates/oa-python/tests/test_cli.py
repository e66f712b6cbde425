"""The package and the command line run one pipeline: for the same study, the bundle
Python writes holds the same files, byte for byte, as the one `oa run` writes."""

import json
import subprocess

import pandas as pd
import pytest

import oa
from conftest import REPO


@pytest.mark.parametrize("study", ["imd2019", "opportunity-areas-2016"])
def test_results_are_identical_to_the_cli_bundle(study, tmp_path, data, oa_cli):
    cli_out = tmp_path / "cli"
    subprocess.run(
        [oa_cli, "run", REPO / "studies" / f"{study}.toml", "--data-dir", data,
         "--out", cli_out, "--quiet"],
        check=True,
    )
    results = oa.run(REPO / "studies" / f"{study}.toml", data_dir=data, progress=False)
    py_out = results.write(tmp_path / "py")

    cli = json.loads((cli_out / "manifest.json").read_text())
    ours = json.loads((py_out / "manifest.json").read_text())
    # The report quotes the run's own command and time, which differ; every other file
    # is the same byte for byte.
    def files(manifest):
        return [o if not o["path"].startswith("report.") else o["path"]
                for o in manifest["outputs"]]

    compared = [o["path"] for o in files(cli) if isinstance(o, dict)]

    assert files(ours) == files(cli)
    assert ours["inputs"] == cli["inputs"]
    assert ours["parameters"] == cli["parameters"]
    assert ours["headline"] == cli["headline"]
    for name in compared:
        assert (py_out / name).read_bytes() == (cli_out / name).read_bytes(), name
    # And each DataFrame holds what the CLI's CSV file says, cell for cell.
    for name in results.tables:
        text = pd.read_csv(cli_out / f"{name}.csv", dtype=str, keep_default_na=False)
        ours = results[name]
        assert list(ours.columns) == list(text.columns), name
        for column in ours.columns:
            left, cells = ours[column], text[column]
            if pd.api.types.is_bool_dtype(left):
                expected = cells.map({"true": True, "false": False})
            elif pd.api.types.is_numeric_dtype(left):
                expected = pd.to_numeric(cells.replace("", None), errors="raise").astype(float)
                left = left.astype(float)
            else:
                expected = cells
            assert left.tolist() == expected.tolist() or left.equals(expected), (name, column)


def test_the_demo_bundle_reads_back_with_its_maps_and_runs_again_the_same(tmp_path, oa_cli):
    """`oa demo` writes Synthland (synthetic) and its bundle, with every section: read
    back, its maps and charts are SVG text; run again from Python, the same files."""
    subprocess.run([oa_cli, "demo", "--out", tmp_path / "demo"], check=True,
                   stdout=subprocess.DEVNULL)
    cli = oa.read(tmp_path / "demo" / "results")
    assert cli.sections == ["index", "audit", "clusters", "selection", "funding", "uncertainty", "maps"]
    assert sorted(cli.maps) == ["map_band", "map_clusters", "map_score"]
    assert all(svg.startswith("<svg") for svg in cli.maps.values())
    assert "uncertainty" in cli.charts
    ours = oa.run(tmp_path / "demo" / "input" / "demo.toml", progress=False)
    ours.write(tmp_path / "py")
    theirs = {o["path"]: o["sha256"] for o in cli.manifest["outputs"]}
    mine = {o["path"]: o["sha256"] for o in ours.manifest["outputs"]}
    assert mine == theirs
