"""The path catalogue: practical paths (实践路径) from the seed papers, as editable data.

The bundled catalogue (``nqpf/paths/data/paths.toml``) lists the paths the five seed
papers propose, each with a bilingual title and summary, the framework nodes / tags
whose weakness it addresses, its level and type, cautions and verbatim seed citations.
Users edit a copy, or write a small file that *extends* the bundled one::

    [catalogue]
    id = "my_paths"
    extends = "builtin"            # start from the bundled catalogue

    [[path]]                       # a new path (or one with a bundled id, which it replaces)
    id = "my_path"
    # title_zh, title_en, summary_zh, summary_en, citations, links … as in the bundled file

    [[link]]                       # extra links for an existing path, no need to copy it
    path = "compute_infrastructure"
    nodes = ["data_centre_racks"]

:func:`load_catalogue` validates everything and raises :class:`~nqpf.ConfigError`
naming the table, the entry and the field at fault.
"""
from __future__ import annotations

import functools
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, Mapping

import pandas as pd

from .._errors import ConfigError
from .._validation import options_of

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = [
    "Citation",
    "Caution",
    "Links",
    "PathEntry",
    "Source",
    "Catalogue",
    "PathRole",
    "PathLevel",
    "PathType",
    "CautionWhen",
    "BUILTIN_CATALOGUE",
    "load_catalogue",
    "check_citations",
    "MAX_QUOTE_CHARS",
]

PathRole = Literal["catch_up", "frontier"]
PathLevel = Literal["firm", "industry", "region"]
PathType = Literal["数字产业化", "产业数字化", "数实融合"]
CautionWhen = Literal["always", "group", "lagging"]

_ROLES = options_of(PathRole)
_LEVELS = options_of(PathLevel)
_TYPES = options_of(PathType)
_WHEN = options_of(CautionWhen)
_LINK_KEYS = ("nodes", "elements", "drivers", "types", "keywords")

#: longest accepted citation quote (the house rule is ≤ ~40 characters; a little slack for long headings)
MAX_QUOTE_CHARS = 60

#: the bundled catalogue
BUILTIN_CATALOGUE = Path(__file__).resolve().parent / "data" / "paths.toml"


@dataclass(frozen=True)
class Citation:
    """A seed citation: file name, section label and a short verbatim quote that locates the passage."""

    file: str
    section: str
    quote: str
    note: str = ""
    #: simplified-character rendering of a quote in traditional characters (003), precomputed; "" otherwise
    simplified: str = ""

    def label(self) -> str:
        """Short form used in tables, e.g. ``004 §4.1 第一「学用结合…」`` (with the simplified rendering if any)."""
        simp = f"（简体：{self.simplified}）" if self.simplified and self.simplified != self.quote else ""
        return f"{self.file[:3]} {self.section}「{self.quote}」{simp}"


@dataclass(frozen=True)
class Links:
    """What a path addresses: explicit node/indicator ids and framework tags.

    A path is linked to every framework node whose id is in ``nodes`` and to every
    node or indicator whose ``element`` / ``driver`` / ``type`` tag is in the
    corresponding list, so one catalogue works across frameworks.
    """

    nodes: tuple[str, ...] = ()
    elements: tuple[str, ...] = ()
    drivers: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    #: words matched against the Chinese and English names of sub-dimensions and indicators
    #: (e.g. "R&D人员" finds 每万人R&D人员全时当量 in any framework that has it)
    keywords: tuple[str, ...] = ()

    def merged(self, other: "Links") -> "Links":
        def u(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(dict.fromkeys(a + b))

        return Links(u(self.nodes, other.nodes), u(self.elements, other.elements),
                     u(self.drivers, other.drivers), u(self.types, other.types), u(self.keywords, other.keywords))

    def is_empty(self) -> bool:
        return not (self.nodes or self.elements or self.drivers or self.types or self.keywords)


@dataclass(frozen=True)
class Caution:
    """A precondition or caution the papers state, shown with the paths that list it.

    ``when``: ``"always"``; ``"group"`` – only for units whose group value is in ``groups``
    (e.g. ``西部`` for 东数西算); ``"lagging"`` – only for units in the lower part of the
    overall distribution.
    """

    id: str
    when: CautionWhen
    text_zh: str
    text_en: str
    citations: tuple[Citation, ...]
    groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class PathEntry:
    """One practical path."""

    id: str
    title_zh: str
    title_en: str
    summary_zh: str
    summary_en: str
    role: PathRole
    level: tuple[str, ...]
    type: str
    links: Links
    citations: tuple[Citation, ...]
    cautions: tuple[str, ...] = ()
    #: place-context tags (see nqpf.paths.context) that make the path fit a unit better
    contexts: tuple[str, ...] = ()
    #: True: the path is considered only for units that have one of ``contexts``
    context_only: bool = False
    #: why the path fits its contexts (named in the reasons), bilingual
    context_note_zh: str = ""
    context_note_en: str = ""

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_zh

    def summary(self, lang: str) -> str:
        return self.summary_en if lang == "en" else self.summary_zh


@dataclass(frozen=True)
class Source:
    """A cited text."""

    file: str
    short: str = ""
    title_zh: str = ""
    title_en: str = ""
    #: the full bibliographic entry, as far as the text itself states it (no invented fields)
    reference: str = ""
    #: what the entry lacks or contains besides the paper (e.g. a second article on the same page)
    note: str = ""


@dataclass(frozen=True)
class Catalogue:
    """A validated path catalogue (see :func:`load_catalogue`).

    Attributes
    ----------
    id, name_zh, name_en, version, description : metadata.
    paths : the paths, in file order.
    cautions : the cautions, in file order.
    sources : the cited texts.
    origin : file(s) the catalogue was read from (for messages).
    """

    id: str
    paths: tuple[PathEntry, ...]
    cautions: tuple[Caution, ...] = ()
    sources: tuple[Source, ...] = ()
    name_zh: str = ""
    name_en: str = ""
    version: str = ""
    description: str = ""
    origin: str = ""

    @property
    def path_by_id(self) -> dict[str, PathEntry]:
        return {p.id: p for p in self.paths}

    @property
    def caution_by_id(self) -> dict[str, Caution]:
        return {c.id: c for c in self.cautions}

    @property
    def source_by_file(self) -> dict[str, Source]:
        return {s.file: s for s in self.sources}

    def citations(self) -> pd.DataFrame:
        """Every citation: ``owner_kind, owner, file, section, quote``."""
        rows = []
        for p in self.paths:
            rows += [{"owner_kind": "path", "owner": p.id, "file": c.file, "section": c.section, "quote": c.quote,
                      "simplified": c.simplified} for c in p.citations]
        for c in self.cautions:
            rows += [{"owner_kind": "caution", "owner": c.id, "file": q.file, "section": q.section, "quote": q.quote,
                      "simplified": q.simplified} for q in c.citations]
        return pd.DataFrame(rows, columns=["owner_kind", "owner", "file", "section", "quote", "simplified"])

    def to_frame(self) -> pd.DataFrame:
        """One row per path (links and citations flattened with ``|``)."""
        rows = []
        for p in self.paths:
            rows.append({
                "id": p.id, "title_zh": p.title_zh, "title_en": p.title_en, "role": p.role,
                "level": "|".join(p.level), "type": p.type,
                "nodes": "|".join(p.links.nodes), "elements": "|".join(p.links.elements),
                "drivers": "|".join(p.links.drivers), "types": "|".join(p.links.types),
                "keywords": "|".join(p.links.keywords), "contexts": "|".join(p.contexts), "context_only": p.context_only,
                "cautions": "|".join(p.cautions),
                "citations": " | ".join(c.label() for c in p.citations),
            })
        return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- parsing

def _fail(where: str, what: str, got: Any, fix: str) -> ConfigError:
    return ConfigError(f"{where}: {what}; got {got!r}. {fix}")


def _str(d: Mapping[str, Any], key: str, where: str, *, required: bool = True) -> str:
    v = d.get(key, "")
    if not isinstance(v, str):
        raise _fail(f"{where}, field {key!r}", "must be a string", v, "Quote the value in the TOML file.")
    if required and not v.strip():
        raise _fail(f"{where}, field {key!r}", "is required and must not be empty", v, f"Add {key} = \"…\".")
    return v.strip()


def _strs(d: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    v = d.get(key, [])
    if isinstance(v, str):
        v = [v]
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise _fail(f"{where}, field {key!r}", "must be a list of strings", v, f'Write {key} = ["…", "…"].')
    return tuple(x.strip() for x in v if x.strip())


def _bool(d: Mapping[str, Any], key: str, where: str) -> bool:
    v = d.get(key, False)
    if not isinstance(v, bool):
        raise _fail(f"{where}, field {key!r}", "must be true or false", v, f"Write {key} = true.")
    if v and not d.get("contexts"):
        raise _fail(f"{where}, field {key!r}", "needs a non-empty contexts list", d.get("contexts"),
                    'Write contexts = ["东北振兴"] (tags of nqpf.paths.context).')
    return v


def _check_keys(d: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    extra = sorted(set(d) - set(allowed))
    if extra:
        raise _fail(where, "has unknown fields", extra, f"Allowed fields: {', '.join(allowed)}.")


def _citation(d: Any, where: str) -> Citation:
    if not isinstance(d, Mapping):
        raise _fail(where, "must be a table { file, section, quote }", d, "Write { file = \"…\", section = \"…\", quote = \"…\" }.")
    _check_keys(d, ("file", "section", "quote", "note", "simplified"), where)
    quote = _str(d, "quote", where)
    if len(quote) > MAX_QUOTE_CHARS:
        raise _fail(f"{where}, field 'quote'", f"must be at most {MAX_QUOTE_CHARS} characters (a locating quote, not a passage)",
                    f"{len(quote)} characters", "Shorten the quote to a distinctive verbatim phrase.")
    return Citation(file=_str(d, "file", where), section=_str(d, "section", where), quote=quote,
                    note=_str(d, "note", where, required=False), simplified=_str(d, "simplified", where, required=False))


def _citations(d: Mapping[str, Any], where: str, *, required: bool = True) -> tuple[Citation, ...]:
    raw = d.get("citations", [])
    if not isinstance(raw, list):
        raise _fail(f"{where}, field 'citations'", "must be a list of tables", raw, "Write citations = [ { file = …, section = …, quote = … } ].")
    if required and not raw:
        raise _fail(f"{where}, field 'citations'", "needs at least one seed citation", raw,
                    "Add citations = [ { file = \"004_….txt\", section = \"§4.1\", quote = \"…\" } ].")
    return tuple(_citation(c, f"{where}, citation {k + 1}") for k, c in enumerate(raw))


def _links(d: Any, where: str) -> Links:
    if d is None:
        return Links()
    if not isinstance(d, Mapping):
        raise _fail(where, "must be a table", d, "Write links = { nodes = [...], elements = [...], drivers = [...], types = [...] }.")
    _check_keys(d, _LINK_KEYS, where)
    return Links(*(_strs(d, k, where) for k in _LINK_KEYS))  # order of _LINK_KEYS = fields of Links


def _choice(value: Any, allowed: tuple[str, ...], where: str) -> str:
    if value not in allowed:
        raise _fail(where, "must be one of " + ", ".join(repr(a) for a in allowed), value, "Use one of the allowed values.")
    return value


def _path(d: Any, where: str) -> PathEntry:
    if not isinstance(d, Mapping):
        raise _fail(where, "must be a table", d, "Write a [[path]] table.")
    _check_keys(d, ("id", "title_zh", "title_en", "summary_zh", "summary_en", "role", "level", "type", "links",
                    "cautions", "citations", "contexts", "context_only", "context_note_zh", "context_note_en"), where)
    pid = _str(d, "id", where)
    where = f"{where} {pid!r}"
    if any(ch.isspace() for ch in pid):
        raise _fail(f"{where}, field 'id'", "must not contain spaces", pid, "Use a snake_case id.")
    level = _strs(d, "level", where)
    if not level:
        raise _fail(f"{where}, field 'level'", "needs at least one level", list(level), 'Write level = ["region"] (firm, industry, region).')
    for lv in level:
        _choice(lv, _LEVELS, f"{where}, field 'level'")
    links = _links(d.get("links"), f"{where}, field 'links'")
    if links.is_empty():
        raise _fail(f"{where}, field 'links'", "must link the path to at least one node, element, driver or type", {},
                    'Add links = { elements = ["劳动者"] } or node ids of your framework.')  # keywords count as links too
    return PathEntry(
        id=pid,
        title_zh=_str(d, "title_zh", where), title_en=_str(d, "title_en", where),
        summary_zh=_str(d, "summary_zh", where), summary_en=_str(d, "summary_en", where),
        role=_choice(d.get("role", "catch_up"), _ROLES, f"{where}, field 'role'"),  # type: ignore[arg-type]
        level=level,
        type=_choice(d.get("type"), _TYPES, f"{where}, field 'type'"),
        links=links,
        citations=_citations(d, where),
        cautions=_strs(d, "cautions", where),
        contexts=_strs(d, "contexts", where),
        context_only=_bool(d, "context_only", where),
        context_note_zh=_str(d, "context_note_zh", where, required=False),
        context_note_en=_str(d, "context_note_en", where, required=False),
    )


def _caution(d: Any, where: str) -> Caution:
    if not isinstance(d, Mapping):
        raise _fail(where, "must be a table", d, "Write a [[caution]] table.")
    _check_keys(d, ("id", "when", "groups", "text_zh", "text_en", "citations"), where)
    cid = _str(d, "id", where)
    where = f"{where} {cid!r}"
    when = _choice(d.get("when", "always"), _WHEN, f"{where}, field 'when'")
    groups = _strs(d, "groups", where)
    if when == "group" and not groups:
        raise _fail(f"{where}, field 'groups'", "is required when when = \"group\"", [], 'Write groups = ["西部"].')
    return Caution(id=cid, when=when, text_zh=_str(d, "text_zh", where), text_en=_str(d, "text_en", where),  # type: ignore[arg-type]
                   citations=_citations(d, where), groups=groups)


def _read(source: str | Path) -> tuple[dict[str, Any], str]:
    p = Path(source)
    if not p.exists():
        raise ConfigError(f"load_catalogue: file not found; got {str(source)!r}. Give the path of a catalogue TOML file.")
    try:
        return tomllib.loads(p.read_text(encoding="utf-8")), p.name
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p.name}: is not valid TOML; got {exc}. Fix the syntax at the position given.") from None


def _dupes(ids: list[str]) -> list[str]:
    return sorted({i for i in ids if ids.count(i) > 1})


def catalogue_from_dict(data: Mapping[str, Any], *, origin: str = "") -> Catalogue:
    """Build and validate a :class:`Catalogue` from parsed TOML (see module docstring)."""
    where0 = origin or "catalogue"
    _check_keys(data, ("catalogue", "source", "caution", "path", "link"), where0)
    meta = data.get("catalogue", {})
    if not isinstance(meta, Mapping):
        raise _fail(f"{where0}, [catalogue]", "must be a table", meta, "Write a [catalogue] table.")
    _check_keys(meta, ("id", "name_zh", "name_en", "version", "description", "extends"), f"{where0}, [catalogue]")
    extends = meta.get("extends", "")
    base: Catalogue | None = None
    if extends:
        if extends != "builtin":
            raise _fail(f"{where0}, [catalogue], field 'extends'", "must be \"builtin\" (extend the bundled catalogue) or absent",
                        extends, "Copy the other catalogue's paths into this file instead.")
        base = load_catalogue(None)

    sources = []
    for k, s in enumerate(data.get("source", [])):
        w = f"{where0}, [[source]] #{k + 1}"
        if not isinstance(s, Mapping):
            raise _fail(w, "must be a table", s, "Write a [[source]] table.")
        _check_keys(s, ("file", "short", "title_zh", "title_en", "reference", "note"), w)
        sources.append(Source(file=_str(s, "file", w), short=_str(s, "short", w, required=False),
                              title_zh=_str(s, "title_zh", w, required=False), title_en=_str(s, "title_en", w, required=False),
                              reference=_str(s, "reference", w, required=False), note=_str(s, "note", w, required=False)))
    cautions = [_caution(c, f"{where0}, [[caution]] #{k + 1}") for k, c in enumerate(data.get("caution", []))]
    paths = [_path(p, f"{where0}, [[path]] #{k + 1}") for k, p in enumerate(data.get("path", []))]
    for label, ids in (("[[source]] files", [s.file for s in sources]), ("[[caution]] ids", [c.id for c in cautions]),
                       ("[[path]] ids", [p.id for p in paths])):
        d = _dupes(ids)
        if d:
            raise _fail(where0, f"duplicate {label}", d, "Give every entry a unique id (file).")

    if base is not None:
        own = {p.id for p in paths}
        paths = [p for p in base.paths if p.id not in own] + paths
        own_c = {c.id for c in cautions}
        cautions = [c for c in base.cautions if c.id not in own_c] + cautions
        own_s = {s.file for s in sources}
        sources = [s for s in base.sources if s.file not in own_s] + sources

    # [[link]]: extra links for existing paths
    by_id = {p.id: k for k, p in enumerate(paths)}
    for k, lk in enumerate(data.get("link", [])):
        w = f"{where0}, [[link]] #{k + 1}"
        if not isinstance(lk, Mapping):
            raise _fail(w, "must be a table", lk, "Write a [[link]] table with path = \"…\" and nodes/elements/drivers/types.")
        _check_keys(lk, ("path",) + _LINK_KEYS, w)
        pid = _str(lk, "path", w)
        if pid not in by_id:
            raise _fail(f"{w}, field 'path'", "names an unknown path", pid, f"Use one of: {', '.join(sorted(by_id))}.")
        extra = _links({k2: v for k2, v in lk.items() if k2 != "path"}, w)
        i = by_id[pid]
        paths[i] = replace(paths[i], links=paths[i].links.merged(extra))

    # relations: citation files among sources, caution ids exist
    known_files = {s.file for s in sources}
    caution_ids = {c.id for c in cautions}
    if known_files:
        for owner, cits in [(f"[[path]] {p.id!r}", p.citations) for p in paths] + [(f"[[caution]] {c.id!r}", c.citations) for c in cautions]:
            bad = sorted({c.file for c in cits} - known_files)
            if bad:
                raise _fail(f"{where0}, {owner}, citations", "cite files not declared as [[source]]", bad,
                            "Add a [[source]] table for the file or correct the file name.")
    for p in paths:
        bad = [c for c in p.cautions if c not in caution_ids]
        if bad:
            raise _fail(f"{where0}, [[path]] {p.id!r}, field 'cautions'", "names unknown cautions", bad,
                        f"Use ids of [[caution]] tables: {', '.join(sorted(caution_ids)) or '(none declared)'}.")
    if not paths:
        raise _fail(where0, "has no paths", [], "Add [[path]] tables (or extends = \"builtin\").")
    return Catalogue(
        id=_str(meta, "id", f"{where0}, [catalogue]", required=False) or (base.id if base else "catalogue"),
        name_zh=_str(meta, "name_zh", where0, required=False), name_en=_str(meta, "name_en", where0, required=False),
        version=str(meta.get("version", "")), description=_str(meta, "description", where0, required=False),
        paths=tuple(paths), cautions=tuple(cautions), sources=tuple(sources),
        origin=(f"{base.origin} + {origin}" if base else origin),
    )


@functools.lru_cache(maxsize=1)
def _builtin() -> Catalogue:
    """The bundled catalogue, parsed once (a Catalogue is immutable)."""
    data, _ = _read(BUILTIN_CATALOGUE)
    return catalogue_from_dict(data, origin="paths.toml (bundled)")


def load_catalogue(source: str | Path | Mapping[str, Any] | Catalogue | None = None) -> Catalogue:
    """Load and validate a path catalogue.

    Parameters
    ----------
    source
        ``None`` (the bundled catalogue), a TOML file, a parsed dict, or a :class:`Catalogue`
        (returned unchanged).

    Returns
    -------
    Catalogue

    Raises
    ------
    ConfigError
        For unreadable files, unknown fields, missing titles or citations, unknown roles, levels,
        types or caution ids, paths without links, duplicate ids.

    Examples
    --------
    >>> from nqpf.paths import load_catalogue
    >>> cat = load_catalogue()
    >>> len(cat.paths) >= 20
    True
    >>> cat.path_by_id["future_industries"].role
    'frontier'
    """
    if isinstance(source, Catalogue):
        return source
    if source is None:
        return _builtin()
    if isinstance(source, Mapping):
        return catalogue_from_dict(source, origin="catalogue dict")
    data, origin = _read(source)
    return catalogue_from_dict(data, origin=origin)


def check_citations(catalogue: Catalogue, seeds_dir: str | Path) -> pd.DataFrame:
    """Check every citation quote against the cited texts.

    Parameters
    ----------
    catalogue
        A loaded catalogue.
    seeds_dir
        Folder holding the cited files.

    Returns
    -------
    DataFrame
        ``owner_kind, owner, file, section, quote, found, problem`` — ``found`` is True when the
        quote occurs verbatim (exact characters) in the named file; ``problem`` explains failures.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.txt").write_text("发展新质生产力要因地制宜", encoding="utf-8")
    >>> cat = load_catalogue({"source": [{"file": "a.txt"}], "path": [{"id": "p", "title_zh": "路径", "title_en": "Path",
    ...     "summary_zh": "摘要", "summary_en": "Summary", "role": "catch_up", "level": ["region"], "type": "数实融合",
    ...     "links": {"elements": ["劳动者"]}, "citations": [{"file": "a.txt", "section": "§1", "quote": "因地制宜"}]}]})
    >>> check_citations(cat, d)["found"].tolist()
    [True]
    """
    seeds = Path(seeds_dir)
    cits = catalogue.citations()
    texts: dict[str, str | None] = {}
    found, problem = [], []
    for f, q in zip(cits["file"], cits["quote"]):
        if f not in texts:
            p = seeds / f
            texts[f] = p.read_text(encoding="utf-8") if p.exists() else None
        t = texts[f]
        if t is None:
            found.append(False)
            problem.append(f"file {f!r} not found in {seeds.name}")
        elif q in t:
            found.append(True)
            problem.append("")
        else:
            found.append(False)
            problem.append("quote does not occur verbatim in the file")
    out = cits.copy()
    out["found"] = found
    out["problem"] = problem
    return out
