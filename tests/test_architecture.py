"""Architecture guards.

(a) The package dependency direction, read from the imports (ast) of every module of src/nqpf —
    module-level and function-level (lazy) imports alike:

        base (_errors, _results, _config, _validation, _ranking, _stages, _csvsafe, _format)
          ← data (+ datasets: bundled inputs)
          ← framework ← index
          ← analyses (analysis, spatial, gtfp, explain, sensitivity, text, levels)
          ← paths ← report ← workflow (nqpf.workflow; run.py, pipeline.py, demo.py re-export it) ← cli

    A module may import its own package and any lower layer. Inside the analyses layer the packages
    are independent of each other, except that every one may use ``nqpf.spatial`` (the shared
    spatial building blocks), and ``nqpf.spatial`` itself uses only the layers below. The known
    exceptions are listed in ALLOWED with the reason of each, so the test fails on every NEW one.

(b) Every ``Result`` subclass of the package (the results contract of docs/architecture.md) is built
    from a small real computation (the registry in tests/test_results_common.py).
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "nqpf"

LAYERS: dict[str, int] = {
    "_errors": 0, "_results": 0, "_config": 0, "_validation": 0, "_ranking": 0, "_stages": 0, "_csvsafe": 0, "_format": 0,
    "data": 1, "datasets": 1,
    "framework": 2,
    "index": 3,
    "analysis": 4, "spatial": 4, "gtfp": 4, "explain": 4, "sensitivity": 4, "text": 4, "levels": 4,
    "paths": 5,
    "report": 6,
    "workflow": 7, "run": 7, "pipeline": 7, "demo": 7,
    "cli": 8, "app": 8,
}
ANALYSES = {p for p, layer in LAYERS.items() if layer == 4}

#: (importing module, imported module) → why the edge exists. Remove an entry when the edge goes.
ALLOWED: dict[tuple[str, str], str] = {
    ("nqpf.datasets._bundle", "nqpf.framework"): "ai_indicators_template() loads the bundled framework (lazy import); "
                                                 "datasets holds bundled inputs and sits below framework",
    ("nqpf.datasets._bundle", "nqpf.framework.model"): "ai_indicators_template() reads the declared series of the "
                                                       "framework (lazy import), as above",
    ("nqpf.framework.derive", "nqpf.gtfp"): "the derivation op gtfp(k, l, …, y, b) computes green TFP with "
                                            "nqpf.gtfp.gtfp_indicator (lazy import); a registry of derivation ops "
                                            "filled by gtfp would invert the edge",
}


def _module_name(path: Path) -> tuple[str, bool]:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    is_pkg = parts[-1] == "__init__"
    if is_pkg:
        parts = parts[:-1]
    return ".".join(parts), is_pkg


def _resolve(name: str) -> str:
    """The longest prefix of ``name`` that is a module or package of src/ (``nqpf.x.y`` where y is a name → ``nqpf.x``)."""
    parts = name.split(".")
    while parts:
        base = SRC.joinpath(*parts)
        if base.with_suffix(".py").exists() or (base / "__init__.py").exists():
            return ".".join(parts)
        parts = parts[:-1]
    return name


def import_edges() -> set[tuple[str, str]]:
    """Every (module, imported nqpf module) pair of src/nqpf, relative imports resolved."""
    edges: set[tuple[str, str]] = set()
    for path in sorted(PKG.rglob("*.py")):
        mod, is_pkg = _module_name(path)
        package = mod if is_pkg else mod.rsplit(".", 1)[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    stem = ".".join(base + ([node.module] if node.module else []))
                else:
                    stem = node.module or ""
                if stem.split(".")[0] == "nqpf":
                    targets = [f"{stem}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.split(".")[0] == "nqpf"]
            edges.update((mod, _resolve(t)) for t in targets)
    return edges


def _package(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None  # None: the nqpf facade (nqpf/__init__.py re-exports the API)


def violations() -> dict[tuple[str, str], str]:
    out = {}
    for src, dst in import_edges():
        a, b = _package(src), _package(dst)
        if a is None or b is None or a == b:
            continue
        assert a in LAYERS, f"{src}: package {a!r} has no layer; add it to LAYERS in tests/test_architecture.py"
        assert b in LAYERS, f"{dst}: package {b!r} has no layer; add it to LAYERS in tests/test_architecture.py"
        if LAYERS[b] > LAYERS[a]:
            out[(src, dst)] = f"{a} (layer {LAYERS[a]}) imports {b} (layer {LAYERS[b]})"
        elif a in ANALYSES and b in ANALYSES and b != "spatial":
            out[(src, dst)] = f"analysis package {a} imports analysis package {b} (only nqpf.spatial is shared)"
    return out


def test_every_package_has_a_layer():
    packages = {p.stem if p.is_file() else p.name for p in PKG.iterdir()
                if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()}
    assert packages == set(LAYERS), f"unlayered: {sorted(packages - set(LAYERS))}, gone: {sorted(set(LAYERS) - packages)}"


def test_dependency_direction():
    found = violations()
    new = {k: v for k, v in found.items() if k not in ALLOWED}
    assert not new, "imports against the dependency direction (docs/architecture.md):\n" + "\n".join(
        f"  {s} -> {d}: {why}" for (s, d), why in sorted(new.items()))
    stale = sorted(set(ALLOWED) - set(found))
    assert not stale, f"allow-list entries whose import is gone (remove them): {stale}"


def test_library_never_imports_cli_or_report():
    """docs/architecture.md: library code never imports nqpf.cli or nqpf.report (the layers from report up may:
    report, workflow and its re-exports, cli and app)."""
    above = {p for p, layer in LAYERS.items() if layer >= LAYERS["report"]}
    bad = sorted((s, d) for s, d in import_edges()
                 if _package(d) in ("cli", "report") and _package(s) not in above | {None}
                 and (s, d) not in ALLOWED)
    assert not bad


def test_guard_sees_lazy_and_relative_imports():
    edges = import_edges()
    assert ("nqpf.explain.spatial", "nqpf.spatial.panel") in edges          # from ..spatial.panel import …
    assert ("nqpf.analysis.convergence.spatial_beta", "nqpf.spatial.weights") in edges
    assert ("nqpf.framework.derive", "nqpf.gtfp") in edges                   # lazy, inside a function
    assert not any(_package(d) in ANALYSES - {"spatial"} for s, d in edges if _package(s) == "spatial")


def test_app_and_cli_are_siblings_over_the_workflow():
    """The app and the command line are two shells over nqpf.workflow: neither imports the other's modules
    (the ``nqpf app`` command in cli/webapp.py starts the server, the one permitted edge)."""
    edges = sorted((s, d) for s, d in import_edges()
                   if {_package(s), _package(d)} == {"app", "cli"} and not s.startswith("nqpf.cli.webapp"))
    assert edges == []


@pytest.mark.parametrize("edge", sorted(ALLOWED), ids=lambda e: f"{e[0]}->{e[1]}")
def test_allow_list_reasons_are_given(edge):
    assert len(ALLOWED[edge]) > 20
