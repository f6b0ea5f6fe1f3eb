"""ORM-side helpers shared by the ingesters and tasks: geometry, cross-matching, upserts.

Science code lives in ``ml/`` (no Django); these functions are the thin ORM boundary:
they load positions, call astropy, and write rows idempotently.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord
from astropy.wcs import WCS

from catalog.ingest.common import IngestReport
from catalog.models import Candidate, Label, OpticalSource, RadioComponent
from catalog.sky.geometry import sin_offsets

# Seed §3.3: the radio cutout is 240×240 px at 1″/px (VLASS QL pixel scale) centred on
# the component; candidates live in a 3.6′ box (§2.2.2), i.e. within ±108″ of the centre.
CUTOUT_SIZE_PX = 240
CUTOUT_SCALE_ARCSEC = 1.0
CANDIDATE_BOX_ARCMIN = 3.6


def cutout_wcs(
    ra: float,
    dec: float,
    *,
    size_px: int = CUTOUT_SIZE_PX,
    scale_arcsec: float = CUTOUT_SCALE_ARCSEC,
) -> WCS:
    """The WCS of a radio cutout centred on (ra, dec): SIN projection, as VLASS QL images.

    Parameters
    ----------
    ra, dec : float
        Centre, ICRS (deg).
    size_px : int
        Cutout width = height (px).
    scale_arcsec : float
        Pixel scale (arcsec/px).
    """
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---SIN", "DEC--SIN"]
    w.wcs.crval = [ra, dec]
    # FITS pixels are 1-based: the centre of an even-sized image sits between pixels.
    w.wcs.crpix = [(size_px + 1) / 2.0, (size_px + 1) / 2.0]
    w.wcs.cdelt = [-scale_arcsec / 3600.0, scale_arcsec / 3600.0]
    w.wcs.radesys = "ICRS"
    return w


def candidate_offsets(
    center_ra: float,
    center_dec: float,
    ra: Sequence[float],
    dec: Sequence[float],
    *,
    wcs: WCS | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidates' (dx, dy, D) in pixels of the radio cutout frame, through its WCS.

    The offsets are pixel coordinates of each candidate minus those of the component
    in the cutout's own WCS (seed §3.3, inputs 4 and 5) -- not a flat-sky
    ``Δα cos δ`` shortcut, which drifts from the projected frame away from the centre
    and near the poles.

    Parameters
    ----------
    center_ra, center_dec : float
        Component position (deg).
    ra, dec : sequence of float
        Candidate positions (deg).
    wcs : astropy.wcs.WCS, optional
        The cutout's WCS (e.g. from its FITS header); default the frame of
        :func:`cutout_wcs`, computed in closed form (:func:`catalog.sky.geometry.sin_offsets`).

    Returns
    -------
    dx, dy, distance : numpy.ndarray
        Offsets along columns and rows and their Euclidean length (px).
    """
    if wcs is None:
        # the default frame in closed form, the same numbers as the set-based join
        # (catalog.sky.geometry; equal to cutout_wcs's to 1e-6 px, tests/catalog/test_candidates.py)
        return sin_offsets(center_ra, center_dec, ra, dec, scale_arcsec=CUTOUT_SCALE_ARCSEC)
    w = wcs
    x, y = w.all_world2pix(np.asarray(ra, float), np.asarray(dec, float), 0)
    x0, y0 = w.all_world2pix(np.array([center_ra]), np.array([center_dec]), 0)
    dx, dy = x - x0[0], y - y0[0]
    return dx, dy, np.hypot(dx, dy)


# ------------------------------------------------------------------------------------------
# cross-matching against the database
# ------------------------------------------------------------------------------------------


def _band_filter(qs, dec: np.ndarray, pad_deg: float):
    # Dec band only: RA may wrap at 0/360; the exact match is done by astropy afterwards.
    return qs.filter(dec__gte=float(dec.min()) - pad_deg, dec__lte=float(dec.max()) + pad_deg)


@dataclass(frozen=True)
class Match:
    """Per input position: index of the matched row's pk (or -1) and separation (arcsec)."""

    pk: np.ndarray
    sep_arcsec: np.ndarray


def nearest_within(
    queryset, ra: Sequence[float], dec: Sequence[float], radius_arcsec: float
) -> Match:
    """Nearest row of ``queryset`` (a Positioned model) to each position, within a radius.

    Uses ``SkyCoord.match_to_catalog_sky`` over the rows in the positions' Dec band.
    """
    ra = np.asarray(ra, float)
    dec = np.asarray(dec, float)
    out_pk = np.full(len(ra), -1, dtype=np.int64)
    out_sep = np.full(len(ra), np.nan)
    if len(ra) == 0:
        return Match(out_pk, out_sep)
    rows = list(
        _band_filter(queryset, dec, radius_arcsec / 3600.0 + 1e-6).values_list("pk", "ra", "dec")
    )
    if not rows:
        return Match(out_pk, out_sep)
    arr = np.asarray(rows, dtype=float)
    cat = SkyCoord(arr[:, 1] * u.deg, arr[:, 2] * u.deg)
    idx, sep, _ = SkyCoord(ra * u.deg, dec * u.deg).match_to_catalog_sky(cat)
    sep = sep.to_value(u.arcsec)
    ok = sep <= radius_arcsec
    out_pk[ok] = arr[idx[ok], 0].astype(np.int64)
    out_sep[ok] = sep[ok]
    return Match(out_pk, out_sep)


# ------------------------------------------------------------------------------------------
# writes
# ------------------------------------------------------------------------------------------


def upsert_candidates(
    component: RadioComponent,
    optical_pks: Sequence[int],
    ra: Sequence[float],
    dec: Sequence[float],
    report: IngestReport,
    *,
    wcs: WCS | None = None,
) -> dict[tuple, int]:
    """Create/update the component's candidates with their cutout-frame geometry."""
    from catalog.pipeline.candidate_writer import write_candidates

    dx, dy, d = candidate_offsets(component.ra, component.dec, ra, dec, wcs=wcs)
    pks = np.asarray(optical_pks, np.int64)
    if len(np.unique(pks)) != len(pks):
        raise ValueError(f"upsert_candidates: an optical source twice for {component}")
    # the same writer as the set-based join (catalog.pipeline.candidates)
    write_candidates(np.full(len(pks), component.pk), pks, dx, dy, d, report)
    return {
        (component.pk, o): pk
        for pk, o in Candidate.objects.filter(
            component=component, optical_source_id__in=pks.tolist()
        ).values_list("pk", "optical_source_id")
    }


LABEL_FIELDS = (
    "source_id",
    "host_id",
    "host_ra",
    "host_dec",
    "no_host",
    "consensus_level",
    "match_separation_arcsec",
    "host_match_separation_arcsec",
    "author_name",
    "reason",
    "author_id",
)


def _label_same(old: Label, new: dict) -> bool:
    for f in LABEL_FIELDS:
        a, b = (
            getattr(old, f),
            new.get(f, Label._meta.get_field(f.removesuffix("_id")).get_default()),
        )
        if isinstance(a, float) or isinstance(b, float):
            if a is None or b is None:
                if a is not b:
                    return False
            elif abs(a - b) > 1e-9 * max(1.0, abs(a)):
                return False
        elif a != b:
            return False
    return True


def put_labels(rows: Iterable[dict], *, origin: str, report: IngestReport) -> list[int]:
    """Write labels of one origin idempotently, superseding (never editing) changed ones.

    A label's subject is ``component_id`` if given, else ``source_id``; the current label
    of that subject and origin is compared field by field: identical -> unchanged;
    different -> a new label with ``supersedes`` = the old one (labels are immutable).
    """
    rows = list(rows)
    comp_ids = {r["component_id"] for r in rows if r.get("component_id")}
    src_ids = {r["source_id"] for r in rows if not r.get("component_id")}
    current: dict[tuple, Label] = {}
    for lab in Label.objects.current().filter(origin=origin, component_id__in=comp_ids):
        current[("c", lab.component_id)] = lab
    for lab in Label.objects.current().filter(
        origin=origin, component__isnull=True, source_id__in=src_ids
    ):
        current[("s", lab.source_id)] = lab
    out, new, n_ins, n_upd, n_same, seen = [], [], 0, 0, 0, set()
    for r in rows:
        key = ("c", r["component_id"]) if r.get("component_id") else ("s", r["source_id"])
        if key in seen:
            raise ValueError(f"put_labels: two {origin} labels for the same subject {key}")
        seen.add(key)
        old = current.get(key)
        if old is not None and _label_same(old, r):
            n_same += 1
            out.append(old.pk)
            continue
        new.append(Label(origin=origin, supersedes=old, **r))
        if old is None:
            n_ins += 1
        else:
            n_upd += 1
    # bulk_create inserts only (Label.save forbids edits, which bulk_create never does)
    Label.objects.bulk_create(new, batch_size=2000)
    out.extend(lab.pk for lab in new)
    report.add("Label", inserted=n_ins, updated=n_upd, unchanged=n_same)
    return out


def optical_pk_map(catalogue: str, source_ids: Iterable[str]) -> dict[str, int]:
    ids = list({str(s) for s in source_ids})
    out: dict[str, int] = {}
    for i in range(0, len(ids), 5000):
        out.update(
            OpticalSource.objects.filter(
                catalogue=catalogue, source_id__in=ids[i : i + 5000]
            ).values_list("source_id", "pk")
        )
    return out


# ------------------------------------------------------------------------------------------
# cutouts
# ------------------------------------------------------------------------------------------


def store_cutout(
    provider,
    coord: SkyCoord,
    size: u.Quantity,
    *,
    component: RadioComponent | None = None,
    optical_source: OpticalSource | None = None,
    band: str = "",
    media_root=None,
):
    """Fetch a cutout, store it under the media root by sha256, upsert its ``Cutout`` row.

    Returns ``(cutout, notes)``; ``notes`` lists header quirks that were repaired
    (e.g. a non-numeric ``BMAJ``). Raises ``ValueError`` for a bad image (nothing stored).
    """
    from django.conf import settings

    from catalog.models import Cutout
    from catalog.providers.cutouts import save_fits
    from catalog.providers.fits_image import read_fits_image

    if (component is None) == (optical_source is None):
        raise ValueError("store_cutout: give exactly one of component or optical_source")
    raw = provider.fetch_bytes(coord, size, band=band)
    img = read_fits_image(raw, where=f"{provider.survey} cutout at {coord.to_string('decimal')}")
    root = media_root or settings.MEDIA_ROOT
    rel, sha = save_fits(raw, root, f"cutouts/{provider.survey.lower()}")
    owner = (
        {"component": component} if component is not None else {"optical_source": optical_source}
    )
    cut, _ = Cutout.objects.update_or_create(
        **owner,
        survey=provider.survey,
        band=band,
        defaults={
            "path": rel,
            "width_px": int(img.data.shape[1]),
            "height_px": int(img.data.shape[0]),
            "pixel_scale_arcsec": img.pixel_scale_arcsec,
            "sha256": sha,
        },
    )
    return cut, img.notes


def recompute_candidate_geometry(component: RadioComponent, *, media_root=None) -> int:
    """Recompute (dx, dy, D) of a component's candidates through its stored radio cutout WCS.

    The offsets are measured from the component's own pixel position in that WCS, so a
    cutout that is not exactly centred still gives offsets relative to the component.
    Returns the number of candidates updated (0 if the component has no VLASS cutout).
    """
    from pathlib import Path

    from django.conf import settings

    from catalog.providers.fits_image import read_fits_image

    cut = component.cutouts.filter(survey="VLASS").first()
    if cut is None:
        return 0
    img = read_fits_image(Path(media_root or settings.MEDIA_ROOT) / cut.path)
    cands = list(component.candidates.select_related("optical_source"))
    if not cands:
        return 0
    dx, dy, d = candidate_offsets(
        component.ra,
        component.dec,
        [c.optical_source.ra for c in cands],
        [c.optical_source.dec for c in cands],
        wcs=img.wcs,
    )
    for c, a, b, e in zip(cands, dx, dy, d, strict=True):
        c.dx_px, c.dy_px, c.distance_px = float(a), float(b), float(e)
    Candidate.objects.bulk_update(cands, ["dx_px", "dy_px", "distance_px"])
    return len(cands)
