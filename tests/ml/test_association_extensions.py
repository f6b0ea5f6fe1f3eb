"""The extensions of the rules: the bright-core triple (a core of any flux at the
midpoint of a comparable-flux lobe pair), aligned doubles, close pairs, the shipped default and
the refit grid that carries them."""

from __future__ import annotations

import numpy as np
import pytest

from ml.association.associate import associate
from ml.association.params import (
    SHIPPED_ALIGNED_THETA_FACTOR,
    SHIPPED_BRIGHT_CORE_FRACTION,
    AssociationParams,
)
from ml.association.refit import DEFAULT_GRID, Method, fit
from ml.association.rules import ComponentSky

ARCSEC = 1 / 3600.0


def _triple(core_offset_arcsec: float, params: AssociationParams) -> ComponentSky:
    """Two 1 mJy lobes 90" apart (beyond the 14" double scale of 2 mJy) and a 3 mJy core
    (brighter than both: the published triple rule refuses it) ``core_offset_arcsec`` off
    their midpoint, perpendicular to the axis; plus an unrelated source 150" away."""
    ra = np.array([50.0, 50.0, 50.0 + core_offset_arcsec * ARCSEC / np.cos(np.radians(-28)), 50.0])
    dec = np.array([-28.0, -28.0 + 90 * ARCSEC, -28.0 + 45 * ARCSEC, -28.0 - 150 * ARCSEC])
    flux = np.array([1.0, 1.05, 3.0, 1.0])
    return ComponentSky(ra, dec, flux, 0.6 * flux, params)


@pytest.mark.parametrize(
    ("fraction", "offset", "grouped"),
    [
        (0.0, 1.0, False),  # published rules: a core brighter than its lobes is refused
        (0.05, 1.0, True),  # 1" = 0.011 d off the midpoint
        (0.05, 4.0, True),  # 0.044 d
        (0.05, 5.0, False),  # 0.056 d: beyond f d
        (0.1, 5.0, True),
    ],
)
def test_bright_core_joins_both_lobes_only_close_to_the_midpoint(fraction, offset, grouped):
    sky = _triple(offset, AssociationParams(bright_core_fraction=fraction))
    want = [0, 1, 2] if grouped else None
    for seed in range(3):  # the group is transitive: every member finds the same one
        got = sky.group(seed).tolist()
        assert got == want if grouped else got == [seed]
    assert sky.group(3).tolist() == [3]


def test_bright_core_group_core_is_the_peak_weighted_centroid():
    sky = _triple(1.0, AssociationParams(bright_core_fraction=0.05))
    a = associate(sky, 50.0, -28.0)
    assert a.members == (0, 1, 2)
    # the bright core pulls the centroid close to itself (peak weights 0.6, 0.63, 1.8)
    assert abs(a.core_dec - (-28.0 + 45 * ARCSEC)) < 5 * ARCSEC


def test_bright_core_fraction_is_checked():
    with pytest.raises(ValueError, match="bright_core_fraction must be in"):
        AssociationParams(bright_core_fraction=0.3)  # above the 0.2 midpoint fraction
    with pytest.raises(ValueError, match="bright_core_fraction must be in"):
        AssociationParams(bright_core_fraction=-0.01)


def test_default_method_ships_the_bright_core_and_old_configs_keep_their_rules():
    m = Method()
    assert m.associator == "rules"
    assert m.association.bright_core_fraction == SHIPPED_BRIGHT_CORE_FRACTION > 0
    assert m.association.aligned_theta_factor == SHIPPED_ALIGNED_THETA_FACTOR > 1
    assert m.association.close_theta_fraction == 0  # opt-in: off in the deployed rules
    # the edge model reads the published rules it was fitted with
    assert Method(associator="edges").association == AssociationParams()
    assert Method.from_config(m.to_config()) == m
    old = m.to_config()
    old["association"].pop("bright_core_fraction")  # a v1 config, written before the extensions
    old["association"].pop("aligned_theta_factor")
    assert Method.from_config(old).association == AssociationParams()
    assert Method.from_config({}) == m
    # a v2 config, written before the opt-in close pairs, reads them as off
    v2 = m.to_config()
    v2["association"].pop("close_theta_fraction")
    v2["association"].pop("close_max_flux_ratio")
    assert Method.from_config(v2) == m


def test_refit_grid_holds_the_bright_core_and_ties_keep_the_prior(double_fields):
    assert DEFAULT_GRID["bright_core_fraction"] == (0.0, SHIPPED_BRIGHT_CORE_FRACTION)
    assert DEFAULT_GRID["aligned_theta_factor"] == (1.0, SHIPPED_ALIGNED_THETA_FACTOR)
    fields = double_fields(6)  # doubles only: the bright-core triple cannot change a host
    for prior in (Method(), Method(AssociationParams())):
        got = fit(fields, prior=prior).method.association
        assert got.bright_core_fraction == prior.association.bright_core_fraction
        assert got.aligned_theta_factor == prior.association.aligned_theta_factor


def _double(pa_deg, minor=3.0, sep_arcsec=25.0) -> ComponentSky:
    """Two 1 mJy components ``sep_arcsec`` apart north-south (beyond the 14" double scale of
    2 mJy, within twice it), both 9" x ``minor`` at position angle ``pa_deg``."""
    ra, dec = np.array([50.0, 50.0]), np.array([-28.0, -28.0 + sep_arcsec * ARCSEC])
    return ComponentSky(
        ra,
        dec,
        [1.0, 1.2],
        [0.5, 0.6],
        AssociationParams(aligned_theta_factor=2.0),
        major_arcsec=[9.0, 9.0],
        minor_arcsec=[minor, minor],
        pa_deg=[pa_deg, pa_deg],
    )


@pytest.mark.parametrize(
    ("pa", "minor", "sep", "linked"),
    [
        (0.0, 3.0, 25.0, True),  # both lobes along the N-S pair axis
        (180.0, 3.0, 25.0, True),  # axes are undirected
        (-25.0, 3.0, 25.0, True),
        (40.0, 3.0, 25.0, False),  # beyond 30 deg of the axis
        (90.0, 3.0, 25.0, False),
        (0.0, 8.0, 25.0, False),  # nearly round: no position angle to speak of
        (0.0, 3.0, 30.0, False),  # beyond twice the 14.1" double scale
    ],
)
def test_aligned_double_links_elongated_lobes_pointing_at_each_other(pa, minor, sep, linked):
    sky = _double(pa, minor, sep)
    assert sky.group(0).tolist() == ([0, 1] if linked else [0])


def test_aligned_double_needs_shapes_and_is_off_in_the_published_rules():
    ra, dec = np.array([50.0, 50.0]), np.array([-28.0, -28.0 + 25 * ARCSEC])
    bare = ComponentSky(ra, dec, [1.0, 1.2], [0.5, 0.6], AssociationParams(aligned_theta_factor=2))
    assert bare.group(0).tolist() == [0]  # no axes measured: nothing is aligned
    shapes = dict(major_arcsec=[9.0, 9.0], minor_arcsec=[3.0, 3.0], pa_deg=[0.0, 0.0])
    published = ComponentSky(ra, dec, [1.0, 1.2], [0.5, 0.6], **shapes)
    assert published.group(0).tolist() == [0]
    with pytest.raises(ValueError, match="aligned_theta_factor must be >= 1"):
        AssociationParams(aligned_theta_factor=0.5)


def test_pipeline_reach_covers_aligned_doubles():
    from ml.association.params import reach_arcsec

    p = AssociationParams(aligned_theta_factor=2.0, triple_max_sep_arcsec=10.0)
    plain = AssociationParams(triple_max_sep_arcsec=10.0)
    flux = np.array([1.0, 50.0])
    np.testing.assert_allclose(reach_arcsec(flux, p), 2 * reach_arcsec(flux, plain))


def _unequal_triple(core_shift_arcsec: float, bend_shift_arcsec: float, ratio: float, p):
    """Lobes 90" apart with flux ratio ``ratio`` (above the double cap of 4), a 0.1 mJy core
    (fainter than both) ``core_shift_arcsec`` along the axis and ``bend_shift_arcsec``
    across it from the midpoint."""
    cosd = np.cos(np.radians(-28))
    ra = np.array([50.0, 50.0, 50.0 + bend_shift_arcsec * ARCSEC / cosd])
    dec = np.array([-28.0, -28.0 + 90 * ARCSEC, -28.0 + (45 + core_shift_arcsec) * ARCSEC])
    flux = np.array([1.0, ratio, 0.1])
    return ComponentSky(ra, dec, flux, 0.6 * flux, p)


@pytest.mark.parametrize(
    ("cap", "along", "across", "ratio", "grouped"),
    [
        (0.0, 0.0, 0.0, 6.0, False),  # off: the lobe pair fails the flux-ratio cap
        (8.0, 0.0, 0.0, 6.0, True),  # straight and symmetric: the geometry replaces the cap
        (8.0, 0.0, 0.0, 9.0, False),  # above the symmetric cap
        (8.0, 8.0, 0.0, 6.0, True),  # arms 53" / 37": ratio 1.43 <= 1.5
        (8.0, 10.0, 0.0, 6.0, False),  # arms 55" / 35": ratio 1.57 > 1.5
        (8.0, 0.0, 7.0, 6.0, True),  # bend 17.7 deg <= 20
        (8.0, 0.0, 9.0, 6.0, False),  # bend 22.6 deg > 20 (still inside 0.2 d of the midpoint)
    ],
)
def test_symmetric_triple_replaces_the_lobe_flux_cap_only_for_straight_even_arms(
    cap, along, across, ratio, grouped
):
    sky = _unequal_triple(along, across, ratio, AssociationParams(symmetric_lobe_ratio=cap))
    got = sky.group(2).tolist()
    assert got == ([0, 1, 2] if grouped else [2])


def test_symmetric_lobe_ratio_is_checked():
    with pytest.raises(ValueError, match="symmetric_lobe_ratio must be >= 0"):
        AssociationParams(symmetric_lobe_ratio=-1.0)


def _pair(sep_arcsec: float, ratio: float, params: AssociationParams) -> ComponentSky:
    """A 2 mJy component and one ``ratio`` times fainter ``sep_arcsec`` to its north; the
    double scale of the pair is 100" sqrt((2 + 2 / ratio) / 100 mJy)."""
    ra, dec = np.array([50.0, 50.0]), np.array([-28.0, -28.0 + sep_arcsec * ARCSEC])
    flux = np.array([2.0, 2.0 / ratio])
    return ComponentSky(ra, dec, flux, 0.8 * flux, params)


def _theta(ratio: float) -> float:
    return 100.0 * np.sqrt((2.0 + 2.0 / ratio) / 100.0)


@pytest.mark.parametrize(
    ("fraction", "cap", "ratio", "at", "linked"),
    [
        (0.0, 8.0, 6.0, 0.5, False),  # published: flux ratio 6 > 4 is never a double
        (0.9, 8.0, 6.0, 0.5, True),  # a core beside a faint one-sided lobe
        (0.9, 8.0, 6.0, 0.89, True),
        (0.9, 8.0, 6.0, 0.91, False),  # beyond c theta
        (0.9, 8.0, 9.0, 0.5, False),  # beyond the close cap
        (0.9, 16.0, 9.0, 0.5, True),
        (0.9, 8.0, 3.0, 0.95, True),  # a comparable pair inside theta: the published double
        (0.9, 8.0, 3.0, 1.05, False),
    ],
)
def test_close_pair_loosens_the_flux_ratio_cap_only_inside_c_theta(
    fraction, cap, ratio, at, linked
):
    p = AssociationParams(close_theta_fraction=fraction, close_max_flux_ratio=cap)
    sky = _pair(at * _theta(ratio), ratio, p)
    assert sky.group(0).tolist() == ([0, 1] if linked else [0])
    assert sky.group(1).tolist() == ([0, 1] if linked else [1])


def test_close_pair_settings_are_checked():
    with pytest.raises(ValueError, match="close_theta_fraction must be in"):
        AssociationParams(close_theta_fraction=1.5)
    with pytest.raises(ValueError, match="close_theta_fraction must be in"):
        AssociationParams(close_theta_fraction=-0.1)
    with pytest.raises(ValueError, match="close_max_flux_ratio must be >= 1"):
        AssociationParams(close_max_flux_ratio=0.5)


def test_pipeline_reach_covers_close_pairs():
    """A close pair may link a component to one R times fainter or brighter: the pipeline's
    reach bound must cover c theta(S + R S), which exceeds the published double's when R > 4."""
    from ml.association.params import reach_arcsec

    p = AssociationParams(
        close_theta_fraction=1.0, close_max_flux_ratio=32.0, triple_max_sep_arcsec=1.0
    )
    flux = np.array([0.5, 2.0, 50.0])
    want = 100.0 * np.sqrt(33.0 * flux / 100.0)
    np.testing.assert_allclose(reach_arcsec(flux, p), want)
    # the bound holds: the 2 mJy component links a 32x brighter one just inside c theta
    sky = _pair(0.99 * _theta(1 / 32), 1 / 32, p)
    assert sky.group(0).tolist() == [0, 1]
    sep = 0.99 * _theta(1 / 32)
    assert sep <= reach_arcsec(np.array([2.0]), p)[0]
