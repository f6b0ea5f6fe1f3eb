"""Host and candidate statistics of the real Norris-71 fields, and the simulator's models of them.

The real anchor is the seed authors' own test log
``lou2023_galaxyclassifier_notes/RGZ_all_negative_Norris_testing_notes1.csv`` (seed §4.2): 71
VLASS components in CDFS, each with its PS1 candidates and exactly one true host (the Norris
et al. 2006 host re-identified in PS1).  Measured there (:func:`norris71_field_stats`):

* candidates per field: 6-29, median 16 once the rows the file lists twice are dropped
  (6-42, median 18, counting rows);
* candidates lie within ~78" of the VLASS position (per-field maximum 55-78", median 76");
* host offset from the VLASS position: median 0.75", 56 of 71 within 1.5", 11 beyond 5"
  (multi-component sources whose catalogued VLASS component is a lobe, up to 43");
* the nearest candidate is the host in 65 of 71 fields (91.5 %).

The simulator reproduces these with a compact/extended morphology mix (:mod:`ml.sim.field`)
rather than by drawing offsets directly: a large offset arises, as on the real sky, when the
catalogued component is a lobe of an extended source.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.paths import data_dir
from ml.sky import separation_arcsec

NORRIS71_FILE = (
    Path("lou2023_galaxyclassifier_notes") / "RGZ_all_negative_Norris_testing_notes1.csv"
)
#: Radius within which the real Norris-71 fields list PS1 candidates, arcsec (max 77.9").
CANDIDATE_RADIUS_ARCSEC = 78.0
#: Negative-binomial model of the number of *non-host* candidates per field, fitted by the
#: method of moments to the real Norris-71 counts minus the host (mean 15.6, sd 5.1; see
#: ``results/sim_validation.json``).
N_BACKGROUND_MEAN = 15.6
N_BACKGROUND_SD = 5.1
#: Per-axis sigma (arcsec) of the physical radio-core-to-host offset plus PS1 centroiding;
#: the VLASS astrometric error is added separately (``ml.sim.field.ASTROMETRY_*``).
CORE_OFFSET_SIGMA_ARCSEC = 0.2

_J = re.compile(r"J(?P<ra>\d{5,6}(?:\.\d+)?)(?P<sign>[+-])(?P<dec>\d{6}(?:\.\d+)?)$")


def parse_vlass_name(name: str) -> tuple[float, float]:
    """RA, Dec (deg) of a VLASS component name as written in the seed authors' file.

    Their names drop the leading zero of the RA hour and keep a variable number of decimals
    (``J32626.9-275611.2`` = 03h26m26.9s -27d56m11.2s), so the integer part is padded, not
    the whole string.

    Raises
    ------
    ValueError
        If the name has no ``Jhhmmss.s+ddmmss.s`` part.
    """
    m = _J.search(name.strip())
    if not m:
        raise ValueError(f"not a VLASS J-name: {name!r}")
    ra_s = m["ra"]
    ra_int, _, ra_frac = ra_s.partition(".")
    ra_int = ra_int.rjust(6, "0")
    hh, mm, ss = int(ra_int[:2]), int(ra_int[2:4]), float(ra_int[4:] + "." + (ra_frac or "0"))
    dec_int, _, dec_frac = m["dec"].partition(".")
    dd, dm, ds = int(dec_int[:2]), int(dec_int[2:4]), float(dec_int[4:] + "." + (dec_frac or "0"))
    if mm >= 60 or ss >= 60 or dm >= 60 or ds >= 60 or hh >= 24 or dd > 90:
        raise ValueError(f"VLASS J-name out of range: {name!r}")
    ra = 15.0 * (hh + mm / 60 + ss / 3600)
    dec = (dd + dm / 60 + ds / 3600) * (-1 if m["sign"] == "-" else 1)
    return ra, dec


@dataclass(frozen=True)
class FieldStats:
    """Per-field statistics: one entry per field (arrays of equal length)."""

    name: tuple[str, ...]
    n_candidates: np.ndarray
    host_offset_arcsec: np.ndarray
    max_candidate_sep_arcsec: np.ndarray
    nearest_is_host: np.ndarray
    candidate_sep_arcsec: tuple[np.ndarray, ...]

    @property
    def nn_accuracy(self) -> float:
        return float(np.mean(self.nearest_is_host))


def field_stats(names, centre_ra, centre_dec, cand_ra, cand_dec, host_index) -> FieldStats:
    """Candidate counts, host offsets and nearest-neighbour outcome for a list of fields.

    Parameters
    ----------
    names : sequence of str
    centre_ra, centre_dec : sequence of float
        Radio position of each field (deg).
    cand_ra, cand_dec : sequence of ndarray
        Candidate positions per field (deg).
    host_index : sequence of int
        Index of the true host within each field's candidates.
    """
    n, off, mx, nn, seps = [], [], [], [], []
    for ra0, de0, ra, de, h in zip(
        centre_ra, centre_dec, cand_ra, cand_dec, host_index, strict=True
    ):
        sep = separation_arcsec(ra0, de0, ra, de)
        n.append(sep.size)
        off.append(sep[h])
        mx.append(sep.max())
        nn.append(int(np.argmin(sep)) == int(h))
        seps.append(sep)
    return FieldStats(
        tuple(names), np.array(n), np.array(off), np.array(mx), np.array(nn, bool), tuple(seps)
    )


@functools.lru_cache(maxsize=2)
def norris71_field_stats(path: str | None = None) -> FieldStats:
    """Statistics of the 71 real Norris-71 fields (duplicate candidate rows counted once).

    Parameters
    ----------
    path : str, optional
        The authors' CSV; default ``data_dir() / NORRIS71_FILE``.

    Raises
    ------
    ValueError
        If a field does not have exactly one host.
    """
    p = Path(path) if path else data_dir() / NORRIS71_FILE
    fields: dict[str, dict[str, tuple[float, float, bool]]] = {}
    with open(p, newline="") as fh:
        for row in csv.DictReader(fh, skipinitialspace=True):
            f = fields.setdefault(row["VLASS_component_name"].strip(), {})
            f[row["PS source id"].strip()] = (
                float(row["PS source ra"]),
                float(row["PS source dec"]),
                row["Groud_Truth"].strip() == "1",  # sic, the authors' spelling
            )
    names, cra, cde, ra, de, hi = [], [], [], [], [], []
    for name, cands in fields.items():
        r0, d0 = parse_vlass_name(name)
        arr = np.array([(a, b, h) for a, b, h in cands.values()], float)
        hosts = np.flatnonzero(arr[:, 2] == 1)
        if hosts.size != 1:
            raise ValueError(f"{p}: field {name} has {hosts.size} hosts, expected 1")
        names.append(name)
        cra.append(r0)
        cde.append(d0)
        ra.append(arr[:, 0])
        de.append(arr[:, 1])
        hi.append(int(hosts[0]))
    return field_stats(names, cra, cde, ra, de, hi)


def draw_n_background(rng: np.random.Generator) -> int:
    """Number of non-host PS1 candidates in a field (negative binomial, real Norris-71 moments).

    A negative binomial (Poisson with a gamma-distributed rate) is the usual model of galaxy
    counts in cells: clustering makes the variance exceed the Poisson mean.
    """
    m, v = N_BACKGROUND_MEAN, N_BACKGROUND_SD**2
    p = m / v
    k = m * p / (1 - p)
    return int(max(rng.negative_binomial(k, p), 5))


def draw_core_offset(rng: np.random.Generator, n: int = 1) -> np.ndarray:
    """(east, north) offsets in arcsec between a radio core position and its host.

    Isotropic Gaussian per axis with sigma :data:`CORE_OFFSET_SIGMA_ARCSEC`.
    """
    return rng.normal(0.0, CORE_OFFSET_SIGMA_ARCSEC, (n, 2))


def uniform_disk(rng: np.random.Generator, n: int, radius: float) -> np.ndarray:
    """``n`` points uniform in a disk of ``radius`` (same units), shape (n, 2)."""
    r = radius * np.sqrt(rng.random(n))
    t = rng.uniform(0, 2 * np.pi, n)
    return np.stack([r * np.cos(t), r * np.sin(t)], axis=1)
