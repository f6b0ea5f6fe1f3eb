"""Reader for the seed authors' per-candidate log of their test set (Lou, Lake & Tsai 2023).

``lou2023_galaxyclassifier_notes/RGZ_all_negative_Norris_testing_notes1.csv``, read from
``ml.paths.data_dir()``: 71 VLASS components in CDFS, their PS1 candidates (objID, RA, Dec),
the authors' optical class probabilities (model A, seed §3.2), host likelihoods (model B,
seed §3.3) and the ground truth (the Norris 2006 host, re-identified as a PS1 object).

15 fields list some candidates twice (identical rows: same objID, position, probabilities and
likelihood); they are kept once per field and counted as duplicates. This does not change any
argmax or nearest-neighbour decision. The join with Norris 2006 is :mod:`ml.data.norris71`.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from ml.data.jname import parse_j_name
from ml.paths import data_dir as _data_dir

LOU2023_TESTSET = (
    Path("lou2023_galaxyclassifier_notes") / "RGZ_all_negative_Norris_testing_notes1.csv"
)


LOU2023_COLUMNS = (
    "VLASS_component_name",
    "PS source id",
    "PS source ra",
    "PS source dec",
    "Galaxy_prob",
    "QSO_prob",
    "STAR_prob",
    "Non-host likelihood",
    "Host likelihood",
    "Groud_Truth",  # sic, as written by the authors
    "Prediction",
)


@dataclass(frozen=True)
class Candidate:
    """One PS1 candidate of one VLASS component, as logged by the seed authors.

    Attributes
    ----------
    objid : int
        PS1 DR2 objID.
    ra, dec : float
        PS1 position (deg).
    galaxy_prob, qso_prob, star_prob : float
        The authors' optical classifier (model A, seed §3.2) probabilities.
    host_likelihood, nonhost_likelihood : float
        The authors' host identifier (model B, seed §3.3) outputs.
    is_host : bool
        Ground truth: this PS1 object is the Norris 2006 host.
    authors_prediction : int
        The authors' logged 0/1 decision (host likelihood > 0.5).
    """

    objid: int
    ra: float
    dec: float
    galaxy_prob: float
    qso_prob: float
    star_prob: float
    host_likelihood: float
    nonhost_likelihood: float
    is_host: bool
    authors_prediction: int


def _float_cell(path: Path, lineno: int, column: str, value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise ValueError(
            f"{path}: row {lineno}, column {column!r}: not a number: {value!r}"
        ) from None
    if not math.isfinite(x):
        raise ValueError(f"{path}: row {lineno}, column {column!r}: not finite: {value!r}")
    return x


def read_lou2023_testset(path: str | Path | None = None) -> tuple[list[tuple], int]:
    """Parse the authors' test-set log into ``(vlass_name, [Candidate, ...], n_dup)`` per field.

    Parameters
    ----------
    path : str or Path, optional
        Default ``data_dir() / LOU2023_TESTSET``.

    Returns
    -------
    fields : list of (str, list of Candidate, int)
        Per VLASS component, in first-appearance order: its name, unique candidates and the
        number of dropped duplicate rows.
    n_rows : int
        Data rows read.

    Raises
    ------
    ValueError
        On a wrong header, a non-numeric cell, a probability outside [0, 1], a non-0/1 truth,
        a duplicated objID with different values, or a field without exactly one host. The
        message names the file, the row and the column.
    """
    path = Path(path) if path is not None else _data_dir() / LOU2023_TESTSET
    with open(path, newline="") as fh:
        reader = csv.reader(fh, skipinitialspace=True)
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != LOU2023_COLUMNS:
            raise ValueError(f"{path}: row 1: header {header!r} is not {list(LOU2023_COLUMNS)!r}")
        per_field: dict[str, list[Candidate]] = {}
        seen: dict[tuple[str, int], Candidate] = {}
        dups: dict[str, int] = {}
        n_rows = 0
        for lineno, row in enumerate(reader, start=2):
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(LOU2023_COLUMNS):
                raise ValueError(
                    f"{path}: row {lineno}: expected {len(LOU2023_COLUMNS)} columns, got {len(row)}"
                )
            n_rows += 1
            name = row[0].strip()
            parse_j_name(name)  # validate early so the error names the row
            try:
                objid = int(row[1])
            except ValueError:
                raise ValueError(
                    f"{path}: row {lineno}, column 'PS source id': not an integer: {row[1]!r}"
                ) from None
            vals = {
                col: _float_cell(path, lineno, col, row[i])
                for i, col in enumerate(LOU2023_COLUMNS)
                if i >= 2
            }
            for col in (
                "Galaxy_prob",
                "QSO_prob",
                "STAR_prob",
                "Non-host likelihood",
                "Host likelihood",
            ):
                if not 0.0 <= vals[col] <= 1.0:
                    raise ValueError(
                        f"{path}: row {lineno}, column {col!r}: {vals[col]} is not a probability in [0, 1]"
                    )
            for col in ("Groud_Truth", "Prediction"):
                if vals[col] not in (0.0, 1.0):
                    raise ValueError(
                        f"{path}: row {lineno}, column {col!r}: {row[LOU2023_COLUMNS.index(col)]!r} is not 0 or 1"
                    )
            cand = Candidate(
                objid=objid,
                ra=vals["PS source ra"],
                dec=vals["PS source dec"],
                galaxy_prob=vals["Galaxy_prob"],
                qso_prob=vals["QSO_prob"],
                star_prob=vals["STAR_prob"],
                host_likelihood=vals["Host likelihood"],
                nonhost_likelihood=vals["Non-host likelihood"],
                is_host=vals["Groud_Truth"] == 1.0,
                authors_prediction=int(vals["Prediction"]),
            )
            key = (name, objid)
            if key in seen:
                if seen[key] != cand:
                    raise ValueError(
                        f"{path}: row {lineno}: PS1 objID {objid} repeated in field {name!r} "
                        "with different values"
                    )
                dups[name] = dups.get(name, 0) + 1
                continue
            seen[key] = cand
            per_field.setdefault(name, []).append(cand)
    for name, cands in per_field.items():
        n_host = sum(c.is_host for c in cands)
        if n_host != 1:
            raise ValueError(
                f"{path}: field {name!r}: column 'Groud_Truth' marks {n_host} hosts, expected exactly 1"
            )
    return [(n, c, dups.get(n, 0)) for n, c in per_field.items()], n_rows
