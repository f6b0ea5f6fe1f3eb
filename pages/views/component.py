"""Component page (``/components/<id>/``) and its overlay image."""

from __future__ import annotations

from django.db.models import Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from catalog.enqueue import enqueue
from catalog.images import overlay, store
from catalog.labels.writer import can_see_labellers, can_write_labels, shown_labeller
from catalog.models import Comment, ComponentSummary, Cutout, OpticalSource, RadioComponent
from catalog.read.answers import component_answer
from catalog.read.provenance import provenance
from catalog.read.source_catalogue import outside_sky_reason, source_of_component
from pages.forms import CommentForm, RelabelForm, format_sexagesimal

NEIGHBOUR_ARCSEC = 180.0


def _answer(pk: int):
    try:
        return component_answer(pk)
    except RadioComponent.DoesNotExist:
        raise Http404(f"no component {pk}") from None


def ensure_overlay(answer) -> tuple[str, bool]:
    """The overlay's storage name and whether it exists; enqueue its rendering if not.

    With ``CELERY_TASK_ALWAYS_EAGER`` (tests, ``make serve``) the task runs here; on a
    deployment a worker renders it and the page's script picks it up when it appears.
    """
    name = overlay.current_name(answer)
    if store.exists(name):
        return name, True
    enqueue("workers.render.render_overlay", answer.component.pk)
    return name, store.exists(name)


def queue_neighbours(pk: int) -> dict:
    """Previous / next component in the review queue order (works after this one left it)."""
    me = ComponentSummary.objects.filter(component_id=pk).values("review_priority").first()
    if me is None:
        return {}
    p = me["review_priority"]
    from catalog.read.summaries import review_queryset

    queue = review_queryset().exclude(component_id=pk)
    after = queue.filter(Q(review_priority__lt=p) | Q(review_priority=p, component_id__gt=pk))
    before = queue.filter(Q(review_priority__gt=p) | Q(review_priority=p, component_id__lt=pk))
    nxt = after.order_by("-review_priority", "component_id").values("component_id").first()
    prv = before.order_by("review_priority", "-component_id").values("component_id").first()
    return {
        "next": nxt and nxt["component_id"],
        "previous": prv and prv["component_id"],
    }


@require_GET
def component_page(request, pk: int):
    answer = _answer(pk)
    comp = answer.component
    name, ready = ensure_overlay(answer)
    radio_cut = Cutout.objects.filter(component_id=pk, survey__in=overlay.RADIO_SURVEYS).first()
    host_ids = {lab.host_id for lab in answer.labels if lab.host_id}
    hosts = {o.pk: o for o in OpticalSource.objects.filter(pk__in=host_ids)}
    labels = [
        {
            "label": lab,
            "host": hosts.get(lab.host_id),
            # an expert label's writer: curators and staff only (the API's rule)
            "by": " / ".join(
                dict.fromkeys(
                    x
                    for x in shown_labeller(lab.origin, lab.author, lab.author_name, request.user)
                    if x
                )
            ),
        }
        for lab in reversed(answer.labels)
    ]  # newest first
    summary = ComponentSummary.objects.filter(component_id=pk).first()
    ctx = {
        "a": answer,
        "c": comp,
        "sexa": format_sexagesimal(comp.ra, comp.dec),
        "overlay_ready": ready,
        "overlay_url": reverse("pages:overlay", args=[pk]) + f"?v={name.rsplit('/', 1)[-1][:8]}",
        "pixels": radio_cut is not None,
        "labels": labels,
        "summary": summary,
        "source": source_of_component(comp, answer.model_version),
        "outside_sky": outside_sky_reason(comp),
        "can_relabel": can_write_labels(request.user),
        "see_labellers": can_see_labellers(request.user),
        "relabel_form": RelabelForm(),
        "comments": Comment.objects.filter(component_id=pk).select_related("author"),
        "comment_form": CommentForm(),
        "ql_url": getattr(comp, "ql_cutout_url", ""),
        "api_url": f"/api/components/{pk}/",
        "neighbours_url": reverse("pages:search")
        + f"?position={comp.ra:.6f}+{comp.dec:+.6f}&radius_arcsec={NEIGHBOUR_ARCSEC:g}",
        "queue": queue_neighbours(pk) if request.GET.get("from") == "review" else {},
        "provenance": provenance(epochs=[comp.epoch], model_version=answer.model_version),
    }
    return render(request, "pages/component.html", ctx)


@require_GET
def overlay_status(request, pk: int):
    answer = _answer(pk)
    name = overlay.current_name(answer)
    ready = store.exists(name)
    return JsonResponse(
        {
            "ready": ready,
            "url": reverse("pages:overlay", args=[pk]) + f"?v={name.rsplit('/', 1)[-1][:8]}",
        }
    )


@require_GET
def overlay_png(request, pk: int):
    answer = _answer(pk)
    name = overlay.current_name(answer)
    if not store.exists(name):
        raise Http404("the overlay is being rendered")
    resp = FileResponse(store.open_file(name), content_type="image/png")
    resp["Cache-Control"] = "public, max-age=86400"  # the URL carries the digest
    return resp
