"""The component overlay's ORM side: inputs from the answer, a digest, storage, rendering.

The PNG goes to the image store (:mod:`catalog.images.store`, Django's storage API) under
``overlays/<component id>/<digest>.png``;
the digest covers everything drawn (model version, every candidate's likelihood and rank, the
current label, the cutouts' sha256, the drawing code's version), so when predictions or the
label change the page asks for a new file and the task renders it; an unchanged component is
never redrawn. Pixels: the component's stored VLASS cutout (``Cutout``, fetched by a task,
never in a request) when there is one, else a model image of the field made from the radio
catalogue's Gaussian fits (:func:`ml.sim.radio.render_components`), labelled so. The caption
says which: stored pixels (and whether they are simulated), a catalogue model, or nothing to
draw when the component has neither pixels nor a catalogue flux.
"""

from __future__ import annotations

import hashlib
import json

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord

from catalog.images import store
from catalog.models import Cutout, OpticalSource, RadioComponent
from catalog.providers.fits_image import read_fits_image
from catalog.read.answers import component_answer
from catalog.read.provenance import is_simulated_epoch
from ml.plots.overlay import OverlayCandidate, OverlayInputs, render_overlay
from ml.seed import CUTOUT_SIZE_PX

RENDER_VERSION = 2  # 2: robust contours, inset, captions that say what is drawn
FIELD_PX = CUTOUT_SIZE_PX  # seed §3.3: 240 × 240 px at 1″/px
RENDER_RADIUS_ARCSEC = 180.0  # components whose emission can reach the 3.6′ field
#: contour unit for a catalogue render: the VLASS QL single-epoch noise (lower end)
CATALOGUE_SIGMA_JY = 120e-6
RADIO_SURVEYS = ("VLASS", "SIM")
OPTICAL_SURVEYS = ("PS1",)


def _cutout(component_id: int, surveys) -> Cutout | None:
    return (
        Cutout.objects.filter(component_id=component_id, survey__in=surveys)
        .order_by("survey", "band")
        .first()
    )


def digest(answer, radio: Cutout | None, optical: Cutout | None) -> str:
    label = answer.label
    payload = {
        "v": RENDER_VERSION,
        "c": answer.component.pk,
        "mv": answer.model_version.pk if answer.model_version else None,
        "cands": [[c.candidate_id, c.likelihood, c.rank, c.is_prime] for c in answer.candidates],
        "label": None if label is None else label.id,
        "radio": radio.sha256 if radio else None,
        "optical": optical.sha256 if optical else None,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def current_name(answer) -> str:
    cid = answer.component.pk
    return store.overlay_name(
        cid, digest(answer, _cutout(cid, RADIO_SURVEYS), _cutout(cid, OPTICAL_SURVEYS))
    )


def catalogue_field(component: RadioComponent) -> tuple[np.ndarray, object]:
    """The 240 × 240 px, 1″/px field rendered from the epoch's radio catalogue."""
    from ml.sim.radio import render_components
    from ml.sim.vlass import vlass_wcs

    centre = SkyCoord(component.ra * u.deg, component.dec * u.deg)
    rows = list(
        RadioComponent.objects.filter(epoch_id=component.epoch_id)
        .cone_search(centre, RENDER_RADIUS_ARCSEC * u.arcsec)
        .values_list("ra", "dec", "total_flux_mjy", "dc_major_arcsec", "dc_minor_arcsec", "pa_deg")
    )
    wcs = vlass_wcs(centre, FIELD_PX, 1.0)
    ra, dec, flux, maj, mnr, pa = (
        np.array([np.nan if v is None else v for v in col], float)
        for col in zip(*rows, strict=True)
    )
    flux = np.where(np.isfinite(flux) & (flux > 0), flux, 0.0)
    maj = np.where(np.isfinite(maj) & (maj > 0), maj, 0.0)
    mnr = np.minimum(np.where(np.isfinite(mnr) & (mnr > 0), mnr, 0.0), maj)
    # VLASS catalogue fluxes are at 3 GHz already; the QL restoring beam is ~2.5″ (seed §2.1)
    img = render_components(
        ra, dec, flux, maj, mnr, pa, wcs=wcs, beam_arcsec=(2.5, 2.5, 0.0),
        freq_from_ghz=3.0, freq_to_ghz=3.0,
    )  # fmt: skip
    return img, wcs


def overlay_inputs(answer) -> OverlayInputs:
    comp = answer.component
    radio_cut = _cutout(comp.pk, RADIO_SURVEYS)
    optical_cut = _cutout(comp.pk, OPTICAL_SURVEYS)
    simulated = is_simulated_epoch(comp.epoch) or (
        radio_cut is not None and radio_cut.survey == "SIM"
    )
    sim = "SIMULATED " if simulated else ""
    if radio_cut is not None:
        img = read_fits_image(store.read_bytes(radio_cut.path), where=radio_cut.path)
        radio, radio_wcs, sigma = img.data, img.wcs, None
        caption = f"{sim}{radio_cut.survey} image (sha256 {radio_cut.sha256[:10]}…)"
    else:
        radio, radio_wcs = catalogue_field(comp)
        sigma = CATALOGUE_SIGMA_JY
        if np.nanmax(radio, initial=0.0) > 0:
            caption = f"{sim}catalogue model: Gaussian fits at the 2.5″ beam (no pixels stored)"
        else:
            caption = "no radio pixels stored and no catalogue flux here: no radio drawn"
    optical = optical_wcs = None
    optical_caption = "optical catalogue map (no optical pixels stored)"
    if optical_cut is not None:
        oimg = read_fits_image(store.read_bytes(optical_cut.path), where=optical_cut.path)
        optical, optical_wcs = oimg.data, oimg.wcs
        optical_caption = f"{optical_cut.survey} {optical_cut.band} stamp"
    label = answer.label
    host = None
    label_caption = ""
    if label is not None and not label.no_host:
        if label.host_id is not None:
            pos = OpticalSource.objects.filter(pk=label.host_id).values_list("ra", "dec").first()
            host = tuple(pos) if pos else None
        elif label.host_ra is not None:
            host = (label.host_ra, label.host_dec)
        label_caption = f"{label.origin} label host"
    cands = [
        OverlayCandidate(
            ra=c.ra,
            dec=c.dec,
            likelihood=c.likelihood,
            rank=c.rank,
            is_prime=bool(c.is_prime),
            r_mag=c.photometry.get("r_mag"),
        )
        for c in answer.candidates
    ]
    title = comp.name + (" — label: no host" if label is not None and label.no_host else "")
    return OverlayInputs(
        title=title,
        ra=comp.ra,
        dec=comp.dec,
        radio=np.asarray(radio, float),
        radio_wcs=radio_wcs,
        radio_caption=caption,
        radio_sigma=sigma,
        optical=optical,
        optical_wcs=optical_wcs,
        optical_caption=optical_caption,
        candidates=cands,
        label_host=host,
        label_caption=label_caption,
    )


def render_and_store(component_id: int) -> str:
    """Render the component's overlay if its current digest has no file yet; returns the
    storage name (idempotent: an existing file is kept)."""
    answer = component_answer(component_id, epochs=False)
    name = current_name(answer)
    if not store.exists(name):
        store.save_once(name, render_overlay(overlay_inputs(answer)))
    return name
