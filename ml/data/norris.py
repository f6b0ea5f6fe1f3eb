"""Loaders for the real Norris-71 test set (seed §4.2, Table 3) and the Norris et al. 2006 tables.

Three public files are read, all from ``ml.paths.data_dir()`` (never copied into the repository):

* ``lou2023_galaxyclassifier_notes/RGZ_all_negative_Norris_testing_notes1.csv`` -- the seed
  authors' own per-candidate log of their final model on their test set: 71 VLASS components
  in CDFS, their PS1 candidates (objID, RA, Dec), the authors' optical class probabilities
  (model A), host likelihoods (model B) and the ground truth (the Norris 2006 host, re-identified
  as a PS1 object).
* ``norris2006_atlas_cdfs/norris2006_table4_components.cds.txt`` -- Norris et al. 2006 (AJ 132,
  2409) Table 4: the 784 ATLAS 1.4 GHz components (position, flux, deconvolved size).
* ``norris2006_atlas_cdfs/norris2006_table6_sources_xid.cds.txt`` -- Table 6: the 726 sources,
  i.e. the experts' grouping of components (``CID``) and their SWIRE host.

This module is pure python + numpy + astropy (no Django, no torch) so the catalogue ingest can
reuse :func:`load_norris71` directly.

Two quirks of the authors' file are handled here rather than by callers:

* VLASS names drop the leading zero of the RA hour *and* keep a variable number of decimals
  (``J32626.9-275611.2`` = 03h26m26.9s -27d56m11.2s), so the sexagesimal string is padded on
  its integer part, not to a fixed width.
* 15 fields list some candidates twice (identical rows: same objID, position, probabilities and
  likelihood); they are kept once per field and counted in ``n_duplicate_rows``. This does not
  change any argmax or nearest-neighbour decision.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.io import ascii as astro_ascii

from ml.paths import data_dir as _data_dir
from ml.sky import separation_arcsec

LOU2023_TESTSET = (
    Path("lou2023_galaxyclassifier_notes") / "RGZ_all_negative_Norris_testing_notes1.csv"
)
NORRIS_TABLE4 = Path("norris2006_atlas_cdfs") / "norris2006_table4_components.cds.txt"
NORRIS_TABLE6 = Path("norris2006_atlas_cdfs") / "norris2006_table6_sources_xid.cds.txt"

LOU2023_COLUMNS = (
    "VLASS_component_name",
    "PS source id",
    "PS source ra",
    "PS source dec",
    "Galaxy_prob",
    "QSO_prob",
    "STAR_prob",
    "Non-host likelihood",
    "Host likelihood",
    "Groud_Truth",  # sic, as written by the authors
    "Prediction",
)

# "J32626.9-275611.2" or "VLASS1QLCIR J033323.71-281146.4" or "SWIRE3_J032603.15-284708.5"
_SEXAGESIMAL = re.compile(r"J(?P<ra>\d{5,6}(?:\.\d+)?)(?P<sign>[+-])(?P<dec>\d{6}(?:\.\d+)?)$")


# ----------------------------------------------------------------------------------------------
# data structures
# ----------------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Candidate:
    """One PS1 candidate of one VLASS component, as logged by the seed authors.

    Attributes
    ----------
    objid : int
        PS1 DR2 objID.
    ra, dec : float
        PS1 position (deg).
    galaxy_prob, qso_prob, star_prob : float
        The authors' optical classifier (model A, seed §3.2) probabilities.
    host_likelihood, nonhost_likelihood : float
        The authors' host identifier (model B, seed §3.3) outputs.
    is_host : bool
        Ground truth: this PS1 object is the Norris 2006 host.
    authors_prediction : int
        The authors' logged 0/1 decision (host likelihood > 0.5).
    """

    objid: int
    ra: float
    dec: float
    galaxy_prob: float
    qso_prob: float
    star_prob: float
    host_likelihood: float
    nonhost_likelihood: float
    is_host: bool
    authors_prediction: int


@dataclass(frozen=True)
class Norris71Field:
    """One test field: a VLASS component, its PS1 candidates and the matching Norris structure.

    Attributes
    ----------
    vlass_name : str
        The name as written in the authors' file (``VLASS1QLCIR J32626.9-275611.2``).
    ra, dec : float
        VLASS component position decoded from the name (deg).
    candidates : tuple of Candidate
        Unique candidates in file order (duplicated rows dropped).
    n_duplicate_rows : int
        Rows of this field that repeated an earlier (identical) row.
    norris_component : NorrisComponent
        Table-4 component nearest to the VLASS position.
    norris_component_sep_arcsec : float
        Its separation from the VLASS position (arcsec).
    norris_source : NorrisSource
        The Table-6 source containing ``norris_component`` (expert grouping -- an oracle, never
        an input to a method evaluated against these labels).
    source_components : tuple of NorrisComponent
        All Table-4 components of ``norris_source``.
    """

    vlass_name: str
    ra: float
    dec: float
    candidates: tuple[Candidate, ...]
    n_duplicate_rows: int
    norris_component: NorrisComponent
    norris_component_sep_arcsec: float
    norris_source: NorrisSource
    source_components: tuple[NorrisComponent, ...]

    @property
    def host_index(self) -> int:
        """Index into ``candidates`` of the ground-truth host."""
        return next(i for i, c in enumerate(self.candidates) if c.is_host)

    @property
    def host(self) -> Candidate:
        return self.candidates[self.host_index]

    def candidate_arrays(self) -> dict[str, np.ndarray]:
        """Candidate columns as numpy arrays (deg, probabilities, bool) for vectorised scoring."""
        c = self.candidates
        return {
            "objid": np.array([x.objid for x in c], dtype=np.int64),
            "ra": np.array([x.ra for x in c]),
            "dec": np.array([x.dec for x in c]),
            "galaxy_prob": np.array([x.galaxy_prob for x in c]),
            "qso_prob": np.array([x.qso_prob for x in c]),
            "star_prob": np.array([x.star_prob for x in c]),
            "host_likelihood": np.array([x.host_likelihood for x in c]),
            "is_host": np.array([x.is_host for x in c]),
        }


@dataclass(frozen=True)
class Norris71:
    """The whole Norris-71 test set plus the full Norris 2006 tables (the radio sky of CDFS).

    Attributes
    ----------
    fields : tuple of Norris71Field
        The 71 fields in first-appearance order of the authors' file.
    components : tuple of NorrisComponent
        All 784 Table-4 components.
    sources : tuple of NorrisSource
        All 726 Table-6 sources.
    n_rows : int
        Data rows in the authors' file (1,343).
    """

    fields: tuple[Norris71Field, ...]
    components: tuple[NorrisComponent, ...]
    sources: tuple[NorrisSource, ...]
    n_rows: int
    _component_index: dict[str, NorrisComponent] = field(repr=False, compare=False, default=None)

    @property
    def n_unique_pairs(self) -> int:
        return sum(len(f.candidates) for f in self.fields)

    @property
    def n_unique_candidates(self) -> int:
        return len({c.objid for f in self.fields for c in f.candidates})

    def component(self, cid: str) -> NorrisComponent:
        return self._component_index[cid]

    def component_arrays(self) -> dict[str, np.ndarray]:
        """Table 4 as numpy arrays: ra/dec (deg), fluxes (mJy), axes (arcsec), pa (deg)."""
        c = self.components
        return {
            "cid": np.array([x.cid for x in c]),
            "ra": np.array([x.ra for x in c]),
            "dec": np.array([x.dec for x in c]),
            "peak_flux_mjy": np.array([x.peak_flux_mjy for x in c]),
            "int_flux_mjy": np.array([x.int_flux_mjy for x in c]),
            "major_arcsec": np.array([x.major_arcsec for x in c]),
            "minor_arcsec": np.array([x.minor_arcsec for x in c]),
            "pa_deg": np.array([x.pa_deg for x in c]),
        }


# ----------------------------------------------------------------------------------------------
# parsing helpers
# ----------------------------------------------------------------------------------------------


def parse_j_name(name: str) -> tuple[float, float]:
    """Decode a ``J<hhmmss.ss><+|-><ddmmss.s>`` designation into (ra, dec) in degrees.

    Accepts any prefix before the ``J`` (``VLASS1QLCIR J``, ``SWIRE3_J``, ``ATCDFS_J``) and the
    seed authors' VLASS names whose RA hour lost its leading zero (``J32626.9-275611.2``).

    Parameters
    ----------
    name : str
        The designation.

    Returns
    -------
    ra, dec : float
        ICRS/J2000 degrees.

    Raises
    ------
    ValueError
        If the string holds no parsable designation or a field is out of range.
    """
    if not isinstance(name, str):
        raise ValueError(f"designation must be a string, got {type(name).__name__}")
    token = name.strip().split()[-1] if name.strip() else ""
    token = token.split("_")[-1]
    m = _SEXAGESIMAL.search(token)
    if m is None:
        raise ValueError(f"cannot parse a J-designation from {name!r}")
    ra_s, dec_s = m.group("ra"), m.group("dec")
    ra_int, _, ra_frac = ra_s.partition(".")
    dec_int, _, dec_frac = dec_s.partition(".")
    # The authors' names drop the leading RA-hour zero: pad the integer part, never the decimals.
    ra_int = ra_int.rjust(6, "0")
    hh, mm, ss = int(ra_int[:2]), int(ra_int[2:4]), float(ra_int[4:] + "." + (ra_frac or "0"))
    dd, dm, ds = int(dec_int[:2]), int(dec_int[2:4]), float(dec_int[4:] + "." + (dec_frac or "0"))
    if hh >= 24 or mm >= 60 or ss >= 60 or dd > 90 or dm >= 60 or ds >= 60:
        raise ValueError(f"designation {name!r} has an out-of-range sexagesimal field")
    ra = 15.0 * (hh + mm / 60.0 + ss / 3600.0)
    dec = dd + dm / 60.0 + ds / 3600.0
    return ra, (-dec if m.group("sign") == "-" else dec)


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


def _float_cell(path: Path, lineno: int, column: str, value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise ValueError(
            f"{path}: row {lineno}, column {column!r}: not a number: {value!r}"
        ) from None
    if not math.isfinite(x):
        raise ValueError(f"{path}: row {lineno}, column {column!r}: not finite: {value!r}")
    return x


def read_lou2023_testset(path: str | Path | None = None) -> tuple[list[tuple], int]:
    """Parse the authors' test-set log into ``(vlass_name, [Candidate, ...], n_dup)`` per field.

    Parameters
    ----------
    path : str or Path, optional
        Default ``data_dir() / LOU2023_TESTSET``.

    Returns
    -------
    fields : list of (str, list of Candidate, int)
        Per VLASS component, in first-appearance order: its name, unique candidates and the
        number of dropped duplicate rows.
    n_rows : int
        Data rows read.

    Raises
    ------
    ValueError
        On a wrong header, a non-numeric cell, a probability outside [0, 1], a non-0/1 truth,
        a duplicated objID with different values, or a field without exactly one host. The
        message names the file, the row and the column.
    """
    path = Path(path) if path is not None else _data_dir() / LOU2023_TESTSET
    with open(path, newline="") as fh:
        reader = csv.reader(fh, skipinitialspace=True)
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != LOU2023_COLUMNS:
            raise ValueError(f"{path}: row 1: header {header!r} is not {list(LOU2023_COLUMNS)!r}")
        per_field: dict[str, list[Candidate]] = {}
        seen: dict[tuple[str, int], Candidate] = {}
        dups: dict[str, int] = {}
        n_rows = 0
        for lineno, row in enumerate(reader, start=2):
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(LOU2023_COLUMNS):
                raise ValueError(
                    f"{path}: row {lineno}: expected {len(LOU2023_COLUMNS)} columns, got {len(row)}"
                )
            n_rows += 1
            name = row[0].strip()
            parse_j_name(name)  # validate early so the error names the row
            try:
                objid = int(row[1])
            except ValueError:
                raise ValueError(
                    f"{path}: row {lineno}, column 'PS source id': not an integer: {row[1]!r}"
                ) from None
            vals = {
                col: _float_cell(path, lineno, col, row[i])
                for i, col in enumerate(LOU2023_COLUMNS)
                if i >= 2
            }
            for col in (
                "Galaxy_prob",
                "QSO_prob",
                "STAR_prob",
                "Non-host likelihood",
                "Host likelihood",
            ):
                if not 0.0 <= vals[col] <= 1.0:
                    raise ValueError(
                        f"{path}: row {lineno}, column {col!r}: {vals[col]} is not a probability in [0, 1]"
                    )
            for col in ("Groud_Truth", "Prediction"):
                if vals[col] not in (0.0, 1.0):
                    raise ValueError(
                        f"{path}: row {lineno}, column {col!r}: {row[LOU2023_COLUMNS.index(col)]!r} is not 0 or 1"
                    )
            cand = Candidate(
                objid=objid,
                ra=vals["PS source ra"],
                dec=vals["PS source dec"],
                galaxy_prob=vals["Galaxy_prob"],
                qso_prob=vals["QSO_prob"],
                star_prob=vals["STAR_prob"],
                host_likelihood=vals["Host likelihood"],
                nonhost_likelihood=vals["Non-host likelihood"],
                is_host=vals["Groud_Truth"] == 1.0,
                authors_prediction=int(vals["Prediction"]),
            )
            key = (name, objid)
            if key in seen:
                if seen[key] != cand:
                    raise ValueError(
                        f"{path}: row {lineno}: PS1 objID {objid} repeated in field {name!r} "
                        "with different values"
                    )
                dups[name] = dups.get(name, 0) + 1
                continue
            seen[key] = cand
            per_field.setdefault(name, []).append(cand)
    for name, cands in per_field.items():
        n_host = sum(c.is_host for c in cands)
        if n_host != 1:
            raise ValueError(
                f"{path}: field {name!r}: column 'Groud_Truth' marks {n_host} hosts, expected exactly 1"
            )
    return [(n, c, dups.get(n, 0)) for n, c in per_field.items()], n_rows


def load_norris71(
    data_dir: str | Path | None = None, *, max_match_arcsec: float = 10.0
) -> Norris71:
    """Load the seed's Norris-71 test set joined with Norris et al. 2006 Tables 4 and 6.

    Each VLASS component is matched to the nearest Table-4 component; its Norris source is the
    Table-6 source whose ``CID`` lists that component. The Table-6 grouping/host is carried for
    evaluation and oracle references only (seed §4.2 test labels are these hosts).

    Parameters
    ----------
    data_dir : str or Path, optional
        Root of the shared data (``ml.paths.data_dir`` rules when omitted).
    max_match_arcsec : float
        A VLASS component farther than this from every Table-4 component is an error (arcsec);
        the ATLAS beam is ~10".

    Returns
    -------
    Norris71

    Raises
    ------
    ValueError
        On any malformed file (see :func:`read_lou2023_testset`), a Table-4 ID absent from
        Table 6, or a VLASS component with no Table-4 counterpart within ``max_match_arcsec``.
    """
    root = _data_dir(data_dir)
    components = load_table4(root / NORRIS_TABLE4)
    sources = load_table6(root / NORRIS_TABLE6)
    raw, n_rows = read_lou2023_testset(root / LOU2023_TESTSET)
    cindex = {c.cid: c for c in components}
    source_of: dict[str, NorrisSource] = {}
    for s in sources:
        for cid in s.component_ids:
            if cid not in cindex:
                raise ValueError(
                    f"{root / NORRIS_TABLE6}: source {s.sid} lists unknown component {cid}"
                )
            source_of[cid] = s
    cra = np.array([c.ra for c in components])
    cdec = np.array([c.dec for c in components])
    fields = []
    for name, cands, ndup in raw:
        ra, dec = parse_j_name(name)
        sep = separation_arcsec(ra, dec, cra, cdec)
        j = int(np.argmin(sep))
        if sep[j] > max_match_arcsec:
            raise ValueError(
                f"{root / LOU2023_TESTSET}: field {name!r}: nearest Norris Table-4 component "
                f"{components[j].cid} is {sep[j]:.1f} arcsec away (> {max_match_arcsec})"
            )
        comp = components[j]
        if comp.cid not in source_of:
            raise ValueError(f"{root / NORRIS_TABLE6}: component {comp.cid} belongs to no source")
        src = source_of[comp.cid]
        fields.append(
            Norris71Field(
                vlass_name=name,
                ra=ra,
                dec=dec,
                candidates=tuple(cands),
                n_duplicate_rows=ndup,
                norris_component=comp,
                norris_component_sep_arcsec=float(sep[j]),
                norris_source=src,
                source_components=tuple(cindex[c] for c in src.component_ids),
            )
        )
    return Norris71(
        fields=tuple(fields),
        components=components,
        sources=sources,
        n_rows=n_rows,
        _component_index=cindex,
    )
