"""The association sky in SQL and the source catalogue the pipeline writes (PostgreSQL and SQLite)."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.table import Table
from django.test import override_settings

from catalog.models import Epoch, ModelVersion, RadioComponent, Source, Survey
from catalog.pipeline import tile as tile_mod
from catalog.pipeline.component import association_model_version
from catalog.pipeline.sky_selection import sky_q
from catalog.sky.spatial import hpx_index
from catalog.sources.build import build_sources, write_tile_sources
from ml.association.refit import Method
from ml.association.rules import ComponentSky
from ml.association.sky import parse_selection
from ml.paths import data_dir
from ml.sim.epoch import simulate_epoch

DATABASES = ["default", "sqlite"]
SAMPLE = data_dir() / "vlass_cirada_ql_sample" / "CIRADA_VLASS1QL_table1_components_v1_head100.csv"


def _epoch(db: str, name: str = "1.1") -> Epoch:
    survey, _ = Survey.objects.using(db).get_or_create(name="VLASS")
    return Epoch.objects.using(db).create(survey=survey, name=name)


def _component(epoch, name, ra, dec, flux, *, dup=0, qual=0, s_code="S", **kw):
    return RadioComponent(
        epoch=epoch, name=name, ra=ra % 360, dec=dec, hpx=int(hpx_index(ra % 360, dec)[0]),
        total_flux_mjy=flux, peak_flux_mjy=flux, duplicate_flag=dup, quality_flag=qual,
        s_code=s_code, is_science=(dup or 0) < 2 and not qual, **kw,
    )  # fmt: skip


@pytest.mark.django_db(databases=DATABASES)
@pytest.mark.parametrize("alias", DATABASES)
@pytest.mark.parametrize(
    "setting", ["", "duplicates=keep", "empty=keep,quality=none", "quality=1", "quality=6"]
)
def test_sql_selection_equals_the_numpy_rule_on_the_real_sample(alias, setting):
    if not SAMPLE.exists():
        pytest.fail(f"the real CIRADA sample is missing: {SAMPLE}")
    t = Table.read(SAMPLE, format="ascii.csv")
    epoch = _epoch(alias)
    RadioComponent.objects.using(alias).bulk_create(
        [
            # the sample names two twins alike: the row number keeps the names unique
            _component(
                epoch,
                f"{i} {r['Component_name']}",
                float(r["RA"]),
                float(r["DEC"]),
                float(r["Total_flux"]),
                dup=int(r["Duplicate_flag"]),
                qual=int(r["Quality_flag"]),
                s_code=str(r["S_Code"]),
            )  # fmt: skip
            for i, r in enumerate(t)
        ]
        + [_component(epoch, "no flags", 1.0, 1.0, 2.0, dup=None, qual=None, s_code="")]
    )
    sel = parse_selection(setting)
    rows = list(RadioComponent.objects.using(alias).order_by("id").values_list(
        "name", "duplicate_flag", "quality_flag", "s_code"))  # fmt: skip
    names, dup, qual, code = (list(c) for c in zip(*rows, strict=True))
    want = {n for n, k in zip(names, sel.mask(dup, qual, code), strict=True) if k}
    got = set(RadioComponent.objects.using(alias).filter(sky_q(sel)).values_list("name", flat=True))
    assert got == want and "no flags" in got
    with override_settings(RADIOHOST_ASSOCIATION_SKY=setting):
        assert set(RadioComponent.objects.using(alias).filter(sky_q()).values_list(
            "name", flat=True)) == want  # fmt: skip


def _synthetic_sky(db: str) -> Epoch:
    """A single, a two-lobe double, a core-triple, a core + jet, a duplicate pair and two
    unrelated components at one position; each far (> 30′) from the others."""
    epoch = _epoch(db)
    c = []
    dec0 = 5.0

    def at(ra0, east):
        return ra0 + east / 3600 / np.cos(np.radians(dec0))

    c.append(_component(epoch, "single", 10.0, dec0, 3.0))
    c += [_component(epoch, "dbl-e", at(11.0, 20), dec0, 10.0),
          _component(epoch, "dbl-w", at(11.0, -20), dec0, 12.0)]  # fmt: skip
    c += [_component(epoch, "tri-e", at(12.0, 40), dec0, 30.0),
          _component(epoch, "tri-c", at(12.0, 2), dec0, 1.0),
          _component(epoch, "tri-w", at(12.0, -40), dec0, 28.0)]  # fmt: skip
    c += [_component(epoch, "core", 13.0, dec0, 5.0),
          _component(epoch, "jet", 13.0, dec0 + 6 / 3600, 1.0)]  # fmt: skip
    c += [_component(epoch, "keep", 14.0, dec0, 4.0, dup=1),
          _component(epoch, "twin", at(14.0, 0.8), dec0, 4.1, dup=2),
          _component(epoch, "empty", at(14.0, 30), dec0, 0.0, qual=4, s_code="E")]  # fmt: skip
    # 0.04″ apart at flux ratio 50: never linked, two singles with one truncated J-name
    c += [_component(epoch, "bright", 15.0, dec0, 50.0),
          _component(epoch, "faint", at(15.0, 0.04), dec0, 1.0)]  # fmt: skip
    RadioComponent.objects.using(db).bulk_create(c)
    return epoch


@pytest.mark.django_db(databases=DATABASES)
@pytest.mark.parametrize("alias", DATABASES)
def test_source_rows_of_a_synthetic_sky(alias):
    epoch = _synthetic_sky(alias)
    mv = ModelVersion.objects.using(alias).create(
        name="m", kind="host", config=Method().to_config()
    )
    # the core + 6″ jet at flux ratio 5 is linked only by the close-pair rule: turn it on
    cfg = mv.config
    cfg["association"]["close_theta_fraction"] = 0.9
    mv.save(using=alias)
    assert build_sources(epoch.pk, mv, order=3, using=alias) == 7
    got = sorted(
        (s.source_type, tuple(sorted(s.components.values_list("name", flat=True))))
        for s in Source.objects.using(alias).filter(epoch=epoch)
    )
    # the twin and the empty island are in no source: the preferred copy is a single
    assert got == [
        ("core-double", ("core", "jet")),
        ("core-triple", ("tri-c", "tri-e", "tri-w")),
        ("double without core", ("dbl-e", "dbl-w")),
        ("single", ("bright",)),
        ("single", ("faint",)),
        ("single", ("keep",)),
        ("single", ("single",)),
    ]
    named = dict(
        Source.objects.using(alias).filter(n_components=1).values_list(
            "components__name", "source_name")
    )  # fmt: skip
    assert named["faint"] == named["bright"] + "_2"  # the higher id is the second
    dbl = Source.objects.using(alias).get(epoch=epoch, source_type="double without core")
    assert dbl.n_components == 2 and dbl.total_flux_mjy == 22.0
    assert dbl.las_arcsec == pytest.approx(40.0, rel=1e-6) and dbl.host_id is None
    # the 10:12 mJy centroid is 1.82″ west of RA 11° (00h44m00s): 0.122 s of time, truncated
    assert dbl.source_name == "J004359.87+050000.0"

    # a second build replaces: the same rows, not doubled
    def rows():
        return sorted(
            Source.objects.using(alias).values_list("source_name", "source_type", "ra", "dec")
        )

    before = rows()
    assert build_sources(epoch.pk, mv, order=3, using=alias) == 7
    assert rows() == before
    # a redelivered tile rewrites its own rows only
    s = Source.objects.using(alias).get(source_type="core-triple")
    assert write_tile_sources(epoch.pk, mv, s.tile_order, s.tile_index, using=alias) >= 1
    assert rows() == before


@pytest.fixture
def processed_epoch(tmp_path, eager):
    from catalog.simulated.epoch import ingest_sim_epoch
    from workers import tasks

    ep = simulate_epoch(1200, seed=7, ra0=359.0, dec0=10.0)
    epoch = ingest_sim_epoch(ep, "2", tmp_path)
    with override_settings(RADIOHOST_TILE_ORDER=6):
        out = tasks.process_epoch.apply(args=(epoch.pk,)).get()
    assert out["action"] == "identify"
    epoch.refresh_from_db()
    return epoch


@pytest.mark.django_db
def test_the_pipeline_writes_the_untiled_groups_once(processed_epoch):
    """Tiles at order 6 over ~12 deg² (across RA 0/360): the stored sources are exactly the
    groups of ONE ComponentSky of the whole epoch (the reference), each science component in
    exactly one, with the best host of its components; finishing again changes nothing."""
    from workers import tasks

    epoch = processed_epoch
    mv = epoch.model_version
    assert mv == association_model_version()
    rows = list(
        RadioComponent.objects.filter(epoch=epoch).order_by("id").values_list(
            "id", "ra", "dec", "total_flux_mjy", "peak_flux_mjy", "is_science")
    )  # fmt: skip
    a = np.array(rows, dtype=float)
    sky = tile_mod.Sky.from_rows(a[:, 0].astype(np.int64), *a[:, 1:5].T)
    cs = ComponentSky(sky.ra, sky.dec, sky.flux, sky.peak, Method.from_config(mv.config).params)
    want = {tuple(sky.ids[cs.group(int(i))]) for i in np.flatnonzero(a[:, 5] > 0)}
    stored = {
        s.pk: tuple(sorted(s.components.values_list("id", flat=True)))
        for s in Source.objects.filter(epoch=epoch, model_version=mv)
    }
    assert set(stored.values()) == want and len(stored) == len(want) > 500
    assert any(len(g) > 1 for g in want)
    # the host: the members' most reliable best candidate, as the host catalogue gives them
    from catalog.read.host_catalogue import host_rows
    from ml.host.likelihood_ratio import is_no_host

    checked = 0
    for s in Source.objects.filter(epoch=epoch, n_components__gt=1)[:40]:
        rows = [r for r in host_rows(list(s.components.all()), mv) if r.optical_id is not None]
        if not rows:
            assert s.host_id is None
            continue
        top = max(rows, key=lambda r: (r.reliability, r.likelihood, -r.optical_id))
        if is_no_host(top.reliability, top.p_no_host):
            assert s.host_id is None and s.p_no_host == top.p_no_host
        else:
            assert s.host_id == top.optical_id and s.host_reliability == top.reliability
            checked += 1
    assert checked > 10
    names = sorted(Source.objects.values_list("source_name", "n_components"))
    again = tasks.finish_epoch.apply(args=(epoch.pk,)).get()
    assert again["already_finished"] is True
    assert build_sources(epoch.pk, mv, order=6) == len(want)  # a re-run: same rows
    assert sorted(Source.objects.values_list("source_name", "n_components")) == names
