"""Journal-style regression tables (several models side by side) → Excel / HTML / LaTeX.

The layout is the one Chinese economics journals print (and ``esttab``/``outreg2``
produce): one column per model, for each regressor the coefficient with
significance stars and below it the standard error in brackets, then rows for the
controls, the fixed effects (Yes/No), the number of observations and R².
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd

from .._errors import DataError
from .._format import fmt_fixed, stars
from .._results import Result, Summary
from .._validation import check_option

__all__ = ["RegressionTable", "regression_table", "stars", "TableLanguage", "Brackets", "TableStat"]

TableLanguage = Literal["zh", "en"]
Brackets = Literal["()", "[]"]
#: what goes under the coefficient
TableStat = Literal["se", "t"]

_LABELS = {
    "zh": {"controls": "控制变量", "unit": "个体固定效应", "year": "年份固定效应", "nobs": "观测值", "r2": "R²",
           "r2_within": "组内 R²", "yes": "是", "no": "否", "dep": "被解释变量",
           "se": "括号内为{kind}标准误", "t": "括号内为 t 值", "stars": "*、**、*** 分别表示在 {a}、{b}、{c} 的水平上显著"},
    "en": {"controls": "Controls", "unit": "Unit FE", "year": "Year FE", "nobs": "N", "r2": "R²",
           "r2_within": "Within R²", "yes": "Yes", "no": "No", "dep": "Dependent variable",
           "se": "{kind} standard errors in brackets", "t": "t statistics in brackets",
           "stars": "* p < {a}, ** p < {b}, *** p < {c}"},
}


def _fmt(v: float, digits: int) -> str:
    return fmt_fixed(None if v is None else float(v), digits)  # fixed decimals, non-finite empty (nqpf._format)


@dataclass(frozen=True, eq=False)
class RegressionTable(Result):
    """A side-by-side regression table.

    Attributes
    ----------
    frame : DataFrame of display strings, index = row labels, columns = model titles.
    numbers : long numeric table ``model, term, coef, std_error, t, p_value``.
    notes : the table notes (standard errors, stars).
    title : optional caption.
    """

    kind = "regression_table"

    frame: pd.DataFrame
    numbers: pd.DataFrame
    notes: tuple[str, ...] = ()
    title: str = ""
    n_coef_rows: int = field(default=0)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"table": self.frame.reset_index().rename(columns={"index": ""}), "numbers": self.numbers}

    def summary(self) -> Summary:
        return Summary(title=self.title or "Regression table", tables={"table": self.frame}, notes=list(self.notes))

    def to_html(self) -> str:
        """A standalone ``<table>`` (three-line style via inline CSS)."""
        cols = list(self.frame.columns)
        out = ['<table class="nqpf-regtable" style="border-collapse:collapse;border-top:2px solid;border-bottom:2px solid">']
        if self.title:
            out.append(f"<caption>{html.escape(self.title)}</caption>")
        out.append('<thead><tr style="border-bottom:1px solid"><th></th>' + "".join(f"<th>{html.escape(str(c))}</th>" for c in cols) + "</tr></thead><tbody>")
        for i, (lab, row) in enumerate(self.frame.iterrows()):
            style = ' style="border-top:1px solid"' if i == self.n_coef_rows else ""
            out.append(f"<tr{style}><td>{html.escape(str(lab))}</td>" + "".join(f'<td style="text-align:center">{html.escape(str(v))}</td>' for v in row) + "</tr>")
        out.append("</tbody></table>")
        if self.notes:
            out.append("<p><small>" + "<br>".join(html.escape(n) for n in self.notes) + "</small></p>")
        return "\n".join(out)

    def to_latex(self) -> str:
        """A ``booktabs`` tabular (needs ``\\usepackage{booktabs}``)."""

        def esc(s: str) -> str:
            rep = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\^{}"}
            return "".join(rep.get(ch, ch) for ch in str(s)).replace("R²", "$R^2$")

        def cell(v: str) -> str:
            v = str(v)
            n = len(v) - len(v.rstrip("*"))
            base = esc(v.rstrip("*")) if n else esc(v)
            return base + (f"$^{{{'*' * n}}}$" if n else "")

        cols = list(self.frame.columns)
        lines = [r"\begin{tabular}{l" + "c" * len(cols) + "}", r"\toprule", " & " + " & ".join(esc(c) for c in cols) + r" \\", r"\midrule"]
        for i, (lab, row) in enumerate(self.frame.iterrows()):
            if i == self.n_coef_rows:
                lines.append(r"\midrule")
            lines.append(esc(lab) + " & " + " & ".join(cell(v) for v in row) + r" \\")
        lines += [r"\bottomrule", r"\end{tabular}"]
        if self.notes:
            lines.append(r"\par\footnotesize " + " ".join(esc(n) for n in self.notes))
        return "\n".join(lines)

    def to_excel(self, path: str | Path, *, sheet_name: str = "regression") -> Path:
        """Write the table (and its notes below it) to an ``.xlsx`` file; return the path."""
        path = Path(path)
        # xlsxwriter with a fixed creation date: the same table gives the same bytes (exact replay of a run)
        with pd.ExcelWriter(path, engine="xlsxwriter") as xw:
            xw.book.set_properties({"created": pd.Timestamp("2000-01-01").to_pydatetime(), "comments": "written by nqpf"})
            start = 1 if self.title else 0
            self.frame.to_excel(xw, sheet_name=sheet_name, startrow=start)
            ws = xw.sheets[sheet_name]
            if self.title:
                ws.write(0, 0, self.title)
            r = start + len(self.frame) + 2
            for n in self.notes:
                ws.write(r, 0, n)
                r += 1
            self.numbers.to_excel(xw, sheet_name=f"{sheet_name}_numbers", index=False)
        return path

    def save(self, path: str | Path) -> Path:
        """Write by extension: ``.xlsx``, ``.html``, ``.tex`` or ``.csv``."""
        path = Path(path)
        ext = path.suffix.lower()
        if ext == ".xlsx":
            return self.to_excel(path)
        if ext in (".html", ".htm"):
            path.write_text(self.to_html(), encoding="utf-8")
        elif ext == ".tex":
            path.write_text(self.to_latex(), encoding="utf-8")
        elif ext == ".csv":
            self.frame.to_csv(path, encoding="utf-8-sig")
        else:
            raise DataError(
                "RegressionTable.save: unknown file type"
                f"; got {path.name!r}. Use .xlsx, .html, .tex or .csv."
            )
        return path


def regression_table(
    models: Sequence[Any],
    *,
    labels: dict[str, str] | None = None,
    keep: Sequence[str] | None = None,
    show_controls: bool = True,
    stat: TableStat = "se",
    brackets: Brackets = "()",
    digits: int = 3,
    levels: tuple[float, float, float] = (0.1, 0.05, 0.01),
    lang: TableLanguage = "zh",
    title: str = "",
) -> RegressionTable:
    """Put several fitted models side by side in the journal layout.

    Parameters
    ----------
    models
        Fitted results with ``name``, ``y``, ``params``, ``std_errors``, ``pvalues``,
        ``nobs`` (e.g. :class:`~nqpf.explain.fe.PanelRegression`); optional ``r2``,
        ``r2_within``, ``fe_rows``, ``key_terms``.
    labels
        Display names of terms (``{"driver:数据": "数据驱动"}``).
    keep
        Terms to show (default: all). With ``show_controls=False`` only the key
        regressors are shown and a "控制变量 / Controls: Yes" row replaces the controls.
    stat
        ``"se"`` (standard errors) or ``"t"`` under each coefficient.
    brackets
        ``"()"`` or ``"[]"``.
    digits
        Decimals.
    levels
        p-value thresholds of one, two and three stars.
    lang
        Row labels in Chinese (``"zh"``) or English (``"en"``).

    Examples
    --------
    >>> from linearmodels.datasets import wage_panel
    >>> from nqpf.explain import fit_panel
    >>> d = wage_panel.load().rename(columns={"nr": "unit"})
    >>> m1 = fit_panel(d, y="lwage", x=["union"], name="(1)")
    >>> m2 = fit_panel(d, y="lwage", x=["union"], controls=["married"], name="(2)")
    >>> t = regression_table([m1, m2], lang="en")
    >>> t.frame.loc["union", "(2)"]
    '0.083***'
    """
    check_option(stat, TableStat, param="stat", caller="regression_table")
    check_option(brackets, Brackets, param="brackets", caller="regression_table")
    check_option(lang, TableLanguage, param="lang", caller="regression_table")
    if not models:
        raise DataError("regression_table: no models; got an empty list. Pass at least one fitted model.")
    L = _LABELS[lang]
    labels = dict(labels or {})
    titles = [str(getattr(m, "name", f"({i + 1})")) for i, m in enumerate(models)]
    if len(set(titles)) < len(titles):
        titles = [f"({i + 1}) {t}" if titles.count(t) > 1 else t for i, t in enumerate(titles)]
    # row order: key terms first, then the rest, in order of first appearance
    terms: list[str] = []
    for m in models:
        for t in list(getattr(m, "key_terms", ())) + list(m.params.index):
            if t not in terms and t != "const" and not str(t).startswith("year_"):
                terms.append(t)
    key = {t for m in models for t in getattr(m, "key_terms", ())}
    if keep is not None:
        terms = [t for t in terms if t in keep]
    elif not show_controls:
        terms = [t for t in terms if t in key]
    has_controls = [any(t not in key and t != "const" and not str(t).startswith("year_") for t in m.params.index) for m in models]
    open_b, close_b = brackets[0], brackets[1]
    rows: list[list[str]] = []
    index: list[str] = []
    numbers = []
    shown: list[str] = []  # display labels, in order; terms mapped to one label share a row
    for t in terms:
        lab = labels.get(t, t)
        if lab not in shown:
            shown.append(lab)
    for lab in shown:
        r1, r2 = [], []
        for m in models:
            t = next((u for u in m.params.index if labels.get(u, u) == lab and u in terms), None)
            if t is not None and np.isfinite(m.params[t]):
                c, se, p = float(m.params[t]), float(m.std_errors[t]), float(m.pvalues[t])
                r1.append(_fmt(c, digits) + stars(p, levels))
                below = c / se if stat == "t" and se > 0 else se
                r2.append(f"{open_b}{_fmt(below, digits)}{close_b}")
                numbers.append({"model": getattr(m, "name", ""), "term": t, "coef": c, "std_error": se,
                                "t": c / se if se > 0 else np.nan, "p_value": p})
            else:
                r1.append("")
                r2.append("")
        rows += [r1, r2]
        index += [lab, " " * (len(index) // 2 + 1)]  # unique blank labels for the SE rows
    n_coef = len(rows)
    extra_rows: list[tuple[str, list[str]]] = []
    if not show_controls and keep is None:
        extra_rows.append((L["controls"], [L["yes"] if h else L["no"] for h in has_controls]))
    fe_rows = [getattr(m, "fe_rows", None) for m in models]
    if any(f is not None for f in fe_rows):
        for k in ("unit", "year"):
            extra_rows.append((L[k], ["" if f is None else (L["yes"] if f.get(k) else L["no"]) for f in fe_rows]))
    extra_rows.append((L["nobs"], [str(int(getattr(m, "nobs", 0))) for m in models]))
    for attr in ("r2", "r2_within"):
        vals = [getattr(m, attr, float("nan")) for m in models]
        if any(v is not None and np.isfinite(v) for v in vals):
            extra_rows.append((L[attr], [_fmt(v, digits) if v is not None else "" for v in vals]))
    for lab, vals in extra_rows:
        index.append(lab)
        rows.append(vals)
    frame = pd.DataFrame(rows, index=index, columns=titles)
    ys = [str(getattr(m, "y", "")) for m in models]
    kinds = {getattr(m, "cluster", "none") for m in models}
    kind_txt = {"zh": {"unit": "个体聚类稳健", "twoway": "个体和年份双向聚类稳健", "year": "年份聚类稳健", "none": "异方差稳健"},
                "en": {"unit": "Unit-clustered", "twoway": "Two-way (unit, year) clustered", "year": "Year-clustered", "none": "Heteroskedasticity-robust"}}[lang]
    kind = "/".join(kind_txt.get(k, str(k)) for k in sorted(kinds))
    notes = [
        (L["se"].format(kind=kind) if stat == "se" else L["t"]),
        L["stars"].format(a=f"{levels[0]:g}" if lang == "en" else f"{levels[0]:.0%}",
                          b=f"{levels[1]:g}" if lang == "en" else f"{levels[1]:.0%}",
                          c=f"{levels[2]:g}" if lang == "en" else f"{levels[2]:.0%}"),
        f"{L['dep']}: " + ", ".join(f"{t} = {labels.get(y, y)}" for t, y in zip(titles, ys)),
    ]
    return RegressionTable(frame=frame, numbers=pd.DataFrame(numbers, columns=["model", "term", "coef", "std_error", "t", "p_value"]),
                           notes=tuple(notes), title=title, n_coef_rows=n_coef)
