"""``nqpf.build``: one config (+ data) → :class:`IndexResult`; ``nqpf.regenerate``: replay a manifest."""
from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from .. import __version__
from .._errors import ConfigError, DataError, DataWarning, NqpfWarning
from ..data.io import Panel, release_arrow_memory
from ..data.numbers import INFINITE, parse_number_series
from ..framework.derive import derive_wide
from ..framework.io import builtin_frameworks, load_framework
from ..framework.model import Framework
from .config import RunConfig, load_config, toml_text
from .engine import EngineInput, rank_desc, run_engine
from .manifest import (
    assemble_manifest,
    file_sha256,
    frame_sha256,
    framework_sha256,
    is_manifest,
    read_manifest,
)
from .prepare import prepare_inputs
from .quality import encode_list_columns
from .result import IndexResult, frame_from_array, long_keys, sorted_categorical

__all__ = ["build", "regenerate", "build_from_frames", "load_inputs", "resolve_framework", "unit_table", "read_manifest",
           "framework_sha256"]

def resolve_framework(cfg: RunConfig, framework: Framework | str | Path | Mapping | None) -> tuple[Framework, dict]:
    """The framework of a build and its record for the manifest.

    The record says where the framework came from (``builtin:NAME``, a file path, or ``python object``),
    the SHA-256 of the file (``sha256``) and of the content (``content_sha256``), so that
    :func:`regenerate` can replay exactly this framework or refuse, naming why.
    """
    if framework is None:
        src = cfg.framework.path
        if not src:
            raise ConfigError(
                "Config [framework]: no framework given; got path = \"\". "
                f"Set [framework] path to a TOML/CSV file or a built-in name ({', '.join(builtin_frameworks())})."
            )
        where = "config"
    elif isinstance(framework, (str, Path)):
        src, where = str(framework), "argument"
    else:
        src, where = None, "argument"
    if src is None:
        fw = load_framework(framework)
        info = {"source": "python object", "id": fw.id}
    elif src in builtin_frameworks():
        p = builtin_frameworks()[src]
        fw = load_framework(p)
        info = {"source": f"builtin:{src}", "sha256": file_sha256(p), "id": fw.id}
    else:
        p = cfg.resolve(src) if where == "config" else Path(src)
        if p.suffix.lower() == ".toml" and p.is_file():
            toml_text(p, "Framework file")  # a GBK-saved framework is one error naming the encoding, not a traceback
        fw = load_framework(p)
        info = {"source": src, "sha256": file_sha256(p), "id": fw.id}
    info["given_as"] = where
    info["content_sha256"] = framework_sha256(fw)
    if cfg.framework.indicators or cfg.framework.exclude:
        keep = cfg.framework.indicators or fw.indicators
        keep = [i for i in keep if i not in set(cfg.framework.exclude)]
        fw = fw.subset(keep)
        info["indicators_kept"] = keep
    return fw, info


def load_inputs(cfg: RunConfig, data: pd.DataFrame | Panel | None = None) -> tuple[pd.DataFrame, pd.DataFrame, list[dict]]:
    """Read every raw input of a config.

    Returns ``raw`` (``unit, year, indicator, value``), a unit table (``unit`` + ``unit_name`` and group
    columns found in the files) and the input records for the manifest.
    """
    frames: list[pd.DataFrame] = []
    unit_tables: list[pd.DataFrame] = []
    inputs: list[dict] = []
    if data is not None:
        if isinstance(data, Panel):
            data = data.data
        if not isinstance(data, pd.DataFrame):
            raise DataError(f"build(data=...): expected a pandas DataFrame or an nqpf Panel; got {type(data).__name__}. "
                            "Pass a long table with columns unit, year, indicator, value, or read a file with nqpf.read_panel.")
        need = {"unit", "year", "indicator", "value"}
        if not need <= set(data.columns):
            raise DataError(f"build(data=...): the DataFrame must have columns {sorted(need)}; got {list(data.columns)}. "
                            "Pass a long table or read it with nqpf.read_panel first.")
        values, years = _check_values(data, "build(data=...)")
        d = data.copy(deep=False)  # copy-on-write: the caller's table is left as it is, nothing is duplicated
        d["unit"] = d["unit"].astype(str)
        d["year"] = years
        d["value"] = values
        frames.append(d[["unit", "year", "indicator", "value"]])
        extra = [c for c in d.columns if c not in ("year", "indicator", "value")]
        unit_tables.append(d[extra].drop_duplicates("unit"))
        inputs.append({"source": "DataFrame", "rows": int(len(d)), "sha256": frame_sha256(d[["unit", "year", "indicator", "value"]])})
    if cfg.data.bundled == "province":
        from ..datasets import load_province_raw

        b = load_province_raw().rename(columns={"series": "indicator"})
        frames.append(b[["unit", "year", "indicator", "value"]])
        inputs.append({"source": "bundled:province", "rows": int(len(b)), "sha256": frame_sha256(b[["unit", "year", "indicator", "value"]])})
    for f in cfg.data.files:
        from ..data.io import read_panel

        path = cfg.resolve(f.path)
        panel = read_panel(
            path, layout=f.layout, unit=f.unit, year=f.year, indicator=f.indicator, value=f.value,
            unit_name=f.unit_name, groups=tuple(f.groups), units=f.units, sheet=f.sheet, encoding=f.encoding,
            percent=f.percent,
        )
        from ..data.validate import check_panel

        report = check_panel(panel, file=f.path, unknown="ignore")  # extra raw series are fine; duplicates are not
        report.raise_if_errors()
        d = panel.data
        frames.append(d[["unit", "year", "indicator", "value"]])
        extra = [c for c in d.columns if c not in ("year", "indicator", "value")]
        unit_tables.append(d[extra].drop_duplicates("unit"))
        src = panel.source.to_dict()
        src["path"] = f.path
        src["missing_cells"] = int(len(panel.missing_cells))
        inputs.append({k: (list(v) if isinstance(v, tuple) else v) for k, v in src.items() if k != "file"})
    if len(frames) > 1:  # a (unit, year, indicator) given by two inputs is ambiguous: refused, naming both
        from ..data.validate import check_across_files

        names = [i.get("path") or i.get("source", "input") for i in inputs]
        check_across_files(list(zip(names, (f.reset_index(drop=True) for f in frames))))
    if not frames:
        raise ConfigError("Config [data]: no input; got neither files nor bundled data. Add [data] path = \"data.csv\" "
                          "or bundled = \"province\".")
    raw = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)
    raw["unit"] = raw["unit"].astype(str)
    raw["year"] = raw["year"].astype(int)
    raw["value"] = raw["value"].astype(float)
    units = pd.concat(unit_tables, ignore_index=True).drop_duplicates("unit") if unit_tables else pd.DataFrame({"unit": []})
    return raw, units, inputs


def _check_values(frame: pd.DataFrame, where: str) -> tuple[np.ndarray, np.ndarray]:
    """Values must be numbers or missing, never infinite; units and years present (one DataError naming rows).

    The cells are parsed by the reader's number parser (:func:`nqpf.data.numbers.parse_number_series`, with text
    missing markers refused: in Python, missing is NaN/None). Returns the values (float) and years (int64).
    """
    rows = _row_labels(frame.index)
    values, vp = parse_number_series(frame["value"], rows=rows, column="value", errors="return", markers=False)
    years, yp = parse_number_series(frame["year"], rows=rows, column="year", errors="return", markers=False)
    probs = []
    bad = vp[vp["kind"] == "invalid"]
    inf = bad["message"].eq(INFINITE).to_numpy(dtype=bool)
    if (~inf).any():
        r = bad["row"][~inf].head(3).tolist()
        probs.append(f"text values in rows {r} (e.g. {bad['value'][~inf].iloc[0]!r})")
    if inf.any():
        r = bad["row"][inf].head(3).tolist()
        probs.append(f"infinite values in rows {r} (indicator {frame.loc[r[0], 'indicator']!r}, unit {frame.loc[r[0], 'unit']!r})")
    for col in ("unit", "year"):
        miss = frame[col].isna()
        if miss.any():
            probs.append(f"missing {col} in rows {frame.index[miss][:3].tolist()}")
    ybad = yp[yp["kind"] == "invalid"]
    if len(ybad):
        probs.append(f"non-numeric years in rows {ybad['row'].head(3).tolist()} (e.g. {ybad['value'].iloc[0]!r})")
    y = years.to_numpy(dtype=float)
    frac = np.isfinite(y) & (y != np.round(y))
    if frac.any():
        r = frame.index[frac][:3].tolist()
        probs.append(f"years that are not whole numbers in rows {r} (e.g. {float(y[frac][0])!r})")
    if probs:
        raise DataError(f"{where}: the long table has {'; '.join(probs)}; got values that cannot be used. "
                        "Give numbers (missing as empty/NaN, never inf), a unit and a numeric year in every row; "
                        "nqpf.read_panel reads files with 「2020年」 years and text markers.")
    return values.to_numpy(dtype=float), np.nan_to_num(y, nan=0).astype(np.int64)


def _row_labels(index: pd.Index) -> np.ndarray:
    """The row labels of a table as an array, without caching a copy of a range index on the caller's table."""
    if isinstance(index, pd.RangeIndex):
        return np.arange(index.start, index.stop, index.step)
    return index.to_numpy()


def _filter(raw: pd.DataFrame, cfg: RunConfig, *, years: bool = True) -> pd.DataFrame:
    """Keep the configured units (and years, unless ``years=False``)."""
    out = raw
    if years and cfg.data.years is not None:
        lo, hi = cfg.data.years
        out = out[(out["year"] >= lo) & (out["year"] <= hi)]
        if out.empty:
            raise ConfigError(f"Config [data] years: no data in {lo}–{hi}; got years {sorted(raw['year'].unique())}. Adjust the range.")
    if cfg.data.units or cfg.data.exclude_units:
        keys = set(out["unit"])

        def resolve(u: str) -> str:
            if u in keys:
                return u
            try:
                from ..data.regions import registry

                return registry.resolve(u)
            except (ImportError, DataError):
                raise ConfigError(f"Config [data] units: unknown unit; got {u!r}. Use codes or names present in the data.") from None

        if cfg.data.units:
            out = out[out["unit"].isin({resolve(u) for u in cfg.data.units})]
        if cfg.data.exclude_units:
            out = out[~out["unit"].isin({resolve(u) for u in cfg.data.exclude_units})]
    return out


def unit_table(units: list[str], found: pd.DataFrame, cfg: RunConfig, unit_level: str) -> pd.DataFrame:
    """The unit table of a build: ``unit, unit_name, name_en``, the province groups (``region4``, ``belt3``) when
    the units are provinces, the columns found beside the inputs, and the ``[data] groups`` of the config."""
    tab = pd.DataFrame({"unit": units})
    prov = None
    if unit_level == "province" or all(len(u) == 6 and u.isdigit() and u.endswith("0000") for u in units):
        try:
            from ..data.regions import registry

            prov = registry.provinces()
        except ImportError:
            prov = None
    if prov is not None and set(units) <= set(prov["unit"]):
        p = prov.rename(columns={"name_zh": "unit_name"})
        keep = [c for c in ("unit", "unit_name", "name_en", "region4", "region4_zh", "belt3", "belt3_zh") if c in p.columns]
        tab = tab.merge(p[keep], on="unit", how="left")
    if not found.empty:
        cols = [c for c in found.columns if c != "unit" and c not in tab.columns]
        if cols:
            tab = tab.merge(found[["unit"] + cols], on="unit", how="left")
    if "unit_name" not in tab:
        tab["unit_name"] = tab["unit"]
    tab["unit_name"] = tab["unit_name"].fillna(tab["unit"]).astype(str)
    if "name_en" not in tab:
        tab["name_en"] = ""
    for gname, mapping in cfg.data.groups.items():
        tab[gname] = tab["unit"].map(lambda u: mapping.get(u, mapping.get(tab.set_index("unit").at[u, "unit_name"], "")))
    front = ["unit", "unit_name", "name_en"]
    return tab[front + [c for c in tab.columns if c not in front]].fillna("")


_unit_table = unit_table  # build_from_frames has a parameter called unit_table
_framework_of = resolve_framework  # the former private name


def derive_filtered(raw: pd.DataFrame, framework: Framework, cfg: RunConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Derive indicators on every year of the data (growth rates see the year before the first
    kept year), then keep the configured units and years."""
    wide, log = derive_wide(_filter(raw, cfg, years=False), framework)
    if cfg.data.years is not None:
        lo, hi = cfg.data.years
        yrs = wide.index.get_level_values(1)
        wide = wide[(yrs >= lo) & (yrs <= hi)]
        if wide.empty:
            raise ConfigError(f"Config [data] years: no data in {lo}–{hi}; got years {sorted(set(yrs))}. Adjust the range.")
        wide.index = wide.index.remove_unused_levels()
        if len(log):
            log = log[(log["year"] >= lo) & (log["year"] <= hi)].reset_index(drop=True)
    return wide, log


def build_from_frames(
    raw: pd.DataFrame,
    framework: Framework,
    cfg: RunConfig,
    *,
    unit_table: pd.DataFrame | None = None,
    inputs: list[dict] | None = None,
    framework_info: dict | None = None,
    progress: Callable[[str], None] | None = None,
) -> IndexResult:
    """Build from an in-memory raw long table (``unit, year, indicator, value``) and a framework."""
    say = progress or (lambda s: None)
    say("quality")
    prep = prepare_inputs(raw, framework, cfg)
    framework, wide, derive_log, qres = prep.framework, prep.wide, prep.derive_log, prep.quality
    if qres is not None and len(qres.findings):
        f = qres.findings
        sev = f.loc[f["used"], "severity"].value_counts()
        n_missing = len(qres.changes)
        warnings.warn(
            f"Data quality: {len(f)} findings on the raw series, {int(f['used'].sum())} in series the framework uses "
            f"({int(sev.get('high', 0))} high, {int(sev.get('medium', 0))} medium, {int(sev.get('low', 0))} low severity); "
            + (f"{n_missing} cells set missing (changes.csv, step 'quality'); " if n_missing else "no cell changed by the screen; ")
            + "every finding is in quality.csv. Set [quality] preset = \"strict\" to refuse high-severity findings.",
            DataWarning, stacklevel=2)
    say("derive")
    no_value = set(wide.columns[wide.isna().all(axis=0).to_numpy()])  # one pass, not one Series per indicator
    empty = [i for i in framework.indicators if i in no_value]
    if empty:
        why = derive_log[derive_log["indicator"].isin(empty)].groupby("indicator")["reason"].first().to_dict() if len(derive_log) else {}
        warnings.warn(
            "Indicators with no defined value in any unit-year: "
            + ", ".join(f"{i} ({why.get(i, 'no data')})" for i in empty) + "; "
            + "they carry no information, get weight 0 and their parents are aggregated over the other components. "
            "Check the data and the derive expressions (e.g. a division by a series that is zero everywhere).",
            DataWarning, stacklevel=2)
    units = [str(u) for u in wide.index.levels[0]]
    years = [int(y) for y in wide.index.levels[1]]
    inds = framework.indicators
    # (unit, year) rows in product order → (year, unit, indicator) array
    X = wide[inds].to_numpy(dtype=float).reshape(len(units), len(years), len(inds)).transpose(1, 0, 2).copy()
    utab = _unit_table(units, unit_table if unit_table is not None else pd.DataFrame({"unit": []}), cfg, framework.unit_level)
    groups = {c: utab[c].replace("", np.nan).to_numpy(dtype=object) for c in utab.columns if c not in ("unit",)}

    out = run_engine(
        EngineInput(X=X, units=units, years=years, framework=framework, groups=groups),
        impute=cfg.impute, screen=cfg.screen, treat=cfg.treat, normalise=cfg.normalise, weight=cfg.weight,
        aggregate=cfg.aggregate, raw_for_weights=X, progress=say,
    )
    say("assemble")
    names = dict(zip(utab["unit"], utab["unit_name"]))
    scores = _scores_table(out.scores, out.nodes, units, [names.get(u, u) for u in units], years)
    quality_changes = [qres.changes] if qres is not None and len(qres.changes) else []
    if len(prep.decisions):
        quality_changes.append(prep.decisions)
    changes = pd.concat(quality_changes + [derive_log] + [c for c in out.changes if len(c)], ignore_index=True)
    changes = changes.sort_values(["step", "indicator", "unit", "year"], kind="stable").reset_index(drop=True) if len(changes) else changes
    manifest = assemble_manifest(
        cfg=cfg, framework=framework, framework_info=framework_info, inputs=inputs, units=units, years=years,
        indicators=inds, engine_steps=out.steps, changes=changes, excluded=out.excluded, qres=qres,
        activated=prep.activated, partial=out.partial)
    _warn_partial(out.partial, framework.root, names, cfg.aggregate.min_coverage)
    keys = long_keys(units, years, inds)  # the three long tables share their key columns
    result = IndexResult(
        scores=scores,
        weights=out.weights,
        normalised=frame_from_array(out.normalised, units, years, inds, keys=keys),
        treated=frame_from_array(out.treated, units, years, inds, keys=keys),
        raw=frame_from_array(X, units, years, inds, keys=keys),
        units=utab,
        changes=changes,
        excluded=out.excluded.sort_values(["year", "unit", "node"], kind="stable").reset_index(drop=True),
        framework=framework,
        treatment=out.treat_details,
        manifest=manifest,
        quality=encode_list_columns(qres.findings) if qres is not None else pd.DataFrame(),
        coverage=_coverage_table(framework, prep.raw, out.weights),
        partial=out.partial,
    )
    release_arrow_memory()
    return result


def _scores_table(S: np.ndarray, nodes: list[str], units: list[str], unit_names: list[str], years: list[int]) -> pd.DataFrame:
    """The scores table ``unit, unit_name, year, node, score, rank`` of a (T, n, N) score array (year-major, unit,
    then node order); ``score`` is ``S`` itself (not copied)."""
    T, n, N = S.shape
    R = rank_desc(S).reshape(-1)
    missing = np.isnan(R)
    rank = pd.arrays.IntegerArray(np.where(missing, 0, R).astype(np.int64), missing)
    del R
    unit_codes = np.tile(np.repeat(np.arange(n, dtype=np.int32), N), T)
    return pd.DataFrame({
        "unit": sorted_categorical(unit_codes, units),
        "unit_name": sorted_categorical(unit_codes, unit_names),
        "year": np.repeat(np.asarray(years, dtype=np.int64), n * N),
        "node": sorted_categorical(np.tile(np.arange(N, dtype=np.int32), T * n), nodes),
        "score": S.reshape(-1),
        "rank": rank,
    }, copy=False)


def _warn_partial(partial: pd.DataFrame, root: str, names: Mapping[str, str], min_coverage: float) -> None:
    """One warning when index scores were computed from fewer than all indicators (partial.csv has every case)."""
    p = partial[partial["node"] == root] if len(partial) else partial
    if not len(p):
        return
    ex = "; ".join(f"{names.get(r.unit, r.unit)} {r.year}: {r.n_used} of {r.n_indicators} indicators, missing "
                   f"{', '.join(json.loads(r.missing)[:3])}{' …' if len(json.loads(r.missing)) > 3 else ''}"
                   for r in p.head(3).itertuples())
    warnings.warn(
        f"Partial coverage: {len(p)} unit-year(s) have an index score computed from fewer than all indicators "
        f"({ex}{'; …' if len(p) > 3 else ''}); the weights of the present ones were re-normalised, so these scores "
        f"measure less than the others (lowest weight share {p['weight_share'].min():.3f}, aggregate.min_coverage = "
        f"{min_coverage:g}). Every case, with the missing indicators, is in partial.csv; raise [aggregate] min_coverage "
        "to leave them unscored or fill the gaps ([impute] method).",
        DataWarning, stacklevel=3)


def _coverage_table(framework: Framework, raw: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Indicators by element × driver × type, with their effective weights (mean over years when yearly)."""
    from ..framework.model import coverage

    eff = None
    if len(weights) and "effective_weight" in weights:
        leaf = weights[weights["node"].isin(framework.indicators)]
        eff = leaf.groupby("node")["effective_weight"].mean()
    available = raw.loc[raw["value"].notna(), "indicator"].unique()
    return coverage(framework, available, weights=eff)


def build(
    config: str | Path | Mapping[str, Any] | RunConfig,
    *,
    data: pd.DataFrame | None = None,
    framework: Framework | str | Mapping | None = None,
    progress: Callable[[str], None] | None = None,
) -> IndexResult:
    """Build a composite index from one config (a TOML path or the same content as a dict).

    Parameters
    ----------
    config
        Path to the run config (TOML, or a saved ``manifest.json`` to replay) or a dict.
    data
        Optional long DataFrame ``unit, year, indicator, value`` used in addition to the config's files.
    framework
        Optional framework overriding ``[framework] path``.
    progress
        Callback receiving the name of each step as it starts.

    Returns
    -------
    IndexResult

    Examples
    --------
    >>> import nqpf
    >>> res = nqpf.build({"data": {"bundled": "province", "years": [2020, 2022]},
    ...                   "framework": {"path": "scitech_province"}})
    >>> res.ranking(2022)["unit_name"].head(3).tolist()
    ['北京', '上海', '天津']
    """
    if is_manifest(config):  # a saved run: replay it exactly (or refuse, naming why)
        return regenerate(read_manifest(config), data=data, framework=framework)
    cfg = load_config(config)
    say = progress or (lambda s: None)
    say("read")
    fw, fw_info = resolve_framework(cfg, framework)
    raw, found_units, inputs = load_inputs(cfg, data)
    return _build_recording_warnings(raw, fw, cfg, found_units, inputs, fw_info, say)


def _build_recording_warnings(raw, fw, cfg, found_units, inputs, fw_info, say) -> IndexResult:
    """:func:`build_from_frames`, recording every nqpf warning in the manifest and passing it on."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = build_from_frames(raw, fw, cfg, unit_table=found_units, inputs=inputs, framework_info=fw_info, progress=say)
    seen: set[str] = set()
    for w in caught:  # record every warning in the manifest, then pass it on to the caller
        msg = str(w.message)
        if msg in seen or not issubclass(w.category, NqpfWarning):
            continue
        seen.add(msg)
        res.manifest.setdefault("warnings", []).append({"category": w.category.__name__, "message": msg})
        warnings.warn(msg, w.category, stacklevel=3)
    return res


def _replay_framework(m: Mapping[str, Any], cfg: RunConfig, framework: Framework | str | Path | Mapping | None):
    """The framework argument that replays a manifest's framework exactly, or a ConfigError naming why not."""
    info = m.get("framework") or {}
    source = info.get("source")
    want = info.get("content_sha256")
    if source == "python object" or source is None:
        if framework is None:
            raise ConfigError(
                f"regenerate: this run was built with a framework passed as a Python object (id {info.get('id')!r}); "
                "got no framework. Pass the same framework again: nqpf.regenerate(manifest, framework=...)."
            )
        fw = load_framework(framework)
        if want and framework_sha256(fw) != want:
            raise ConfigError(
                f"regenerate: the framework passed differs from the one the run was built with (id {info.get('id')!r}); "
                f"got content sha256 {framework_sha256(fw)[:12]}… instead of {want[:12]}…. Pass the original framework."
            )
        return fw
    if framework is not None:
        raise ConfigError(
            f"regenerate: the run's framework is recorded in the manifest ({source}); got a framework argument as well. "
            "Leave framework out to replay the recorded one, or use nqpf.build to run another framework."
        )
    recorded = info.get("sha256")
    if source.startswith("builtin:"):
        name = source.split(":", 1)[1]
        builtins = builtin_frameworks()
        if name in builtins and (not recorded or file_sha256(builtins[name]) == recorded):
            return None if info.get("given_as", "config") == "config" and cfg.framework.path == name else name
        same = [n for n, p in builtins.items() if recorded and file_sha256(p) == recorded]
        if same:  # the built-in was revised and the old version kept under a versioned name
            return same[0]
        raise ConfigError(
            f"regenerate: built-in framework {name!r} has changed since this run (nqpf {m.get('nqpf_version', '?')}) and "
            f"no built-in framework of nqpf {__version__} has the recorded content; got sha256 "
            f"{(file_sha256(builtins[name])[:12] + '…') if name in builtins else 'none'} instead of {str(recorded)[:12]}…. "
            f"Replay with nqpf {m.get('nqpf_version', 'of the run')}, or rebuild with the current framework."
        )
    path = cfg.resolve(source) if info.get("given_as", "config") == "config" else Path(source)
    if not path.exists():
        raise ConfigError(f"regenerate: framework file {source!r} not found; got no file at that path. "
                          "Restore the framework file the run was built with.")
    if recorded and file_sha256(path) != recorded:
        raise ConfigError(
            f"regenerate: framework file {source!r} changed since the manifest was written; got sha256 "
            f"{file_sha256(path)[:12]}… instead of {recorded[:12]}…. Restore the original file to reproduce the run."
        )
    return None if info.get("given_as", "config") == "config" else source


def regenerate(manifest: str | Path | Mapping[str, Any], *, data: pd.DataFrame | Panel | None = None,
               framework: Framework | str | Path | Mapping | None = None) -> IndexResult:
    """Re-run a build from its saved manifest (``manifest.json`` path or dict).

    Replay is exact or refused: the framework is the one recorded in the manifest (a built-in by name and
    file hash — a revised built-in is replayed from its kept versioned copy —, a file by path and hash, or,
    for a framework passed as a Python object, the ``framework`` argument checked against the recorded
    content hash); every input is re-read and its hash checked before anything is computed. An in-memory
    ``data`` table of the original build must be passed again (``data=``) and is checked the same way.

    Raises
    ------
    ConfigError
        When the framework cannot be replayed exactly (changed, missing, or not passed again).
    DataError
        When an input changed, or ``data`` is missing, extra or different.
    """
    m = read_manifest(manifest)
    needs = m.get("replay_requires")
    if needs is None and not m.get("regenerable", False):
        raise ConfigError("regenerate: this manifest is marked regenerable = false; got a build that cannot be replayed.")
    cfg = load_config(m["config"])
    old_inputs = m.get("inputs", [])
    had_frame = [i for i in old_inputs if i.get("source") == "DataFrame"]
    if had_frame and data is None:
        raise DataError(
            f"regenerate: this run was built with an in-memory table (data=..., {had_frame[0].get('rows')} rows); got no data. "
            "Pass the same table again: nqpf.regenerate(manifest, data=...)."
        )
    if data is not None and not had_frame:
        raise DataError("regenerate: this run was built without an in-memory table; got data=... . "
                        "Leave data out to replay the recorded inputs, or use nqpf.build for new data.")
    fw_arg = _replay_framework(m, cfg, framework)
    fw, fw_info = resolve_framework(cfg, fw_arg)
    want = (m.get("framework") or {}).get("content_sha256")
    if want and fw_info.get("content_sha256") != want:  # pragma: no cover - guarded by the file hashes above
        raise ConfigError("regenerate: the replayed framework's content differs from the recorded one; got another "
                          "content hash. Restore the original framework.")
    raw, found_units, inputs = load_inputs(cfg, data)
    old = {(i.get("path") or i.get("source")): i.get("sha256") for i in old_inputs}
    for i in inputs:
        key = i.get("path") or i.get("source")
        if key in old and old[key] and i.get("sha256") and old[key] != i.get("sha256"):
            what = "the data passed" if key == "DataFrame" else f"input {key!r}"
            raise DataError(
                f"regenerate: {what} changed since the manifest was written; got sha256 {i['sha256'][:12]}… "
                f"instead of {old[key][:12]}…. Restore the original {'table' if key == 'DataFrame' else 'file'} to reproduce the run."
            )
    if fw_info.get("source") != (m.get("framework") or {}).get("source") and "source" in (m.get("framework") or {}):
        fw_info["replayed_from"] = m["framework"]["source"]
    return _build_recording_warnings(raw, fw, cfg, found_units, inputs, fw_info, None)
