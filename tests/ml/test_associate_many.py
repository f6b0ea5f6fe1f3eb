"""``associate_many`` (one tile's positions at once) against ``associate`` per position."""

from __future__ import annotations

import numpy as np
import pytest

from ml.association.associate import associate, associate_many
from ml.association.params import AssociationParams
from ml.association.rules import ComponentSky

ARCSEC = 1 / 3600.0


def _random_sky(seed: int, n: int, params=None) -> ComponentSky:
    """A 0.3 deg field of isolated components plus planted doubles and triples (so groups of
    one, two and three members all occur), fluxes log-uniform 0.5-500 mJy."""
    rng = np.random.default_rng(seed)
    ra = 150.0 + rng.uniform(0, 0.3, n)
    dec = 2.0 + rng.uniform(0, 0.3, n)
    flux = 10 ** rng.uniform(-0.3, 2.7, n)
    # doubles: a partner 5-60" away with a comparable flux
    k = n // 4
    ang = rng.uniform(0, 2 * np.pi, k)
    r = rng.uniform(5, 60, k) * ARCSEC
    ra2 = ra[:k] + r * np.sin(ang) / np.cos(np.radians(dec[:k]))
    dec2 = dec[:k] + r * np.cos(ang)
    # triple cores: a faint component at the midpoint of some of those doubles
    m = k // 2
    ra3, dec3 = 0.5 * (ra[:m] + ra2[:m]), 0.5 * (dec[:m] + dec2[:m])
    ra = np.concatenate([ra, ra2, ra3])
    dec = np.concatenate([dec, dec2, dec3])
    flux = np.concatenate([flux, flux[:k] * rng.uniform(0.5, 2, k), flux[:m] * 0.1])
    peak = flux * rng.uniform(0.2, 1.0, flux.size)
    return ComponentSky(ra, dec, flux, peak, params)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("weighting", ["peak", "int", "compact"])
def test_batched_equals_per_position_on_random_fields(seed, weighting):
    sky = _random_sky(seed, 400, AssociationParams(weighting=weighting))
    rng = np.random.default_rng(100 + seed)
    # every component's own position, plus positions jittered by up to 0.5" (nearest decides)
    jitter = rng.uniform(-0.5, 0.5, (2, len(sky))) * ARCSEC
    ra = np.concatenate([sky.ra, sky.ra + jitter[0]])
    dec = np.concatenate([sky.dec, sky.dec + jitter[1]])
    got = associate_many(sky, ra, dec)
    sizes = np.bincount(sky.labels)
    assert (sizes[got.label] >= 3).any() and (sizes[got.label] == 1).any()
    for k in range(ra.size):
        ref = associate(sky, float(ra[k]), float(dec[k]))
        assert got.seed_index[k] == ref.seed_index
        assert got.seed_sep_arcsec[k] == pytest.approx(ref.seed_sep_arcsec, abs=1e-9)
        assert np.flatnonzero(sky.labels == got.label[k]).tolist() == list(ref.members)
        assert bool(got.is_multi[k]) is ref.is_multi
        assert abs(got.core_ra[k] - ref.core_ra) <= 1e-12
        assert abs(got.core_dec[k] - ref.core_dec) <= 1e-12


def test_batched_refuses_a_position_far_from_every_component_naming_it():
    sky = _random_sky(0, 50)
    with pytest.raises(ValueError, match=r"of \(10\.000000, -5\.000000\)"):
        associate_many(sky, [sky.ra[0], 10.0], [sky.dec[0], -5.0])


def test_batched_tie_rule_takes_the_lowest_index_like_nearest():
    # two components at the same position: nearest() takes the lower index
    sky = ComponentSky([10.0, 10.0, 10.1], [0.0, 0.0, 0.0], [5.0, 5.0, 5.0], [5.0, 5.0, 5.0])
    got = associate_many(sky, [10.0], [0.0])
    assert got.seed_index.tolist() == [sky.nearest(10.0, 0.0)[0]] == [0]
