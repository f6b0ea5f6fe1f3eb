"""The held-out data of the association evaluation: real CDFS expert groupings.

* the radio sky: every Norris et al. 2006 Table 4 component (position, fluxes, deconvolved
  axes, PA, local rms), exactly as the associator sees a catalogue tile;
* held-out sources: the Table 6 sources whose components *all* lie at least one 3.6' field
  (216") from every Norris-71 test VLASS position (seed §2.1 field size, the same separation
  ``ml.evaluation.norris71`` uses); the test fields are never used for a choice;
* spatial folds: whole RA strips of the sky holding equal numbers of held-out sources;
* RGZ DR1 ATLAS consensus hosts (Wong et al. 2025) outside the test fields, a second,
  independent host-position set, each tied to its nearest Table 4 component; and RGZ's own
  grouping: the Table 4 components inside half the RGZ source's largest angular extent
  (volunteers pick whole contour islands, so these are the components RGZ calls one source).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.association.rules import ComponentSky
from ml.data.norris71 import Norris71, load_norris71
from ml.seed import FIELD_SIZE_ARCSEC
from ml.sky import separation_arcsec

RGZ_DIR = Path("rgz_dr1_atlas")
RGZ_RADIO = RGZ_DIR / "DR1_ATLAS_radio_classifications.csv"
RGZ_HOSTS = RGZ_DIR / "DR1_ATLAS_host_properties.csv"
#: an RGZ source is tied to a Table 4 component within max(this, half its largest extent)
RGZ_MATCH_ARCSEC = 10.0
#: RGZ's grouping: the Table 4 components within max(this, half the largest angular extent)
#: of the RGZ radio position (5": half the ATLAS beam's minor axis, Norris 2006 §2)
RGZ_GROUP_MIN_ARCSEC = 5.0


@dataclass
class HeldOut:
    """Everything the evaluation needs, as arrays over the 784 Table 4 components."""

    data: Norris71
    shape: dict  # optional ComponentSky columns (major/minor/pa/rms)
    test_area: np.ndarray  # bool: within one field of a test VLASS position
    source_of: np.ndarray  # int: Table 6 source index of each component
    sources: list[np.ndarray]  # held-out sources as component index arrays
    source_fold: np.ndarray  # fold of each held-out source
    fold: np.ndarray  # fold of each component of a held-out source, -1 otherwise
    host: np.ndarray  # (n_sources, 2) SWIRE host ra/dec (NaN = none)
    k: int

    def sky(self, params=None) -> ComponentSky:
        a = self.data.component_arrays()
        return ComponentSky(
            a["ra"], a["dec"], a["int_flux_mjy"], a["peak_flux_mjy"], params, **self.shape
        )

    def sky_four_columns(self, params=None) -> ComponentSky:
        """The sky without the optional shape columns (what the original interface passes)."""
        a = self.data.component_arrays()
        return ComponentSky(a["ra"], a["dec"], a["int_flux_mjy"], a["peak_flux_mjy"], params)

    @property
    def in_heldout(self) -> np.ndarray:
        return self.fold >= 0


def shape_columns(data: Norris71) -> dict:
    """Table 4 shapes as ComponentSky keywords (deconvolved axes: 0 = unresolved)."""
    a = data.component_arrays()
    return {
        "major_arcsec": a["major_arcsec"],
        "minor_arcsec": a["minor_arcsec"],
        "pa_deg": a["pa_deg"],
        "rms_mjy": np.array([c.rms_ujy for c in data.components]) / 1000.0,
    }


def test_positions(data: Norris71) -> tuple[np.ndarray, np.ndarray]:
    return np.array([f.ra for f in data.fields]), np.array([f.dec for f in data.fields])


def load_heldout(root: Path, k: int = 5) -> HeldOut:
    """Held-out Norris sources in ``k`` RA strips (equal source counts per strip)."""
    data = load_norris71(root)
    a = data.component_arrays()
    vra, vdec = test_positions(data)
    test_area = np.array(
        [
            separation_arcsec(r, d, vra, vdec).min() < FIELD_SIZE_ARCSEC
            for r, d in zip(a["ra"], a["dec"], strict=True)
        ]
    )
    index = {str(c): i for i, c in enumerate(a["cid"])}
    source_of = np.full(len(a["cid"]), -1)
    sources, hosts = [], []
    for n, s in enumerate(data.sources):
        comps = np.array([index[c] for c in s.component_ids])
        source_of[comps] = n
        if not test_area[comps].any():
            sources.append(comps)
            hosts.append((s.host_ra, s.host_dec) if s.host_ra is not None else (np.nan, np.nan))
    mean_ra = np.array([a["ra"][c].mean() for c in sources])
    cuts = np.quantile(mean_ra, np.linspace(0, 1, k + 1)[1:-1])
    source_fold = np.searchsorted(cuts, mean_ra)
    fold = np.full(len(source_of), -1)
    for comps, f in zip(sources, source_fold, strict=True):
        fold[comps] = f
    return HeldOut(
        data,
        shape_columns(data),
        test_area,
        source_of,
        sources,
        source_fold,
        fold,
        np.array(hosts, dtype=float),
        k,
    )


def _float(v: str) -> float:
    try:
        return float(v)
    except ValueError:
        return np.nan


def load_rgz_hosts(root: Path, h: HeldOut) -> list[dict]:
    """RGZ DR1 ATLAS consensus hosts tied to a held-out Table 4 component.

    Kept: rows with a consensus host position, whose radio position lies outside every test
    field and whose nearest Table 4 component (within ``max(RGZ_MATCH_ARCSEC, LAE / 2)``)
    belongs to a held-out Norris source. ``comp`` is that component (the seed); ``group`` the
    held-out components within ``max(RGZ_GROUP_MIN_ARCSEC, LAE / 2)`` (RGZ's grouping; the
    seed alone when none lies that close).
    """
    with open(root / RGZ_RADIO, newline="") as fr, open(root / RGZ_HOSTS, newline="") as fh:
        radio, hosts = list(csv.DictReader(fr)), list(csv.DictReader(fh))
    if len(radio) != len(hosts):
        raise ValueError(
            f"{RGZ_RADIO} and {RGZ_HOSTS} differ in length: {len(radio)} != {len(hosts)}"
        )
    a = h.data.component_arrays()
    vra, vdec = test_positions(h.data)
    out = []
    for row, (r, ho) in enumerate(zip(radio, hosts, strict=True), start=2):
        if r["CatID"] != ho["Cat_ID"]:
            raise ValueError(f"{RGZ_HOSTS} line {row}: Cat_ID {ho['Cat_ID']} != CatID {r['CatID']}")
        ra, dec, hra, hdec = (_float(x) for x in (r["RA"], r["Dec"], ho["Host_RA"], ho["Host_Dec"]))
        if not np.all(np.isfinite([ra, dec, hra, hdec])):
            continue
        if separation_arcsec(ra, dec, vra, vdec).min() < FIELD_SIZE_ARCSEC:
            continue
        d = separation_arcsec(ra, dec, a["ra"], a["dec"])
        i = int(np.argmin(d))
        lae = _float(r["LAE"])
        if d[i] > max(RGZ_MATCH_ARCSEC, lae / 2 if np.isfinite(lae) else 0.0) or h.fold[i] < 0:
            continue
        half = lae / 2 if np.isfinite(lae) else 0.0
        group = np.flatnonzero((d < max(RGZ_GROUP_MIN_ARCSEC, half)) & (h.fold >= 0))
        group = sorted({i, *group.tolist()})
        out.append(
            {"cat_id": r["CatID"], "comp": i, "group": group, "host_ra": hra, "host_dec": hdec}
        )
    return out
