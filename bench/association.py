"""Association speed per HEALPix tile: rules vs the learned edge model.

The epoch pipeline builds one ``ComponentSky`` per tile and calls ``associate`` for each of
its components. Simulated tiles (uniform positions over a square, VLASS-like density
~0.5 components per arcmin^2, log-normal fluxes; shapes given) of growing size are timed
through: ``rules`` (ml.association published criteria, sparse links), ``rules_extended``
(the deployed default: + bright-core triples and aligned doubles, whose
doubled reach finds more candidate pairs), ``edges`` (the shipped learned model, which also
reads the rule links) and ``dense_reference`` (the O(n^2)
separation matrix of the published rules, for the ratio). Methods are interleaved per
repeat so machine noise hits all alike; the JSON gives medians and ratios.

Run: ``.venv/bin/python bench/association.py`` -> ``results/association_bench.json``
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ml.association.associate import associate  # noqa: E402
from ml.association.edges import default_edge_params  # noqa: E402
from ml.association.refit import Method  # noqa: E402
from ml.association.rules import ComponentSky  # noqa: E402
from ml.sky import angle_arcsec  # noqa: E402

#: components per square degree (VLASS QL: ~ 1.9 million over 33,885 deg^2 is ~60; CIRADA
#: tiles in dense fields reach a few hundred); 1,800/deg^2 = 0.5/arcmin^2 stresses the pairs
DENSITY_PER_DEG2 = 1800.0


def tile(n: int, rng) -> dict:
    side = np.sqrt(n / DENSITY_PER_DEG2)
    flux = rng.lognormal(0.5, 1.2, n)
    maj = rng.uniform(0, 8, n)
    return {
        "ra": 150 + rng.uniform(0, side, n),
        "dec": 10 + rng.uniform(0, side, n),
        "flux": flux,
        "peak": flux / rng.uniform(1, 3, n),
        "kw": {
            "major_arcsec": maj,
            "minor_arcsec": maj * rng.uniform(0.3, 1, n),
            "pa_deg": rng.uniform(-90, 90, n),
            "rms_mjy": np.full(n, 0.13),
        },
    }


def dense_reference(t: dict) -> None:
    """The separation matrix the published rules built (their dominant cost)."""
    from ml.sky import unit_vectors

    xyz = unit_vectors(t["ra"], t["dec"])
    angle_arcsec(xyz[:, None, :], xyz[None, :, :])


def run_method(name: str, t: dict) -> float:
    t0 = time.perf_counter()
    if name == "dense_reference":
        dense_reference(t)
    else:
        params = {"edges": default_edge_params(), "rules_extended": Method().params}.get(name)
        sky = ComponentSky(t["ra"], t["dec"], t["flux"], t["peak"], params, **t["kw"])
        for i in range(len(sky)):
            associate(sky, sky.ra[i], sky.dec[i])
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 5000])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out", type=Path, default=ROOT / "results" / "association_bench.json")
    args = p.parse_args(argv)
    rng = np.random.default_rng(0)
    methods = ("rules", "rules_extended", "edges", "dense_reference")
    rows = []
    for n in args.sizes:
        t = tile(n, rng)
        times = {m: [] for m in methods}
        for _ in range(args.repeats):
            for m in methods:
                times[m].append(run_method(m, t))
        med = {m: float(np.median(v)) for m, v in times.items()}
        rows.append(
            {
                "n_components": n,
                "median_s": {m: round(v, 4) for m, v in med.items()},
                "edges_over_rules": round(med["edges"] / med["rules"], 3),
                "rules_extended_over_rules": round(med["rules_extended"] / med["rules"], 3),
                "rules_extended_ms_per_component": round(1e3 * med["rules_extended"] / n, 4),
                "dense_matrix_alone_over_rules": round(med["dense_reference"] / med["rules"], 3),
                "edges_ms_per_component": round(1e3 * med["edges"] / n, 4),
            }
        )
        print(json.dumps(rows[-1]))
    out = {
        "benchmark": "association per tile (build ComponentSky + associate every component)",
        "data": "SIMULATED tiles (uniform positions, log-normal fluxes, random shapes)",
        "command": ".venv/bin/python bench/association.py",
        "machine": {"python": platform.python_version(), "cpu": platform.processor() or "?"},
        "rows": rows,
        "summary": {
            "edges_over_rules_at_largest_tile": rows[-1]["edges_over_rules"],
            "rules_extended_over_rules_at_largest_tile": rows[-1]["rules_extended_over_rules"],
            "rules_extended_ms_per_component_at_largest_tile": rows[-1][
                "rules_extended_ms_per_component"
            ],
            "edges_ms_per_component_at_largest_tile": rows[-1]["edges_ms_per_component"],
            "dense_matrix_alone_over_rules_at_largest_tile": rows[-1][
                "dense_matrix_alone_over_rules"
            ],
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1) + "\n")
    return out


if __name__ == "__main__":
    main()
