"""Analysis suite: gaps, dynamics, spatial structure, convergence, integration, obstacles, typology.

Every analysis works on one score column of an :class:`~nqpf.index.result.IndexResult` (the
index, an element, a sub-dimension or a normalised indicator, chosen with ``node=``) or on a
plain long DataFrame (``unit, year, value``), and returns a results object with tidy tables
(``tables()``, ``to_frame()``), a readable ``summary()`` and ``to_dict()``.

Inequality (methods-reference §4–§6)
    :func:`dagum` / :func:`dagum_panel` (Dagum 基尼系数分解), :func:`theil` / :func:`theil_panel`
    (泰尔指数), :func:`gini`, :func:`coefficient_of_variation`, :func:`inequality_panel`.
Distribution dynamics (§7–§8)
    :func:`kernel_density` (核密度), :func:`markov` (马尔可夫链), :func:`spatial_markov` (空间马尔可夫链).
Spatial structure (§9)
    :func:`province_weights`, :func:`read_weights` (空间权重), :func:`moran`, :func:`geary`,
    :func:`local_moran` / :func:`lisa`, :func:`moran_panel`, :func:`lisa_panel`.
Convergence, coupling, obstacles, typology (§10–§12)
    :func:`sigma_convergence`, :func:`beta_convergence`, :func:`club_convergence`,
    :func:`convergence_speed` (λ from β), :func:`half_life` (ln 2 / λ),
    :func:`coupling_coordination`, :func:`obstacle_degree`, :func:`typology` (loaded on first use).

Examples
--------
>>> from nqpf import analysis
>>> r = analysis.dagum([2, 4, 6, 9, 3, 5, 8, 10, 12], ["A"] * 4 + ["B"] * 5)
>>> round(r.G, 4), round(r.Gw + r.Gnb + r.Gt, 4)
(0.2787, 0.2787)
"""
from __future__ import annotations


from ._input import as_panel
from .density import KernelDensityResult, bandwidth, kde, kernel_density
from .dynamics import (
    MarkovResult,
    SpatialMarkovResult,
    first_passage_times,
    homogeneity_test,
    markov,
    spatial_markov,
    steady_state,
)
from .inequality import (
    DagumPanelResult,
    DagumResult,
    InequalityPanelResult,
    TheilPanelResult,
    TheilResult,
    coefficient_of_variation,
    dagum,
    dagum_panel,
    gini,
    inequality_panel,
    theil,
    theil_l,
    theil_panel,
    theil_t,
)
from .spatial import (
    GearyResult,
    LisaPanelResult,
    LisaResult,
    MoranPanelResult,
    MoranResult,
    geary,
    lisa,
    lisa_panel,
    local_moran,
    moran,
    moran_panel,
)
from ..spatial.weights import SpatialWeights, province_weights, read_weights, weights_from_matrix

from .convergence import (
    BetaResult,
    ClubResult,
    SigmaResult,
    SpatialBetaResult,
    beta_convergence,
    club_convergence,
    convergence_speed,
    half_life,
    sigma_convergence,
    spatial_beta_convergence,
)
from .coupling import CouplingResult, coupling_coordination, subsystem_frame
from .obstacle import ObstacleResult, obstacle_degree
from .typology import TypologyResult, typology  # noqa: F811  (the function, not the module, is the public name)

_PART2 = [
    "sigma_convergence", "beta_convergence", "spatial_beta_convergence", "club_convergence", "convergence_speed",
    "half_life", "SigmaResult",
    "BetaResult", "SpatialBetaResult", "ClubResult", "coupling_coordination", "subsystem_frame", "CouplingResult",
    "obstacle_degree", "ObstacleResult", "typology", "TypologyResult",
]

__all__ = [
    "as_panel",
    # inequality
    "dagum", "dagum_panel", "theil", "theil_panel", "gini", "coefficient_of_variation", "theil_t", "theil_l",
    "inequality_panel", "DagumResult", "DagumPanelResult", "TheilResult", "TheilPanelResult",
    "InequalityPanelResult",
    # dynamics
    "kernel_density", "bandwidth", "kde", "KernelDensityResult", "markov", "spatial_markov", "steady_state",
    "first_passage_times", "homogeneity_test", "MarkovResult", "SpatialMarkovResult",
    # spatial
    "province_weights", "read_weights", "weights_from_matrix", "SpatialWeights", "moran", "geary",
    "local_moran", "lisa", "moran_panel", "lisa_panel", "MoranResult", "GearyResult", "LisaResult",
    "MoranPanelResult", "LisaPanelResult",
    # convergence, coupling, obstacle, typology
    *_PART2,
]
