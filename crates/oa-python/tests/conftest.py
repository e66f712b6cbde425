"""Fixtures of the Python package's tests (run by scripts/test through pytest).

Real data comes from ../shared/data beside the repository, or $OA_SHARED_DATA; a test
that needs it fails when it is missing, never skips."""

import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def shared_data() -> Path:
    data = Path(os.environ.get("OA_SHARED_DATA", REPO.parent / "shared" / "data"))
    assert (data / "imd2019").is_dir(), (
        f"shared data not found at {data}: clone the repository beside `shared/` or set OA_SHARED_DATA"
    )
    return data


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(scope="session")
def data() -> Path:
    return shared_data()


@pytest.fixture(scope="session")
def oa_cli() -> Path:
    """The `oa` command line: $OA_CLI, else built with cargo (the debug binary)."""
    if os.environ.get("OA_CLI"):
        return Path(os.environ["OA_CLI"])
    subprocess.run(
        ["cargo", "build", "--quiet", "--locked", "-p", "oa"], cwd=REPO, check=True
    )
    return REPO / "target" / "debug" / "oa"


@pytest.fixture(scope="session")
def imd2019(data):
    import oa

    return oa.run(REPO / "studies" / "imd2019.toml", data_dir=data, progress=False)


@pytest.fixture(scope="session")
def oa2016(data):
    import oa

    return oa.run(
        REPO / "studies" / "opportunity-areas-2016.toml", data_dir=data, progress=False
    )


def study_text(name: str, edits=()) -> str:
    """A shipped study's text with some settings changed (fewer Monte Carlo samples, to
    keep a test quick): each (from, to) must apply."""
    text = (REPO / "studies" / f"{name}.toml").read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, f"{name}: no `{old}` to change"
        text = text.replace(old, new, 1)
    return text
