"""Markdown reference of every command (``python -m nqpf.cli.reference > docs/cli.md``; checked by a test)."""
from __future__ import annotations

import typer

__all__ = ["cli_reference"]


def _walk(cmd, prefix: str):
    import click  # noqa: F401  (typer's click types are duck-typed below)

    sub = getattr(cmd, "commands", None)
    if sub:
        for name in sorted(sub):
            yield from _walk(sub[name], f"{prefix} {name}")
    else:
        yield prefix, cmd


def cli_reference() -> str:
    """Every command with its help text, arguments and options."""
    from . import app

    root = typer.main.get_command(app)
    lines = ["# Command-line reference", "", "Generated from the commands themselves "
             "(`python -m nqpf.cli.reference > docs/cli.md`); `nqpf COMMAND --help` prints the same.", ""]
    for path, cmd in _walk(root, "nqpf"):
        lines += [f"## `{path}`", "", (cmd.help or "").strip(), ""]
        rows = []
        for p in cmd.params:
            if getattr(p, "hidden", False) or p.name == "help":
                continue
            kind = "argument" if p.param_type_name == "argument" else "option"
            names = ", ".join(f"`{o}`" for o in (list(p.opts) + list(getattr(p, "secondary_opts", []))))
            default = "" if p.required or p.default is None or kind == "argument" else f"`{p.default}`"
            help_text = (getattr(p, "help", None) or "").replace("|", "\\|").replace("\n", " ")
            rows.append(f"| {names} | {kind}{' (required)' if p.required else ''} | {default} | {help_text} |")
        if rows:
            lines += ["| name | kind | default | meaning |", "| --- | --- | --- | --- |", *rows, ""]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(cli_reference())
