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
    assert ours["outputs"] == cli["outputs"]
    assert ours["inputs"] == cli["inputs"]
    assert ours["parameters"] == cli["parameters"]
    assert ours["headline"] == cli["headline"]
    for output in cli["outputs"]:
        name = output["path"]
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
