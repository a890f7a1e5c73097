"""The command line imports only the module of the command it runs (``nqpf.cli.COMMANDS``)."""
from __future__ import annotations

import subprocess
import sys

import nqpf.cli as cli


def _names(application) -> set[str]:
    return {c.name for c in application.registered_commands} | {g.name for g in application.registered_groups}


def test_commands_map_each_command_to_the_module_that_registers_it():
    by_module = {m: _names(cli.make_app((m,))) for m in cli.COMMAND_MODULES}
    expected = {name: m for m, names in by_module.items() for name in names}
    assert cli.COMMANDS == expected
    assert _names(cli.app) == set(expected)  # the full application has every command once


def test_command_app_registers_the_named_command_only_or_all():
    assert _names(cli.command_app(["report", "DIR", "--lang", "en"])) == {"report"}
    assert _names(cli.command_app(["framework", "list"])) == {"build", "regenerate", "validate", "demo", "framework"}
    assert cli.command_app(["--help"]) is cli.app
    assert cli.command_app(["reprot"]) is cli.app  # unknown: the full app, so that typer can suggest "report"
    assert cli.command_app([]) is cli.app


def test_report_command_does_not_import_the_analysis_suite():
    code = ("import sys, nqpf.cli as c\nsys.argv = ['nqpf', 'report', '--help']\n"
            "try:\n    c.main()\nexcept SystemExit as e:\n    code = e.code\n"
            "print(code, 'nqpf.analysis' in sys.modules, 'nqpf.workflow' in sys.modules, 'scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "0 False False False"
    assert "--figures" in out.stdout  # the help of the command itself
