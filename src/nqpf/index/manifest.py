"""The build manifest: what a run records about itself, assembled from small pure functions.

A manifest (``DIR/manifest.json``) holds the nqpf and package versions, the validated config, the
input records with their hashes, the framework record (source, file and content hashes), the ordered
steps with every parameter, counts of changed cells, the replay record (``regenerable``,
``replay_requires``) and the data-quality summary. :func:`nqpf.index.build.build_from_frames` calls
:func:`assemble_manifest`; :meth:`nqpf.index.result.IndexResult.save` writes :func:`portable_manifest`;
:func:`nqpf.regenerate` reads it back with :func:`read_manifest`.
"""
from __future__ import annotations

import hashlib
import importlib.metadata as md
import json
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from .. import __version__
from .._errors import ConfigError
from ..framework.model import Framework

__all__ = ["file_sha256", "frame_sha256", "framework_sha256", "package_versions", "replay_record", "run_steps",
           "change_counts", "changes_record", "excluded_record", "quality_record", "framework_record",
           "assemble_manifest", "is_manifest", "read_manifest", "portable_manifest", "manifest_json", "PACKAGES"]

#: the packages whose versions a manifest records (besides nqpf)
PACKAGES = ("numpy", "pandas", "scipy", "pyarrow", "pydantic")


# ---------------------------------------------------------------------------- hashes
def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (read in 1 MiB chunks)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def frame_sha256(df: pd.DataFrame) -> str:
    """Order-independent SHA-256 of a table: the sum (mod 2^64) of its row hashes, with the shape."""
    cols = sorted(df.columns)
    rows = pd.util.hash_pandas_object(df[cols], index=False).to_numpy(dtype=np.uint64)
    digest = f"{len(df)}|{','.join(cols)}|{int(rows.sum(dtype=np.uint64))}|{int(np.bitwise_xor.reduce(rows)) if len(rows) else 0}"
    return hashlib.sha256(digest.encode()).hexdigest()


def framework_sha256(fw: Framework) -> str:
    """SHA-256 of a framework's content (its TOML structure as canonical JSON), whatever it was read from."""
    from ..framework.io import framework_to_dict

    text = json.dumps(framework_to_dict(fw), ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def package_versions() -> dict[str, str]:
    """``{"nqpf": version, package: version …}`` of :data:`PACKAGES` (``"not installed"`` when absent)."""
    out = {"nqpf": __version__}
    for p in PACKAGES:
        try:
            out[p] = md.version(p)
        except md.PackageNotFoundError:  # pragma: no cover
            out[p] = "not installed"
    return out


# ---------------------------------------------------------------------------- records
def replay_record(inputs: Sequence[Mapping[str, Any]], framework_info: Mapping[str, Any]) -> dict[str, Any]:
    """``regenerable`` (the manifest alone replays the build) and ``replay_requires`` (the arguments a
    replay must be given again: ``data`` for an in-memory table, ``framework`` for a framework object).

    >>> replay_record([{"source": "DataFrame"}], {"source": "builtin:x"})
    {'regenerable': False, 'replay_requires': ['data']}
    """
    needs = []
    if any(i.get("source") == "DataFrame" for i in inputs):
        needs.append("data")
    if framework_info.get("source") == "python object":
        needs.append("framework")
    return {"regenerable": not needs, "replay_requires": needs}


def run_steps(quality_params: dict[str, Any], framework: Framework, indicators: Sequence[str],
              engine_steps: Sequence[dict]) -> list[dict]:
    """The ordered steps of a build: the quality screen, the derivations, then the engine's steps."""
    derive = {i: framework.by_id[i].derive or f"series({i})" for i in indicators}
    return [{"name": "quality", "params": quality_params},
            {"name": "derive", "params": {"expressions": derive}}] + list(engine_steps)


def change_counts(changes: pd.DataFrame, *, quality_findings: int, excluded: int,
                  partial: pd.DataFrame | None = None, root: str | None = None) -> dict[str, int]:
    """How many cells each step changed (``changes.csv``), quality findings, unit-year-nodes without a score and
    scored unit-year-nodes computed from only some of their indicators (``partial.csv``)."""
    def step(name: str) -> int:
        return int((changes["step"] == name).sum()) if len(changes) else 0

    return {
        "changed_cells": int(len(changes)),
        "imputed": step("impute"),
        "treated": step("treat"),
        "derive_missing": step("derive"),
        "quality_set_missing": step("quality"),
        "decisions": step("decision"),
        "quality_findings": int(quality_findings),
        # unit-year × node scores over only some components (weights re-normalised), in changes.csv step "aggregate"
        "reweighted": step("aggregate"),
        "excluded": int(excluded),
        # unit-year × node scores computed from fewer than all the indicators under the node, in partial.csv;
        # partial_unit_years counts those of the index itself (the root node)
        "partial": int(len(partial)) if partial is not None else 0,
        "partial_unit_years": int((partial["node"] == root).sum()) if partial is not None and len(partial) else 0,
    }


def changes_record(changes: pd.DataFrame) -> dict[str, Any]:
    """``changes.csv``: its hash and the number of cells per step, reason and indicator."""
    return {
        "file": "changes.csv",
        "sha256": frame_sha256(changes) if len(changes) else "",
        "summary": (changes.groupby(["step", "reason", "indicator"], observed=True).size().rename("cells")
                    .reset_index().to_dict(orient="records") if len(changes) else []),
    }


def partial_record(partial: pd.DataFrame | None, root: str) -> dict[str, Any]:
    """``partial.csv``: per node, how many unit-years were scored from only some indicators and the lowest weight
    share; the first unit-years of the root (unit, year, indicators used of all, missing ids)."""
    if partial is None or not len(partial):
        return {"file": "partial.csv", "summary": [], "root_examples": []}
    g = partial.groupby("node", sort=False).agg(unit_years=("unit", "size"), min_weight_share=("weight_share", "min"))
    top = partial[partial["node"] == root].head(10)
    return {
        "file": "partial.csv",
        "summary": [{"node": str(k), "unit_years": int(r.unit_years), "min_weight_share": round(float(r.min_weight_share), 6)}
                    for k, r in g.iterrows()],
        "root_examples": [{"unit": str(r.unit), "year": int(r.year), "n_used": int(r.n_used), "n_indicators": int(r.n_indicators),
                           "missing": json.loads(r.missing)} for r in top.itertuples()],
    }


def excluded_record(excluded: pd.DataFrame) -> dict[str, Any]:
    """``excluded.csv``: the number of unit-years per node and reason."""
    return {
        "file": "excluded.csv",
        "summary": (excluded.groupby(["node", "reason"]).size().rename("unit_years").reset_index()
                    .to_dict(orient="records") if len(excluded) else []),
    }


def quality_record(qres: Any) -> dict[str, Any]:
    """The data-quality screen (:meth:`nqpf.index.quality.QualityResult.manifest`) with its high-severity
    findings (the rest are in ``quality.csv``); ``{"preset": "off"}`` when it did not run."""
    if qres is None:
        return {"preset": "off"}
    rec = qres.manifest()
    if len(qres.findings):
        hi = qres.findings[qres.findings["severity"].eq("high")]
        rec["high_severity"] = [
            {k: (bool(v) if k == "used" else json_list(v) if k in ("year_list", "cells") else str(v)) for k, v in r.items()}
            for r in hi[["unit", "series", "years", "rule", "action", "used", "year_list", "cells"]].to_dict(orient="records")]
        rec["file"] = "quality.csv"
    return rec


def json_list(v: Any) -> list:
    """A list cell of the findings as plain JSON (years as int, cells as [unit, year]): the manifest holds the same
    values as the JSON text of ``quality.csv`` (:func:`nqpf.index.quality.encode_list_columns`)."""
    from .quality import _plain

    return _plain(list(v)) if isinstance(v, (list, tuple)) else []


def framework_record(info: Mapping[str, Any] | None, framework: Framework, *, activated: Any) -> dict[str, Any]:
    """The framework's record (:func:`nqpf.index.build.resolve_framework`, else its id) with the declared
    indicators activated or missing, and the framework's description and ``decisions*`` tags when given."""
    rec = dict(info or {"id": framework.id}, activated_declared=activated,
               declared_missing=[d for d in getattr(framework, "declared_ids", [])])
    decisions = {k: v for k, v in framework.by_id[framework.root].tags.items() if k.startswith("decisions")}
    if framework.description or decisions:
        rec = dict(rec, description=framework.description, **decisions)
    return rec


def assemble_manifest(
    *,
    cfg: Any,
    framework: Framework,
    framework_info: Mapping[str, Any] | None,
    inputs: list[dict] | None,
    units: Sequence[str],
    years: list[int],
    indicators: list[str],
    engine_steps: Sequence[dict],
    changes: pd.DataFrame,
    excluded: pd.DataFrame,
    qres: Any,
    activated: Any,
    partial: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The manifest of a build (keys in their recorded order)."""
    inputs = inputs or []
    manifest: dict[str, Any] = {
        "nqpf_version": __version__,
        "versions": package_versions(),
        "title": cfg.title,
        "config": json.loads(cfg.model_dump_json()),
        "inputs": inputs,
        "framework": framework_record(framework_info, framework, activated=activated),
        "steps": run_steps(json.loads(cfg.quality.model_dump_json()), framework, indicators, engine_steps),
        "units": len(units),
        "years": years,
        "indicators": indicators,
        "counts": change_counts(changes, quality_findings=len(qres.findings) if qres is not None else 0,
                                excluded=len(excluded), partial=partial, root=framework.root),
        **replay_record(inputs, framework_info or {}),
        # every changed or undefined cell is in changes.csv (and every unit-year without a score in
        # excluded.csv); the manifest records how many per step, reason and indicator, and their hashes
        "changes": changes_record(changes),
        "excluded": excluded_record(excluded),
        "partial": partial_record(partial, framework.root),
        "quality": quality_record(qres),
    }
    if any(i.get("source") == "bundled:province" for i in inputs):
        from ..datasets import bundle_manifest

        manifest["bundled_data"] = bundle_manifest()
    return manifest


# ---------------------------------------------------------------------------- reading and saving
def is_manifest(config: Any) -> bool:
    """A saved ``manifest.json`` (path, or its content as a dict) rather than a run config."""
    if isinstance(config, Mapping):
        return "nqpf_version" in config and "config" in config
    if isinstance(config, (str, Path)) and str(config).lower().endswith(".json") and Path(config).is_file():
        try:
            data = json.loads(Path(config).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(data, dict) and "nqpf_version" in data and "config" in data
    return False


def read_manifest(manifest: str | Path | Mapping[str, Any]) -> dict[str, Any]:
    """A saved manifest (run folder, ``manifest.json`` path or dict) with its config's ``base_dir`` absolute
    again (saved relative to the run folder, see :func:`portable_manifest`)."""
    if not isinstance(manifest, (str, Path)):
        return dict(manifest)
    path = Path(manifest)
    if path.is_dir():
        path = path / "manifest.json"
    if not path.is_file():
        raise ConfigError(f"regenerate: no manifest.json at {str(path)!r}; got a folder that is not an nqpf run. "
                          "Give the --out folder of 'nqpf build' or its manifest.json.")
    try:
        m = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"regenerate: {path.name} is not a readable manifest; got {type(exc).__name__}: {exc}. "
                          "The file is truncated or edited: rebuild the run with nqpf build.") from None
    if not isinstance(m, dict) or "config" not in m:
        raise ConfigError(f"regenerate: {path.name} is not an nqpf manifest; got no config in it. Give a run folder of nqpf build.")
    base = (m.get("config") or {}).get("base_dir") or ""
    if base and not Path(base).is_absolute():
        m["config"] = dict(m["config"], base_dir=str((path.parent / base).resolve()))
    return m


def portable_manifest(manifest: dict, directory: Path) -> dict:
    """The manifest as saved in ``directory``: the config's ``base_dir`` (where its relative input paths
    start) relative to that folder, so that a project folder can move and no machine path is written.

    >>> portable_manifest({"config": {"base_dir": "/p/proj"}}, Path("/p/proj/runs/a"))["config"]["base_dir"]
    '../..'
    """
    cfg = manifest.get("config") or {}
    base = cfg.get("base_dir") or ""
    if not base or not Path(base).is_absolute():
        return manifest
    try:
        rel = os.path.relpath(Path(base), Path(directory).resolve())
    except ValueError:  # another drive: keep it absolute
        return manifest
    return dict(manifest, config=dict(cfg, base_dir=Path(rel).as_posix()))


def manifest_json(manifest: dict, directory: Path) -> str:
    """The text of ``DIR/manifest.json``: :func:`portable_manifest`, sorted keys, two-space indent, a final newline."""
    return json.dumps(portable_manifest(manifest, directory), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
