"""Fast host-identifier inference engine.

The seed's formulation (seed §3.3, Figure 5) runs both backbones for every (radio component,
optical candidate) pair: with 18 candidates the radio backbone runs 18 times on the *same*
cutout, and an optical source that lies in several overlapping fields is re-encoded for each.
This engine computes exactly the same function (``HostIdentifier.forward`` is
``head(radio_features, optical_code, ...)``) but

- runs the radio backbone once per field and shares the features across its candidates;
- runs the optical backbone once per optical source, with a cache keyed by the source id so
  overlapping fields (and repeated calls with the same cache) reuse it;
- batches backbone calls across fields (``batch`` images per call);
- runs under ``torch.inference_mode`` with BatchNorm folded into the preceding convolution and
  channels-last tensors (oneDNN's preferred layout on CPU; measured by ``bench/inference.py``);
- optionally runs the backbones in bf16 (``dtype=torch.bfloat16``): their (BN-folded) weights
  are cast once and the images fed in bf16, so no per-call autocast weight casts; the small FC
  head always runs in fp32. Worth it only on CPUs with native bf16 dot products (AVX512-BF16 or
  AMX); ``bench/inference.py`` measures it against fp32 in the same run;
- optionally compiles the two backbones (``compile=True``: ``torch.compile`` with Inductor
  freezing, so weights become constants and oneDNN fuses conv+ReLU and conv+add+ReLU). The first
  call per batch size pays the compile (seconds); a long-lived worker amortises it. Backbone
  batches are then cut into a full ``batch`` and power-of-two tails, so at most
  log2(batch) + 1 shapes are ever compiled.

In fp32 its likelihoods equal :func:`ml.host.naive.naive_score_fields` (the per-pair forward) to 1e-4
(``tests/ml/test_inference.py``).  No Django here: a Celery task passes plain arrays in.

Its input is :class:`ml.host.field.HostField`, its optical-code cache
:class:`ml.host.cache.OpticalCache` and its BatchNorm folding :func:`ml.host.fold.fold_batchnorm`.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable, Iterable, Sequence

import numpy as np
import torch

from ml.device import pick_device
from ml.host.cache import OpticalCache
from ml.host.field import HostField
from ml.host.fold import fold_batchnorm
from ml.host.model import HostIdentifier


def _as_dtype(dtype: torch.dtype | str) -> torch.dtype:
    table = {"fp32": torch.float32, "float32": torch.float32, "bf16": torch.bfloat16}
    table["bfloat16"] = torch.bfloat16
    d = table.get(dtype, dtype) if isinstance(dtype, str) else dtype
    if d not in (torch.float32, torch.bfloat16):
        raise ValueError(f"dtype must be torch.float32 or torch.bfloat16, got {dtype!r}")
    return d


class HostEngine:
    """A model prepared once for repeated field scoring (see module docstring).

    Parameters
    ----------
    model : HostIdentifier
        Trained model; it is deep-copied, never modified.
    dtype : torch.float32 or torch.bfloat16
        Backbone precision; bf16 casts the backbone weights once and feeds bf16 images.
    batch : int
        Images per backbone call (fields for the radio net, sources for the optical net).
    channels_last : bool
        Feed the backbones NHWC tensors.
    fold_bn : bool
        Fold BatchNorm into the convolutions.
    device : str or torch.device, optional
        Default: :func:`ml.device.pick_device`.
    cache : OpticalCache, optional
        Shared optical-code cache (a fresh unbounded one by default).
    compile : bool
        Compile the backbones with ``torch.compile`` (needs a C++ compiler on CPU).
    tie_margin : float
        bf16 only: a field whose two highest bf16 likelihoods differ by less than this is
        scored again in fp32, so bf16 rounding cannot swap a near-tie for the best candidate
        (bf16 must pick fp32's best candidate in every field). bf16 moved trained
        simulated-field likelihoods by up to 0.04 (shared-trunk model), and a 0.01 margin let
        one simulated field flip, hence 0.1. Re-scored fields are counted in
        ``fp32_rescored_fields``; 0 disables the guard.
    """

    def __init__(
        self,
        model: HostIdentifier,
        *,
        dtype: torch.dtype | str = torch.float32,
        batch: int = 32,
        channels_last: bool = True,
        fold_bn: bool = True,
        device: str | torch.device | None = None,
        cache: OpticalCache | None = None,
        compile: bool = False,
        tie_margin: float = 0.1,
    ) -> None:
        if not isinstance(model, HostIdentifier):
            raise ValueError(f"model must be a HostIdentifier, got {type(model).__name__}")
        if not isinstance(batch, int) or batch < 1:
            raise ValueError(f"batch must be a positive int, got {batch!r}")
        self.cfg = model.cfg
        self.dtype = _as_dtype(dtype)
        self.batch = batch
        self.channels_last = channels_last
        self.device = device if isinstance(device, torch.device) else pick_device(device)
        m = copy.deepcopy(model).eval()
        if fold_bn:
            fold_batchnorm(m)
        m = m.to(self.device)
        if self.dtype != torch.float32:
            # Only the backbones: the head's few hundred FLOPs per pair stay fp32.
            for net in (m.radio_net, m.optical_net):
                if net is not None:
                    net.to(self.dtype)
        if channels_last:
            m = m.to(memory_format=torch.channels_last)
        self.compiled = bool(compile)
        if self.compiled:
            # Static shapes: _spans() keeps the set of batch sizes small and fixed.
            opts = {"freezing": True}
            if m.radio_net is not None:
                m.radio_net = torch.compile(m.radio_net, dynamic=False, options=opts)
            if m.optical_net is not None:
                m.optical_net = torch.compile(m.optical_net, dynamic=False, options=opts)
        self.model = m
        self.cache = cache if cache is not None else OpticalCache()
        self.cache.bind(self)
        if not 0.0 <= tie_margin < 1.0:
            raise ValueError(f"tie_margin must lie in [0, 1), got {tie_margin!r}")
        self.tie_margin = float(tie_margin) if self.dtype != torch.float32 else 0.0
        self.fp32_rescored_fields = 0
        self._fp32: HostEngine | None = None
        self._fp32_args = (model, batch, channels_last, fold_bn, self.device)

    # -- helpers ---------------------------------------------------------------------------
    def _spans(self, n: int) -> Iterable[tuple[int, int]]:
        """(start, stop) of the backbone batches for ``n`` images: full batches, then the tail
        as-is (eager) or split into powers of two (compiled: a bounded set of shapes)."""
        start = 0
        while n - start >= self.batch:
            yield start, start + self.batch
            start += self.batch
        while start < n:
            size = n - start
            if self.compiled:
                size = 1 << (size.bit_length() - 1)
            yield start, start + size
            start += size

    def _images(self, arrays: list[np.ndarray]) -> torch.Tensor:
        x = torch.from_numpy(np.ascontiguousarray(np.stack(arrays), dtype=np.float32))
        x = x.to(self.device, dtype=self.dtype)
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def _validate(self, fields: Sequence[HostField]) -> None:
        cfg = self.cfg
        for k, f in enumerate(fields):
            if not isinstance(f, HostField):
                raise ValueError(f"fields[{k}] must be a HostField, got {type(f).__name__}")
            n = len(f.candidate_ids)
            if n == 0:
                raise ValueError(f"field {f.field_id}: no candidates")
            xy = np.asarray(f.xy)
            if xy.shape != (n, 2):
                raise ValueError(f"field {f.field_id}: xy must be ({n}, 2), got {xy.shape}")
            if not np.all(np.isfinite(xy)):
                raise ValueError(f"field {f.field_id}: xy has non-finite values")
            if cfg.use_radio:
                if f.radio is None:
                    raise ValueError(f"field {f.field_id}: radio image required (use_radio=True)")
                r = np.asarray(f.radio)
                s = cfg.radio_size
                if r.shape not in ((s, s), (1, s, s)):
                    raise ValueError(
                        f"field {f.field_id}: radio must be ({s}, {s}) or (1, {s}, {s}), got {r.shape}"
                    )
            if cfg.needs_class_probs:
                if f.class_probs is None:
                    raise ValueError(
                        f"field {f.field_id}: class_probs required (use_class_probs=True)"
                    )
                p = np.asarray(f.class_probs)
                if p.shape != (n, cfg.n_classes):
                    raise ValueError(
                        f"field {f.field_id}: class_probs must be ({n}, {cfg.n_classes}), "
                        f"got {p.shape}"
                    )
            if cfg.use_optical:
                if f.optical is None:
                    raise ValueError(
                        f"field {f.field_id}: optical stamps required (use_optical=True)"
                    )
                if isinstance(f.optical, np.ndarray | torch.Tensor):
                    c, s = cfg.optical_bands, cfg.optical_size
                    if tuple(f.optical.shape) != (n, c, s, s):
                        raise ValueError(
                            f"field {f.field_id}: optical must be ({n}, {c}, {s}, {s}), "
                            f"got {tuple(f.optical.shape)}"
                        )

    def _encode_optical(self, fields: Sequence[HostField]) -> dict[Hashable, torch.Tensor]:
        """Codes of every optical source in ``fields``: from the cache, else encoded (batched).

        Returns the codes for this call in a local dict, so a size-capped cache that evicts
        entries during the call cannot lose any of them.
        """
        codes: dict[Hashable, torch.Tensor] = {}
        todo: list[tuple[Hashable, HostField, int]] = []
        queued: set[Hashable] = set()
        for f in fields:
            for i, cid in enumerate(f.candidate_ids):
                if cid in codes or cid in queued:
                    self.cache.hits += 1
                elif cid in self.cache:
                    self.cache.hits += 1
                    codes[cid] = self.cache.get(cid)
                else:
                    self.cache.misses += 1
                    queued.add(cid)
                    todo.append((cid, f, i))
        c, s = self.cfg.optical_bands, self.cfg.optical_size
        for start, stop in self._spans(len(todo)):
            chunk = todo[start:stop]
            stamps = []
            for cid, f, i in chunk:
                st = f.stamp(i)
                if st.shape != (c, s, s):
                    raise ValueError(
                        f"field {f.field_id}: optical stamp of {cid!r} must be ({c}, {s}, {s}), "
                        f"got {st.shape}"
                    )
                stamps.append(st)
            code = self.model.optical_code(self._images(stamps)).float()
            for (cid, _, _), row in zip(chunk, code, strict=True):
                self.cache.put(cid, row)
                codes[cid] = row
        return codes

    def _radio_features(self, fields: Sequence[HostField]) -> torch.Tensor:
        s = self.cfg.radio_size
        out = []
        for start, stop in self._spans(len(fields)):
            imgs = [np.asarray(f.radio).reshape(1, s, s) for f in fields[start:stop]]
            out.append(self.model.radio_features(self._images(imgs)).float())
        return torch.cat(out)

    # -- public ----------------------------------------------------------------------------
    def score(
        self, fields: Sequence[HostField], *, return_class_probs: bool = False
    ) -> list[np.ndarray] | tuple[list[np.ndarray], list[np.ndarray]]:
        """Host likelihood of every candidate of every field.

        Parameters
        ----------
        fields : sequence of HostField
        return_class_probs : bool
            Shared-trunk models only: also return the classifier head's probabilities per field.

        Returns
        -------
        list of ndarray (N_field,), float64 likelihoods in [0, 1]; and, with
        ``return_class_probs``, a list of (N_field, n_classes) arrays.
        """
        fields = list(fields)
        if return_class_probs and not self.cfg.shared_trunk:
            raise ValueError("return_class_probs=True needs a shared_trunk model")
        if not fields:
            return ([], []) if return_class_probs else []
        self._validate(fields)
        cfg = self.cfg
        with torch.inference_mode():
            radio = self._radio_features(fields) if cfg.use_radio else None
            codes = self._encode_optical(fields) if cfg.use_optical else {}
            counts = [len(f.candidate_ids) for f in fields]
            field_of_pair = torch.repeat_interleave(
                torch.arange(len(fields), device=self.device),
                torch.tensor(counts, device=self.device),
            )
            radio_pair = None if radio is None else radio.index_select(0, field_of_pair)
            code = (
                torch.stack([codes[c] for f in fields for c in f.candidate_ids])
                if cfg.use_optical
                else None
            )
            probs = (
                torch.from_numpy(
                    np.concatenate([np.asarray(f.class_probs, dtype=np.float32) for f in fields])
                ).to(self.device)
                if cfg.needs_class_probs
                else None
            )
            xy = torch.from_numpy(
                np.concatenate([np.asarray(f.xy, dtype=np.float32) for f in fields])
            ).to(self.device)
            # The head is a few hundred FLOPs per pair: always fp32, so bf16 only touches the
            # backbones (where the time is) and the decision threshold sees fp32 logits.
            lik = torch.sigmoid(self.model.head(radio_pair, code, probs, xy)).double().cpu()
            split = [a.numpy() for a in torch.split(lik, counts)]
            cp = (
                torch.softmax(self.model.class_logits(code), dim=1).double().cpu()
                if return_class_probs
                else None
            )
        if self.tie_margin > 0:
            self._rescore_near_ties(fields, split)
        if cp is None:
            return split
        return split, [a.numpy() for a in torch.split(cp, counts)]

    def _rescore_near_ties(self, fields: Sequence[HostField], split: list[np.ndarray]) -> None:
        close = [
            i
            for i, lik in enumerate(split)
            if lik.size > 1 and float(np.diff(np.sort(lik)[-2:])[0]) < self.tie_margin
        ]
        if not close:
            return
        if self._fp32 is None:  # built on first need: most bf16 calls never get here
            model, batch, channels_last, fold_bn, device = self._fp32_args
            self._fp32 = HostEngine(
                model, batch=batch, channels_last=channels_last, fold_bn=fold_bn, device=device
            )
        for i, lik in zip(close, self._fp32.score([fields[i] for i in close]), strict=True):
            split[i] = lik
        self.fp32_rescored_fields += len(close)


def score_fields(
    fields: Iterable[HostField],
    model: HostIdentifier,
    *,
    dtype: torch.dtype | str = torch.float32,
    batch: int = 32,
    channels_last: bool = True,
    device: str | torch.device | None = None,
    cache: OpticalCache | None = None,
    compile: bool = False,
) -> list[np.ndarray]:
    """Score every candidate of every field with the fast engine (one call, one prepared model).

    For repeated calls build a :class:`HostEngine` once and call :meth:`HostEngine.score`.

    Parameters
    ----------
    fields : iterable of HostField
    model : HostIdentifier
    dtype : torch.float32 or torch.bfloat16
        Backbone precision (bf16: backbone weights cast once).
    batch : int
        Images per backbone call.
    channels_last : bool
    device : str or torch.device, optional
    cache : OpticalCache, optional
    compile : bool
        See :class:`HostEngine`.

    Returns
    -------
    list of ndarray
        Host likelihoods (float64 in [0, 1]), one array per field in candidate order.
    """
    engine = HostEngine(
        model,
        dtype=dtype,
        batch=batch,
        channels_last=channels_last,
        device=device,
        cache=cache,
        compile=compile,
    )
    return engine.score(list(fields))
