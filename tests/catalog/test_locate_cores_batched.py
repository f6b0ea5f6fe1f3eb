"""``locate_cores`` (batched over a tile) against the per-source loop it replaced (no database)."""

from __future__ import annotations

import numpy as np
import pytest

from catalog.pipeline.score import Sky, locate_cores
from ml.association.associate import associate
from ml.association.params import AssociationParams, reach_arcsec
from ml.association.rules import ComponentSky
from ml.sky import angle_arcsec, unit_vectors

ARCSEC = 1 / 3600.0


def _per_source(sky: Sky, targets, params, centre, radius):
    """The reference: one ``associate`` per target and its group's need, member by member."""
    d_all = angle_arcsec(sky.xyz, centre[None, :])
    sel = np.flatnonzero(d_all <= radius)
    cs = ComponentSky(sky.ra[sel], sky.dec[sel], sky.flux[sel], sky.peak[sel], params)
    reach = reach_arcsec(cs.flux, params)
    out = []
    for t in targets:
        a = associate(cs, float(sky.ra[t]), float(sky.dec[t]))
        m = np.asarray(a.members)
        out.append((a.core_ra, a.core_dec, a.is_multi, float(np.max(d_all[sel][m] + reach[m]))))
    return out


def _sky(seed: int, n: int = 600) -> Sky:
    rng = np.random.default_rng(seed)
    ra = 40.0 + rng.uniform(0, 0.4, n)
    dec = -10.0 + rng.uniform(0, 0.4, n)
    flux = 10 ** rng.uniform(-0.3, 2.7, n)
    k = n // 3  # doubles (and some triples) so that multi-component groups occur
    ang = rng.uniform(0, 2 * np.pi, k)
    r = rng.uniform(5, 60, k) * ARCSEC
    ra = np.concatenate([ra, ra[:k] + r * np.sin(ang) / np.cos(np.radians(dec[:k]))])
    dec = np.concatenate([dec, dec[:k] + r * np.cos(ang)])
    flux = np.concatenate([flux, flux[:k] * rng.uniform(0.5, 2, k)])
    ids = rng.permutation(ra.size) + 1000
    return Sky.from_rows(ids, ra, dec, flux, flux * rng.uniform(0.2, 1, ra.size))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batched_locate_cores_equals_the_per_source_loop_on_random_fields(seed):
    sky = _sky(seed)
    params = AssociationParams()
    centre = unit_vectors(40.2, -9.8)
    radius = 500.0
    inside = np.flatnonzero(angle_arcsec(sky.xyz, centre[None, :]) <= 400.0)
    cores, need = locate_cores(sky, inside, params, centre=centre, radius_arcsec=radius)
    ref = _per_source(sky, inside, params, centre, radius)
    assert cores.is_multi.any() and not cores.is_multi.all()
    for k, (ra, dec, multi, nd) in enumerate(ref):
        assert abs(cores.ra[k] - ra) <= 1e-12 and abs(cores.dec[k] - dec) <= 1e-12
        assert bool(cores.is_multi[k]) is multi
        assert abs(need[k] - nd) <= 1e-9


def test_untiled_locate_cores_needs_no_wider_disc():
    sky = _sky(4, 100)
    cores, need = locate_cores(sky, np.arange(len(sky)), AssociationParams())
    assert need.tolist() == [0.0] * len(sky)
    ref = ComponentSky(sky.ra, sky.dec, sky.flux, sky.peak)
    for k in range(len(sky)):
        a = associate(ref, float(sky.ra[k]), float(sky.dec[k]))
        assert abs(cores.ra[k] - a.core_ra) <= 1e-12 and abs(cores.dec[k] - a.core_dec) <= 1e-12


def test_a_target_outside_the_disc_is_refused():
    sky = _sky(5, 100)
    centre = sky.xyz[0]
    far = int(np.argmax(angle_arcsec(sky.xyz, centre[None, :])))
    with pytest.raises(ValueError, match="outside its association disc"):
        locate_cores(sky, [0, far], AssociationParams(), centre=centre, radius_arcsec=100.0)
