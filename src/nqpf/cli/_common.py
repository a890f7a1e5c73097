"""Shared helpers for CLI command modules."""
from __future__ import annotations

import functools
from typing import Callable

import typer

from .._errors import NqpfError

__all__ = ["handle_errors", "console"]


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
