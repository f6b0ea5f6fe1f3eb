"""Data checks and association figures the Norris-71 JSON records (no method row)."""

from __future__ import annotations

import csv
import logging
from pathlib import Path

import numpy as np

from ml.association.associate import select_weighting
from ml.association.params import AssociationParams
from ml.data.lou2023 import LOU2023_TESTSET
from ml.data.norris71 import Norris71
from ml.evaluation.norris71.rows import AssociationMethod
from ml.seed import FIELD_SIZE_ARCSEC
from ml.sky import separation_arcsec

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------
# data checks written into the JSON
# ----------------------------------------------------------------------------------------------


def non_test_candidate_check(root: Path, data: Norris71) -> dict:
    """Do real PS1 candidates exist anywhere in the shared data for non-test radio sources?

    Scans every authors' log with PS1 positions and counts objects outside all 71 test fields
    (farther than the field half-diagonal from every VLASS position).
    """
    vra = np.array([f.ra for f in data.fields])
    vdec = np.array([f.dec for f in data.fields])
    half_diag = FIELD_SIZE_ARCSEC / 2 * np.sqrt(2)
    report = {}
    for path in sorted((root / LOU2023_TESTSET.parent).iterdir()):
        if path.suffix == ".md" or not path.is_file():
            continue
        with open(path, newline="") as fh:
            rows = list(csv.reader(fh, skipinitialspace=True))
        if not rows:
            continue
        header = [h.strip() for h in rows[0]]
        if "PS source ra" not in header:
            continue
        pts = set()
        for r in rows[1:]:
            # Some logs name a VLASS column in the header but omit it in the rows: align right.
            r = (
                r[-(len(header) - header.index("PS source ra")) :]
                if len(r) != len(header)
                else r[header.index("PS source ra") :]
            )
            try:
                pts.add((float(r[0]), float(r[1])))
            except (ValueError, IndexError):
                continue
        outside = sum(separation_arcsec(ra, dec, vra, vdec).min() > half_diag for ra, dec in pts)
        report[path.name] = {
            "unique_ps1_positions": len(pts),
            "outside_all_test_fields": int(outside),
        }
    return report


def association_quality(data: Norris71, method: AssociationMethod, test_sources: set[str]) -> dict:
    """How often the model-free association reproduces the Table-6 grouping (evaluation only)."""
    src_of = {cid: s for s in data.sources for cid in s.component_ids}
    cid_index = {str(c): i for i, c in enumerate(method.cids)}
    out = {}
    fields = [(f.norris_component.cid, f) for f in data.fields]
    ok = sum(
        {str(method.cids[m]) for m in method.associate(f).members}
        == set(f.norris_source.component_ids)
        for _, f in fields
    )
    out["test_fields_exact_group"] = f"{ok}/{len(fields)}"
    sky = method.sky
    for name, want_multi in (
        ("non_test_single_components", False),
        ("non_test_multi_components", True),
    ):
        tot = good = 0
        for cid, s in src_of.items():
            if s.sid in test_sources or s.is_multi_component != want_multi:
                continue
            got = {str(method.cids[m]) for m in sky.group(cid_index[cid])}
            tot += 1
            good += got == set(s.component_ids)
        out[name + "_exact_group"] = f"{good}/{tot}"
    return out


def association_sensitivity(data: Norris71) -> list[dict]:
    """One-at-a-time sweep of the association parameters around the published defaults:
    accuracy on the 71 fields, to show whether the result is a knife edge (test-set figures,
    reported for transparency -- the defaults were not picked from this sweep)."""
    base = AssociationParams()
    grid = {
        "max_flux_ratio": (2.0, 3.0, 4.0, 6.0, 8.0),
        "theta_100mjy_arcsec": (50.0, 70.0, 100.0, 130.0, 160.0),
        "midpoint_fraction": (0.1, 0.15, 0.2, 0.3),
        "triple_max_sep_arcsec": (60.0, 90.0, 120.0, 180.0),
        "weighting": ("peak", "int", "peak2"),
    }
    out = []
    for name, values in grid.items():
        for v in values:
            params = AssociationParams(**{**base.__dict__, name: v})
            m = AssociationMethod(data, params)
            n_ok = sum(m(f).best == f.host_index for f in data.fields)
            out.append(
                {"param": name, "value": v, "n_correct": n_ok, "default": v == getattr(base, name)}
            )
    return out


def choose_weighting(data: Norris71, method: AssociationMethod, test_area: np.ndarray) -> dict:
    """Host-localisation hits (core within 3" of the Table-6 host) per centroid weighting,
    counted on multi-component sources outside the test area only."""
    src_of = {cid: s for s in data.sources for cid in s.component_ids}
    n = len(method.cids)
    hra = np.full(n, np.nan)
    hdec = np.full(n, np.nan)
    for i, cid in enumerate(method.cids):
        s = src_of[str(cid)]
        if s.is_multi_component:
            hra[i] = s.host_ra if s.host_ra is not None else s.ra
            hdec[i] = s.host_dec if s.host_dec is not None else s.dec
    return select_weighting(method.sky, hra, hdec, ~test_area)
