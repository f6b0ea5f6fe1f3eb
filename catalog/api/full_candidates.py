"""A component's whole candidate list for the API and page, beyond the stored top-K.

An epoch whose tiles made its candidates stores each component's top-K only
(:mod:`catalog.pipeline.tile_candidates`); ``?full=1`` on ``/api/components/<id>/candidates/``
asks for them all, recomputed by :func:`catalog.pipeline.full_list.full_candidates` (one sky
read, one optical cone, the tile's own scoring) and answered in the shape of the stored
ones (:class:`catalog.read.answers.CandidateAnswer`); rows not stored have no
``candidate_id``. For any other epoch the stored list is already the full one.
"""

from __future__ import annotations

from dataclasses import replace

from catalog.models import OpticalSource, RadioComponent
from catalog.pipeline.full_list import full_candidates
from catalog.read.answers import PHOTOMETRY, CandidateAnswer
from ml.sky import separation_arcsec


def full_candidate_answers(
    component: RadioComponent, stored: list[CandidateAnswer], mv
) -> list[CandidateAnswer]:
    """Every candidate of ``component`` as ``mv`` ranks it (``stored``: its stored answers)."""
    if mv is None or not component.epoch.candidates_in_tiles:
        return stored
    fl = full_candidates(component, mv)
    p = fl.predictions
    if not len(p):
        return stored
    by_opt = {c.optical_id: c for c in stored}
    missing = [o for o in fl.pairs.optical_id.tolist() if o not in by_opt]
    rows = {
        r["pk"]: r
        for r in OpticalSource.objects.filter(pk__in=missing).values(
            "pk", "catalogue", "source_id", "ra", "dec", *PHOTOMETRY
        )
    }

    def col(a, k):
        return None if a is None else float(a[k])

    out = []
    for k, o in enumerate(fl.pairs.optical_id.tolist()):
        scored = {"likelihood": float(p.likelihood[k]), "rank": int(p.rank[k]),
                  "is_positive": bool(p.is_positive[k]), "is_prime": bool(p.is_prime[k]),
                  "reliability": col(p.reliability, k), "p_no_host": col(p.p_no_host, k)}  # fmt: skip
        if o in by_opt:
            out.append(replace(by_opt[o], **scored))
            continue
        r = rows[o]
        sep = float(separation_arcsec(component.ra, component.dec, [r["ra"]], [r["dec"]])[0])
        out.append(
            CandidateAnswer(
                candidate_id=None, optical_id=o, catalogue=r["catalogue"],
                source_id=r["source_id"], ra=r["ra"], dec=r["dec"], separation_arcsec=sep,
                dx_px=float(fl.pairs.dx[k]), dy_px=float(fl.pairs.dy[k]), **scored,
                p_galaxy=None, p_qso=None, p_star=None,
                photometry={f: r[f] for f in PHOTOMETRY},
            )
        )  # fmt: skip
    out.sort(key=lambda c: c.rank)
    return out
