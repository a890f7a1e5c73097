"""Base classes for results objects (statsmodels/PySAL pattern).

Every analysis returns a frozen dataclass deriving from :class:`Result`:

* ``to_frame()`` – the main tidy table (pandas DataFrame);
* ``tables()``   – every table of the result, ``{name: DataFrame}`` (used by
  ``nqpf build`` to write ``DIR/analysis/<kind>_<name>.csv`` and by the reports);
* ``summary()``  – a :class:`Summary` object with ``__str__``, ``_repr_html_``,
  ``to_frame()`` and numbered caveat notes;
* ``to_dict()``  – JSON-safe dict for the reports.

Construction never prints and never changes its inputs.
"""
from __future__ import annotations

import abc
import dataclasses
import html
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._format import fmt_general

__all__ = ["Summary", "Result", "json_safe"]


def json_safe(obj: Any) -> Any:
    """Convert numpy / pandas objects to JSON-safe Python objects (NaN → None)."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, pd.DataFrame):
        return [json_safe(r) for r in obj.to_dict(orient="records")]
    if isinstance(obj, pd.Series):
        return json_safe(obj.to_dict())
    if isinstance(obj, np.ndarray):
        return json_safe(obj.tolist())
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return json_safe(dataclasses.asdict(obj))
    return obj


@dataclass(frozen=True)
class Summary:
    """A printable summary: a title, key/value rows, optional tables and numbered notes."""

    title: str
    rows: list[tuple[str, Any]] = field(default_factory=list)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @staticmethod
    def _fmt(v: Any) -> str:
        return fmt_general(v, 6)

    def as_text(self) -> str:
        width = max([len(k) for k, _ in self.rows] + [12])
        lines = [self.title, "=" * max(len(self.title), 20)]
        for k, v in self.rows:
            lines.append(f"{k:<{width}}  {self._fmt(v)}")
        for name, t in self.tables.items():
            lines += ["", name, "-" * len(name), t.to_string(float_format=lambda x: f"{x:.6g}")]
        if self.notes:
            lines += ["", "Notes:"] + [f"[{i}] {n}" for i, n in enumerate(self.notes, 1)]
        return "\n".join(lines)

    def as_html(self) -> str:
        out = [f"<h4>{html.escape(self.title)}</h4>", "<table>"]
        out += [f"<tr><th>{html.escape(k)}</th><td>{html.escape(self._fmt(v))}</td></tr>" for k, v in self.rows]
        out.append("</table>")
        for name, t in self.tables.items():
            out += [f"<h5>{html.escape(name)}</h5>", t.to_html(float_format=lambda x: f"{x:.6g}")]
        if self.notes:
            out.append("<ol>" + "".join(f"<li>{html.escape(n)}</li>" for n in self.notes) + "</ol>")
        return "\n".join(out)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["statistic", "value"])

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()


class Result(abc.ABC):
    """Base of result dataclasses. Subclasses implement ``tables()`` (and usually ``summary()``)."""

    #: short machine name of the result kind (``dagum``, ``moran`` …), used in file names
    kind: str = "result"

    @abc.abstractmethod
    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the result, ``{name: DataFrame}``, main table first."""

    def to_frame(self) -> pd.DataFrame:
        """The main table (the first of :meth:`tables`)."""
        return next(iter(self.tables().values()))

    def summary(self) -> Summary:
        return Summary(title=type(self).__name__, tables={k: v for k, v in self.tables().items()})

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "tables": {k: json_safe(v) for k, v in self.tables().items()}}

    def _repr_html_(self) -> str:
        return self.summary().as_html()
