"""Catalogue rows and tables of simulated fields, in the real surveys' column names.

The CIRADA VLASS QL component CSV (:func:`cirada_rows`, the 70 :data:`CIRADA_COLUMNS`), the
VizieR-named PS1 DR2 and AllWISE candidate columns, the simulator's truth columns, and their
VOTable (:func:`write_votable`) and Parquet (:func:`write_parquet`) writers; every file is
marked simulated (:mod:`ml.sim.marks`). Formats are documented in :mod:`ml.sim.formats`.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
from astropy.io.votable import from_table
from astropy.io.votable.tree import Info
from astropy.table import Table

from ml.sim import optical as O
from ml.sim.field import SimField
from ml.sim.marks import GENERATOR

CIRADA_COLUMNS = (
    "Component_name", "Component_id", "Isl_id", "RA", "DEC", "E_RA", "E_DEC",
    "Total_flux", "E_Total_flux", "Peak_flux", "E_Peak_flux", "Maj", "E_Maj", "Min", "E_Min",
    "PA", "E_PA", "Isl_Total_flux", "E_Isl_Total_flux", "Isl_rms", "Isl_mean",
    "Resid_Isl_rms", "Resid_Isl_mean", "RA_max", "DEC_max", "E_RA_max", "E_DEC_max",
    "S_Code", "Xposn", "E_Xposn", "Yposn", "E_Yposn", "Xposn_max", "E_Xposn_max",
    "Yposn_max", "E_Yposn_max", "Maj_img_plane", "E_Maj_img_plane", "Min_img_plane",
    "E_Min_img_plane", "PA_img_plane", "E_PA_img_plane", "DC_Maj", "E_DC_Maj", "DC_Min",
    "E_DC_Min", "DC_PA", "E_DC_PA", "DC_Maj_img_plane", "E_DC_Maj_img_plane",
    "DC_Min_img_plane", "E_DC_Min_img_plane", "DC_PA_img_plane", "E_DC_PA_img_plane",
    "Tile", "Subtile", "QL_image_RA", "QL_image_DEC", "NVSS_distance", "FIRST_distance",
    "Peak_to_ring", "Duplicate_flag", "Quality_flag", "Source_name", "Source_type",
    "QL_cutout", "NN_dist", "BMAJ", "BMIN", "BPA",
)  # fmt: skip


def j_name(ra_deg: float, dec_deg: float, ra_decimals: int = 2, dec_decimals: int = 1) -> str:
    """IAU-style ``Jhhmmss.ss+ddmmss.s`` (truncated, not rounded, as survey names are)."""
    ra_h = (ra_deg % 360.0) / 15.0
    h = int(ra_h)
    m = int((ra_h - h) * 60)
    s = (ra_h - h - m / 60) * 3600
    s = math.floor(s * 10**ra_decimals) / 10**ra_decimals
    sign = "-" if dec_deg < 0 else "+"
    d_abs = abs(dec_deg)
    d = int(d_abs)
    dm = int((d_abs - d) * 60)
    ds = (d_abs - d - dm / 60) * 3600
    ds = math.floor(ds * 10**dec_decimals) / 10**dec_decimals
    rw = 3 + ra_decimals if ra_decimals else 2
    dw = 3 + dec_decimals if dec_decimals else 2
    return f"J{h:02d}{m:02d}{s:0{rw}.{ra_decimals}f}{sign}{d:02d}{dm:02d}{ds:0{dw}.{dec_decimals}f}"


def cirada_rows(f: SimField, field_id: int | str) -> list[dict]:
    """CIRADA-format rows (dicts keyed by :data:`CIRADA_COLUMNS`) for every component."""
    comps = f.components
    rows = []
    if len(comps) == 0:
        return rows
    ra = np.asarray(comps["ra"])
    dec = np.asarray(comps["dec"])
    cosd = np.cos(np.deg2rad(dec))
    c_pix = (f.radio.shape[1] - 1) / 2.0
    rms = f.noise_ujy * 1e-3  # mJy/beam
    for k in range(len(comps)):
        c = comps[k]
        snr = max(float(c["peak_flux_mjy_beam"]) / rms, 1e-3)
        # Condon 1997-style scalings: position error ~ beam / (2 SNR), flux error ~ rms
        e_pos = f.beam.bmaj_arcsec / (2 * snr)
        nn = np.hypot((ra - ra[k]) * cosd[k], dec - dec[k]) * 3600
        nn[k] = np.inf
        row = {
            "Component_name": f"VLASS1QLCIR {j_name(ra[k], dec[k])}",
            "Component_id": int(c["component_id"]),
            "Isl_id": int(c["island_id"]),
            "RA": ra[k],
            "DEC": dec[k],
            "E_RA": e_pos / 3600.0,
            "E_DEC": e_pos / 3600.0,
            "Total_flux": float(c["total_flux_mjy"]),
            "E_Total_flux": rms
            * math.sqrt(
                max(
                    float(c["maj_arcsec"])
                    * float(c["min_arcsec"])
                    / (f.beam.bmaj_arcsec * f.beam.bmin_arcsec),
                    1.0,
                )
            ),
            "Peak_flux": float(c["peak_flux_mjy_beam"]),
            "E_Peak_flux": rms,
            "Maj": float(c["maj_arcsec"]),
            "E_Maj": float(c["maj_arcsec"]) / snr,
            "Min": float(c["min_arcsec"]),
            "E_Min": float(c["min_arcsec"]) / snr,
            "PA": float(c["pa_deg"]),
            "E_PA": min(180.0, 57.3 / snr),
            "Isl_Total_flux": float(
                np.sum(comps["total_flux_mjy"][comps["island_id"] == c["island_id"]])
            ),
            "E_Isl_Total_flux": rms,
            "Isl_rms": rms,
            "Isl_mean": 0.0,
            "Resid_Isl_rms": rms,
            "Resid_Isl_mean": 0.0,
            "RA_max": ra[k],
            "DEC_max": dec[k],
            "E_RA_max": e_pos / 3600.0,
            "E_DEC_max": e_pos / 3600.0,
            "S_Code": str(c["s_code"]),
            "Xposn": float(c["x"]) + c_pix,
            "E_Xposn": e_pos,
            "Yposn": float(c["y"]) + c_pix,
            "E_Yposn": e_pos,
            "Xposn_max": float(c["x"]) + c_pix,
            "E_Xposn_max": e_pos,
            "Yposn_max": float(c["y"]) + c_pix,
            "E_Yposn_max": e_pos,
            "Maj_img_plane": float(c["maj_arcsec"]),
            "E_Maj_img_plane": float(c["maj_arcsec"]) / snr,
            "Min_img_plane": float(c["min_arcsec"]),
            "E_Min_img_plane": float(c["min_arcsec"]) / snr,
            "PA_img_plane": float(c["pa_deg"]),
            "E_PA_img_plane": min(180.0, 57.3 / snr),
            "DC_Maj": float(c["dc_maj_arcsec"]),
            "E_DC_Maj": float(c["maj_arcsec"]) / snr,
            "DC_Min": float(c["dc_min_arcsec"]),
            "E_DC_Min": float(c["min_arcsec"]) / snr,
            "DC_PA": float(c["dc_pa_deg"]),
            "E_DC_PA": min(180.0, 57.3 / snr),
            "DC_Maj_img_plane": float(c["dc_maj_arcsec"]),
            "E_DC_Maj_img_plane": float(c["maj_arcsec"]) / snr,
            "DC_Min_img_plane": float(c["dc_min_arcsec"]),
            "E_DC_Min_img_plane": float(c["min_arcsec"]) / snr,
            "DC_PA_img_plane": float(c["dc_pa_deg"]),
            "E_DC_PA_img_plane": min(180.0, 57.3 / snr),
            "Tile": "SIMULATED",
            "Subtile": f"SIM{field_id}",
            "QL_image_RA": float(f.center.ra.deg),
            "QL_image_DEC": float(f.center.dec.deg),
            "NVSS_distance": "",
            "FIRST_distance": "",
            "Peak_to_ring": snr / 5.0,
            "Duplicate_flag": 0,
            "Quality_flag": 0,
            "Source_name": "",
            "Source_type": "",
            "QL_cutout": f"simulated://radiohost/ml.sim/field/{field_id}?seed={f.seed}",
            "NN_dist": float(nn.min()) if len(comps) > 1 else "",
            "BMAJ": f.beam.bmaj_arcsec,
            "BMIN": f.beam.bmin_arcsec,
            "BPA": f.beam.bpa_deg,
        }
        rows.append(row)
    return rows


_UNITS = {"RAJ2000": "deg", "DEJ2000": "deg"}
_UNITS.update({f"{b}mag": "mag" for b in O.BANDS})
_UNITS.update({f"e_{b}mag": "mag" for b in O.BANDS})
_UNITS.update({k: "mag" for k in ("W1mag", "e_W1mag", "W2mag", "e_W2mag")})
#: columns where NaN means "no measurement" -> a masked (empty) VOTable cell
_MASK_NAN = {k for k, u in _UNITS.items() if u == "mag"}


def ps1_columns(f: SimField, field_id: int | str) -> dict[str, np.ndarray]:
    """Candidate columns with VizieR PS1 DR2 (II/389) names (no truth columns)."""
    c = f.candidates
    cols = {
        "field_id": np.full(len(c), str(field_id), dtype="U16"),
        "objID": np.asarray(c["objID"], np.int64),
        "RAJ2000": np.asarray(c["ra"], float),
        "DEJ2000": np.asarray(c["dec"], float),
    }
    for b in O.BANDS:
        cols[f"{b}mag"] = np.asarray(c[f"{b}mag"])
        cols[f"e_{b}mag"] = np.asarray(c[f"{b}mag_err"])
    return cols


def allwise_columns(f: SimField, field_id: int | str) -> dict[str, np.ndarray]:
    """AllWISE matches of the candidates with VizieR II/328 names (matched rows only)."""
    c = f.candidates
    m = np.isfinite(np.asarray(c["w1mag"]))
    ra = np.asarray(c["ra"], float)[m]
    dec = np.asarray(c["dec"], float)[m]
    return {
        "field_id": np.full(int(m.sum()), str(field_id), dtype="U16"),
        # explicit dtype: a field with no match must still stack with the others
        "AllWISE": np.array([j_name(a, d) for a, d in zip(ra, dec, strict=True)], dtype="U19"),
        "objID": np.asarray(c["objID"], np.int64)[m],
        "RAJ2000": ra,
        "DEJ2000": dec,
        "W1mag": np.asarray(c["w1mag"])[m],
        "e_W1mag": np.asarray(c["w1mag_err"])[m],
        "W2mag": np.asarray(c["w2mag"])[m],
        "e_W2mag": np.asarray(c["w2mag_err"])[m],
    }


def truth_columns(f: SimField, field_id: int | str) -> dict[str, np.ndarray]:
    """Per-candidate truth (class, host flag, which radio source it hosts)."""
    c = f.candidates
    return {
        "field_id": np.full(len(c), str(field_id), dtype="U16"),
        "objID": np.asarray(c["objID"], np.int64),
        "true_class": np.asarray(c["true_class"], dtype="U6"),
        "is_host": np.asarray(c["is_host"], bool),
        "hosts_source": np.asarray(c["hosts_source"], np.int32),
        "simulated": np.ones(len(c), bool),
    }


def columns_to_table(parts: list[dict[str, np.ndarray]]) -> Table:
    """Concatenate per-field column dicts into one Table (NaN magnitudes masked, units set).

    Built once per chunk: astropy Table construction costs milliseconds per call, more than
    the simulation of a field.
    """
    names = list(parts[0])
    t = Table()
    for k in names:
        v = np.concatenate([p[k] for p in parts])
        t[k] = np.ma.masked_invalid(v) if k in _MASK_NAN else v
        if k in _UNITS:
            t[k].unit = _UNITS[k]
    return t


def ps1_table(f: SimField, field_id: int | str) -> Table:
    """One field's PS1-like candidate table (see :func:`ps1_columns`)."""
    return columns_to_table([ps1_columns(f, field_id)])


def allwise_table(f: SimField, field_id: int | str) -> Table:
    """One field's AllWISE-like table (see :func:`allwise_columns`)."""
    return columns_to_table([allwise_columns(f, field_id)])


def truth_table(f: SimField, field_id: int | str) -> Table:
    """One field's truth table (see :func:`truth_columns`)."""
    return columns_to_table([truth_columns(f, field_id)])


def write_votable(table: Table, path: str | os.PathLike, *, catalogue: str, seed: int) -> Path:
    """Write ``table`` as a VOTable marked simulated (INFO elements)."""
    vot = from_table(table)
    res = vot.resources[0]
    res.infos.append(Info(name="simulated", value="true"))
    res.infos.append(Info(name="generator", value=GENERATOR))
    res.infos.append(Info(name="seed", value=str(seed)))
    res.infos.append(Info(name="mimics", value=catalogue))
    vot.to_xml(str(path))
    return Path(path)


def write_parquet(
    parts: list[dict[str, np.ndarray]], path: str | os.PathLike, *, seed: int
) -> Path:
    """Per-field column dicts as one Parquet file (VizieR names; NaN = no measurement),
    the bulk catalogue form the candidate join reads, marked simulated."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    t = pa.table({k: np.concatenate([p[k] for p in parts]) for k in parts[0]})
    meta = {b"simulated": b"true", b"generator": GENERATOR.encode(), b"seed": str(seed).encode()}
    pq.write_table(t.replace_schema_metadata(meta), path)
    return Path(path)
