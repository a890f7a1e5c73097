"""Reading and validating stage config sections (TOML tables checked by pydantic models).

Shared by the stages that accept their own config file (``nqpf explain``, ``nqpf gtfp``) and by
those that validate a dict (``report``), so that every stage reports a bad file, a missing
section or an invalid key with the same message template.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from ._errors import ConfigError

__all__ = ["read_toml_section", "validate_section", "format_validation_error"]

_M = TypeVar("_M")


def read_toml_section(path: str | Path, section: str, *, file_hint: str, section_hint: str) -> tuple[dict, dict]:
    """Read a TOML file and return its ``[section]`` table and the whole document.

    ``file_hint`` ends the message of a missing file, ``section_hint`` that of a missing
    ``[section]``; an unreadable TOML file is reported with its parser message.

    Examples
    --------
    >>> import os, tempfile
    >>> p = os.path.join(tempfile.mkdtemp(), "c.toml")
    >>> _ = open(p, "w", encoding="utf-8").write('[gtfp]\\ninputs = ["x"]\\n')
    >>> read_toml_section(p, "gtfp", file_hint="", section_hint="")[0]
    {'inputs': ['x']}
    """
    import tomllib

    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{section}: config file not found; got {str(path)!r}. {file_hint}")
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path.name}: invalid TOML; got {exc}. Fix the syntax.") from None
    table = doc.get(section)
    if not isinstance(table, dict):
        raise ConfigError(f"{path.name}: no [{section}] section; got sections {sorted(doc)}. {section_hint}")
    return table, doc


def validate_section(model: type[_M], section: Any, *, where: str, fix: str) -> _M:
    """Validate ``section`` as ``model`` (a pydantic model); the first problem becomes a :class:`~nqpf.ConfigError`.

    The message names ``where``, the offending key path, pydantic's message and the value
    given, and ends with ``fix``.

    Examples
    --------
    >>> from pydantic import BaseModel
    >>> class Opts(BaseModel):
    ...     digits: int = 3
    >>> validate_section(Opts, {"digits": 4}, where="[demo]", fix="").digits
    4
    >>> validate_section(Opts, {"digits": "x"}, where="[demo]", fix="See the docs.")
    Traceback (most recent call last):
    nqpf._errors.ConfigError: [demo]: digits: Input should be a valid integer, unable to parse string as an integer; got 'x'. See the docs.
    """
    from pydantic import ValidationError

    try:
        return model.model_validate(section)  # type: ignore[attr-defined]
    except ValidationError as exc:
        raise ConfigError(format_validation_error(exc, where=where, fix=fix, limit=1)) from None


def format_validation_error(exc: Any, *, where: str, fix: str = "", limit: int = 10, label: str = "") -> str:
    """The one message of an invalid config (a pydantic ``ValidationError``), in the package template.

    ``<where>: [<label> — ]<key path>: <problem>; got <value>[; …][ (and n more)]. <fix>`` — the first
    ``limit`` problems, each naming its key path and the value given.

    Examples
    --------
    >>> from pydantic import BaseModel, ValidationError
    >>> class Opts(BaseModel):
    ...     digits: int = 3
    >>> try:
    ...     Opts.model_validate({"digits": "x"})
    ... except ValidationError as exc:
    ...     print(format_validation_error(exc, where="Config [demo]", label="invalid", fix="See the docs."))
    Config [demo]: invalid — digits: Input should be a valid integer, unable to parse string as an integer; got 'x'. See the docs.
    """
    errors = exc.errors()
    parts = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}; got {e.get('input')!r}" for e in errors[:limit]]
    more = f" (and {len(errors) - limit} more)" if len(errors) > limit else ""
    head = f"{where}: {label} — " if label else f"{where}: "
    return head + "; ".join(parts) + more + "." + (f" {fix}" if fix else "")
