"""Real-data figures for the home and models pages, read from the committed results files.

The figures are produced by the evaluation commands (each JSON names its command, data set
and split); the pages only quote them, with that provenance, and never recompute them.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from django.conf import settings

RESULTS = Path(settings.BASE_DIR) / "results"
#: figures a page may show (served by pages.views.models.result_figure, PNG only)
FIGURE_PATTERNS = ("classifier_confusion_*.png", "norris71_*.png", "sim_*.png")


@lru_cache(maxsize=8)
def _load(name: str, mtime: float) -> dict:
    return json.loads((RESULTS / name).read_text())


def results_json(name: str) -> dict | None:
    path = RESULTS / name
    if not path.is_file():
        return None
    return _load(name, path.stat().st_mtime)


def norris71_table() -> dict | None:
    """The Norris-71 table (seed §4.2, Table 3 layout of correct/prime/precision/recall)."""
    d = results_json("norris71.json")
    if d is None:
        return None
    return {
        "benchmark": d.get("benchmark", ""),
        "command": d.get("command", ""),
        "split": (d.get("split") or {}).get("test", ""),
        "rows": d.get("summary", []),
        "labels": {k: v.get("label", "") for k, v in (d.get("methods") or {}).items()},
    }


def headline_rows(table: dict | None) -> list[dict]:
    """The rows of the deployed catalogue-level method and its nearest-neighbour baseline."""
    if not table:
        return []
    return [r for r in table["rows"] if r["row"] in ("nn_vlass", "assoc_centroid")]


def figure_names() -> list[str]:
    names: set[str] = set()
    for pat in FIGURE_PATTERNS:
        names.update(p.name for p in RESULTS.glob(pat))
    return sorted(names)


def confusion_figures() -> list[str]:
    return [n for n in figure_names() if n.startswith("classifier_confusion_")]


def _norris_row(mv) -> dict | None:
    """The Norris-71 row measuring ``mv``: the model-free association method is row 4a
    (``assoc_centroid``); a CNN checkpoint is its ``host_<checkpoint stem>_assoc_fieldpost``
    row (the per-field posterior the pipeline applies, seed §4.2)."""
    table = norris71_table()
    if not table:
        return None
    rows = {r["row"]: r for r in table["rows"]}
    if "association" in (mv.config or {}):
        return rows.get("assoc_centroid")
    stem = Path(mv.checkpoint_path or "").stem
    if stem:
        return rows.get(f"host_{stem}_assoc_fieldpost") or rows.get(f"host_{stem}_assoc")
    return None


def method_real_figures(mv) -> str:
    """One line with ``mv``'s real-data figures: the version record's own ``metrics["real_data"]``
    when its registration stored them, else its row of the committed Norris-71 benchmark."""
    own = (mv.metrics or {}).get("real_data")
    if isinstance(own, str) and own:
        return own
    row = _norris_row(mv)
    if row is None:
        return "no real-data figures recorded for this version"
    return (
        f"Norris-71 real ATLAS-CDFS test (seed 4.2, Table 3): correct {row['correct']}, "
        f"prime {row['prime']}, precision@0.5 {row['precision@0.5']:.3f}, "
        f"recall@0.5 {row['recall@0.5']:.3f} (python -m ml.evaluation.norris71)"
    )
