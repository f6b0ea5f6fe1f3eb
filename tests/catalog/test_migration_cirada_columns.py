"""Migration 0003 moves CIRADA values stored in ``extra`` by earlier ingests into typed fields."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("catalog", "0002_radiocomponent_lean_indexes")]
AFTER = [("catalog", "0003_radiocomponent_cirada_columns")]


def _migrate(target):
    ex = MigrationExecutor(connection)
    ex.loader.build_graph()
    ex.migrate(target)
    return ex.loader.project_state(target).apps


def test_extra_values_move_to_typed_columns_with_units():
    apps = _migrate(BEFORE)
    try:
        Survey = apps.get_model("catalog", "Survey")
        Epoch = apps.get_model("catalog", "Epoch")
        RC = apps.get_model("catalog", "RadioComponent")
        ep = Epoch.objects.create(survey=Survey.objects.create(name="VLASS"), name="1")
        RC.objects.create(
            epoch=ep, name="a", ra=1.0, dec=2.0, hpx=0,
            extra={"Tile": "T30t01", "E_RA_max": 1e-4, "Isl_id": 125.0, "BPA": 10.5, "Other": "x"},
        )  # fmt: skip
        RC.objects.create(epoch=ep, name="b", ra=1.0, dec=2.0, hpx=0, extra={})
        apps = _migrate(AFTER)
        RC = apps.get_model("catalog", "RadioComponent")
        a, b = RC.objects.get(name="a"), RC.objects.get(name="b")
        assert (a.tile, a.isl_id, a.beam_pa_deg) == ("T30t01", 125, 10.5)
        assert a.e_ra_max_arcsec == pytest.approx(0.36)  # deg -> arcsec
        assert a.extra == {"Other": "x"}  # not a CIRADA column: stays
        assert (b.tile, b.beam_pa_deg, b.extra) == ("", None, {})
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
