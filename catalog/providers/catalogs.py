"""PS1 DR2 and AllWISE harvesters (astroquery) and their normalisation to one schema.

Seed §2.2.2: the optical candidates of a component are the PS1 DR2 objects in a 3.6′
box around it, with their AllWISE W1/W2. Harvesters return astropy Tables; the
``normalise_*`` functions map the column names of each service onto the project's
(``source_id, ra, dec, g_mag, e_g_mag, …, w1_mag, e_w1_mag, w2_mag, e_w2_mag``) and are
also used for local VOTable/CSV files. Base URLs are configurable so that the real
client code runs against recorded responses in tests.
"""

from __future__ import annotations

import astropy.units as u
import numpy as np
from astropy.coordinates import SkyCoord
from astropy.table import Table

from ml.seed import CANDIDATE_BOX_ARCMIN

# PS1↔AllWISE match radius. AllWISE positions are good to ≲0.5″ (1σ) for W1 SNR ≳ 10
# and ~1″ at the faint end, PS1 DR2 to ~0.1″; the W1 PSF is 6.1″ FWHM. 2″ keeps faint
# true matches while staying well inside one W1 beam, so a second PS1 object a few
# arcsec away is not given the same WISE photometry (nearest match only).
PS1_ALLWISE_RADIUS_ARCSEC = 2.0

_PS1_ALIASES = {
    "source_id": ("objID", "objid", "source_id", "PS1"),
    "ra": ("raMean", "RAJ2000", "ra", "RAMean", "_RAJ2000"),
    "dec": ("decMean", "DEJ2000", "dec", "DecMean", "_DEJ2000"),
}
_PS1_MAGS = {
    b: ((f"{b}MeanPSFMag", f"{b}mag", f"{b}_mag"), (f"{b}MeanPSFMagErr", f"e_{b}mag", f"e_{b}_mag"))
    for b in "grizy"
}
_WISE_ALIASES = {
    "source_id": ("AllWISE", "designation", "source_id"),
    "ra": ("RAJ2000", "ra", "_RAJ2000"),
    "dec": ("DEJ2000", "dec", "_DEJ2000"),
    "w1_mag": ("W1mag", "w1mpro", "w1_mag"),
    "e_w1_mag": ("e_W1mag", "w1sigmpro", "e_w1_mag"),
    "w2_mag": ("W2mag", "w2mpro", "w2_mag"),
    "e_w2_mag": ("e_W2mag", "w2sigmpro", "e_w2_mag"),
}


def _pick(t: Table, names: tuple[str, ...], what: str, *, required: bool, where: str):
    for n in names:
        if n in t.colnames:
            t.meta.setdefault("radiohost_columns", {})[what] = n
            return t[n]
    if required:
        raise ValueError(f"{where}: missing required column {what!r} (any of {list(names)})")
    return None


def _floats(col, n: int) -> np.ndarray:
    if col is None:
        return np.full(n, np.nan)
    a = np.ma.filled(np.ma.asarray(col, dtype=float), np.nan)
    # MAST writes -999 for "no measurement".
    a[a <= -999] = np.nan
    return a


def normalise_ps1(t: Table, *, where: str = "PS1 table") -> Table:
    """PS1 DR2 rows from MAST (``objID, raMean, …``) or VizieR II/389 (``objID, RAJ2000, …``)."""
    n = len(t)
    out = Table()
    t = t.copy(copy_data=False)
    sid = _pick(t, _PS1_ALIASES["source_id"], "source_id", required=True, where=where)
    out["source_id"] = [str(int(x)) if not np.ma.is_masked(x) else "" for x in sid]
    for k in ("ra", "dec"):
        out[k] = _floats(_pick(t, _PS1_ALIASES[k], k, required=True, where=where), n)
    for b, (mag, err) in _PS1_MAGS.items():
        out[f"{b}_mag"] = _floats(_pick(t, mag, f"{b}_mag", required=False, where=where), n)
        out[f"e_{b}_mag"] = _floats(_pick(t, err, f"e_{b}_mag", required=False, where=where), n)
    # the input's own column names, so errors can name the column the user wrote
    out.meta["columns"] = dict(t.meta.get("radiohost_columns", {}))
    return out


def normalise_allwise(t: Table, *, where: str = "AllWISE table") -> Table:
    """AllWISE rows from VizieR II/328 (``AllWISE, RAJ2000, W1mag, …``) or IRSA names."""
    n = len(t)
    out = Table()
    sid = _pick(t, _WISE_ALIASES["source_id"], "source_id", required=True, where=where)
    out["source_id"] = [str(x).strip() for x in sid]
    for k in ("ra", "dec"):
        out[k] = _floats(_pick(t, _WISE_ALIASES[k], k, required=True, where=where), n)
    for k in ("w1_mag", "e_w1_mag", "w2_mag", "e_w2_mag"):
        out[k] = _floats(_pick(t, _WISE_ALIASES[k], k, required=False, where=where), n)
    return out


def match_allwise(
    ps1: Table, wise: Table, *, radius_arcsec: float = PS1_ALLWISE_RADIUS_ARCSEC
) -> Table:
    """Attach the nearest AllWISE object within ``radius_arcsec`` to each PS1 row.

    Adds ``allwise_id``, ``allwise_sep_arcsec`` and W1/W2 columns (NaN/"" when unmatched).
    """
    if radius_arcsec <= 0:
        raise ValueError(f"radius_arcsec must be positive, got {radius_arcsec}")
    out = ps1.copy()
    n = len(out)
    out["allwise_id"] = [""] * n
    out["allwise_sep_arcsec"] = np.full(n, np.nan)
    for k in ("w1_mag", "e_w1_mag", "w2_mag", "e_w2_mag"):
        out[k] = np.full(n, np.nan)
    if n == 0 or len(wise) == 0:
        return out
    idx, sep, _ = SkyCoord(out["ra"] * u.deg, out["dec"] * u.deg).match_to_catalog_sky(
        SkyCoord(wise["ra"] * u.deg, wise["dec"] * u.deg)
    )
    sep = sep.to_value(u.arcsec)
    ok = sep <= radius_arcsec
    ids = np.array(out["allwise_id"], dtype=object)
    ids[ok] = np.asarray(wise["source_id"])[idx[ok]]
    out["allwise_id"] = ids.astype(str)
    out["allwise_sep_arcsec"][ok] = sep[ok]
    for k in ("w1_mag", "e_w1_mag", "w2_mag", "e_w2_mag"):
        out[k][ok] = np.asarray(wise[k])[idx[ok]]
    return out


def in_box(t: Table, coord: SkyCoord, box_arcmin: float = CANDIDATE_BOX_ARCMIN) -> np.ndarray:
    """Rows inside the square box of side ``box_arcmin`` centred on ``coord`` (tangent plane)."""
    if len(t) == 0:
        return np.zeros(0, bool)
    pts = SkyCoord(t["ra"] * u.deg, t["dec"] * u.deg)
    off = coord.icrs.spherical_offsets_to(pts)
    half = box_arcmin / 2 * u.arcmin
    return (np.abs(off[0]) <= half) & (np.abs(off[1]) <= half)


class MastPS1:
    """PS1 DR2 mean-object table via ``astroquery.mast.Catalogs`` (catalog ``Panstarrs``)."""

    def __init__(self, base_url: str | None = None):
        from astroquery.mast import CatalogsClass

        self.client = CatalogsClass()
        self.base_url = base_url.rstrip("/") if base_url else None
        if base_url:
            # astroquery builds https://catalogs.mast.stsci.edu/api/v0.1/ at import time;
            # point the service connection at another server (a replay server in tests).
            self.client._service_api_connection.REQUEST_URL = base_url.rstrip("/") + "/api/v0.1/"

    def query_raw(self, coord: SkyCoord, radius: u.Quantity) -> Table:
        """The service's own table (MAST column names) for a cone."""
        from astroquery.mast import conf

        with conf.set_temp("catalogs_server", self.base_url or conf.catalogs_server):
            return self.client.query_region(
                coord, radius=radius, catalog="Panstarrs", data_release="dr2", table="mean"
            )

    def query(self, coord: SkyCoord, box_arcmin: float = CANDIDATE_BOX_ARCMIN) -> Table:
        # The cone circumscribing the box; rows outside the box are cut by ``in_box``.
        radius = box_arcmin / 2 * np.sqrt(2) * u.arcmin
        return normalise_ps1(self.query_raw(coord, radius), where="MAST PS1 DR2")


class VizierCatalog:
    """One VizieR catalogue (II/389 PS1 DR2, II/328 AllWISE) via ``astroquery.vizier``."""

    def __init__(self, catalog: str, *, base_url: str | None = None, row_limit: int = -1):
        from astroquery.vizier import VizierClass

        base = base_url.rstrip("/") if base_url else None

        class _Client(VizierClass):
            def _server_to_url(self, return_type="votable"):
                if base is None:
                    return super()._server_to_url(return_type)
                # astroquery hard-codes https://<server>; a configurable base lets the
                # same client code run against a local replay server.
                return f"{base}/viz-bin/{'votable' if return_type == 'votable' else 'asu-tsv'}"

        self.catalog = catalog
        self.client = _Client(columns=["**"], row_limit=row_limit)

    def query(
        self, coord: SkyCoord, box_arcmin: float = CANDIDATE_BOX_ARCMIN, *, cache: bool = True
    ) -> Table:
        res = self.client.query_region(
            coord, width=box_arcmin * u.arcmin, catalog=self.catalog, cache=cache
        )
        if len(res) == 0:
            return Table()
        return res[0]
