"""The 70 columns of CIRADA's VLASS Quick Look component table, and where each one is stored.

Source: Gordon et al. 2021 (ApJS 255, 30), Table 2 "Component table columns", and the
CIRADA VLASS catalogue user guide. The table is a PyBDSF fit (Mohan & Rafferty 2015)
plus CIRADA's flags and cross-match distances, so most columns are shared with other
PyBDSF catalogues (LoTSS, RACS, EMU).

Every column gets a typed ``RadioComponent`` field, not a JSON blob: the flags and the
PyBDSF diagnostics are queryable (``peak_to_ring``, ``nn_dist_arcsec``, the restoring
beam), and a float column costs the bulk ingest 8 bytes instead of a JSON parse (the
the ingest benchmark (bench/ingest.py): storing these columns as ``jsonb`` alone took twice as long as a raw
``COPY`` of the whole file). Units follow the project's convention (unit in the field
name); CIRADA's positional errors are in degrees and are stored in arcsec.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """One CIRADA column: its ``RadioComponent`` field, type, scale and description.

    ``kind`` is ``"float"``, ``"int"`` or ``"text"``; the stored value is the file's value
    times ``scale``. ``max_length`` bounds text fields.
    """

    name: str
    field: str
    kind: str
    help: str
    scale: float = 1.0
    max_length: int = 0


def _f(name: str, field: str, help: str, scale: float = 1.0) -> Column:
    return Column(name, field, "float", help, scale)


DEG = 3600.0  # deg -> arcsec

COLUMNS: tuple[Column, ...] = (
    Column("Component_name", "name", "text", "Survey component name.", max_length=64),
    Column("Component_id", "component_id", "int", "PyBDSF component id within its QL image."),
    Column("Isl_id", "isl_id", "int", "PyBDSF island id within its QL image."),
    _f("RA", "ra", "Right ascension, ICRS (deg)."),
    _f("DEC", "dec", "Declination, ICRS (deg)."),
    _f("E_RA", "e_ra_arcsec", "RA error (arcsec).", DEG),
    _f("E_DEC", "e_dec_arcsec", "Dec error (arcsec).", DEG),
    _f("Total_flux", "total_flux_mjy", "Total flux (mJy)."),
    _f("E_Total_flux", "e_total_flux_mjy", "(mJy)."),
    _f("Peak_flux", "peak_flux_mjy", "Peak flux (mJy/beam)."),
    _f("E_Peak_flux", "e_peak_flux_mjy", "(mJy/beam)."),
    _f("Maj", "major_arcsec", "Major axis FWHM (arcsec)."),
    _f("E_Maj", "e_major_arcsec", "(arcsec)."),
    _f("Min", "minor_arcsec", "Minor axis FWHM (arcsec)."),
    _f("E_Min", "e_minor_arcsec", "(arcsec)."),
    _f("PA", "pa_deg", "Position angle, E of N (deg)."),
    _f("E_PA", "e_pa_deg", "(deg)."),
    _f("Isl_Total_flux", "isl_total_flux_mjy", "Total flux of the island (mJy)."),
    _f("E_Isl_Total_flux", "e_isl_total_flux_mjy", "(mJy)."),
    _f("Isl_rms", "isl_rms_mjy", "Local rms of the island (mJy/beam)."),
    _f("Isl_mean", "isl_mean_mjy", "Local background mean of the island (mJy/beam)."),
    _f("Resid_Isl_rms", "resid_isl_rms_mjy", "Rms of the fit residual in the island (mJy/beam)."),
    _f("Resid_Isl_mean", "resid_isl_mean_mjy", "Mean of the fit residual (mJy/beam)."),
    _f("RA_max", "ra_max_deg", "RA of the brightest pixel, ICRS (deg)."),
    _f("DEC_max", "dec_max_deg", "Dec of the brightest pixel, ICRS (deg)."),
    _f("E_RA_max", "e_ra_max_arcsec", "(arcsec).", DEG),
    _f("E_DEC_max", "e_dec_max_arcsec", "(arcsec).", DEG),
    Column("S_Code", "s_code", "text", "PyBDSF S_Code: S, M, C, E.", max_length=1),
    _f("Xposn", "xposn_px", "Image x of the fitted position (QL pixels)."),
    _f("E_Xposn", "e_xposn_px", "(QL pixels)."),
    _f("Yposn", "yposn_px", "Image y of the fitted position (QL pixels)."),
    _f("E_Yposn", "e_yposn_px", "(QL pixels)."),
    _f("Xposn_max", "xposn_max_px", "Image x of the brightest pixel (QL pixels)."),
    _f("E_Xposn_max", "e_xposn_max_px", "(QL pixels)."),
    _f("Yposn_max", "yposn_max_px", "Image y of the brightest pixel (QL pixels)."),
    _f("E_Yposn_max", "e_yposn_max_px", "(QL pixels)."),
    _f("Maj_img_plane", "major_img_plane_arcsec", "Major axis FWHM in the image plane (arcsec)."),
    _f("E_Maj_img_plane", "e_major_img_plane_arcsec", "(arcsec)."),
    _f("Min_img_plane", "minor_img_plane_arcsec", "Minor axis FWHM in the image plane (arcsec)."),
    _f("E_Min_img_plane", "e_minor_img_plane_arcsec", "(arcsec)."),
    _f("PA_img_plane", "pa_img_plane_deg", "Position angle in the image plane (deg)."),
    _f("E_PA_img_plane", "e_pa_img_plane_deg", "(deg)."),
    _f("DC_Maj", "dc_major_arcsec", "Deconvolved major axis (arcsec)."),
    _f("E_DC_Maj", "e_dc_major_arcsec", "(arcsec)."),
    _f("DC_Min", "dc_minor_arcsec", "Deconvolved minor axis (arcsec)."),
    _f("E_DC_Min", "e_dc_minor_arcsec", "(arcsec)."),
    _f("DC_PA", "dc_pa_deg", "Deconvolved position angle (deg)."),
    _f("E_DC_PA", "e_dc_pa_deg", "(deg)."),
    _f("DC_Maj_img_plane", "dc_major_img_plane_arcsec", "Deconvolved major axis, image plane."),
    _f("E_DC_Maj_img_plane", "e_dc_major_img_plane_arcsec", "(arcsec)."),
    _f("DC_Min_img_plane", "dc_minor_img_plane_arcsec", "Deconvolved minor axis, image plane."),
    _f("E_DC_Min_img_plane", "e_dc_minor_img_plane_arcsec", "(arcsec)."),
    _f("DC_PA_img_plane", "dc_pa_img_plane_deg", "Deconvolved position angle, image plane."),
    _f("E_DC_PA_img_plane", "e_dc_pa_img_plane_deg", "(deg)."),
    Column("Tile", "tile", "text", "VLASS tile, e.g. T30t01.", max_length=16),
    Column("Subtile", "subtile", "text", "QL image (subtile) name.", max_length=32),
    _f("QL_image_RA", "ql_image_ra_deg", "Centre of the QL image (deg, as CIRADA writes it)."),
    _f("QL_image_DEC", "ql_image_dec_deg", "Centre of the QL image (deg, as CIRADA writes it)."),
    _f("NVSS_distance", "nvss_distance_arcsec", "Distance to the nearest NVSS source (arcsec)."),
    _f("FIRST_distance", "first_distance_arcsec", "Distance to the nearest FIRST source (arcsec)."),
    _f("Peak_to_ring", "peak_to_ring", "Peak over the maximum in a ring around it (sidelobes)."),
    Column("Duplicate_flag", "duplicate_flag", "int", "CIRADA: 0 unique, 1 preferred, 2 reject."),
    Column("Quality_flag", "quality_flag", "int", "CIRADA bit flags; 0 good."),
    Column("Source_name", "cirada_source_name", "text", "CIRADA source name.", max_length=64),
    Column("Source_type", "cirada_source_type", "text", "CIRADA source type.", max_length=8),
    Column("QL_cutout", "ql_cutout_url", "text", "URL of the QL image cutout.", max_length=512),
    _f("NN_dist", "nn_dist_arcsec", "Distance to the nearest other component (arcsec)."),
    _f("BMAJ", "beam_major_arcsec", "Restoring beam FWHM, major axis (arcsec)."),
    _f("BMIN", "beam_minor_arcsec", "Restoring beam FWHM, minor axis (arcsec)."),
    _f("BPA", "beam_pa_deg", "Restoring beam position angle (deg)."),
)
BY_NAME = {c.name: c for c in COLUMNS}
assert len(COLUMNS) == 70 and len(BY_NAME) == 70

# What a file must have to be ingested (the simulator's CIRADA-format CSV included):
# name, position, fluxes and the two flags the science selection needs.
REQUIRED = (
    "Component_name",
    "RA",
    "DEC",
    "Total_flux",
    "Peak_flux",
    "Duplicate_flag",
    "Quality_flag",
)

# Fields RadioComponent declares itself (shared by every survey); the rest are added
# from this table (catalog.models.CiradaColumns).
CORE_FIELDS = frozenset(
    {
        "name",
        "ra",
        "dec",
        "e_ra_arcsec",
        "e_dec_arcsec",
        "total_flux_mjy",
        "e_total_flux_mjy",
        "peak_flux_mjy",
        "e_peak_flux_mjy",
        "major_arcsec",
        "minor_arcsec",
        "pa_deg",
        "dc_major_arcsec",
        "dc_minor_arcsec",
        "isl_rms_mjy",
        "s_code",
        "quality_flag",
        "duplicate_flag",
    }
)
