"""Turn an :class:`~nqpf.index.result.IndexResult` or a plain DataFrame into an analysis panel.

Every analysis of :mod:`nqpf.analysis` works on a long table with one row per (unit, year) and
the columns ``unit, year, value`` (+ ``group`` when a grouping is asked for). :func:`as_panel`
builds that table from

* an ``IndexResult`` (duck-typed on ``.scores`` — ``unit, unit_name, year, node, score, rank`` —
  and ``.units`` — ``unit, unit_name, name_en`` + group columns), choosing one score column with
  ``node=`` (the index, an element, a sub-dimension or a raw indicator);
* a plain DataFrame whose columns are named by ``unit=``, ``year=``, ``value=`` (and, for a long
  table with several nodes, filtered by a ``node`` column).

Province groupings ``region4`` (four NBS regions) and ``belt3`` (three belts) missing from the
input are taken from the region registry :mod:`nqpf.data.regions` (methods-reference §13).
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import pandas as pd

from .._errors import DataError, DataWarning

__all__ = ["as_panel", "panel_cache", "root_node", "child_nodes", "REGISTRY_GROUPS"]

#: the panels built so far inside :func:`panel_cache` (None outside it: every call builds its panel)
_PANELS: ContextVar[dict[tuple, tuple[Any, pd.DataFrame]] | None] = ContextVar("nqpf_analysis_panels", default=None)

#: groupings the region registry can supply for province (and lower-level) codes
REGISTRY_GROUPS = ("region4", "belt3")


def _is_result(obj: Any) -> bool:
    return hasattr(obj, "scores") and hasattr(obj, "units") and isinstance(getattr(obj, "scores"), pd.DataFrame)


def _framework_table(obj: Any) -> pd.DataFrame | None:
    fw = getattr(obj, "framework", None)
    if isinstance(fw, pd.DataFrame):
        return fw
    for attr in ("table", "nodes_frame", "to_frame"):
        val = getattr(fw, attr, None)
        if callable(val):
            try:
                val = val()
            except TypeError:
                continue
        if isinstance(val, pd.DataFrame):
            return val
    return None


def root_node(obj: Any) -> str:
    """The root node of an ``IndexResult`` (its ``root`` attribute, else the node whose parent is empty).

    Falls back to the only node of ``scores`` that never appears as a parent in ``weights``,
    then to the first node of ``scores``.
    """
    root = getattr(obj, "root", None)
    if isinstance(root, str) and root:
        return root
    fw = _framework_table(obj)
    if fw is not None and {"id", "parent"} <= set(fw.columns):
        roots = fw.loc[fw["parent"].isna() | (fw["parent"].astype(str) == ""), "id"]
        if len(roots) == 1:
            return str(roots.iloc[0])
    weights = getattr(obj, "weights", None)
    if isinstance(weights, pd.DataFrame) and {"node", "parent"} <= set(weights.columns):
        parents = set(weights["parent"].dropna().astype(str)) - {""}
        nodes = set(weights["node"].astype(str))
        tops = sorted(parents - nodes)
        if len(tops) == 1:
            return tops[0]
    return str(obj.scores["node"].iloc[0])


def child_nodes(obj: Any, node: str) -> list[str]:
    """The direct children of ``node`` in an ``IndexResult`` (empty list if unknown)."""
    children = getattr(obj, "children", None)
    if callable(children):
        try:
            return [str(c) for c in children(node)]
        except (KeyError, ValueError):
            return []
    fw = _framework_table(obj)
    if fw is not None and {"id", "parent"} <= set(fw.columns):
        return [str(c) for c in fw.loc[fw["parent"].astype(str) == str(node), "id"]]
    weights = getattr(obj, "weights", None)
    if isinstance(weights, pd.DataFrame) and {"node", "parent"} <= set(weights.columns):
        return sorted(set(weights.loc[weights["parent"].astype(str) == str(node), "node"].astype(str)))
    return []


def _registry_groups(units: pd.Series, group: str) -> pd.Series:
    from ..data.regions import registry

    return registry.groups(units, by=group).set_axis(units.index)


@contextmanager
def panel_cache() -> Iterator[None]:
    """Within the block, :func:`as_panel` builds the panel of an ``IndexResult`` node (and grouping) once and
    returns a copy of it to every later call with the same arguments.

    The analysis stage runs up to eight analyses on each node's panel (Dagum, Theil, inequality, density,
    Markov, σ, β, club); at county scale each build selects 42,000 rows of 1.9 million scores, converts the unit
    codes to text, checks duplicates and sorts (15–25 ms). A panel whose build dropped missing values (with its
    :class:`DataWarning`) is not kept, so that every call warns as before; errors are raised by every call. The
    result and its scores must not change inside the block (the stage only reads them).
    """
    token = _PANELS.set({})
    try:
        yield
    finally:
        _PANELS.reset(token)


def as_panel(
    obj: Any,
    *,
    node: str | None = None,
    value: str = "value",
    unit: str = "unit",
    year: str | None = "year",
    group: str | None = None,
    dropna: bool = True,
) -> pd.DataFrame:
    """Return the analysis panel ``unit, year, value[, group]`` of one score column.

    Parameters
    ----------
    obj : IndexResult or pandas.DataFrame
        A built index (``.scores`` / ``.units``) or a long table.
    node : str, optional
        Score column of an ``IndexResult`` (default: the root node, the composite index), or the
        value of the ``node`` column used to filter a long DataFrame holding several nodes.
    value, unit, year : str
        Column names in a plain DataFrame (ignored for an ``IndexResult``, whose value column is
        ``score``). ``year=None`` treats the data as one cross-section (``year`` set to 0).
    group : str, optional
        Group column: a column of the data (or of ``IndexResult.units``); ``'region4'`` and
        ``'belt3'`` are looked up in the region registry when absent.
    dropna : bool
        Drop rows whose value is missing (a :class:`DataWarning` gives their number).

    Returns
    -------
    pandas.DataFrame
        Columns ``unit`` (str), ``year`` (int), ``value`` (float) and ``group`` (str) when asked,
        sorted by year then unit; a fresh copy (the input is never changed).

    Raises
    ------
    DataError
        Missing column, unknown node, duplicate (unit, year) rows, non-numeric values.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"unit": ["110000", "310000"], "year": [2020, 2020], "score": [0.8, 0.6]})
    >>> as_panel(df, value="score", group="region4")
         unit  year  value group
    0  110000  2020    0.8  east
    1  310000  2020    0.6  east
    """
    panels = _PANELS.get()
    if panels is None or not _is_result(obj):
        return _build_panel(obj, node=node, value=value, unit=unit, year=year, group=group, dropna=dropna)[0]
    key = (id(obj), node, group, dropna)
    hit = panels.get(key)
    if hit is None or hit[0] is not obj:
        panel, dropped = _build_panel(obj, node=node, value=value, unit=unit, year=year, group=group, dropna=dropna)
        if dropped:  # rows were dropped, with a warning: built (and warned) again by every call
            return panel
        hit = panels[key] = (obj, panel)
    return hit[1].copy()


def _build_panel(obj: Any, *, node: str | None, value: str, unit: str, year: str | None, group: str | None,
                 dropna: bool) -> tuple[pd.DataFrame, int]:
    """The panel of :func:`as_panel` (built every time) and the number of rows dropped for a missing value."""
    import warnings

    if _is_result(obj):
        scores = obj.scores
        node = root_node(obj) if node is None else str(node)
        mask = (scores["node"] == node).to_numpy(dtype=bool)
        if not mask.any():
            avail = sorted(str(v) for v in pd.unique(scores["node"]))
            shown = ", ".join(repr(a) for a in avail[:12]) + (" …" if len(avail) > 12 else "")
            raise DataError(
                f"as_panel: node {node!r} is not a score column of the IndexResult; got nodes {shown}. "
                "Pass one of these as node=."
            )
        df = scores.loc[mask, ["unit", "year", "score"]].rename(columns={"score": "value"})
        units_tab = obj.units if isinstance(obj.units, pd.DataFrame) else None
        from_frame = False
        src_name = "IndexResult.scores"
    elif isinstance(obj, pd.DataFrame):
        data = obj
        if node is not None:
            if "node" not in data.columns:
                raise DataError(
                    f"as_panel: node={node!r} was given but the table has no 'node' column; got columns "
                    f"{list(map(str, data.columns))}. Drop node= or pass a long table with a 'node' column."
                )
            data = data[data["node"].astype(str) == str(node)]
            if data.empty:
                raise DataError(
                    f"as_panel: no row has node {node!r}; got nodes {sorted(set(obj['node'].astype(str)))[:12]}. "
                    "Pass one of these as node=."
                )
        needed = [unit, value] + ([year] if year is not None else [])
        missing = [c for c in needed if c not in data.columns]
        if missing:
            raise DataError(
                f"as_panel: column(s) {missing} not found; got columns {list(map(str, data.columns))}. "
                "Name the columns with unit=, year=, value= (CLI: --unit-col, --year-col, --value-col)."
            )
        cols = {unit: "unit", value: "value"}
        if year is not None:
            cols[year] = "year"
        df = data[list(cols)].rename(columns=cols)
        if year is None:
            df = df.assign(year=0)
        units_tab = data
        from_frame = True
        src_name = "data"
    else:
        raise DataError(
            f"as_panel: expected an IndexResult or a pandas DataFrame; got {type(obj).__name__}. "
            "Pass nqpf.build(...) output or a long DataFrame."
        )

    df = df.copy()
    df["unit"] = df["unit"].astype(str)
    try:
        df["year"] = pd.to_numeric(df["year"], errors="raise").astype(int)
    except (ValueError, TypeError) as exc:
        raise DataError(
            f"as_panel: the year column of {src_name} must hold integers; got {df['year'].head(3).tolist()}. "
            "Convert years to numbers."
        ) from exc
    vals = pd.to_numeric(df["value"], errors="coerce")
    bad = vals.isna() & df["value"].notna()
    if bad.any():
        raise DataError(
            f"as_panel: the value column of {src_name} has non-numeric entries; got "
            f"{df.loc[bad, 'value'].head(3).tolist()}. Clean these cells or convert them to numbers."
        )
    df["value"] = vals.astype(float)
    dup = df.duplicated(["unit", "year"], keep=False)
    if dup.any():
        first = df.loc[dup, ["unit", "year"]].head(3).to_records(index=False).tolist()
        raise DataError(
            f"as_panel: duplicate (unit, year) rows; got {int(dup.sum())} rows such as {first}. "
            "Keep one row per unit and year (filter by node= for a long table with several nodes)."
        )

    if group is not None:
        gcol: pd.Series | None = None
        if units_tab is not None and group in units_tab.columns:
            if from_frame:
                gcol = data.loc[df.index, group]
            else:
                ut = units_tab.assign(unit=units_tab["unit"].astype(str)).drop_duplicates("unit").set_index("unit")
                gcol = df["unit"].map(ut[group])
        elif group in REGISTRY_GROUPS:
            gcol = _registry_groups(df["unit"], group)
        else:
            raise DataError(
                f"as_panel: group column {group!r} not found; got columns "
                f"{list(map(str, units_tab.columns)) if units_tab is not None else []}. "
                "Add the column to the data (or to units.csv) or use 'region4' / 'belt3' for provinces."
            )
        if gcol.isna().any():
            miss = sorted(set(df.loc[gcol.isna().to_numpy(), "unit"]))[:5]
            raise DataError(
                f"as_panel: units without a {group!r} label; got {miss}. Fill the group column for every unit."
            )
        df["group"] = gcol.astype(str).to_numpy()

    dropped = 0
    if dropna:
        na = df["value"].isna()
        dropped = int(na.sum())
        if na.any():
            warnings.warn(
                f"as_panel: dropped {int(na.sum())} rows with a missing value "
                f"(e.g. {df.loc[na, ['unit', 'year']].head(3).to_records(index=False).tolist()}).",
                DataWarning,
                stacklevel=3,  # the caller of as_panel
            )
            df = df[~na]
    cols = ["unit", "year", "value"] + (["group"] if group is not None else [])
    return df[cols].sort_values(["year", "unit"], kind="stable").reset_index(drop=True), dropped
