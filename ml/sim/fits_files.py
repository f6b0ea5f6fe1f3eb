"""FITS writers for simulated fields: the VLASS-QL-like radio image and PS1-like stamps.

Radio FITS (:func:`write_radio_fits`) is 4-D (RA, DEC, FREQ, STOKES) float32 in Jy/beam at
1"/px like a VLASS QL image; PS1 stamps (:func:`write_ps1_stamps`) are one file per band with
``EXPTIME`` and ``HIERARCH FPA.ZP`` as in the real PS1 fitscut stamps, so the real readers in
``ml.preprocess`` read both unchanged. Every header carries :func:`ml.sim.marks.sim_cards`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from astropy.io import fits

from ml.sim import optical as O
from ml.sim.field import SimField
from ml.sim.marks import sim_cards


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
    sim_cards(hdr, f.seed)
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
        sim_cards(hdu.header, f.seed)
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
