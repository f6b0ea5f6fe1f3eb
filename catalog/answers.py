"""The one place that computes a component's answer: host, ranked candidates, labels, epochs.

Used by the REST API (``catalog/api``) and the HTML pages, so both always show the same
host, the same ranking and the same label history. Output is plain dataclasses; nothing
here renders or serialises.

Which predictions: one host ``ModelVersion`` at a time. By default the *current method*
(:func:`default_model_version`: the active host version; while none is active, the
published-defaults association method the pipeline writes with), never an external model's
logged outputs unless a caller names it (:func:`resolve_model_version`). Class
probabilities come from the active classifier version unless one is named.

Query budget (the API's detail/plain ratio depends on it): :func:`component_answer` runs a
fixed number of queries whatever the number of candidates or labels — the component, its
candidates (optical photometry, host prediction and class prediction joined in one query),
its labels, its source's components, its other-epoch matches, their hosts (2) and their
epoch-diff entries — and
:func:`host_rows` runs two per batch of components, so the host catalogue's pages and
exports scale with rows, not with queries.

Reliability (beyond the seed): the per-field posterior of :func:`ml.host.decision.field_posterior`
— P(candidate is *the* host) = LR_i / Σ_j LR_j with LR = p/(1-p) — is what a survey's host
table calls ``Rel`` (cf. Gordon et al. 2023); seed §4.2's prime/positive flags stay as stored.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
from django.db.models import Count, F, FilteredRelation, FloatField, Q, Sum
from django.db.models.functions import Least

from ml.host.decision import field_posterior
from ml.norris import parse_j_name

from .identify import METHOD_NAME
from .ingest.lou2023_testset import canonical_vlass_name
from .models import Candidate, HostPrediction, Label, ModelVersion, RadioComponent
from .relabel import ORIGIN_PRIORITY

#: Two catalogue rows of different epochs are the same component within
#: ``settings.RADIOHOST_EPOCH_MATCH_ARCSEC`` — the radius the epoch diff matches with
#: (catalog.pipeline.diff), so the history and the diff agree.
#: A J-name truncates the position to 0.01 s / 0.1″; a cone of this radius holds the row.
NAME_LOOKUP_ARCSEC = 1.0
#: Likelihoods are clamped below 1 in the SQL form of the field posterior so that a
#: candidate at exactly 1 has finite odds (ml.host.decision gives such candidates all the
#: weight; at this clamp the two forms agree to ~1e-12).
_P_MAX = 1.0 - 1e-12

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


class UnknownModelVersion(LookupError):
    """``?model_version=`` names no ModelVersion of the required kind (the API answers 400)."""


# ---------------------------------------------------------------- model versions


def default_model_version() -> ModelVersion | None:
    """The host version whose predictions are shown by default.

    The active host version; while none is active, the published-defaults association
    method (``catalog.identify.METHOD_NAME``) that the pipeline writes with. Never an
    external version. None when neither exists (then answers carry no predictions).
    Read-only: unlike ``identify.current_method_version`` it never creates a row.
    """
    rows = list(
        ModelVersion.objects.filter(kind=ModelVersion.Kind.HOST).filter(
            Q(status=ModelVersion.Status.ACTIVE) | Q(name=METHOD_NAME)
        )
    )
    active = [m for m in rows if m.status == ModelVersion.Status.ACTIVE]
    return (active or rows or [None])[0]


def resolve_model_version(value: str | int | None, *, kind: str = ModelVersion.Kind.HOST):
    """A ModelVersion of ``kind`` by id or name; ``None``/``""`` gives the default.

    The default is :func:`default_model_version` for hosts and the active classifier for
    classifiers (None if there is none). Raises :class:`UnknownModelVersion` naming the value.
    """
    if value in (None, ""):
        if kind == ModelVersion.Kind.HOST:
            return default_model_version()
        return ModelVersion.objects.filter(kind=kind, status=ModelVersion.Status.ACTIVE).first()
    text = str(value).strip()
    q = Q(name=text)
    if text.isdigit() and len(text) < 19:  # an id; longer digit strings overflow BIGINT
        q |= Q(pk=int(text))
    mv = ModelVersion.objects.filter(q, kind=kind).first()
    if mv is None:
        raise UnknownModelVersion(f"no {kind} model version with id or name {text!r}")
    return mv


# ---------------------------------------------------------------- dataclasses


@dataclass(frozen=True)
class CandidateAnswer:
    """One optical candidate of a component, as ranked by the chosen host model version.

    ``likelihood``/``rank``/``is_positive``/``is_prime`` are None when the version has not
    scored this candidate; ``reliability`` is the per-field posterior (None likewise).
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
    p_galaxy: float | None
    p_qso: float | None
    p_star: float | None
    photometry: dict[str, float | None]


@dataclass(frozen=True)
class LabelAnswer:
    """One label of a component. ``author`` is the labeller's username (show it to curators
    only: :func:`catalog.labelling.can_see_labellers`); ``author_name`` the catalogue or person."""

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


@dataclass(frozen=True)
class EpochEntry:
    """The same sky position in one epoch: its component there and its host then.

    ``change`` is the epoch diff's verdict for that component against the previous epoch
    (``new``, ``changed``; None when unchanged or no diff was recorded), with its
    ``host_changed`` / ``likelihood_moved`` flags.
    """

    epoch_id: int
    survey: str
    epoch: str
    epoch_state: str
    component_id: int
    component_name: str
    separation_arcsec: float
    host: HostRow
    change: str | None = None
    host_changed: bool | None = None
    likelihood_moved: bool | None = None


@dataclass
class ComponentAnswer:
    """Everything the API's component detail and the component page show.

    ``component`` is the ``RadioComponent`` (epoch, survey and source selected); ``host`` is
    the rank-1 candidate (None without predictions); ``label`` the current label by
    ``catalog.relabel.ORIGIN_PRIORITY`` (expert first, newest within an origin);
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

    def as_dict(self) -> dict:
        """Plain dict (the component as its id, name and epoch only)."""
        out = {k: v for k, v in asdict(self).items() if k not in ("component",)}
        c = self.component
        out["component"] = {"id": c.pk, "name": c.name, "ra": c.ra, "dec": c.dec}
        for key in ("model_version", "classifier_version"):
            mv = getattr(self, key)
            out[key] = None if mv is None else {"id": mv.pk, "name": mv.name}
        return out


# ---------------------------------------------------------------- helpers


def separation_arcsec(ra0, dec0, ra, dec) -> np.ndarray:
    """Great-circle separation (haversine, accurate at sub-arcsec) of degrees arrays, in arcsec."""
    ra0, dec0 = np.radians(ra0), np.radians(dec0)
    ra, dec = np.radians(np.asarray(ra, float)), np.radians(np.asarray(dec, float))
    hav = np.sin((dec - dec0) / 2) ** 2 + np.cos(dec0) * np.cos(dec) * np.sin((ra - ra0) / 2) ** 2
    return np.degrees(2 * np.arcsin(np.sqrt(np.clip(hav, 0, 1)))) * 3600.0


def _candidate_rows(component_id: int, mv_id: int | None, clf_id: int | None) -> list[dict]:
    qs = Candidate.objects.filter(component_id=component_id)
    cols = ["id", "optical_source_id", "dx_px", "dy_px", "distance_px"]
    cols += [f"optical_source__{f}" for f in ("catalogue", "source_id", "ra", "dec", *PHOTOMETRY)]
    if mv_id is not None:
        qs = qs.annotate(
            hp=FilteredRelation("predictions", condition=Q(predictions__model_version_id=mv_id))
        )
        cols += ["hp__likelihood", "hp__rank", "hp__is_positive", "hp__is_prime"]
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
    if scored:
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


def host_rows(
    components: Sequence[RadioComponent | dict], mv: ModelVersion | None
) -> list[HostRow]:
    """Host-catalogue rows for a batch of components, in the given order (two queries).

    ``components`` are ``RadioComponent`` instances or dicts with ``id``, ``ra``, ``dec``.
    The reliability is :func:`ml.host.decision.field_posterior` of the best candidate, computed
    as Σ-odds in SQL so a batch never fetches every candidate's likelihood.
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
            )
        )
    return out


def epoch_history(component: RadioComponent, mv: ModelVersion | None) -> list[EpochEntry]:
    """This position in every epoch of the component's survey, with the host found there and
    what the epoch diff recorded (three queries).

    Matched by position (within ``settings.RADIOHOST_EPOCH_MATCH_ARCSEC``, as the diff
    matches; VLASS names change between epochs as the fitted position moves), nearest row
    per epoch, oldest epoch first.
    """
    import astropy.units as u
    from django.conf import settings

    from .models import EpochDiffEntry
    from .spatial import ConeCentre

    radius = getattr(settings, "RADIOHOST_EPOCH_MATCH_ARCSEC", 2.0)
    rows = list(
        RadioComponent.objects.filter(epoch__survey_id=component.epoch.survey_id)
        .cone_search(ConeCentre(component.ra, component.dec), radius * u.arcsec)
        .order_by("epoch__observed_start", "epoch_id", "separation_arcsec")
        .values(
            "id",
            "name",
            "ra",
            "dec",
            "epoch_id",
            "epoch__name",
            "epoch__state",
            "separation_arcsec",
        )
    )
    nearest: dict[int, dict] = {}
    for r in rows:
        nearest.setdefault(r["epoch_id"], r)
    picked = list(nearest.values())
    hosts = host_rows(picked, mv)
    changes = {
        e["component_b_id"]: e
        for e in EpochDiffEntry.objects.filter(component_b_id__in=[r["id"] for r in picked])
        .order_by("diff__created_at")
        .values("component_b_id", "kind", "host_changed", "likelihood_moved")
    }
    survey = component.epoch.survey.name
    out = []
    for r, h in zip(picked, hosts, strict=True):
        ch = changes.get(r["id"], {})
        out.append(
            EpochEntry(
                epoch_id=r["epoch_id"],
                survey=survey,
                epoch=r["epoch__name"],
                epoch_state=r["epoch__state"],
                component_id=r["id"],
                component_name=r["name"],
                separation_arcsec=float(r["separation_arcsec"]),
                host=h,
                change=ch.get("kind"),
                host_changed=ch.get("host_changed"),
                likelihood_moved=ch.get("likelihood_moved"),
            )
        )
    return out


def find_by_name(name: str, queryset=None) -> list[RadioComponent]:
    """Components named ``name``: the CIRADA name, the bare J-name, or the seed spelling
    without leading zeros (``J32626.9-275611.2``), across epochs.

    J-names are looked up by position (the name's truncated position, a cone of
    :data:`NAME_LOOKUP_ARCSEC` on the HEALPix index) and then compared by their J-token, so
    no unindexed name scan runs on a survey-size table; other names are matched exactly.
    """
    import astropy.units as u
    from astropy.coordinates import SkyCoord

    qs = RadioComponent.objects.all() if queryset is None else queryset
    text = (name or "").strip()
    try:
        ra, dec = parse_j_name(text)
    except ValueError:
        return list(qs.filter(name=text))
    if not (0 <= ra < 360 and -90 <= dec <= 90 and math.isfinite(ra + dec)):
        return list(qs.filter(name=text))
    token = canonical_vlass_name(text).split()[-1].split("_")[-1]
    near = qs.cone_search(SkyCoord(ra * u.deg, dec * u.deg), NAME_LOOKUP_ARCSEC * u.arcsec)
    return [c for c in near if canonical_vlass_name(c.name).split()[-1].split("_")[-1] == token]
