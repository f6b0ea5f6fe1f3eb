"""Norris et al. 2006 (AJ 132, 2409) Tables 4 and 6 -> ATLAS components, sources, host labels.

Table 4 (784 ATLAS 1.4 GHz components) becomes ``RadioComponent`` rows of survey ATLAS,
epoch ``Norris2006``; Table 6 (726 sources: the experts' grouping of components, ``CID``,
and their SWIRE host) becomes ``RadioSource`` rows (origin ``norris2006``) with their
components linked. Each component gets a ``Label`` (origin ``norris2006``): host = the
SWIRE position decoded from ``SName`` (0.01 s / 0.1″ precision), linked to the nearest
PS1 object in the database within ``host_radius_arcsec``.

The same host labels are then carried to the components of other surveys by nearest
neighbour within ``match_radius_arcsec`` (Norris↔VLASS within 1″), keeping the
match separation. This is the expert test set of the seed (§4.2) and of Alger et al. 2018.

Parsing is :mod:`ml.data.norris2006` (shared with the evaluation code; no Django there).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from catalog.ingest.contract import IngestReport, cell_error, existing_file, run_ingest, upsert
from catalog.ingest.crossmatch import nearest_within
from catalog.ingest.label_rows import put_labels
from catalog.models import Epoch, Label, OpticalSource, RadioComponent, RadioSource, Survey
from ml.data.norris2006 import (
    NORRIS_TABLE4,
    NORRIS_TABLE6,
    NorrisComponent,
    NorrisSource,
    load_table4,
    load_table6,
)

ORIGIN = Label.Origin.NORRIS
EPOCH_NAME = "Norris2006"
AUTHOR = "Norris et al. 2006 (AJ 132, 2409), Table 6"
# SWIRE IRAC positions are good to a few tenths of an arcsec and the IRAC 3.6 µm PSF is
# 1.7″ FWHM; 2″ takes the nearest PS1 object within about one PSF: 96% of the seed's 71
# Norris hosts lie within 2″ of their PS1 re-identification (data PROVENANCE.md).
HOST_RADIUS_ARCSEC = 2.0
MATCH_RADIUS_ARCSEC = 1.0  # Norris↔VLASS nearest neighbour within 1″


def atlas_epoch() -> Epoch:
    survey, _ = Survey.objects.get_or_create(
        name="ATLAS",
        defaults={
            "frequency_ghz": 1.4,
            "beam_arcsec": 10.0,
            "description": "Australia Telescope Large Area Survey, CDFS (Norris et al. 2006).",
        },
    )
    epoch, _ = Epoch.objects.get_or_create(
        survey=survey, name=EPOCH_NAME, defaults={"catalogue_version": "J/AJ/132/2409"}
    )
    return epoch


def upsert_norris_structure(
    components: tuple[NorrisComponent, ...],
    sources: tuple[NorrisSource, ...],
    report: IngestReport,
    *,
    table6: str | Path = NORRIS_TABLE6,
) -> tuple[dict[str, int], dict[str, int]]:
    """Upsert Table-4 components and Table-6 sources; return ``{cid: pk}``, ``{sid: pk}``."""
    cids = [c.cid for c in components]
    if len(set(cids)) != len(cids):
        dup = next(c for c in cids if cids.count(c) > 1)
        raise cell_error(NORRIS_TABLE4, None, "ID", f"duplicate component ID {dup!r}")
    source_of: dict[str, str] = {}
    for s in sources:
        for cid in s.component_ids:
            if cid in source_of:
                raise cell_error(
                    table6, None, "CID", f"component {cid} in both {source_of[cid]} and {s.sid}"
                )
            source_of[cid] = s.sid
    src_pk = upsert(
        RadioSource,
        [
            {
                "origin": ORIGIN,
                "name": s.name,
                "ra": s.ra,
                "dec": s.dec,
                "total_flux_mjy": s.f20_mjy,
                "morphology": "",
            }
            for s in sources
        ],
        keys=("origin", "name"),
        report=report,
    )
    sid_pk = {s.sid: src_pk[(ORIGIN, s.name)] for s in sources}
    epoch = atlas_epoch()
    comp_pk = upsert(
        RadioComponent,
        [
            {
                "epoch_id": epoch.pk,
                "name": c.name,
                "ra": c.ra,
                "dec": c.dec,
                "source_id": sid_pk.get(source_of.get(c.cid)),
                "peak_flux_mjy": c.peak_flux_mjy,
                "total_flux_mjy": c.int_flux_mjy,
                # Table 4 sizes are deconvolved FWHM (0 = unresolved by the ATLAS beam).
                "dc_major_arcsec": c.major_arcsec,
                "dc_minor_arcsec": c.minor_arcsec,
                "pa_deg": c.pa_deg,
                "isl_rms_mjy": c.rms_ujy / 1000.0,
                "is_science": True,
                "extra": {"norris_id": c.cid, **({"comment": c.comment} if c.comment else {})},
            }
            for c in components
        ],
        keys=("epoch_id", "name"),
        report=report,
    )
    return {c.cid: comp_pk[(epoch.pk, c.name)] for c in components}, sid_pk


def host_of(s: NorrisSource) -> tuple[float | None, float | None, str]:
    """Host position of a Table-6 source and why: ``(ra, dec, reason)``; ``(None, None, r)``
    when the source has no usable host position."""
    if s.host_ra is not None:
        return s.host_ra, s.host_dec, f"SWIRE host {s.swire_name}"
    if s.swire_name.startswith("(") and s.is_multi_component:
        # Table 6 note 3: for multi-component sources RA/Dec *is* the host position.
        return s.ra, s.dec, f"pre-release SWIRE ID {s.swire_name}; host = Table-6 position"
    if s.swire_name.startswith("("):
        return None, None, "pre-release SWIRE ID without a host position"
    return None, None, "no SWIRE counterpart"


def ingest_norris(
    data_dir: str | Path,
    *,
    match_radius_arcsec: float = MATCH_RADIUS_ARCSEC,
    host_radius_arcsec: float = HOST_RADIUS_ARCSEC,
    dry_run: bool = False,
    progress=None,
) -> IngestReport:
    """Ingest Norris 2006 Tables 4 and 6 (one transaction) and their host labels.

    Parameters
    ----------
    data_dir : str or Path
        Root of the shared data (holds ``norris2006_atlas_cdfs/``).
    match_radius_arcsec : float
        Norris component ↔ other-survey component nearest-neighbour radius (arcsec).
    host_radius_arcsec : float
        SWIRE host position ↔ PS1 object radius (arcsec).
    """
    root = Path(data_dir)
    t4, t6 = root / NORRIS_TABLE4, root / NORRIS_TABLE6
    for p in (t4, t6):
        existing_file(p)
    report = IngestReport(source="norris2006 Tables 4+6", dry_run=dry_run)

    def work(rep: IngestReport) -> None:
        comps, srcs = load_table4(t4), load_table6(t6)
        cid_pk, sid_pk = upsert_norris_structure(comps, srcs, rep, table6=t6)
        if progress is not None:
            progress.update(len(comps))
        cindex = {c.cid: c for c in comps}
        # One label per (source, component): the component's host is its source's host.
        subj, hosts = [], []
        for s in srcs:
            hra, hdec, why = host_of(s)
            if hra is None and why.startswith("pre-release"):
                rep.reject(why, len(s.component_ids))
                continue
            for cid in s.component_ids:
                subj.append((cid_pk[cid], sid_pk[s.sid], cindex[cid], s))
                hosts.append((hra, hdec, why))
        hra = np.array([h[0] if h[0] is not None else np.nan for h in hosts])
        hdec = np.array([h[1] if h[1] is not None else np.nan for h in hosts])
        has = np.isfinite(hra)
        host_m = nearest_within(
            OpticalSource.objects.filter(catalogue=OpticalSource.Catalogue.PS1_DR2),
            hra[has],
            hdec[has],
            host_radius_arcsec,
        )
        host_pk = np.full(len(hosts), -1, dtype=np.int64)
        host_sep = np.full(len(hosts), np.nan)
        host_pk[has], host_sep[has] = host_m.pk, host_m.sep_arcsec

        def label(i: int, comp_pk: int, sep: float | None) -> dict:
            _, spk, _, _ = subj[i]
            ra_, dec_, why = hosts[i]
            d = {
                "component_id": comp_pk,
                "source_id": spk,
                "match_separation_arcsec": sep,
                "author_name": AUTHOR,
                "reason": why,
            }
            if ra_ is None:
                d["no_host"] = True
            else:
                d.update(host_ra=ra_, host_dec=dec_)
                if host_pk[i] >= 0:
                    d.update(
                        host_id=int(host_pk[i]), host_match_separation_arcsec=float(host_sep[i])
                    )
            return d

        rows = [label(i, s[0], 0.0) for i, s in enumerate(subj)]
        # Carry the labels to other surveys' components (e.g. VLASS): nearest Norris
        # component to each of them, within the radius.
        others = RadioComponent.objects.exclude(epoch__name=EPOCH_NAME, epoch__survey__name="ATLAS")
        ra4 = np.array([s[2].ra for s in subj])
        dec4 = np.array([s[2].dec for s in subj])
        if len(ra4):
            lo, hi = dec4.min() - 0.01, dec4.max() + 0.01
            cand = list(others.filter(dec__gte=lo, dec__lte=hi).values_list("pk", "ra", "dec"))
            if cand:
                arr = np.asarray(cand, dtype=float)
                import astropy.units as u
                from astropy.coordinates import SkyCoord

                idx, sep, _ = SkyCoord(arr[:, 1] * u.deg, arr[:, 2] * u.deg).match_to_catalog_sky(
                    SkyCoord(ra4 * u.deg, dec4 * u.deg)
                )
                sep = sep.to_value(u.arcsec)
                ok = sep <= match_radius_arcsec
                rows += [
                    label(int(idx[j]), int(arr[j, 0]), float(sep[j])) for j in np.flatnonzero(ok)
                ]
                rep.notes.append(
                    f"{int(ok.sum())} of {len(cand)} other-survey components in the field have a "
                    f"Norris component within {match_radius_arcsec}″"
                )
        put_labels(rows, origin=ORIGIN, report=rep)

    return run_ingest(work, report)
