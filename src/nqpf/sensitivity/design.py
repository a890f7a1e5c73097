"""Uncertain choices ("factors") and their sampling designs.

A factor is a discrete set of alternatives for one methodological choice:

* ``kind = "options"``: alternative edits of the run config, e.g. normalisation
  ``[{normalise = {method = "minmax", range = [1, 100]}}, {normalise = {method = "zscore", mean = 10, sd = 2}}]``,
  or the shorthand ``section = "treat", param = "winmax", values = [1, 2, 3, 4, 5]``;
* ``kind = "weights_noise"``: ``n_sets`` random weight sets, the within-parent weights of the nodes at
  the given tree ``levels`` (COINr levels: 1 = indicators, 2 = their parents …) or of the named
  ``nodes`` each multiplied by U(1 − spread, 1 + spread) (COINr ``get_noisy_weights``);
* ``kind = "leave_out"``: leave nothing out, or one indicator (or one framework node) at a time.

Each factor has ``L`` levels; a run is one level per factor. Monte Carlo samples levels uniformly;
the Saltelli design (SALib) samples the unit hypercube and maps u ∈ [0, 1) to level ⌊u·L⌋.
"""
from __future__ import annotations

from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .._errors import ConfigError
from ..framework.model import Framework

__all__ = ["Factor", "SensitivityConfig", "factor_levels", "sample_levels", "saltelli_levels", "noise_sets"]

EDITABLE = ("impute", "screen", "treat", "normalise", "weight", "aggregate")


class Factor(BaseModel):
    """One uncertain choice."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: Literal["options", "weights_noise", "leave_out"] = "options"
    options: list[dict[str, dict[str, Any]]] = Field(default_factory=list)
    section: str | None = None
    param: str | None = None
    values: list[Any] = Field(default_factory=list)
    levels: list[int] = Field(default_factory=list, description="tree levels whose weights get noise")
    nodes: list[str] = Field(default_factory=list, description="nodes whose weights get noise")
    spread: float = Field(0.25, gt=0, lt=1)
    n_sets: int = Field(100, ge=2)
    what: Literal["indicator", "node"] = "indicator"
    items: list[str] = Field(default_factory=list, description="leave_out candidates (default: all)")

    @model_validator(mode="after")
    def _check(self) -> "Factor":
        if self.kind == "options":
            if self.section is not None or self.param is not None or self.values:
                if not (self.section and self.param and self.values):
                    raise ValueError(f"factor {self.name!r}: the shorthand needs section, param and values")
                if self.options:
                    raise ValueError(f"factor {self.name!r}: give either options or section/param/values, not both")
            elif len(self.options) < 2:
                raise ValueError(f"factor {self.name!r}: needs at least two options")
            for opt in self.all_options():
                bad = set(opt) - set(EDITABLE)
                if bad:
                    raise ValueError(f"factor {self.name!r}: options may edit only {', '.join(EDITABLE)}; got {sorted(bad)}")
        if self.kind == "weights_noise" and not (self.levels or self.nodes):
            raise ValueError(f"factor {self.name!r}: weights_noise needs levels or nodes")
        return self

    def all_options(self) -> list[dict[str, dict[str, Any]]]:
        if self.kind != "options":
            return []
        if self.options:
            return [dict(o) for o in self.options]
        return [{self.section: {self.param: v}} for v in self.values]  # type: ignore[dict-item]


class SensitivityConfig(BaseModel):
    """``[sensitivity]`` section of a run config."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    factors: list[Factor] = Field(min_length=1)
    n: int = Field(1000, ge=2, description="Monte Carlo runs (uncertainty) and Saltelli base samples (sensitivity)")
    seed: int = 1
    node: str = Field("", description="output node (default: the index root)")
    years: list[int] = Field(default_factory=list, description="years whose ranks enter the statistics (default: all)")
    analyses: list[Literal["uncertainty", "sensitivity", "oat", "leave_one_out"]] = Field(
        default_factory=lambda: ["uncertainty", "sensitivity", "oat"])
    bootstrap: int = Field(100, ge=10, description="bootstrap resamples for the Sobol' confidence intervals")
    conf_level: float = Field(0.90, gt=0, lt=1)
    n_jobs: int = Field(1, ge=1, description="threads for the vectorised aggregation")
    scheduler: str = Field("", description="Dask scheduler address (optional)")
    top: int = Field(10, ge=1, description="leave-one-out flags indicators that change any top-k rank")


def factor_levels(f: Factor, framework: Framework) -> int:
    if f.kind == "options":
        return len(f.all_options())
    if f.kind == "weights_noise":
        return f.n_sets
    return 1 + len(leave_out_items(f, framework))


def leave_out_items(f: Factor, framework: Framework) -> list[str]:
    if f.items:
        pool = framework.indicators if f.what == "indicator" else [n for n in framework.preorder() if n != framework.root]
        bad = [i for i in f.items if i not in pool]
        if bad:
            raise ConfigError(f"Config [sensitivity] factor {f.name!r}: unknown {f.what}s {bad}. Use ids of the framework.")
        return list(f.items)
    if f.what == "indicator":
        return list(framework.indicators)
    return [n for n in framework.aggregates if n != framework.root]


def noise_sets(f: Factor, framework: Framework, rng: np.random.Generator) -> list[dict[str, float]]:
    """``n_sets`` dicts ``{node: multiplier}`` for the nodes whose weights get noise."""
    nodes = [n for n in framework.preorder() if n != framework.root and
             (n in f.nodes or framework.level_of[n] in f.levels)]
    if not nodes:
        raise ConfigError(f"Config [sensitivity] factor {f.name!r}: no node matches levels {f.levels} / nodes {f.nodes}.")
    mult = rng.uniform(1 - f.spread, 1 + f.spread, size=(f.n_sets, len(nodes)))
    return [dict(zip(nodes, row)) for row in mult]


def sample_levels(L: list[int], n: int, rng: np.random.Generator) -> np.ndarray:
    """Monte Carlo: ``n`` runs × factors, each level uniform."""
    return np.column_stack([rng.integers(0, k, size=n) for k in L]) if L else np.zeros((n, 0), dtype=int)


def saltelli_levels(L: list[int], n: int, seed: int) -> tuple[np.ndarray, dict]:
    """Saltelli/Sobol' design (SALib, first and total order): ``n·(d + 2)`` runs × factors."""
    from SALib.sample import sobol as sobol_sample

    problem = {"num_vars": len(L), "names": [f"f{i}" for i in range(len(L))], "bounds": [[0.0, 1.0]] * len(L)}
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns when n is not a power of 2
        U = sobol_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    levels = np.minimum((U * np.asarray(L)[None, :]).astype(int), np.asarray(L)[None, :] - 1)
    return levels, problem
