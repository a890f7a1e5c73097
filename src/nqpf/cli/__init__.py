"""The ``nqpf`` command line: a thin typer shell over the Python API.

Each command group lives in its own module of this package and exposes
``register(app)``; modules present in the package are registered in the order
of :data:`COMMAND_MODULES`. Library errors (:class:`nqpf.NqpfError`) become a
one-line ``Error: …`` message and exit code 1.
"""
from __future__ import annotations

import functools
import importlib
import importlib.util
import os
import sys

import typer

from .._errors import NqpfError, unexpected_error_message  # noqa: F401 - re-exported

__all__ = ["app", "main", "COMMAND_MODULES"]

COMMAND_MODULES = (
    "build",      # nqpf build, nqpf regenerate, nqpf validate, nqpf demo
    "init",       # nqpf init DATA: run.toml + framework.csv
    "analyze",    # nqpf analyze KIND
    "sensitivity",
    "explain",
    "gtfp",
    "text",       # nqpf text count
    "guide",
    "serve",
    "report",
    "webapp",     # nqpf app: the local web application (module not named app: that is the typer object)
)

#: the first word of each command → the module of this package that registers it: ``nqpf report …`` imports
#: only ``nqpf.cli.report`` (the other modules import the library for their options' choices; about a second).
#: tests/test_cli_lazy.py checks it against the commands the modules register.
COMMANDS = {
    "build": "build", "regenerate": "build", "validate": "build", "demo": "build", "framework": "build",
    "init": "init", "analyze": "analyze", "sensitivity": "sensitivity", "explain": "explain", "gtfp": "gtfp",
    "text": "text", "guide": "guide", "guide-check": "guide", "serve": "serve", "report": "report", "app": "webapp",
}


def _print_version(value: bool) -> None:
    """Eager callback of ``--version``: runs while the options are parsed, before typer asks for a command."""
    if value:
        from .. import __version__

        typer.echo(f"nqpf {__version__}")
        raise typer.Exit(0)


def _root(
    version: bool = typer.Option(False, "--version", help="Print the nqpf version and exit.", is_eager=True,
                                 callback=_print_version),
) -> None:
    pass


def make_app(modules: "tuple[str, ...]" = COMMAND_MODULES) -> typer.Typer:
    """The ``nqpf`` application with the commands of ``modules`` (modules of this package; default: all)."""
    application = typer.Typer(
        name="nqpf",
        help=(
            "nqpf — measure, diagnose and explain New Quality Productive Forces (新质生产力).\n\n"
            "Build a composite index (熵值法 entropy weights, 极差标准化 min–max normalisation, TOPSIS …) "
            "from one config file plus data, analyse it (Dagum 基尼系数, Moran's I, Markov, 耦合协调度, "
            "障碍度 …) and write tables, figures, an HTML report and per-unit path guides."
        ),
        no_args_is_help=True,
        add_completion=False,
        rich_markup_mode="rich",
        pretty_exceptions_enable=False,
    )
    application.callback()(_root)
    for name in modules:
        full = f"{__name__}.{name}"
        if importlib.util.find_spec(full) is not None:
            importlib.import_module(full).register(application)
    return application


@functools.lru_cache(maxsize=1)
def full_app() -> typer.Typer:
    """The application with every command (made once)."""
    return make_app()


def __getattr__(name: str):
    """``nqpf.cli.app``: :func:`full_app`, made when first asked for."""
    if name == "app":
        return full_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def command_app(argv: "list[str]") -> typer.Typer:
    """The application :func:`main` runs for the arguments ``argv``: only the module of the command named
    (the first argument that is not an option), every command when none is named or the name is unknown
    (``nqpf --help`` lists them all; a misspelt command gets typer's suggestions)."""
    first = next((a for a in argv if not a.startswith("-")), None)
    module = COMMANDS.get(first)
    return make_app((module,)) if module is not None else full_app()


def main() -> None:
    """Console-script entry point: typer handles usage errors and exit codes; a library error that a
    command did not already turn into one line becomes ``Error: …`` with exit code 1."""
    import warnings

    def _show(message, category, filename, lineno, file=None, line=None):  # one line, no source path
        typer.echo(f"Warning ({category.__name__}): {message}", err=True)

    warnings.showwarning = _show
    try:
        command_app(sys.argv[1:])()
    except NqpfError as exc:
        typer.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        sys.exit(130)
    except Exception as exc:  # anything else still reaches the user as one line
        if os.environ.get("NQPF_DEBUG"):
            raise
        typer.echo(f"Error: {unexpected_error_message(exc)}", err=True)
        sys.exit(2)
    finally:
        _quick_exit()


def _quick_exit() -> None:
    """Before the interpreter exits: move every object to the collector's permanent generation (``gc.freeze``),
    so that the collections of the interpreter's shutdown do not walk them. The command's work is done and its
    files are closed; after a demo run those walks over the objects of the imported libraries (libpysal alone:
    0.4 s) took about a second. Objects are still freed and atexit handlers still run."""
    import gc

    sys.stdout.flush()
    sys.stderr.flush()
    gc.freeze()


