"""A plain expert CSV of host decisions -> ``Label`` rows (origin ``expert``).

Columns: ``component`` (a component name) *or* ``ra``, ``dec`` (deg; the nearest
component within ``match_radius_arcsec`` is labelled), ``host_ra``, ``host_dec`` (deg) or
the word ``none`` in ``host_ra`` for "no host", ``author``, ``reason``, and optionally
``supersedes`` (the id of the label replaced; by default the component's current expert
label, else its only current label).

Every row goes through the one label writer,
:func:`catalog.labels.writer.write_expert_label`, under the rules the API enforces: a host
within reach of the component, a reason for "no host", one current expert label per
component. A rule broken on any row refuses the file, naming its line and column, and
nothing is stored. An identical re-run changes nothing. The host position is linked to the
nearest PS1 object within ``host_radius_arcsec``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from django.contrib.auth import get_user_model

from catalog.ingest.contract import (
    DuplicateChecker,
    IngestReport,
    cell_error,
    existing_file,
    parse_radec,
    run_ingest,
)
from catalog.ingest.crossmatch import nearest_within
from catalog.ingest.csv_rows import iter_csv_chunks
from catalog.labels.writer import (
    CURRENT,
    LabelConflict,
    LabelInputError,
    write_expert_label,
)
from catalog.models import Label, OpticalSource, RadioComponent

ORIGIN = Label.Origin.EXPERT

REQUIRED = ("host_ra", "host_dec", "author", "reason")
MATCH_RADIUS_ARCSEC = 1.0
HOST_RADIUS_ARCSEC = 1.0  # an expert clicks on the optical source itself


def _component(path, line: int, r: dict, match_radius_arcsec: float) -> tuple[int, str, float]:
    """``(pk, name, separation)`` of the row's component (by name, or nearest its ra/dec)."""
    name = r.get("component", "").strip()
    if name:
        found = list(RadioComponent.objects.filter(name=name).values_list("pk", flat=True)[:2])
        if len(found) != 1:
            raise cell_error(
                path,
                line,
                "component",
                f"{name!r} matches {'no' if not found else 'more than one'} component",
            )
        return found[0], name, None
    ra, dec = parse_radec(path, line, r.get("ra"), r.get("dec"), ra_col="ra", dec_col="dec")
    m = nearest_within(RadioComponent.objects.all(), [ra], [dec], match_radius_arcsec)
    if m.pk[0] < 0:
        raise cell_error(
            path, line, "ra", f"no component within {match_radius_arcsec}″ of ({ra}, {dec})"
        )
    pk = int(m.pk[0])
    return (
        pk,
        RadioComponent.objects.values_list("name", flat=True).get(pk=pk),
        float(m.sep_arcsec[0]),
    )


def _row(path, line: int, r: dict, comp: tuple, users: dict) -> dict:
    author = r["author"].strip()
    if not author:
        raise cell_error(path, line, "author", "missing value")
    d = {
        "component": comp[0],
        "match_separation_arcsec": comp[2],
        "author_name": author,
        "author": users.get(author),
        "reason": r["reason"],
        "supersedes": r.get("supersedes", "").strip() or CURRENT,
    }
    if r["host_ra"].strip().lower() == "none":
        d["no_host"] = True
    else:
        d["host_ra"], d["host_dec"] = parse_radec(
            path, line, r["host_ra"], r["host_dec"], ra_col="host_ra", dec_col="host_dec"
        )
    return d


def ingest_expert(
    path: str | Path,
    *,
    match_radius_arcsec: float = MATCH_RADIUS_ARCSEC,
    host_radius_arcsec: float = HOST_RADIUS_ARCSEC,
    dry_run: bool = False,
    progress=None,
) -> IngestReport:
    """Ingest an expert label CSV (one transaction; any refused row refuses the file)."""
    path = existing_file(path)
    report = IngestReport(source=f"expert {path.name}", dry_run=dry_run)

    def work(rep: IngestReport) -> None:
        users = {u.username: u for u in get_user_model().objects.all()}
        dups = DuplicateChecker(path, "component")
        rows = []
        for header, chunk in iter_csv_chunks(path, required=REQUIRED):
            if "component" not in header and not {"ra", "dec"} <= set(header):
                raise cell_error(path, 1, None, "needs a 'component' column or 'ra' and 'dec'")
            for line, r in chunk:
                comp = _component(path, line, r, match_radius_arcsec)
                dups.check(comp[1], line)  # names the component, not its database id
                rows.append((line, _row(path, line, r, comp, users)))
        has = [i for i, (_, d) in enumerate(rows) if "host_ra" in d]
        m = nearest_within(
            OpticalSource.objects.all(),
            np.array([rows[i][1]["host_ra"] for i in has]),
            np.array([rows[i][1]["host_dec"] for i in has]),
            host_radius_arcsec,
        )
        for j, i in enumerate(has):
            if m.pk[j] >= 0:
                rows[i][1]["host_link"] = (int(m.pk[j]), float(m.sep_arcsec[j]))
        counts = {"inserted": 0, "updated": 0, "unchanged": 0}
        for line, d in rows:
            try:
                label, created = write_expert_label(d.pop("component"), **d)
            except LabelInputError as exc:
                col, msg = next(iter(exc.errors.items()))
                raise cell_error(path, line, col if col in header else None, msg) from None
            except LabelConflict as exc:
                raise cell_error(path, line, "supersedes", str(exc)) from None
            # "updated": a new expert label superseding an expert one (a relabel); superseding a
            # catalogue's label adds the first expert label of the component
            relabelled = created and label.supersedes_id and label.supersedes.origin == ORIGIN
            counts["unchanged" if not created else "updated" if relabelled else "inserted"] += 1
        rep.add("Label", **counts)
        if progress is not None:
            progress.update(len(rows))

    return run_ingest(work, report)
