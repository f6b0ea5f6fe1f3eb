"""Which catalogue rows the association may group: the sky it reads, from the catalogue's own flags.

CIRADA's VLASS Quick Look component table (Gordon et al. 2021, ApJS 255, 30, §3 and the
CIRADA VLASS catalogue user guide) marks three kinds of row that must not take part in grouping:

* **duplicates** -- a component measured in two overlapping Quick Look subtiles appears twice,
  ~1″ apart; ``Duplicate_flag`` is 0 for a unique row, 1 for the preferred copy and 2 for the
  copy to reject. A flag-2 copy left in the sky is grouped with its own twin as a
  "two-component source" (its flux is comparable and it lies far inside any double scale);
* **empty islands** -- ``S_Code 'E'``: PyBDSF found an island but fitted no Gaussian to it, so
  the row has a peak but ``Total_flux = 0`` (no integrated flux to weigh it by);
* **quality flags** -- ``Quality_flag`` bits: 1 = possible sidelobe (``Peak_to_ring < 2`` with
  no neighbour within 20″), 2 = ``Peak_flux < 5 Isl_rms``, 4 = ``Peak_flux > Total_flux``
  (:func:`cirada_quality_bits` recomputes them; on the real 99-row sample they equal the
  catalogue's own column row for row).

The selection is a deployment setting (``RADIOHOST_ASSOCIATION_SKY``), parsed by
:func:`parse_selection`; rows outside it are never grouped with anything and are not
identified either (an empty island or a flagged sidelobe has no emission of its own to host;
with the default selection every such row is already outside the seed's science sample,
``Duplicate_flag < 2`` and ``Quality_flag == 0``). Catalogues without these columns (NULL:
simulated skies, Norris 2006) read as unique, unflagged, fitted rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: CIRADA Quality_flag bits (Gordon et al. 2021; the CIRADA VLASS user guide).
QUALITY_SIDELOBE, QUALITY_FAINT, QUALITY_PEAK_OVER_TOTAL = 1, 2, 4
QUALITY_BITS = {
    QUALITY_SIDELOBE: "possible sidelobe (Peak_to_ring < 2, no neighbour within 20″)",
    QUALITY_FAINT: "Peak_flux < 5 Isl_rms",
    QUALITY_PEAK_OVER_TOTAL: "Peak_flux > Total_flux",
}
#: Duplicate_flag of the copy CIRADA says to reject.
DUPLICATE_REJECT = 2
#: PyBDSF S_Code of an island with no fitted Gaussian.
EMPTY_ISLAND = "E"
#: The setting's default: every flag the catalogue has is honoured.
DEFAULT_SELECTION = "duplicates=drop,empty=drop,quality=any"


@dataclass(frozen=True)
class SkySelection:
    """What the association sky leaves out.

    ``drop_duplicates``: rows with ``Duplicate_flag == 2``; ``drop_empty``: ``S_Code 'E'``;
    ``quality_mask``: rows with ``Quality_flag & quality_mask != 0`` (0 keeps every row,
    -1 drops any nonzero flag).
    """

    drop_duplicates: bool = True
    drop_empty: bool = True
    quality_mask: int = -1

    def text(self) -> str:
        """The setting's spelling of this selection (``parse_selection(s.text()) == s``)."""
        q = {-1: "any", 0: "none"}.get(self.quality_mask, str(self.quality_mask))
        return (
            f"duplicates={'drop' if self.drop_duplicates else 'keep'},"
            f"empty={'drop' if self.drop_empty else 'keep'},quality={q}"
        )

    def mask(self, duplicate_flag, quality_flag, s_code) -> np.ndarray:
        """True for each row the association may group (NaN/None flags read as 0, '')."""
        return np.array([r is None for r in self.reasons(duplicate_flag, quality_flag, s_code)])

    def reasons(self, duplicate_flag, quality_flag, s_code) -> list[str | None]:
        """Per row, why it is outside the sky (None where it is inside)."""
        dup = _ints(duplicate_flag)
        qual = _ints(quality_flag)
        code = ["" if c is None else str(c).strip() for c in np.atleast_1d(s_code)]
        if not dup.size == qual.size == len(code):
            raise ValueError(
                f"duplicate_flag, quality_flag and s_code need one value per row "
                f"({dup.size}, {qual.size}, {len(code)})"
            )
        out: list[str | None] = []
        for d, q, c in zip(dup, qual, code, strict=True):
            if self.drop_duplicates and d == DUPLICATE_REJECT:
                out.append("a duplicate copy (Duplicate_flag 2): its twin is the one kept")
            elif self.drop_empty and c == EMPTY_ISLAND:
                out.append("an empty island (S_Code 'E'): no fitted component")
            elif q & self.quality_mask:
                bits = [t for b, t in QUALITY_BITS.items() if q & b] or [f"bit value {q}"]
                out.append(f"quality-flagged (Quality_flag {q}: {'; '.join(bits)})")
            else:
                out.append(None)
        return out


def _ints(values) -> np.ndarray:
    a = np.atleast_1d(np.asarray(values, dtype=object))
    return np.array([0 if v is None or v != v else int(v) for v in a], dtype=np.int64)


def parse_selection(text: str) -> SkySelection:
    """Parse ``RADIOHOST_ASSOCIATION_SKY``: comma-separated ``key=value`` pairs.

    Keys: ``duplicates`` (``drop`` | ``keep``), ``empty`` (``drop`` | ``keep``), ``quality``
    (``any`` | ``none`` | a bit mask, e.g. ``1`` to leave out possible sidelobes only). A key
    not given keeps its default (:data:`DEFAULT_SELECTION`); an empty string is the default.

    Raises
    ------
    ValueError
        Naming the setting, the pair and what it accepts.
    """
    fields: dict = {}
    for part in (p.strip() for p in (text or "").split(",")):
        if not part:
            continue
        key, sep, value = (s.strip().lower() for s in part.partition("="))
        where = f"RADIOHOST_ASSOCIATION_SKY {text!r}: {part!r}"
        if not sep:
            raise ValueError(f"{where} is not key=value")
        if key in ("duplicates", "empty"):
            if value not in ("drop", "keep"):
                raise ValueError(f"{where}: {key} takes drop or keep")
            fields["drop_duplicates" if key == "duplicates" else "drop_empty"] = value == "drop"
        elif key == "quality":
            if value in ("any", "none"):
                fields["quality_mask"] = -1 if value == "any" else 0
            elif value.isdigit():
                fields["quality_mask"] = int(value)
            else:
                raise ValueError(f"{where}: quality takes any, none or a bit mask (e.g. 1)")
        else:
            raise ValueError(f"{where}: unknown key {key!r} (duplicates, empty, quality)")
    return SkySelection(**fields)


def cirada_quality_bits(peak_to_ring, nn_dist_arcsec, peak_mjy, total_mjy, isl_rms_mjy):
    """The CIRADA VLASS Quality_flag recomputed from its definition (user guide; Gordon+21).

    ``NN_dist`` is -99 where CIRADA measured none (duplicates): such a row has no neighbour
    test and is not a sidelobe candidate.
    """
    ptr, nn, pk, tot, rms = (np.asarray(a, float) for a in (peak_to_ring, nn_dist_arcsec,
                                                            peak_mjy, total_mjy, isl_rms_mjy))  # fmt: skip
    q = np.where((ptr < 2) & (nn >= 20), QUALITY_SIDELOBE, 0)
    q |= np.where(pk < 5 * rms, QUALITY_FAINT, 0)
    q |= np.where(pk > tot, QUALITY_PEAK_OVER_TOTAL, 0)
    return q.astype(np.int64)
