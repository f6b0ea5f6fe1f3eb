"""Associate one radio position with its source and locate the source's core (seed §4.2).

:func:`associate` finds the catalogue component at a radio position (e.g. the VLASS component
of a test field), groups it with the components the :class:`~ml.association.rules.ComponentSky`
links to it, and returns their core: the given position for a single component, the weighted
centroid otherwise. :func:`select_weighting` chooses that centroid's weighting on labelled
sources outside the test fields, never on the test fields.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ml.association.params import SEED_MATCH_ARCSEC, WEIGHTINGS
from ml.association.rules import ComponentSky
from ml.sky import angle_arcsec, unit_vectors


@dataclass(frozen=True)
class Association:
    """Outcome of :func:`associate` for one radio component."""

    seed_index: int
    seed_sep_arcsec: float
    members: tuple[int, ...]
    core_ra: float
    core_dec: float

    @property
    def is_multi(self) -> bool:
        return len(self.members) > 1


def associate(sky: ComponentSky, ra_deg: float, dec_deg: float) -> Association:
    """Group the components around a radio position and locate their core.

    Parameters
    ----------
    sky : ComponentSky
    ra_deg, dec_deg : float
        The radio component's position (deg), e.g. a VLASS component.

    Returns
    -------
    Association
        For a single component the core is the given position (the higher-resolution VLASS
        position, 2.5" beam, beats the 10" ATLAS one); otherwise the weighted centroid.

    Raises
    ------
    ValueError
        If no catalogue component lies within ``SEED_MATCH_ARCSEC`` of the position.
    """
    i, d = sky.nearest(ra_deg, dec_deg)
    if d > SEED_MATCH_ARCSEC:
        raise ValueError(
            f"no radio component within {SEED_MATCH_ARCSEC} arcsec of ({ra_deg:.6f}, {dec_deg:.6f}); "
            f"nearest is {d:.1f} arcsec away"
        )
    members = sky.group(i)
    if members.size == 1:
        core = (float(ra_deg), float(dec_deg))
    else:
        core = sky.core(members)
    return Association(i, d, tuple(int(m) for m in members), core[0], core[1])


@dataclass(frozen=True)
class Associations:
    """Outcome of :func:`associate_many`: per position, the arrays of :class:`Association`
    (``label``: the group's label in ``sky.labels``, which names its members)."""

    seed_index: np.ndarray
    seed_sep_arcsec: np.ndarray
    label: np.ndarray
    core_ra: np.ndarray
    core_dec: np.ndarray
    is_multi: np.ndarray


def associate_many(sky: ComponentSky, ra_deg, dec_deg) -> Associations:
    """:func:`associate` for many positions at once (the same rule, seed §4.2).

    One k-d tree query for all nearest components, the group labels once per sky, and each
    multi-component group's weighted centroid summed once (members in ascending order, as
    :meth:`ComponentSky.core` sums them), instead of a tree query, a label scan and a
    centroid per position: a tile of thousands of components in a few array operations.

    Raises
    ------
    ValueError
        If no catalogue component lies within ``SEED_MATCH_ARCSEC`` of some position (the
        first such is named).
    """
    ra = np.atleast_1d(np.asarray(ra_deg, float))
    dec = np.atleast_1d(np.asarray(dec_deg, float))
    i, d = sky.nearest_many(ra, dec)
    far = np.flatnonzero(d > SEED_MATCH_ARCSEC)
    if far.size:
        k = int(far[0])
        raise ValueError(
            f"no radio component within {SEED_MATCH_ARCSEC} arcsec of ({ra[k]:.6f}, "
            f"{dec[k]:.6f}); nearest is {d[k]:.1f} arcsec away"
        )
    labels = sky.labels
    sizes = np.bincount(labels)
    label = labels[i]
    multi = sizes[label] > 1
    core_ra, core_dec = ra.copy(), dec.copy()
    if multi.any():
        w = {
            "peak": sky.peak,
            "int": sky.flux,
            "peak2": sky.peak**2,
            "compact": sky.peak**2 / sky.flux,
        }[sky.params.weighting]
        wanted = np.zeros(sizes.size, bool)
        wanted[label[multi]] = True
        members = np.flatnonzero(wanted[labels])  # ascending: the order core() sums in
        v = np.zeros((sizes.size, 3))
        np.add.at(v, labels[members], sky.xyz[members] * w[members, None])
        v = v[label[multi]]
        v /= np.linalg.norm(v, axis=1)[:, None]
        core_ra[multi] = np.degrees(np.arctan2(v[:, 1], v[:, 0])) % 360.0
        core_dec[multi] = np.degrees(np.arcsin(v[:, 2]))
    return Associations(i, d, label, core_ra, core_dec, multi)


def select_weighting(
    sky: ComponentSky,
    host_ra: np.ndarray,
    host_dec: np.ndarray,
    use: np.ndarray,
    radius_arcsec: float = 3.0,
) -> dict[str, int]:
    """Count, per weighting, components in ``use`` whose group core lies within ``radius_arcsec``
    of their known host (deg arrays, one per component; NaN = no host).

    Used to choose the centroid weighting on labelled sources outside the test fields.
    """
    out = {}
    for w in WEIGHTINGS:
        hits = 0
        for i in np.flatnonzero(use):
            if not np.isfinite(host_ra[i]):
                continue
            members = sky.group(int(i))
            if members.size == 1:
                continue
            ra, dec = sky.core(members, w)
            d = angle_arcsec(
                unit_vectors(np.array(ra), np.array(dec)),
                unit_vectors(np.array(host_ra[i]), np.array(host_dec[i])),
            )
            hits += int(d <= radius_arcsec)
        out[w] = hits
    return out
