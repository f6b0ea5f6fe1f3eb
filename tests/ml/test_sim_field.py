"""ml.sim.field / optical / hosts / templates: determinism, geometry, hosts, stamps."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ml.paths import data_dir
from ml.sim import optical as O
from ml.sim.field import find_components, simulate_field
from ml.sim.hosts import (
    CANDIDATE_RADIUS_ARCSEC,
    NORRIS71_FILE,
    norris71_field_stats,
    parse_vlass_name,
)
from ml.sim.morphology import MORPHOLOGIES, parametric_source
from ml.sim.vlass import Beam, vlass_wcs

DATA = data_dir()
needs_data = pytest.mark.real_data("images/vlass_ql_headers")
FAST = {"template_fraction": 0.0}


@pytest.fixture(scope="module")
def field():
    return simulate_field(7, morphology="FRII", **FAST)


@needs_data
def test_same_seed_same_field_bit_for_bit():
    a = simulate_field(123, **FAST)
    b = simulate_field(123, **FAST)
    assert np.array_equal(a.radio, b.radio)
    assert a.candidates.as_array().tobytes() == b.candidates.as_array().tobytes()
    assert a.host_index == b.host_index and a.beam == b.beam
    assert np.array_equal(a.optical_stamps(0), b.optical_stamps(0))
    c = simulate_field(124, **FAST)
    assert not np.array_equal(a.radio, c.radio)


@needs_data
@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 2**40))
@example(seed=216)  # a decoy blended with the catalogued component
def test_field_invariants(seed):
    f = simulate_field(seed, **FAST)
    c = f.candidates
    assert f.radio.shape == (240, 240) and f.radio.dtype == np.float32
    assert np.isfinite(f.radio).all()
    assert int(np.sum(c["is_host"])) == 1 and bool(c["is_host"][f.host_index])
    assert c["hosts_source"][f.host_index] == 0
    assert np.all(c["sep_arcsec"] <= CANDIDATE_RADIUS_ARCSEC + 1e-3)
    assert len(np.unique(np.asarray(c["objID"]))) == len(c)
    assert set(np.unique(np.asarray(c["true_class"]))) <= {"GALAXY", "QSO", "STAR"}
    # x, y are radio-pixel offsets from the geometric centre, consistent with the WCS
    px, py = f.wcs.world_to_pixel_values(np.asarray(c["ra"]), np.asarray(c["dec"]))
    assert np.allclose(px - 119.5, c["x"], atol=1e-3)
    assert np.allclose(py - 119.5, c["y"], atol=1e-3)
    sep = f.center.separation(SkyCoord(c["ra"], c["dec"], unit="deg")).arcsec
    assert np.allclose(sep, c["sep_arcsec"], atol=1e-3)
    # the beam is one of the real VLASS QL beams, the noise in the QL range
    assert 2.5 <= f.beam.bmaj_arcsec <= 4.05
    assert 120 <= f.noise_ujy <= 145
    # a catalogued (target) component sits at the centre, up to the astrometric error
    t = f.components[np.asarray(f.components["is_target"])]
    r = np.hypot(t["x"][0], t["y"][0])
    # ... unless a decoy lands on the host's component (seed 216: 4.2 px away) and the island
    # finder catalogues the blend under the brighter source, as PyBDSF would: then the
    # catalogued component still lies within a beam or two of the centre
    blended = t["source_id"][0] != 0
    assert len(t) == 1 and (r < 3.0 or (blended and r < 3.0 + 2 * f.beam.bmaj_arcsec))
    assert f.components.meta["simulated"] and c.meta["simulated"]


@needs_data
def test_compact_host_is_near_the_centre_and_nearest():
    f = simulate_field(5, morphology="compact", **FAST)
    assert f.candidates["sep_arcsec"][f.host_index] < 3.0
    assert f.morphology == "compact"


@needs_data
@pytest.mark.parametrize("morph", MORPHOLOGIES)
def test_every_parametric_morphology_renders(morph):
    f = simulate_field(11, morphology=morph, **FAST)
    assert f.morphology == morph
    assert (f.components["source_id"] == 0).sum() >= 1
    assert f.radio.max() > 5 * f.noise_ujy * 1e-6


def test_parametric_source_fluxes_add_up():
    rng = np.random.default_rng(0)
    for morph in MORPHOLOGIES:
        s = parametric_source(morph, rng, np.zeros(2))
        assert s.total_flux_jy == pytest.approx(s.gaussians[:, 2].sum())
        assert np.all(s.gaussians[:, 3] >= s.gaussians[:, 4])
    with pytest.raises(ValueError, match="unknown morphology 'blob'"):
        parametric_source("blob", rng, np.zeros(2))


def test_find_components_splits_a_double():
    from ml.sim.radio import render_components

    c0 = SkyCoord(10.0, 10.0, unit="deg")
    w = vlass_wcs(c0)
    a = w.pixel_to_world(100.0, 119.5)
    b = w.pixel_to_world(140.0, 119.5)
    img = render_components([a.ra.deg, b.ra.deg], [a.dec.deg, b.dec.deg], [5, 3], [2, 2], [1, 1],
                            [0, 0], wcs=w, beam_arcsec=(2.6, 2.3, 0))  # fmt: skip
    comps = find_components(img.astype(float), 130e-6, Beam(2.6, 2.3, 0.0), w)
    assert len(comps) == 2
    xs = sorted(c["x"] for c in comps)
    assert xs == pytest.approx([100.0, 140.0], abs=0.05)
    fl = sorted(c["flux_jy"] for c in comps)
    assert fl == pytest.approx(sorted(np.array([5, 3]) * 1e-3 * (3 / 1.4) ** -0.7), rel=0.02)


@pytest.mark.parametrize(
    ("kwargs", "msg"),
    [
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"seed": 1.5}, "seed must be a non-negative integer"),
        ({"morphology": "blob"}, "unknown morphology 'blob'"),
        ({"morphology_mix": {"blob": 1.0}}, "unknown morphology 'blob'"),
        ({"morphology_mix": {"compact": 0.0}}, "sum to 0"),
        ({"template_fraction": 2.0}, r"template_fraction must be in \[0, 1\]"),
        ({"decoy_rate": -1.0}, "decoy_rate must be >= 0"),
        ({"noise_ujy": 0.0}, "noise_ujy must be > 0"),
        ({"candidate_radius_arcsec": 0.0}, "candidate_radius_arcsec must be > 0"),
        ({"beam": (1.0, 2.0, 0.0)}, "bmaj >= bmin"),
    ],
)
def test_simulate_field_bad_input(kwargs, msg):
    seed = kwargs.pop("seed", 1)
    with pytest.raises(ValueError, match=msg):
        simulate_field(seed, **kwargs)


@pytest.mark.parametrize(
    ("sersic_n", "re_arcsec"), [(1.0, 0.0), (1.0, 1.5), (4.0, 0.6), (4.0, 3.0)]
)
def test_render_stamp_conserves_counts(sersic_n, re_arcsec):
    """Noiseless: point sources and Sersic galaxies hold their catalogue counts."""
    shapes = {"sersic_n": np.array([sersic_n]), "re_arcsec": np.array([re_arcsec]),
              "q": np.array([0.7]), "pa_deg": np.array([30.0])}  # fmt: skip
    img = O.render_stamp(np.array([119.3]), np.array([120.2]), np.array([5e4]), shapes, 1.1, 0.0,
                         np.random.default_rng(0))  # fmt: skip
    # the PSF wings beyond the stamp edge are negligible
    assert img.sum() == pytest.approx(5e4, rel=0.02)


def test_counts_magnitude_round_trip():
    m = np.array([15.0, 20.0, 23.0])
    for band in O.BANDS:
        assert np.allclose(O.counts_to_mag(O.mag_to_counts(m, band), O.PS1_EXPTIME[band]), m)


@needs_data
def test_optical_stamps_are_ps1_like(field):
    f = simulate_field(3, morphology="compact", n_background=0, decoy_rate=0.0, **FAST)
    st_ = f.optical_stamps(f.host_index)
    assert st_.shape == (5, 240, 240) and st_.dtype == np.float32
    # sky noise per band: the rms of the real PS1 stamps (corner far from the host)
    for b, band in enumerate(O.BANDS):
        assert st_[b][:60, :60].std() == pytest.approx(O.PS1_SKY_RMS[band], rel=0.1)
    # the host's counts in a 15" aperture agree with its magnitude within the sky noise
    yy, xx = np.indices((240, 240))
    ap = np.hypot(xx - 119.5, yy - 119.5) < 60
    expected = O.mag_to_counts(f._true_mag["r"][f.host_index], "r")
    assert abs(st_[1][ap].sum() - expected) < 4 * O.PS1_SKY_RMS["r"] * np.sqrt(ap.sum())
    with pytest.raises(ValueError, match=r"candidate index must be an integer in \[0, 1\)"):
        f.optical_stamps(1)


@needs_data
def test_w1_w2_colours_follow_stern2012():
    w12 = {"QSO": [], "STAR": []}
    for s in range(40):
        c = simulate_field(s, **FAST).candidates
        for k in w12:
            m = np.asarray(c["true_class"]) == k
            a = np.asarray(c["w1mag"])[m] - np.asarray(c["w2mag"])[m]
            w12[k] += list(a[np.isfinite(a)])
    assert np.median(w12["QSO"]) > 0.8
    assert abs(np.median(w12["STAR"])) < 0.1


def test_parse_vlass_name_drops_leading_zero():
    ra, dec = parse_vlass_name("VLASS1QLCIR J32626.9-275611.2")
    assert ra == pytest.approx(15 * (3 + 26 / 60 + 26.9 / 3600))
    assert dec == pytest.approx(-(27 + 56 / 60 + 11.2 / 3600))
    ra2, _ = parse_vlass_name("J033323.71-281146.4")
    assert ra2 == pytest.approx(parse_vlass_name("J33323.71-281146.4")[0])
    with pytest.raises(ValueError, match="not a VLASS J-name: 'M31'"):
        parse_vlass_name("M31")


@pytest.mark.real_data(NORRIS71_FILE)
def test_norris71_stats_match_the_issue():
    s = norris71_field_stats()
    assert len(s.name) == 71
    assert int(s.nearest_is_host.sum()) == 65
    assert np.median(s.host_offset_arcsec) == pytest.approx(0.75, abs=0.01)
    assert int(np.sum(s.host_offset_arcsec > 5)) == 11
    assert s.n_candidates.min() == 6 and np.median(s.n_candidates) == 16


@needs_data
@pytest.mark.slow
def test_first_templates_render_with_flux_and_orientation():
    """Real FIRST templates (builds the template cache on first use: slow)."""
    from ml.sim.templates import load_templates, mirabest_class

    t = load_templates()
    assert {"FRI", "FRII", "bent"} <= set(t)
    assert len(t["bent"]) > 300  # 49 MiraBest WATs + 9 head-tails + firstgalaxydata bents
    for tp in t["FRII"][:20]:
        assert tp.image.sum() == pytest.approx(1.0, rel=1e-4)
    assert mirabest_class("102_035.887-008.961_0.4145_0027.54.fits") == "bent"
    assert mirabest_class("200_x.fits") == "FRII"
    assert mirabest_class("310_x.fits") is None
    f = simulate_field(21, morphology="bent", template_fraction=1.0)
    assert f.sources[0].template is not None
    model_flux = f.components["total_flux_mjy"][f.components["source_id"] == 0].sum()
    # components above 5 sigma hold most of the template's flux
    assert 0.5 < model_flux / (f.sources[0].total_flux_jy * 1e3) <= 1.05


def test_package_exports_the_public_api_lazily():
    import ml.sim
    import ml.sim.field
    import ml.sim.radio

    assert ml.sim.simulate_field is ml.sim.field.simulate_field
    assert ml.sim.render_components is ml.sim.radio.render_components
    with pytest.raises(AttributeError, match="module 'ml.sim' has no attribute 'nope'"):
        ml.sim.nope  # noqa: B018


def test_norris71_stats_rejects_a_field_without_exactly_one_host(tmp_path):
    p = tmp_path / "notes.csv"
    p.write_text(
        "VLASS_component_name, PS source id, PS source ra, PS source dec, Groud_Truth\n"
        "VLASS1QLCIR J32626.9-275611.2, 1, 51.61, -27.93, 0\n"
        "VLASS1QLCIR J32626.9-275611.2, 2, 51.62, -27.94, 0\n"
    )
    with pytest.raises(ValueError, match="field VLASS1QLCIR J32626.9-275611.2 has 0 hosts"):
        norris71_field_stats(str(p))
