"""Small PS1 DR2 / AllWISE catalogue files, one per sky cell (CSV, MAST / VizieR names)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_cell(path: Path, *, cell: int, n: int, seed: int = 0, allwise: bool = False) -> Path:
    """``n`` sources of sky cell ``cell`` (0.05 deg wide cells along RA at dec 2): unique
    ids per cell, magnitudes random; an AllWISE cell puts a source 1" from some PS1 ones."""
    rng = np.random.default_rng(seed + 1000 * cell)
    pos = rng.uniform(0, 0.05, (n, 2))  # row i from draws 2i, 2i+1: cells of any n agree
    ra, dec = 150.0 + 0.05 * cell + pos[:, 0], 2.0 + pos[:, 1]
    if allwise:
        head = "AllWISE,RAJ2000,DEJ2000,W1mag,e_W1mag,W2mag,e_W2mag,ccf,ex"
        rows = [
            f"J{cell:03d}w{i:06d},{ra[i] + 1 / 3600:.8f},{dec[i]:.8f},"
            f"{rng.uniform(13, 17):.3f},0.02,{rng.uniform(13, 17):.3f},0.03,0000,0"
            for i in range(n)
        ]
    else:
        head = "objID,raMean,decMean,nDetections,qualityFlag," + ",".join(
            f"{b}MeanPSFMag,{b}MeanPSFMagErr,{b}MeanKronMag" for b in "grizy"
        )
        rows = [
            f"{100000000000000000 + cell * 10_000_000 + i},{ra[i]:.8f},{dec[i]:.8f},{i % 9 + 1},52,"
            + ",".join(f"{rng.uniform(18, 22):.4f},0.05,{rng.uniform(18, 22):.4f}" for _ in "grizy")
            for i in range(n)
        ]
    path.write_text(head + "\n" + "\n".join(rows) + "\n")
    return path


def snapshot():
    """Every OpticalSource row's stored values, sorted (a row-for-row comparison)."""
    from catalog.models import OpticalSource

    fields = [f.attname for f in OpticalSource._meta.concrete_fields if f.attname != "id"]
    return sorted(OpticalSource.objects.values_list(*fields))
