"""nqpf.explain — panel models with NQPF (数据、算法、算力 → 新质生产力) and outcomes not built from it.

Models whose regressor and outcome are built from the same index indicators (NQPF on its own
driver sub-indices: R² near 1 by construction) are refused by the explain stage
(:mod:`nqpf.explain.overlap`).

* :func:`fit_panel` / :func:`fit_spec` — two-way fixed effects (pyfixest), random effects
  (linearmodels), cluster-robust standard errors; :func:`hausman`.
* :func:`regression_table` — journal-style tables (stars, SE in brackets, FE rows) → Excel/HTML/LaTeX.
* :func:`mediation` — stepwise three equations + bootstrap of the indirect effect.
* :func:`heterogeneity` — group-wise models and tests of equal coefficients.
* :func:`panel_threshold` — Hansen (1999) panel threshold model.
* :func:`spatial_panel` — SAR / SEM / SDM / SDEM with fixed effects (spreg) and LeSage–Pace effects.
* :func:`robustness` — alternative dependent variables, winsorising, dropping municipalities, lags.
* :func:`check_overlap` — refuses tautological models (a regressor built from the outcome's indicators).
"""
from __future__ import annotations

from .fe import HausmanMethod, HausmanResult, PanelRegression, fit_panel, fit_spec, hausman, hausman_statistic
from .heterogeneity import HeterogeneityResult, heterogeneity, wald_equality
from .mediation import MediationResult, mediation, sobel_test
from .overlap import check_overlap, column_indicators, find_overlap, term_indicators
from .robustness import MUNICIPALITIES, RobustnessResult, robustness, winsorise
from .spatial import SpatialPanelResult, as_weights, spatial_effects, spatial_panel
from .spec import ModelSpec, design_matrix, evaluate_term, make_spec, parse_term, regression_frame
from .tables import RegressionTable, regression_table, stars
from .threshold import ThresholdResult, lr_critical_value, panel_threshold, ssr_profile, threshold_f_statistic, within_demean

__all__ = [
    "ModelSpec",
    "make_spec",
    "regression_frame",
    "evaluate_term",
    "parse_term",
    "design_matrix",
    "PanelRegression",
    "HausmanResult",
    "HausmanMethod",
    "fit_panel",
    "fit_spec",
    "hausman",
    "hausman_statistic",
    "RegressionTable",
    "regression_table",
    "stars",
    "MediationResult",
    "mediation",
    "sobel_test",
    "HeterogeneityResult",
    "heterogeneity",
    "wald_equality",
    "ThresholdResult",
    "panel_threshold",
    "lr_critical_value",
    "threshold_f_statistic",
    "within_demean",
    "ssr_profile",
    "SpatialPanelResult",
    "spatial_panel",
    "spatial_effects",
    "as_weights",
    "RobustnessResult",
    "robustness",
    "winsorise",
    "MUNICIPALITIES",
    "check_overlap",
    "find_overlap",
    "column_indicators",
    "term_indicators",
]
