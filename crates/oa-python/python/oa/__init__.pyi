"""oa: composite indices, targeting and funding, from Python.

Run a study file and get DataFrames::

    import oa
    imd = oa.run("studies/imd2019.toml", data_dir="../shared/data")
    imd.scores.head()

or build a study over a DataFrame with :meth:`Study.from_frame`. Long work releases the
GIL, shows a progress bar in notebooks and terminals, and stops on Ctrl-C. Errors are
:class:`OaError` subclasses, one per error code.
"""

import os
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Union

import pandas
import pyarrow

__version__: str

PathLike = Union[str, os.PathLike[str]]
Progress = Union[None, bool, Callable[[str, int, int], None]]

def run(
    study: PathLike,
    data_dir: Optional[PathLike] = None,
    *,
    samples: Optional[int] = None,
    seed: Optional[int] = None,
    progress: Progress = None,
) -> Results:
    """Runs the study file ``study`` (as ``oa run``) and returns its results.

    ``data_dir`` is where the study's relative paths are read (default: the study file's
    folder). ``samples`` and ``seed`` override the Monte Carlo's. ``progress``: ``None``
    shows a bar in a notebook or terminal, ``True`` always, ``False`` never, or a
    callable ``f(phase, done, total)``. Raises an :class:`OaError` subclass on bad input
    and ``KeyboardInterrupt`` on Ctrl-C (the run stops; nothing is kept)."""

def read(path: PathLike) -> Results:
    """Reads a results bundle written by ``oa run`` or :meth:`Results.write`. Raises
    :class:`BundleInvalidError` naming the file, line and column of anything it cannot
    read."""

class Study:
    """A study resolved and validated, ready to run."""

    @classmethod
    def from_file(
        cls,
        path: PathLike,
        data_dir: Optional[PathLike] = None,
        *,
        samples: Optional[int] = None,
        seed: Optional[int] = None,
        formats: Optional[Sequence[str]] = None,
    ) -> Study:
        """Reads and validates a study file. ``formats`` adds ``"parquet"`` or
        ``"xlsx"`` copies of every table when the results are written."""

    @classmethod
    def from_toml(
        cls,
        text: str,
        data_dir: Optional[PathLike] = None,
        *,
        samples: Optional[int] = None,
        seed: Optional[int] = None,
    ) -> Study:
        """Parses and validates study TOML held in a string; paths in it are read from
        ``data_dir`` (default: the current folder)."""

    @classmethod
    def from_frame(
        cls,
        data: Any,
        *,
        code: str,
        indicators: Union[Sequence[str], Mapping[str, Any]],
        vintage: int,
        area_type: str = "area",
        name: Optional[str] = None,
        direction: Optional[str] = None,
        groups: Optional[Mapping[str, Any]] = None,
        weights: Optional[Mapping[str, float]] = None,
        method: Optional[Mapping[str, Any]] = None,
        scoring: Optional[Mapping[str, str]] = None,
        bands: Optional[Mapping[str, Any]] = None,
        geography: Optional[Mapping[str, Any]] = None,
        sections: Optional[Mapping[str, Any]] = None,
        id: str = "study",
        title: Optional[str] = None,
        data_dir: Optional[PathLike] = None,
    ) -> Study:
        """A study over a table in memory (a pandas or polars DataFrame or a pyarrow
        Table, one row per area), without writing any file.

        ``code`` (and ``name``) name the area code (and name) columns. ``indicators`` is a
        list of columns (all running ``direction``: ``"higher_is_better"`` or
        ``"higher_is_worse"``) or a dict ``id -> direction`` or ``id -> dict`` of
        indicator keys (``column``, ``direction``, ``weight``, ``group``, ...).
        ``groups`` maps a group id to its indicator ids (or to a dict with
        ``indicators`` and group keys such as ``weight`` and ``parent``); ``weights``
        maps indicator or group ids to weights; ``method`` holds the ``[method]`` keys
        (``normalisation="zscore"`` is short for ``{"method": "zscore"}``); ``scoring``,
        ``bands`` and ``geography`` the sections of those names; ``sections`` any other
        section (``selection``, ``funds``, ``uncertainty``, ``rollup``, ...).

        The study is written as study TOML and validated exactly as a file is: errors
        raise :class:`StudyInvalidError` naming the study key; the data is checked
        when the study runs (missing columns, duplicate or wrong-type codes, values
        that are not numbers), naming the row and column."""

    def run(self, *, progress: Progress = None) -> Results:
        """Runs every stage the study declares (index, roll-up, clusters, selection,
        funding, uncertainty, maps). ``progress`` as for :func:`run`."""

    @property
    def toml(self) -> str:
        """The study as TOML (for a study built in code, the text generated for it)."""

    @property
    def id(self) -> str:
        """The study's id."""

    @property
    def title(self) -> str:
        """The study's title."""

class Results:
    """Everything a study run produced. Each table is a DataFrame (``results["scores"]``);
    the manifest a dict; maps and charts SVG text; :meth:`write` makes the bundle."""

    @property
    def tables(self) -> List[str]:
        """The tables' names in bundle order (``scores``, ``indicators``, ``coverage``,
        ``selection``, ``allocations``, ``uncertainty``, ...)."""

    def __getitem__(self, name: str) -> pandas.DataFrame:
        """A table as a pandas DataFrame, by name (``"scores"`` or ``"scores.csv"``)."""

    def __contains__(self, name: str) -> bool:
        """Whether the results have the table ``name``."""

    def to_pandas(self, name: str) -> pandas.DataFrame:
        """A table as a pandas DataFrame (missing numbers as NaN)."""

    def to_polars(self, name: str) -> Any:
        """A table as a polars DataFrame (needs polars installed; missing numbers as
        nulls)."""

    def to_arrow(self, name: str) -> pyarrow.Table:
        """A table as a pyarrow Table, without copying its numbers."""

    @property
    def scores(self) -> pandas.DataFrame:
        """The headline table: ranked areas with score, rank and band (after a roll-up,
        the larger areas)."""

    @property
    def manifest(self) -> Dict[str, Any]:
        """The bundle's ``manifest.json`` as a dict: version, study and its SHA-256,
        inputs, parameters, overrides, outputs (after :meth:`write`), timings, notes."""

    @property
    def headline(self) -> Dict[str, Any]:
        """Which table and columns hold the headline score, rank and band."""

    @property
    def sections(self) -> List[str]:
        """The sections present: ``index``, then ``rollup``, ``clusters``,
        ``selection``, ``funding``, ``uncertainty``, ``maps`` as declared."""

    @property
    def study(self) -> Study:
        """The study that made these results (for a bundle read back, its own copy)."""

    @property
    def maps(self) -> Dict[str, str]:
        """The maps as SVG text, by name (``map_score``, ``map_band``,
        ``map_clusters``)."""

    @property
    def charts(self) -> Dict[str, str]:
        """Other figures as SVG text (``uncertainty``, ``sensitivity``)."""

    @property
    def reports(self) -> Dict[str, str]:
        """The Markdown reports (``selection``: why each area was or was not chosen;
        ``allocations``: every fund to the penny)."""

    def write(self, path: PathLike, *, formats: Optional[Sequence[str]] = None) -> Path:
        """Writes the results bundle to ``path``, all or nothing (an older bundle there
        is replaced; any other non-empty folder is refused) and returns its path.
        ``formats`` adds ``"parquet"`` or ``"xlsx"`` copies of every table."""

    def select(
        self, *, study: Optional[PathLike] = None, data_dir: Optional[PathLike] = None
    ) -> Results:
        """Chooses areas again by the ``[selection]`` of ``study`` (default: the study
        of these results), as ``oa select``; returns new results."""

    def allocate(
        self, *, study: Optional[PathLike] = None, data_dir: Optional[PathLike] = None
    ) -> Results:
        """Allocates the ``[[funds]]`` again over the selected areas, in exact pence, as
        ``oa allocate``; returns new results."""

    def uncertainty(
        self,
        *,
        samples: Optional[int] = None,
        seed: Optional[int] = None,
        study: Optional[PathLike] = None,
        data_dir: Optional[PathLike] = None,
        progress: Progress = None,
    ) -> Results:
        """Runs the study's ``[uncertainty]`` Monte Carlo (rank intervals, band and
        selection probabilities) and, when declared, Sobol sensitivity indices;
        ``samples`` and ``seed`` override the study's. Returns new results with the
        ``uncertainty`` (and ``sensitivity``) tables."""

class OaError(Exception):
    """Base class of every oa error. Attributes: ``code`` (the stable name, e.g.
    ``"study_invalid"``), ``user`` (caused by the input rather than by oa), ``message``,
    and where the message names them ``file``, ``line``, ``column``, ``row`` (a data
    frame's row position) and ``key`` (a study key such as ``indicators[0].weight``);
    otherwise ``None``."""

    code: str
    user: bool
    message: str
    file: Optional[str]
    line: Optional[int]
    column: Optional[str]
    row: Optional[int]
    key: Optional[str]

class StudyInvalidError(OaError):
    """The study is missing, not UTF-8, or invalid (a key, a reference, a weight)."""

class DataMissingError(OaError):
    """A data file or folder the study names does not exist."""

class DataMalformedError(OaError):
    """The data cannot be read as the study says (columns, cells, duplicate codes)."""

class AreaCodeError(OaError):
    """An area code is of the wrong entity or vintage for the study's geography."""

class IndexFailedError(OaError):
    """The index cannot be computed on this data."""

class SelectionFailedError(OaError):
    """The selection's constraints cannot all hold, or its inputs are wrong."""

class FundingFailedError(OaError):
    """A fund cannot be allocated as declared."""

class StageFailedError(OaError):
    """An optional stage (roll-up, clusters, uncertainty, maps) cannot run as declared."""

class BundleInvalidError(OaError):
    """A results bundle cannot be read (missing file, changed by hand, newer version)."""

class OutputRefusedError(OaError):
    """The output folder cannot be used (not a bundle, not a folder)."""

class StoppedError(OaError):
    """The work was stopped on request."""

class WriteFailedError(OaError):
    """Writing failed (disk full, permissions)."""

class InternalError(OaError):
    """A bug in oa; please report it."""
