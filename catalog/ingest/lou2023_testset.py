"""The seed authors' Norris-71 test-set log -> components, PS1 candidates, their outputs, labels.

``lou2023_galaxyclassifier_notes/RGZ_all_negative_Norris_testing_notes1.csv`` is the
per-candidate log of the seed's final models on its test set (seed §4.2, Table 3):
71 VLASS components in CDFS, their PS1 DR2 candidates, the authors' optical class
probabilities (model A, §3.2) and host likelihoods (model B, §3.3), and the ground
truth (the Norris 2006 host re-identified as a PS1 object).

Stored as:

* the 71 VLASS components (epoch from the ``VLASS1QLCIR`` prefix), named with the RA
  hour's leading zero restored (``J32626.9-…`` -> ``J032626.9-…``; the authors' spelling
  is kept in ``extra['lou2023_name']``), position decoded from the name;
* 1,089 PS1 ``OpticalSource`` rows and one ``Candidate`` per distinct (component, PS1
  object) pair with its cutout-frame geometry (:func:`catalog.sky.geometry.candidate_offsets`);
  the file's 1,343 rows hold 166 exact repeats of a pair, kept once (see :mod:`ml.data.lou2023`);
* ``ClassPrediction`` / ``HostPrediction`` rows of two ``external`` model versions (the
  authors' logged models A and B; no weights exist);
* one ``Label`` (origin ``lou2023``) per component: host = the ground-truth PS1 object,
  linked to its Norris 2006 source (Table 6), whose Table-4 components are linked too.

Parsing is :func:`ml.data.norris71.load_norris71` (shared with the evaluation code).
"""

from __future__ import annotations

from pathlib import Path

from catalog.ingest.candidate_writer import upsert_candidates
from catalog.ingest.contract import IngestReport, cell_error, existing_file, run_ingest, upsert
from catalog.ingest.csv_rows import iter_csv_rows
from catalog.ingest.label_rows import put_labels
from catalog.ingest.labels_norris import upsert_norris_structure
from catalog.ingest.vlass_cirada import vlass_epoch
from catalog.models import (
    ClassPrediction,
    HostPrediction,
    Label,
    ModelVersion,
    OpticalSource,
    RadioComponent,
)
from ml.data.jname import parse_j_name
from ml.data.lou2023 import LOU2023_TESTSET
from ml.data.norris71 import load_norris71

MODEL_A = "lou2023-authors-model-A"
MODEL_B = "lou2023-authors-model-B"
AUTHOR = "Lou, Lake & Tsai 2023 test set (Norris 2006 host re-identified in PS1 DR2)"


def canonical_vlass_name(name: str) -> str:
    """``VLASS1QLCIR J32626.9-275611.2`` -> ``VLASS1QLCIR J032626.9-275611.2``."""
    prefix, _, token = name.strip().rpartition(" ")
    body = token[1:] if token.startswith("J") else token
    sign = "+" if "+" in body else "-"
    ra, _, dec = body.partition(sign)
    ra_int, dot, ra_frac = ra.partition(".")
    return f"{prefix + ' ' if prefix else ''}J{ra_int.rjust(6, '0')}{dot}{ra_frac}{sign}{dec}"


def external_models() -> tuple[ModelVersion, ModelVersion]:
    a, _ = ModelVersion.objects.get_or_create(
        name=MODEL_A,
        defaults={
            "kind": ModelVersion.Kind.CLASSIFIER,
            "status": ModelVersion.Status.EXTERNAL,
            "config": {"source": str(LOU2023_TESTSET), "paper": "seed §3.2 (model A)"},
        },
    )
    b, _ = ModelVersion.objects.get_or_create(
        name=MODEL_B,
        defaults={
            "kind": ModelVersion.Kind.HOST,
            "status": ModelVersion.Status.EXTERNAL,
            "config": {"source": str(LOU2023_TESTSET), "paper": "seed §3.3 (model B)"},
        },
    )
    return a, b


def ingest_lou2023_testset(
    data_dir: str | Path, *, dry_run: bool = False, progress=None
) -> IngestReport:
    """Ingest the Norris-71 test set (one transaction). See the module docstring."""
    root = Path(data_dir)
    path = root / LOU2023_TESTSET
    existing_file(path)
    # ml.data.lou2023 parses it (no Django there); the guarded reader vets the text first, so
    # a NUL, a non-UTF-8 byte or an over-long line is named by line and column here too
    for _ in iter_csv_rows(path):
        pass
    report = IngestReport(source=f"lou2023 {path.name}", dry_run=dry_run)

    def work(rep: IngestReport) -> None:
        n71 = load_norris71(root)
        cid_pk, sid_pk = upsert_norris_structure(n71.components, n71.sources, rep)
        epochs = {f.vlass_name.split()[0] for f in n71.fields}
        if len(epochs) != 1 or not epochs.pop().startswith("VLASS"):
            raise cell_error(path, None, "VLASS_component_name", "expected one VLASSnQLCIR prefix")
        epoch = vlass_epoch(n71.fields[0].vlass_name.split()[0][5], "QL")
        comp_rows = []
        for f in n71.fields:
            ra, dec = parse_j_name(f.vlass_name)
            comp_rows.append(
                {
                    "epoch_id": epoch.pk,
                    "name": canonical_vlass_name(f.vlass_name),
                    "ra": ra,
                    "dec": dec,
                    "is_science": True,
                    "extra": {"lou2023_name": f.vlass_name},
                }
            )
        comp_pk = upsert(
            RadioComponent,
            comp_rows,
            keys=("epoch_id", "name"),
            report=rep,
        )
        # PS1 objects: one row per objID; a position that differs between fields would
        # mean two objects share an ID -- refuse it. The authors' model-A probabilities of
        # an object seen in several fields do differ slightly between fields (their model
        # saw a stamp cut per field); ClassPrediction holds one row per (object, model), so
        # the first field's values are kept and the spread is reported.
        ps1: dict[int, tuple] = {}
        spread: dict[int, float] = {}
        for f in n71.fields:
            for c in f.candidates:
                v = (c.ra, c.dec, c.galaxy_prob, c.qso_prob, c.star_prob)
                first = ps1.setdefault(c.objid, v)
                if first[:2] != v[:2]:
                    raise cell_error(
                        path, None, "PS source id", f"objID {c.objid} has two different positions"
                    )
                d = max(abs(a - b) for a, b in zip(first[2:], v[2:], strict=True))
                if d > 0:
                    spread[c.objid] = max(spread.get(c.objid, 0.0), d)
        if spread:
            rep.notes.append(
                f"{len(spread)} PS1 objects appear in several fields with different model-A "
                f"probabilities (max |dp| = {max(spread.values()):.3f}); first field's kept"
            )
        opt_pk = upsert(
            OpticalSource,
            [
                {
                    "catalogue": OpticalSource.Catalogue.PS1_DR2,
                    "source_id": str(k),
                    "ra": v[0],
                    "dec": v[1],
                }
                for k, v in ps1.items()
            ],
            keys=("catalogue", "source_id"),
            report=rep,
        )
        pk_of = {k: opt_pk[(OpticalSource.Catalogue.PS1_DR2, str(k))] for k in ps1}
        model_a, model_b = external_models()
        upsert(
            ClassPrediction,
            [
                {
                    "optical_source_id": pk_of[k],
                    "model_version_id": model_a.pk,
                    "p_galaxy": v[2],
                    "p_qso": v[3],
                    "p_star": v[4],
                }
                for k, v in ps1.items()
            ],
            keys=("optical_source_id", "model_version_id"),
            report=rep,
        )
        host_rows, label_rows = [], []
        for f in n71.fields:
            comp = RadioComponent.objects.get(
                pk=comp_pk[(epoch.pk, canonical_vlass_name(f.vlass_name))]
            )
            cands = f.candidates
            cand_pk = upsert_candidates(
                comp,
                [pk_of[c.objid] for c in cands],
                [c.ra for c in cands],
                [c.dec for c in cands],
                rep,
            )
            order = sorted(range(len(cands)), key=lambda i: -cands[i].host_likelihood)
            rank = {i: r + 1 for r, i in enumerate(order)}
            n_pos = sum(c.host_likelihood > 0.5 for c in cands)
            for i, c in enumerate(cands):
                host_rows.append(
                    {
                        "candidate_id": cand_pk[(comp.pk, pk_of[c.objid])],
                        "model_version_id": model_b.pk,
                        "likelihood": c.host_likelihood,
                        "rank": rank[i],
                        "is_positive": c.host_likelihood > 0.5,
                        "is_prime": c.host_likelihood > 0.5 and n_pos == 1,
                    }
                )
            h = f.host
            label_rows.append(
                {
                    "component_id": comp.pk,
                    "source_id": sid_pk[f.norris_source.sid],
                    "host_id": pk_of[h.objid],
                    "host_ra": h.ra,
                    "host_dec": h.dec,
                    "match_separation_arcsec": f.norris_component_sep_arcsec,
                    "host_match_separation_arcsec": 0.0,
                    "author_name": AUTHOR,
                    "reason": (
                        f"Groud_Truth=1 in the authors' log; Norris source {f.norris_source.sid} "
                        f"(components {', '.join(f.norris_source.component_ids)})"
                    ),
                }
            )
            if progress is not None:
                progress.update(len(cands))
        upsert(HostPrediction, host_rows, keys=("candidate_id", "model_version_id"), report=rep)
        put_labels(label_rows, origin=Label.Origin.LOU2023, report=rep)
        rep.notes.append(
            f"{n71.n_rows} rows -> {n71.n_unique_pairs} distinct (component, PS1) candidates over "
            f"{n71.n_unique_candidates} PS1 objects in {len(n71.fields)} fields "
            f"({n71.n_rows - n71.n_unique_pairs} repeated identical rows kept once)"
        )

    return run_ingest(work, report)
