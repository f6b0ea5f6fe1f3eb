"""The one place that writes labels, with the integrity rules (API and curation pages alike).

Labels are the retraining feed (:mod:`catalog.curation.refit`), so a write through the product must
not be able to corrupt them:

* writers create ``expert`` labels only — the catalogue origins (``norris2006``, ``rgz``, …)
  come from the ingesters alone;
* a label names exactly one of: an optical source that is a *candidate of the component*, a
  host position (finite, in range, within :data:`MAX_HOST_OFFSET_ARCSEC` of the component),
  or ``no_host`` with a reason;
* ``consensus_level`` is Radio Galaxy Zoo's fraction of agreeing volunteers: an expert
  label has none, so a writer cannot set one;
* the command-line expert import writes through :func:`write_expert_label` too (same rules;
  its author may be a name without an account), and the catalogue ingests write their
  published labels through :mod:`catalog.labels.published`, which never makes a label a
  curator superseded current again;
* ``supersedes`` must be a *current* label (head of its chain) of the *same* component; a
  component that already has a current label can only be relabelled by superseding it
  (optimistic concurrency: a writer states which label it saw);
* two writers relabelling the same label get one success and one :class:`LabelConflict`,
  never a database error: the component row is locked (``SELECT … FOR UPDATE``) for the
  check-and-insert, and the unique ``supersedes`` constraint is the backstop on engines
  without row locks (SQLite serialises writers anyway).

Errors: :class:`LabelInputError` (a bad body: the API answers 400 with its ``errors`` dict,
field → message) and :class:`LabelConflict` (a stale or foreign ``supersedes``: 409). Both
leave the database unchanged.
"""

from __future__ import annotations

import math

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from catalog.models import Candidate, Label, OpticalSource, RadioComponent
from ml.sky import separation_arcsec

#: A host position further than this from the component is not a host of it: the candidate
#: field of seed §2.2.2 is a 3.6′ box (108″ from the centre, 153″ to its corners) and the
#: pipeline reads the radio sky to 180″ (catalog.pipeline.component.SKY_RADIUS_ARCSEC).
MAX_HOST_OFFSET_ARCSEC = 180.0
MAX_REASON_CHARS = 4000
PERMISSION = "catalog.add_label"


class LabelInputError(ValueError):
    """A label body that breaks a rule; ``errors`` maps field name → message (API: 400)."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


class LabelConflict(Exception):
    """``supersedes`` is not the current label of this component (API: 409).

    ``current_ids`` are the component's current label ids at the time of the check, so a
    client can reload and retry against the right one.
    """

    def __init__(self, message: str, *, current_ids: list[int]):
        self.current_ids = current_ids
        super().__init__(message)


def can_write_labels(user) -> bool:
    """Authenticated, active and holding ``catalog.add_label``."""
    return bool(user is not None and user.is_authenticated and user.has_perm(PERMISSION))


def can_see_labellers(user) -> bool:
    """Labellers' usernames are shown to curators (label writers) and staff only."""
    return bool(
        user is not None and user.is_authenticated and (user.is_staff or can_write_labels(user))
    )


def shown_labeller(
    origin: str, author: str | None, author_name: str, user
) -> tuple[str | None, str]:
    """``(author, author_name)`` of a label as ``user`` may see them.

    An expert label's ``author_name`` is its writer's username (:func:`relabel` stores it), so
    for anyone but curators and staff both are hidden; a catalogue label's ``author_name`` (the
    catalogue or its authors) is public. One rule for the API and the pages.
    """
    if origin == Label.Origin.EXPERT and not can_see_labellers(user):
        return None, ""
    return author, author_name


def _number(errors: dict, name: str, value, lo: float, hi: float, *, hi_open=False):
    if value is None or value == "":
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        errors[name] = f"not a number: {value!r}"
        return None
    if not math.isfinite(x) or x < lo or (x >= hi if hi_open else x > hi):
        errors[name] = f"must be in [{lo:g}, {hi:g}{')' if hi_open else ']'}, got {value!r}"
        return None
    return x


def _pk(errors: dict, name: str, value) -> int | None:
    if value is None or value == "":
        return None
    pk = getattr(value, "pk", value)
    if isinstance(pk, bool) or not str(pk).isdigit() or len(str(pk)) > 18:
        errors[name] = f"not an id: {value!r}"
        return None
    return int(pk)


def validate(
    *,
    host=None,
    host_ra=None,
    host_dec=None,
    no_host: bool = False,
    reason: str = "",
    consensus_level=None,
) -> dict:
    """Check a label body without the database; returns the clean values or raises
    :class:`LabelInputError` naming every bad field."""
    errors: dict[str, str] = {}
    host_id = _pk(errors, "host", host)
    ra = _number(errors, "host_ra", host_ra, 0.0, 360.0, hi_open=True)
    dec = _number(errors, "host_dec", host_dec, -90.0, 90.0)
    cl = _number(errors, "consensus_level", consensus_level, 0.0, 1.0)
    if not isinstance(no_host, bool):
        errors["no_host"] = f"must be true or false, got {no_host!r}"
    if (host_ra in (None, "")) != (host_dec in (None, "")):
        missing = "host_dec" if host_dec in (None, "") else "host_ra"
        errors.setdefault(missing, "host_ra and host_dec are given together")
    reason = "" if reason is None else reason
    if not isinstance(reason, str):
        errors["reason"] = "must be text"
    elif "\x00" in reason:
        errors["reason"] = "must not contain NUL characters"
    elif len(reason) > MAX_REASON_CHARS:
        errors["reason"] = f"at most {MAX_REASON_CHARS} characters"
    if not errors:
        named = [
            n for n, given in (("host", host_id), ("host_ra", ra), ("no_host", no_host)) if given
        ]
        if len(named) != 1:
            errors["host"] = (
                "give exactly one of: host (a candidate's optical source id), "
                "host_ra/host_dec, or no_host=true"
                + (f" (got {', '.join(named)})" if named else "")
            )
        elif no_host and not reason.strip():
            errors["reason"] = "a no-host label needs a reason"
    if cl is not None and "consensus_level" not in errors:
        # consensus_level is the fraction of Radio Galaxy Zoo volunteers who agree on a host
        # (RGZ DR1, Wong et al. 2025; catalog.ingest.labels_rgz): one expert's label has none.
        errors["consensus_level"] = (
            "an expert label has no consensus level (it is the fraction of Radio Galaxy Zoo "
            "volunteers agreeing, set by the RGZ ingest only): leave it out"
        )
    if errors:
        raise LabelInputError(errors)
    return {
        "host_id": host_id,
        "host_ra": ra,
        "host_dec": dec,
        "no_host": no_host,
        "reason": reason.strip(),
        "consensus_level": cl,
    }


#: ``supersedes`` of an import that replaces whatever label speaks for the component now:
#: its current expert label, else its only current label (the command-line expert file).
CURRENT = "current"


def relabel(
    component,
    *,
    author,
    host: OpticalSource | int | None = None,
    host_ra: float | None = None,
    host_dec: float | None = None,
    no_host: bool = False,
    reason: str = "",
    supersedes: Label | int | None = None,
    consensus_level: float | None = None,
) -> Label:
    """Create an ``expert`` label of ``component`` by ``author`` under the rules above.

    Parameters
    ----------
    component : RadioComponent or int
    author : User
        Must be able to write labels (:func:`can_write_labels`), else ``PermissionDenied``.
    host : OpticalSource or int, optional
        The host: an optical source among the component's candidates.
    host_ra, host_dec : float, optional
        Or a host position, ICRS deg (e.g. a host absent from the optical catalogue).
    no_host : bool
        Or: explicitly no host visible (needs ``reason``).
    supersedes : Label or int, optional
        The component's current label being replaced; required when it has one.

    Returns
    -------
    Label, saved. Raises :class:`LabelInputError` (400), :class:`LabelConflict` (409) or
    ``PermissionDenied``; on any of them nothing is written.
    """
    if not can_write_labels(author):
        raise PermissionDenied(f"writing labels needs the {PERMISSION} permission")
    return write_expert_label(
        component,
        author=author,
        author_name=author.get_username(),
        host=host,
        host_ra=host_ra,
        host_dec=host_dec,
        no_host=no_host,
        reason=reason,
        supersedes=supersedes,
        consensus_level=consensus_level,
    )[0]


def write_expert_label(
    component,
    *,
    author,
    author_name: str,
    host: OpticalSource | int | None = None,
    host_ra: float | None = None,
    host_dec: float | None = None,
    no_host: bool = False,
    reason: str = "",
    supersedes: Label | int | str | None = None,
    consensus_level: float | None = None,
    host_link: tuple[int, float] | None = None,
    match_separation_arcsec: float | None = None,
) -> tuple[Label, bool]:
    """The one writer of ``expert`` labels: :func:`relabel` (API, pages, admin) and the
    command-line import (:mod:`catalog.ingest.labels_expert`), under the same rules.

    ``author`` may be ``None`` for an imported file whose author has no account (the name is
    kept in ``author_name``). ``supersedes=CURRENT`` replaces the label that speaks for the
    component now, and keeps an identical current expert label (a re-run of the same file).
    ``host_link`` is ``(optical source id, separation arcsec)`` of the catalogue object nearest
    a host *position*, stored beside it; ``match_separation_arcsec``: file position ↔ component.

    Returns ``(label, created)``; raises as :func:`relabel` (minus the permission check).
    """
    errors: dict[str, str] = {}
    component_id = _pk(errors, "component", component)
    auto = isinstance(supersedes, str) and supersedes == CURRENT
    supersedes_id = None if auto else _pk(errors, "supersedes", supersedes)
    if component_id is None and "component" not in errors:
        errors["component"] = "a label names a component"
    try:
        clean = validate(
            host=host,
            host_ra=host_ra,
            host_dec=host_dec,
            no_host=no_host,
            reason=reason,
            consensus_level=consensus_level,
        )
    except LabelInputError as exc:
        errors.update(exc.errors)
    if errors:
        raise LabelInputError(errors)
    with transaction.atomic():
        # The lock serialises every writer of this component's labels: the head check below
        # and the insert see one state (READ COMMITTED re-reads after the lock is granted).
        comp = RadioComponent.objects.select_for_update().filter(pk=component_id).first()
        if comp is None:
            raise LabelInputError({"component": f"no component with id {component_id}"})
        if (
            clean["host_id"] is not None
            and not Candidate.objects.filter(
                component_id=comp.pk, optical_source_id=clean["host_id"]
            ).exists()
        ):
            raise LabelInputError(
                {
                    "host": f"optical source {clean['host_id']} is not a candidate of component "
                    f"{comp.pk} ({comp.name})"
                }
            )
        if clean["host_ra"] is not None:
            sep = float(separation_arcsec(comp.ra, comp.dec, clean["host_ra"], clean["host_dec"]))
            if sep > MAX_HOST_OFFSET_ARCSEC:
                raise LabelInputError(
                    {
                        "host_ra": f"the position is {sep:.1f} arcsec from component {comp.pk} "
                        f"({comp.name}); a host lies within {MAX_HOST_OFFSET_ARCSEC:g} arcsec"
                    }
                )
        if host_link is not None and clean["host_ra"] is not None:
            clean["host_id"], clean["host_match_separation_arcsec"] = host_link
        clean["match_separation_arcsec"] = match_separation_arcsec
        heads = sorted(
            Label.objects.current().filter(component_id=comp.pk).values_list("pk", flat=True)
        )
        if auto:
            supersedes_id, same = _speaking_label(comp, heads, clean, author_name)
            if same is not None:
                return same, False
        _check_supersedes(comp, heads, supersedes_id)
        try:
            with transaction.atomic():
                label = Label.objects.create(
                    component=comp,
                    origin=Label.Origin.EXPERT,
                    author=author,
                    author_name=author_name,
                    supersedes_id=supersedes_id,
                    **clean,
                )
                return label, True
        except IntegrityError as exc:  # a writer without the row lock won the race
            raise LabelConflict(
                f"label {supersedes_id} was superseded concurrently", current_ids=heads
            ) from exc


_SAME_FIELDS = ("host_id", "host_ra", "host_dec", "no_host", "reason")


def _speaking_label(comp, heads: list[int], clean: dict, author_name: str):
    """``(label id to supersede, identical current expert label or None)`` for CURRENT."""
    expert = (
        Label.objects.current()
        .filter(component_id=comp.pk, origin=Label.Origin.EXPERT)
        .order_by("pk")
        .first()
    )
    if expert is not None:
        same = expert.author_name == author_name and all(
            getattr(expert, f) == clean[f] for f in _SAME_FIELDS
        )
        return expert.pk, (expert if same else None)
    if len(heads) <= 1:
        return (heads[0] if heads else None), None
    raise LabelConflict(
        f"component {comp.pk} ({comp.name}) has current labels {heads} of several catalogues: "
        "name the one this label replaces (supersedes)",
        current_ids=heads,
    )


def _check_supersedes(comp, heads: list[int], supersedes_id: int | None) -> None:
    """``supersedes`` must be a current label of the component (and its expert one if any)."""
    if supersedes_id is None:
        if heads:
            raise LabelConflict(
                f"component {comp.pk} has current label(s) {heads}: pass supersedes=<the one you replace>",
                current_ids=heads,
            )
    elif supersedes_id not in heads:
        old = Label.objects.filter(pk=supersedes_id).values("component_id").first()
        if old is None:
            raise LabelInputError({"supersedes": f"no label with id {supersedes_id}"})
        why = (
            f"label {supersedes_id} belongs to component {old['component_id']}, not {comp.pk}"
            if old["component_id"] != comp.pk
            else f"label {supersedes_id} is no longer current (already superseded)"
        )
        raise LabelConflict(why, current_ids=heads)
    else:
        # one current expert label per component: an expert head speaks for the component,
        # so a new expert label must replace it, never sit beside it (superseding a
        # catalogue label while an expert one is current would leave two)
        experts = sorted(
            Label.objects.current()
            .filter(component_id=comp.pk, origin=Label.Origin.EXPERT)
            .values_list("pk", flat=True)
        )
        if experts and supersedes_id not in experts:
            raise LabelConflict(
                f"component {comp.pk} has current expert label(s) {experts}: "
                f"supersede that one, not label {supersedes_id}",
                current_ids=heads,
            )
