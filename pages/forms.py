"""Forms of the pages: the search form (name, position, flux, flags) and the curation forms."""

from __future__ import annotations

import re

import astropy.units as u
from astropy.coordinates import Angle, SkyCoord
from django import forms

from catalog.read.search import SORTS

MAX_RADIUS_ARCSEC = 3600.0
_SEXAGESIMAL = re.compile(r"[:hdms]|^\s*\S+\s+\S+\s+\S+")


def parse_position(text: str) -> SkyCoord:
    """A position typed by a person: decimal degrees ("150.1 2.2", "150.1, +2.2") or
    sexagesimal with colons, spaces or h/m/s + d/m/s ("10:00:24 +02:12:00",
    "10h00m24s +02d12m00s", "10 00 24 +02 12 00"); RA in hours when sexagesimal."""
    t = text.strip().replace(",", " ")
    if not t:
        raise ValueError("empty position")
    try:
        if _SEXAGESIMAL.search(t):
            parts = t.split()
            if len(parts) == 6:  # "hh mm ss dd mm ss"
                t = f"{':'.join(parts[:3])} {':'.join(parts[3:])}"
            c = SkyCoord(t, unit=(u.hourangle, u.deg), frame="icrs")
        else:
            ra, dec = (float(v) for v in t.split())
            c = SkyCoord(ra * u.deg, dec * u.deg, frame="icrs")
    except Exception:
        raise ValueError(
            f"cannot read {text!r} as a position: give 'RA Dec' in decimal degrees "
            "(150.1 2.2) or sexagesimal (10:00:24.0 +02:12:00)"
        ) from None
    if not -90 <= c.dec.deg <= 90:
        raise ValueError(f"declination out of range in {text!r}")
    return c


class SearchForm(forms.Form):
    name = forms.CharField(
        required=False,
        max_length=80,
        label="Name",
        help_text="Component name, with or without its survey prefix (VLASS1QLCIR J…).",
    )
    position = forms.CharField(
        required=False,
        max_length=80,
        label="Position",
        help_text="RA Dec, decimal degrees or sexagesimal (10:00:24 +02:12:00).",
    )
    radius_arcsec = forms.FloatField(
        required=False, min_value=0.1, max_value=MAX_RADIUS_ARCSEC, label="Radius (″)"
    )
    flux_min = forms.FloatField(required=False, min_value=0, label="Total flux ≥ (mJy)")
    flux_max = forms.FloatField(required=False, min_value=0, label="Total flux ≤ (mJy)")
    prime = forms.BooleanField(required=False, label="prime host")
    review = forms.BooleanField(required=False, label="needs review")
    expert = forms.BooleanField(required=False, label="has expert label")
    sort = forms.ChoiceField(required=False, choices=[(k, k) for k in SORTS])

    def clean(self):
        data = super().clean()
        pos = data.get("position")
        if pos:
            try:
                data["coord"] = parse_position(pos)
            except ValueError as exc:
                self.add_error("position", str(exc))
            if data.get("radius_arcsec") is None:
                data["radius_arcsec"] = 30.0
        lo, hi = data.get("flux_min"), data.get("flux_max")
        if lo is not None and hi is not None and lo > hi:
            self.add_error("flux_max", "must be ≥ the lower flux limit")
        if data.get("sort") == "separation" and not pos:
            data["sort"] = ""
        return data


def format_sexagesimal(ra_deg: float, dec_deg: float) -> str:
    ra = Angle(ra_deg, u.deg).to_string(unit=u.hourangle, sep=":", precision=2, pad=True)
    dec = Angle(dec_deg, u.deg).to_string(
        unit=u.deg, sep=":", precision=1, pad=True, alwayssign=True
    )
    return f"{ra} {dec}"


class RelabelForm(forms.Form):
    """One click + a reason: the chosen candidate's optical source, or "no host"."""

    choice = forms.CharField(max_length=40)  # "host:<optical source id>" or "none"
    reason = forms.CharField(max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    supersedes = forms.IntegerField(required=False)  # the label the curator saw (409 if stale)

    def clean_choice(self):
        v = self.cleaned_data["choice"]
        if v == "none":
            return None
        kind, _, pk = v.partition(":")
        if kind != "host" or not pk.isdigit():
            raise forms.ValidationError(f"choice must be 'none' or 'host:<id>', got {v!r}")
        return int(pk)


class CommentForm(forms.Form):
    text = forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
