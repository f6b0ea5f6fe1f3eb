"""Host-identifier inference throughput: naive per-pair forward vs the engine, in one run.

Paper resolution (radio 1×217², optical 5×240², seed §3.3) with 18 candidates per field.
Reports fields/s, achieved GFLOP/s (FLOPs counted by ``torch.utils.flop_counter``) and that rate
as a fraction of a plain fp32 (and bf16) matmul on the same cores, measured in the same run, so
the ratios hold even on a shared, noisy machine (tests never assert timings; ratios come from one run).  Modes are timed round-robin
over several rounds and the median is kept, so a burst of load from another process hits every
mode alike.

    .venv/bin/python -m bench.inference --fields 4 --rounds 3 --out results/inference.json

"Ours" is the engine with compiled backbones (``HostEngine(compile=True)``); the eager engine,
channels-first and unfolded variants are timed beside it so each optimisation's share shows.
The 1-minute load average before and after the run is recorded: the fraction-of-matmul figures
are only meaningful when nothing else competes for the cores.

Input values are random (the throughput of a ResNet does not depend on them); the weights are a
random init with non-trivial BatchNorm statistics so the folded model is a real fold.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from torch.utils.flop_counter import FlopCounterMode

from ml.host.engine import HostEngine
from ml.host.field import HostField
from ml.host.model import HostConfig, HostIdentifier, host_identifier
from ml.host.naive import naive_score_fields
from ml.paths import results_dir

N_CANDIDATES = 18  # "18 candidates per field"


def make_fields(cfg: HostConfig, n_fields: int, n_cand: int, seed: int) -> list[HostField]:
    rng = np.random.default_rng(seed)
    fields = []
    for k in range(n_fields):
        fields.append(
            HostField(
                field_id=f"bench{k}",
                radio=rng.random((cfg.radio_size, cfg.radio_size), dtype=np.float32),
                # unique ids: no overlap between fields, the cache cannot help (worst case)
                candidate_ids=[f"f{k}c{i}" for i in range(n_cand)],
                xy=rng.uniform(-60, 60, size=(n_cand, 2)),
                class_probs=rng.dirichlet([1, 1, 1], size=n_cand),
                optical=rng.random(
                    (n_cand, cfg.optical_bands, cfg.optical_size, cfg.optical_size),
                    dtype=np.float32,
                ),
            )
        )
    return fields


def randomise_bn(model: torch.nn.Module, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            n = m.num_features
            m.running_mean.copy_(torch.rand(n, generator=g) * 0.2 - 0.1)
            m.running_var.copy_(torch.rand(n, generator=g) + 0.5)


def matmul_gflops(dtype: torch.dtype, n: int = 2048, seconds: float = 1.5) -> float:
    """Sustained GFLOP/s of an n×n matmul on this process's threads (the machine's limit).

    Without native bf16 (no AVX512-BF16/AMX) a bf16 matmul is orders of magnitude slower; the
    size is then cut to 512 so that the probe itself stays within a few seconds.
    """
    for size in (512, n):
        a = torch.randn(size, size).to(dtype)
        b = torch.randn(size, size).to(dtype)
        t0 = time.perf_counter()
        a @ b
        if time.perf_counter() - t0 > 0.2 or size == n:
            break
    reps, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ b
        reps += 1
    dt = time.perf_counter() - t0
    return 2 * size**3 * reps / dt / 1e9


def count_flops(fn: Callable[[], object]) -> int:
    with FlopCounterMode(display=False) as fc:
        fn()
    return int(fc.get_total_flops())


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--fields", type=int, default=4, help="fields per timed call")
    ap.add_argument(
        "--bf16-fields",
        type=int,
        default=None,
        help="fields per bf16 call (default: --fields with native bf16, else 1: bf16 is "
        "emulated, i.e. very slow, on CPUs without AVX512-BF16/AMX)",
    )
    ap.add_argument("--rounds", type=int, default=3, help="round-robin timing rounds")
    ap.add_argument("--batch", type=int, default=32, help="engine images per backbone call")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=results_dir() / "inference.json")
    args = ap.parse_args(argv)
    native_bf16 = bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())
    if args.bf16_fields is None:
        args.bf16_fields = args.fields if native_bf16 else 1
    load_before = os.getloadavg()[0]

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    cfg = HostConfig()  # paper resolution, every branch on
    model: HostIdentifier = host_identifier(cfg).eval()
    randomise_bn(model, args.seed)
    fields = make_fields(cfg, args.fields, N_CANDIDATES, args.seed)

    engines = {
        "engine_fp32": HostEngine(model, batch=args.batch),
        "engine_fp32_nchw": HostEngine(model, batch=args.batch, channels_last=False),
        "engine_fp32_nofold": HostEngine(model, batch=args.batch, fold_bn=False),
        "engine_bf16": HostEngine(model, dtype=torch.bfloat16, batch=args.batch),
        "engine_fp32_compiled": HostEngine(model, batch=args.batch, compile=True),
        "engine_bf16_compiled": HostEngine(
            model, dtype=torch.bfloat16, batch=args.batch, compile=True
        ),
    }

    n_per_mode = {name: args.fields for name in engines} | {"naive_per_field_batch": args.fields}
    for name in ("engine_bf16", "engine_bf16_compiled"):
        n_per_mode[name] = min(args.bf16_fields, args.fields)

    def run_engine(name: str) -> Callable[[], object]:
        eng = engines[name]
        these = fields[: n_per_mode[name]]

        def go() -> object:
            eng.cache.clear()  # unique ids anyway; clearing keeps every round identical
            return eng.score(these)

        return go

    modes: dict[str, Callable[[], object]] = {
        "naive_per_field_batch": lambda: naive_score_fields(fields, model, per_pair=False),
        **{name: run_engine(name) for name in engines},
    }

    # FLOPs per field, counted on one field (the engine's work is linear in fields).
    one = fields[:1]
    flops = {
        "naive": count_flops(lambda: naive_score_fields(one, model, per_pair=False)),
        "engine": count_flops(lambda: HostEngine(model).score(one)),
    }
    with torch.no_grad():
        opt_one = count_flops(
            lambda: model.optical_code(torch.zeros(1, 5, cfg.optical_size, cfg.optical_size))
        )
        radio_one = count_flops(
            lambda: model.radio_features(torch.zeros(1, 1, cfg.radio_size, cfg.radio_size))
        )

    # warm-up (oneDNN primitive creation, allocator, and the compiled modes' compile: twice, so
    # every batch shape they use is built) then round-robin timing; the matmul probes run in
    # every round too, so "fraction of the machine's limit" compares like with like.
    compile_s = {}
    for name, fn in modes.items():
        t0 = time.perf_counter()
        fn()
        if name.endswith("_compiled"):
            compile_s[name] = time.perf_counter() - t0
            fn()
    times: dict[str, list[float]] = {k: [] for k in modes}
    peaks: dict[str, list[float]] = {"fp32": [], "bf16": []}
    for _ in range(args.rounds):
        peaks["fp32"].append(matmul_gflops(torch.float32))
        peaks["bf16"].append(matmul_gflops(torch.bfloat16))
        for name, fn in modes.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)

    # one per-pair (batch 1) naive pass: the literal paper formulation, a single round
    t0 = time.perf_counter()
    naive_pp = naive_score_fields(fields[:2], model, per_pair=True)
    t_pp = (time.perf_counter() - t0) / 2

    peak_fp32 = statistics.median(peaks["fp32"])
    peak_bf16 = statistics.median(peaks["bf16"])
    nb = n_per_mode["engine_bf16"]
    ref = naive_score_fields(fields, model, per_pair=False)
    fp32 = engines["engine_fp32_compiled"].score(fields)
    bf16 = engines["engine_bf16_compiled"].score(fields[:nb])
    max_diff_fp32_eager = max(
        float(np.abs(a - b).max())
        for a, b in zip(ref, engines["engine_fp32"].score(fields), strict=True)
    )
    max_diff_fp32 = max(float(np.abs(a - b).max()) for a, b in zip(ref, fp32, strict=True))
    max_diff_bf16 = max(float(np.abs(a - b).max()) for a, b in zip(ref[:nb], bf16, strict=True))
    same_best_bf16 = sum(
        int(np.argmax(a) == np.argmax(b)) for a, b in zip(fp32[:nb], bf16, strict=True)
    )
    max_diff_pp = max(float(np.abs(a - b).max()) for a, b in zip(naive_pp, ref[:2], strict=True))

    res_modes = {}
    for name, ts in times.items():
        t = statistics.median(ts)
        fps = n_per_mode[name] / t
        fl = flops["naive"] if name.startswith("naive") else flops["engine"]
        gf = fps * fl / 1e9
        res_modes[name] = {
            "seconds_per_call_median": t,
            "seconds_all_rounds": ts,
            "fields_per_s": fps,
            "gflop_per_field": fl / 1e9,
            "achieved_gflop_s": gf,
            "fraction_of_fp32_matmul": gf / peak_fp32,
            "fraction_of_bf16_matmul": gf / peak_bf16,
        }
    res_modes["naive_per_pair_batch1"] = {
        "seconds_per_field": t_pp,
        "fields_per_s": 1 / t_pp,
        "gflop_per_field": flops["naive"] / 1e9,
        "achieved_gflop_s": flops["naive"] / 1e9 / t_pp,
        "fraction_of_fp32_matmul": flops["naive"] / 1e9 / t_pp / peak_fp32,
        "note": "one round over 2 fields (slowest mode, literal per-pair forward)",
    }
    fp32_fps = res_modes["engine_fp32_compiled"]["fields_per_s"]
    bf16_fps = res_modes["engine_bf16_compiled"]["fields_per_s"]
    eager_fps = res_modes["engine_fp32"]["fields_per_s"]
    limit = peak_fp32 / (flops["engine"] / 1e9)
    out = {
        "what": "host identifier inference throughput, paper resolution, 18 candidates/field",
        "command": ".venv/bin/python -m bench.inference "
        f"--fields {args.fields} --bf16-fields {args.bf16_fields} --rounds {args.rounds} "
        f"--batch {args.batch} "
        f"--threads {args.threads}",
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "cpu_flags_avx512_bf16": _has_flag("avx512_bf16"),
            "cpu_flags_avx512f": _has_flag("avx512f"),
            "threads": args.threads,
            "torch": torch.__version__,
            "loadavg_1min_before": load_before,
            "loadavg_1min_after": os.getloadavg()[0],
        },
        "ours": "engine_fp32_compiled (fp32) and engine_bf16_compiled (bf16)",
        "compile_seconds_first_call": compile_s,
        "config": cfg.to_dict(),
        "fields_per_call": n_per_mode,
        "candidates_per_field": N_CANDIDATES,
        "engine_batch": args.batch,
        "matmul_gflop_s": {"fp32": peak_fp32, "bf16": peak_bf16, "all_rounds": peaks},
        "bf16_native_on_this_cpu": native_bf16,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "gflop": {
            "optical_backbone_one_stamp": opt_one / 1e9,
            "radio_backbone_one_cutout": radio_one / 1e9,
            "naive_per_field": flops["naive"] / 1e9,
            "engine_per_field": flops["engine"] / 1e9,
        },
        "engine_fp32_limit_fields_per_s": limit,
        "modes": res_modes,
        "ratios": {
            "engine_fp32_over_naive": fp32_fps / res_modes["naive_per_field_batch"]["fields_per_s"],
            "engine_fp32_fraction_of_limit": fp32_fps / limit,
            "engine_bf16_over_engine_fp32": bf16_fps / fp32_fps,
            "compile_speedup_fp32": fp32_fps / eager_fps,
            "eager_bf16_over_eager_fp32": res_modes["engine_bf16"]["fields_per_s"] / eager_fps,
            "channels_last_speedup": eager_fps / res_modes["engine_fp32_nchw"]["fields_per_s"],
            "bn_fold_speedup": eager_fps / res_modes["engine_fp32_nofold"]["fields_per_s"],
        },
        "targets": {
            "engine_fp32_fields_per_s>=2.0": fp32_fps >= 2.0,
            "engine_fp32>=85%_of_limit": fp32_fps / limit >= 0.85,
            "bf16>=1.7x_fp32": bf16_fps / fp32_fps >= 1.7,
        },
        "agreement": {
            "max_abs_diff_engine_fp32_vs_naive": max_diff_fp32,
            "max_abs_diff_engine_fp32_eager_vs_naive": max_diff_fp32_eager,
            "max_abs_diff_engine_bf16_vs_naive": max_diff_bf16,
            "max_abs_diff_naive_per_pair_vs_field_batch": max_diff_pp,
            "bf16_same_best_candidate_fields": f"{same_best_bf16}/{nb}",
            "note": "random weights and inputs: agreement here is numerical only; the "
            "same-best-candidate check on trained models is in results/norris71.json (every "
            "host-identifier row) and results/host_sim*.json",
        },
        "shared_trunk": {
            "gflop_saved_per_field": N_CANDIDATES * opt_one / 1e9,
            "note": "a shared optical trunk (HostConfig(shared_trunk=True)) removes the optical "
            "classifier's own 5x240^2 backbone per candidate when both run in the same pass; "
            "its cost is then exactly engine_fp32's",
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2))
    print(
        json.dumps({k: out[k] for k in ("matmul_gflop_s", "gflop", "ratios", "targets")}, indent=2)
    )
    for name, r in res_modes.items():
        print(f"{name:<24} {r['fields_per_s']:.3f} fields/s  {r['achieved_gflop_s']:.1f} GFLOP/s")
    return out


def _has_flag(flag: str) -> bool:
    try:
        return flag in Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False


if __name__ == "__main__":
    main()
