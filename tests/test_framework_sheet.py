"""Frameworks as students write them (一级指标 / 二级指标 / 指标 / 属性 / 单位) and ``nqpf init DATA``."""
import warnings

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

import nqpf
from nqpf import FrameworkError
from nqpf.cli import app
from nqpf.framework.io import load_framework
from nqpf.framework.sheet import sheet_id_table

SHEET = ("一级指标,二级指标,指标,属性,单位\n"
         "创新能力,研发投入,R&D经费(万元),正向,万元\n"
         ",,研发人员,+,人\n"
         ",成果产出,专利授权数,正向,件\n"
         "绿色发展,,单位GDP能耗,负向,吨/万元\n")


def test_csv_sheet_in_gbk_becomes_a_framework_with_generated_ids(tmp_path):
    p = tmp_path / "我的指标.csv"
    p.write_bytes(SHEET.encode("gbk"))
    fw = load_framework(p)
    assert fw.indicators == ["X01", "X02", "X03", "X04"]
    names = {n.id: n.name_zh for n in fw.nodes}
    assert names["L1_01"] == "创新能力" and names["L2_01"] == "研发投入" and names["L2_02"] == "成果产出"
    assert names["L1_02"] == "绿色发展"
    assert fw.by_id["X02"].parent == "L2_01" and fw.by_id["X03"].parent == "L2_02"  # merged cells continue the group
    assert fw.by_id["X04"].parent == "L1_02" and fw.by_id["X04"].direction == -1     # no 二级指标 under 绿色发展
    assert fw.by_id["X01"].derive == "series(R&D经费(万元))" and fw.by_id["X01"].unit == "万元"
    assert fw.by_id["X02"].notes == "sheet row 3"
    assert "X04=单位GDP能耗" in fw.description
    t = sheet_id_table(fw)
    assert t.loc[t["id"] == "X01", "series"].item() == "R&D经费(万元)"
    assert t.loc[t["id"] == "L2_01", "level"].item() == "二级指标"


def test_xlsx_sheet_with_weights_and_only_indicators(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in [["指标", "属性", "权重"], ["a", "正向", 0.6], ["b", "−", 0.4]]:
        ws.append(row)
    wb.save(tmp_path / "fw.xlsx")
    fw = load_framework(tmp_path / "fw.xlsx")
    assert fw.indicators == ["X01", "X02"] and fw.by_id["X01"].parent == fw.root == "INDEX"
    assert fw.by_id["X01"].weight == 0.6 and fw.by_id["X02"].direction == -1


@pytest.mark.parametrize("text, match", [
    ("指标,属性\na,正向\nb,maybe\n", r"row 3, column '属性': the direction must be 正向 or 负向.*got 'maybe'"),
    ("指标,属性\na,正向\na,负向\n", r"row 3, column '指标': duplicate indicator; got 'a' also in row 2"),
    ("一级指标,指标,单位\nx,a,元\n", r"missing column '属性'"),
    ("指标,属性\n\"a,b\",正向\n", r"row 2, column '指标': a data column name cannot contain ','"),
    ("指标,属性\na，b,正向\n", r"row 2, column '指标': a data column name cannot contain ',' \(nor a full-width '，'"),
])
def test_sheet_errors_name_row_and_column(tmp_path, text, match):
    (tmp_path / "s.csv").write_text(text, encoding="utf-8")
    with pytest.raises(FrameworkError, match=match):
        load_framework(tmp_path / "s.csv")


def _data(n_units=4):
    rows = []
    for u in range(n_units):
        for y in (2019, 2020, 2021):
            rows.append({"unit": f"U{u}", "year": y, "x1": 1 + u + 0.1 * y % 3, "x2（亿元）": 10 - u + (y - 2019),
                         "x3": (u * 7 + y) % 5 + 1})
    return pd.DataFrame(rows)


def test_full_width_brackets_in_sheet_and_data_name_the_same_series(tmp_path):
    """The data reader folds headers with NFKC (（亿元） → (亿元)); the sheet's series names are folded alike."""
    (tmp_path / "fw.csv").write_text("指标,属性\nx1,正向\nx2（亿元）,正向\nx3,负向\n", encoding="utf-8")
    fw = load_framework(tmp_path / "fw.csv")
    assert fw.by_id["X02"].derive == "series(x2(亿元))" and fw.by_id["X02"].name_zh == "x2（亿元）"
    df = _data()
    (tmp_path / "data.csv").write_text(df.to_csv(index=False), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = nqpf.build({"data": {"path": str(tmp_path / "data.csv")}}, framework=fw)
    got = res.normalised[(res.normalised["indicator"] == "X02")]["value"]
    assert len(got) == 12 and got.notna().all()


@pytest.mark.parametrize("fmt", ["gbk_csv", "xlsx"])
def test_init_then_build_end_to_end(tmp_path, fmt):
    df = _data()
    if fmt == "gbk_csv":
        data = tmp_path / "数据.csv"
        data.write_bytes(df.rename(columns={"unit": "地区", "year": "年份"}).to_csv(index=False).encode("gbk"))
    else:
        data = tmp_path / "data.xlsx"
        df.to_excel(data, index=False)
    r = CliRunner().invoke(app, ["init", str(data), "--out", str(tmp_path / "proj")])
    assert r.exit_code == 0, r.output
    fw_text = (tmp_path / "proj" / "framework.csv").read_bytes()
    assert fw_text.startswith("\ufeff一级指标,二级指标,指标,属性,单位,待确认".encode("utf-8"))
    sheet = pd.read_csv(tmp_path / "proj" / "framework.csv", encoding="utf-8-sig", keep_default_na=False)
    assert sheet["指标"].tolist() == ["x1", "x2(亿元)", "x3"]  # the reader folds full-width brackets
    assert sheet["单位"].tolist() == ["", "亿元", ""]
    assert set(sheet["属性"]) == {"正向"} and sheet["待确认"].str.contains("请确认").all()
    toml = (tmp_path / "proj" / "run.toml").read_text(encoding="utf-8")
    assert "years = [2019, 2021]" in toml and 'path = "framework.csv"' in toml
    # the student marks x3 as 负向 (smaller is better)
    sheet.loc[2, "属性"] = "负向"
    sheet.to_csv(tmp_path / "proj" / "framework.csv", index=False, encoding="utf-8-sig")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = CliRunner().invoke(app, ["build", str(tmp_path / "proj" / "run.toml"), "--out", str(tmp_path / "proj" / "run"), "-q"])
    assert r.exit_code == 0, r.output
    res = nqpf.load_result(tmp_path / "proj" / "run")
    assert res.framework.indicators == ["X01", "X02", "X03"] and res.framework.by_id["X03"].direction == -1
    assert res.units.shape[0] == 4 and res.years == [2019, 2020, 2021]
    raw = res.raw[(res.raw["indicator"] == "X02") & (res.raw["unit"] == "U1") & (res.raw["year"] == 2020)]["value"].item()
    assert raw == pytest.approx(10.0)
    assert (tmp_path / "proj" / "run" / "nqpf_journal_tables.xlsx").exists()
    # never overwrite
    r = CliRunner().invoke(app, ["init", str(data), "--out", str(tmp_path / "proj")])
    assert r.exit_code == 1 and "already exists" in r.output and "will not overwrite" in r.output
