"""One column table: a quantity exported by the host catalogue (VOTable, FITS, Parquet) and
by the IVOA cone search carries the same unit, UCD and description in every format."""

from __future__ import annotations

import io

import pyarrow.parquet as pq
from astropy.io import fits
from astropy.io.votable import parse_single_table
from rest_framework.test import APIClient

from tests.factories import answer_field

# (hosts export name, cone search name, unit, UCD, description) written out by hand
SAME = [
    ("ra", "host_ra", "deg", "pos.eq.ra", "host RA"),
    ("dec", "host_dec", "deg", "pos.eq.dec", "host Dec"),
    ("likelihood", "host_likelihood", "", "stat.likelihood", "host likelihood (seed 4.2)"),
    (
        "reliability",
        "host_reliability",
        "",
        "stat.probability",
        "LR reliability P(host), with a no-counterpart term",
    ),
    ("optical_id", "host_optical_id", "", "meta.id.cross", ""),
    ("component_ra", "ra", "deg", "pos.eq.ra;meta.main", ""),
    (
        "cone_separation_arcsec",
        "separation",
        "arcsec",
        "pos.angDistance",
        "component to cone centre",
    ),
]


def _body(path, params):
    r = APIClient().get(path, params)
    assert r.status_code == 200, r.content
    return b"".join(r.streaming_content) if r.streaming else r.content


def _fields(body):
    return {f.name: f for f in parse_single_table(io.BytesIO(body)).fields}


def test_hosts_export_and_cone_search_describe_a_column_alike(db):
    answer_field()
    cone = _fields(_body("/api/vo/cone/components", {"RA": 53.0, "DEC": -27.8, "SR": 10 / 3600}))
    hosts = _fields(_body("/api/hosts/", {"format": "votable"}))
    for export_name, cone_name, unit, ucd, description in SAME:
        for f in (hosts[export_name], cone[cone_name]):
            assert (str(f.unit or ""), f.ucd or "", f.description or "") == (unit, ucd, description)


def test_fits_and_parquet_hosts_exports_carry_the_same_units_and_ucds(db):
    answer_field()
    table = pq.read_table(io.BytesIO(_body("/api/hosts/", {"format": "parquet"})))
    with fits.open(io.BytesIO(_body("/api/hosts/", {"format": "fits"}))) as hdul:
        header = hdul[1].header
        names = [header[f"TTYPE{i}"] for i in range(1, header["TFIELDS"] + 1)]
        for export_name, _, unit, ucd, description in SAME:
            i = names.index(export_name) + 1
            assert header.get(f"TUNIT{i}", "") == unit and header.get(f"TUCD{i}") == ucd
            meta = table.schema.field(export_name).metadata
            assert (meta[b"unit"], meta[b"ucd"], meta[b"description"]) == (
                unit.encode(),
                ucd.encode(),
                description.encode(),
            )
