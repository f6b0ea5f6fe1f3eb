"""Home (``/``) and Models (``/models/``): what the catalog holds and which model answers."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import Count
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from catalog.models import ComponentSummary, Epoch, Label, ModelVersion, RadioComponent, Survey
from catalog.read import real_figures, skymap
from pages.forms import SearchForm

#: counts over whole tables are cached: they change only when an epoch is ingested or
#: identified, and a COUNT over a survey-size table would dominate the page's time
COUNTS_TTL_S = 120


def epoch_state(epoch: Epoch) -> dict:
    """The epoch's processing state from the pipeline's own summary (``Epoch.progress()``,
    the one the API shows), with a fallback for epochs of a schema without it."""
    progress = getattr(epoch, "progress", None)
    info = progress() if callable(progress) else {}
    done, total = info.get("tiles_done"), info.get("tiles_total")
    display = getattr(epoch, "get_state_display", None)
    if callable(display):
        state = display()
    else:
        state = "processed" if epoch.processed_at else "ingested"
    return {
        "state": state,
        "progress": (done / total) if done is not None and total else None,
        "tiles": f"{done}/{total} tiles" if done is not None and total else "",
        "error": info.get("error") or "",
    }


def catalog_counts() -> dict:
    def compute():
        per_epoch = dict(
            RadioComponent.objects.order_by()
            .values_list("epoch_id")
            .annotate(n=Count("id"))
            .values_list("epoch_id", "n")
        )
        return {
            "per_epoch": per_epoch,
            "components": sum(per_epoch.values()),
            "hosts": ComponentSummary.objects.filter(has_prime=True).count(),
            "summarised": ComponentSummary.objects.count(),
            "review": ComponentSummary.objects.filter(needs_review=True).count(),
            "expert_labels": Label.objects.current().filter(origin=Label.Origin.EXPERT).count(),
        }

    return cache.get_or_set("pages:catalog_counts", compute, COUNTS_TTL_S)


@require_GET
def home(request):
    counts = catalog_counts()
    surveys = list(Survey.objects.order_by("name"))
    epochs = []
    for e in Epoch.objects.select_related("survey").order_by("survey__name", "name"):
        epochs.append({"epoch": e, "n": counts["per_epoch"].get(e.pk, 0), **epoch_state(e)})
    active = ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).order_by("kind")
    table = real_figures.norris71_table()
    return render(
        request,
        "pages/home.html",
        {
            "counts": counts,
            "surveys": surveys,
            "epochs": epochs,
            "active_models": list(active),
            "norris": table,
            "headline": real_figures.headline_rows(table),
            "sky": skymap.coverage_svg(),
            "form": SearchForm(),
        },
    )


@require_GET
def models_page(request):
    versions = list(ModelVersion.objects.order_by("kind", "-created_at")[:200])
    return render(
        request,
        "pages/models.html",
        {
            "versions": versions,
            "norris": real_figures.norris71_table(),
            "confusion": real_figures.confusion_figures(),
        },
    )


@require_GET
def result_figure(request, name: str):
    """A committed figure from results/ (only the listed PNG families; no path traversal)."""
    if name not in real_figures.figure_names():
        raise Http404(f"no figure {name!r}")
    return FileResponse(open(real_figures.RESULTS / name, "rb"), content_type="image/png")
