"""Place context of the units (地区背景): national strategies and designations, as cited data.

The bundled table ``data/province_context.csv`` lists, per province, the facts a development-
commission analyst would name first — 西部大开发, 东北振兴, 中部崛起, the major function zones and
ecological barriers of 《全国主体功能区规划》, the northeast old industrial base, resource-based
regions, the 13 major grain-producing provinces and the national big-data pilot zone — each with its
source document and a ``scope`` column: ``province`` (the designation covers the province) or
``part`` (a city- or area-level designation simplified to the province; the detail says so).
The 东数西算 national computing hubs and data-centre clusters are read from the
cited table of the bundled data (:func:`nqpf.datasets.load_dsxs_hubs`).

Context changes which paths fit: a catalogue path lists ``contexts`` (tags of this table); a unit
with one of them gets the path's context bonus, and the reason names the fact and its source.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["CONTEXT_FILE", "DSXS_SOURCE", "load_context", "CONTEXT_COLUMNS"]

CONTEXT_FILE = Path(__file__).resolve().parent / "data" / "province_context.csv"

#: the official act behind the 东数西算 table (the analysis table cites the press reports of it)
DSXS_SOURCE = ("国家发展改革委、中央网信办、工业和信息化部、国家能源局《关于同意…启动建设全国一体化算力网络国家枢纽节点的复函》"
               "（2022年2月；8个国家算力枢纽节点、10个国家数据中心集群）")

CONTEXT_COLUMNS = ["unit", "province", "tag", "label_zh", "label_en", "scope", "detail_zh", "source"]


def _dsxs_rows() -> list[dict[str, Any]]:
    from ..datasets import load_dsxs_hubs

    t = load_dsxs_hubs().astype(str)
    rows = []
    for r in t.itertuples(index=False):
        hub = "" if str(r.dsxs_hub) in ("", "none", "nan") else str(r.dsxs_hub)
        if not hub:
            continue
        cluster = "" if str(r.dsxs_cluster) in ("", "none", "nan") else str(r.dsxs_cluster)
        detail = f"位于{hub}国家算力枢纽节点" + (f"，设有{cluster}" if cluster else "（本省未设国家数据中心集群）")
        rows.append({"unit": str(r.unit), "province": str(r.unit_name), "tag": "算力枢纽",
                     "label_zh": f"东数西算{hub}枢纽", "label_en": f"East-Data-West-Compute hub ({hub})",
                     "scope": "province" if cluster else "part", "detail_zh": detail, "source": DSXS_SOURCE})
    return rows


@functools.lru_cache(maxsize=4)
def _load(path: str | None) -> pd.DataFrame:
    p = Path(path) if path else CONTEXT_FILE
    t = pd.read_csv(p, dtype=str, keep_default_na=False)
    t = t.rename(columns={"province_code": "unit"})
    missing = [c for c in CONTEXT_COLUMNS if c not in t.columns]
    if missing:
        from .._errors import ConfigError

        raise ConfigError(f"context table {p.name}: missing columns; got {missing}. Columns needed: {', '.join(CONTEXT_COLUMNS)}.")
    rows = t[CONTEXT_COLUMNS].to_dict(orient="records")
    if path is None:
        rows += _dsxs_rows()
    out = pd.DataFrame(rows, columns=CONTEXT_COLUMNS)
    return out.sort_values(["unit", "tag", "label_zh"]).reset_index(drop=True)


def load_context(path: str | Path | None = None) -> pd.DataFrame:
    """The place-context table: ``unit, province, tag, label_zh, label_en, scope, detail_zh, source``.

    Parameters
    ----------
    path : optional
        A CSV with the same columns (``province_code`` or ``unit``); default: the bundled table plus
        the 东数西算 hubs.

    Examples
    --------
    >>> c = load_context()
    >>> sorted(c.loc[c["province"] == "贵州", "tag"])
    ['大数据', '算力枢纽', '西部大开发']
    >>> bool((c["source"].str.len() > 0).all())
    True
    """
    return _load(str(path) if path is not None else None).copy()
