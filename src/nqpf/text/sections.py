"""Report sections: the whole report or the MD&A chapter (管理层讨论与分析).

The MD&A chapter changed its name over the years: 董事会报告 / 董事局报告 (before 2010 the MD&A
sits inside it; many firms until 2015), 管理层讨论与分析 (2010–2015 and 2021+),
经营情况讨论与分析 (2016–2020), and a numbered ``7.讨论与分析`` in some bank reports. The
detector follows the rule used for the reference spans of the shared annual-report sample:

1. A *chapter heading* is a line (split on ``\\n`` only; leading spaces, form feeds and
   ideographic spaces allowed) that starts with ``第<n>节`` or ``第<n>章`` (Chinese or Arabic
   numeral), followed by a short title (at most ``max_title_chars`` characters, no
   sentence punctuation).
2. MD&A candidates are chapter headings whose title (whitespace removed) starts with one of
   ``titles``; each candidate spans to the start of the next chapter heading (or the end of
   the text).
3. The candidate with the *longest* span wins — this skips the table of contents, whose
   entries are one line apart.
4. If no ``第…节`` candidate exists, numbered headings ``<n>.<title>`` are tried the same way,
   with the span ending at the next heading numbered ``n+1``.

Offsets are character offsets into the raw text (``start`` at the beginning of the
heading line, ``end`` exclusive at the beginning of the next heading line).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["Scope", "SectionSpan", "MDA_TITLES", "find_mda", "chinese_numeral"]

Scope = Literal["full", "mda"]

#: default MD&A chapter titles, in the order they are tried (all are tried; the longest span wins)
MDA_TITLES: tuple[str, ...] = ("管理层讨论与分析", "经营情况讨论与分析", "董事会报告", "董事局报告")

_NUMBERED_TITLES: tuple[str, ...] = ("讨论与分析", "管理层讨论与分析", "经营情况讨论与分析", "董事会报告")

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

_LEAD_CHARS = " \t\f\v\xa0\u3000\u2002\u2003"
_LEAD = frozenset(_LEAD_CHARS)
# starts with the literal 第 so that the regex engine can skip ahead quickly; the line-start
# condition (only lead characters between the previous line break and 第) is checked in Python
_CHAPTER = re.compile(r"第[ \t\u3000]*(?P<num>[一二三四五六七八九十百零〇两\d]{1,4})[ \t\u3000]*[节章](?P<title>[^\n]*)")
_NUMBERED = re.compile(r"(?m)^[" + _LEAD_CHARS + r"]*(?P<num>\d{1,2})[\.．](?![\d])(?P<title>[^\n]*)$")
_SENTENCE_PUNCT = re.compile(r"[，。；,;]")


def chinese_numeral(s: str) -> int:
    """Value of a small Chinese (or Arabic) numeral, as used in chapter numbers.

    >>> chinese_numeral("十二"), chinese_numeral("四"), chinese_numeral("二十"), chinese_numeral("7")
    (12, 4, 20, 7)
    """
    if s.isdigit():
        return int(s)
    total, current = 0, 0
    for ch in s:
        if ch == "百":
            total += (current or 1) * 100
            current = 0
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        else:
            current = _CN_DIGITS.get(ch, 0)
    return total + current


@dataclass(frozen=True)
class SectionSpan:
    """A detected section.

    Attributes
    ----------
    start, end : character offsets in the raw text (end exclusive).
    heading : the matched chapter title (e.g. ``'经营情况讨论与分析'``).
    line : the heading line as it appears (whitespace-trimmed).
    """

    start: int
    end: int
    heading: str
    line: str

    @property
    def length(self) -> int:
        return self.end - self.start


def _compact(s: str) -> str:
    return "".join(s.split())


def _headings(pattern: re.Pattern, text: str, max_title_chars: int) -> list[tuple[int, int, str, str]]:
    """(line start, number, compact title, line) of every heading line."""
    out = []
    for m in pattern.finditer(text):
        title = _compact(m.group("title"))
        if len(title) > max_title_chars or _SENTENCE_PUNCT.search(title):
            continue
        start = m.start()
        if pattern is _CHAPTER:
            line_start = text.rfind("\n", 0, start) + 1
            if not _LEAD.issuperset(text[line_start:start]):
                continue
            start = line_start
        out.append((start, chinese_numeral(m.group("num")), title, text[start:m.end()].strip()))
    return out


def _matches(title: str, titles: tuple[str, ...]) -> str | None:
    for t in titles:
        if title.startswith(t):
            return t
    return None


def find_mda(text: str, *, titles: tuple[str, ...] = MDA_TITLES, max_title_chars: int = 40) -> SectionSpan | None:
    """Locate the MD&A chapter of an annual report.

    Parameters
    ----------
    text
        The raw report text (line breaks intact; do not normalise first).
    titles
        Chapter titles that mark the MD&A (a heading matches when its whitespace-free title
        starts with one of them).
    max_title_chars
        Heading lines with longer titles (after the chapter number) are body text, not headings.

    Returns
    -------
    SectionSpan or None
        None when no MD&A chapter is found.

    Examples
    --------
    >>> doc = "目录\\n第三节 管理层讨论与分析 8\\n第四节 重要事项 20\\n正文\\n第三节  管理层讨论与分析\\n一、概述\\n云计算\\n第四节 重要事项\\n..."
    >>> span = find_mda(doc)
    >>> span.heading, doc[span.start:span.end].split("\\n")[1]
    ('管理层讨论与分析', '一、概述')
    """
    for pattern, names, successor in ((_CHAPTER, titles, False), (_NUMBERED, _NUMBERED_TITLES, True)):
        heads = _headings(pattern, text, max_title_chars)
        best: SectionSpan | None = None
        for i, (pos, num, title, line) in enumerate(heads):
            name = _matches(title, names)
            if name is None:
                continue
            end = len(text)
            for pos2, num2, _t2, _l2 in heads[i + 1:]:
                if not successor or num2 == num + 1:
                    end = pos2
                    break
            span = SectionSpan(start=pos, end=end, heading=name, line=line)
            if best is None or span.length > best.length:
                best = span
        if best is not None:
            return best
    return None
