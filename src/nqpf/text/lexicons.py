"""Keyword dictionaries (词典) for firm-level text measures.

Built in (``src/nqpf/text/data/lexicons.csv``, see ``ATTRIBUTION.md`` there):

* ``wu2021`` — 吴非 et al. (2021, 《管理世界》) digital-transformation dictionary:
  76 terms in 5 technology groups (transcribed via ``cntext`` 2.2.1, MIT);
* ``yao2024_partial`` — the first 10 entries of 姚加权 et al. (2024) AI dictionary. **Partial**:
  refused as a stand-alone measure unless ``allow_partial=True``.

User dictionaries load from CSV (columns ``term`` and optional ``group``), TXT (one
term per line; ``# group`` lines or ``group<TAB>term`` set the group) or YAML (a
mapping ``group: [terms]``, optionally nested one level under a dictionary name).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Literal

import pandas as pd

from .._errors import ConfigError, DataError, MethodError
from .normalise import DEFAULT_NORMALISATION, Normalisation, normalise_text_reference

__all__ = ["Lexicon", "BuiltinLexicon", "BUILTIN_LEXICONS", "load_lexicon", "lexicon_from_terms"]

BuiltinLexicon = Literal["wu2021", "yao2024_partial"]
BUILTIN_LEXICONS: tuple[str, ...] = ("wu2021", "yao2024_partial")

_CITATIONS = {
    "wu2021": "吴非, 胡慧芷, 林慧妍, 任晓怡 (2021) 企业数字化转型与资本市场表现——来自股票流动性的经验证据. "
    "管理世界 37(7): 130-144+10. Terms as transcribed in cntext 2.2.1 (MIT).",
    "yao2024_partial": "姚加权, 张锟澎, 郭李鹏, 冯绪 (2024) 人工智能如何提升企业生产效率？管理世界 40(2): 101-116+133+117-122. "
    "First 10 dictionary entries only (jqyaoxjtu/TextualProcess).",
}


@dataclass(frozen=True)
class Lexicon:
    """A keyword dictionary: terms with groups.

    Attributes
    ----------
    name : identifier used in indicator names (``wu2021``, or the file stem of a user lexicon).
    terms : DataFrame with columns ``group``, ``term`` (as written in the source), one row per
        (group, term); a term may belong to several groups.
    partial : True when the dictionary is known to be incomplete (refused as a measure unless
        forced).
    citation : where the terms come from.

    Examples
    --------
    >>> lex = load_lexicon("wu2021")
    >>> len(lex), lex.groups[:2]
    (76, ['artificial_intelligence', 'big_data'])
    >>> lex.normalised_terms()["nfc支付"]
    ['NFC支付']
    """

    name: str
    terms: pd.DataFrame = field(repr=False)
    partial: bool = False
    citation: str = ""

    def __len__(self) -> int:
        return int(self.terms["term"].nunique())

    @property
    def groups(self) -> list[str]:
        """Group ids in order of first appearance."""
        return list(dict.fromkeys(self.terms["group"]))

    def normalised_terms(self, normalisation: Normalisation = DEFAULT_NORMALISATION) -> dict[str, list[str]]:
        """Map each normalised term to the source terms it stands for.

        Terms are normalised exactly like the text; two source terms that become the
        same string (``B2B`` and ``b2b``) are matched once and reported under both.
        """
        out: dict[str, list[str]] = {}
        for term in dict.fromkeys(self.terms["term"]):
            # the plain definition: identical to the text's fast path, without building its table
            key = normalise_text_reference(term, nfkc=normalisation.nfkc, lower=normalisation.lower,
                                           remove_whitespace=normalisation.remove_whitespace)
            if not key:
                raise DataError(
                    f"lexicon {self.name!r}: term {term!r} is empty after normalisation ({normalisation.label}); "
                    f"got {term!r}. Remove the term or disable the normalisation step that empties it."
                )
            out.setdefault(key, []).append(term)
        return out

    def term_groups(self) -> dict[str, list[str]]:
        """Map each source term to its groups."""
        return {t: list(g) for t, g in self.terms.groupby("term", sort=False)["group"]}

    def fingerprint(self) -> str:
        """SHA-256 (first 16 hex digits) of the (group, term) rows; recorded in run manifests."""
        h = hashlib.sha256()
        for g, t in zip(self.terms["group"], self.terms["term"]):
            h.update(f"{g}\t{t}\n".encode())
        return h.hexdigest()[:16]

    def require_complete(self, *, allow_partial: bool, where: str) -> None:
        """Raise :class:`MethodError` for a partial dictionary unless ``allow_partial``."""
        if self.partial and not allow_partial:
            raise MethodError(
                f"{where}: lexicon {self.name!r} is partial (only {len(self)} published terms are available) and "
                f"cannot be used as a stand-alone measure; got lexicon={self.name!r}. Use 'wu2021' or a complete user "
                f"lexicon, or pass allow_partial=True (--allow-partial) for tests and comparisons."
            )


def lexicon_from_terms(terms: dict[str, list[str]] | list[str], *, name: str = "user", partial: bool = False,
                       citation: str = "") -> Lexicon:
    """Build a :class:`Lexicon` from ``{group: [terms]}`` or a plain list (group ``'all'``).

    >>> lex = lexicon_from_terms({"mobile": ["移动互联", "移动互联网"], "b2x": ["B2B", "B2C"]}, name="demo")
    >>> lex.groups, len(lex)
    (['mobile', 'b2x'], 4)
    """
    if isinstance(terms, dict):
        rows = [(str(g), str(t).strip()) for g, ts in terms.items() for t in ts]
    else:
        rows = [("all", str(t).strip()) for t in terms]
    rows = [r for r in rows if r[1]]
    return _make(name, pd.DataFrame(rows, columns=["group", "term"]), partial=partial, citation=citation)


def _make(name: str, df: pd.DataFrame, *, partial: bool, citation: str) -> Lexicon:
    if df.empty:
        raise DataError(f"lexicon {name!r}: no terms; got 0 rows. Provide at least one term.")
    df = df.drop_duplicates(["group", "term"]).reset_index(drop=True)
    return Lexicon(name=name, terms=df, partial=partial, citation=citation)


def _read_csv(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    cols = {c.strip().lower(): c for c in df.columns}
    if "term" not in cols:
        raise DataError(
            f"{path}: the lexicon CSV needs a 'term' column; got columns {list(df.columns)}. "
            f"Use a header 'group,term' (group optional)."
        )
    out = pd.DataFrame({"group": df[cols["group"]] if "group" in cols else "all", "term": df[cols["term"]].str.strip()})
    return out[out["term"] != ""]


def _read_txt(path: Path) -> pd.DataFrame:
    rows = []
    group = "all"
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        s = line.strip()
        if not s:
            continue
        if s.startswith("#"):
            group = s.lstrip("#").strip() or "all"
        elif "\t" in s:
            g, t = s.split("\t", 1)
            rows.append((g.strip(), t.strip()))
        else:
            rows.append((group, s))
    return pd.DataFrame(rows, columns=["group", "term"])


def _read_yaml(path: Path) -> pd.DataFrame:
    import yaml

    data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    if isinstance(data, dict) and len(data) == 1 and isinstance(next(iter(data.values())), dict):
        data = next(iter(data.values()))
    if isinstance(data, list):
        data = {"all": data}
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise DataError(
            f"{path}: a YAML lexicon must map groups to lists of terms; got {type(data).__name__}. "
            f"Write e.g. 'artificial_intelligence: [人工智能, 机器学习]'."
        )
    return pd.DataFrame([(str(g), str(t).strip()) for g, ts in data.items() for t in ts], columns=["group", "term"])


def load_lexicon(source: str | Path | Lexicon, *, group: str | None = None) -> Lexicon:
    """Load a built-in or user dictionary.

    Parameters
    ----------
    source
        ``'wu2021'``, ``'yao2024_partial'``, a path to a ``.csv`` / ``.txt`` / ``.yaml`` file, or a
        :class:`Lexicon` (returned as is).
    group
        Keep only this group.

    Returns
    -------
    Lexicon

    Examples
    --------
    >>> lex = load_lexicon("wu2021")
    >>> lex.terms.groupby("group", sort=False).size().to_dict()
    {'artificial_intelligence': 15, 'big_data': 9, 'cloud_computing': 13, 'blockchain': 5, 'digital_technology_application': 34}
    >>> load_lexicon("yao2024_partial").partial
    True
    """
    if isinstance(source, Lexicon):
        lex = source
    elif str(source) in BUILTIN_LEXICONS:
        name = str(source)
        with resources.files("nqpf.text").joinpath("data/lexicons.csv").open("r", encoding="utf-8") as fh:
            df = pd.read_csv(fh, dtype=str, keep_default_na=False)
        df = df[df["source"] == name][["group", "term"]]
        lex = _make(name, df, partial=name.endswith("_partial"), citation=_CITATIONS[name])
    else:
        path = Path(source)
        if not path.is_file():
            raise ConfigError(
                f"load_lexicon: no built-in lexicon or file named {str(source)!r}; got {str(source)!r}. "
                f"Use one of {', '.join(repr(b) for b in BUILTIN_LEXICONS)} or a path to a .csv/.txt/.yaml file."
            )
        suffix = path.suffix.lower()
        readers = {".csv": _read_csv, ".txt": _read_txt, ".yaml": _read_yaml, ".yml": _read_yaml}
        if suffix not in readers:
            raise ConfigError(
                f"load_lexicon: unsupported lexicon file type; got {path.name!r}. Use a .csv, .txt or .yaml file."
            )
        lex = _make(path.stem, readers[suffix](path), partial=False, citation=str(path.name))
    if group is not None:
        if group not in lex.groups:
            raise ConfigError(
                f"load_lexicon: lexicon {lex.name!r} has no group {group!r}; got {group!r}. "
                f"Use one of {', '.join(repr(g) for g in lex.groups)}."
            )
        lex = Lexicon(name=f"{lex.name}_{group}", terms=lex.terms[lex.terms["group"] == group].reset_index(drop=True),
                      partial=lex.partial, citation=lex.citation)
    return lex
