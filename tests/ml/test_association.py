"""Model-free component association (ml.association) on synthetic skies."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ml.association.associate import associate
from ml.association.params import AssociationParams
from ml.association.rules import ComponentSky

DEC0 = -28.0
COS = np.cos(np.radians(DEC0))


def sky_from_offsets(offsets_arcsec, flux, peak=None, params=None):
    """Components at (east, north) offsets in arcsec around (53, -28) deg."""
    off = np.asarray(offsets_arcsec, dtype=float).reshape(-1, 2)
    ra = 53.0 + off[:, 0] / 3600.0 / COS
    dec = DEC0 + off[:, 1] / 3600.0
    flux = np.asarray(flux, dtype=float)
    return ComponentSky(ra, dec, flux, flux if peak is None else np.asarray(peak, float), params)


def test_double_with_comparable_fluxes_is_one_source():
    # 30" apart, 20 + 30 mJy: theta_max = 100" * sqrt(0.5) = 70.7" (Magliocchetti+98).
    sky = sky_from_offsets([[0, 0], [30, 0], [300, 300]], [20.0, 30.0, 25.0])
    assert sky.group(0).tolist() == [0, 1]
    assert sky.group(2).tolist() == [2]


def test_flux_ratio_above_four_is_not_a_double():
    sky = sky_from_offsets([[0, 0], [30, 0]], [10.0, 50.0])
    assert sky.group(0).tolist() == [0]


def test_faint_separation_limit():
    # 1 + 1 mJy: theta_max = 100" * sqrt(0.02) = 14.1": 10" apart joins, 20" apart does not.
    assert sky_from_offsets([[0, 0], [10, 0]], [1.0, 1.0]).group(0).tolist() == [0, 1]
    assert sky_from_offsets([[0, 0], [20, 0]], [1.0, 1.0]).group(0).tolist() == [0]


def test_wide_triple_is_joined_through_its_faint_midpoint_core():
    # Lobes 10 + 30 mJy, 90" apart (> theta_max = 63"), a 0.3 mJy core 5" off the midpoint.
    off = [[-45, 0], [45, 0], [3, 4]]
    assert sky_from_offsets(off[:2], [10.0, 30.0]).group(0).tolist() == [0]
    sky = sky_from_offsets(off, [10.0, 30.0, 0.3])
    assert sky.group(0).tolist() == [0, 1, 2]
    # A core far from the midpoint does not join the lobes.
    assert sky_from_offsets([[-45, 0], [45, 0], [3, 30]], [10.0, 30.0, 0.3]).group(0).tolist() == [
        0
    ]


def test_associate_core_is_peak_weighted_and_single_keeps_vlass_position():
    sky = sky_from_offsets([[0, 0], [20, 0], [500, 0]], [20.0, 20.0, 5.0], peak=[1.0, 3.0, 5.0])
    a = associate(sky, 53.0 + 1 / 3600 / COS, DEC0)
    assert a.members == (0, 1) and a.is_multi
    east = (a.core_ra - 53.0) * 3600 * COS
    assert east == pytest.approx(15.0, abs=0.01)  # (0*1 + 20*3) / 4
    ra = 53.0 + 501 / 3600 / COS
    single = associate(sky, ra, DEC0)
    assert single.members == (2,) and (single.core_ra, single.core_dec) == (ra, DEC0)


def test_associate_needs_a_nearby_component():
    sky = sky_from_offsets([[0, 0]], [1.0])
    with pytest.raises(ValueError, match=r"no radio component within 10.0 arcsec"):
        associate(sky, 53.0 + 30 / 3600 / COS, DEC0)


@pytest.mark.parametrize(
    "kwargs, msg",
    [
        ({"theta_100mjy_arcsec": 0}, "theta_100mjy_arcsec must be > 0"),
        ({"max_flux_ratio": 0.5}, "max_flux_ratio must be >= 1"),
        ({"midpoint_fraction": 0.6}, r"midpoint_fraction must be in \(0, 0.5\)"),
        ({"weighting": "median"}, "weighting must be one of"),
    ],
)
def test_params_validation(kwargs, msg):
    with pytest.raises(ValueError, match=msg):
        AssociationParams(**kwargs)


def test_sky_validation():
    with pytest.raises(ValueError, match="int_flux_mjy and peak_flux_mjy must be > 0 mJy"):
        sky_from_offsets([[0, 0]], [0.0])
    with pytest.raises(ValueError, match="ra_deg contains NaN or inf"):
        ComponentSky([np.nan], [0.0], [1.0], [1.0])
    with pytest.raises(ValueError, match="all arrays need length 2"):
        ComponentSky([1.0, 2.0], [0.0], [1.0, 1.0], [1.0, 1.0])
    with pytest.raises(ValueError, match="seed index 3 out of range"):
        sky_from_offsets([[0, 0]], [1.0]).group(3)


skies = st.integers(2, 12).flatmap(
    lambda n: st.tuples(
        st.lists(st.tuples(st.floats(-150, 150), st.floats(-150, 150)), min_size=n, max_size=n),
        st.lists(st.floats(0.1, 500.0), min_size=n, max_size=n),
        st.permutations(list(range(n))),
    )
)


@given(skies)
@settings(max_examples=60, deadline=None)
def test_groups_are_a_partition_independent_of_catalogue_order(sky_args):
    off, flux, perm = sky_args
    sky = sky_from_offsets(off, flux)
    groups = {tuple(sky.group(i).tolist()) for i in range(len(sky))}
    # a partition: every component in exactly one group, and i in group(j) <=> j in group(i)
    assert sorted(i for g in groups for i in g) == list(range(len(sky)))
    shuffled = sky_from_offsets([off[p] for p in perm], [flux[p] for p in perm])
    inv = np.argsort(perm)
    for i in range(len(sky)):
        got = sorted(perm[j] for j in shuffled.group(int(inv[i])))
        assert got == sky.group(i).tolist()


def _dense_reference_links(sky, p):
    """The O(n^2) form of the rules (as ml.association computed them before the extensions)."""
    from ml.sky import angle_arcsec

    sep = angle_arcsec(sky.xyz[:, None, :], sky.xyz[None, :, :])
    ratio = sky.flux[:, None] / sky.flux[None, :]
    comparable = (ratio <= p.max_flux_ratio) & (ratio >= 1.0 / p.max_flux_ratio)
    theta = p.theta_100mjy_arcsec * np.sqrt((sky.flux[:, None] + sky.flux[None, :]) / 100.0)
    links = (sep < theta) & comparable
    np.fill_diagonal(links, False)
    for i, j in np.argwhere(np.triu(comparable & (sep < p.triple_max_sep_arcsec), 1)):
        mid = sky.xyz[i] + sky.xyz[j]
        mid /= np.linalg.norm(mid)
        dk = angle_arcsec(sky.xyz, mid[None, :])
        ks = np.flatnonzero(
            (dk < p.midpoint_fraction * sep[i, j]) & (sky.flux < min(sky.flux[i], sky.flux[j]))
        )
        for k in ks[(ks != i) & (ks != j)]:
            links[i, j] = links[j, i] = links[i, k] = links[k, i] = True
            links[j, k] = links[k, j] = True
    return links


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 300),
    width_deg=st.floats(0.005, 0.3),
    seed=st.integers(0, 2**31 - 1),
    theta=st.sampled_from([50.0, 100.0, 160.0]),
)
def test_sparse_rule_links_equal_the_dense_reference(n, width_deg, seed, theta):
    rng = np.random.default_rng(seed)
    ra = 50 + rng.uniform(0, width_deg, n)
    dec = -28 + rng.uniform(0, width_deg, n)
    flux = rng.lognormal(0, 2, n)
    p = AssociationParams(theta_100mjy_arcsec=theta)
    sky = ComponentSky(ra, dec, flux, flux, p)
    assert (sky.links.toarray() == _dense_reference_links(sky, p)).all()
