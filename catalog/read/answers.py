"""The one place that computes a component's answer: host, ranked candidates, labels, epochs.

Used by the REST API (``catalog/api``) and the HTML pages, so both always show the same
host, the same ranking and the same label history. Output is plain dataclasses; nothing
here renders or serialises.

Its neighbours, one role each: which model version is shown (:mod:`catalog.methods.versions`), the
host-catalogue rows (:mod:`catalog.read.host_catalogue`), the epoch history
(:mod:`catalog.read.epoch_history`) and the name lookup (:mod:`catalog.read.names`).

Query budget (the API's detail/plain ratio depends on it): :func:`component_answer` runs a
fixed number of queries whatever the number of candidates or labels — the component, its
candidates (optical photometry, host prediction and class prediction joined in one query),
its labels, its source's components, its other-epoch matches, their hosts (2) and their
epoch-diff entries.

Reliability (beyond the seed) is what a survey's host table calls ``Rel`` (cf. Gordon et al.
2023): the stored likelihood-ratio reliability with its no-counterpart term
(:mod:`ml.host.likelihood_ratio`), and the field's ``p_no_host``; where a field's rows carry
none (written before it was stored, logged external outputs) the per-field posterior of
:func:`ml.host.decision.field_posterior`, LR_i / Σ_j LR_j with LR = p/(1-p). Seed §4.2's
prime/positive flags stay as stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from django.db.models import F, FilteredRelation, Q

from catalog.methods.versions import (
    UnknownModelVersion,
    default_model_version,
    resolve_model_version,
)
from catalog.models import Candidate, Label, ModelVersion, RadioComponent
from catalog.models.labels import ORIGIN_PRIORITY
from catalog.read.epoch_history import EpochEntry, epoch_history
from catalog.read.host_catalogue import HostRow, host_rows
from catalog.read.names import find_by_name
from ml.host.decision import field_posterior
from ml.host.likelihood_ratio import is_no_host
from ml.sky import separation_arcsec

# Re-exported: callers (tests, bench scripts) knew these as catalog.read.answers.* before the split
# by role; new code imports them from their own modules.
__all__ = [
    "PHOTOMETRY",
    "CandidateAnswer",
    "ComponentAnswer",
    "EpochEntry",
    "HostRow",
    "LabelAnswer",
    "UnknownModelVersion",
    "component_answer",
    "current_label",
    "default_model_version",
    "epoch_history",
    "find_by_name",
    "host_rows",
    "label_answers",
    "resolve_model_version",
    "separation_arcsec",
]

PHOTOMETRY = (
    "g_mag",
    "e_g_mag",
    "r_mag",
    "e_r_mag",
    "i_mag",
    "e_i_mag",
    "z_mag",
    "e_z_mag",
    "y_mag",
    "e_y_mag",
    "w1_mag",
    "e_w1_mag",
    "w2_mag",
    "e_w2_mag",
)

# ---------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class CandidateAnswer:
    """One optical candidate of a component, as ranked by the chosen host model version.

    ``likelihood``/``rank``/``is_positive``/``is_prime`` are None when the version has not
    scored this candidate; ``reliability`` is the stored likelihood-ratio reliability (the
    per-field posterior for rows without one; None likewise) and ``p_no_host`` the field's
    probability that none of its candidates is the host (None where not stored).
    ``separation_arcsec`` is component ↔ optical source (great circle); ``dx_px``/``dy_px``
    are the 1″/px cutout offsets of ``Candidate``. Magnitudes: PS1 AB, AllWISE Vega.
    """

    candidate_id: int
    optical_id: int
    catalogue: str
    source_id: str
    ra: float
    dec: float
    separation_arcsec: float
    dx_px: float
    dy_px: float
    likelihood: float | None
    rank: int | None
    is_positive: bool | None
    is_prime: bool | None
    reliability: float | None
    p_no_host: float | None
    p_galaxy: float | None
    p_qso: float | None
    p_star: float | None
    photometry: dict[str, float | None]


@dataclass(frozen=True)
class LabelAnswer:
    """One label of a component. ``author`` is the labeller's username (show it to curators
    only: :func:`catalog.labels.writer.can_see_labellers`); ``author_name`` the catalogue or person."""

    id: int
    origin: str
    host_id: int | None
    host_ra: float | None
    host_dec: float | None
    no_host: bool
    consensus_level: float | None
    reason: str
    author: str | None
    author_name: str
    created_at: object
    supersedes_id: int | None
    is_current: bool


@dataclass
class ComponentAnswer:
    """Everything the API's component detail and the component page show.

    ``component`` is the ``RadioComponent`` (epoch, survey and source selected); ``host`` is
    the rank-1 candidate (None without predictions); ``label`` the current label by
    ``catalog.models.labels.ORIGIN_PRIORITY`` (expert first, newest within an origin);
    ``labels`` the whole history, oldest first; ``source_components`` the other components
    grouped with it; ``epochs`` one entry per epoch, oldest first, this one included.
    """

    component: RadioComponent
    model_version: ModelVersion | None
    classifier_version: ModelVersion | None
    host: CandidateAnswer | None
    candidates: list[CandidateAnswer]
    label: LabelAnswer | None
    labels: list[LabelAnswer]
    source_components: list[dict] = field(default_factory=list)
    epochs: list[EpochEntry] = field(default_factory=list)

    @property
    def p_no_host(self) -> float | None:
        """P(none of the candidates is the host); None where the version did not store it."""
        return None if self.host is None else self.host.p_no_host

    @property
    def no_host(self) -> bool:
        """The answer is "no host found" (:func:`ml.host.likelihood_ratio.is_no_host`)."""
        return self.host is not None and is_no_host(self.host.reliability, self.p_no_host)

    def as_dict(self) -> dict:
        """Plain dict (the component as its id, name and epoch only)."""
        out = {k: v for k, v in asdict(self).items() if k not in ("component",)}
        c = self.component
        out["component"] = {"id": c.pk, "name": c.name, "ra": c.ra, "dec": c.dec}
        out["p_no_host"], out["no_host"] = self.p_no_host, self.no_host
        for key in ("model_version", "classifier_version"):
            mv = getattr(self, key)
            out[key] = None if mv is None else {"id": mv.pk, "name": mv.name}
        return out


# ---------------------------------------------------------------- helpers


def _candidate_rows(component_id: int, mv_id: int | None, clf_id: int | None) -> list[dict]:
    qs = Candidate.objects.filter(component_id=component_id)
    cols = ["id", "optical_source_id", "dx_px", "dy_px", "distance_px"]
    cols += [f"optical_source__{f}" for f in ("catalogue", "source_id", "ra", "dec", *PHOTOMETRY)]
    if mv_id is not None:
        qs = qs.annotate(
            hp=FilteredRelation("predictions", condition=Q(predictions__model_version_id=mv_id))
        )
        cols += ["hp__likelihood", "hp__rank", "hp__is_positive", "hp__is_prime"]
        cols += ["hp__reliability", "hp__p_no_host"]
    if clf_id is not None:
        qs = qs.annotate(
            cp=FilteredRelation(
                "optical_source__class_predictions",
                condition=Q(optical_source__class_predictions__model_version_id=clf_id),
            )
        )
        cols += ["cp__p_galaxy", "cp__p_qso", "cp__p_star"]
    return list(qs.values(*cols))


def _candidates(component: RadioComponent, mv, clf) -> list[CandidateAnswer]:
    rows = _candidate_rows(component.pk, mv and mv.pk, clf and clf.pk)
    if not rows:
        return []
    sep = separation_arcsec(
        component.ra,
        component.dec,
        [r["optical_source__ra"] for r in rows],
        [r["optical_source__dec"] for r in rows],
    )
    lik = [r.get("hp__likelihood") for r in rows]
    scored = [i for i, v in enumerate(lik) if v is not None]
    rel: dict[int, float] = {}
    stored = [rows[i].get("hp__reliability") for i in scored]
    if scored and all(v is not None for v in stored):
        rel = dict(zip(scored, stored, strict=True))  # the LR reliability, as written
    elif scored:  # rows from before it was stored, or a version without it
        post = field_posterior([lik[i] for i in scored])
        rel = {i: float(p) for i, p in zip(scored, post, strict=True)}
    out = []
    for i, r in enumerate(rows):
        out.append(
            CandidateAnswer(
                candidate_id=r["id"],
                optical_id=r["optical_source_id"],
                catalogue=r["optical_source__catalogue"],
                source_id=r["optical_source__source_id"],
                ra=r["optical_source__ra"],
                dec=r["optical_source__dec"],
                separation_arcsec=float(sep[i]),
                dx_px=r["dx_px"],
                dy_px=r["dy_px"],
                likelihood=lik[i],
                rank=r.get("hp__rank"),
                is_positive=r.get("hp__is_positive"),
                is_prime=r.get("hp__is_prime"),
                reliability=rel.get(i),
                p_no_host=r.get("hp__p_no_host"),
                p_galaxy=r.get("cp__p_galaxy"),
                p_qso=r.get("cp__p_qso"),
                p_star=r.get("cp__p_star"),
                photometry={f: r[f"optical_source__{f}"] for f in PHOTOMETRY},
            )
        )
    # Ranked by the model; unscored candidates after, nearest first.
    out.sort(key=lambda c: (c.rank is None, c.rank or 0, c.separation_arcsec))
    return out


def label_answers(component_id: int) -> list[LabelAnswer]:
    """Every label of a component, oldest first (one query)."""
    rows = (
        Label.objects.filter(component_id=component_id)
        .annotate(newer_id=F("superseded_by__id"), username=F("author__username"))
        .order_by("created_at", "id")
        .values(
            "id",
            "origin",
            "host_id",
            "host_ra",
            "host_dec",
            "no_host",
            "consensus_level",
            "reason",
            "username",
            "author_name",
            "created_at",
            "supersedes_id",
            "newer_id",
        )
    )
    return [
        LabelAnswer(
            **{k: v for k, v in r.items() if k not in ("username", "newer_id")},
            author=r["username"],
            is_current=r["newer_id"] is None,
        )
        for r in rows
    ]


def current_label(labels: Iterable[LabelAnswer]) -> LabelAnswer | None:
    """The label that speaks for the component: expert first (ORIGIN_PRIORITY), newest within."""
    rank = {o: i for i, o in enumerate(ORIGIN_PRIORITY)}
    heads = [lab for lab in labels if lab.is_current]
    if not heads:
        return None
    return min(heads, key=lambda lab: (rank.get(lab.origin, len(rank)), -lab.id))


# ---------------------------------------------------------------- public


def component_answer(
    component: RadioComponent | int,
    *,
    model_version: ModelVersion | None | str = "default",
    classifier_version: ModelVersion | None | str = "default",
    epochs: bool = True,
) -> ComponentAnswer:
    """The whole answer for one component (a fixed, small number of queries).

    Parameters
    ----------
    component : RadioComponent or int
        The component or its id. Raises ``RadioComponent.DoesNotExist`` for an unknown id.
    model_version, classifier_version : ModelVersion, None or "default"
        Host / classifier version to show ("default": :func:`resolve_model_version`'s default;
        None: no predictions).
    epochs : bool
        Also match the position in the other epochs (two more queries).
    """
    if not isinstance(component, RadioComponent):
        component = RadioComponent.objects.select_related("epoch__survey", "source").get(
            pk=component
        )
    mv = resolve_model_version(None) if model_version == "default" else model_version
    clf = (
        resolve_model_version(None, kind=ModelVersion.Kind.CLASSIFIER)
        if classifier_version == "default"
        else classifier_version
    )
    candidates = _candidates(component, mv, clf)
    labels = label_answers(component.pk)
    source_components = []
    if component.source_id is not None:
        source_components = list(
            RadioComponent.objects.filter(source_id=component.source_id)
            .order_by("id")
            .values("id", "name", "ra", "dec", "total_flux_mjy", "peak_flux_mjy")
        )
    return ComponentAnswer(
        component=component,
        model_version=mv,
        classifier_version=clf,
        host=candidates[0] if candidates and candidates[0].rank is not None else None,
        candidates=candidates,
        label=current_label(labels),
        labels=labels,
        source_components=source_components,
        epochs=epoch_history(component, mv) if epochs else [],
    )
