"""Refit the catalogue-level host method on labelled components (the relabel retraining loop).

The deployed method (:mod:`ml.association` + :func:`ml.host.positional.positional_likelihood` +
the seed §4.2 decision rule) has two kinds of parameters:

* the association: either the published rules (Magliocchetti et al. 1998 double-source scale
  and flux ratio; the centroid weighting) or the learned edge model of
  :mod:`ml.association.edges` (its grouping threshold and centroid weighting are
  refitted here, its coefficients come from expert groupings), chosen by ``associator``;
  they decide *which* candidate ranks first;
* the positional scales ``sigma_single`` / ``sigma_multi``, which do not change the ranking
  (the likelihood is monotone in separation) but decide which candidates pass the
  likelihood > 0.5 threshold, hence positives and prime hosts (seed §4.2).

Given labelled fields (a component, its radio sky, its optical candidates and the index of
the labelled host among them) :func:`fit` chooses the association parameters on a small
grid by top-1 accuracy (ties keep the published defaults) and the scales by maximum
likelihood: the core-host offset of a correct association is a 2-D circular Gaussian, so
its length follows a Rayleigh law, truncated at ``sigma_cap_arcsec`` to leave out failed
associations (their offsets say nothing about astrometry). :func:`cross_validate` estimates
what the whole procedure gives on labels it did not see, beside a fixed baseline.
Pure numpy: the ORM side is :mod:`catalog.curation.refit`.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field, replace

import numpy as np
from scipy.optimize import minimize_scalar

from ml.association.associate import associate
from ml.association.edges import EdgeParams, default_edge_params
from ml.association.params import (
    SHIPPED_ALIGNED_THETA_FACTOR,
    SHIPPED_BRIGHT_CORE_FRACTION,
    AssociationParams,
)
from ml.association.rules import ComponentSky
from ml.host.decision import decide
from ml.host.positional import SIGMA_MULTI_ARCSEC, SIGMA_SINGLE_ARCSEC, positional_likelihood
from ml.sky import angle_arcsec, unit_vectors

#: the refit grid: the double-source scale and flux ratio around Magliocchetti et al.'s
#: 100" / 4, and the three centroid weightings of :mod:`ml.association`
DEFAULT_GRID = {
    "theta_100mjy_arcsec": (60.0, 80.0, 100.0, 130.0),
    "max_flux_ratio": (3.0, 4.0, 6.0),
    "weighting": ("peak", "int", "peak2"),
    # the extensions: off (published) or the shipped value
    "bright_core_fraction": (0.0, SHIPPED_BRIGHT_CORE_FRACTION),
    "aligned_theta_factor": (1.0, SHIPPED_ALIGNED_THETA_FACTOR),
}
#: the refit grid of the edge associator: its grouping threshold and the centroid weighting
EDGE_GRID = {
    "threshold": (0.3, 0.4, 0.5, 0.6, 0.7),
    "weighting": ("peak", "int", "peak2"),
}
#: ``rules``: ml.association's published criteria; ``edges``: ml.association.edges
ASSOCIATORS = ("rules", "edges")
#: core-host offsets beyond this are association failures, not astrometric scatter (arcsec)
SIGMA_CAP_ARCSEC = 10.0
#: fewer offsets than this in a class (single / multi-component) keep the prior scale
MIN_SIGMA_SAMPLES = 5


@dataclass(frozen=True)
class LabelledField:
    """One labelled component: its radio sky, its optical candidates and the labelled host.

    Positions in ICRS degrees; fluxes in mJy (integrated) and mJy/beam (peak), > 0.
    ``host`` indexes ``cand_ra`` / ``cand_dec``. ``sky_shape`` holds the optional
    ComponentSky shape columns (``major_arcsec``, ``minor_arcsec``, ``pa_deg``, ``rms_mjy``),
    so an edge model is refitted on the same inputs it runs on.
    """

    sky_ra: np.ndarray
    sky_dec: np.ndarray
    sky_flux: np.ndarray
    sky_peak: np.ndarray
    ra: float
    dec: float
    cand_ra: np.ndarray
    cand_dec: np.ndarray
    host: int
    key: str = ""
    sky_shape: dict = field(default_factory=dict)

    def __post_init__(self):
        n = len(self.cand_ra)
        if n == 0 or len(self.cand_dec) != n:
            raise ValueError(f"field {self.key!r}: candidate arrays must be non-empty and equal")
        if not 0 <= self.host < n:
            raise ValueError(f"field {self.key!r}: host index {self.host} not in 0..{n - 1}")


def default_rules(associator: str) -> AssociationParams:
    """The rules a :class:`Method` of this associator uses when none are given."""
    if associator == "rules":
        return AssociationParams(
            bright_core_fraction=SHIPPED_BRIGHT_CORE_FRACTION,
            aligned_theta_factor=SHIPPED_ALIGNED_THETA_FACTOR,
        )
    return AssociationParams()


@dataclass(frozen=True)
class Method:
    """The parameters of the catalogue-level method (what a ModelVersion's config holds).

    ``associator`` picks the grouping: the rules (``association``; the default) or the learned
    learned edge model (``edges``, which also reads the rules as a feature).

    ``association`` left out takes the associator's default rules: for ``rules`` the published
    criteria plus the bright-core triple and aligned doubles
    (:data:`ml.association.params.SHIPPED_BRIGHT_CORE_FRACTION`,
    :data:`ml.association.params.SHIPPED_ALIGNED_THETA_FACTOR`), the default because
    they beat the published rules on held-out multi-component Norris sources (18 vs 15 of 26)
    without losing a held-out single, a Norris-71 field or a simulated VLASS single
    (results/association_real.json, ``default_reason``); for ``edges`` the published criteria
    the shipped edge model was fitted with (its ``rule_link`` feature reads them).
    """

    association: AssociationParams | None = None
    sigma_single_arcsec: float = SIGMA_SINGLE_ARCSEC
    sigma_multi_arcsec: float = SIGMA_MULTI_ARCSEC
    associator: str = "rules"
    edges: EdgeParams = field(default_factory=default_edge_params)

    def __post_init__(self):
        if self.associator not in ASSOCIATORS:
            raise ValueError(f"associator must be one of {ASSOCIATORS}, got {self.associator!r}")
        if self.association is None:
            object.__setattr__(self, "association", default_rules(self.associator))

    @property
    def params(self) -> AssociationParams | EdgeParams:
        """What ComponentSky needs: the rules, or the edge model reading these rules."""
        if self.associator == "rules":
            return self.association
        return replace(self.edges, rules=self.association)

    def sigma(self, multi_component: bool) -> float:
        """The positional scale (arcsec) for a single- or multi-component core."""
        return self.sigma_multi_arcsec if multi_component else self.sigma_single_arcsec

    def to_config(self) -> dict:
        out = {
            "associator": self.associator,
            "association": asdict(self.association),
            "sigma_single_arcsec": self.sigma_single_arcsec,
            "sigma_multi_arcsec": self.sigma_multi_arcsec,
        }
        if self.associator == "edges":
            edges = self.edges.to_dict()
            edges.pop("rules")  # the rules live under "association", once
            out["edges"] = edges
        return out

    @classmethod
    def from_config(cls, config: dict) -> Method:
        """Inverse of :meth:`to_config`; missing keys take the defaults (a config written
        before the edge model existed has no ``associator``: the rules). A stored
        ``association`` is taken as written: one from before the bright-core triple
        lacks ``bright_core_fraction`` / ``aligned_theta_factor`` and keeps meaning the published
        rules (0 / 1)."""
        stored = config.get("association")
        rules = None if stored is None else AssociationParams(**stored)
        edges = config.get("edges")
        return cls(
            rules,
            float(config.get("sigma_single_arcsec", SIGMA_SINGLE_ARCSEC)),
            float(config.get("sigma_multi_arcsec", SIGMA_MULTI_ARCSEC)),
            config.get("associator", "rules"),
            EdgeParams.from_dict({**edges, "rules": asdict(rules or AssociationParams())})
            if edges
            else default_edge_params(),
        )


def widest(prior: Method, grid: dict | None = None) -> Method:
    """``prior`` with every numeric setting of the refit grid at its largest value (default
    grid: :data:`DEFAULT_GRID`; :data:`EDGE_GRID` for the edge model).

    Each rule criterion only gains links as its scale, flux-ratio cap, fraction or factor
    grows, so this method's groups hold every grid point's: a sky read wide enough for its
    group (``catalog.pipeline.component.sky_around``) is wide enough for every point :func:`fit` tries.
    The edge model's reach does not depend on its grid (threshold, weighting): ``prior``.
    """
    if prior.associator == "edges":
        return prior
    grid = DEFAULT_GRID if grid is None else grid
    current = prior.association
    wide = {
        k: max((*values, getattr(current, k)))
        for k, values in grid.items()
        if all(isinstance(v, (int, float)) for v in values)
    }
    return replace(prior, association=replace(current, **wide))


def core_offsets(
    field: LabelledField, params: AssociationParams | EdgeParams
) -> tuple[np.ndarray, bool]:
    """Separations (arcsec) of every candidate from the associated core, and is-multi;
    ``params`` is a :attr:`Method.params`."""
    sky = ComponentSky(
        field.sky_ra, field.sky_dec, field.sky_flux, field.sky_peak, params, **field.sky_shape
    )
    a = associate(sky, field.ra, field.dec)
    sep = angle_arcsec(
        unit_vectors(np.asarray(field.cand_ra, float), np.asarray(field.cand_dec, float)),
        unit_vectors(np.array(a.core_ra), np.array(a.core_dec))[None, :],
    )
    return np.atleast_1d(sep), a.is_multi


def score(fields: list[LabelledField], method: Method) -> dict:
    """Top-1 accuracy and seed §4.2 prime-host figures of ``method`` on ``fields``."""
    top1 = primes = prime_ok = 0
    for f in fields:
        sep, multi = core_offsets(f, method.params)
        best, _, prime = decide(
            positional_likelihood(sep, multi_component=multi, sigma_arcsec=method.sigma(multi))
        )
        top1 += int(best == f.host)
        primes += int(prime is not None)
        prime_ok += int(prime == f.host)
    n = max(len(fields), 1)
    return {
        "n": len(fields),
        "top1": round(top1 / n, 4),
        "prime_declared": round(primes / n, 4),
        "prime_correct": round(prime_ok / n, 4),
    }


def rayleigh_sigma(offsets_arcsec, cap_arcsec: float = SIGMA_CAP_ARCSEC) -> float:
    """Maximum-likelihood sigma (arcsec) of a 2-D circular Gaussian from offset lengths.

    Offsets above ``cap_arcsec`` are dropped and the likelihood is the Rayleigh density
    renormalised to [0, cap] (a truncated sample: without it, the cap would bias sigma low).

    Raises
    ------
    ValueError
        If no finite offset in [0, cap] remains.
    """
    r = np.asarray(offsets_arcsec, float)
    r = r[np.isfinite(r) & (r >= 0) & (r <= cap_arcsec)]
    if r.size == 0:
        raise ValueError(f"no offsets within 0..{cap_arcsec} arcsec to fit a scale")
    r2 = float(np.sum(r**2))

    def nll(log_s: float) -> float:
        s2 = np.exp(2 * log_s)
        return r.size * (2 * log_s + np.log1p(-np.exp(-(cap_arcsec**2) / (2 * s2)))) + r2 / (2 * s2)

    res = minimize_scalar(nll, bounds=(np.log(0.02), np.log(cap_arcsec * 3)), method="bounded")
    return float(np.exp(res.x))


@dataclass(frozen=True)
class Fit:
    method: Method
    train: dict
    n_sigma_samples: dict


def fit(
    fields: list[LabelledField],
    *,
    grid: dict | None = None,
    prior: Method = Method(),
    cap_arcsec: float = SIGMA_CAP_ARCSEC,
) -> Fit:
    """Association parameters by top-1 accuracy on ``fields``, then the scales by ML.

    The grid (default :data:`DEFAULT_GRID` for the rules, :data:`EDGE_GRID` for the edge
    model) runs over the fields of ``prior``'s associator. Grid points are tried with
    ``prior``'s parameters first (and, along each grid dimension, the prior's value first),
    and a later point must be strictly better, so equal accuracy keeps the prior.

    Raises
    ------
    ValueError
        If ``fields`` is empty.
    """
    if not fields:
        raise ValueError("fit needs at least one labelled field")
    edges = prior.associator == "edges"
    grid = grid if grid is not None else (EDGE_GRID if edges else DEFAULT_GRID)
    keys = list(grid)
    part = "edges" if edges else "association"
    best, best_acc = prior, -1.0
    # each dimension tries the prior's own value first, so a tie between grid points keeps
    # the prior's value of every parameter the labels cannot tell apart
    current = getattr(prior, part)
    axes = [sorted(grid[k], key=lambda v, k=k: v != getattr(current, k)) for k in keys]
    candidates = [prior] + [
        replace(prior, **{part: replace(current, **dict(zip(keys, v, strict=True)))})
        for v in itertools.product(*axes)
    ]
    for m in candidates:
        acc = score(fields, m)["top1"]
        if acc > best_acc:
            best, best_acc = m, acc
    offsets = {False: [], True: []}
    for f in fields:
        sep, multi = core_offsets(f, best.params)
        offsets[multi].append(sep[f.host])
    sig, usable = {}, {}
    for multi in (False, True):
        r = np.asarray(offsets[multi])
        usable[multi] = int(np.sum(r <= cap_arcsec))
        sig[multi] = (
            rayleigh_sigma(r, cap_arcsec)
            if usable[multi] >= MIN_SIGMA_SAMPLES
            else prior.sigma(multi)
        )
    method = replace(
        best, sigma_single_arcsec=round(sig[False], 3), sigma_multi_arcsec=round(sig[True], 3)
    )
    return Fit(method, score(fields, method), {"single": usable[False], "multi": usable[True]})


def cross_validate(
    fields: list[LabelledField],
    baseline: Method = Method(),
    *,
    k: int = 5,
    seed: int = 0,
    **fit_kw,
) -> dict:
    """Held-out figures of :func:`fit` (refit on k-1 folds, scored on the last) beside
    ``baseline`` scored on the same folds (it is fixed, so it needs no training).

    Raises
    ------
    ValueError
        If there are fewer fields than folds.
    """
    if len(fields) < k:
        raise ValueError(f"{len(fields)} labelled fields cannot fill {k} folds")
    folds = np.random.default_rng(seed).permutation(len(fields)) % k
    tallies = {"refit": [], "baseline": []}
    for f in range(k):
        train = [x for x, g in zip(fields, folds, strict=True) if g != f]
        test = [x for x, g in zip(fields, folds, strict=True) if g == f]
        refit = fit(train, prior=baseline, **fit_kw).method
        tallies["refit"].append(score(test, refit))
        tallies["baseline"].append(score(test, baseline))

    def pooled(rows: list[dict]) -> dict:
        n = sum(r["n"] for r in rows)
        return {"n": n} | {
            m: round(sum(r[m] * r["n"] for r in rows) / n, 4)
            for m in ("top1", "prime_declared", "prime_correct")
        }

    return {
        "k": k,
        "seed": seed,
        "refit": pooled(tallies["refit"]),
        "baseline": pooled(tallies["baseline"]),
    }


def better(refit: dict, baseline: dict) -> bool:
    """Is a held-out ``refit`` row at least as good as ``baseline``: more correct top-1
    hosts, or as many and at least as many correct prime hosts (what the scales change).
    Equal rows count as good: the refit then only re-states the baseline on newer labels."""
    return (refit["top1"], refit["prime_correct"]) >= (baseline["top1"], baseline["prime_correct"])
