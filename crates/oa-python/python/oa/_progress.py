"""Progress bars for long work: tqdm (its notebook widget in Jupyter) when installed, else
a one-line bar on stderr. The native module calls ``update(phase, done, total)`` from
the calling thread at most every 100 ms while the work runs, and never for work shorter
than that."""

from __future__ import annotations

import sys
from typing import Callable, Optional, Union

ProgressArg = Union[None, bool, Callable[[str, int, int], None]]


def _in_notebook() -> bool:
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()  # type: ignore[attr-defined]
    except Exception:
        return False
    return ip is not None and "IPKernelApp" in getattr(ip, "config", {})


def reporter(progress: ProgressArg) -> Optional["_Reporter"]:
    """What shows progress: nothing for ``False``; the callable itself when given one; a
    bar for ``True``, or by default when in a notebook or a terminal."""
    if progress is False:
        return None
    if callable(progress):
        return _Reporter(progress, None)
    if progress is None and not (_in_notebook() or sys.stderr.isatty()):
        return None
    return _Reporter(None, _bar())


class _Reporter:
    """Called by the native module; forwards to a callable or draws a bar."""

    def __init__(self, callback, bar) -> None:
        self._callback = callback
        self._bar = bar

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self._callback is not None:
            self._callback(phase, done, total)
        else:
            self._bar.update(phase, done, total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _bar():
    try:
        from tqdm.auto import tqdm  # noqa: F401
    except ImportError:
        return _TextBar()
    return _TqdmBar()


class _TqdmBar:
    def __init__(self) -> None:
        self._bar = None
        self._phase = None

    def update(self, phase: str, done: int, total: int) -> None:
        from tqdm.auto import tqdm

        if self._bar is None or phase != self._phase:
            self.close()
            self._bar = tqdm(total=total or None, desc=phase, leave=False)
            self._phase = phase
        if total and self._bar.total != total:
            self._bar.total = total
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class _TextBar:
    WIDTH = 30

    def __init__(self) -> None:
        self._drawn = False

    def update(self, phase: str, done: int, total: int) -> None:
        if total:
            filled = min(self.WIDTH, done * self.WIDTH // total)
            bar = "=" * filled + " " * (self.WIDTH - filled)
            line = f"{phase:<14} [{bar}] {done}/{total}"
        else:
            line = f"{phase:<14} ..."
        sys.stderr.write("\r" + line.ljust(60))
        sys.stderr.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()
            self._drawn = False
