"""Python peers of the evaluation engine's benchmarks (issue 10), timed on the same data.

    python3 -m venv benches/.venv
    benches/.venv/bin/pip install csdid pysyncon "pandas<3" openpyxl
    benches/.venv/bin/pip install --no-deps synthdid==0.10.0   # its pins conflict
    benches/.venv/bin/python benches/evaluation_peers.py sdid DATA_DIR [REPLICATIONS]
    benches/.venv/bin/python benches/evaluation_peers.py sc DATA_DIR [FITS]
    benches/.venv/bin/python benches/evaluation_peers.py cs DATA_DIR

- sdid: Python `synthdid` on Proposition 99, the estimate and its placebo standard
  error (`synthdid.vcov.placebo_se`, 200 replications: its own default of 50 is
  hard-coded in `vcov`, so the function is called directly).
- sc: `pysyncon` on early years by district 2013/14-2017/18: Blackpool against the 313
  districts outside the opportunity areas, `PlaceboTest` over every donor, with the
  pre-period outcomes as predictors and `custom_V` = equal weights (no outer search,
  the peer's fastest setting; `oa` needs none either on the outcome path). Each fit
  takes seconds (scipy's SLSQP over 313 weights), so `FITS` times only the first fits
  and projects the 314.
- cs: `csdid` on `mpdta`, never-treated controls, 999 multiplier-bootstrap draws for
  the cells and each of the four aggregations.

Prints one line: `<peer> <seconds> <what>`.
"""
import copy
import sys
import time
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")

OPPORTUNITY_AREAS = [
    "E06000009", "E08000004", "E07000168", "E06000015", "E07000148", "E07000191",
    "E08000032", "E08000017", "E06000021", "E07000009", "E07000010", "E07000202",
    "E07000062",
]


def sdid(data, replications=200):
    from synthdid.synthdid import Synthdid
    from synthdid.vcov import placebo_se

    df = pd.read_csv(f"{data}/evaluation-examples/california_prop99.csv", sep=";")
    start = time.perf_counter()
    model = Synthdid(df, unit="State", time="Year", treatment="treated",
                     outcome="PacksPerCapita").fit()
    se = placebo_se(model.data_ref, n_reps=replications)
    seconds = time.perf_counter() - start
    print(f"synthdid {seconds:.3f} estimate {model.att} placebo se {se:.3f} "
          f"({replications} replications)")


def sc(data, fits=None):
    from pysyncon import Dataprep, Synth
    from pysyncon.utils import PlaceboTest

    x = pd.read_excel(f"{data}/outcomes/EYFSP_LAD_pr_additional_tables_2014_2019.xlsx")
    x = x[(x.geographic_level == "Local Authority District") & (x.time_period < 201819)]
    x = x.assign(year=x.time_period // 100, gld=100 * x.gld_number / x.all_pupils)
    pre = [2013, 2014, 2015, 2016]
    controls = sorted(set(x.lad_code_pupil) - set(OPPORTUNITY_AREAS))
    prep = Dataprep(
        foo=x[["lad_code_pupil", "year", "gld"]],
        predictors=[],
        predictors_op="mean",
        time_predictors_prior=pre,
        special_predictors=[("gld", [y], "mean") for y in pre],
        dependent="gld",
        unit_variable="lad_code_pupil",
        time_variable="year",
        treatment_identifier="E06000009",
        controls_identifier=controls,
        time_optimize_ssr=pre,
    )
    options = {"custom_V": np.full(4, 0.25)}
    if fits is None:
        start = time.perf_counter()
        placebo = PlaceboTest()
        placebo.fit(dataprep=prep, scm=Synth(), scm_options=options, verbose=False)
        seconds = time.perf_counter() - start
        print(f"pysyncon {seconds:.3f} all {placebo.gaps.shape[1]} placebos and the treated fit")
        return
    # The first `fits` of the 314 fits (the treated unit, then placebos), one process:
    # the whole run is projected from their mean.
    start = time.perf_counter()
    PlaceboTest._single_placebo(dataprep=prep, scm=Synth(), scm_options=options)
    for treated, others in list(PlaceboTest.placebo_iter(controls))[: fits - 1]:
        p = copy.copy(prep)
        p.treatment_identifier, p.controls_identifier = treated, others
        PlaceboTest._single_placebo(dataprep=p, scm=Synth(), scm_options=options)
    seconds = time.perf_counter() - start
    per_fit = seconds / fits
    print(f"pysyncon {seconds:.3f} for {fits} of {len(controls) + 1} fits "
          f"({per_fit:.3f} s each; projected {per_fit * (len(controls) + 1):.0f} s on one "
          f"process, {per_fit * (len(controls) + 1) / 2:.0f} s on two)")


def cs(data):
    from csdid.att_gt import ATTgt

    df = pd.read_csv(f"{data}/evaluation-examples/mpdta.csv")
    np.random.seed(1)
    start = time.perf_counter()
    out = ATTgt(yname="lemp", gname="first.treat", idname="countyreal", tname="year",
                xformla=None, data=df, control_group=["nevertreated"], biters=999,
                cband=True).fit(est_method="dr", bstrap=True)
    simple = None
    for kind in ["simple", "dynamic", "group", "calendar"]:
        agg = out.aggte(typec=kind, bstrap=True, biters=999, cband=True)
        if kind == "simple":
            simple = agg.atte["overall_att"]
    seconds = time.perf_counter() - start
    print(f"csdid {seconds:.3f} simple att {simple:.4f} (999 draws, cells and 4 aggregations)")


if __name__ == "__main__":
    import contextlib
    import io

    peer, data = sys.argv[1], sys.argv[2]
    extra = [int(a) for a in sys.argv[3:]]
    # The peers print progress and summaries; keep only our line.
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        {"sdid": sdid, "sc": sc, "cs": cs}[peer](data, *extra)
    print([line for line in captured.getvalue().splitlines()
           if line.split(" ")[0] in ("synthdid", "pysyncon", "csdid")][-1])
