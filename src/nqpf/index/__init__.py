"""Composite-index engine: treat (impute, outliers) → normalise → weight → aggregate.

``build()`` returns an :class:`IndexResult`.
"""
from .aggregate import AggMethod, arithmetic, copeland, geometric, harmonic, topsis
from .build import build, build_from_frames, regenerate
from .config import RunConfig, load_config
from .impute import ImputeMethod, impute_panel
from .normalise import NormMethod, NormScope, normalise_panel
from .result import IndexResult, load_result
from .treat import TreatMethod, check_skew_kurt, kurt, skew, treat_panel, treat_vector
from .weights import (
    ahp_weights,
    combine_game,
    combine_linear,
    combine_mdi,
    combine_multiplicative,
    critic_weights,
    cv_weights,
    entropy_weights,
    equal_weights,
    pca_weights,
)

__all__ = [
    "build", "build_from_frames", "regenerate", "RunConfig", "load_config", "IndexResult", "load_result",
    "AggMethod", "arithmetic", "geometric", "harmonic", "topsis", "copeland",
    "ImputeMethod", "impute_panel", "NormMethod", "NormScope", "normalise_panel",
    "TreatMethod", "treat_panel", "treat_vector", "check_skew_kurt", "skew", "kurt",
    "entropy_weights", "critic_weights", "cv_weights", "pca_weights", "equal_weights", "ahp_weights",
    "combine_linear", "combine_multiplicative", "combine_mdi", "combine_game",
]
