"""Curation: relabel and comment from the component page, and the review queue (``/review/``).

Every label write goes through :func:`catalog.labels.writer.relabel` (the one writer with the
integrity rules); a page without the permission shows no control, and a forged POST is
refused there (403) whatever the page showed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from catalog.admin import log_label
from catalog.curation.refit import refit_due
from catalog.labels.writer import LabelConflict, LabelInputError, can_write_labels
from catalog.labels.writer import relabel as write_label
from catalog.models import Comment, RadioComponent
from catalog.read.summaries import review_queryset
from pages.forms import CommentForm, RelabelForm
from pages.views.search import page_of

QUEUE_PAGE = 50


def _back(pk: int, request) -> str:
    url = reverse("pages:component", args=[pk])
    return url + ("?from=review" if request.POST.get("from") == "review" else "")


@require_POST
def relabel(request, pk: int):
    if not can_write_labels(request.user):
        raise PermissionDenied("relabelling needs the curators' label permission")
    comp = get_object_or_404(RadioComponent, pk=pk)
    form = RelabelForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(
            "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        )
    host = form.cleaned_data["choice"]
    try:
        lab = write_label(
            comp,
            author=request.user,
            host=host,
            no_host=host is None,
            reason=form.cleaned_data["reason"],
            supersedes=form.cleaned_data.get("supersedes"),
        )
    except LabelConflict as exc:
        messages.error(request, f"Not saved: {exc}. The page now shows the current label.")
        return redirect(_back(pk, request))
    except LabelInputError as exc:
        messages.error(request, f"Not saved: {exc}")
        return redirect(_back(pk, request))
    log_label(request.user, lab)
    what = "no host" if lab.no_host else f"host {lab.host}"
    messages.success(request, f"Label {lab.pk} saved: {what}.")
    return redirect(_back(pk, request))


@login_required
@require_POST
def comment(request, pk: int):
    comp = get_object_or_404(RadioComponent, pk=pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest("a comment needs text (at most 4000 characters)")
    Comment.objects.create(component=comp, author=request.user, text=form.cleaned_data["text"])
    return redirect(reverse("pages:component", args=[pk]) + "#comments")


@require_GET
def review_queue(request):
    try:
        page = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page = 1
    rows, more = page_of(review_queryset(), page, QUEUE_PAGE)
    due, n_relabels = refit_due()
    return render(
        request,
        "pages/review.html",
        {
            "rows": rows,
            "page": page,
            "more": more,
            "offset": (page - 1) * QUEUE_PAGE,
            "relabels_since_refit": n_relabels,
            "refit_due": due,
        },
    )
