"""A component's epoch history: the same sky position in every epoch of its survey, the host
found there and what the epoch diff recorded."""

from __future__ import annotations

from dataclasses import dataclass

import astropy.units as u
from django.conf import settings

from catalog.models import EpochDiffEntry, ModelVersion, RadioComponent
from catalog.read.host_catalogue import HostRow, host_rows
from catalog.sky.spatial import ConeCentre


@dataclass(frozen=True)
class EpochEntry:
    """The same sky position in one epoch: its component there and its host then.

    ``change`` is the epoch diff's verdict for that component against the previous epoch
    (``new``, ``host_changed``, ``host_lost``, ``host_found``, ``reliability_changed``; None
    when unchanged or no diff was recorded).
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

    @property
    def change_label(self) -> str:
        """What the diff said against the previous epoch, in words ("" when unchanged)."""
        return EpochDiffEntry.Kind(self.change).label if self.change else ""


def epoch_history(component: RadioComponent, mv: ModelVersion | None) -> list[EpochEntry]:
    """This position in every epoch of the component's survey, with the host found there and
    what the epoch diff recorded (three queries).

    Matched by position (within ``settings.RADIOHOST_EPOCH_MATCH_ARCSEC``, as the diff
    matches; VLASS names change between epochs as the fitted position moves), nearest row
    per epoch, oldest epoch first.
    """
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
        .values("component_b_id", "kind")
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
            )
        )
    return out
