"""Long work: the GIL is released, progress is reported, Ctrl-C stops the run, and
results are shared safely between threads."""

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

import oa
from conftest import study_text


def uncertainty_study(data, samples):
    """studies/imd2019-uncertainty.toml with `samples` Monte Carlo runs and no Sobol."""
    text = study_text("imd2019-uncertainty", [("samples = 10000", f"samples = {samples}")])
    return oa.Study.from_toml(text.split("\n[uncertainty.sobol]")[0], data)


def test_progress_is_reported_and_the_gil_released(data):
    study = uncertainty_study(data, 400)
    seen = []
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.005)

    t = threading.Thread(target=tick)
    t.start()
    try:
        r = study.run(progress=lambda phase, done, total: seen.append((phase, done, total)))
    finally:
        stop.set()
        t.join()
    assert "uncertainty" in r.tables
    assert any(total > 0 and done <= total for _, done, total in seen), seen
    phases = {p for p, _, _ in seen}
    assert phases, "no progress reported"
    # The other thread ran throughout: no gap near the run's length.
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert len(ticks) > 20 and max(gaps) < 0.5, max(gaps)


def test_ctrl_c_stops_the_run(data):
    study = uncertainty_study(data, 200_000)
    returned = threading.Event()
    sent = []

    def interrupt():
        if not returned.is_set():
            sent.append(time.perf_counter())
            os.kill(os.getpid(), signal.SIGINT)

    # Python keeps SIGINT ignored when it was started ignoring it (a background job of a
    # shell without job control): Ctrl-C is then lost by design. The test is of Python's
    # usual handler, so it installs it. A second interrupt, should the run not stop after
    # the first, ends it so that the test fails with a message instead of hanging.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timers = [threading.Timer(1.0, interrupt), threading.Timer(40.0, interrupt)]
    started = time.perf_counter()
    for t in timers:
        t.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            study.run(progress=False)
    finally:
        returned.set()
        for t in timers:
            t.cancel()
            t.join()
        try:
            time.sleep(0.05)  # an interrupt sent as the run returned lands here
        except KeyboardInterrupt:
            pass
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
    elapsed = time.perf_counter() - started
    assert len(sent) == 1, (
        f"the run did not stop within 40 s of Ctrl-C; a second one stopped it after {elapsed:.1f} s"
    )
    assert elapsed < 30, f"took {elapsed:.1f} s to stop"


def test_uncertainty_on_results_overrides_samples(imd2019, data):
    # imd2019.toml declares no [uncertainty]; the uncertainty study does.
    with pytest.raises(oa.StudyInvalidError):
        imd2019.uncertainty(samples=10)
    base = uncertainty_study(data, 20).run(progress=False)
    more = base.uncertainty(samples=30, seed=7, progress=False)
    u = more["uncertainty"]
    assert len(u) == 32_844 and u["p_coldspot"].between(0, 1).all()
    assert more.manifest["parameters"] == base.manifest["parameters"]
    assert not more["uncertainty"].equals(base["uncertainty"])


@pytest.mark.parametrize("bar", ["tqdm", "text"])
def test_progress_bars_draw_on_stderr(bar, data, capsys, monkeypatch):
    from oa import _progress

    if bar == "text":
        monkeypatch.setattr(_progress, "_bar", _progress._TextBar)
    uncertainty_study(data, 400).run(progress=True)
    err = capsys.readouterr().err
    assert "Monte Carlo" in err, err[-500:]


def test_reading_results_while_another_thread_writes_them(imd2019, tmp_path):
    # The write releases the GIL while it holds the results; a reader on another thread
    # must wait for them without holding the GIL, or neither could go on. A deadlock
    # would freeze every Python thread, so it runs in a child process with a time limit.
    script = (
        "import sys, threading, oa\n"
        "r = oa.read(sys.argv[1])\n"
        "done = threading.Event()\n"
        "def write():\n"
        "    for i in range(3):\n"
        "        r.write(sys.argv[2] + str(i))\n"
        "    done.set()\n"
        "t = threading.Thread(target=write)\n"
        "t.start()\n"
        "reads = 0\n"
        "while not done.is_set():\n"
        "    r.sections\n"
        "    reads += 1\n"
        "t.join()\n"
        "print(reads)\n"
    )
    bundle = imd2019.write(tmp_path / "bundle")
    child = subprocess.run(
        [sys.executable, "-c", script, str(bundle), str(tmp_path / "copy")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    assert int(child.stdout) > 0
