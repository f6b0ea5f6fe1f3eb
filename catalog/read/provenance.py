"""What a set of rows is: the one provenance record shown by every page, API list and export.

A reader of a page, a JSON list, a CSV, a VOTable, a FITS or a Parquet file must be able to tell,
from that answer alone, whether its rows are simulated or real, which survey and epoch they
come from, which method (model version) produced the hosts and what that method scores on
real data (the Norris et al. 2006 ATLAS-CDFS test, seed §4.2 Table 3), which software wrote it,
and when. :func:`provenance` builds that record once; the pages (``pages`` context
processor), the paginated API envelope (``provenance`` key) and each export format (VOTable
``INFO``, FITS header keywords, Parquet schema metadata, ECSV ``meta``) only render it.

An epoch is simulated when its name starts with ``sim`` (``manage.py simulate_epoch`` and
``make demo`` refuse any other name for a simulated epoch); an optical source when its row
says ``is_simulated``.
"""

from __future__ import annotations

import os
import subprocess
import tomllib
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from catalog.models import Epoch, ModelVersion
from catalog.read import real_figures

PAPER = "Lou, Lake & Tsai 2023 (RAA 23, 075013)"
#: the order every format writes the record in (FITS keys are the 8-character forms)
KEYS = (
    "rows",
    "epochs",
    "method",
    "method_status",
    "method_trained_on",
    "method_real_figures",
    "software",
    "generated",
    "paper",
)
FITS_KEYS = {
    "rows": ("RHROWS", "simulated or real rows"),
    "epochs": ("RHEPOCHS", "survey/epoch of the rows"),
    "method": ("RHMETHOD", "host method (model version) name"),
    "method_status": ("RHMSTAT", "model version status"),
    "method_trained_on": ("RHMTRAIN", "what the method was fitted on"),
    "method_real_figures": ("RHMREAL", "method on real data (Norris-71)"),
    "software": ("RHSOFTW", "radiohost version that wrote this"),
    "generated": ("DATE", "UTC time this file was written"),
    "paper": ("REFERENC", "method paper"),
}


def is_simulated_epoch(epoch: Epoch) -> bool:
    return epoch.name.lower().startswith("sim")


@lru_cache(maxsize=1)
def software_version() -> str:
    """``radiohost <pyproject version> (<git describe>)``, read once per process.

    ``RADIOHOST_VERSION`` (set in an image built without ``.git``) wins over ``git describe``.
    Called at start-up by :class:`catalog.apps.CatalogConfig`, so no request runs git.
    """
    base = Path(settings.BASE_DIR)
    try:
        version = tomllib.loads((base / "pyproject.toml").read_text())["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        version = "unknown"
    described = os.environ.get("RADIOHOST_VERSION", "").strip()
    if not described:
        try:
            out = subprocess.run(
                ["git", "describe", "--always", "--dirty", "--tags"],
                cwd=base,
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
            described = out.stdout.strip() if out.returncode == 0 else ""
        except (OSError, subprocess.SubprocessError):
            described = ""
    return f"radiohost {version}" + (f" ({described})" if described else "")


def _rows_word(simulated: bool, real: bool) -> str:
    if simulated and real:
        return "SIMULATED and real (mixed)"
    if simulated:
        return "SIMULATED"
    if real:
        return "real"
    return "no rows"


def _trained_on(mv: ModelVersion) -> str:
    if mv.is_simulated_training:
        return "SIMULATED data"
    n = (mv.label_snapshot or {}).get("n")
    if n:
        return f"{n} labels"
    if "association" in (mv.config or {}):
        return "published defaults (no fit)"
    return "not recorded"


def provenance(
    *,
    epochs: list[Epoch] | None = None,
    model_version: ModelVersion | None = None,
    simulated: bool | None = None,
    real: bool | None = None,
    now: datetime | None = None,
) -> dict[str, str]:
    """The provenance record of a set of rows, as ``{key: text}`` in :data:`KEYS` order.

    ``epochs``: the epochs the rows come from (None: every epoch in the catalogue).
    ``simulated``/``real``: whether any row is simulated/real, when the rows are not
    components (optical sources say it per row); by default read from ``epochs``.
    ``model_version``: the host method the rows' hosts come from (None: no hosts).
    """
    if epochs is None:
        epochs = list(Epoch.objects.select_related("survey").order_by("survey__name", "name"))
    if simulated is None:
        simulated = any(is_simulated_epoch(e) for e in epochs)
    if real is None:
        real = any(not is_simulated_epoch(e) for e in epochs)
    names = [
        f"{e.survey.name} {e.name}" + (" (simulated)" if is_simulated_epoch(e) else "")
        for e in epochs
    ]
    record = {
        "rows": _rows_word(simulated, real),
        "epochs": ", ".join(names) or "none",
        "method": "none" if model_version is None else model_version.name,
        "method_status": "" if model_version is None else model_version.status,
        "method_trained_on": "" if model_version is None else _trained_on(model_version),
        "method_real_figures": (
            "" if model_version is None else real_figures.method_real_figures(model_version)
        ),
        "software": software_version(),
        "generated": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "paper": PAPER,
    }
    return {k: record[k] for k in KEYS}


def epochs_of(queryset, field: str = "epoch_id") -> list[Epoch]:
    """The epochs that rows of ``queryset`` come from: one indexed EXISTS per epoch (a
    catalogue holds a handful of epochs, a survey millions of rows)."""
    out = []
    for e in Epoch.objects.select_related("survey").order_by("survey__name", "name"):
        if queryset.filter(**{field: e.pk}).exists():
            out.append(e)
    return out


def header_lines(record: dict[str, str]) -> list[str]:
    """``key: value`` lines (for the CSV/ECSV header and plain-text answers)."""
    return [f"{k}: {v}" for k, v in record.items() if v != ""]
