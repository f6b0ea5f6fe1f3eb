"""Positional host likelihood around a located radio core (model-free baseline scorer).

Once the radio components are associated and the core located (:mod:`ml.association`),
the host is the optical candidate closest to the core. To fit the seed's decision
rule (§4.2: likelihood > 0.5 → positive; exactly one positive → prime host) the
separation is turned into a likelihood with a circular Gaussian positional error:
``L = exp(-r² / 2σ²)``. ``σ`` combines the radio core's uncertainty — small for a
single compact component (its fitted position), larger for a centroid of several
components, whose flux weighting only approximates where the nucleus is — with the
optical astrometry (PS1 ≲ 0.1″, negligible here).
"""

from __future__ import annotations

import numpy as np

#: 1σ core uncertainty (arcsec) for a single component: VLASS QL positions are good to
#: ~0.5–1″ at the survey's typical S/N (Gordon et al. 2021, §5).
SIGMA_SINGLE_ARCSEC = 1.0
#: For a multi-component core the centroid can be several arcsec off the nucleus
#: (Norris 2006 sources: median ~1.5″, tail to ~5″ — ml.evaluation.norris71 overlays).
SIGMA_MULTI_ARCSEC = 3.0


def positional_likelihood(
    sep_arcsec, *, multi_component: bool, sigma_arcsec: float | None = None
) -> np.ndarray:
    """Host likelihood of candidates at ``sep_arcsec`` (arcsec) from the radio core, in [0, 1].

    ``sigma_arcsec`` overrides the class default (``SIGMA_MULTI_ARCSEC`` or
    ``SIGMA_SINGLE_ARCSEC``), e.g. with a scale refitted on labels (:mod:`ml.association.refit`).
    """
    sep = np.asarray(sep_arcsec, dtype=float)
    if sep.ndim != 1 or sep.size == 0:
        raise ValueError(f"sep_arcsec must be a non-empty 1-D array, got shape {sep.shape}")
    if not np.all(np.isfinite(sep)) or np.any(sep < 0):
        raise ValueError("sep_arcsec must be finite and >= 0 arcsec")
    if sigma_arcsec is None:
        sigma_arcsec = SIGMA_MULTI_ARCSEC if multi_component else SIGMA_SINGLE_ARCSEC
    if not sigma_arcsec > 0:
        raise ValueError(f"sigma_arcsec must be > 0 arcsec, got {sigma_arcsec}")
    sigma = sigma_arcsec
    return np.exp(-0.5 * (sep / sigma) ** 2)
