"""PS1/AllWISE candidates of a simulated VLASS field (step 4 of :mod:`ml.sim.field`).

The host(s) of the radio sources in the field plus unrelated background objects within the
candidate radius, with the real Norris-71 numbers and class mix (:mod:`ml.sim.hosts`) and
PS1-like photometry and shapes (:mod:`ml.sim.optical`); object IDs follow the PS1 DR2 zone
formula (:func:`ps1_objid`).
"""

from __future__ import annotations

import numpy as np
from astropy.table import Table

from ml.seed import CUTOUT_SIZE_PX as RADIO_SIZE
from ml.sim import hosts as H
from ml.sim import optical as O
from ml.sim.radio import _pixel_to_offset_matrix

#: Host-class mix (seed §1: radio-loud AGN hosts are mostly massive ellipticals and QSOs).
HOST_QSO_FRACTION = 0.25
#: Class mix of unrelated PS1 candidates.  The seed authors' model A labels the real Norris-71
#: non-host candidates 22 % GALAXY, 3 % QSO, 74 % STAR; many faint PS1 galaxies are unresolved
#: at 1.1" seeing, so the true star share is lower: we use GALAXY 55 %, QSO 5 %, STAR 40 %.
BACKGROUND_CLASS_MIX = {"GALAXY": 0.55, "QSO": 0.05, "STAR": 0.40}


def ps1_objid(ra_deg, dec_deg) -> np.ndarray:
    """PS1 ``objID`` from a position (the PS1 DR2 zone formula: zone = 30" Dec strips)."""
    zh = 0.0083333
    z = (np.asarray(dec_deg) + 90.0) / zh
    zid = np.floor(z).astype(np.int64)
    zres = z - zid
    return (
        zid * 10**13
        + np.floor(np.asarray(ra_deg) * 1e6).astype(np.int64) * 10**4
        + np.floor(zres * 1e4).astype(np.int64)
    )


def draw_candidates(rng, wcs, sources, host_xy, radius, n_background):
    """Hosts within ``radius`` (arcsec) plus background objects, shuffled, as a candidate Table."""
    c_pix = (RADIO_SIZE - 1) / 2.0
    m = _pixel_to_offset_matrix(wcs)
    n_bg = H.draw_n_background(rng) if n_background is None else int(n_background)
    bg_off = H.uniform_disk(rng, n_bg, radius)  # (east, north) arcsec from the centre
    host_off = np.array([m @ (np.array(h) - c_pix) for h in host_xy])
    keep_host = np.hypot(host_off[:, 0], host_off[:, 1]) <= radius
    keep_host[0] = True  # the catalogued source's host is always listed (seed §2.2)
    hsid = np.flatnonzero(keep_host)
    off = np.vstack([host_off[hsid], bg_off])
    n = off.shape[0]
    is_hostobj = np.zeros(n, bool)
    is_hostobj[: hsid.size] = True
    hosts_source = np.full(n, -1, np.int32)
    hosts_source[: hsid.size] = hsid
    cls = np.empty(n, dtype="U6")
    cls[: hsid.size] = np.where(rng.random(hsid.size) < HOST_QSO_FRACTION, "QSO", "GALAXY")
    names = list(BACKGROUND_CLASS_MIX)
    pb = np.array([BACKGROUND_CLASS_MIX[k] for k in names])
    cls[hsid.size :] = np.array(names)[rng.choice(len(names), n - hsid.size, p=pb / pb.sum())]
    r = np.empty(n)
    r[: hsid.size] = O.draw_host_r(rng, cls[: hsid.size])
    r[hsid.size :] = O.draw_background_r(rng, cls[hsid.size :])
    phot = O.draw_photometry(rng, cls, is_hostobj, r)
    shapes = O.draw_shapes(rng, cls, is_hostobj, r)
    # shuffle so the host is not always row 0
    order = rng.permutation(n)
    minv = np.linalg.inv(m)
    dpix = (minv @ off.T).T
    ra, dec = wcs.pixel_to_world_values(c_pix + dpix[:, 0], c_pix + dpix[:, 1])
    cols = {
        "objID": ps1_objid(ra, dec)[order],
        "ra": np.asarray(ra)[order],
        "dec": np.asarray(dec)[order],
        "x": dpix[order, 0].astype(np.float32),
        "y": dpix[order, 1].astype(np.float32),
        "sep_arcsec": np.hypot(off[order, 0], off[order, 1]).astype(np.float32),
    }
    for b in O.BANDS:
        cols[f"{b}mag"] = phot.mag[b][order].astype(np.float32)
        cols[f"{b}mag_err"] = phot.err[b][order].astype(np.float32)
    cols["w1mag"] = phot.w1[order].astype(np.float32)
    cols["w1mag_err"] = phot.w1_err[order].astype(np.float32)
    cols["w2mag"] = phot.w2[order].astype(np.float32)
    cols["w2mag_err"] = phot.w2_err[order].astype(np.float32)
    cols["true_class"] = cls[order]
    cols["is_host"] = hosts_source[order] == 0
    cols["hosts_source"] = hosts_source[order]
    # one structured array -> one Table (column-by-column assignment costs ~10 ms a field)
    arr = np.empty(n, dtype=[(k, v.dtype) for k, v in cols.items()])
    for k, v in cols.items():
        arr[k] = v
    t = Table(arr, copy=False)
    t.meta["simulated"] = True
    return {
        "table": t,
        "shapes": {k: v[order] for k, v in shapes.items()},
        "true_mag": {k: v[order] for k, v in phot.true_mag.items()},
    }
