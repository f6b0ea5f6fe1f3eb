"""The host catalogue: one row per component, its best candidate under one model version.

The table a survey team publishes (cf. the CIRADA VLASS host table, Gordon et al. 2023, with
its LR and ``Rel`` columns): :func:`host_rows` builds the rows of a batch of components in two
queries, so the API's pages and exports scale with rows, not with queries, and
:func:`reliability_expression` is the same reliability as a SQL expression, for filtering
(``/api/hosts/?reliability_min=``) without fetching any candidate.

Reliability (beyond the seed) is what a survey's host table calls ``Rel`` (cf. Gordon et al.
2023): the stored ``HostPrediction.reliability``, the likelihood-ratio reliability with a
"no counterpart" term (:mod:`ml.host.likelihood_ratio`), beside the field's ``p_no_host``.
Rows written before it was stored (or by a version that does not compute it, e.g. logged
external outputs) fall back to the per-field posterior of
:func:`ml.host.decision.field_posterior` — LR_i / Σ_j LR_j with LR = p/(1-p), no no-host
term — and have no ``p_no_host``. Seed §4.2's prime/positive flags stay as stored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Least
from django.db.models.lookups import GreaterThan, IsNull

from catalog.models import HostPrediction, ModelVersion, RadioComponent
from ml.host.likelihood_ratio import is_no_host
from ml.sky import separation_arcsec

#: Likelihoods are clamped below 1 in the SQL form of the field posterior so that a
#: candidate at exactly 1 has finite odds (ml.host.decision gives such candidates all the
#: weight; at this clamp the two forms agree to ~1e-12).
_P_MAX = 1.0 - 1e-12


@dataclass(frozen=True)
class HostRow:
    """A host-catalogue row: one component, its best candidate under one model version."""

    component_id: int
    model_version_id: int | None
    optical_id: int | None = None
    catalogue: str | None = None
    source_id: str | None = None
    ra: float | None = None
    dec: float | None = None
    separation_arcsec: float | None = None
    likelihood: float | None = None
    reliability: float | None = None
    is_positive: bool | None = None
    is_prime: bool | None = None
    n_candidates: int = 0
    p_no_host: float | None = None

    @property
    def no_host(self) -> bool:
        """The answer is "no host found" (:func:`ml.host.likelihood_ratio.is_no_host`)."""
        return self.model_version_id is not None and is_no_host(self.reliability, self.p_no_host)


def host_rows(
    components: Sequence[RadioComponent | dict], mv: ModelVersion | None
) -> list[HostRow]:
    """Host-catalogue rows for a batch of components, in the given order (two queries).

    ``components`` are ``RadioComponent`` instances or dicts with ``id``, ``ra``, ``dec``.
    The reliability is the best candidate's stored one; without it, the field posterior
    (:func:`ml.host.decision.field_posterior`) computed as Σ-odds in SQL so a batch never
    fetches every candidate's likelihood.
    """

    def get(c, k):
        return c[k] if isinstance(c, dict) else getattr(c, k)

    ids = [get(c, "id") for c in components]
    if mv is None or not ids:
        return [HostRow(component_id=i, model_version_id=None) for i in ids]
    preds = HostPrediction.objects.filter(model_version_id=mv.pk, candidate__component_id__in=ids)
    p = Least(F("likelihood"), _P_MAX, output_field=FloatField())
    sums = {
        r["candidate__component_id"]: r
        for r in preds.values("candidate__component_id").annotate(
            odds=Sum(p / (1.0 - p), output_field=FloatField()), n=Count("id")
        )
    }
    best: dict[int, dict] = {}
    for r in (
        preds.filter(rank=1)
        .order_by("-likelihood", "id")
        .values(
            "candidate__component_id",
            "likelihood",
            "reliability",
            "p_no_host",
            "is_positive",
            "is_prime",
            "candidate__optical_source_id",
            "candidate__optical_source__catalogue",
            "candidate__optical_source__source_id",
            "candidate__optical_source__ra",
            "candidate__optical_source__dec",
        )
    ):
        best.setdefault(r["candidate__component_id"], r)
    out = []
    for c in components:
        cid = get(c, "id")
        b, s = best.get(cid), sums.get(cid)
        if b is None:
            out.append(HostRow(component_id=cid, model_version_id=mv.pk))
            continue
        lik = b["likelihood"]
        odds_b = min(lik, _P_MAX) / (1.0 - min(lik, _P_MAX))
        rel = odds_b / s["odds"] if s["odds"] > 0 else 1.0 / s["n"]
        if b["reliability"] is not None:
            rel = b["reliability"]
        ora, odec = b["candidate__optical_source__ra"], b["candidate__optical_source__dec"]
        out.append(
            HostRow(
                component_id=cid,
                model_version_id=mv.pk,
                optical_id=b["candidate__optical_source_id"],
                catalogue=b["candidate__optical_source__catalogue"],
                source_id=b["candidate__optical_source__source_id"],
                ra=ora,
                dec=odec,
                separation_arcsec=float(separation_arcsec(get(c, "ra"), get(c, "dec"), ora, odec)),
                likelihood=lik,
                reliability=rel,
                is_positive=b["is_positive"],
                is_prime=b["is_prime"],
                n_candidates=int(s["n"]),
                p_no_host=b["p_no_host"],
            )
        )
    return out


def reliability_expression(mv: ModelVersion | None):
    """The reliability column of :func:`host_rows` as a SQL expression on ``RadioComponent``.

    Annotate a component queryset with it to filter or sort the host catalogue in the
    database (``/api/hosts/?reliability_min=``): the best candidate's stored reliability;
    without one, its odds over the field's
    summed odds, 1/n when every likelihood is 0, NULL without a scored best candidate (so a
    reliability bound leaves such components out). Same clamp and the same arithmetic as
    :func:`host_rows` (only the summation order may differ: ~1e-16), on PostgreSQL and SQLite.
    """
    if mv is None:
        return Value(None, output_field=FloatField())
    preds = HostPrediction.objects.filter(
        model_version_id=mv.pk, candidate__component_id=OuterRef("pk")
    ).order_by()
    p = Least(F("likelihood"), _P_MAX, output_field=FloatField())
    odds = ExpressionWrapper(p / (1.0 - p), output_field=FloatField())
    per_field = preds.values("candidate__component_id")
    total = Subquery(
        per_field.annotate(s=Sum(odds, output_field=FloatField())).values("s")[:1],
        output_field=FloatField(),
    )
    n = Subquery(per_field.annotate(n=Count("id")).values("n")[:1])
    best = Subquery(
        preds.filter(rank=1).order_by("-likelihood", "id").annotate(o=odds).values("o")[:1],
        output_field=FloatField(),
    )
    stored = Subquery(
        preds.filter(rank=1).order_by("-likelihood", "id").values("reliability")[:1],
        output_field=FloatField(),
    )
    posterior = Case(
        When(GreaterThan(total, 0.0), then=best / total),
        When(IsNull(best, False), then=Value(1.0) / Cast(n, FloatField())),
        default=Value(None, output_field=FloatField()),
        output_field=FloatField(),
    )
    return Coalesce(stored, posterior, output_field=FloatField())
