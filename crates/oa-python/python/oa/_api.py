"""The public API over the native module: studies, their results as DataFrames, bundles.

Everything here converts or presents; the work is the Rust pipeline's (``oa._oa``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from . import _oa
from ._progress import ProgressArg, reporter

PathLike = Union[str, "os.PathLike[str]"]


def _path(p: Optional[PathLike]) -> Optional[str]:
    return None if p is None else os.fspath(p)


def _with_progress(progress: ProgressArg, call):
    report = reporter(progress)
    try:
        return call(report)
    finally:
        if report is not None:
            report.close()


def _arrow_stream(data: Any) -> Any:
    """An object with ``__arrow_c_stream__`` for ``data``: pandas goes through pyarrow
    (without its index); polars DataFrames and pyarrow tables are passed as they are."""
    pandas = _optional("pandas")
    if pandas is not None and isinstance(data, pandas.DataFrame):
        import pyarrow

        return pyarrow.Table.from_pandas(data, preserve_index=False)
    if hasattr(data, "__arrow_c_stream__"):
        return data
    raise TypeError(
        "the data must be a pandas or polars DataFrame or a pyarrow Table, "
        f"not {type(data).__name__}"
    )


def _optional(module: str):
    import importlib
    import sys

    if module in sys.modules:
        return sys.modules[module]
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


class Study:
    """A study resolved and validated, ready to run. Make one with :meth:`from_file`,
    :meth:`from_toml` or :meth:`from_frame`."""

    def __init__(self, native: "_oa.Study") -> None:
        self._native = native

    @classmethod
    def from_file(
        cls,
        path: PathLike,
        data_dir: Optional[PathLike] = None,
        *,
        samples: Optional[int] = None,
        seed: Optional[int] = None,
        formats: Optional[Sequence[str]] = None,
    ) -> "Study":
        return cls(
            _oa.Study.from_file(
                _path(path),
                _path(data_dir),
                samples,
                seed,
                None if formats is None else list(formats),
            )
        )

    @classmethod
    def from_toml(
        cls,
        text: str,
        data_dir: Optional[PathLike] = None,
        *,
        samples: Optional[int] = None,
        seed: Optional[int] = None,
    ) -> "Study":
        return cls(
            _oa.Study.from_toml(text, _path(data_dir), "study (TOML text)", samples, seed)
        )

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
    ) -> "Study":
        spec = dict(
            id=id,
            title=title,
            code=code,
            name=name,
            area_type=area_type,
            vintage=vintage,
            geography=geography,
            indicators=indicators,
            direction=direction,
            groups=groups,
            weights=weights,
            method=method,
            scoring=scoring,
            bands=bands,
            sections=sections,
        )
        return cls(_oa.Study.from_frame(_arrow_stream(data), spec, _path(data_dir)))

    def run(self, *, progress: ProgressArg = None) -> "Results":
        return Results(_with_progress(progress, lambda r: self._native.run(r)))

    @property
    def toml(self) -> str:
        return self._native.toml

    @property
    def id(self) -> str:
        return self._native.id

    @property
    def title(self) -> str:
        return self._native.title

    def __repr__(self) -> str:
        return repr(self._native)


class Results:
    """Everything a study run produced: tables as DataFrames, the manifest, maps, charts
    and reports; :meth:`write` makes the bundle."""

    def __init__(self, native: "_oa.Results") -> None:
        self._native = native

    # Tables -----------------------------------------------------------------------------
    @property
    def tables(self) -> List[str]:
        return self._native.table_names()

    def __getitem__(self, name: str):
        return self.to_pandas(name)

    def __contains__(self, name: str) -> bool:
        return name.removesuffix(".csv") in self.tables

    def to_arrow(self, name: str):
        import pyarrow

        return pyarrow.table(self._native.table(name))

    def to_pandas(self, name: str):
        return self.to_arrow(name).to_pandas()

    def to_polars(self, name: str):
        import polars

        return polars.DataFrame(self._native.table(name))

    @property
    def scores(self):
        return self.to_pandas(self.headline["table"])

    # Metadata ---------------------------------------------------------------------------
    @property
    def manifest(self) -> Dict[str, Any]:
        return json.loads(self._native.manifest_json())

    @property
    def headline(self) -> Dict[str, Any]:
        return json.loads(self._native.headline_json())

    @property
    def sections(self) -> List[str]:
        return self._native.sections()

    @property
    def study(self) -> Study:
        return Study(self._native.study())

    def _documents(self, suffix: str, keep) -> Dict[str, str]:
        return {
            name[: -len(suffix)]: body
            for name, body in self._native.documents()
            if name.endswith(suffix) and keep(name)
        }

    @property
    def maps(self) -> Dict[str, str]:
        return self._documents(".svg", lambda n: n.startswith("map_"))

    @property
    def charts(self) -> Dict[str, str]:
        return self._documents(".svg", lambda n: not n.startswith("map_"))

    @property
    def reports(self) -> Dict[str, str]:
        return self._documents(".md", lambda n: True)

    # Bundles and stages -----------------------------------------------------------------
    def write(self, path: PathLike, *, formats: Optional[Sequence[str]] = None) -> Path:
        return Path(self._native.write(_path(path), None if formats is None else list(formats)))

    def select(
        self, *, study: Optional[PathLike] = None, data_dir: Optional[PathLike] = None
    ) -> "Results":
        return Results(self._native.select(_path(study), _path(data_dir)))

    def allocate(
        self, *, study: Optional[PathLike] = None, data_dir: Optional[PathLike] = None
    ) -> "Results":
        return Results(self._native.allocate(_path(study), _path(data_dir)))

    def uncertainty(
        self,
        *,
        samples: Optional[int] = None,
        seed: Optional[int] = None,
        study: Optional[PathLike] = None,
        data_dir: Optional[PathLike] = None,
        progress: ProgressArg = None,
    ) -> "Results":
        return Results(
            _with_progress(
                progress,
                lambda r: self._native.uncertainty(
                    samples, seed, _path(study), _path(data_dir), r
                ),
            )
        )

    # Evaluation on a panel DataFrame joins here when the pipeline's evaluation stage
    # lands: `Results.evaluate(panel, ...)` over `oa_pipeline`'s entry point, the panel
    # crossing as Arrow like `Study.from_frame`'s data.

    def _repr_html_(self) -> str:
        return "<pre>" + repr(self) + "</pre>" + self.scores.head(10).to_html()

    def __repr__(self) -> str:
        return repr(self._native)


def run(
    study: PathLike,
    data_dir: Optional[PathLike] = None,
    *,
    samples: Optional[int] = None,
    seed: Optional[int] = None,
    progress: ProgressArg = None,
) -> Results:
    return Study.from_file(study, data_dir, samples=samples, seed=seed).run(progress=progress)


def read(path: PathLike) -> Results:
    return Results(_oa.Results.read(_path(path)))
