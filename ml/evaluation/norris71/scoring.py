"""Scoring Norris-71 rows: per-field outcomes into the JSON row, failure reasons, Table 3."""

from __future__ import annotations

import logging

import numpy as np

from ml.data.norris71 import Norris71, Norris71Field
from ml.evaluation.norris71.rows import FieldOutcome, Method
from ml.sky import separation_arcsec

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------
# evaluation
# ----------------------------------------------------------------------------------------------


def failure_reason(m: Method, f: Norris71Field, o: FieldOutcome) -> str:
    """A short, factual explanation of why ``m`` chose the wrong candidate in field ``f``."""
    a = f.candidate_arrays()
    h, b = f.host_index, o.best
    host_v = float(separation_arcsec(f.ra, f.dec, a["ra"][h], a["dec"][h]))
    best_v = float(separation_arcsec(f.ra, f.dec, a["ra"][b], a["dec"][b]))
    src = f.norris_source
    cids = ",".join(src.component_ids)
    parts = []
    if src.is_multi_component:
        parts.append(
            f"VLASS component matches {f.norris_component.cid}, one of the {len(src.component_ids)} "
            f'components of Norris source {src.sid} ({cids}); the host is {host_v:.1f}" from the '
            "VLASS position"
        )
    else:
        parts.append(
            f'single-component Norris source {src.sid}; host {host_v:.1f}" from the VLASS position'
        )
    if o.pred_ra is not None:
        dh = float(separation_arcsec(o.pred_ra, o.pred_dec, a["ra"][h], a["dec"][h]))
        db = float(separation_arcsec(o.pred_ra, o.pred_dec, a["ra"][b], a["dec"][b]))
        parts.append(
            f'predicted host position is {dh:.1f}" from the host but {db:.1f}" from the chosen '
            f'candidate {a["objid"][b]} ({best_v:.1f}" from VLASS)'
        )
    if "group" in o.info and not m.uses_table6:
        got = set(o.info["group"])
        if got != set(src.component_ids):
            parts.append(
                f"association grouped [{','.join(sorted(got))}] but the experts grouped [{cids}]"
            )
        else:
            parts.append("grouping agrees with the experts; the core estimate is off")
    if o.likelihood is not None:
        order = np.argsort(-o.likelihood, kind="stable")
        rank = int(np.flatnonzero(order == h)[0]) + 1
        parts.append(
            f"host likelihood {o.likelihood[h]:.3g} (rank {rank}/{len(order)}) vs chosen "
            f"{a['objid'][b]} {o.likelihood[b]:.3g}; class probs of host G/Q/S = "
            f"{a['galaxy_prob'][h]:.2f}/{a['qso_prob'][h]:.2f}/{a['star_prob'][h]:.2f}"
        )
    return "; ".join(parts)


def evaluate(m: Method, data: Norris71) -> tuple[dict, list[tuple[Norris71Field, FieldOutcome]]]:
    """Run a method on every field; return its JSON row and the raw outcomes."""
    rows, fails, outcomes = [], [], []
    tp = fp = fn = 0
    n_prime = n_prime_ok = 0
    for f in data.fields:
        o = m.run(f)
        outcomes.append((f, o))
        a = f.candidate_arrays()
        h = f.host_index
        pos = np.asarray(o.positives, dtype=bool)
        tp += int(pos[h])
        fn += int(not pos[h])
        fp += int(pos.sum() - pos[h])
        prime = int(pos.sum()) == 1
        n_prime += prime
        n_prime_ok += prime and bool(pos[h])
        ok = o.best == h
        row = {
            "vlass_component": f.vlass_name,
            "ra_deg": round(f.ra, 6),
            "dec_deg": round(f.dec, 6),
            "norris_source": f.norris_source.sid,
            "norris_components": len(f.norris_source.component_ids),
            "n_candidates": len(f.candidates),
            "n_positive": int(pos.sum()),
            "prime_host": bool(prime),
            "decision": "prime" if prime and pos[o.best] else "best",
            "chosen_objid": int(a["objid"][o.best]),
            "chosen_sep_vlass_arcsec": round(
                float(separation_arcsec(f.ra, f.dec, a["ra"][o.best], a["dec"][o.best])), 2
            ),
            "host_objid": int(a["objid"][h]),
            "host_sep_vlass_arcsec": round(
                float(separation_arcsec(f.ra, f.dec, a["ra"][h], a["dec"][h])), 2
            ),
            "correct": bool(ok),
        }
        if o.likelihood is not None:
            row["chosen_likelihood"] = float(o.likelihood[o.best])
            row["host_likelihood"] = float(o.likelihood[h])
        if o.pred_ra is not None:
            row["pred_host_ra_deg"] = round(o.pred_ra, 6)
            row["pred_host_dec_deg"] = round(o.pred_dec, 6)
            row["pred_to_host_arcsec"] = round(
                float(separation_arcsec(o.pred_ra, o.pred_dec, a["ra"][h], a["dec"][h])), 2
            )
        for k, v in o.info.items():
            row[k] = v
        rows.append(row)
        if not ok:
            fails.append(
                {
                    "vlass_component": f.vlass_name,
                    "norris_source": f.norris_source.sid,
                    "reason": failure_reason(m, f, o),
                }
            )
    n = len(data.fields)
    n_ok = sum(r["correct"] for r in rows)
    table3 = None
    if all(o.likelihood is not None for _, o in outcomes):
        table3 = _table3(outcomes)
    out = {
        "label": m.label,
        "kind": m.kind,
        "inputs": m.inputs,
        "uses_table6_expert_grouping_or_host": m.uses_table6,
        "positive_rule": m.positive_rule,
        "n_fields": n,
        "n_correct": n_ok,
        "accuracy": round(n_ok / n, 4),
        "n_prime_host": n_prime,
        "n_prime_host_correct": n_prime_ok,
        "pairs_tp_fp_fn": [tp, fp, fn],
        "precision_at_0.5": round(tp / (tp + fp), 4) if tp + fp else None,
        "recall_at_0.5": round(tp / (tp + fn), 4) if tp + fn else None,
        "notes": m.notes,
        **({"details": m.details} if m.details else {}),
        "failures": fails,
        "per_field": rows,
    }
    if table3 is not None:
        out["table3_top3_per_field"] = table3
    return out, outcomes


def _table3(outcomes) -> list[str]:
    """The seed's Table-3 layout (``ml.host.decision.format_table3``), top 3 + host per field."""
    from ml.host.decision import decide_field, format_table3

    decisions = []
    for f, o in outcomes:
        a = f.candidate_arrays()
        decisions.append(
            decide_field(
                f.vlass_name.split()[-1],
                a["objid"],
                o.likelihood,
                class_probs=np.stack([a["galaxy_prob"], a["qso_prob"], a["star_prob"]], axis=1),
                ra_deg=a["ra"],
                dec_deg=a["dec"],
                truth_index=f.host_index,
            )
        )
    return format_table3(decisions, max_rows_per_field=3).splitlines()


def authors_logged_confusion(data: Norris71) -> dict:
    """The authors' own 0/1 ``Prediction`` column vs truth, on unique (field, candidate) pairs."""
    tp = fp = fn = tn = 0
    for f in data.fields:
        for c in f.candidates:
            p = c.authors_prediction == 1
            tp += p and c.is_host
            fp += p and not c.is_host
            fn += (not p) and c.is_host
            tn += (not p) and not c.is_host
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "unit": "unique (VLASS component, PS1 candidate) pairs",
    }
