"""Uncertainty and sensitivity analysis: would the ranking survive other defensible choices?

>>> from nqpf.sensitivity import SensitivityModel, uncertainty_analysis
>>> factors = [{"name": "aggregation", "section": "aggregate", "param": "method", "values": ["arithmetic", "topsis"]}]
>>> model = SensitivityModel({"data": {"bundled": "province", "years": [2020, 2022]},
...                           "framework": {"path": "scitech_province"}}, factors)
>>> ua = uncertainty_analysis(model, n=50, seed=1)
>>> int(ua.rank_stats.query("year == 2022 and unit == '110000'")["median"].iloc[0])
1
"""
from .core import (
    LeaveOneOutResult,
    OATResult,
    SensitivityModel,
    SensitivityResult,
    UncertaintyResult,
    leave_one_out,
    one_at_a_time,
    rank_statistics,
    sensitivity_analysis,
    uncertainty_analysis,
)
from .design import Factor, SensitivityConfig

__all__ = [
    "Factor", "SensitivityConfig", "SensitivityModel", "UncertaintyResult", "SensitivityResult", "OATResult",
    "LeaveOneOutResult", "uncertainty_analysis", "sensitivity_analysis", "one_at_a_time", "leave_one_out",
    "rank_statistics", "run_sensitivity",
]


def run_sensitivity(config, sensitivity: "SensitivityConfig | dict", *, data=None, framework=None, progress=None,
                    index=None) -> dict:
    """Run every analysis named in ``sensitivity.analyses``; returns ``{name: result}``.

    ``index``: the :class:`~nqpf.index.result.IndexResult` of the same config and data, whose prepared inputs
    are used instead of preparing them again (see :class:`SensitivityModel`)."""
    if isinstance(sensitivity, SensitivityConfig):
        sc = sensitivity
    else:
        from pydantic import ValidationError

        from .._config import format_validation_error
        from .._errors import ConfigError

        try:
            sc = SensitivityConfig.model_validate(sensitivity)
        except ValidationError as exc:
            raise ConfigError(format_validation_error(exc, where="Config [sensitivity]", label="invalid", limit=6)) from None
    model = SensitivityModel(config, sc.factors, data=data, framework=framework, node=sc.node, seed=sc.seed,
                             n_jobs=sc.n_jobs, scheduler=sc.scheduler, progress=progress, index=index)
    years = sc.years or None
    out = {}
    if "uncertainty" in sc.analyses:
        out["uncertainty"] = uncertainty_analysis(model, n=sc.n, seed=sc.seed, years=years)
    if "sensitivity" in sc.analyses:
        out["sensitivity"] = sensitivity_analysis(model, n=sc.n, seed=sc.seed, years=years, bootstrap=sc.bootstrap,
                                                  conf_level=sc.conf_level)
    if "oat" in sc.analyses:
        out["oat"] = one_at_a_time(model, years=years)
    if "leave_one_out" in sc.analyses:
        out["leave_one_out"] = leave_one_out(model, years=years, top=sc.top)
    return out
