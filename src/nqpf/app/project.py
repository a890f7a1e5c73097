"""From what the user chose on the page to a project folder: the data file, the framework file and a ``run.toml``.

A *spec* is the JSON the page sends::

    {"title": "...",
     "data": {"source": "upload:<id>" | "bundled:province", "years": [2013, 2022] | null},
     "framework": {"source": "starter" | "builtin:<name>" | "upload:<id>",
                   "edits": {"<node>": {"direction": -1, "weight": 0.2}}, "exclude": ["<indicator>", ...]},
     "methods": {"impute": {...}, "treat": {...}, "normalise": {...}, "weight": {...}, "aggregate": {...}},
     "stages": {"analysis": {...}, "report": {...}, ...}}

:func:`write_project` writes the folder; ``nqpf build run.toml`` in it is the run (the app calls
:func:`nqpf.workflow.run` on that very file, so both give the same bytes).
"""
from __future__ import annotations

import json
import re
import secrets
import shutil
import sys
import threading
import unicodedata
from pathlib import Path
from typing import Any, Mapping

import tomli_w

from .._errors import ConfigError
from ..framework import builtin_frameworks, load_framework, write_framework_csv
from ..index.config import INDEX_SECTIONS, STAGE_SECTIONS, config_from_dict
from ..report.dashboard import safe_path
from .inputs import edited_framework

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Uploads", "config_for", "check_spec", "write_project", "starter_defaults", "bundled_defaults",
           "DATA_SUFFIXES", "FRAMEWORK_SUFFIXES", "RESULTS", "CONFIG_FILE", "safe_name"]

DATA_SUFFIXES = (".csv", ".xlsx", ".xls")
FRAMEWORK_SUFFIXES = (".csv", ".xlsx", ".xls", ".toml")
#: the run folder: run.toml, the input files, and the outputs in results/
CONFIG_FILE = "run.toml"
RESULTS = "results"
_ID = re.compile(r"^[0-9a-f]{16}$")
_UNSAFE = re.compile(r"[^\w.\-()（）\u4e00-\u9fff]+")
_METHOD_STEPS = ("quality", "impute", "screen", "treat", "normalise", "weight", "aggregate")


def safe_name(name: str, default: str = "data") -> str:
    """A file name that is safe in any folder: the base name, odd characters replaced, at most 80 characters.

    >>> safe_name("../../etc/passwd"), safe_name("省级 面板(2023).csv"), safe_name("..")
    ('passwd', '省级_面板(2023).csv', 'data')
    """
    base = unicodedata.normalize("NFC", str(name)).replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = _UNSAFE.sub("_", stem).strip("._")[:72]
    suffix = _UNSAFE.sub("", suffix)[:8]
    if not stem:
        return default
    return f"{stem}.{suffix.lower()}" if suffix else stem


class Uploads:
    """Uploaded files under ``HOME/uploads/<id>/<name>``, addressed by their random id only."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()  # the starter of one upload is written once, whatever the requests in flight

    def new(self, kind: str, name: str) -> tuple[str, Path]:
        """A fresh id and the path its file is written to."""
        uid = secrets.token_hex(8)
        folder = self.root / uid
        folder.mkdir()
        (folder / "upload.json").write_text(json.dumps({"kind": kind, "name": name}, ensure_ascii=False), encoding="utf-8")
        return uid, folder / safe_name(name)

    def path(self, uid: str, kind: str | None = None) -> Path:
        """The file of upload ``uid`` (checked: a well-formed id of an existing upload of that kind)."""
        folder = safe_path(self.root, uid) if isinstance(uid, str) and _ID.match(uid) else None
        meta = folder / "upload.json" if folder is not None else None
        if meta is None or not meta.is_file():
            raise ConfigError(f"Upload {str(uid)[:40]!r}: not found; got an id the app did not issue. Upload the file again.")
        info = json.loads(meta.read_text(encoding="utf-8"))
        if kind is not None and info["kind"] != kind:
            raise ConfigError(f"Upload {uid!r}: it is a {info['kind']} file; got it where a {kind} file is needed. "
                              f"Upload a {kind} file.")
        p = folder / safe_name(info["name"])
        if not p.is_file():
            raise ConfigError(f"Upload {uid!r}: the file is gone; got an empty upload folder. Upload the file again.")
        return p

    def starter(self, uid: str) -> Path:
        """``run.toml`` + ``framework.csv`` that ``nqpf init`` writes for the data of upload ``uid`` (made once)."""
        from ..workflow.starter import init_project

        data = self.path(uid, "data")
        folder = data.parent / "starter"
        with self._lock:
            if not (folder / CONFIG_FILE).is_file():
                if folder.exists():
                    shutil.rmtree(folder)
                init_project(data, folder)
        return folder


def _read_toml(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def starter_defaults(uploads: Uploads, uid: str) -> dict[str, Any]:
    """Methods and stages of the starter config ``nqpf init`` guesses for an uploaded data file."""
    cfg = _read_toml(uploads.starter(uid) / CONFIG_FILE)
    return {"title": cfg.get("title", ""), "years": cfg.get("data", {}).get("years"),
            "methods": {k: cfg[k] for k in _METHOD_STEPS if k in cfg},
            "stages": {k: cfg[k] for k in STAGE_SECTIONS if k in cfg}}


def bundled_defaults() -> dict[str, Any]:
    """Methods and stages of the provincial demo (``nqpf demo``) for the bundled data."""
    from ..datasets import DEMO_YEARS, demo_config

    cfg = demo_config(stages=["analysis", "report"])
    return {"title": "新质生产力指数（省级）", "years": list(DEMO_YEARS),
            "methods": {k: cfg[k] for k in _METHOD_STEPS if k in cfg},
            "stages": {k: cfg[k] for k in STAGE_SECTIONS if k in cfg}}


def _source(value: Any, where: str) -> tuple[str, str]:
    kind, _, rest = str(value or "").partition(":")
    if not kind:
        raise ConfigError(f"{where}: no source chosen; got an empty choice. Upload a file or pick one from the list.")
    return kind, rest


def _clean(obj: Any) -> Any:
    """Drop ``None`` values (TOML has no null) recursively."""
    if isinstance(obj, Mapping):
        return {str(k): _clean(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj if v is not None]
    return obj


def config_for(spec: Mapping[str, Any], uploads: Uploads) -> tuple[dict[str, Any], list[tuple[Any, str]]]:
    """The run config (a TOML-ready dict, paths relative to the run folder) and the input files to put beside it:
    ``[(source path or Framework, file name)]``."""
    files: list[tuple[Any, str]] = []
    cfg: dict[str, Any] = {"title": str(spec.get("title") or "")}
    data = spec.get("data") or {}
    kind, ref = _source(data.get("source"), "Data")
    data_name = ""
    if kind == "bundled":
        if ref != "province":
            raise ConfigError(f"Data: unknown bundled data set; got {ref!r}. Choose 'province'.")
        cfg["data"] = {"bundled": "province"}
    elif kind == "upload":
        src = uploads.path(ref, "data")
        data_name = src.name if src.name not in (CONFIG_FILE, "app.json") else "data_" + src.name
        files.append((src, data_name))
        cfg["data"] = {"path": data_name}
    else:
        raise ConfigError(f"Data: unknown source; got {kind!r}. Upload a file or pick the bundled data.")
    if data.get("years"):
        y = list(data["years"])
        cfg["data"]["years"] = [int(y[0]), int(y[1])]

    fw_spec = spec.get("framework") or {}
    kind, ref = _source(fw_spec.get("source"), "Framework")
    edits = fw_spec.get("edits") or {}
    if kind == "builtin":
        if ref not in builtin_frameworks():
            raise ConfigError(f"Framework: unknown built-in framework; got {ref!r}. Choose one of {sorted(builtin_frameworks())}.")
        fw_source: Any = ref
    elif kind == "starter":
        if not str((spec.get("data") or {}).get("source", "")).startswith("upload:"):
            raise ConfigError("Framework: the starter framework is made from an uploaded data file; got bundled data. "
                              "Choose a built-in framework or upload a framework sheet.")
        fw_source = uploads.starter(str(spec["data"]["source"]).split(":", 1)[1]) / "framework.csv"
    elif kind == "upload":
        fw_source = uploads.path(ref, "framework")
    else:
        raise ConfigError(f"Framework: unknown source; got {kind!r}. Choose a built-in framework or upload a sheet.")
    taken = {data_name, CONFIG_FILE, "app.json"}
    if edits:
        fw = edited_framework(load_framework(fw_source), edits)
        name = "framework.csv" if "framework.csv" not in taken else "framework_edited.csv"
        files.append((fw, name))
        cfg["framework"] = {"path": name}
    elif isinstance(fw_source, Path):
        name = "framework" + fw_source.suffix.lower()
        name = name if name not in taken else "framework_sheet" + fw_source.suffix.lower()
        files.append((fw_source, name))
        cfg["framework"] = {"path": name}
    else:
        cfg["framework"] = {"path": fw_source}
    if fw_spec.get("exclude"):
        cfg["framework"]["exclude"] = [str(x) for x in fw_spec["exclude"]]

    for step, section in (spec.get("methods") or {}).items():
        if step not in INDEX_SECTIONS or step in ("data", "framework", "output"):
            raise ConfigError(f"Methods: unknown step; got {step!r}. Use one of {', '.join(_METHOD_STEPS)}.")
        cfg[step] = dict(section or {})
    cfg["output"] = {"dir": RESULTS}
    for name, section in (spec.get("stages") or {}).items():
        if name not in STAGE_SECTIONS:
            raise ConfigError(f"Analyses: unknown stage; got {name!r}. Use one of {', '.join(STAGE_SECTIONS)}.")
        if section is not None and section is not False:
            cfg[name] = dict(section) if isinstance(section, Mapping) else {}
    return _clean(cfg), files


def check_spec(spec: Mapping[str, Any], uploads: Uploads) -> dict[str, Any]:
    """Check a spec as ``nqpf build`` checks its config (every section against its model, before anything runs).

    Returns ``{"toml": text}``; raises the library's :class:`~nqpf.ConfigError` with its one-line message.
    """
    from ..workflow import validate_stage_sections

    cfg, _ = config_for(spec, uploads)
    validate_stage_sections(config_from_dict(cfg, source="the app's choices"))
    return {"toml": tomli_w.dumps(cfg)}


def write_project(spec: Mapping[str, Any], uploads: Uploads, folder: Path) -> Path:
    """Write ``folder/run.toml`` and its input files; returns the config path."""
    cfg, files = config_for(spec, uploads)
    from ..workflow import validate_stage_sections

    validate_stage_sections(config_from_dict(cfg, source="the app's choices"))
    folder.mkdir(parents=True, exist_ok=True)
    for src, name in files:
        if isinstance(src, Path):
            shutil.copyfile(src, folder / name)
        else:
            write_framework_csv(src, folder / name)
    path = folder / CONFIG_FILE
    path.write_text("# nqpf run config written by `nqpf app`; rerun with:  nqpf build run.toml\n" + tomli_w.dumps(cfg),
                    encoding="utf-8")
    return path
