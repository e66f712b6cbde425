"""The reference table of `crates/oa-evaluation/tests/evaluation/published.rs` for mpdta:
every ATT(g,t) with its analytic standard error and the four aggregations, from Python
`csdid` (tested with csdid 0.4.3, drdid 1.1.7, numpy 2.4.6, pandas 2.3.3).

    benches/.venv/bin/python benches/cs_reference.py ../shared/data

`base_period` and `bstrap` are arguments of `fit()` in csdid 0.4.3 (given to the
constructor they are ignored).
"""
import sys
import warnings

import pandas as pd

warnings.filterwarnings("ignore")
from csdid.att_gt import ATTgt  # noqa: E402

data = sys.argv[1]
df = pd.read_csv(f"{data}/evaluation-examples/mpdta.csv")
for control, base in [("nevertreated", "varying"), ("notyettreated", "universal")]:
    out = ATTgt(yname="lemp", gname="first.treat", idname="countyreal", tname="year",
                xformla=None, data=df, control_group=[control]).fit(
        est_method="dr", base_period=base, bstrap=False)
    r = out.results
    print(f"## {control} {base}")
    for g, t, a, s in zip(r["group"], r["year"], r["att"], r["se"]):
        print(int(g), int(t), f"{a:.10f}", f"{s:.10f}")
    for kind in ["simple", "dynamic", "group", "calendar"]:
        agg = out.aggte(typec=kind, bstrap=False, cband=False).atte
        print("#", kind, agg["overall_att"], agg["overall_se"])
        if agg.get("egt") is not None:
            for e, a, s in zip(agg["egt"], agg["att_egt"], agg["se_egt"]):
                print("  ", e, f"{a:.10f}", f"{float(s):.10f}")
