"""CLI: help texts, build, regenerate, validate, framework commands, one-line errors."""
from __future__ import annotations

import filecmp

import pytest
from typer.testing import CliRunner

from nqpf.cli import app
from _shared import REPO

runner = CliRunner()
EXAMPLE = str(REPO / "examples" / "scitech.toml")


def test_root_help_lists_commands_with_chinese_terms():
    r = runner.invoke(app, ["--help"])
    assert r.exit_code == 0
    for word in ("build", "regenerate", "validate", "demo", "framework", "熵值法", "极差标准化"):
        assert word in r.output


@pytest.mark.parametrize("cmd", [["build"], ["regenerate"], ["validate"], ["demo"], ["framework", "export"], ["framework", "show"]])
def test_every_command_has_help(cmd):
    r = runner.invoke(app, cmd + ["--help"])
    assert r.exit_code == 0 and "Usage" in r.output and len(r.output) > 200


def test_build_regenerate_round_trip(tmp_path):
    r = runner.invoke(app, ["build", EXAMPLE, "--out", str(tmp_path / "a"), "--quiet", "--no-stages"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["regenerate", str(tmp_path / "a"), "--out", str(tmp_path / "b")])
    assert r.exit_code == 0, r.output
    for name in ("scores.csv", "weights.csv", "normalised.csv", "manifest.json", "scores.parquet"):
        assert filecmp.cmp(tmp_path / "a" / name, tmp_path / "b" / name, shallow=False)


def test_build_missing_config_is_one_line_error(tmp_path):
    r = runner.invoke(app, ["build", str(tmp_path / "nope.toml"), "--quiet"])
    assert r.exit_code == 1
    assert r.output.strip().splitlines()[-1] == f"Error: Config file {str(tmp_path / 'nope.toml')!r}: not found; got a path that does not exist. Check the path."


def test_build_bad_option_names_it(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[data]\nbundled = "province"\n[framework]\npath = "scitech_province"\n[normalise]\nmethod = "maxmin"\n', encoding="utf-8")
    r = runner.invoke(app, ["build", str(cfg), "--quiet"])
    assert r.exit_code == 1
    assert "Error: c.toml: invalid configuration — normalise.method: Input should be 'minmax'" in r.output
    assert "got 'maxmin'" in r.output


def test_validate_checks_stage_sections_like_build(tmp_path):
    base = '[data]\nbundled = "province"\n[framework]\npath = "scitech_province"\n'
    msg = "Error: Config [analysis]: invalid — markov_k: Input should be greater than or equal to 2; got 1."
    cfg = tmp_path / "c.toml"
    cfg.write_text(base + "[analysis]\nmarkov_k = 1\n", encoding="utf-8")
    v = runner.invoke(app, ["validate", str(cfg)])
    b = runner.invoke(app, ["build", str(cfg), "--out", str(tmp_path / "out"), "--quiet"])
    assert v.exit_code == 1 and b.exit_code == 1
    assert v.output.strip().splitlines()[-1] == b.output.strip().splitlines()[-1] == msg
    assert not (tmp_path / "out").exists()  # build rejects the section before building anything
    cfg.write_text(base + '[analysis]\nrun = ["markov"]\nmarkov_k = 3\n[explain]\nbogus = 1\n', encoding="utf-8")
    v = runner.invoke(app, ["validate", str(cfg)])
    b = runner.invoke(app, ["build", str(cfg), "--out", str(tmp_path / "out"), "--quiet"])
    assert v.exit_code == 1 and b.exit_code == 1
    assert v.output.strip().splitlines()[-1] == b.output.strip().splitlines()[-1]
    assert v.output.strip().splitlines()[-1].startswith("Error: Config [explain]: invalid — bogus:")
    cfg.write_text(base + "[analysis]\nmarkov_k = 3\n", encoding="utf-8")
    v = runner.invoke(app, ["validate", str(cfg)])
    assert v.exit_code == 0, v.output
    assert "stage sections: analysis" in v.output


def test_validate_and_framework_commands(tmp_path):
    r = runner.invoke(app, ["validate", EXAMPLE])
    assert r.exit_code == 0, r.output
    assert "OK" in r.output and "31 units × 12 years" in r.output
    r = runner.invoke(app, ["framework", "list"])
    assert "scitech_province" in r.output
    r = runner.invoke(app, ["framework", "export", "scitech_province", "--to", str(tmp_path / "f.csv")])
    assert r.exit_code == 0 and (tmp_path / "f.csv").read_text(encoding="utf-8-sig").startswith("id,kind,parent")
    r = runner.invoke(app, ["framework", "show", "scitech_province"])
    assert "rd_intensity" in r.output and "[+]" in r.output


def test_installed_script_exit_codes(tmp_path):
    import subprocess
    import sys

    script = [sys.executable, "-c", "from nqpf.cli import main; main()"]
    bad = subprocess.run(script + ["build", str(tmp_path / "nope.toml"), "--quiet"], capture_output=True, text=True)
    assert bad.returncode == 1 and bad.stderr.strip().startswith("Error: Config file")
    ok = subprocess.run(script + ["framework", "list"], capture_output=True, text=True)
    assert ok.returncode == 0 and "scitech_province" in ok.stdout
    usage = subprocess.run(script + ["build"], capture_output=True, text=True)
    assert usage.returncode == 2
