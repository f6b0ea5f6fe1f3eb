"""ml.association.sky (the association sky's selection) and ml.association.sources (source rows),
on the real 99-row CIRADA VLASS sample and on synthetic groups with known answers."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.table import Table

from ml.association.rules import ComponentSky
from ml.association.sky import (
    DEFAULT_SELECTION,
    SkySelection,
    cirada_quality_bits,
    parse_selection,
)
from ml.association.sources import (
    CORE_DOUBLE,
    CORE_TRIPLE,
    DOUBLE_NO_CORE,
    MULTI,
    SINGLE,
    largest_angular_size,
    source_name,
    source_row,
    source_type,
)
from ml.paths import data_dir

SAMPLE = data_dir() / "vlass_cirada_ql_sample" / "CIRADA_VLASS1QL_table1_components_v1_head100.csv"


@pytest.fixture(scope="module")
def cirada() -> Table:
    if not SAMPLE.exists():  # the real sample is part of the project's data: say so loudly
        pytest.fail(f"the real CIRADA sample is missing: {SAMPLE}")
    return Table.read(SAMPLE, format="ascii.csv")


def test_the_quality_bits_recomputed_from_their_definition_equal_the_catalogues(cirada):
    q = cirada_quality_bits(
        cirada["Peak_to_ring"], cirada["NN_dist"], cirada["Peak_flux"], cirada["Total_flux"],
        cirada["Isl_rms"],
    )  # fmt: skip
    assert q.tolist() == np.asarray(cirada["Quality_flag"], int).tolist()
    assert sorted(set(q.tolist())) == [0, 1, 2, 3, 4, 6]  # every bit occurs in the sample


def test_default_selection_on_the_real_sample(cirada):
    sel = parse_selection(DEFAULT_SELECTION)
    keep = sel.mask(cirada["Duplicate_flag"], cirada["Quality_flag"], cirada["S_Code"])
    dup = np.asarray(cirada["Duplicate_flag"], int)
    qual = np.asarray(cirada["Quality_flag"], int)
    code = np.asarray(cirada["S_Code"]).astype(str)
    # hand-derived from the columns: the catalogue's own flags, every one honoured
    assert keep.tolist() == ((dup < 2) & (qual == 0) & (code != "E")).tolist()
    assert (
        keep.sum() == 27
        and (~keep & (dup == 2)).sum() == 31
        and (~keep & (code == "E")).sum() == 22
    )
    reasons = sel.reasons(cirada["Duplicate_flag"], cirada["Quality_flag"], cirada["S_Code"])
    assert all((r is None) == k for r, k in zip(reasons, keep, strict=True))
    i = list(cirada["Component_name"]).index("VLASS1QLCIR J000000.04+800045.6")
    assert reasons[i].startswith("quality-flagged (Quality_flag 2: Peak_flux < 5 Isl_rms")


def test_a_duplicate_copy_never_joins_its_twin_on_the_real_sample(cirada):
    """Every flag-1/flag-2 pair ~1″ apart: in the whole sample's sky the preferred copy is
    grouped with its reject twin; with duplicates dropped its group is the same less the twin."""
    ra, dec = np.asarray(cirada["RA"], float), np.asarray(cirada["DEC"], float)
    tot, pk = np.asarray(cirada["Total_flux"], float), np.asarray(cirada["Peak_flux"], float)
    flux = np.where(tot > 0, tot, pk)
    dup = np.asarray(cirada["Duplicate_flag"], int)
    everything = ComponentSky(ra, dec, flux, pk)
    # duplicates=drop alone: the rule under test
    kept = parse_selection("empty=keep,quality=none").mask(
        dup, cirada["Quality_flag"], cirada["S_Code"]
    )
    assert kept.tolist() == (dup != 2).tolist()
    sky = np.flatnonzero(kept)
    selected = ComponentSky(ra[sky], dec[sky], flux[sky], pk[sky])
    paired = 0
    for i in np.flatnonzero(dup == 1):
        twins = [j for j in everything.group(int(i)) if dup[j] == 2]
        if not twins:
            continue
        paired += 1
        assert (np.hypot((ra[twins] - ra[i]) * np.cos(np.radians(dec[i])), dec[twins] - dec[i])
                * 3600 < 2.0).all()  # fmt: skip
        k = int(np.searchsorted(sky, i))
        # the twin is gone and nothing else changed: no two-component "source" of one component
        got = [int(sky[m]) for m in selected.group(k)]
        assert got == [int(m) for m in everything.group(int(i)) if dup[m] != 2]
    assert paired >= 15  # the sample's pairs (25 preferred copies, 31 rejects)


def test_parse_selection_round_trips_and_names_bad_values():
    assert parse_selection("") == SkySelection() == parse_selection(DEFAULT_SELECTION)
    s = parse_selection(" duplicates=keep , quality=1 ")
    assert s == SkySelection(drop_duplicates=False, drop_empty=True, quality_mask=1)
    assert parse_selection(s.text()) == s
    for bad, msg in [
        ("duplicates=maybe", "duplicates takes drop or keep"),
        ("quality=high", "quality takes any, none or a bit mask"),
        ("colour=red", "unknown key 'colour'"),
        ("drop", "'drop' is not key=value"),
    ]:
        with pytest.raises(ValueError, match=msg):
            parse_selection(bad)


def test_quality_mask_keeps_only_the_named_bits_out():
    sel = parse_selection("quality=1")
    assert sel.mask([0, 0, 0, 0, None], [0, 1, 2, 3, None], ["S", "S", "S", "M", None]).tolist() == [
        True, False, True, False, True,
    ]  # fmt: skip
    with pytest.raises(ValueError, match="one value per row"):
        sel.mask([0, 0], [0], ["S", "S"])


# ---------------------------------------------------------------- source rows


def _offset(ra0, dec0, east_arcsec, north_arcsec):
    return ra0 + east_arcsec / 3600 / np.cos(np.radians(dec0)), dec0 + north_arcsec / 3600


def test_source_types_of_synthetic_groups():
    ra0, dec0 = 150.0, 2.0
    lobe_e, lobe_w = _offset(ra0, dec0, 30, 0), _offset(ra0, dec0, -30, 0)
    assert source_type([ra0], [dec0], [5.0]) == SINGLE
    two = ([lobe_e[0], lobe_w[0]], [lobe_e[1], lobe_w[1]])
    assert source_type(*two, [10.0, 12.0]) == DOUBLE_NO_CORE  # ratio 1.2: two lobes
    assert source_type(*two, [10.0, 40.0]) == DOUBLE_NO_CORE  # 4: the criterion's edge
    assert source_type(*two, [10.0, 41.0]) == CORE_DOUBLE  # a core and a one-sided jet
    core_in = _offset(ra0, dec0, 11.0, 0)  # 11″ from the midpoint of a 60″ pair (< 0.2 d)
    core_out = _offset(ra0, dec0, 0, 13.0)  # 13″ off (> 12″)
    tri = lambda c: ([lobe_e[0], c[0], lobe_w[0]], [lobe_e[1], c[1], lobe_w[1]])  # noqa: E731
    assert source_type(*tri(core_in), [10.0, 1.0, 12.0]) == CORE_TRIPLE
    assert source_type(*tri(core_out), [10.0, 1.0, 12.0]) == MULTI
    four = _offset(ra0, dec0, 0, 40)
    assert (
        source_type([*tri(core_in)[0], four[0]], [*tri(core_in)[1], four[1]], [1, 1, 1, 1]) == MULTI
    )
    with pytest.raises(ValueError, match="at least one component"):
        source_type([], [], [])


def test_source_row_position_flux_size_and_name():
    ra0, dec0 = 10.0, -30.0
    e, w = _offset(ra0, dec0, 20, 0), _offset(ra0, dec0, -20, 0)
    row = source_row([e[0], w[0]], [e[1], w[1]], [3.0, 1.0])
    # flux-weighted centroid 3:1 -> 10″ east of the midpoint; LAS = the 40″ pair separation
    want = _offset(ra0, dec0, 10, 0)
    assert row.ra == pytest.approx(want[0], abs=1e-7) and row.dec == pytest.approx(
        want[1], abs=1e-6
    )
    assert row.total_flux_mjy == 4.0 and row.n_components == 2 and row.source_type == DOUBLE_NO_CORE
    assert row.las_arcsec == pytest.approx(40.0, rel=1e-6)
    assert largest_angular_size([1.0], [2.0], [3.5]) == 3.5
    assert np.isnan(largest_angular_size([1.0], [2.0], [0.0]))  # unresolved: no size
    assert source_name(0.0029293597, 51.987) == "J000000.70+515913.2"
    assert source_name(359.9999999, -0.0001) == "J235959.99-000000.3"
    with pytest.raises(ValueError, match="> 0 mJy"):
        source_row([1.0, 2.0], [0.0, 0.0], [1.0, 0.0])


def test_single_source_names_equal_cirada_source_name_on_the_real_sample(cirada):
    """CIRADA names a single-component source after its component's position: the same
    truncated J-name as ``Component_name`` without its survey prefix."""
    named = [r for r in cirada if str(r["Source_type"]) == "SC"]
    assert len(named) == 17
    for r in named:
        got = source_row([r["RA"]], [r["DEC"]], [r["Total_flux"]]).name
        assert got == str(r["Component_name"]).split()[-1]


def test_the_default_sky_on_the_real_sample_leaves_one_true_multi(cirada):
    """The sample's 27 science components as the pipeline groups them. Reading every row
    (the sky before the selection), 20 of their 25 groups were "multi-component", 19 of them a
    component with its own Duplicate_flag-2 copy; with the default selection one multi is
    left: three S_Code 'C' Gaussians of one island, 6″ apart (J000001.36+044129.5)."""
    ra, dec = np.asarray(cirada["RA"], float), np.asarray(cirada["DEC"], float)
    tot, pk = np.asarray(cirada["Total_flux"], float), np.asarray(cirada["Peak_flux"], float)
    flux = np.where(tot > 0, tot, pk)
    dup, qual = np.asarray(cirada["Duplicate_flag"], int), np.asarray(cirada["Quality_flag"], int)
    science = (dup < 2) & (qual == 0)

    def groups(keep):
        idx = np.flatnonzero(keep)
        cs = ComponentSky(ra[idx], dec[idx], flux[idx], pk[idx])
        return {
            tuple(idx[cs.group(int(np.searchsorted(idx, i)))])
            for i in np.flatnonzero(science & keep)
        }

    before = groups(np.ones(len(cirada), bool))
    after = groups(parse_selection("").mask(dup, qual, cirada["S_Code"]))
    assert science.sum() == 27 and len(before) == len(after) == 25
    multi = [g for g in before if len(g) > 1]
    assert len(multi) == 20 and sum(any(dup[list(g)] == 2) for g in multi) == 19
    (triple,) = [g for g in after if len(g) > 1]
    assert [str(cirada["S_Code"][i]) for i in triple] == ["C", "C", "C"]
    names = [str(cirada["Component_name"][i]) for i in triple]
    assert "VLASS1QLCIR J000001.36+044129.5" in names
