"""Checks of a long panel before an index is built.

:func:`check_panel` runs in COINr's order — required columns → types → each column →
relations between columns — and returns a :class:`ValidationReport` that lists every
error and warning with the file row and column it concerns. Nothing is dropped or changed:
indicators ignored with ``unknown='ignore'`` are listed in ``report.ignored``.

Examples
--------
>>> import pandas as pd
>>> from nqpf.data import check_panel
>>> df = pd.DataFrame({"unit": ["a", "a", "b"], "year": [2020, 2020, 2020],
...                    "indicator": ["x", "x", "x"], "value": [1.0, 2.0, 3.0]})
>>> rep = check_panel(df)
>>> [e["check"] for e in rep.errors]
['duplicate_key']
>>> print(rep.errors[0]["message"])
<DataFrame>: duplicate (unit, year, indicator) key; got unit 'a', year 2020, indicator 'x' in rows 2 and 3. Keep one row per key (delete or aggregate the extra rows).
"""
from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._errors import ConstantIndicatorWarning, DataError, DataWarning, NqpfError, located
from .._results import Result, Summary
from .._validation import check_option
from .numbers import parse_number_series

__all__ = ["UnknownPolicy", "ISSUE_COLUMNS", "ValidationReport", "check_panel", "check_across_files"]

UnknownPolicy = Literal["error", "ignore"]

#: fields of every issue dict (and columns of the report tables)
ISSUE_COLUMNS = ["check", "severity", "file", "row", "column", "unit", "year", "indicator", "count", "message"]
REQUIRED = ("unit", "year", "indicator", "value")
_MAX_CELLS = 10
_MAX_IN_MESSAGE = 20


def _issue(check: str, severity: str, message: str, *, file: str | None = None, row: int | None = None,
           column: str | None = None, unit: Any = None, year: Any = None, indicator: Any = None,
           count: int = 1) -> dict[str, Any]:
    return {"check": check, "severity": severity, "file": file, "row": None if row is None else int(row),
            "column": column, "unit": unit, "year": None if year is None else int(year), "indicator": indicator,
            "count": int(count), "message": message}


@dataclass(frozen=True, eq=False, repr=False)
class ValidationReport(Result):
    """Result of :func:`check_panel`.

    Attributes
    ----------
    errors : tuple of dict
        Problems that stop a run; each dict has ``check, severity, file, row, column, unit,
        year, indicator, count, message`` (``row`` is the spreadsheet row of the first cell
        concerned, ``count`` the number of cells).
    warnings : tuple of dict
        Issues recorded without stopping (constant indicators, indicators missing in a year,
        ignored unknown indicators).
    ignored : tuple of dict
        ``indicator, rows, reason`` of everything ``unknown='ignore'`` set aside.
    file : str or None
        Input file name used in the messages.
    n_rows : int
        Rows checked.
    """

    errors: tuple[dict[str, Any], ...]
    warnings: tuple[dict[str, Any], ...]
    ignored: tuple[dict[str, Any], ...]
    file: str | None
    n_rows: int

    kind = "validation"

    def __repr__(self) -> str:
        return (f"ValidationReport(file={self.file!r}, rows={self.n_rows}, errors={len(self.errors)}, "
                f"warnings={len(self.warnings)}, ignored={len(self.ignored)})")

    @property
    def ok(self) -> bool:
        """True when there is no error."""
        return not self.errors

    @property
    def ignored_indicators(self) -> list[str]:
        """Indicators set aside by ``unknown='ignore'``."""
        return [d["indicator"] for d in self.ignored]

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "errors": pd.DataFrame(list(self.errors), columns=ISSUE_COLUMNS),
            "warnings": pd.DataFrame(list(self.warnings), columns=ISSUE_COLUMNS),
            "ignored": pd.DataFrame(list(self.ignored), columns=["indicator", "rows", "reason"]),
        }

    def summary(self) -> Summary:
        by_check: dict[str, int] = {}
        for d in (*self.errors, *self.warnings):
            by_check[f"{d['severity']}: {d['check']}"] = by_check.get(f"{d['severity']}: {d['check']}", 0) + 1
        return Summary(
            title=f"Panel check of {self.file or 'input'}",
            rows=[("rows checked", self.n_rows), ("errors", len(self.errors)), ("warnings", len(self.warnings)),
                  ("ignored indicators", len(self.ignored)), *sorted(by_check.items())],
            notes=[d["message"] for d in (*self.errors, *self.warnings)][:_MAX_IN_MESSAGE],
        )

    def error_message(self) -> str:
        """All errors in one message (the first 20 and the count of the rest)."""
        if len(self.errors) == 1:
            return self.errors[0]["message"]
        lines = [f"{self.file or 'input'}: {len(self.errors)} problems in the panel; got:"]
        lines += [f"  {i}. {d['message']}" for i, d in enumerate(self.errors[:_MAX_IN_MESSAGE], 1)]
        if len(self.errors) > _MAX_IN_MESSAGE:
            lines.append(f"  … and {len(self.errors) - _MAX_IN_MESSAGE} more (see report.tables()['errors']).")
        lines.append("Fix them in the input and read it again.")
        return "\n".join(lines)

    def raise_if_errors(self) -> "ValidationReport":
        """Raise one :class:`DataError` listing every error; return ``self`` when there is none."""
        if self.errors:
            raise DataError(self.error_message())
        return self


def _rows_text(rows: np.ndarray, limit: int = 5) -> str:
    rows = [int(r) for r in rows]
    if len(rows) == 1:
        return f"row {rows[0]}"
    shown = ", ".join(map(str, rows[:limit]))
    if len(rows) > limit:
        return f"rows {shown} … ({len(rows)} rows)"
    head, last = shown.rsplit(", ", 1)
    return f"rows {head} and {last}"


def _close(name: Any, choices: Iterable[str]) -> str:
    m = difflib.get_close_matches(str(name), [str(c) for c in choices], n=2, cutoff=0.5)
    return f" (did you mean {' or '.join(repr(x) for x in m)}?)" if m else ""


def _year_filter(years: Any) -> tuple[Any, str]:
    """A predicate on an int array and its description."""
    if isinstance(years, range):
        allowed = set(years)
        return (lambda a: np.isin(a, list(allowed))), f"{years.start}–{years.stop - 1}"
    if isinstance(years, tuple) and len(years) == 2 and all(isinstance(y, (int, np.integer)) for y in years):
        lo, hi = int(years[0]), int(years[1])
        return (lambda a: (a >= lo) & (a <= hi)), f"{lo}–{hi}"
    allowed = sorted({int(y) for y in years})
    return (lambda a: np.isin(a, allowed)), f"{allowed}"


def check_panel(
    panel: Any,
    *,
    indicators: Iterable[str] | None = None,
    units: Iterable[str] | None = None,
    years: tuple[int, int] | range | Iterable[int] | None = None,
    positive: Iterable[str] | bool = (),
    file: str | None = None,
    unknown: UnknownPolicy = "error",
    warn: bool = True,
) -> ValidationReport:
    """Check a long panel: required columns → types → each column → relations.

    Parameters
    ----------
    panel : Panel or pandas.DataFrame
        A :class:`~nqpf.data.Panel` (rows and columns of messages are those of its input file)
        or a long DataFrame with ``unit, year, indicator, value`` (rows numbered 2, 3, … as if
        written to CSV with a header).
    indicators : iterable of str, optional
        Known indicator ids (e.g. the raw series a framework needs); others are unknown.
    units : iterable of str, optional
        Known units; others are errors.
    years : (first, last), range or iterable of int, optional
        Allowed years (a 2-tuple is an inclusive range).
    positive : iterable of str or bool, default ()
        Indicators that must be strictly positive (e.g. before a log or a geometric mean);
        ``True`` = all indicators.
    file : str, optional
        Name used in messages (default: the panel's file, or ``'<DataFrame>'``).
    unknown : {'error', 'ignore'}, default 'error'
        Unknown indicators are errors, or warnings recorded in ``report.ignored`` and left out
        of the later checks.
    warn : bool, default True
        Also issue each warning as a Python warning (:class:`ConstantIndicatorWarning` for
        constant indicators, :class:`DataWarning` otherwise).

    Returns
    -------
    ValidationReport
        Call ``.raise_if_errors()`` to stop on errors.

    Notes
    -----
    Checks, in order: (1) required columns ``unit, year, indicator, value``; (2) types — keys
    not empty, integer years, numeric finite values (text values are parsed as
    :func:`~nqpf.data.parse_number_series` would and every text cell is an error); (3) each
    column — unknown units, years out of range, unknown indicators (with close matches),
    values ≤ 0 where ``positive`` requires > 0; (4) relations — duplicate (unit, year,
    indicator) keys with the file rows of each duplicate set, indicators with every value
    missing in a year (warning), indicators with zero variance overall or within a year
    (warning; min-max and z-score normalisation are undefined there).

    Examples
    --------
    >>> import pandas as pd, warnings
    >>> df = pd.DataFrame({"unit": ["a", "b"], "year": [2020, 2020], "indicator": ["x", "x"],
    ...                    "value": [1.0, 1.0]})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     rep = check_panel(df, years=(2015, 2019))
    >>> [(d["severity"], d["check"]) for d in (*rep.errors, *rep.warnings)]
    [('error', 'year_out_of_range'), ('warning', 'constant_indicator')]
    """
    check_option(unknown, UnknownPolicy, param="unknown", caller="check_panel")
    indicators = [indicators] if isinstance(indicators, str) else indicators
    units = [units] if isinstance(units, str) else units
    positive = [positive] if isinstance(positive, str) else positive
    if years is not None and (isinstance(years, (str, bytes)) or not isinstance(years, Iterable)):
        raise NqpfError(
            f"The 'years' parameter of check_panel must be a (first, last) tuple, a range or an iterable of int; "
            f"got {years!r}."
        )
    if hasattr(panel, "data") and hasattr(panel, "origin") and hasattr(panel, "source"):
        data = panel.data
        origin_rows = panel.origin["row"].to_numpy()
        origin_cols = panel.origin["column"].astype(object).to_numpy()
        fname = file or panel.source.file
    elif isinstance(panel, pd.DataFrame):
        data = panel
        origin_rows = np.arange(2, len(panel) + 2)
        origin_cols = np.array(["value"] * len(panel), dtype=object)
        fname = file or "<DataFrame>"
    else:
        raise DataError(
            f"check_panel: panel must be a Panel or a long DataFrame; got {type(panel).__name__}. "
            "Read the data with nqpf.data.read_panel()."
        )
    errors: list[dict] = []
    warns: list[dict] = []
    ignored: list[dict] = []

    def done() -> ValidationReport:
        rep = ValidationReport(errors=tuple(errors), warnings=tuple(warns), ignored=tuple(ignored), file=fname,
                               n_rows=len(data))
        if warn:
            for w in warns:
                cat = ConstantIndicatorWarning if w["check"] == "constant_indicator" else DataWarning
                warnings.warn(w["message"], cat, stacklevel=3)
        return rep

    # 1. required columns ------------------------------------------------------------------
    missing_cols = [c for c in REQUIRED if c not in data.columns]
    if missing_cols:
        errors.append(_issue(
            "required_columns", "error",
            f"{fname}: required columns missing; got columns {list(data.columns)} without {missing_cols}. "
            "A long panel needs unit, year, indicator and value (use read_panel to map and reshape).",
            file=fname, count=len(missing_cols)))
        return done()

    # 2. types -----------------------------------------------------------------------------
    n = len(data)
    valid = np.ones(n, dtype=bool)
    for col in ("unit", "indicator"):
        raw = data[col].astype(object).to_numpy()
        bad = np.array([v is None or (isinstance(v, float) and np.isnan(v)) or str(v).strip() == "" for v in raw],
                       dtype=bool)
        if bad.any():
            r = origin_rows[bad]
            errors.append(_issue(
                "missing_key", "error",
                f"{fname}, column {col!r}: empty {col}; got {int(bad.sum())} rows without a {col} "
                f"({_rows_text(r)}). Fill in the {col} or delete these rows.",
                file=fname, row=r[0], column=col, count=int(bad.sum())))
            valid &= ~bad
    yr = pd.to_numeric(data["year"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(yr) | (np.mod(np.where(np.isfinite(yr), yr, 0), 1) != 0)
    if bad.any():
        r = origin_rows[bad]
        shown = data["year"].astype(object).to_numpy()[bad][:_MAX_CELLS]
        errors.append(_issue(
            "year_type", "error",
            f"{fname}, column 'year': year is not an integer year; got {[str(v) for v in shown]} "
            f"({_rows_text(r)}). Write years as four-digit integers such as 2015.",
            file=fname, row=r[0], column="year", count=int(bad.sum())))
        valid &= ~bad
    years_arr = np.where(bad, 0, np.nan_to_num(yr)).astype(np.int64)

    values_col = data["value"]
    if pd.api.types.is_numeric_dtype(values_col) and not pd.api.types.is_bool_dtype(values_col):
        val = values_col.to_numpy(dtype=float, na_value=np.nan)
    else:
        val_s, probs = parse_number_series(values_col.astype(object), file=fname, column="value",
                                           rows=origin_rows, errors="return")
        val = val_s.to_numpy(dtype=float)
        inv = probs[probs["kind"] == "invalid"]
        if len(inv):
            cells = "; ".join(f"row {int(r.row)}: {r.value!r}" for r in inv.head(_MAX_CELLS).itertuples())
            more = f" … and {len(inv) - _MAX_CELLS} more" if len(inv) > _MAX_CELLS else ""
            errors.append(_issue(
                "non_numeric", "error",
                f"{fname}, column 'value': {len(inv)} "
                f"{'value is not a number' if len(inv) == 1 else 'values are not numbers'}; got {cells}{more}. "
                "Replace the text by a number or leave the cell empty.",
                file=fname, row=int(inv["row"].iloc[0]), column="value", count=len(inv)))
    inf = np.isinf(val)
    if inf.any():
        r = origin_rows[inf]
        errors.append(_issue(
            "non_finite", "error",
            f"{fname}, column 'value': infinite values; got {int(inf.sum())} (±inf, {_rows_text(r)}). "
            "Replace them by finite numbers or leave the cells empty (an upstream ratio may divide by zero).",
            file=fname, row=r[0], column=str(origin_cols[inf][0]), count=int(inf.sum())))
        val = np.where(inf, np.nan, val)

    unit_arr = data["unit"].astype(object).to_numpy()
    ind_arr = data["indicator"].astype(object).to_numpy()
    # 3. each column ------------------------------------------------------------------------
    if units is not None:
        known_units = {str(u) for u in units}
        unk = valid & ~np.isin(unit_arr.astype(str), list(known_units))
        for u in pd.unique(unit_arr[unk])[:_MAX_CELLS]:
            m = unk & (unit_arr == u)
            r = origin_rows[m]
            errors.append(_issue(
                "unknown_unit", "error",
                f"{fname}, column 'unit': unknown unit; got {u!r} in {_rows_text(r)}{_close(u, known_units)}. "
                "Use one of the expected units or remove these rows.",
                file=fname, row=r[0], column="unit", unit=u, count=int(m.sum())))
        n_unk = len(pd.unique(unit_arr[unk]))
        if n_unk > _MAX_CELLS:
            errors.append(_issue(
                "unknown_unit", "error",
                f"{fname}, column 'unit': {n_unk - _MAX_CELLS} more unknown units; got "
                f"{[str(x) for x in pd.unique(unit_arr[unk])[_MAX_CELLS:_MAX_CELLS + 5]]} …. "
                "Use the expected units or remove these rows.", file=fname, column="unit", count=n_unk - _MAX_CELLS))
    if years is not None:
        pred, desc = _year_filter(years)
        out = valid & ~pred(years_arr)
        if out.any():
            r = origin_rows[out]
            got = sorted({int(y) for y in years_arr[out]})
            errors.append(_issue(
                "year_out_of_range", "error",
                f"{fname}, column 'year': years outside {desc}; got {got[:_MAX_CELLS]} in {_rows_text(r)}. "
                "Remove these years or widen the year range of the run.",
                file=fname, row=r[0], column="year", year=got[0], count=int(out.sum())))
    active = valid.copy()
    if indicators is not None:
        known = [str(i) for i in indicators]
        unk = valid & ~np.isin(ind_arr.astype(str), known)
        for ind in pd.unique(ind_arr[unk]):
            m = unk & (ind_arr == ind)
            r = origin_rows[m]
            if unknown == "ignore":
                ignored.append({"indicator": str(ind), "rows": int(m.sum()),
                                "reason": "not an indicator of the framework"})
                warns.append(_issue(
                    "unknown_indicator", "warning",
                    f"{fname}: indicator {ind!r} is not in the framework and is ignored; got {int(m.sum())} rows "
                    f"({_rows_text(r)}){_close(ind, known)}. Add it to the framework or remove it from the data.",
                    file=fname, row=r[0], column=str(origin_cols[m][0]), indicator=str(ind), count=int(m.sum())))
                active &= ~m
            else:
                errors.append(_issue(
                    "unknown_indicator", "error",
                    f"{fname}: unknown indicator; got {ind!r} in {_rows_text(r)}{_close(ind, known)}. "
                    "Rename it to a framework indicator id, remove it, or pass unknown='ignore'.",
                    file=fname, row=r[0], column=str(origin_cols[m][0]), indicator=str(ind), count=int(m.sum())))
    present = list(pd.unique(ind_arr[active]))
    pos_list = present if positive is True else ([] if positive is False else [str(p) for p in positive])
    for ind in pos_list:
        if ind not in present:
            warns.append(_issue(
                "positive_absent", "warning",
                f"{fname}: indicator {ind!r} listed in positive= is not in the panel; got indicators "
                f"{present[:10]}. Check the indicator id.", file=fname, indicator=ind))
            continue
        m = active & (ind_arr == ind) & (val <= 0)
        if m.any():
            idx = np.flatnonzero(m)
            cells = "; ".join(
                f"{located(None, int(origin_rows[i]), str(origin_cols[i]))} (unit {unit_arr[i]!r}, "
                f"{years_arr[i]}) = {val[i]:g}" for i in idx[:_MAX_CELLS])
            more = f" … and {len(idx) - _MAX_CELLS} more" if len(idx) > _MAX_CELLS else ""
            errors.append(_issue(
                "non_positive", "error",
                f"{fname}: indicator {ind!r} must be strictly positive for the chosen method; got {len(idx)} "
                f"values <= 0: {cells}{more}. Correct the values, or use a method that accepts zeros and "
                "negatives (e.g. min-max normalisation before a geometric mean).",
                file=fname, row=origin_rows[idx[0]], column=str(origin_cols[idx[0]]), indicator=ind,
                unit=unit_arr[idx[0]], year=years_arr[idx[0]], count=len(idx)))

    # 4. relations ---------------------------------------------------------------------------
    frame = pd.DataFrame({"unit": unit_arr, "year": years_arr, "indicator": ind_arr, "value": val,
                          "row": origin_rows, "column": origin_cols})[active]
    dup = frame.duplicated(["unit", "year", "indicator"], keep=False)
    if dup.any():
        d = frame[dup]
        sets: dict[tuple, list] = {}
        for key, g in d.groupby(["unit", "year", "indicator"], sort=False):
            sets.setdefault(tuple(sorted(set(g["row"].tolist()))), []).append(key)
        for rows_set, keys in list(sets.items())[:_MAX_IN_MESSAGE]:
            u, y, ind = keys[0]
            what = (f"unit {u!r}, year {int(y)}, indicator {ind!r}" if len(keys) == 1 else
                    f"unit {u!r}, year {int(y)} for {len(keys)} indicators "
                    f"{[k[2] for k in keys[:5]]}{' …' if len(keys) > 5 else ''}")
            errors.append(_issue(
                "duplicate_key", "error",
                f"{fname}: duplicate (unit, year, indicator) key; got {what} in {_rows_text(np.array(rows_set))}. "
                "Keep one row per key (delete or aggregate the extra rows).",
                file=fname, row=rows_set[0], unit=u, year=y, indicator=None if len(keys) > 1 else ind,
                count=len(keys)))
        if len(sets) > _MAX_IN_MESSAGE:
            errors.append(_issue(
                "duplicate_key", "error",
                f"{fname}: {len(sets) - _MAX_IN_MESSAGE} more sets of duplicate rows; got {int(dup.sum())} "
                "duplicated rows in total. Keep one row per (unit, year, indicator).",
                file=fname, count=len(sets) - _MAX_IN_MESSAGE))

    if len(frame):
        all_years = np.sort(frame["year"].unique())
        stats = frame.groupby(["indicator", "year"], sort=True)["value"].agg(["count", "min", "max"])
        for ind in sorted(frame["indicator"].unique(), key=str):
            st = stats.loc[ind].reindex(all_years)
            cnt = st["count"].fillna(0).astype(int)
            empty_years = [int(y) for y in cnt.index[cnt.to_numpy() == 0]]
            if empty_years and len(empty_years) < len(all_years):
                warns.append(_issue(
                    "missing_in_year", "warning",
                    f"{fname}: indicator {ind!r} has no value in {len(empty_years)} year(s); got all cells missing "
                    f"in {empty_years[:_MAX_CELLS]}{' …' if len(empty_years) > _MAX_CELLS else ''}. Impute or drop "
                    "these years; otherwise these unit-years are scored on their other indicators with the weights "
                    "re-normalised over them (each recorded in changes.csv, step 'aggregate'), and get no score only "
                    "where a node's available weight share is below [aggregate] min_coverage.",
                    file=fname, indicator=str(ind), year=empty_years[0], count=len(empty_years)))
            elif empty_years:
                warns.append(_issue(
                    "missing_in_year", "warning",
                    f"{fname}: indicator {ind!r} has no value at all; got every cell missing. Remove it or supply "
                    "data.", file=fname, indicator=str(ind), count=len(empty_years)))
                continue
            v = frame.loc[frame["indicator"] == ind, "value"].to_numpy()
            v = v[~np.isnan(v)]
            if np.isclose(v.max(), v.min(), rtol=1e-12, atol=0.0):
                warns.append(_issue(
                    "constant_indicator", "warning",
                    f"{fname}: indicator {ind!r} is constant across all units and years; got every value equal "
                    f"to {v.max():g}. It carries no information for the index (min-max maps it to 0, entropy "
                    "weight 0): drop it or check the data.",
                    file=fname, indicator=str(ind), count=len(v)))
                continue
            has = cnt.to_numpy() > 0
            const = has & np.isclose(st["max"].to_numpy(dtype=float), st["min"].to_numpy(dtype=float),
                                     rtol=1e-12, atol=0.0)
            if const.any():
                yrs = [int(y) for y in all_years[const]]
                warns.append(_issue(
                    "constant_indicator", "warning",
                    f"{fname}: indicator {ind!r} is constant across units in {len(yrs)} year(s); got one value per "
                    f"year in {yrs[:_MAX_CELLS]}{' …' if len(yrs) > _MAX_CELLS else ''}. Within-year min-max or "
                    "z-scores are undefined there: normalise across years (pooled) or drop those years.",
                    file=fname, indicator=str(ind), year=yrs[0], count=len(yrs)))
    return done()


def check_across_files(panels: Iterable[Any]) -> None:
    """Refuse a (unit, year, indicator) key given by two input files, naming both files and rows.

    Parameters
    ----------
    panels : iterable of Panel (or ``(name, long DataFrame)`` pairs)
        The inputs of one run, in order (each already checked alone by :func:`check_panel`).

    Raises
    ------
    DataError
        One error listing the first duplicated keys with ``file, row`` of each copy.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"unit": ["x"], "year": [2020], "indicator": ["gdp"], "value": [1.0]})
    >>> check_across_files([("a.csv", a), ("b.csv", a)])
    Traceback (most recent call last):
    nqpf._errors.DataError: a.csv, b.csv: 1 (unit, year, indicator) key is given by more than one input file; got ('x', 2020, 'gdp') in a.csv row 2 and b.csv row 2. Keep each series in one file (delete it from the others).
    """
    frames = []
    for k, p in enumerate(panels):
        if isinstance(p, tuple):
            name, df = p
            rows = np.arange(2, len(df) + 2)
        else:
            name, df = p.source.file, p.data
            rows = p.origin["row"].to_numpy()
        frames.append(pd.DataFrame({"unit": df["unit"].astype(str).to_numpy(), "year": df["year"].to_numpy(),
                                    "indicator": df["indicator"].astype(str).to_numpy(), "row": rows,
                                    "file": str(name), "k": k}))
    if len(frames) < 2:
        return
    allf = pd.concat(frames, ignore_index=True)
    nfiles = allf.groupby(["unit", "year", "indicator"], sort=False)["k"].transform("nunique")
    dup = allf[nfiles > 1]
    if dup.empty:
        return
    keys = list(dup.groupby(["unit", "year", "indicator"], sort=False).groups)
    shown = []
    for key in keys[:_MAX_CELLS]:
        g = dup[(dup["unit"] == key[0]) & (dup["year"] == key[1]) & (dup["indicator"] == key[2])]
        where = " and ".join(f"{f} row {int(r)}" for f, r in zip(g["file"], g["row"]))
        shown.append(f"({key[0]!r}, {int(key[1])}, {key[2]!r}) in {where}")
    files = list(dict.fromkeys(dup["file"]))
    more = f"; … and {len(keys) - _MAX_CELLS} more" if len(keys) > _MAX_CELLS else ""
    noun = "key is" if len(keys) == 1 else "keys are"
    raise DataError(
        f"{', '.join(files)}: {len(keys)} (unit, year, indicator) {noun} given by more than one input file; got "
        f"{'; '.join(shown)}{more}. Keep each series in one file (delete it from the others)."
    )
