"""Simulated FIRST-like frames with a known host pixel, for training the learned core locator.

Sources are lists of Gaussians in the host's tangent plane (east, north arcsec; flux; FWHM
major/minor; PA), as in :mod:`ml.sim.morphology`, whose parametric shapes (compact, FRI,
FRII, bent, XZ) are used as they are. Two bent families are added here because the
project's ``bent`` shape always has a bright core (10-40 % of the flux) at the apex of a
symmetric C, which real tailed sources often lack:

- ``wat``: wide-angle tail (Owen & Rudnick 1976; Missaglia et al. 2019): a faint core
  (0.5-30 % of the flux), two jets that bend to the same side and flare into diffuse plumes
  well away from the host, with unequal arm lengths;
- ``ht``: head-tail / narrow-angle tail (Miley 1980; Rudnick & Owen 1976): the host at a
  compact bright head, both jets swept back into one tail (or a single tail).

No MiraBest image is used (``ml.sim.templates`` is deliberately not imported: its templates
are MiraBest cut-outs, the locator's test set). Frames are rendered at the FIRST beam
(5.4" FWHM, Becker et al. 1995) on the 240 x 240, 1"/px frame and go through the same
chain as the real images (:func:`ml.preprocess.radio.scale_unit`, ``sigma_clip_image``,
``smooth``). Image orientation: x to the west (RA increases to the left), y to the north.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from ml.preprocess.radio import RADIO_SIZE, scale_unit, sigma_clip_image, smooth
from ml.sim.morphology import _chain, parametric_source
from ml.sim.radio import gaussian_cov

FIRST_BEAM_FWHM_ARCSEC = 5.4  # Becker, White & Helfand 1995
FWHM_TO_SIGMA = 1.0 / (2.0 * math.sqrt(2.0 * math.log(2.0)))
#: sampling weights of the simulated morphologies (bent-heavy: tailed sources are the target)
MIX = {
    "wat": 0.35,
    "ht": 0.15,
    "bent": 0.15,
    "FRI": 0.1,
    "FRII": 0.15,
    "XZ": 0.05,
    "compact": 0.05,
}


def wat_source(rng: np.random.Generator) -> np.ndarray:
    """Gaussians (k, 6) of a wide-angle tail with its host at (0, 0)."""
    f_core = 10 ** rng.uniform(math.log10(0.005), math.log10(0.3))
    g = [[0.0, 0.0, f_core, rng.uniform(0, 2.0), 0.0, 0.0]]
    axis = rng.uniform(0, 360)
    bend = rng.uniform(30, 120) * rng.choice([-1, 1])  # both jets curve towards one side
    for k, sign in enumerate((0.0, 180.0 + rng.normal(0, 20))):
        length = 10 ** rng.uniform(math.log10(8), math.log10(70)) * (
            1.0 if k == 0 else rng.uniform(0.5, 1.2)
        )
        jet_flux = (1 - f_core) / 2 * rng.uniform(0.5, 1.5)
        plume = rng.uniform(0.2, 0.8)
        curv = bend if k == 0 else -bend
        chain = _chain(
            rng,
            (0.0, 0.0),
            axis + sign,
            length,
            8,
            jet_flux * (1 - plume),
            1.5,
            4 + length / 8,
            curv,
        )
        g += chain
        end = np.array(chain[-1][:2])
        size = rng.uniform(8, 35)
        t = math.radians(axis + sign + curv)
        centre = end + 0.4 * size * np.array([math.sin(t), math.cos(t)])
        g.append(
            [*centre, jet_flux * plume, size, size * rng.uniform(0.4, 1.0), rng.uniform(0, 180)]
        )
    return np.asarray(g, float)


def ht_source(rng: np.random.Generator) -> np.ndarray:
    """Gaussians (k, 6) of a head-tail / narrow-angle tail with its host at the head (0, 0)."""
    f_core = rng.uniform(0.08, 0.6)
    g = [[0.0, 0.0, f_core, rng.uniform(0, 3.0), 0.0, rng.uniform(0, 180)]]
    tail = rng.uniform(0, 360)
    length = 10 ** rng.uniform(math.log10(15), math.log10(120))
    one_sided = rng.random() < 0.4
    opening = 0.0 if one_sided else rng.uniform(10, 60)
    n_jets = 1 if one_sided else 2
    for k in range(n_jets):
        # jets leave the head sideways and are swept back into the tail direction
        start = tail + (opening if k == 0 else -opening)
        curv = -(opening if k == 0 else -opening) * rng.uniform(0.5, 1.0)
        flux = (1 - f_core) / n_jets * rng.uniform(0.7, 1.3)
        g += _chain(
            rng,
            (0.0, 0.0),
            start,
            length * rng.uniform(0.8, 1.0),
            10,
            flux,
            2.0,
            3 + length / 6,
            curv,
        )
    return np.asarray(g, float)


def draw_source(rng: np.random.Generator, morphology: str | None = None) -> tuple[str, np.ndarray]:
    """(morphology, gaussians) with the host at (0, 0) and a small core-host offset."""
    if morphology is None:
        names = list(MIX)
        morphology = names[int(rng.choice(len(names), p=np.array(list(MIX.values()))))]
    # the optical host and the radio core agree to ~1" (FIRST/SDSS astrometry, 0.1"/1" rms)
    core = rng.normal(0.0, 0.7, 2)
    if morphology == "wat":
        g = wat_source(rng)
    elif morphology == "ht":
        g = ht_source(rng)
    else:
        g = parametric_source(morphology, rng, (0.0, 0.0)).gaussians.copy()
        g[:, 2] /= g[:, 2].sum()
    g[:, 0:2] += core
    g[:, 3:5] = np.maximum(g[:, 3:5], 0.0)
    return morphology, g


def render(
    gaussians: np.ndarray, host_xy: tuple[float, float], size: int = RADIO_SIZE
) -> np.ndarray:
    """Noise-free surface brightness at the FIRST beam (peak-normalised), host at ``host_xy``.

    Each component's covariance is its own plus the beam's (Gaussians convolve analytically).
    """
    yy, xx = np.mgrid[0:size, 0:size].astype(float)
    img = np.zeros((size, size))
    beam = (FIRST_BEAM_FWHM_ARCSEC * FWHM_TO_SIGMA) ** 2 * np.eye(2)
    hx, hy = host_xy
    for east, north, flux, maj, mnr, pa in gaussians:
        cov = gaussian_cov(maj, mnr, pa) + beam
        # pixel axes: x = west = -east, y = north
        c = np.array([[cov[0, 0], -cov[0, 1]], [-cov[0, 1], cov[1, 1]]])
        ci = np.linalg.inv(c)
        dx, dy = xx - (hx - east), yy - (hy + north)
        q = ci[0, 0] * dx * dx + 2 * ci[0, 1] * dx * dy + ci[1, 1] * dy * dy
        img += flux / (2 * math.pi * math.sqrt(np.linalg.det(c))) * np.exp(-0.5 * q)
    return img / img.max()


def beam_noise(rng: np.random.Generator, size: int = RADIO_SIZE) -> np.ndarray:
    """Unit-rms white noise smoothed by the beam (interferometric noise is beam-correlated)."""
    n = ndimage.gaussian_filter(
        rng.standard_normal((size, size)), FIRST_BEAM_FWHM_ARCSEC * FWHM_TO_SIGMA
    )
    return n / n.std()


def simulate_frame(
    rng: np.random.Generator, *, max_shift_px: float = 40.0, morphology: str | None = None
) -> tuple[np.ndarray, tuple[float, float], str]:
    """One preprocessed 240 x 240 frame, the host pixel (x, y) in it, and the morphology.

    The host is placed uniformly within ``max_shift_px`` of the frame centre on each axis so
    a locator cannot learn "the host is at the centre". Peak S/N is log-uniform in 10-2000
    (FIRST cut-outs of bright radio galaxies span ~25-2000); with probability 0.3 an
    unrelated source (compact or FRII) is added elsewhere in the frame.
    """
    c = (RADIO_SIZE - 1) / 2.0
    host = (
        c + rng.uniform(-max_shift_px, max_shift_px),
        c + rng.uniform(-max_shift_px, max_shift_px),
    )
    morph, g = draw_source(rng, morphology)
    img = render(g, host)
    if rng.random() < 0.3:
        _, g2 = draw_source(rng, "compact" if rng.random() < 0.6 else "FRII")
        pos = rng.uniform(10, RADIO_SIZE - 10, 2)
        img += render(g2, (float(pos[0]), float(pos[1]))) * 10 ** rng.uniform(-1.5, 0.3)
    snr = 10 ** rng.uniform(1.0, math.log10(2000.0))
    img = img / img.max() * snr + beam_noise(rng)
    return smooth(sigma_clip_image(scale_unit(img))).astype(np.float32), host, morph
