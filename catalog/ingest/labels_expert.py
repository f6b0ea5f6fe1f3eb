"""A plain expert CSV of host decisions -> ``Label`` rows (origin ``expert``).

Columns: ``component`` (a component name) *or* ``ra``, ``dec`` (deg; the nearest
component within ``match_radius_arcsec`` is labelled), ``host_ra``, ``host_dec`` (deg) or
the word ``none`` in ``host_ra`` for "no host", ``author``, ``reason``. A relabel of a
component that already has an expert label supersedes it (labels are never edited).
The host position is linked to the nearest PS1 object within ``host_radius_arcsec``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from django.contrib.auth import get_user_model

from catalog.ingest.common import (
    DuplicateChecker,
    IngestReport,
    cell_error,
    existing_file,
    parse_radec,
    run_ingest,
)
from catalog.ingest.crossmatch import nearest_within
from catalog.ingest.csv_rows import iter_csv_chunks
from catalog.ingest.label_rows import put_labels
from catalog.models import Label, OpticalSource, RadioComponent

ORIGIN = Label.Origin.EXPERT
REQUIRED = ("host_ra", "host_dec", "author", "reason")
MATCH_RADIUS_ARCSEC = 1.0
HOST_RADIUS_ARCSEC = 1.0  # an expert clicks on the optical source itself


def ingest_expert(
    path: str | Path,
    *,
    match_radius_arcsec: float = MATCH_RADIUS_ARCSEC,
    host_radius_arcsec: float = HOST_RADIUS_ARCSEC,
    dry_run: bool = False,
    progress=None,
) -> IngestReport:
    """Ingest an expert label CSV (one transaction)."""
    path = existing_file(path)
    report = IngestReport(source=f"expert {path.name}", dry_run=dry_run)

    def work(rep: IngestReport) -> None:
        users = {u.username: u.pk for u in get_user_model().objects.all()}
        dups = DuplicateChecker(path, "component")
        rows = []
        for header, chunk in iter_csv_chunks(path, required=REQUIRED):
            by_name = "component" in header
            if not by_name and not {"ra", "dec"} <= set(header):
                raise cell_error(path, 1, None, "needs a 'component' column or 'ra' and 'dec'")
            for line, r in chunk:
                name = r.get("component", "").strip()
                if name:
                    qs = RadioComponent.objects.filter(name=name)
                    pks = list(qs.values_list("pk", flat=True)[:2])
                    if len(pks) != 1:
                        raise cell_error(
                            path,
                            line,
                            "component",
                            f"{name!r} matches {'no' if not pks else 'more than one'} component",
                        )
                    comp, sep = pks[0], None
                else:
                    ra, dec = parse_radec(
                        path, line, r.get("ra"), r.get("dec"), ra_col="ra", dec_col="dec"
                    )
                    m = nearest_within(
                        RadioComponent.objects.all(), [ra], [dec], match_radius_arcsec
                    )
                    if m.pk[0] < 0:
                        raise cell_error(
                            path,
                            line,
                            "ra",
                            f"no component within {match_radius_arcsec}″ of ({ra}, {dec})",
                        )
                    comp, sep = int(m.pk[0]), float(m.sep_arcsec[0])
                dups.check(str(comp), line)
                author = r["author"].strip()
                if not author:
                    raise cell_error(path, line, "author", "missing value")
                d = {
                    "component_id": comp,
                    "match_separation_arcsec": sep,
                    "author_name": author,
                    "author_id": users.get(author),
                    "reason": r["reason"].strip(),
                }
                if r["host_ra"].strip().lower() == "none":
                    d["no_host"] = True
                else:
                    hra, hdec = parse_radec(
                        path,
                        line,
                        r["host_ra"],
                        r["host_dec"],
                        ra_col="host_ra",
                        dec_col="host_dec",
                    )
                    d.update(host_ra=hra, host_dec=hdec)
                rows.append(d)
        has = [i for i, d in enumerate(rows) if "host_ra" in d]
        m = nearest_within(
            OpticalSource.objects.all(),
            np.array([rows[i]["host_ra"] for i in has]),
            np.array([rows[i]["host_dec"] for i in has]),
            host_radius_arcsec,
        )
        for j, i in enumerate(has):
            if m.pk[j] >= 0:
                rows[i].update(
                    host_id=int(m.pk[j]), host_match_separation_arcsec=float(m.sep_arcsec[j])
                )
        put_labels(rows, origin=ORIGIN, report=rep)
        if progress is not None:
            progress.update(len(rows))

    return run_ingest(work, report)
