"""What every API view shares: strict parameters, export renderers, the chosen model version."""

from __future__ import annotations

from django_filters import BooleanFilter
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import BaseRenderer, JSONRenderer

from catalog.api import params
from catalog.api.exports import FORMATS
from catalog.methods.versions import UnknownModelVersion, resolve_model_version
from catalog.models import ModelVersion


class ExportRenderer(BaseRenderer):
    """Makes ``?format=<export>`` negotiable and documented; list() streams the body itself."""

    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data)


def export_renderer(fmt: str) -> type[ExportRenderer]:
    media = FORMATS[fmt][0].split(";")[0]
    return type(
        f"{fmt.title()}ExportRenderer", (ExportRenderer,), {"media_type": media, "format": fmt}
    )


EXPORT_RENDERERS = [export_renderer(f) for f in FORMATS]
MODEL_VERSION_PARAMS = {"model_version", "classifier_version"}


class StrictViewMixin:
    """Unknown query parameters, bad booleans and unknown formats are 400s naming them.

    A view declares ``extra_params`` (per action via ``extra_params_by_action``); list
    actions also accept their filterset's filters and the pagination's ``cursor``/``limit``.
    """

    renderer_classes = [JSONRenderer]
    extra_params: set[str] = set()
    export_actions: tuple[str, ...] = ()

    def allowed_params(self) -> set[str]:
        allowed = {"format", *self.extra_params}
        action = getattr(self, "action", None)
        if action == "list":
            fs = getattr(self, "filterset_class", None)
            if fs is not None:
                allowed |= set(fs.base_filters)
            allowed |= set(getattr(self, "filterset_fields", None) or ())
            allowed |= {"cursor", "limit"}
        allowed |= set(getattr(self, "extra_params_by_action", {}).get(action, ()))
        return allowed

    def formats(self) -> set[str]:
        return {"json"} | (
            set(FORMATS) if getattr(self, "action", None) in self.export_actions else set()
        )

    def get_renderers(self):
        renderers = [JSONRenderer()]
        if getattr(self, "action", None) in self.export_actions:
            renderers += [r() for r in EXPORT_RENDERERS]
        return renderers

    def initial(self, request, *args, **kwargs):
        q = request.query_params
        if not hasattr(self, request.method.lower()) and request.method != "OPTIONS":
            # A method the view does not serve (TRACE, or PUT on a read-only view) is a 405
            # whatever its parameters or ?format= (RFC 9110 §15.5.6), as the schema says.
            self.http_method_not_allowed(request)
        params.reject_unknown(q, self.allowed_params())
        fmt = q.get("format")
        if fmt is not None and fmt not in self.formats():
            raise ValidationError(
                {"format": [f"unknown format {fmt!r}; one of: {', '.join(sorted(self.formats()))}"]}
            )
        fs = self._filterset_class()
        if fs is not None:
            params.check_booleans(
                q, [n for n, f in fs.base_filters.items() if isinstance(f, BooleanFilter)]
            )
        super().initial(request, *args, **kwargs)  # negotiates the renderer (Accept)
        export = self.export_format()
        if export is not None:
            # An export is the whole query; a page size or cursor silently dropped would hand
            # back more (or other) rows than asked for.
            paged = sorted(k for k in ("limit", "cursor") if q.get(k) not in (None, ""))
            if paged:
                raise ValidationError(
                    {
                        k: [f"{k} pages JSON lists; an export ({export}) is the whole query"]
                        for k in paged
                    }
                )

    def _filterset_class(self):
        """The declared filterset, or the one django-filter builds from ``filterset_fields``
        (its booleans were taken as-is: ``?is_prime=AAA`` silently filtered nothing)."""
        fs = getattr(self, "filterset_class", None)
        if fs is not None or not getattr(self, "filterset_fields", None):
            return fs
        for backend in self.filter_backends:
            if isinstance(backend, type) and hasattr(backend, "get_filterset_class"):
                return backend().get_filterset_class(self, self.queryset)
        return None

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are JSON whatever export was asked for.
        if getattr(response, "status_code", 200) >= 400 and isinstance(
            getattr(request, "accepted_renderer", None), ExportRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)

    def _offloaded(self, table: str, fmt: str, qs):
        """A ``202`` with a background job when the export is over the inline row limit
        (:mod:`catalog.api.export_jobs`), else None (the export streams here)."""
        from catalog.api.export_jobs import offload
        from catalog.api.export_views import accepted

        job = offload(table, fmt, qs, self.request.query_params, user=self.request.user)
        return None if job is None else accepted(job, self.request)

    def export_format(self) -> str | None:
        """The export asked for by ``?format=`` or by the Accept header (``Accept: text/csv``
        was answered with a JSON page labelled text/csv); None for JSON."""
        fmt = self.request.query_params.get("format")
        if fmt in FORMATS:
            return fmt
        renderer = getattr(self.request, "accepted_renderer", None)
        return renderer.format if isinstance(renderer, ExportRenderer) else None

    # -- the model versions a request asks for (cached on the request)
    def model_version(self) -> ModelVersion | None:
        return _resolve(self.request, "model_version", ModelVersion.Kind.HOST)

    def classifier_version(self) -> ModelVersion | None:
        return _resolve(self.request, "classifier_version", ModelVersion.Kind.CLASSIFIER)


def _resolve(request, name: str, kind: str):
    cache = request.__dict__.setdefault("_radiohost_versions", {})
    if name not in cache:
        try:
            cache[name] = resolve_model_version(request.query_params.get(name), kind=kind)
        except UnknownModelVersion as exc:
            raise ValidationError({name: [str(exc)]}) from None
    return cache[name]
