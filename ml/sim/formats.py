"""Writers that put simulated fields on disk in the formats of the real inputs.

Every file says it is simulated:

* FITS: ``SIMULATE = T``, ``SIMSEED`` (field seed), ``ORIGIN = 'radiohost ml.sim'``,
  ``OBJECT = 'SIMULATED'`` and a COMMENT card;
* VOTables: ``INFO name="simulated" value="true"`` plus the generator and seed;
* the CIRADA-format CSV keeps exactly the 70 real columns (so the real ingest code reads it),
  and marks every row in-band: ``Tile = 'SIMULATED'``, ``QL_cutout = 'simulated://...'``;
  a sidecar ``<file>.meta.json`` says ``"simulated": true``;
* the labels CSV has a ``simulated`` column (always ``1``).

Formats
-------
Radio FITS (:func:`write_radio_fits`)
    Like a VLASS QL image: 4-D (RA, DEC, FREQ, STOKES) float32 in Jy/beam, ``RA---SIN`` /
    ``DEC--SIN`` at 1"/px, ``CRVAL3 = 3 GHz``, ``BMAJ``/``BMIN`` (deg), ``BPA`` (deg).
PS1 stamp FITS (:func:`write_ps1_stamps`)
    One file per band, 240x240 float32 at 0.25"/px, ``RA---TAN``, linear counts with
    ``EXPTIME`` and ``HIERARCH FPA.ZP = 25`` as in the real PS1 fitscut stamps, so
    ``m_AB = FPA.ZP + 2.5 log10(EXPTIME) - 2.5 log10(counts)``.
CIRADA component CSV (:func:`cirada_rows`)
    The 70 columns of the CIRADA VLASS QL "table 1: components" (:data:`CIRADA_COLUMNS`).
    Fluxes in mJy, sizes in arcsec, angles in deg, positions in deg.  ``Xposn``/``Yposn``
    are 0-based pixels of the simulated *cutout* (there is no QL tile); ``NVSS_distance``
    and ``FIRST_distance`` are empty (no simulated NVSS/FIRST); ``Duplicate_flag`` and
    ``Quality_flag`` are 0 (the seed's selection, ``Duplicate_flag < 2 and
    Quality_flag == 0``, keeps every row).
PS1 candidate VOTable (:func:`ps1_table`)
    VizieR-like names of PS1 DR2 ``II/389`` (same as DR1 ``II/349``): ``objID``, ``RAJ2000``,
    ``DEJ2000`` (deg), ``gmag``, ``e_gmag``, ..., ``ymag``, ``e_ymag`` (AB mag; empty =
    not detected), plus ``field_id``.  Truth columns are *not* in this file (they are in the
    labels CSV and in the separate truth VOTables of :func:`truth_table`).
AllWISE candidate VOTable (:func:`allwise_table`)
    VizieR ``II/328/allwise`` names: ``AllWISE`` (designation ``Jhhmmss.ss+ddmmss.s``),
    ``RAJ2000``, ``DEJ2000``, ``W1mag``, ``e_W1mag``, ``W2mag``, ``e_W2mag`` (Vega), plus
    ``field_id`` and ``objID`` (the PS1 object it belongs to; rows only where matched).
Labels CSV
    ``field_id, field_seed, component_name, ra, dec, host_objID, host_ra, host_dec,
    host_sep_arcsec, host_class, morphology, n_candidates, beam_bmaj_arcsec,
    beam_bmin_arcsec, beam_bpa_deg, noise_ujy, simulated``.

This module streams a whole sky (:func:`write_sky`) and writes the labels CSV; the FITS writers
are :mod:`ml.sim.fits_files`, the catalogue rows and tables :mod:`ml.sim.catalogues`, and the
simulated markers :mod:`ml.sim.marks`.
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from ml.sim.catalogues import (
    CIRADA_COLUMNS,
    allwise_columns,
    cirada_rows,
    columns_to_table,
    ps1_columns,
    truth_columns,
    write_parquet,
    write_votable,
)
from ml.sim.field import SimField, simulate_field
from ml.sim.fits_files import write_ps1_stamps, write_radio_fits
from ml.sim.marks import FORMAT_VERSION, GENERATOR

LABEL_COLUMNS = (
    "field_id", "field_seed", "component_name", "ra", "dec", "host_objID", "host_ra",
    "host_dec", "host_sep_arcsec", "host_class", "morphology", "n_candidates",
    "beam_bmaj_arcsec", "beam_bmin_arcsec", "beam_bpa_deg", "noise_ujy", "simulated",
)  # fmt: skip


def label_row(f: SimField, field_id: int | str, component_name: str) -> dict:
    h = f.candidates[f.host_index]
    return {
        "field_id": field_id,
        "field_seed": f.seed,
        "component_name": component_name,
        "ra": f"{f.center.ra.deg:.7f}",
        "dec": f"{f.center.dec.deg:.7f}",
        "host_objID": int(h["objID"]),
        "host_ra": f"{float(h['ra']):.7f}",
        "host_dec": f"{float(h['dec']):.7f}",
        "host_sep_arcsec": f"{float(h['sep_arcsec']):.3f}",
        "host_class": str(h["true_class"]),
        "morphology": f.morphology,
        "n_candidates": len(f.candidates),
        "beam_bmaj_arcsec": f"{f.beam.bmaj_arcsec:.3f}",
        "beam_bmin_arcsec": f"{f.beam.bmin_arcsec:.3f}",
        "beam_bpa_deg": f"{f.beam.bpa_deg:.2f}",
        "noise_ujy": f"{f.noise_ujy:.1f}",
        "simulated": 1,
    }


def field_seed(seed: int, i: int) -> int:
    """Seed of field ``i`` of a sky made with ``seed`` (decorrelated, 63-bit)."""
    s = np.random.SeedSequence([int(seed), int(i)]).generate_state(2, dtype=np.uint32)
    return int((int(s[0]) << 31) | (int(s[1]) >> 1))


def _fmt(v):
    if isinstance(v, float | np.floating):
        return repr(float(v)) if np.isfinite(v) else ""
    return v


def write_sky(
    n_fields: int,
    out_dir: str | os.PathLike,
    seed: int,
    *,
    stamps: str = "none",
    chunk: int = 1000,
    progress: bool = False,
    **field_opts,
) -> dict:
    """Simulate ``n_fields`` fields and stream them to ``out_dir``.

    Layout::

        out_dir/SIMULATED.json                 what this is, seed, options, counts
        out_dir/radio/field_000000.fits        4-D VLASS-QL-like image, Jy/beam
        out_dir/vlass_components.csv           CIRADA 70-column component table (+ .meta.json)
        out_dir/ps1/ps1_candidates_0000.vot    PS1 DR2-like candidates, ``chunk`` fields a file
        out_dir/allwise/allwise_0000.vot       AllWISE-like matches
        out_dir/truth/truth_0000.vot           candidate classes and host flags
        out_dir/catalogues/ps1_0000.parquet    the same PS1-like / AllWISE-like rows as bulk
        out_dir/catalogues/allwise_0000.parquet  catalogue files (``ingest_optical_catalogue``)
        out_dir/labels.csv                     one row per field: component, host, morphology
        out_dir/stamps/field_000000/<objID>_<band>.fits   PS1-like stamps (see ``stamps``)

    Parameters
    ----------
    n_fields : int
        Number of fields (>= 1).
    out_dir : path
        Created if needed; existing files of the same name are overwritten.
    seed : int
        Sky seed; field ``i`` uses :func:`field_seed(seed, i) <field_seed>`.
    stamps : {"host", "none", "all"}
        Which candidates get PS1 stamps written (5 files of 230 kB each): none (default:
        every stamp can be regenerated bit for bit with
        ``simulate_field(field_seed).optical_stamps(i)``), only the host (1.2 MB a field), or
        every candidate (about 20 MB a field).
    chunk : int
        Fields per VOTable file.
    progress : bool
        Show a tqdm bar.
    **field_opts
        Passed to :func:`ml.sim.field.simulate_field`.

    Returns
    -------
    dict
        ``n_fields``, ``bytes`` written, ``seconds``, ``fields_per_s``, ``out_dir``.

    Raises
    ------
    ValueError
        On ``n_fields < 1``, a bad ``stamps`` value or ``chunk < 1``.
    """
    if int(n_fields) != n_fields or n_fields < 1:
        raise ValueError(f"n_fields must be a positive integer, got {n_fields!r}")
    if stamps not in ("host", "none", "all"):
        raise ValueError(f"stamps must be 'host', 'none' or 'all', got {stamps!r}")
    if int(chunk) != chunk or chunk < 1:
        raise ValueError(f"chunk must be a positive integer, got {chunk!r}")
    out = Path(out_dir)
    for sub in ("radio", "ps1", "allwise", "truth", "catalogues"):
        (out / sub).mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    manifest = {
        "simulated": True,
        "generator": GENERATOR,
        "format_version": FORMAT_VERSION,
        "issue": 5,
        "seed": int(seed),
        "n_fields": int(n_fields),
        "stamps": stamps,
        "field_opts": {k: repr(v) for k, v in field_opts.items()},
        "note": "Every file here is SIMULATED by radiohost ml.sim; nothing is an observation.",
    }
    (out / "SIMULATED.json").write_text(json.dumps(manifest, indent=2))
    comp_csv = out / "vlass_components.csv"
    (out / "vlass_components.csv.meta.json").write_text(
        json.dumps({"simulated": True, "generator": GENERATOR, "seed": int(seed),
                    "mimics": "CIRADA VLASS QL table 1: components (70 columns)"}, indent=2)
    )  # fmt: skip
    it: Iterable[int] = range(int(n_fields))
    if progress:
        from tqdm import tqdm

        it = tqdm(it, desc="simulating fields", unit="field")
    buf_ps1: list[dict] = []
    buf_wise: list[dict] = []
    buf_truth: list[dict] = []

    def flush(k: int) -> None:
        if not buf_ps1:
            return
        write_votable(columns_to_table(buf_ps1), out / "ps1" / f"ps1_candidates_{k:04d}.vot",
                      catalogue="VizieR II/389 (PS1 DR2)", seed=seed)  # fmt: skip
        write_votable(columns_to_table(buf_wise), out / "allwise" / f"allwise_{k:04d}.vot",
                      catalogue="VizieR II/328/allwise", seed=seed)  # fmt: skip
        write_votable(columns_to_table(buf_truth), out / "truth" / f"truth_{k:04d}.vot",
                      catalogue="simulator truth", seed=seed)  # fmt: skip
        write_parquet(buf_ps1, out / "catalogues" / f"ps1_{k:04d}.parquet", seed=seed)
        write_parquet(buf_wise, out / "catalogues" / f"allwise_{k:04d}.parquet", seed=seed)
        buf_ps1.clear()
        buf_wise.clear()
        buf_truth.clear()

    with open(comp_csv, "w", newline="") as fc, open(out / "labels.csv", "w", newline="") as fl:
        wc = csv.DictWriter(fc, fieldnames=CIRADA_COLUMNS)
        wl = csv.DictWriter(fl, fieldnames=LABEL_COLUMNS)
        wc.writeheader()
        wl.writeheader()
        for i in it:
            fid = f"{i:06d}"
            f = simulate_field(field_seed(seed, i), **field_opts)
            write_radio_fits(f, out / "radio" / f"field_{fid}.fits")
            rows = cirada_rows(f, fid)
            for r in rows:
                wc.writerow({k: _fmt(v) for k, v in r.items()})
            tgt = np.flatnonzero(np.asarray(f.components["is_target"]))
            name = rows[int(tgt[0])]["Component_name"] if len(tgt) else ""
            wl.writerow(label_row(f, fid, name))
            buf_ps1.append(ps1_columns(f, fid))
            buf_wise.append(allwise_columns(f, fid))
            buf_truth.append(truth_columns(f, fid))
            if stamps != "none":
                idx = [f.host_index] if stamps == "host" else range(len(f.candidates))
                for j in idx:
                    write_ps1_stamps(f, int(j), out / "stamps" / f"field_{fid}")
            if (i + 1) % chunk == 0:
                flush(i // chunk)
        flush((int(n_fields) - 1) // chunk)
    dt = time.perf_counter() - t0
    nbytes = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {
        "n_fields": int(n_fields),
        "bytes": int(nbytes),
        "seconds": dt,
        "fields_per_s": n_fields / dt if dt > 0 else float("inf"),
        "out_dir": str(out),
    }
