"""The bundled MCA code list of provinces, prefectures and counties (1981–2024): reading it, the successor
notation, what counts as the city level, and the option sets of the registry.
"""
from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from .._errors import DataError


AdminLevel = Literal["province", "prefecture", "county"]


#: ``city`` = prefectures + municipalities + province-administered county-level units
CityLevel = Literal["city", "prefecture", "county", "province"]


#: the changes :meth:`AdminRegistry.harmonise` can apply (splits are governed by ``OnSplit``)
Apply = Literal["rename", "recode", "merge"]


#: what :meth:`AdminRegistry.harmonise` does with a unit that was split: refuse, drop its rows, keep it as is
OnSplit = Literal["raise", "drop", "keep"]


ChangeKind = Literal["rename", "recode", "merge", "split", "abolish", "transfer"]


#: the four municipalities (直辖市), city-level units in city panels
MUNICIPALITIES: tuple[str, ...] = ("110000", "120000", "310000", "500000")


_LEVELS_ZH = {"省级": "province", "地级": "prefecture", "县级": "county"}


_STATUS_ZH = {"在用": "in_use", "弃用": "abolished", "变更": "changed"}


_SUCC_RE = re.compile(r"^(\d{6})(?:\[(\d{4})\])?$")


#: frequent variant spellings in published panels (typo → official name)
_VARIANTS = {"毫州": "亳州"}


_CHANGE_COLUMNS = ["year", "code", "name", "kind", "targets", "target_names", "counties", "note"]


def _data_path() -> Path:
    return Path(str(resources.files("nqpf.levels").joinpath("data", "areacodes.csv")))


def parse_successors(text: Any) -> tuple[tuple[str, int | None], ...]:
    """Parse the 新代码 field: ``"420602[1984];420603"`` → ``(("420602", 1984), ("420603", None))``.

    A code followed by ``[year]`` names a change in that year; a bare code a change in the year
    the record ends (areacodes CSV convention).

    >>> parse_successors("371203[2006];370116")
    (('371203', 2006), ('370116', None))
    """
    if text is None or (isinstance(text, float) and np.isnan(text)) or not str(text).strip():
        return ()
    out = []
    for part in str(text).split(";"):
        m = _SUCC_RE.match(part.strip())
        if not m:
            raise DataError(
                f"areacodes 新代码: unreadable successor; got {part!r} in {text!r}. "
                "Use six-digit codes separated by ';', each optionally followed by [year]."
            )
        out.append((m.group(1), int(m.group(2)) if m.group(2) else None))
    return tuple(out)


def load_admin_codes(path: str | Path | None = None) -> pd.DataFrame:
    """Read the MCA code list (areacodes ``result.csv`` layout) into a tidy table.

    Parameters
    ----------
    path : str or Path, optional
        A file with the columns 代码, 一级行政区, 二级行政区, 名称, 级别, 状态, 启用时间,
        变更/弃用时间, 新代码. Default: the bundled copy (CC0, 1981–2024).

    Returns
    -------
    pandas.DataFrame
        ``code, name, level, status, valid_from, valid_to, province_name, parent_name, parent,
        successors`` — ``level`` in province / prefecture / county, ``status`` in in_use /
        abolished / changed, ``valid_to`` exclusive (``<NA>`` while in use), ``parent`` the code of
        the prefecture (or the province for units directly under it), ``successors`` the raw
        新代码 text.

    Examples
    --------
    >>> t = load_admin_codes()
    >>> len(t), t["level"].value_counts().to_dict()
    (6823, {'county': 6245, 'prefecture': 544, 'province': 34})
    """
    src = Path(path) if path is not None else _data_path()
    if not src.exists():
        raise DataError(f"load_admin_codes: file not found; got {str(src)!r}. Give the path of areacodes result.csv.")
    raw = pd.read_csv(src, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    need = ["代码", "一级行政区", "二级行政区", "名称", "级别", "状态", "启用时间", "变更/弃用时间", "新代码"]
    missing = [c for c in need if c not in raw.columns]
    if missing:
        raise DataError(
            f"load_admin_codes({src.name}): missing columns {missing}; got {list(raw.columns)}. "
            "Use the areacodes result.csv layout (yescallop/areacodes)."
        )
    bad_level = sorted(set(raw["级别"]) - set(_LEVELS_ZH))
    if bad_level:
        raise DataError(f"load_admin_codes({src.name}): unknown 级别 values; got {bad_level}. Use 省级, 地级 or 县级.")
    out = pd.DataFrame({
        "code": raw["代码"].str.strip(),
        "name": raw["名称"].str.strip(),
        "level": raw["级别"].map(_LEVELS_ZH),
        "status": raw["状态"].map(_STATUS_ZH).fillna(raw["状态"]),
        "valid_from": pd.to_numeric(raw["启用时间"], errors="raise").astype(int),
        "valid_to": pd.to_numeric(raw["变更/弃用时间"].replace("", None), errors="raise").astype("Int64"),
        "province_name": raw["一级行政区"].str.strip(),
        "parent_name": raw["二级行政区"].str.strip(),
        "successors": raw["新代码"].str.strip(),
    })
    prefectures = set(out.loc[out["level"] == "prefecture", "code"])
    pref_of = out["code"].str[:4] + "00"
    prov_of = out["code"].str[:2] + "0000"
    out["parent"] = np.where(out["level"] == "province", "",
                             np.where((out["level"] == "county") & pref_of.isin(prefectures), pref_of, prov_of))
    return out


def is_city_level(code: str, level: str) -> bool:
    """Whether a record is a city-level unit: prefecture, municipality or province-administered county-level unit.

    >>> is_city_level("419001", "county"), is_city_level("110000", "province"), is_city_level("110101", "county")
    (True, True, False)
    """
    if level == "prefecture":
        return True
    if level == "province":
        return code in MUNICIPALITIES
    return code[2:4] == "90"
