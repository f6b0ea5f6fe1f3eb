"""The real Norris-71 test set (seed §4.2, Table 3): the authors' log joined with Norris 2006.

:func:`load_norris71` matches each VLASS component of the seed authors' file
(:mod:`ml.data.lou2023`) to its nearest Norris et al. 2006 Table-4 component and Table-6 source
(:mod:`ml.data.norris2006`); the expert grouping and host are carried for evaluation and oracle
references only. Pure python + numpy + astropy (no Django, no torch) so the catalogue ingest can
reuse :func:`load_norris71` directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ml.data.jname import parse_j_name
from ml.data.lou2023 import LOU2023_TESTSET, Candidate, read_lou2023_testset
from ml.data.norris2006 import (
    NORRIS_TABLE4,
    NORRIS_TABLE6,
    NorrisComponent,
    NorrisSource,
    load_table4,
    load_table6,
)
from ml.paths import data_dir as _data_dir
from ml.sky import separation_arcsec


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
