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
"""

from __future__ import annotations

import csv
import json
import math
import os
import time
from collections.abc import Iterable
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.io.votable import from_table
from astropy.io.votable.tree import Info
from astropy.table import Table

from ml.sim import optical as O
from ml.sim.field import SimField, simulate_field

GENERATOR = "radiohost ml.sim"
FORMAT_VERSION = 1

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

LABEL_COLUMNS = (
    "field_id", "field_seed", "component_name", "ra", "dec", "host_objID", "host_ra",
    "host_dec", "host_sep_arcsec", "host_class", "morphology", "n_candidates",
    "beam_bmaj_arcsec", "beam_bmin_arcsec", "beam_bpa_deg", "noise_ujy", "simulated",
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


def _sim_cards(hdr: fits.Header, seed: int) -> None:
    hdr["SIMULATE"] = (True, "simulated data, not an observation")
    hdr["SIMSEED"] = (int(seed), "ml.sim.simulate_field seed")
    hdr["ORIGIN"] = (GENERATOR, "generator")
    hdr["OBJECT"] = "SIMULATED"
    hdr["COMMENT"] = "SIMULATED by radiohost ml.sim; not a real observation."


def radio_header(f: SimField, *, four_d: bool = True) -> fits.Header:
    """VLASS-QL-like primary header of the radio image (4-D unless ``four_d=False``)."""
    w = f.wcs.wcs
    ny, nx = f.radio.shape
    cards = [
        ("SIMPLE", True, "conforms to FITS standard"),
        ("BITPIX", -32, "array data type"),
        ("NAXIS", 4 if four_d else 2, "number of array dimensions"),
        ("NAXIS1", nx, ""),
        ("NAXIS2", ny, ""),
    ]
    if four_d:
        cards += [("NAXIS3", 1, ""), ("NAXIS4", 1, "")]
    cards += [
        ("EXTEND", True, ""),
        ("BSCALE", 1.0, ""),
        ("BZERO", 0.0, ""),
        ("BMAJ", f.beam.bmaj_arcsec / 3600.0, "deg"),
        ("BMIN", f.beam.bmin_arcsec / 3600.0, "deg"),
        ("BPA", f.beam.bpa_deg, "deg"),
        ("BTYPE", "Intensity", ""),
        ("OBJECT", "SIMULATED", ""),
        ("BUNIT", "Jy/beam", "Brightness (pixel) unit"),
        ("RADESYS", "ICRS", ""),
        ("EQUINOX", 2000.0, ""),
        ("CTYPE1", w.ctype[0], ""),
        ("CRVAL1", float(w.crval[0]), ""),
        ("CDELT1", float(w.cdelt[0]), ""),
        ("CRPIX1", float(w.crpix[0]), ""),
        ("CUNIT1", "deg", ""),
        ("CTYPE2", w.ctype[1], ""),
        ("CRVAL2", float(w.crval[1]), ""),
        ("CDELT2", float(w.cdelt[1]), ""),
        ("CRPIX2", float(w.crpix[1]), ""),
        ("CUNIT2", "deg", ""),
    ]
    if four_d:
        cards += [
            ("CTYPE3", "FREQ", ""), ("CRVAL3", 3.0e9, ""), ("CDELT3", 2.0e9, ""),
            ("CRPIX3", 1.0, ""), ("CUNIT3", "Hz", ""),
            ("CTYPE4", "STOKES", ""), ("CRVAL4", 1.0, ""), ("CDELT4", 1.0, ""),
            ("CRPIX4", 1.0, ""), ("CUNIT4", "", ""),
        ]  # fmt: skip
    cards += [
        ("RESTFRQ", 3.0e9, "Rest Frequency (Hz)"),
        ("TELESCOP", "SIMULATED", "not an observation"),
        ("INSTRUME", "VLASS-like", ""),
        ("SIMNOISE", f.noise_ujy, "added noise rms, uJy/beam"),
        ("SIMMORPH", f.morphology, "morphology of the catalogued source"),
        # the real VLASS QL header the beam comes from (tile/epoch part of its file name)
        ("BEAMSRC", ".".join(f.beam.source.split(".")[:5])[:68], ""),
    ]
    hdr = fits.Header(cards)
    _sim_cards(hdr, f.seed)
    return hdr


def radio_hdu(f: SimField, *, four_d: bool = True) -> fits.PrimaryHDU:
    """The radio image as a VLASS-QL-like primary HDU (see :func:`radio_header`)."""
    data = f.radio[None, None] if four_d else f.radio
    return fits.PrimaryHDU(np.asarray(data, np.float32), header=radio_header(f, four_d=four_d))


def write_fits_image(path: str | os.PathLike, header: fits.Header, data: np.ndarray) -> Path:
    """Write a single-HDU float32 FITS file directly (header blocks + big-endian data).

    A standard single-HDU FITS file (verified by astropy in the tests), without
    ``PrimaryHDU.writeto``'s per-call
    verification overhead, which is the largest cost of streaming thousands of fields.
    """
    arr = np.ascontiguousarray(data, dtype=">f4")
    if (
        header["BITPIX"] != -32
        or tuple(header[f"NAXIS{k}"] for k in range(1, header["NAXIS"] + 1)) != arr.shape[::-1]
    ):
        raise ValueError(f"{path}: header BITPIX/NAXIS do not describe a float32 {arr.shape} array")
    raw = arr.tobytes()
    pad = (-len(raw)) % 2880
    with open(path, "wb") as fh:
        fh.write(header.tostring().encode("ascii"))
        fh.write(raw)
        fh.write(b"\0" * pad)
    return Path(path)


def write_radio_fits(f: SimField, path: str | os.PathLike, *, four_d: bool = True) -> Path:
    """Write the radio image (see :func:`radio_header`); returns the path."""
    data = f.radio[None, None] if four_d else f.radio
    return write_fits_image(path, radio_header(f, four_d=four_d), data)


def ps1_stamp_hdus(f: SimField, i: int) -> dict[str, fits.PrimaryHDU]:
    """PS1-fitscut-like HDUs (one per band) of the stamps centred on candidate ``i``."""
    stamps = f.optical_stamps(i)
    c = f.candidates[i]
    w = O.stamp_wcs(float(c["ra"]), float(c["dec"]))
    out = {}
    for b, band in enumerate(O.BANDS):
        hdu = fits.PrimaryHDU(stamps[b])
        hdu.header.update(w.to_header())
        hdu.header["EXPTIME"] = (O.PS1_EXPTIME[band], "Exposure time (sec)")
        hdu.header["HIERARCH FPA.ZP"] = (O.PS1_ZP, "Magnitude zero point")
        hdu.header["HIERARCH FPA.FILTER"] = (f"{band}.00000", "Filter used")
        hdu.header["HIERARCH FPA.FILTERID"] = (f"{band}.00000", "Filter used")
        hdu.header["HIERARCH FPA.TELESCOPE"] = "SIMULATED"
        hdu.header["SIMPSF"] = (f.psf_fwhm[band], "PSF FWHM, arcsec")
        hdu.header["SIMOBJID"] = (int(c["objID"]), "candidate at the stamp centre")
        _sim_cards(hdu.header, f.seed)
        out[band] = hdu
    return out


def write_ps1_stamps(f: SimField, i: int, out_dir: str | os.PathLike) -> dict[str, Path]:
    """Write ``<objID>_<band>.fits`` for candidate ``i``; returns band -> path."""
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    oid = int(f.candidates["objID"][i])
    paths = {}
    for band, hdu in ps1_stamp_hdus(f, i).items():
        p = d / f"{oid}_{band}.fits"
        hdu.writeto(p, overwrite=True, output_verify="ignore")
        paths[band] = p
    return paths


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
