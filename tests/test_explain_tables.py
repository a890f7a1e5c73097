"""Journal-style regression tables: layout, stars, brackets, FE rows, exports."""
from __future__ import annotations

import openpyxl
import pytest
from linearmodels.datasets import wage_panel

from nqpf import NqpfError
from nqpf.explain import fit_panel, regression_table, stars


@pytest.fixture(scope="module")
def models():
    d = wage_panel.load().rename(columns={"nr": "unit"})
    m1 = fit_panel(d, y="lwage", x=["union"], name="(1)")
    m2 = fit_panel(d, y="lwage", x=["union"], controls=["married", "expersq"], name="(2)")
    m3 = fit_panel(d, y="lwage", x=["union"], controls=["married"], estimator="re", fe="year", name="(3)")
    return m1, m2, m3


def test_stars_levels():
    assert [stars(p) for p in (0.2, 0.09, 0.04, 0.009, float("nan"))] == ["", "*", "**", "***", ""]
    assert stars(0.04, levels=(0.05, 0.01, 0.001)) == "*"


def test_layout_values_and_rows(models):
    m1, m2, m3 = models
    t = regression_table([m1, m2, m3], lang="en", digits=4)
    f = t.frame
    assert list(f.columns) == ["(1)", "(2)", "(3)"]
    assert list(f.index[:2]) == ["union", " "]
    assert f.loc["union", "(2)"] == f"{m2.params['union']:.4f}" + stars(m2.pvalues["union"])
    assert f.iloc[1, 1] == f"({m2.std_errors['union']:.4f})"
    assert f.loc["expersq", "(1)"] == ""
    assert f.loc["Unit FE"].tolist() == ["Yes", "Yes", "No"]
    assert f.loc["Year FE"].tolist() == ["Yes", "Yes", "Yes"]
    assert f.loc["N"].tolist() == ["4360"] * 3
    assert f.loc["R²", "(2)"] == f"{m2.r2:.4f}"
    assert "const" not in f.index and not any(str(i).startswith("year_") for i in f.index)
    assert t.notes[0] == "Unit-clustered standard errors in brackets"
    num = t.numbers.set_index(["model", "term"])
    assert num.loc[("(2)", "union"), "coef"] == m2.params["union"]


def test_chinese_labels_controls_row_and_t_stats(models):
    m1, m2, _ = models
    t = regression_table([m1, m2], show_controls=False, stat="t", brackets="[]", labels={"union": "工会"})
    f = t.frame
    assert "married" not in f.index and "工会" in f.index
    assert f.loc["控制变量"].tolist() == ["否", "是"]
    assert f.loc["个体固定效应"].tolist() == ["是", "是"]
    assert f.iloc[1, 0] == f"[{m1.tstats['union']:.3f}]"
    assert t.notes[0] == "括号内为 t 值" and t.notes[1] == "*、**、*** 分别表示在 10%、5%、1% 的水平上显著"


def test_exports(models, tmp_path):
    t = regression_table(list(models), title="表 1 基准回归")
    xl = t.save(tmp_path / "t.xlsx")
    ws = openpyxl.load_workbook(xl)["regression"]
    assert ws.cell(row=1, column=1).value == "表 1 基准回归"
    assert ws.cell(row=2, column=2).value == "(1)"
    assert ws.cell(row=3, column=1).value == "union"
    tex = t.to_latex()
    assert r"\toprule" in tex and "$^{***}$" in tex and r"\midrule" in tex and "$R^2$" in tex
    html = t.to_html()
    assert "<caption>表 1 基准回归</caption>" in html and html.count("<tr") == len(t.frame) + 1
    t.save(tmp_path / "t.tex")
    assert (tmp_path / "t.tex").read_text(encoding="utf-8") == tex
    with pytest.raises(NqpfError, match=r"RegressionTable.save: unknown file type; got 't.docx'"):
        t.save(tmp_path / "t.docx")


def test_bad_options(models):
    with pytest.raises(NqpfError, match="The 'brackets' parameter of regression_table must be one of '\\(\\)', '\\[\\]'; got '{}'"):
        regression_table(list(models), brackets="{}")
    with pytest.raises(NqpfError, match="regression_table: no models"):
        regression_table([])
