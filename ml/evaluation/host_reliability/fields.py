"""Simulated VLASS fields for the reliability evaluation, as flat candidate arrays.

Each field: the catalogued component of an :func:`ml.sim.field.simulate_field` sky, its core
located by the deployed association (:class:`ml.association.refit.Method` defaults), and its
optical candidates with their offsets from the core and from the component, their PS1 r
magnitude (NaN = not detected) and the simulated host. ``n_background`` sets the optical
depth: the simulator's default draws the seed's density (Norris-71 counts, ~16 objects within
78″); PS1 DR2 at full depth holds ~28 objects per arcmin², hundreds in the seed's 3.6′ box.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.association.refit import LabelledField, Method, core_offsets
from ml.host.likelihood_ratio import core_sigma_arcsec
from ml.sky import separation_arcsec

#: PS1 DR2 3π to r ~ 23.3: ~28 objects / arcmin² (~3·10^9 objects over 3π sr), i.e. ~150
#: within the simulator's 78″ candidate radius (~360 in the 3.6′ box)
FULL_DEPTH_N_BACKGROUND = 150


@dataclass
class FieldSet:
    """Candidates of many fields, field after field (``starts``)."""

    sep_core: np.ndarray  # arcsec from the located core
    sep_comp: np.ndarray  # arcsec from the catalogued component (the nearest-neighbour baseline)
    mag_r: np.ndarray  # PS1 r (AB), NaN = not detected
    starts: np.ndarray
    host: np.ndarray  # per field: index of the host within the field
    multi: np.ndarray  # per field: multi-component core
    sigma: np.ndarray  # per field: core 1σ (arcsec), the deployed positional scales
    seeds: tuple[int, int]

    @property
    def n_fields(self) -> int:
        return int(self.starts.size)

    def field_slices(self):
        ends = np.append(self.starts[1:], self.sep_core.size)
        return [slice(int(a), int(b)) for a, b in zip(self.starts, ends, strict=True)]


def simulate(seed0: int, n: int, *, n_background: int | None = None) -> FieldSet:
    """``n`` fields from seeds ``seed0 .. seed0 + n - 1`` at the given optical depth."""
    from ml.evaluation.association.checks import simulated_vlass_field
    from ml.sim.field import simulate_field

    method = Method()
    sc, sp, mg, starts, host, multi = [], [], [], [], [], []
    at = 0
    for s in range(seed0, seed0 + n):
        f = simulate_field(seed=s, n_background=n_background)
        col, fluxes, shapes, target, _ = simulated_vlass_field(s, f)
        cra = np.asarray(f.candidates["ra"], float)
        cdec = np.asarray(f.candidates["dec"], float)
        lf = LabelledField(
            col["ra"], col["dec"], *fluxes, float(col["ra"][target]), float(col["dec"][target]),
            cra, cdec, int(f.host_index), str(s), shapes,
        )  # fmt: skip
        sep, is_multi = core_offsets(lf, method.params)
        sc.append(sep)
        sp.append(separation_arcsec(lf.ra, lf.dec, cra, cdec))
        mg.append(np.asarray(f.candidates["rmag"], float))
        starts.append(at)
        at += sep.size
        host.append(int(f.host_index))
        multi.append(bool(is_multi))
    multi_a = np.array(multi)
    sigma = core_sigma_arcsec(
        multi_component=multi_a,
        sigma_single_arcsec=method.sigma(False),
        sigma_multi_arcsec=method.sigma(True),
    )
    return FieldSet(
        np.concatenate(sc), np.concatenate(sp), np.concatenate(mg), np.array(starts),
        np.array(host), multi_a, sigma, (seed0, seed0 + n),
    )  # fmt: skip
