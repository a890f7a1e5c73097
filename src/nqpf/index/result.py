"""IndexResult: everything a build produced, with save/load to a run directory.

Saved layout (stable column names; CSV always, Parquet too unless disabled)::

    DIR/scores.csv       unit, unit_name, year, node, score, rank
    DIR/weights.csv      node, parent, level, year, weight, effective_weight
    DIR/normalised.csv   unit, year, indicator, value
    DIR/treated.csv      unit, year, indicator, value
    DIR/raw.csv          unit, year, indicator, value
    DIR/units.csv        unit, unit_name, name_en, <group columns>
    DIR/changes.csv      step, unit, year, indicator, old, new, reason
    DIR/excluded.csv     unit, year, node, reason
    DIR/framework.csv    the framework's node table (CSV twin)
    DIR/treatment.csv    per indicator (and year): skew/kurtosis before/after, points Winsorised, action
    DIR/manifest.json    versions, input hashes, every parameter, ordered steps
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._csvsafe import quote_formula_cells, unquote_formula_cells
from .._errors import DataError
from .._results import Result, Summary, json_safe
from ..framework.model import Framework
from .manifest import manifest_json, portable_manifest

__all__ = ["IndexResult", "load_result", "write_csv", "read_run_csv", "csv_encoding_of", "frame_from_array", "long_keys", "sorted_categorical",
           "TABLES", "CSV_ENCODINGS", "DEFAULT_CSV_ENCODING", "portable_manifest"]

TABLES = ("scores", "weights", "normalised", "treated", "raw", "units", "changes", "excluded", "framework", "treatment")

#: encodings a run's CSV files may be written in: UTF-8 with a byte-order mark (Excel on Chinese Windows reads it
#: as UTF-8; without the BOM it guesses GBK and garbles Chinese) or plain UTF-8
CSV_ENCODINGS = ("utf-8-sig", "utf-8")
DEFAULT_CSV_ENCODING = "utf-8-sig"


def write_csv(df: pd.DataFrame, path: Path, *, encoding: str = DEFAULT_CSV_ENCODING) -> None:
    """Deterministic CSV: UTF-8 with a BOM (``encoding="utf-8"``: without), '\\n' line ends, shortest round-trip floats,
    formula-like text quoted (:func:`nqpf._csvsafe.quote_formula_cells`)."""
    if encoding not in CSV_ENCODINGS:
        raise DataError(f"write_csv: unknown CSV encoding; got {encoding!r}. Use one of {', '.join(CSV_ENCODINGS)}.")
    # text cells a spreadsheet would run as a formula get a leading apostrophe (CSV injection; numbers untouched)
    quote_formula_cells(df).to_csv(path, index=False, encoding=encoding, lineterminator="\n", float_format=None)


def read_run_csv(path: str | Path, **kwargs: Any) -> pd.DataFrame:
    """Read a CSV written by a run (:func:`write_csv`), with or without a UTF-8 BOM (``encoding="utf-8-sig"``
    reads both), and undo the formula guard: text comes back exactly as the run wrote it (``-0.223*``, not
    ``'-0.223*``; :func:`nqpf._csvsafe.unquote_formula_cells`)."""
    kwargs.setdefault("encoding", "utf-8-sig")
    return unquote_formula_cells(pd.read_csv(path, **kwargs))


def csv_encoding_of(manifest: dict[str, Any] | None) -> str:
    """The CSV encoding a run was configured with (``[output] csv_encoding`` in its manifest), else the default.

    Examples
    --------
    >>> csv_encoding_of({"config": {"output": {"csv_encoding": "utf-8"}}}), csv_encoding_of({})
    ('utf-8', 'utf-8-sig')
    """
    enc = (((manifest or {}).get("config") or {}).get("output") or {}).get("csv_encoding")
    return enc if enc in CSV_ENCODINGS else DEFAULT_CSV_ENCODING


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.replace_schema_metadata(None)
    pq.write_table(table, path, compression="zstd", write_statistics=False)


@dataclass(frozen=True)
class IndexResult(Result):
    """The result of :func:`nqpf.build` (a :class:`~nqpf._results.Result`: ``tables()``, ``to_frame()`` — the
    scores —, ``summary()``, ``to_dict()``).

    Attributes
    ----------
    scores : DataFrame ``unit, unit_name, year, node, score, rank`` — every node of the framework
        (indicators carry their normalised value) and every grouping node (``driver:数据`` …);
        rank 1 = best, ties = min, per (year, node). ``unit``, ``unit_name`` and ``node`` are categorical
        (categories in sorted order: they compare, sort and group as text, at 4 bytes a row).
    weights : DataFrame ``node, parent, level, year, weight, effective_weight``.
    normalised, treated, raw : long DataFrames ``unit, year, indicator, value`` (``unit`` and ``indicator`` categorical).
    units : unit table ``unit, unit_name, name_en`` + group columns.
    changes : every imputed / treated / derived-missing cell ``step, unit, year, indicator, old, new, reason``.
    excluded : ``unit, year, node, reason`` for every unit-year (and node) without a score.
    framework : the :class:`~nqpf.framework.model.Framework` used.
    treatment : per-indicator outlier-treatment details.
    manifest : dict — versions, input hashes, parameters, steps.
    quality : findings of the data-quality screen ``unit, series, years, rule, statistic, threshold, severity,
        action, detail …`` (:mod:`nqpf.index.quality`); cells it set missing are in ``changes`` (step ``quality``).
    coverage : what the framework measures — indicators by element × AI driver × type, declared indicators
        without data, effective weights (:func:`nqpf.framework.model.coverage`).
    partial : ``unit, year, node, n_used, n_indicators, weight_share, missing`` — scored unit-year × nodes computed
        from fewer than all the indicators under the node (``missing``: JSON array of ids; ``nqpf.index.engine``).
    """

    scores: pd.DataFrame
    weights: pd.DataFrame
    normalised: pd.DataFrame
    treated: pd.DataFrame
    raw: pd.DataFrame
    units: pd.DataFrame
    changes: pd.DataFrame
    excluded: pd.DataFrame
    framework: Framework
    treatment: pd.DataFrame = field(default_factory=pd.DataFrame)
    manifest: dict[str, Any] = field(default_factory=dict)
    quality: pd.DataFrame = field(default_factory=pd.DataFrame)
    coverage: pd.DataFrame = field(default_factory=pd.DataFrame)
    partial: pd.DataFrame = field(default_factory=pd.DataFrame)

    kind = "index"

    # ------------------------------------------------------------------ views
    @property
    def root(self) -> str:
        return self.framework.root

    @property
    def years(self) -> list[int]:
        return sorted(int(y) for y in self.scores["year"].unique())

    def node_names(self, lang: str = "zh") -> dict[str, str]:
        """``{node id: display name}`` including grouping nodes."""
        out = {n.id: (n.name_zh if lang == "zh" else n.name_en) or n.id for n in self.framework.nodes}
        for g in self.framework.groupings:
            for value in self.framework.grouping_members(g):
                gid = f"{g.id}:{value}"
                from ..framework.model import TAG_LABELS_EN

                out[gid] = value if lang == "zh" else TAG_LABELS_EN.get(value, value)
        return out

    def panel(self, node: str | None = None) -> pd.DataFrame:
        """Long panel ``unit, unit_name, year, value`` (+ unit-table group columns) of one node's score."""
        node = node or self.root
        sub = self.scores.loc[self.scores["node"] == node, ["unit", "unit_name", "year", "score"]]
        if sub.empty:
            raise DataError(
                f"IndexResult.panel: unknown node; got {node!r}. Use a framework node, an indicator or a grouping node "
                f"such as {list(self.scores['node'].unique()[:6])}."
            )
        out = sub.rename(columns={"score": "value"}).reset_index(drop=True)
        extra = [c for c in self.units.columns if c not in ("unit_name",)]
        return out.merge(self.units[extra], on="unit", how="left")

    def wide(self, year: int | None = None, nodes: list[str] | None = None) -> pd.DataFrame:
        """Unit × node table of scores (index ``unit`` or ``(unit, year)`` when ``year`` is None)."""
        s = self.scores
        if nodes is not None:
            s = s[s["node"].isin(nodes)]
        if year is not None:
            s = s[s["year"] == year]
            out = s.pivot(index="unit", columns="node", values="score")
        else:
            out = s.pivot(index=["unit", "year"], columns="node", values="score")
        cols = [c for c in (nodes or list(dict.fromkeys(self.scores["node"]))) if c in out.columns]
        return out[cols]

    def children(self, node: str) -> list[str]:
        return self.framework.children(node)

    def indicators(self, node: str | None = None) -> list[str]:
        return self.framework.leaves_under(node or self.root)

    def ranking(self, year: int | None = None, node: str | None = None) -> pd.DataFrame:
        """Units sorted by rank for one year (default: last) and node (default: root)."""
        year = year if year is not None else self.years[-1]
        node = node or self.root
        s = self.scores[(self.scores["year"] == year) & (self.scores["node"] == node)]
        return s.sort_values(["rank", "unit"]).reset_index(drop=True)

    def summary(self) -> Summary:
        last = self.years[-1]
        r = self.ranking(last)
        top = ", ".join(f"{u} {v:.4g}" for u, v in zip(r["unit_name"].head(5), r["score"].head(5)))
        bottom = ", ".join(f"{u} {v:.4g}" for u, v in zip(r["unit_name"].tail(5), r["score"].tail(5)))
        rows = [
            ("framework", self.framework.id),
            ("units", self.units.shape[0]),
            ("years", f"{self.years[0]}–{last}"),
            ("indicators", len(self.framework.indicators)),
            ("normalisation", _describe_step(self.manifest, "normalise")),
            ("weighting", _describe_step(self.manifest, "weight")),
            ("aggregation", _describe_step(self.manifest, "aggregate")),
            (f"top 5 ({last})", top),
            (f"bottom 5 ({last})", bottom),
            ("changed cells", len(self.changes)),
            ("re-weighted unit-year-nodes (some components missing)",
             int((self.changes["step"] == "aggregate").sum()) if len(self.changes) else 0),
            ("unit-years without a score", int((self.excluded["node"].isin([self.root, "*"])).sum()) if len(self.excluded) else 0),
        ]
        notes = []
        if len(self.excluded):
            notes.append(f"{len(self.excluded)} unit-year-node cells have no score; see excluded.csv for the reason of each.")
        return Summary(title=f"IndexResult: {self.framework.name_en or self.framework.id}", rows=rows, notes=notes)

    def __repr__(self) -> str:
        return (f"IndexResult(framework={self.framework.id!r}, units={self.units.shape[0]}, "
                f"years={self.years[0]}–{self.years[-1]}, nodes={self.scores['node'].nunique()})")

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "scores": self.scores, "weights": self.weights, "normalised": self.normalised, "treated": self.treated,
            "raw": self.raw, "units": self.units, "changes": self.changes, "excluded": self.excluded,
            "framework": self.framework.to_frame(), "treatment": self.treatment,
            "quality": self.quality, "coverage": self.coverage, "partial": self.partial,
        }

    def to_frame(self) -> pd.DataFrame:
        """The scores ``unit, unit_name, year, node, score, rank`` (the main table)."""
        return self.scores

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe digest for reports: the summary rows and notes, the framework, units, years, nodes, the
        ranking of the root in the last year and the manifest (the full tables are in :meth:`tables`)."""
        s = self.summary()
        last = self.ranking() if len(self.scores) else pd.DataFrame()
        keep = [c for c in ("unit", "unit_name", "score", "rank") if c in last.columns]
        return json_safe({
            "kind": self.kind,
            "framework": self.framework.id,
            "root": self.root,
            "units": int(self.units.shape[0]),
            "years": self.years,
            "nodes": [str(n) for n in dict.fromkeys(self.scores["node"])],
            "summary": {"rows": [[k, v] for k, v in s.rows], "notes": list(s.notes)},
            "ranking": {"year": self.years[-1] if self.years else None,
                        "rows": [{k: (None if pd.isna(v) else v) for k, v in r.items()}
                                 for r in last[keep].to_dict(orient="records")]},
            "manifest": self.manifest,
        })

    # ------------------------------------------------------------------ persistence
    def save(self, directory: str | Path, *, formats: tuple[str, ...] = ("csv", "parquet"),
             csv_encoding: str | None = None) -> Path:
        """Write every table (CSV and Parquet) and ``manifest.json`` into ``directory``.

        ``csv_encoding`` (``utf-8-sig`` or ``utf-8``) defaults to the run's ``[output] csv_encoding``
        recorded in the manifest (so a regenerated run is written byte for byte the same).
        """
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        enc = csv_encoding or csv_encoding_of(self.manifest)
        for name, df in self.tables().items():
            if "csv" in formats:
                write_csv(df, d / f"{name}.csv", encoding=enc)
            if "parquet" in formats and name != "framework":
                _write_parquet(df, d / f"{name}.parquet")
        (d / "manifest.json").write_text(manifest_json(self.manifest, d), encoding="utf-8")
        return d


def _describe_step(manifest: dict, name: str) -> str:
    for s in manifest.get("steps", []):
        if s.get("name") == name:
            p = s.get("params", {})
            keys = {"normalise": ("method", "scope", "range", "shift"), "weight": ("method", "scope", "scheme"),
                    "aggregate": ("method", "scale")}.get(name, ())
            return ", ".join(f"{k}={p.get(k)}" for k in keys if k in p)
    return ""


def load_result(directory: str | Path) -> IndexResult:
    """Read a run directory written by :meth:`IndexResult.save`."""
    from ..framework.io import framework_from_frame

    d = Path(directory)
    if not (d / "scores.csv").exists():
        raise DataError(f"load_result: {str(directory)!r} is not a run directory; got no scores.csv in it. "
                        "Give the --out folder of 'nqpf build'.")

    def read(name: str) -> pd.DataFrame:
        p = d / f"{name}.csv"
        if not p.exists() or p.stat().st_size == 0:
            return pd.DataFrame()
        return read_run_csv(p, dtype={"unit": str, "node": str, "indicator": str, "parent": str}, keep_default_na=True)

    fw_frame = read_run_csv(d / "framework.csv", dtype=str, keep_default_na=False)
    framework = framework_from_frame(fw_frame, source="framework.csv")
    manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8")) if (d / "manifest.json").exists() else {}
    scores = read("scores")
    scores["unit_name"] = scores["unit_name"].astype(str)
    for c in ("unit", "unit_name", "node"):  # the key columns as build makes them (categories in sorted order)
        if c in scores and len(scores) and scores[c].notna().all():
            codes, labels = pd.factorize(scores[c])
            scores[c] = sorted_categorical(codes, labels)
    weights = read("weights")
    if "year" in weights:
        weights["year"] = weights["year"].astype("Int64")
    if "parent" in weights:
        weights["parent"] = weights["parent"].fillna("")
    units = read_run_csv(d / "units.csv", dtype=str, keep_default_na=False)
    return IndexResult(
        scores=scores, weights=weights, normalised=read("normalised"), treated=read("treated"), raw=read("raw"),
        units=units, changes=read("changes"), excluded=read("excluded"), framework=framework,
        treatment=read("treatment"), manifest=manifest, quality=read("quality"), coverage=read("coverage"),
        partial=read("partial"),
    )


def sorted_categorical(codes: np.ndarray, labels) -> pd.Categorical:
    """A text column of integer ``codes`` into ``labels`` as a categorical whose categories are the distinct labels
    in sorted order, so that sorting by it sorts by text (4 bytes a row instead of a string per row)."""
    uniq, inv = np.unique(np.asarray([str(x) for x in labels], dtype=object), return_inverse=True)
    return pd.Categorical.from_codes(inv.astype(np.int32)[codes], categories=pd.Index(uniq, dtype=object))


def long_keys(units: list[str], years: list[int], names: list[str], *, col: str = "indicator") -> pd.DataFrame:
    """Key columns ``unit, year, <col>`` of the long table of a (T, n, m) array (year-major, unit, then name order).

    ``unit`` and ``<col>`` are categorical columns (cheap for millions of rows; they behave like strings).
    """
    n, m, T = len(units), len(names), len(years)
    return pd.DataFrame({
        "unit": pd.Categorical.from_codes(np.tile(np.repeat(np.arange(n, dtype=np.int32), m), T),
                                          categories=pd.Index(units, dtype=object)),
        "year": np.repeat(np.asarray(years, dtype=np.int64), n * m),
        col: pd.Categorical.from_codes(np.tile(np.arange(m, dtype=np.int32), T * n), categories=pd.Index(names, dtype=object)),
    }, copy=False)


def frame_from_array(A: np.ndarray, units: list[str], years: list[int], names: list[str], *, col: str = "indicator",
                     keys: pd.DataFrame | None = None) -> pd.DataFrame:
    """Long table ``unit, year, <col>, value`` from a (T, n, m) array (year-major, unit, then name order).

    ``unit`` and ``<col>`` are categorical columns (cheap for millions of rows; they behave like strings).
    ``keys`` (:func:`long_keys` of the same labels) are shared, not copied, by the tables built from them (pandas
    copies a column on its first change); with ``keys`` the values are ``A`` itself, not a copy.
    """
    if keys is None:
        return pd.DataFrame({**long_keys(units, years, names, col=col), "value": A.reshape(-1)})
    if len(keys) != A.size:
        raise DataError(f"frame_from_array: the keys have {len(keys)} rows; got an array of {A.size} values. "
                        "Build the keys with long_keys from the same units, years and names.")
    return pd.DataFrame({**keys, "value": A.reshape(-1)}, copy=False)

