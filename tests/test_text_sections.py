"""nqpf.text.sections: MD&A chapter detection."""
from __future__ import annotations

import json

import pytest

from _shared import shared_path
from nqpf.text.sections import chinese_numeral, find_mda

TOC_DOC = (
    "目录\n第三节 管理层讨论与分析 ........ 8\n第四节 重要事项 ........ 20\n"
    "第三节  管理层讨论与分析\n一、概述\n报告期内公司经营稳健，营业收入增长。\n第四节 重要事项\n其他"
)


def test_table_of_contents_is_skipped():
    span = find_mda(TOC_DOC)
    assert span is not None
    assert TOC_DOC[span.start:span.end] == "第三节  管理层讨论与分析\n一、概述\n报告期内公司经营稳健，营业收入增长。\n"
    assert span.heading == "管理层讨论与分析"
    assert span.line == "第三节  管理层讨论与分析"


@pytest.mark.parametrize("title", ["经营情况讨论与分析", "董事会报告", "董事局报告", "管理层讨论与分析"])
def test_chapter_names_over_the_years(title):
    doc = f"前言\n\f   第九节    {title} \n经营情况\n第十节 监事会报告\n"
    span = find_mda(doc)
    assert span.heading == title
    assert doc[span.start:span.end].startswith("\f   第九节")  # the span starts at the line start
    assert doc[span.end:].startswith("第十节")


def test_numbered_bank_style_and_last_chapter():
    doc = "6.董事会\n内容\n7.讨论与分析\n7.1\n环境与展望\n8.股本变动及股东情况\n8.1\n"
    span = find_mda(doc)
    assert doc[span.start:span.end] == "7.讨论与分析\n7.1\n环境与展望\n"
    last = "第一节 简介\n文字\n第二节 管理层讨论与分析\n到文末"
    assert find_mda(last).end == len(last)


def test_body_text_is_not_a_heading_and_not_found():
    doc = "第四节所述的管理层讨论与分析中，公司提到……，详见年报。\n正文"
    assert find_mda(doc) is None
    assert find_mda("没有章节标题的文本") is None


def test_custom_titles():
    doc = "第一节 简介\n第二节 经营回顾\n内容\n第三节 其他\n"
    assert find_mda(doc) is None
    assert find_mda(doc, titles=("经营回顾",)).heading == "经营回顾"


def test_chinese_numeral():
    assert [chinese_numeral(s) for s in ("一", "九", "十", "十一", "二十三", "一百零五", "12")] == [1, 9, 10, 11, 23, 105, 12]


@pytest.mark.shared
def test_spans_equal_reference_spans_of_the_sample():
    path = shared_path("data", "annual-reports-sample", "annual_reports.jsonl")
    n = 0
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            span = find_mda(d["text"])
            assert (span.start, span.end, span.heading) == (d["mda_start"], d["mda_end"], d["mda_heading"]), (
                d["firm_code"], d["year"])
            n += 1
    assert n == 22
