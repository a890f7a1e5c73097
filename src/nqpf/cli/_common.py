"""Shared helpers for CLI command modules."""
from __future__ import annotations

import functools
import typing
from enum import Enum
from typing import Any, Callable

import typer

from .._errors import NqpfError

__all__ = ["handle_errors", "console", "choice_enum"]


def console():
    """A rich console on stderr (progress and tables go there; data goes to files)."""
    from rich.console import Console

    return Console(stderr=True)


def handle_errors(func: Callable) -> Callable:
    """Turn an :class:`NqpfError` into one ``Error: …`` line and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except NqpfError as exc:
            typer.echo(f"Error: {exc}", err=True)
            raise typer.Exit(1) from None

    return wrapper


def choice_enum(name: str, options: Any, *, exclude: tuple[str, ...] = ()) -> type[Enum]:
    """A ``str`` Enum for a typer option, built from the ``Literal`` alias that declares the option set
    (one source for the config model, the CLI choices and the docs). Member names use ``_`` for ``-``."""
    values = [v for v in typing.get_args(options) if v not in exclude]
    return Enum(name, {str(v).replace("-", "_"): v for v in values}, type=str)  # type: ignore[return-value]
