"""Which model version's predictions the API and the pages show.

One host ``ModelVersion`` at a time. By default the *current method*
(:func:`default_model_version`: the active host version; while none is active, the
published-defaults association method the pipeline writes with), never an external model's
logged outputs unless a caller names it (:func:`resolve_model_version`). Class probabilities
come from the active classifier version unless one is named.
"""

from __future__ import annotations

from django.db.models import Q

from catalog.models import ModelVersion

#: the registry name of the published-defaults association method the pipeline writes with
#: (catalog.pipeline.component registers it; named here so the readers need not import the
#: pipeline). v2: the default rules gained the bright-core triple and aligned doubles
#: (ml.association.refit.Method); a new name, because the config is the version's definition and
#: v1 rows keep v1's config. (The opt-in close pairs are off in it: their keys, absent
#: from configs written before them, read as off.)
METHOD_NAME = "association-positional-v2"


class UnknownModelVersion(LookupError):
    """``?model_version=`` names no ModelVersion of the required kind (the API answers 400)."""


def default_model_version() -> ModelVersion | None:
    """The host version whose predictions are shown by default.

    The active host version; while none is active, the published-defaults association
    method (``catalog.pipeline.component.METHOD_NAME``) that the pipeline writes with. Never an
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
