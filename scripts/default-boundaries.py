#!/usr/bin/env python3
"""Writes the dashboard's built-in district boundaries.

    scripts/default-boundaries.py ../shared/data/geo/onsvisual-uk-topojson/topo.json \
        crates/oa-web/assets/boundaries/ltla-england.topo.json

Keeps the `ltla` object of the ONS topo.json (ONSvisual/uk-topojson, super-generalised
clipped boundaries of every local authority district with the years each was valid),
only its English districts (codes starting `E`), and only the arcs they use, renumbered.
Coordinates, the quantisation transform and every property are unchanged, so the layer
read from the output equals the English part of the original in every year; the test
`built_in_boundaries_are_the_ons_districts` in crates/oa-web checks it.
"""

import json
import sys


def main(source: str, target: str) -> None:
    with open(source, encoding="utf-8-sig") as f:
        topo = json.load(f)
    ltla = topo["objects"]["ltla"]
    geometries = [
        g for g in ltla["geometries"] if g["properties"]["areacd"].startswith("E")
    ]
    used = set()

    def collect(arcs):
        if isinstance(arcs, int):
            used.add(arcs if arcs >= 0 else ~arcs)
        else:
            for a in arcs:
                collect(a)

    for g in geometries:
        collect(g["arcs"])
    index = {old: new for new, old in enumerate(sorted(used))}

    def renumber(arcs):
        if isinstance(arcs, int):
            return index[arcs] if arcs >= 0 else ~index[~arcs]
        return [renumber(a) for a in arcs]

    for g in geometries:
        g["arcs"] = renumber(g["arcs"])
    out = {
        "type": "Topology",
        "transform": topo["transform"],
        "arcs": [topo["arcs"][a] for a in sorted(used)],
        "objects": {"ltla": {"type": "GeometryCollection", "geometries": geometries}},
    }
    with open(target, "w", encoding="utf-8") as f:
        json.dump(out, f, separators=(",", ":"), ensure_ascii=False)
        f.write("\n")
    print(f"{target}: {len(geometries)} districts, {len(used)} arcs")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
