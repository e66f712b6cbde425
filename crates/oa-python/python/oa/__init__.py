"""oa: composite indices, targeting and funding, from Python (see ``__init__.pyi``)."""

from . import _oa
from ._api import Results, Study, read, run
from ._docs import attach as _attach_docs
from ._oa import (
    AreaCodeError,
    BundleInvalidError,
    DataMalformedError,
    DataMissingError,
    FundingFailedError,
    IndexFailedError,
    InternalError,
    OaError,
    OutputRefusedError,
    SelectionFailedError,
    StageFailedError,
    StoppedError,
    StudyInvalidError,
    WriteFailedError,
)

__version__ = _oa.__version__

__all__ = [
    "run",
    "read",
    "Study",
    "Results",
    "OaError",
    "StudyInvalidError",
    "DataMissingError",
    "DataMalformedError",
    "AreaCodeError",
    "IndexFailedError",
    "SelectionFailedError",
    "FundingFailedError",
    "StageFailedError",
    "BundleInvalidError",
    "OutputRefusedError",
    "StoppedError",
    "WriteFailedError",
    "InternalError",
]

# Evaluation on a panel DataFrame (difference-in-differences, synthetic control) joins
# this API when the pipeline's evaluation stage lands; see ARCHITECTURE.md, oa-python.

_attach_docs(globals())
