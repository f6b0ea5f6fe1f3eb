"""Readers for Norris et al. 2006 (AJ 132, 2409), the ATLAS survey of CDFS.

Two public CDS files, read from ``ml.paths.data_dir()`` (never copied into the repository):

* ``norris2006_atlas_cdfs/norris2006_table4_components.cds.txt`` -- Table 4: the 784 ATLAS
  1.4 GHz components (position, flux, deconvolved size) -> :class:`NorrisComponent`.
* ``norris2006_atlas_cdfs/norris2006_table6_sources_xid.cds.txt`` -- Table 6: the 726 sources,
  i.e. the experts' grouping of components (``CID``) and their SWIRE host -> :class:`NorrisSource`.

Pure python + numpy + astropy (no Django, no torch) so the catalogue ingest reuses it directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import ascii as astro_ascii

from ml.data.jname import parse_j_name
from ml.paths import data_dir as _data_dir

NORRIS_TABLE4 = Path("norris2006_atlas_cdfs") / "norris2006_table4_components.cds.txt"
NORRIS_TABLE6 = Path("norris2006_atlas_cdfs") / "norris2006_table6_sources_xid.cds.txt"


@dataclass(frozen=True)
class NorrisComponent:
    """One ATLAS 1.4 GHz component of Norris et al. 2006 Table 4.

    Attributes
    ----------
    cid : str
        Table-4 ID, ``C001`` .. ``C784``.
    name : str
        IAU designation ``ATCDFS_Jhhmmss.ss-ddmmss.s``.
    ra, dec : float
        J2000 radio position (deg).
    peak_flux_mjy : float
        Peak flux density at 20 cm (mJy/beam).
    int_flux_mjy : float
        Integrated flux density at 20 cm (mJy).
    major_arcsec, minor_arcsec : float
        Deconvolved Gaussian FWHM axes (arcsec); 0 means unresolved by the ATLAS beam.
    pa_deg : float
        Major-axis position angle, east of north (deg).
    rms_ujy : float
        Local noise (uJy/beam).
    comment : str
        Norris et al.'s free-text comment ("lobe of triple", ...), ``""`` if none.
    """

    cid: str
    name: str
    ra: float
    dec: float
    peak_flux_mjy: float
    int_flux_mjy: float
    major_arcsec: float
    minor_arcsec: float
    pa_deg: float
    rms_ujy: float
    comment: str = ""


@dataclass(frozen=True)
class NorrisSource:
    """One radio source of Norris et al. 2006 Table 6 (the experts' grouping and host).

    Attributes
    ----------
    sid : str
        Table-6 ID, ``S001`` .. ``S726``.
    name : str
        IAU designation of the source.
    component_ids : tuple of str
        Table-4 IDs grouped into this source by the experts.
    swire_name : str
        SWIRE DR3 name of the host (``""`` if none; pre-release IDs keep their brackets).
    ra, dec : float
        Table-6 position (deg): the host position for multi-component sources, the radio
        position for single-component ones (Table 6 note 3).
    host_ra, host_dec : float or None
        Host position decoded from ``swire_name`` (deg), ``None`` when there is no SWIRE3 name.
    f20_mjy : float
        Total 20 cm flux density of all its components (mJy).
    z : float or None
        Spectroscopic redshift, ``None`` if not measured.
    cls : str
        ``AGN`` / ``SF`` / ``""``.
    comment : str
        Free-text comment.
    """

    sid: str
    name: str
    component_ids: tuple[str, ...]
    swire_name: str
    ra: float
    dec: float
    host_ra: float | None
    host_dec: float | None
    f20_mjy: float
    z: float | None
    cls: str
    comment: str = ""

    @property
    def is_multi_component(self) -> bool:
        return len(self.component_ids) > 1


def _masked(value) -> bool:
    return value is None or np.ma.is_masked(value)


def _hms_dms(row, ra_cols=("RAh", "RAm", "RAs"), dec_cols=("DE-", "DEd", "DEm", "DEs")):
    ra = 15.0 * (
        float(row[ra_cols[0]]) + float(row[ra_cols[1]]) / 60 + float(row[ra_cols[2]]) / 3600
    )
    dec = float(row[dec_cols[1]]) + float(row[dec_cols[2]]) / 60 + float(row[dec_cols[3]]) / 3600
    return ra, (-dec if str(row[dec_cols[0]]).strip() == "-" else dec)


def _str(value) -> str:
    return "" if _masked(value) else str(value).strip()


def load_table4(path: str | Path | None = None) -> tuple[NorrisComponent, ...]:
    """Read Norris et al. 2006 Table 4 (CDS format) into :class:`NorrisComponent` records.

    Parameters
    ----------
    path : str or Path, optional
        The CDS file; default ``data_dir() / NORRIS_TABLE4``.

    Raises
    ------
    ValueError
        If the file lacks a Table-4 column.
    """
    path = Path(path) if path is not None else _data_dir() / NORRIS_TABLE4
    t = astro_ascii.read(path, format="cds")
    need = ("ID", "Name", "RAh", "RAm", "RAs", "DE-", "DEd", "DEm", "DEs", "PFlux", "IFlux")
    missing = [c for c in need if c not in t.colnames]
    if missing:
        raise ValueError(f"{path}: not Norris 2006 Table 4, missing column(s) {missing}")
    out = []
    for row in t:
        ra, dec = _hms_dms(row)
        out.append(
            NorrisComponent(
                cid=_str(row["ID"]),
                name=_str(row["Name"]),
                ra=ra,
                dec=dec,
                peak_flux_mjy=float(row["PFlux"]),
                int_flux_mjy=float(row["IFlux"]),
                major_arcsec=float(row["MajAxis"]),
                minor_arcsec=float(row["MinAxis"]),
                pa_deg=float(row["PosAng"]),
                rms_ujy=float(row["rms"]),
                comment=_str(row["Com"]),
            )
        )
    return tuple(out)


def load_table6(path: str | Path | None = None) -> tuple[NorrisSource, ...]:
    """Read Norris et al. 2006 Table 6 (CDS format) into :class:`NorrisSource` records.

    Parameters
    ----------
    path : str or Path, optional
        The CDS file; default ``data_dir() / NORRIS_TABLE6``.

    Raises
    ------
    ValueError
        If the file lacks a Table-6 column.
    """
    path = Path(path) if path is not None else _data_dir() / NORRIS_TABLE6
    t = astro_ascii.read(path, format="cds")
    need = ("ID", "Name", "CID", "SName", "RAh", "DEd", "F20")
    missing = [c for c in need if c not in t.colnames]
    if missing:
        raise ValueError(f"{path}: not Norris 2006 Table 6, missing column(s) {missing}")
    out = []
    for row in t:
        ra, dec = _hms_dms(row)
        sname = _str(row["SName"])
        host_ra = host_dec = None
        if sname.startswith("SWIRE3_J"):
            host_ra, host_dec = parse_j_name(sname)
        out.append(
            NorrisSource(
                sid=_str(row["ID"]),
                name=_str(row["Name"]),
                component_ids=tuple(c.strip() for c in _str(row["CID"]).split(",") if c.strip()),
                swire_name=sname,
                ra=ra,
                dec=dec,
                host_ra=host_ra,
                host_dec=host_dec,
                f20_mjy=float(row["F20"]),
                z=None if _masked(row["z"]) else float(row["z"]),
                cls=_str(row["Class"]),
                comment=_str(row["Comm"]),
            )
        )
    return tuple(out)
