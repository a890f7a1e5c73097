"""nqpf.text.extract: file names, TXT encodings, HTML and PDF extraction."""
from __future__ import annotations

import pytest

from _shared import fixture_path
from nqpf import ConfigError, DataError
from nqpf.text.extract import extract_text, parse_file_name, pdf_extractor_name


@pytest.mark.parametrize(
    "name, expected",
    [
        ("000001_2019.txt", ("000001", 2019)),
        ("000001_平安银行_2019年年度报告.pdf", ("000001", 2019)),
        ("600519-贵州茅台-2021年年度报告.PDF", ("600519", 2021)),
        ("300617 安靠智电 2019年年度报告.html", ("300617", 2019)),
        ("000001_平安银行_2019年年度报告_20200214.pdf", ("000001", 2019)),
        ("平安银行2019年年报.pdf", None),
        ("000001.txt", None),
    ],
)
def test_parse_file_name(name, expected):
    assert parse_file_name(name) == expected


def test_custom_pattern_and_bad_pattern():
    assert parse_file_name("2019-000001.txt", pattern=r"^(?P<year>\d{4})-(?P<firm>\d{6})") == ("000001", 2019)
    with pytest.raises(ConfigError) as exc:
        parse_file_name("000001_2019.txt", pattern="^(6)")
    assert str(exc.value).startswith(
        "The 'pattern' parameter must be a regular expression with named groups 'firm' and 'year'; got '^(6)'.")


def test_txt_encodings(tmp_path):
    gb = extract_text(fixture_path("text", "corpus", "000004_2018.txt"))
    assert gb.extractor == "txt:gb18030" and "公司推进大数据与人工智能。" in gb.text
    (tmp_path / "a.txt").write_bytes("\ufeff云计算\n".encode("utf-8"))
    r = extract_text(tmp_path / "a.txt")
    assert (r.text, r.extractor) == ("云计算\n", "txt:utf-8")


def test_html_drops_script_and_breaks_blocks():
    r = extract_text(fixture_path("text", "corpus", "000002_示例科技_2020年年度报告.html"))
    assert r.extractor == "html.parser"
    assert "人工智能" not in r.text and "color" not in r.text
    lines = [ln.strip() for ln in r.text.split("\n") if ln.strip()]
    assert lines == ["第三节 管理层讨论与分析", "公司发展工业互联网，", "云计算\t收入", "第四节 公司治理", "不涉及电子商务。"]


def test_pdf_extraction(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    path = tmp_path / "000001_2019.pdf"
    with PdfPages(path) as pdf:
        for lines in (["Chapter 4 MD&A", "FinTech and B2B platform"], ["Page two: O2O"]):
            fig = plt.figure(figsize=(4, 3))
            for i, ln in enumerate(lines):
                fig.text(0.05, 0.8 - 0.2 * i, ln)
            pdf.savefig(fig)
            plt.close(fig)
    r = extract_text(path)
    assert r.extractor == pdf_extractor_name() and r.extractor.startswith("pypdfium2 ")
    assert r.text == "Chapter 4 MD&A\nFinTech and B2B platform\n\fPage two: O2O\n"
    assert r.warnings == ()


def test_damaged_pdf_and_unknown_suffix(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"not a pdf")
    with pytest.raises(DataError, match=r"x.pdf: cannot open the PDF"):
        extract_text(tmp_path / "x.pdf")
    (tmp_path / "x.doc").write_bytes(b"")
    with pytest.raises(DataError) as exc:
        extract_text(tmp_path / "x.doc")
    assert str(exc.value).endswith("unsupported file type; got '.doc'. Use one of .txt, .pdf, .html, .htm.")
