"""Firm × year panels from per-document counts, and the result object of a text run.

Measures (per lexicon, scope and semantics; ``<g>`` is a group id or ``total``):

* ``count`` — matches of the group's terms (``total``: of all distinct normalised terms, so
  a term listed in two groups is counted once in the total);
* ``ln1p`` — :math:`\\ln(1 + \\text{count})` (Wu et al. 2021; 姚加权 et al. 2024);
* ``per10k`` — :math:`10\\,000 \\times \\text{count} / n`, with :math:`n` the number of characters of
  the normalised scope text (after whitespace removal when enabled).

Indicator ids are ``<lexicon>_<scope>_<semantics>_<g>_<measure>``, e.g.
``wu2021_full_leftmost_longest_total_ln1p``; the long panel (``unit, year, indicator, value``)
can be passed to the index engine as firm-level indicators next to financial indicators.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np
import pandas as pd

from .._results import Result, Summary

__all__ = ["TextCountResult", "ln1p_count", "per_10k_chars", "build_tables", "MEASURES"]

MEASURES = ("count", "ln1p", "per10k")


def ln1p_count(count: np.ndarray | pd.Series) -> np.ndarray:
    """:math:`\\ln(1 + c)` of keyword counts (the usual digital-transformation measure, Wu et al. 2021).

    >>> ln1p_count(np.array([0, 1, 419])).round(4).tolist()
    [0.0, 0.6931, 6.0403]
    """
    return np.log1p(np.asarray(count, dtype=float))


def per_10k_chars(count: np.ndarray | pd.Series, n_chars: np.ndarray | pd.Series) -> np.ndarray:
    """Keyword density :math:`10\\,000 \\cdot c / n` (matches per 10,000 characters); NaN when n = 0.

    >>> per_10k_chars(np.array([3, 0]), np.array([150_000, 0])).tolist()
    [0.2, nan]
    """
    c = np.asarray(count, dtype=float)
    n = np.asarray(n_chars, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, 1e4 * c / np.where(n > 0, n, 1.0), np.nan)


_DOC_COLUMNS = ["doc_id", "firm", "year", "source", "status", "extractor", "n_bytes", "n_chars_raw",
                "n_chars_full", "mda_start", "mda_end", "mda_heading", "n_chars_mda", "used_in_panel", "warnings",
                "seconds"]


def _documents_table(records: list[dict]) -> pd.DataFrame:
    rows = []
    for r in records:
        scopes = r.get("scopes") or {}
        mda = scopes.get("mda") or {}
        full = scopes.get("full") or {}
        rows.append({
            "doc_id": r["doc_id"], "firm": r.get("firm"), "year": r.get("year"), "source": r.get("source"),
            "status": r.get("status"), "extractor": r.get("extractor"), "n_bytes": r.get("n_bytes"),
            "n_chars_raw": r.get("n_chars_raw"), "n_chars_full": full.get("n_chars"),
            "mda_start": mda.get("start"), "mda_end": mda.get("end"), "mda_heading": mda.get("heading"),
            "n_chars_mda": mda.get("n_chars"), "used_in_panel": False,
            "warnings": "; ".join(r.get("warnings") or []), "seconds": r.get("seconds"),
        })
    df = pd.DataFrame(rows, columns=_DOC_COLUMNS)
    for c in ("year", "n_bytes", "n_chars_raw", "n_chars_full", "mda_start", "mda_end", "n_chars_mda"):
        df[c] = df[c].astype("Int64")
    return df


def build_tables(records: Iterable[dict], *, lexicon_terms: pd.DataFrame, lexicon_name: str,
                 normalised_terms: dict[str, list[str]], scopes: tuple[str, ...],
                 semantics: tuple[str, ...]) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Turn per-document records into the ``documents``, ``terms``, ``groups`` and ``panel`` tables.

    Records with the same ``doc_id`` keep the last one; of several counted documents for the same
    firm-year, the one with the most raw characters enters the panel (a note says which).

    Returns ``(tables, notes)``.
    """
    latest: dict[str, dict] = {}
    for r in records:
        latest[r["doc_id"]] = r
    recs = sorted(latest.values(), key=lambda r: (str(r.get("firm")), r.get("year") or 0, r["doc_id"]))
    notes: list[str] = []
    if not recs:
        notes.append("no documents found in the corpus (check the folder, the file suffixes and the file-name pattern).")
    documents = _documents_table(recs)

    ok = [r for r in recs if r.get("status") == "ok"]
    chosen: dict[tuple[str, int], dict] = {}
    dupes: list[str] = []
    for r in ok:
        key = (r["firm"], int(r["year"]))
        if key in chosen:
            dupes.append(f"{key[0]}/{key[1]}")
            if (r.get("n_chars_raw") or 0) > (chosen[key].get("n_chars_raw") or 0):
                chosen[key] = r
        else:
            chosen[key] = r
    if dupes:
        notes.append(f"{len(dupes)} firm-years have several documents ({', '.join(sorted(set(dupes))[:10])}); the "
                     f"longest document of each enters the panel (see documents.used_in_panel).")
    used = {r["doc_id"] for r in chosen.values()}
    documents["used_in_panel"] = documents["doc_id"].isin(used)

    term_groups = {t: list(g) for t, g in lexicon_terms.groupby("term", sort=False)["group"]}
    groups = list(dict.fromkeys(lexicon_terms["group"]))
    gindex = {g: i for i, g in enumerate(groups)}
    # per normalised term: the (group, source term) pairs it reports under, and its group indices
    key_pairs = {k: [(g, src) for src in srcs for g in term_groups[src]] for k, srcs in normalised_terms.items()}
    key_gidx = {k: sorted({gindex[g] for g, _ in pairs}) for k, pairs in key_pairs.items()}
    nan_groups = [np.nan] * len(groups)
    term_rows: list[tuple] = []
    group_rows: list[tuple] = []
    for r in ok:
        doc_id, firm, year = r["doc_id"], r["firm"], int(r["year"])
        rec_scopes = r.get("scopes") or {}
        rec_counts = r.get("counts") or {}
        for scope in scopes:
            sc = rec_scopes.get(scope)
            for sem in semantics:
                if sc is None:
                    group_rows.append((doc_id, firm, year, scope, sem, np.nan, *nan_groups, np.nan))
                    continue
                counts = rec_counts.get(scope, {}).get(sem, {})
                gsum = [0] * len(groups)
                for key, c in counts.items():
                    for g, src in key_pairs.get(key, ()):
                        term_rows.append((doc_id, firm, year, scope, sem, g, src, key, c))
                    for gi in key_gidx.get(key, ()):
                        gsum[gi] += c
                group_rows.append((doc_id, firm, year, scope, sem, sc["n_chars"], *gsum, sum(counts.values())))
    terms = pd.DataFrame(term_rows, columns=["doc_id", "firm", "year", "scope", "semantics", "group", "term",
                                             "term_normalised", "count"])
    grp = pd.DataFrame(group_rows, columns=["doc_id", "firm", "year", "scope", "semantics", "n_chars", *groups, "total"])
    if not grp.empty:
        grp["ln1p_total"] = ln1p_count(grp["total"])
        grp["per10k_total"] = per_10k_chars(grp["total"], grp["n_chars"])
    else:
        grp["ln1p_total"] = pd.Series(dtype=float)
        grp["per10k_total"] = pd.Series(dtype=float)
    missing_mda = int(documents.loc[documents["status"] == "ok", "mda_start"].isna().sum()) if "mda" in scopes else 0
    if missing_mda:
        notes.append(f"MD&A not found in {missing_mda} documents; their mda measures are missing (NaN), not zero.")

    panel_rows = []
    in_panel = grp[grp["doc_id"].isin(used)]
    for g in [*groups, "total"]:
        c = in_panel[g].to_numpy(dtype=float)
        vals = {"count": c, "ln1p": ln1p_count(c), "per10k": per_10k_chars(c, in_panel["n_chars"].to_numpy(dtype=float))}
        for m, v in vals.items():
            part = pd.DataFrame({
                "unit": in_panel["firm"].to_numpy(), "year": in_panel["year"].to_numpy(),
                "indicator": (lexicon_name + "_" + in_panel["scope"] + "_" + in_panel["semantics"] + f"_{g}_{m}").to_numpy(),
                "value": v, "lexicon": lexicon_name, "scope": in_panel["scope"].to_numpy(),
                "semantics": in_panel["semantics"].to_numpy(), "group": g, "measure": m,
            })
            panel_rows.append(part)
    panel_cols = ["unit", "year", "indicator", "value", "lexicon", "scope", "semantics", "group", "measure"]
    panel = pd.concat(panel_rows, ignore_index=True) if panel_rows else pd.DataFrame(columns=panel_cols)
    panel = panel.sort_values(["indicator", "unit", "year"], kind="stable").reset_index(drop=True)
    panel["year"] = panel["year"].astype(int)
    n_err = int((documents["status"] == "error").sum())
    if n_err:
        notes.append(f"{n_err} documents failed (status 'error'; reason in documents.warnings); a rerun retries them.")
    n_gone = int((documents["status"] == "removed").sum())
    if n_gone:
        notes.append(f"{n_gone} documents counted earlier are no longer in the corpus (status 'removed'); they are "
                     "not in the panel.")
    n_skip = int((documents["status"] == "skipped").sum())
    if n_skip:
        notes.append(f"{n_skip} files were skipped (name does not match the pattern, or excluded as 摘要/English).")
    return {"panel": panel, "groups": grp, "terms": terms, "documents": documents}, notes


@dataclass(frozen=True)
class TextCountResult(Result):
    """Keyword counts of a corpus: firm × year panel, per-document group and term counts, document log.

    Attributes
    ----------
    panel : long panel ``unit, year, indicator, value`` (+ ``lexicon, scope, semantics, group, measure``),
        one row per firm-year × indicator; usable as indicators by the index engine.
    groups : one row per document × scope × semantics: ``n_chars``, one column per group, ``total``,
        ``ln1p_total``, ``per10k_total`` (NaN where the MD&A was not found).
    terms : long, non-zero term counts: ``doc_id, firm, year, scope, semantics, group, term,
        term_normalised, count``.
    documents : per-document log: source, status (ok / error / skipped / removed), extractor, sizes, MD&A span
        and heading, ``used_in_panel``, warnings, seconds.
    params : every setting of the run (lexicon name and fingerprint, scopes, semantics,
        normalisation, negation characters, MD&A titles, backend).
    notes : caveats (partial lexicon, duplicates, missing MD&A …).
    out_dir : output folder, if any.
    """

    panel: pd.DataFrame
    groups: pd.DataFrame
    terms: pd.DataFrame
    documents: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    out_dir: str | None = None
    kind: str = "text_counts"

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"panel": self.panel, "groups": self.groups, "terms": self.terms, "documents": self.documents}

    def wide(self, *, scope: str | None = None, semantics: str | None = None, measure: str = "count") -> pd.DataFrame:
        """Firm-year × group table (``unit, year`` + one column per group and ``total``).

        With several scopes or semantics left after the filters, the columns are the full
        indicator ids instead.

        Examples
        --------
        >>> import pandas as pd
        >>> from nqpf.text import count_corpus
        >>> docs = pd.DataFrame({"firm": ["000001"], "year": [2020], "text": ["云计算与人工智能"]})
        >>> count_corpus(docs, workers=1).wide(measure="count").iloc[0, 2:].astype(int).tolist()
        [1, 0, 1, 0, 0, 2]
        """
        p = self.panel[self.panel["measure"] == measure]
        if scope is not None:
            p = p[p["scope"] == scope]
        if semantics is not None:
            p = p[p["semantics"] == semantics]
        if p[["scope", "semantics"]].drop_duplicates().shape[0] > 1:
            return p.pivot(index=["unit", "year"], columns="indicator", values="value").reset_index().rename_axis(columns=None)
        out = p.pivot(index=["unit", "year"], columns="group", values="value")
        present = set(p["group"])
        cols = [g for g in self.groups.columns if g in present and g != "total"] + ["total"]
        return out[cols].reset_index().rename_axis(columns=None)

    def summary(self) -> Summary:
        d = self.documents
        ok = d[d["status"] == "ok"]
        rows: list[tuple[str, Any]] = [
            ("lexicon", self.params.get("lexicon")),
            ("scopes", ", ".join(self.params.get("scopes", []))),
            ("semantics", ", ".join(self.params.get("semantics", []))),
            ("normalisation", self.params.get("normalisation")),
            ("documents counted", len(ok)),
            ("documents failed", int((d["status"] == "error").sum())),
            ("documents skipped", int((d["status"] == "skipped").sum())),
            ("firms", int(ok["firm"].nunique())),
            ("years", f"{int(ok['year'].min())}–{int(ok['year'].max())}" if len(ok) else ""),
            ("MB of text", round(float(ok["n_bytes"].sum()) / 1e6, 3) if len(ok) else 0.0),
        ]
        if "mda" in self.params.get("scopes", []) and len(ok):
            rows.append(("MD&A found", f"{int(ok['mda_start'].notna().sum())} of {len(ok)}"))
        tot = self.groups.groupby(["scope", "semantics"], sort=False)["total"].sum(min_count=1).reset_index()
        for _, r in tot.iterrows():
            rows.append((f"total matches ({r['scope']}, {r['semantics']})",
                         "nan" if pd.isna(r["total"]) else int(r["total"])))
        return Summary(title="Keyword counts (TextCountResult)", rows=rows, notes=list(self.notes))

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["params"] = self.params
        out["notes"] = list(self.notes)
        return out
