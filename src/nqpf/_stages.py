"""The contract of a post-build stage: :class:`Stage`, :class:`StageContext`, :class:`StageOutput`.

Base layer, so that every stage module (``nqpf.analysis.stage``, ``nqpf.report.stage`` …) can declare
its stage without importing the workflow that runs it. The ordered tuple of stages and the run
itself live in :mod:`nqpf.workflow`.

A stage owns one section of the run config (``[analysis]``, ``[sensitivity]`` …), validates it with
its own pydantic model, runs on the :class:`~nqpf.index.result.IndexResult` with a typed
:class:`StageContext` and returns a :class:`StageOutput`: the tables saved as
``DIR/<stage>/<table>.csv`` and the result objects a later stage reads **by kind**
(:meth:`StageContext.results`), never by table name or column.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

__all__ = ["Stage", "StageContext", "StageOutput"]


@dataclass(frozen=True)
class StageOutput(Mapping[str, Any]):
    """What a stage returns.

    Attributes
    ----------
    tables : ``{name: DataFrame}``, saved as ``DIR/<stage>/<name>.csv`` (in this order).
    results : ``{label: Result}`` — the result objects behind the tables (``dagum:NQPF:region4``,
        ``uncertainty`` …); later stages find them by their ``kind``.
    artefacts : other objects a stage hands back (``guides``, ``files`` of the paths stage, the
        report's ``_outputs``); not saved.

    A ``StageOutput`` is a read-only mapping of its tables (``out["analysis_log"]``).
    """

    tables: Mapping[str, Any] = field(default_factory=dict)
    results: Mapping[str, Any] = field(default_factory=dict)
    artefacts: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any] | None) -> "StageOutput":
        """Split a plain ``{name: object}`` dict: DataFrames are tables, ``_results`` the results, the rest artefacts."""
        import pandas as pd

        if isinstance(mapping, StageOutput):
            return mapping
        tables: dict[str, Any] = {}
        results: dict[str, Any] = {}
        artefacts: dict[str, Any] = {}
        for name, obj in (mapping or {}).items():
            if name == "_results" and isinstance(obj, Mapping):
                results.update(obj)
            elif isinstance(obj, pd.DataFrame):
                tables[name] = obj
            else:
                artefacts[name] = obj
        return cls(tables=tables, results=results, artefacts=artefacts)

    def table_kinds(self) -> dict[str, str]:
        """The kind of every table: ``<result kind>.<result table>`` for a table that holds a table of one of
        the stage's results (``dagum_totals`` of a Dagum result → ``dagum.totals``, ``uncertainty_rank_stats`` →
        ``uncertainty.rank_stats``), else the table's own name (``analysis_log``).

        A stage table named ``<prefix>_<name>`` (or ``<name>``) holds table ``name`` of a result; when several
        results have such a table, the one whose kind is the prefix wins, then the longest table name.
        Downstream code (the report's figures) chooses by these kinds, never by the columns a table has.

        Examples
        --------
        >>> import pandas as pd
        >>> from nqpf._results import Result
        >>> class R(Result):
        ...     kind = "dagum"
        ...     def tables(self): return {"totals": pd.DataFrame({"G": [0.1]})}
        >>> StageOutput(tables={"dagum_totals": pd.DataFrame(), "analysis_log": pd.DataFrame()},
        ...             results={"dagum:NQPF:region4": R()}).table_kinds()
        {'dagum_totals': 'dagum.totals', 'analysis_log': 'analysis_log'}
        """
        found: dict[tuple[str, str], None] = {}
        for res in self.results.values():
            kind = getattr(res, "kind", None)
            tables = getattr(res, "tables", None)
            if not isinstance(kind, str) or not callable(tables):
                continue
            for name in tables():
                found[(kind, str(name))] = None
        out: dict[str, str] = {}
        for table in self.tables:
            hits = [(k, n) for k, n in found if table == n or table.endswith("_" + n)]
            if not hits:
                out[table] = table
                continue
            k, n = max(hits, key=lambda h: (table == f"{h[0].replace('-', '_')}_{h[1]}", len(h[1])))
            out[table] = f"{k}.{n}"
        return out

    def describe(self) -> dict[str, Any]:
        """What ``stages.json`` records of the stage: ``tables`` ``{name: kind}`` (:meth:`table_kinds`),
        ``results`` ``{label: kind}`` and the names of the ``artefacts``."""
        return {"tables": self.table_kinds(),
                "results": {str(k): str(getattr(v, "kind", type(v).__name__)) for k, v in self.results.items()},
                "artefacts": sorted(self.artefacts)}

    def names(self) -> list[str]:
        """Sorted names of what the stage returned (``stages.json``): its tables, ``_results`` when it
        returned result objects, and its artefacts."""
        return sorted([*self.tables, *(["_results"] if self.results else []), *self.artefacts])

    # read-only mapping of the tables
    def __getitem__(self, name: str) -> Any:
        return self.tables[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.tables)

    def __len__(self) -> int:
        return len(self.tables)


@dataclass(frozen=True)
class StageContext:
    """What a stage is given besides the index result and its own config section.

    Attributes
    ----------
    config : the run config (:class:`~nqpf.index.config.RunConfig`), or None outside a run.
    config_dir : folder that relative paths of the config resolve against.
    out_dir : the stage's own output folder ``DIR/<stage>`` (None: do not write files).
    run_dir : the run folder ``DIR`` (None: not saved).
    data : the data passed to the run (None: the config's inputs).
    progress : callback receiving short step messages, or None.
    earlier : the outputs of the stages that ran before, by stage name.
    ahead : what the stage's own :attr:`Stage.ahead` started before its turn (None when it has none).
    """

    config: Any = None
    config_dir: Path | None = None
    out_dir: Path | None = None
    run_dir: Path | None = None
    data: Any = None
    progress: Callable[[str], None] | None = None
    earlier: Mapping[str, StageOutput] = field(default_factory=dict)
    ahead: Any = None

    @classmethod
    def coerce(cls, context: "StageContext | Mapping[str, Any] | None") -> "StageContext":
        """A :class:`StageContext` from itself, None, or a plain dict with the same keys (earlier stage
        outputs under their stage names, as plain dicts or :class:`StageOutput`)."""
        if isinstance(context, StageContext):
            return context
        ctx = dict(context or {})
        known = {"config", "config_dir", "out_dir", "run_dir", "data", "progress"}
        earlier = {k: StageOutput.from_mapping(v) for k, v in ctx.items() if k not in known and isinstance(v, Mapping)}
        cd = ctx.get("config_dir")
        return cls(config=ctx.get("config"), config_dir=Path(cd) if cd is not None else None,
                   out_dir=ctx.get("out_dir"), run_dir=ctx.get("run_dir"), data=ctx.get("data"),
                   progress=ctx.get("progress"), earlier=earlier)

    def say(self, message: str) -> None:
        """Report a step to the progress callback (if any)."""
        if self.progress:
            self.progress(message)

    def resolve(self, path: str | Path) -> Path:
        """``path`` relative to the config's folder (absolute paths unchanged)."""
        p = Path(path)
        if p.is_absolute():
            return p
        if self.config is not None and hasattr(self.config, "resolve"):
            return Path(self.config.resolve(str(path)))
        return Path(self.config_dir or Path.cwd()) / p

    def results(self, *kinds: str) -> list[Any]:
        """Result objects of the earlier stages whose ``kind`` is one of ``kinds`` (all when none given),
        in stage order and, within a stage, in the order it produced them."""
        out = []
        for output in self.earlier.values():
            for res in output.results.values():
                if not kinds or getattr(res, "kind", None) in kinds:
                    out.append(res)
        return out

    def result(self, kind: str) -> Any | None:
        """The first earlier result of ``kind``, or None."""
        found = self.results(kind)
        return found[0] if found else None


@dataclass(frozen=True)
class Stage:
    """A post-build stage.

    Attributes
    ----------
    name : config section and output sub-folder name.
    order : documented position (analysis 10, sensitivity 20, validation 25, explain 30, gtfp 35,
        paths 40, report 90); :data:`nqpf.workflow.STAGES` lists the stages in this order.
    config_model : pydantic model validating the config section (extra keys forbidden).
    run : ``run(result, config, context: StageContext) -> StageOutput``.
    description : one line for the docs.
    ahead : optional ``ahead(result, config, context, started) -> started``: work the stage can begin before
        its turn from the outputs so far (``context.earlier``), e.g. the report's figures of the index and the
        analysis tables, drawn by a forked process while the later stages run. The run calls it after the build
        and after each stage that is not the last before this one, passing what the previous call returned
        (None at first); the last value reaches the stage as ``context.ahead``. If the run fails first, the
        value's ``cancel()`` is called.
    """

    name: str
    order: int
    config_model: type
    run: Callable[..., StageOutput]
    description: str = ""
    ahead: Callable[..., Any] | None = None
