"""The set-based candidate join: geometry equal to the WCS path, the authors' pairs, idempotence."""

from __future__ import annotations

import numpy as np
import pytest
from django.core.management import call_command

from catalog.models import Candidate, Epoch, OpticalSource, RadioComponent, Survey
from catalog.pipeline.candidates import CandidateCut, build_candidates, tile_pairs
from catalog.sky.geometry import candidate_offsets, cutout_wcs, sin_offsets
from catalog.sky.spatial import hpx_index
from ml.data.lou2023 import LOU2023_TESTSET
from ml.paths import data_dir


def _centres(rng, n):
    ra = rng.uniform(0, 360, n)
    dec = np.degrees(np.arcsin(rng.uniform(-1, 1, n)))
    special = [(0.0, 90.0), (123.4, 90.0), (10.0, -90.0), (0.0, 0.0), (359.9999, 12.0)]
    special += [(0.0001, -45.0), (200.0, 89.99), (17.0, -89.99)]
    return np.concatenate([ra, [s[0] for s in special]]), np.concatenate(
        [dec, [s[1] for s in special]]
    )


def test_closed_form_equals_the_cutout_wcs_to_1e_6_px():
    rng = np.random.default_rng(13)
    ra0, dec0 = _centres(rng, 300)
    worst = 0.0
    for a, d in zip(ra0, dec0, strict=True):
        # points across the whole box, wrapping the RA seam and crossing the poles
        off_ra = rng.uniform(-150, 150, 40) / 3600 / max(np.cos(np.radians(d)), 1e-3)
        ra = (a + off_ra) % 360.0
        dec = np.clip(d + rng.uniform(-150, 150, 40) / 3600, -90, 90)
        ref = candidate_offsets(a, d, ra, dec, wcs=cutout_wcs(a, d))
        got = sin_offsets(a, d, ra, dec)
        worst = max(worst, *(np.abs(g - r).max() for g, r in zip(got, ref, strict=True)))
    assert worst < 1e-6


def test_tile_pairs_vectorised_equal_per_component():
    rng = np.random.default_rng(3)
    comp = np.array([[1, 0.001, 5.0], [2, 359.999, -5.0], [3, 45.0, 89.99]])
    opt = []
    for _, a, d in comp:
        for _k in range(60):
            dra = rng.uniform(-130, 130) / 3600 / np.cos(np.radians(d))
            opt.append(
                [len(opt) + 10, (a + dra) % 360, min(d + rng.uniform(-130, 130) / 3600, 90.0)]
            )
    opt = np.asarray(opt)
    ci, oj, dx, dy, dd = tile_pairs(comp, opt, box_arcmin=3.6, radius_arcsec=None)
    for cid, a, d in comp:
        ref = candidate_offsets(a, d, opt[:, 1], opt[:, 2], wcs=cutout_wcs(a, d))
        inside = (np.abs(ref[0]) <= 108) & (np.abs(ref[1]) <= 108)
        mine = ci == cid
        assert set(oj[mine]) == set(opt[inside, 0].astype(int))
        order = np.argsort(opt[inside, 0])
        assert np.abs(dx[mine] - ref[0][inside][order]).max() < 1e-6
        assert np.abs(dd[mine] - ref[2][inside][order]).max() < 1e-6


@pytest.mark.real_data(LOU2023_TESTSET)
@pytest.mark.django_db
def test_norris71_reproduces_every_authors_pair():
    """The authors' 1,177 pairs, same dx/dy/D to 1e-6 px."""
    from catalog.ingest.lou2023_testset import ingest_lou2023_testset

    ingest_lou2023_testset(data_dir())
    authors = {
        (c.component_id, c.optical_source_id): (c.dx_px, c.dy_px, c.distance_px)
        for c in Candidate.objects.all()
    }
    assert len(authors) == 1177
    epoch = Epoch.objects.get(survey__name="VLASS")
    out = build_candidates(epoch)
    got = {
        (c.component_id, c.optical_source_id): (c.dx_px, c.dy_px, c.distance_px)
        for c in Candidate.objects.all()
    }
    assert set(authors) <= set(got)
    diff = max(max(abs(a - b) for a, b in zip(authors[k], got[k], strict=True)) for k in authors)
    assert diff < 1e-6
    # the extras are objects of a neighbouring field's list inside this box
    extra = set(got) - set(authors)
    assert out["pairs"] == len(got) == 1177 + len(extra) and extra
    assert out["updated"] == 0  # the per-component path wrote the same numbers
    again = build_candidates(epoch)
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, len(got))


def _sky(n_comp=20, n_opt=400, seed=0):
    rng = np.random.default_rng(seed)
    s = Survey.objects.create(name="SIMX")
    ep = Epoch.objects.create(survey=s, name="e1")
    ra = rng.uniform(359.8, 360.2, n_comp) % 360
    dec = rng.uniform(-0.2, 0.2, n_comp)
    RadioComponent.objects.bulk_create(
        RadioComponent(epoch=ep, name=f"c{i}", ra=a, dec=d, hpx=int(h))
        for i, (a, d, h) in enumerate(zip(ra, dec, hpx_index(ra, dec), strict=True))
    )
    ora = rng.uniform(359.75, 360.25, n_opt) % 360
    odec = rng.uniform(-0.25, 0.25, n_opt)
    mags = rng.uniform(16, 24, n_opt)
    OpticalSource.objects.bulk_create(
        OpticalSource(catalogue="ps1dr2", source_id=str(i), ra=a, dec=d, hpx=int(h), r_mag=m)
        for i, (a, d, h, m) in enumerate(zip(ora, odec, hpx_index(ora, odec), mags, strict=True))
    )
    OpticalSource.objects.create(catalogue="allwise", source_id="W", ra=ra[0], dec=dec[0])
    return ep


def _brute(ep, radius=None, max_mag=None):
    out = set()
    opts = list(
        OpticalSource.objects.filter(catalogue="ps1dr2").values_list("pk", "ra", "dec", "r_mag")
    )
    o = np.asarray(opts, float)
    for c in RadioComponent.objects.filter(epoch=ep):
        dx, dy, d = candidate_offsets(c.ra, c.dec, o[:, 1], o[:, 2], wcs=cutout_wcs(c.ra, c.dec))
        if radius is None:
            ok = (np.abs(dx) <= 108) & (np.abs(dy) <= 108)
        else:
            from astropy.coordinates import SkyCoord

            sep = (
                SkyCoord(c.ra, c.dec, unit="deg")
                .separation(SkyCoord(o[:, 1], o[:, 2], unit="deg"))
                .arcsec
            )
            ok = sep <= radius
        if max_mag is not None:
            ok &= o[:, 3] <= max_mag
        out |= {(c.pk, int(p)) for p in o[ok, 0]}
    return out


@pytest.mark.django_db
def test_join_on_the_ra_seam_box_radius_and_cut_matches_brute_force():
    ep = _sky()
    out = build_candidates(ep.pk)
    got = set(Candidate.objects.values_list("component_id", "optical_source_id"))
    assert got == _brute(ep) and out["pairs"] == len(got)
    build_candidates(ep, radius_arcsec=60.0)  # adds the radius set; the box rows stay
    assert _brute(ep, radius=60.0) <= set(
        Candidate.objects.values_list("component_id", "optical_source_id")
    )
    Candidate.objects.all().delete()
    build_candidates(ep, cut=CandidateCut(max_mag=21.0))
    got = set(Candidate.objects.values_list("component_id", "optical_source_id"))
    assert got == _brute(ep, max_mag=21.0)
    assert not Candidate.objects.filter(optical_source__catalogue="allwise").exists()


@pytest.mark.django_db
def test_command(capsys):
    ep = _sky(n_comp=5, n_opt=100, seed=2)
    call_command("build_candidates", "--epoch", "SIMX e1", "--radius-arcsec", "90", verbosity=0)
    assert Candidate.objects.count() == len(_brute(ep, radius=90.0))
    assert "candidates" in capsys.readouterr().out
