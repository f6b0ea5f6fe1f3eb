"""One simulated VLASS field with its PS1/AllWISE candidates and known hosts.

:func:`simulate_field` is deterministic for a given seed.  A field is built as the real ones
are observed:

1. a radio source (morphology drawn from :data:`DEFAULT_MORPHOLOGY_MIX`) is placed around its
   host, rendered at a real VLASS QL beam (:func:`ml.sim.vlass.vlass_beams`), and split into
   CIRADA-like components (islands above 5 sigma, split at local maxima like PyBDSF's
   multi-Gaussian islands);
2. one of those components is "the catalogued VLASS component": the cutout is centred on it
   (plus VLASS astrometric error), exactly as seed §2.1 centres a 3.6' QL cutout on a CIRADA
   component -- so for a lobe of a double the host is far from the centre, as for 11 of the 71
   real Norris-71 fields;
3. unrelated "decoy" radio sources with their own hosts are dropped in;
4. PS1 candidates within :data:`ml.sim.hosts.CANDIDATE_RADIUS_ARCSEC` of the centre are drawn
   (real Norris-71 numbers, see :mod:`ml.sim.hosts`), the host(s) among them.

Pixel convention (shared with ``ml.host.augment``): radio pixels are 0-based ``(x, y)`` =
``(column, row)`` of the 240x240 array, x increasing to the west (RA decreases), y to the
north; candidate ``x``/``y`` are offsets from the geometric centre ``((240-1)/2, (240-1)/2)``
in radio pixels (1" each).  The field centre is exactly that point.

The component finder is :mod:`ml.sim.components` and the candidate list
:mod:`ml.sim.candidates`; this module composes them into one :class:`SimField`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from astropy.coordinates import SkyCoord
from astropy.table import Table
from astropy.wcs import WCS

from ml.seed import CUTOUT_SIZE_PX
from ml.sim import hosts as H
from ml.sim import optical as O
from ml.sim.candidates import draw_candidates
from ml.sim.components import DETECTION_SIGMA, component_table, find_components
from ml.sim.morphology import MORPHOLOGIES, RadioSource, parametric_source
from ml.sim.radio import _add_gaussians, _pixel_to_offset_matrix, correlated_noise, gaussian_cov
from ml.sim.vlass import VLASS_NOISE_UJY, Beam, pick_beam, vlass_beams, vlass_wcs

RADIO_SIZE = CUTOUT_SIZE_PX
#: Morphology mix of the catalogued source.  Tuned (``python -m ml.sim.validate``) so that the
#: share of hosts > 5" from the centre and the nearest-neighbour host accuracy match the real
#: Norris-71 fields (11/71 beyond 5"; 65/71 = 91.5 %).
DEFAULT_MORPHOLOGY_MIX = {"compact": 0.69, "FRI": 0.07, "FRII": 0.14, "bent": 0.06, "XZ": 0.04}
#: Share of extended sources drawn from real FIRST images rather than parametric shapes.
DEFAULT_TEMPLATE_FRACTION = 0.5
#: Mean number of unrelated radio sources in a 3.6' field (VLASS: ~100 components per deg^2
#: above ~1 mJy -> 0.36 per 3.6' x 3.6'; rounded up for blends / faint sources).
DEFAULT_DECOY_RATE = 0.4
#: VLASS QL epoch-1 astrometry relative to the optical frame: a systematic offset of ~0.6",
#: mostly in declination (Gordon et al. 2021 report Quick Look positions offset by up to ~1"
#: in Dec; later epochs correct it -- cf. the "Position correction" HISTORY of the real
#: VLASS2.1 header), plus a random part per axis.  Fitted to the real Norris-71 compact-host
#: offsets (p10/p50/p90 = 0.44/0.66/1.07"): a Rayleigh law (no systematic part) gives far too
#: many offsets below 0.4".
ASTROMETRY_SYSTEMATIC_ARCSEC = 0.6
ASTROMETRY_SYSTEMATIC_PA_SCATTER_DEG = 20.0
ASTROMETRY_SIGMA_ARCSEC = 0.18


@dataclass
class SimField:
    """A simulated field (everything is simulated; see :mod:`ml.sim.formats` for the writers).

    Attributes
    ----------
    seed : int
    radio : ndarray float32 (240, 240)
        Stokes I at 3 GHz, Jy/beam, with noise.
    wcs : astropy.wcs.WCS
        SIN projection, 1"/px, centred on ``center`` (pixel (119.5, 119.5), 0-based).
    center : SkyCoord
        Position of the catalogued VLASS component the cutout is centred on.
    beam : Beam
        Restoring beam (a real VLASS QL beam).
    noise_ujy : float
        Rms of the added noise, uJy/beam.
    morphology : str
        Morphology of the catalogued source.
    components : astropy Table
        CIRADA-like components of every radio source in the field (``is_target`` marks the
        centred one; ``source_id`` 0 is the catalogued source, > 0 decoys).
    candidates : astropy Table
        PS1 candidates within the candidate radius (columns documented in
        :func:`simulate_field`).
    host_index : int
        Row of ``candidates`` that hosts the catalogued source.
    """

    seed: int
    radio: np.ndarray
    wcs: WCS
    center: SkyCoord
    beam: Beam
    noise_ujy: float
    morphology: str
    components: Table
    candidates: Table
    host_index: int
    sources: list[RadioSource] = field(default_factory=list, repr=False)
    psf_fwhm: dict[str, float] = field(default_factory=dict, repr=False)
    _shapes: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _true_mag: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def host(self):
        return self.candidates[self.host_index]

    def optical_stamps(self, i: int) -> np.ndarray:
        """PS1-like g, r, i, z, y stamps centred on candidate ``i``.

        Returns
        -------
        ndarray float32, shape (5, 240, 240)
            60" x 60" at 0.25"/px, linear counts of a PS1 3pi stack (``FPA.ZP = 25`` and
            ``EXPTIME`` of :data:`ml.sim.optical.PS1_EXPTIME`), as in the real PS1 fitscut
            stamps, so ``ml.preprocess.optical`` reads them unchanged.  Neighbouring
            candidates appear in the stamp.  Deterministic: the noise is seeded by
            ``(field seed, i)``.

        Raises
        ------
        ValueError
            If ``i`` is not a candidate row.
        """
        n = len(self.candidates)
        if not (isinstance(i, int | np.integer) and 0 <= i < n):
            raise ValueError(f"candidate index must be an integer in [0, {n}), got {i!r}")
        c = self.candidates
        sw = O.stamp_wcs(float(c["ra"][i]), float(c["dec"][i]))
        x, y = sw.world_to_pixel_values(np.asarray(c["ra"]), np.asarray(c["dec"]))
        half = O.STAMP_SIZE / 2
        near = (np.abs(x - half) < half + 60) & (np.abs(y - half) < half + 60)
        rng = np.random.default_rng([int(self.seed), 7, int(i)])
        out = np.empty((len(O.BANDS), O.STAMP_SIZE, O.STAMP_SIZE), np.float32)
        shapes = {k: v[near] for k, v in self._shapes.items()}
        for b, band in enumerate(O.BANDS):
            counts = O.mag_to_counts(self._true_mag[band][near], band)
            out[b] = O.render_stamp(
                x[near], y[near], counts, shapes, self.psf_fwhm[band], O.PS1_SKY_RMS[band], rng
            )
        return out


def _render_sources(sources, host_xy, wcs, beam, shape):
    """Noiseless image (Jy/beam) of ``sources`` whose hosts are at pixel ``host_xy``."""
    img = np.zeros(shape)
    m = _pixel_to_offset_matrix(wcs)
    minv = np.linalg.inv(m)
    bcov = gaussian_cov(beam.bmaj_arcsec, beam.bmin_arcsec, beam.bpa_deg)
    per_source = []
    for src, (hx, hy) in zip(sources, host_xy, strict=True):
        part = np.zeros(shape)
        g = src.gaussians
        if len(g):
            d = minv @ g[:, :2].T
            cov = gaussian_cov(g[:, 3], g[:, 4], g[:, 5]) + bcov
            _add_gaussians(part, hx + d[0], hy + d[1], g[:, 2] * beam.area_arcsec2, cov, m)
        if src.template is not None:
            from ml.sim.templates import render_template

            render_template(part, src, hx, hy, beam, wcs)
        img += part
        per_source.append(part)
    return img, per_source


def _draw_source(rng, morph: str, template_fraction: float) -> RadioSource:
    core = H.draw_core_offset(rng)[0]
    if morph in ("FRI", "FRII", "bent") and rng.random() < template_fraction:
        from ml.sim.templates import template_source

        src = template_source(morph, rng, core)
        if src is not None:
            return src
    return parametric_source(morph, rng, core)


def _random_center(rng) -> SkyCoord:
    # VLASS covers dec > -40 deg; uniform on the sphere over that cap
    dec = math.degrees(math.asin(rng.uniform(math.sin(math.radians(-40)), 1.0)))
    return SkyCoord(rng.uniform(0, 360), min(dec, 89.0), unit="deg", frame="icrs")


def simulate_field(
    seed: int,
    *,
    morphology: str | None = None,
    morphology_mix: dict[str, float] | None = None,
    template_fraction: float = DEFAULT_TEMPLATE_FRACTION,
    decoy_rate: float = DEFAULT_DECOY_RATE,
    noise_ujy: float | None = None,
    beam: Beam | tuple | None = None,
    center: SkyCoord | None = None,
    candidate_radius_arcsec: float = H.CANDIDATE_RADIUS_ARCSEC,
    n_background: int | None = None,
) -> SimField:
    """Simulate one field, deterministically from ``seed``.

    Parameters
    ----------
    seed : int
        Non-negative integer; the same seed gives the same field bit for bit.
    morphology : str, optional
        Force the catalogued source's morphology (one of
        :data:`ml.sim.morphology.MORPHOLOGIES`); default: draw from ``morphology_mix``.
    morphology_mix : dict, optional
        Probabilities per morphology (default :data:`DEFAULT_MORPHOLOGY_MIX`).
    template_fraction : float
        Share of FRI / FRII / bent sources made from real FIRST images (0-1).
    decoy_rate : float
        Poisson mean of unrelated radio sources in the field.
    noise_ujy : float, optional
        Image rms, uJy/beam (default uniform in 120-145, VLASS QL).
    beam : Beam or (bmaj, bmin, bpa), optional
        Default: one of the real VLASS QL beams.
    center : SkyCoord, optional
        Field centre; default a random position in the VLASS footprint.
    candidate_radius_arcsec : float
        PS1 candidates are listed within this radius of the centre (78", real Norris-71).
    n_background : int, optional
        Force the number of unrelated candidates.

    Returns
    -------
    SimField
        ``candidates`` columns: ``objID`` (int64), ``ra``, ``dec`` (deg), ``x``, ``y`` (radio
        pixel offsets from the centre, see module docstring), ``sep_arcsec``, PS1
        ``gmag ... ymag`` and ``gmag_err ... ymag_err`` (AB, NaN = not detected), ``w1mag``,
        ``w1mag_err``, ``w2mag``, ``w2mag_err`` (Vega, NaN = no AllWISE match), ``true_class``
        (GALAXY/QSO/STAR), ``is_host`` (bool, host of the catalogued source), ``hosts_source``
        (radio ``source_id`` this object hosts, -1 = none).

    Raises
    ------
    ValueError
        On a negative or non-integer seed, unknown morphology, or bad option values.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    mix = dict(morphology_mix or DEFAULT_MORPHOLOGY_MIX)
    for k, v in mix.items():
        if k not in MORPHOLOGIES:
            raise ValueError(
                f"morphology_mix has unknown morphology {k!r}; expected {MORPHOLOGIES}"
            )
        if not (v >= 0):
            raise ValueError(f"morphology_mix[{k!r}] must be >= 0, got {v!r}")
    if sum(mix.values()) <= 0:
        raise ValueError("morphology_mix probabilities sum to 0")
    if morphology is not None and morphology not in MORPHOLOGIES:
        raise ValueError(f"unknown morphology {morphology!r}; expected one of {MORPHOLOGIES}")
    if not (0 <= template_fraction <= 1):
        raise ValueError(f"template_fraction must be in [0, 1], got {template_fraction!r}")
    if not (decoy_rate >= 0):
        raise ValueError(f"decoy_rate must be >= 0, got {decoy_rate!r}")
    if not (candidate_radius_arcsec > 0):
        raise ValueError(f"candidate_radius_arcsec must be > 0, got {candidate_radius_arcsec!r}")

    rng = np.random.default_rng([int(seed), 1])
    if beam is None:
        beam_ = pick_beam(rng, vlass_beams())
    elif isinstance(beam, Beam):
        beam_ = beam
    else:
        from ml.sim.vlass import as_beam

        beam_ = as_beam(beam)
    noise = float(rng.uniform(*VLASS_NOISE_UJY)) if noise_ujy is None else float(noise_ujy)
    if not (noise > 0):
        raise ValueError(f"noise_ujy must be > 0 uJy/beam, got {noise_ujy!r}")
    noise_jy = noise * 1e-6
    names = list(mix)
    p = np.array([mix[k] for k in names], float)
    morph = morphology or names[int(rng.choice(len(names), p=p / p.sum()))]
    centre0 = center if center is not None else _random_center(rng)

    # 1. the catalogued source around its host, on a provisional host-centred grid
    shape = (RADIO_SIZE, RADIO_SIZE)
    c_pix = (RADIO_SIZE - 1) / 2.0
    w0 = vlass_wcs(centre0, RADIO_SIZE)
    m = _pixel_to_offset_matrix(w0)
    for _attempt in range(100):
        src = _draw_source(rng, morph, template_fraction)
        if src.template is None and len(src.gaussians) == 1:
            # one Gaussian is one component at its own centre (no need to segment)
            g = src.gaussians[0]
            cov = gaussian_cov(g[3], g[4], g[5]) + gaussian_cov(*beam_.as_tuple())
            peak = g[2] * beam_.area_arcsec2 / (2 * math.pi * math.sqrt(np.linalg.det(cov)))
            # detectable with margin for pixel-centre sampling, else draw again
            d = np.linalg.inv(m) @ g[:2]
            comps0 = (
                [{"x": c_pix + d[0], "y": c_pix + d[1]}]
                if peak > 1.2 * DETECTION_SIGMA * noise_jy
                else []
            )
        else:
            model0, _ = _render_sources([src], [(c_pix, c_pix)], w0, beam_, shape)
            comps0 = find_components(model0, noise_jy, beam_, w0)
            # margin: the final grid samples the source at another sub-pixel phase
            comps0 = [c for c in comps0 if c["peak_jy"] > 1.2 * DETECTION_SIGMA * noise_jy]
        if comps0:
            break
    else:  # pragma: no cover - a 1.5 mJy floor is always > 5 sigma
        raise RuntimeError("could not draw a detectable radio source")
    # 2. the catalogued component (uniform among the source's components) -> field centre
    tgt = comps0[int(rng.integers(len(comps0)))]
    tgt_off = m @ np.array([tgt["x"] - c_pix, tgt["y"] - c_pix])  # (east, north) from host
    # radio frame vs optical frame: the catalogued position is measured on the radio image,
    # so the whole radio image (every source) is shifted by the astrometric error
    t = math.radians(rng.normal(0.0, ASTROMETRY_SYSTEMATIC_PA_SCATTER_DEG))
    sgn = 1.0 if rng.random() < 0.5 else -1.0
    astro = ASTROMETRY_SYSTEMATIC_ARCSEC * np.array([math.sin(t), sgn * math.cos(t)])
    astro = astro + rng.normal(0, ASTROMETRY_SIGMA_ARCSEC, 2)
    tgt_off = tgt_off + astro
    astro_pix = np.linalg.inv(m) @ astro
    wcs = vlass_wcs(centre0, RADIO_SIZE)
    minv = np.linalg.inv(m)
    host_pix = np.array([c_pix, c_pix]) - minv @ tgt_off
    # 3. decoys with their own hosts, anywhere in the cutout
    n_dec = int(rng.poisson(decoy_rate))
    sources = [src]
    host_xy = [tuple(host_pix)]
    for _ in range(n_dec):
        dm = names[int(rng.choice(len(names), p=p / p.sum()))]
        sources.append(_draw_source(rng, dm, template_fraction))
        host_xy.append(tuple(rng.uniform(10, RADIO_SIZE - 10, 2)))
    radio_xy = [(x + astro_pix[0], y + astro_pix[1]) for x, y in host_xy]
    model, parts = _render_sources(sources, radio_xy, wcs, beam_, shape)
    radio = (model + correlated_noise(shape, noise_jy, beam_, 1.0, rng)).astype(np.float32)
    comps = find_components(model, noise_jy, beam_, wcs)
    comp_table = component_table(comps, parts, wcs, beam_, noise_jy, sources)

    # 4. candidates: hosts + background within the candidate radius
    cand = draw_candidates(rng, wcs, sources, host_xy, candidate_radius_arcsec, n_background)
    host_index = int(np.flatnonzero(cand["table"]["is_host"])[0])
    psf = {b: float(O.PS1_PSF_FWHM[b] * rng.uniform(0.9, 1.15)) for b in O.BANDS}
    return SimField(
        seed=int(seed),
        radio=radio,
        wcs=wcs,
        center=SkyCoord(*wcs.pixel_to_world_values(c_pix, c_pix), unit="deg", frame="icrs"),
        beam=beam_,
        noise_ujy=noise,
        morphology=morph,
        components=comp_table,
        candidates=cand["table"],
        host_index=host_index,
        sources=sources,
        psf_fwhm=psf,
        _shapes=cand["shapes"],
        _true_mag=cand["true_mag"],
    )
