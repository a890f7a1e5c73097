"""Convergence analysis: σ-convergence, absolute and conditional β-convergence, spatial
β-convergence and Phillips–Sul club convergence (收敛性分析).

* σ-convergence (methods-reference §6): the dispersion σ_t (standard deviation of the values or
  of their logs) or CV_t falls over t; the trend is tested by OLS of σ_t on t.
* β-convergence (methods-reference §10; Barro & Sala-i-Martin 1992): growth regressed on the
  initial log level, as a pooled annual panel (linearmodels ``PanelOLS``, unit / two-way fixed
  effects, cluster-robust errors) or as a cross-section over a span (statsmodels OLS, HC1).
  The speed λ and the half-life follow the specification:

  - ``λ = −ln(1 + β T) / T`` when the dependent variable is the *annualised* growth over T years;
  - ``λ = −ln(1 + β) / τ`` when it is the *un-annualised* growth over τ years (τ = 1 for an
    annual panel);
  - half-life ``τ½ = ln 2 / λ``.

  Applying the annualised formula to an annual panel (or the reverse) is a known error of some
  software (e.g. R ``REAT``), so the formula used is reported with every estimate.
* Spatial β-convergence: the annual panel as a fixed-effects spatial lag, spatial Durbin or
  spatial error model estimated by maximum likelihood with :func:`nqpf.spatial.fit_spatial_panel`
  (spreg's ``ML_LagFE`` / ``ML_ErrorFE`` estimators; Elhorst 2003; year effects by the Lee & Yu
  2010 transformation), with LeSage–Pace direct / indirect / total effects (:mod:`nqpf.spatial.effects`).
* Club convergence: the log t test and clustering algorithm of Phillips & Sul (2007, 2009).

The package has one module per estimator (``sigma``, ``beta``, ``spatial_beta``, ``club``) and ``common``
(option sets, speed formulas, input checks); every name is re-exported here.
"""
from __future__ import annotations

from .beta import (  # noqa: F401 - private names kept for tests and references
    BetaResult,
    beta_convergence,
    _annual_growth,
    _beta_cross_section,
    _beta_panel,
    _panel_index,
    _coef_table,
)
from .club import (  # noqa: F401 - private names kept for tests and references
    ClubResult,
    club_convergence,
    cross_sectional_variation,
    log_t_test,
    relative_transition,
    _club_convergence,
    _core_size,
    _find_clubs,
    _hp_trend,
    _log_t_batch,
    _log_t_periods,
    _newey_west_var_b_batch,
    _pair_variation,
    _plus_one_variation,
    _prefix_variation,
    _qs_long_run_variance_batch,
)
from .common import (  # noqa: F401 - private names kept for tests and references
    BetaKind,
    Cluster,
    FixedEffects,
    HacMethod,
    SpatialModel,
    convergence_speed,
    dispersion,
    half_life,
    speed_formula,
    _panel,
    _require_positive,
)
from .sigma import (  # noqa: F401 - private names kept for tests and references
    SigmaResult,
    sigma_convergence,
    _trend,
)
from .spatial_beta import (
    SpatialBetaResult,
    spatial_beta_convergence,
    spatial_impacts,
)

__all__ = [
    "BetaKind",
    "FixedEffects",
    "Cluster",
    "SpatialModel",
    "HacMethod",
    "convergence_speed",
    "half_life",
    "speed_formula",
    "dispersion",
    "spatial_impacts",
    "relative_transition",
    "cross_sectional_variation",
    "log_t_test",
    "sigma_convergence",
    "beta_convergence",
    "spatial_beta_convergence",
    "club_convergence",
    "SigmaResult",
    "BetaResult",
    "SpatialBetaResult",
    "ClubResult",
]
