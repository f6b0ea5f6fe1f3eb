"""The criteria and parameters of the rule-based component association (:mod:`ml.association`).

Each constant is one criterion of the published rules (Magliocchetti et al. 1998 doubles,
Norris 2006 §3.2 triples) or of an issue-16 extension, with the reason for its value;
:class:`AssociationParams` carries them (the defaults: the published rules) into a
``ComponentSky``. Split from :mod:`ml.association`, which re-exports every name here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Magliocchetti et al. 1998: theta_max = 100" (S_total / 100 mJy)^0.5, flux ratio <= 4.
DOUBLE_THETA_100MJY_ARCSEC = 100.0
DOUBLE_MAX_FLUX_RATIO = 4.0
#: A core must sit within this fraction of the lobe separation from the lobes' midpoint.
TRIPLE_MIDPOINT_FRACTION = 0.2
#: Largest lobe separation considered for a triple (arcsec): a 3.6' field spans 216" (seed §2.1).
TRIPLE_MAX_SEPARATION_ARCSEC = 120.0
#: A core must be fainter than this times the fainter lobe (1: fainter than both lobes).
TRIPLE_CORE_FLUX_RATIO = 1.0
#: A core of any flux closer than this fraction of the lobe separation to the lobes' midpoint
#: (0 = off). Core + two lobes of comparable flux, symmetric and collinear, is the
#: FR-II/FR-I triple of Norris 2006 §3.2 whether or not the core outshines its lobes; the
#: chance that an unrelated component falls within f d of the midpoint grows as f^2, so a
#: tight f replaces the flux cut. Chosen on the spatial k-fold of held-out Norris sources
#: (``ml.evaluation.association``), never on the test fields.
BRIGHT_CORE_MIDPOINT_FRACTION = 0.0
#: Aligned doubles (1 = off): two resolved, elongated components whose major axes
#: both point along the pair axis are lobes of one source out to this many times the
#: Magliocchetti double scale. Lobes elongated towards each other (or towards a common core)
#: are the classic visual cue of an FR-II (Norris 2006 §3.2; Fanaroff & Riley 1974); unrelated
#: neighbours are aligned only by chance, so the cue buys reach. Chosen like the bright core.
ALIGNED_THETA_FACTOR = 1.0
#: "points along the pair axis": the major-axis position angle within this of the pair's
ALIGNED_MAX_ANGLE_DEG = 30.0
#: "elongated": minor / major axis (deconvolved) at most this, so a position angle means
#: something (a round component has none)
ALIGNED_MAX_AXIS_RATIO = 0.8

#: Symmetric triples (0 = off): a core + two lobes whose LOBE flux ratio exceeds
#: the double criterion's cap but stays within ``symmetric_lobe_ratio``, accepted when the
#: group itself is symmetric: arms (core-lobe distances) within SYMMETRIC_MAX_ARM_RATIO of
#: each other and the lobe-core-lobe bend within SYMMETRIC_MAX_BEND_DEG of straight. Lobe
#: fluxes of one FR II differ more than their arm lengths do (Doppler boosting and the
#: environment act on flux; the arms of powerful doubles mostly agree within ~1.5 and are
#: collinear within ~20 deg, Norris 2006 §3.2 examples, Fanaroff & Riley 1974), so for a
#: collinear, symmetric triple the geometry replaces the pair flux-ratio cap. The two shape
#: constants are fixed a priori; only the lobe-ratio cap is chosen, nested per fold.
SYMMETRIC_LOBE_RATIO = 0.0
SYMMETRIC_MAX_ARM_RATIO = 1.5
SYMMETRIC_MAX_BEND_DEG = 20.0

#: Close pairs (0 = off): two components closer than this fraction of the double
#: scale theta_max link at a flux ratio up to CLOSE_MAX_FLUX_RATIO instead of the lobe cap of
#: 4. Magliocchetti's cap encodes the symmetry of two *lobes*; a compact core with a one-sided
#: jet or a single faint lobe beside it (Norris 2006 §3.2 notes such core-jet sources) is
#: asymmetric by nature, and inside a fraction of theta_max -- itself small for faint sources,
#: theta_max ~ sqrt(S) -- an unrelated neighbour is rare. Both settings are chosen like the
#: bright core, nested per fold on the training strips, never on the test fields. OFF in the
#: deployed rules: on simulated VLASS fields the looser cap links unrelated faint neighbours
#: and costs host accuracy (results/association_real.json, ``simulated_vlass_hosts``).
CLOSE_THETA_FRACTION = 0.0
#: the flux-ratio cap of a close pair (read only when CLOSE_THETA_FRACTION > 0)
CLOSE_MAX_FLUX_RATIO = 8.0

#: The bright-core fraction the deployed rules use (``ml.association.refit.Method``'s default):
#: the value the spatial k-fold procedure chooses on all held-out Norris sources
#: (results/association_real.json, ``rules_extended.chosen_on_all_heldout``).
SHIPPED_BRIGHT_CORE_FRACTION = 0.05
#: The aligned-double factor the deployed rules use, chosen the same way
#: (``rules_extended.chosen_on_all_heldout``).
SHIPPED_ALIGNED_THETA_FACTOR = 2.0
#: A VLASS component is matched to a catalogue component within this radius (arcsec).
SEED_MATCH_ARCSEC = 10.0


@dataclass(frozen=True)
class AssociationParams:
    """Parameters of :func:`associate` (defaults: the published criteria above)."""

    theta_100mjy_arcsec: float = DOUBLE_THETA_100MJY_ARCSEC
    max_flux_ratio: float = DOUBLE_MAX_FLUX_RATIO
    midpoint_fraction: float = TRIPLE_MIDPOINT_FRACTION
    triple_max_sep_arcsec: float = TRIPLE_MAX_SEPARATION_ARCSEC
    weighting: str = "peak"
    core_flux_ratio: float = TRIPLE_CORE_FLUX_RATIO
    bright_core_fraction: float = BRIGHT_CORE_MIDPOINT_FRACTION
    aligned_theta_factor: float = ALIGNED_THETA_FACTOR
    symmetric_lobe_ratio: float = SYMMETRIC_LOBE_RATIO
    close_theta_fraction: float = CLOSE_THETA_FRACTION
    close_max_flux_ratio: float = CLOSE_MAX_FLUX_RATIO

    def __post_init__(self):
        if self.theta_100mjy_arcsec <= 0:
            raise ValueError(
                f"theta_100mjy_arcsec must be > 0 arcsec, got {self.theta_100mjy_arcsec}"
            )
        if self.max_flux_ratio < 1:
            raise ValueError(f"max_flux_ratio must be >= 1, got {self.max_flux_ratio}")
        if not 0 < self.midpoint_fraction < 0.5:
            raise ValueError(f"midpoint_fraction must be in (0, 0.5), got {self.midpoint_fraction}")
        if self.weighting not in CORE_WEIGHTINGS:
            raise ValueError(
                f"weighting must be one of {sorted(CORE_WEIGHTINGS)}, got {self.weighting!r}"
            )
        if not self.core_flux_ratio > 0:
            raise ValueError(f"core_flux_ratio must be > 0, got {self.core_flux_ratio}")
        if not 0 <= self.bright_core_fraction <= self.midpoint_fraction:
            raise ValueError(
                f"bright_core_fraction must be in [0, midpoint_fraction={self.midpoint_fraction}]"
                f", got {self.bright_core_fraction}"
            )
        if not self.aligned_theta_factor >= 1:
            raise ValueError(f"aligned_theta_factor must be >= 1, got {self.aligned_theta_factor}")
        if not 0 <= self.close_theta_fraction <= 1:
            raise ValueError(
                f"close_theta_fraction must be in [0, 1] (0 = off), got {self.close_theta_fraction}"
            )
        if not self.close_max_flux_ratio >= 1:
            raise ValueError(f"close_max_flux_ratio must be >= 1, got {self.close_max_flux_ratio}")
        if not self.symmetric_lobe_ratio >= 0:
            raise ValueError(
                f"symmetric_lobe_ratio must be >= 0 (0 = off), got {self.symmetric_lobe_ratio}"
            )


WEIGHTINGS = ("peak", "int", "peak2")
#: every centroid weighting :meth:`ComponentSky.core` knows (including ``compact``)
CORE_WEIGHTINGS = (*WEIGHTINGS, "compact")


def reach_arcsec(flux_mjy: np.ndarray, params: AssociationParams) -> np.ndarray:
    """The farthest (arcsec) any component can link to a component of this flux.

    Doubles: ``a θ100 √((S + S')/100 mJy)`` with ``S' ≤ r S`` (flux-ratio limit ``r``; ``a`` =
    ``aligned_theta_factor``, 1 unless aligned doubles are on); close pairs
    ``c θ100 √((S + S')/100 mJy)`` with ``S' ≤ R S`` (``close_theta_fraction`` ``c``,
    ``close_max_flux_ratio`` ``R``). Triples:
    the lobes are < ``triple_max_sep`` apart and a core lies within ``midpoint_fraction``
    (<= 0.5; the bright-core triple's fraction is at most that) of it from their midpoint, so
    every triple link spans less than ``triple_max_sep``.
    """
    p = params
    double = (
        p.aligned_theta_factor
        * p.theta_100mjy_arcsec
        * np.sqrt((1.0 + p.max_flux_ratio) * flux_mjy / 100.0)
    )
    # a close pair links at a looser ratio but only within a fraction of theta
    close = (
        p.close_theta_fraction
        * p.theta_100mjy_arcsec
        * np.sqrt((1.0 + p.close_max_flux_ratio) * flux_mjy / 100.0)
    )
    return np.maximum(np.maximum(double, close), p.triple_max_sep_arcsec)
