"""A fresh install works: the base dependencies cover every import, errors reach the user as one line,
and a saved run replays exactly or is refused (issue: fresh install and eight defects)."""
from __future__ import annotations

import ast
import importlib.metadata as md
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nqpf
from nqpf.cli import unexpected_error_message

SRC = Path(nqpf.__file__).parent

#: imported modules provided by a base dependency's own dependency (module → the base requirement that brings it)
TRANSITIVE = {"click": "typer", "distributed": "dask"}


def _base_requirements() -> set[str]:
    reqs = md.requires("nqpf") or []
    names = set()
    for r in reqs:
        if "extra ==" in r:
            continue
        names.add(re.split(r"[\s\[<>=!;~]", r, maxsplit=1)[0].lower().replace("_", "-"))
    return names


def _third_party_imports() -> dict[str, str]:
    """Top-level third-party modules imported anywhere in the package → one file importing it."""
    found: dict[str, str] = {}
    for py in SRC.rglob("*.py"):
        tree = ast.parse(py.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                mods = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                mods = [node.module]
            else:
                continue
            for m in mods:
                top = m.split(".")[0]
                if top != "nqpf" and top not in sys.stdlib_module_names and top not in ("tomli",):
                    found.setdefault(top, str(py.relative_to(SRC)))
    return found


def test_every_import_is_a_base_dependency():
    """The class of fault behind `make demo` failing on pyfixest: a module imported by the package that
    only a test extra installs."""
    base = _base_requirements()
    dists = md.packages_distributions()
    missing = []
    for mod, where in sorted(_third_party_imports().items()):
        if mod in TRANSITIVE:
            assert TRANSITIVE[mod] in base, (mod, where)
            continue
        names = {d.lower().replace("_", "-") for d in dists.get(mod, [])}
        if not names & base:
            missing.append(f"{mod} (imported in {where}; distributions {sorted(names)})")
    assert not missing, "imported but not a base dependency: " + "; ".join(missing)
    assert {"pyfixest", "pyyaml", "threadpoolctl"} <= base


def test_missing_package_is_one_line_naming_the_install():
    msg = unexpected_error_message(ModuleNotFoundError("No module named 'yaml'", name="yaml"))
    assert msg.startswith("a package nqpf needs is not installed; got No module named 'yaml'.")
    assert "`pip install pyyaml`" in msg and "\n" not in msg


def test_unexpected_error_is_one_line_with_location():
    def boom():
        raise KeyError("x")

    try:
        from nqpf.index import build as b  # noqa: F401 - any nqpf frame

        boom()
    except KeyError as exc:
        msg = unexpected_error_message(exc)
    assert msg.startswith("unexpected internal error") and "KeyError: 'x'" in msg
    assert "NQPF_DEBUG=1" in msg and "\n" not in msg


def test_cli_turns_a_foreign_exception_into_one_line(tmp_path):
    """A non-NqpfError raised inside a command (here: a patched build_from_frames raising ZeroDivisionError) is one
    `Error:` line on stderr with exit code 2, not a traceback."""
    code = (
        "import sys, importlib\nb = importlib.import_module('nqpf.index.build')\n"
        "def bad(*a, **k):\n    raise ZeroDivisionError('division by zero in a stage')\n"
        "b.build_from_frames = bad\n"
        "import nqpf.cli.build as cb\n"
        "from nqpf.cli import main\n"
        f"sys.argv = ['nqpf', 'build', {str(tmp_path / 'c.toml')!r}, '--out', {str(tmp_path / 'o')!r}]\n"
        "main()\n"
    )
    (tmp_path / "c.toml").write_text('[data]\nbundled = "province"\n[framework]\npath = "scitech_province"\n', encoding="utf-8")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    err = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert p.returncode == 2, p.stderr
    assert len(err) == 1 and err[0].startswith("Error: unexpected internal error"), p.stderr
    assert "ZeroDivisionError: division by zero in a stage" in err[0] and "Traceback" not in p.stderr


# ---------------------------------------------------------------------------------------------
# regenerate: exact or refused
# ---------------------------------------------------------------------------------------------

SMALL = {"data": {"bundled": "province", "years": [2021, 2022]}, "framework": {"path": "scitech_province"},
         "weight": {"method": "equal"}}


def test_framework_argument_is_replayed_not_the_config_one(tmp_path):
    res = nqpf.build(SMALL, framework="nqpf_province")
    m = res.manifest
    assert m["framework"]["source"] == "builtin:nqpf_province" and m["framework"]["given_as"] == "argument"
    assert m["regenerable"] is True and m["replay_requires"] == []
    again = nqpf.regenerate(m)
    pd.testing.assert_frame_equal(again.scores, res.scores)
    assert again.framework.id == res.framework.id != "scitech_province"


def test_framework_object_must_be_passed_again(tmp_path):
    fw = nqpf.load_framework("scitech_province")
    res = nqpf.build(SMALL, framework=fw)
    m = res.manifest
    assert m["regenerable"] is False and m["replay_requires"] == ["framework"]
    assert len(m["framework"]["content_sha256"]) == 64
    with pytest.raises(nqpf.ConfigError, match=r"built with a framework passed as a Python object .* Pass the same framework again"):
        nqpf.regenerate(m)
    other = nqpf.load_framework("nqpf_province")
    with pytest.raises(nqpf.ConfigError, match="the framework passed differs from the one the run was built with"):
        nqpf.regenerate(m, framework=other)
    pd.testing.assert_frame_equal(nqpf.regenerate(m, framework=fw).scores, res.scores)


def test_dataframe_input_must_be_passed_again():
    raw = nqpf.datasets.load_province_raw().rename(columns={"series": "indicator"})
    raw = raw[raw["year"].between(2021, 2022)]
    cfg = {"data": {"years": [2021, 2022]}, "framework": {"path": "scitech_province"}, "weight": {"method": "equal"}}
    res = nqpf.build(cfg, data=raw)
    m = res.manifest
    assert m["regenerable"] is False and m["replay_requires"] == ["data"]
    with pytest.raises(nqpf.DataError, match=r"built with an in-memory table .* Pass the same table again"):
        nqpf.regenerate(m)
    changed = raw.copy()
    changed.loc[changed.index[0], "value"] += 1.0
    with pytest.raises(nqpf.DataError, match="the data passed changed since the manifest was written"):
        nqpf.regenerate(m, data=changed)
    pd.testing.assert_frame_equal(nqpf.regenerate(m, data=raw).scores, res.scores)
    with pytest.raises(nqpf.DataError, match="built without an in-memory table"):
        nqpf.regenerate(nqpf.build(SMALL).manifest, data=raw)


def test_changed_builtin_is_refused_or_replayed_from_its_versioned_copy(tmp_path):
    m = nqpf.build(SMALL).manifest
    forged = json.loads(json.dumps(m))
    forged["framework"]["sha256"] = "0" * 64
    with pytest.raises(nqpf.ConfigError, match="built-in framework 'scitech_province' has changed since this run"):
        nqpf.regenerate(forged)


def test_changed_framework_file_is_refused(tmp_path):
    fw = tmp_path / "fw.toml"
    fw.write_text('[framework]\nid="f"\n[[node]]\nid="I"\nparent=""\n[[indicator]]\nid="gdp"\nparent="I"\ndirection=1\n'
                  '[[indicator]]\nid="resident_population_year_end"\nparent="I"\ndirection=1\n', encoding="utf-8")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[data]\nbundled = "province"\nyears = [2021, 2022]\n[framework]\npath = "fw.toml"\n'
                   '[weight]\nmethod = "equal"\n', encoding="utf-8")
    res = nqpf.build(cfg)
    res.save(tmp_path / "run")
    fw.write_text(fw.read_text().replace("direction=1\n\n", "direction=-1\n\n").replace('id="resident_population_year_end"\nparent="I"\ndirection=1',
                                                                                        'id="resident_population_year_end"\nparent="I"\ndirection=-1'))
    with pytest.raises(nqpf.ConfigError, match="framework file 'fw.toml' changed since the manifest was written"):
        nqpf.regenerate(tmp_path / "run")
    with pytest.raises(nqpf.ConfigError, match="framework file 'fw.toml' changed"):
        nqpf.build(tmp_path / "run" / "manifest.json")  # build(manifest) replays through the same checks


def test_build_accepts_a_panel_and_refuses_other_objects():
    raw = nqpf.datasets.load_province_raw().rename(columns={"series": "indicator"})
    raw = raw[raw["year"].between(2021, 2022)]
    panel = nqpf.read_panel(raw)
    cfg = {"data": {"years": [2021, 2022]}, "framework": {"path": "scitech_province"}, "weight": {"method": "equal"}}
    a = nqpf.build(cfg, data=panel)
    b = nqpf.build(cfg, data=raw)
    pd.testing.assert_frame_equal(a.scores, b.scores)
    with pytest.raises(nqpf.DataError, match=r"expected a pandas DataFrame or an nqpf Panel; got list"):
        nqpf.build(cfg, data=[1, 2, 3])


# ---------------------------------------------------------------------------------------------
# refused instead of silently wrong (found with the fresh-install fixes)
# ---------------------------------------------------------------------------------------------

def _small_raw():
    raw = nqpf.datasets.load_province_raw().rename(columns={"series": "indicator"})
    return raw[raw["year"].between(2021, 2022)].reset_index(drop=True)


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.assign(value=d["value"].where(d.index != 5, float("inf"))), r"infinite values in rows \[5\]"),
    (lambda d: d.assign(value=d["value"].astype(object).where(d.index != 7, "n/a")), r"text values in rows \[7\] \(e\.g\. 'n/a'\)"),
    (lambda d: d.assign(unit=d["unit"].astype(object).where(d.index != 2, None)), r"missing unit in rows \[2\]"),
    (lambda d: d.assign(year=d["year"].astype(object).where(d.index != 3, "2021年")), r"non-numeric years in rows \[3\] \(e\.g\. '2021年'\)"),
])
def test_api_data_errors_name_rows(edit, message):
    cfg = {"data": {"years": [2021, 2022]}, "framework": {"path": "scitech_province"}}
    with pytest.raises(nqpf.DataError, match=r"^build\(data=\.\.\.\): the long table has " + message):
        nqpf.build(cfg, data=edit(_small_raw()))


def test_misspelt_section_is_refused_with_a_suggestion(tmp_path):
    cfg = {"data": {"bundled": "province"}, "framework": {"path": "scitech_province"}, "normalize": {"method": "zscore"}}
    with pytest.raises(nqpf.ConfigError, match=r"unknown section \[normalize\] \(did you mean \[normalise\]\?\)"):
        nqpf.build(cfg)
    with pytest.raises(nqpf.ConfigError, match=r"unknown section \[wieght\] \(did you mean \[weight\]\?\)"):
        nqpf.build({"data": {"bundled": "province"}, "framework": {"path": "scitech_province"}, "wieght": {}})


def test_stage_section_names_are_the_registered_stages():
    from nqpf.index.config import STAGE_SECTIONS
    from nqpf.pipeline import stages

    assert sorted(STAGE_SECTIONS) == sorted(s.name for s in stages())


def test_out_folder_old_run_is_cleared_and_foreign_folder_refused(tmp_path):
    from nqpf.run import prepare_out_dir, run

    cfg = {"data": {"bundled": "province", "years": [2021, 2022]}, "framework": {"path": "scitech_province"},
           "weight": {"method": "equal"}, "analysis": {"run": ["dagum"]}}
    out = tmp_path / "run"
    run(cfg, out=out)
    (out / "analysis" / "stale_table.csv").write_text("x\n1\n")
    (out / "report.html").write_text("old report")
    with pytest.warns(nqpf.NqpfWarning, match=r"removed \d+ outputs of the previous nqpf run"):
        run(dict(cfg, analysis={"run": ["theil"]}), out=out)
    assert not (out / "report.html").exists() and not (out / "analysis" / "stale_table.csv").exists()
    assert not any(p.name.startswith("dagum") for p in (out / "analysis").iterdir())
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("keep me")
    with pytest.raises(nqpf.ConfigError, match=r"not empty and not an nqpf run folder; got \['thesis.docx'\]"):
        prepare_out_dir(foreign)
    assert (foreign / "thesis.docx").exists()
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(nqpf.ConfigError, match="is a file"):
        prepare_out_dir(afile / "sub")


def test_given_weights_unknown_ids_refused_and_rescaling_recorded():
    base = {"data": {"bundled": "province", "years": [2021, 2022]}, "framework": {"path": "scitech_province"}}
    with pytest.raises(nqpf.ConfigError, match=r"ids not in framework 'scitech_province'; got 'rd_intensty' \(did you mean 'rd_intensity'\?\)"):
        nqpf.build(dict(base, weight={"method": "given", "given": {"rd_intensty": 0.5}}))
    fw = nqpf.load_framework("scitech_province")
    kids = fw.children(fw.root)
    given = {k: 0.2 for k in kids}  # sums to 0.2 × len(kids) ≠ 1
    with pytest.warns(nqpf.MethodWarning, match=rf"children of '{fw.root}' sum to {0.2 * len(kids):.6g}, not 1"):
        res = nqpf.build(dict(base, weight={"method": "equal", "given": given}))
    assert any("sum to" in w["message"] for w in res.manifest["warnings"])
    w = res.weights[res.weights["node"].isin(kids)].groupby("node")["weight"].first()
    assert w.to_numpy() == pytest.approx(np.full(len(kids), 1 / len(kids)))


def test_indicator_undefined_everywhere_is_reported():
    raw = _small_raw()
    raw = pd.concat([raw, raw[raw["indicator"] == "gdp"].assign(indicator="zeros", value=0.0)], ignore_index=True)
    fw = {"framework": {"id": "t"}, "node": [{"id": "I", "parent": ""}],
          "indicator": [{"id": "a", "parent": "I", "derive": "ratio(rd_expenditure_total, gdp)"},
                        {"id": "b", "parent": "I", "derive": "ratio(gdp, zeros)"}]}
    with pytest.warns(nqpf.DataWarning, match=r"Indicators with no defined value in any unit-year: b \("):
        res = nqpf.build({"data": {"years": [2021, 2022]}, "weight": {"method": "entropy"}}, data=raw, framework=fw)
    assert any(w["message"].startswith("Indicators with no defined value") for w in res.manifest["warnings"])


def test_validate_rejects_what_build_rejects(tmp_path):
    """nqpf validate refuses an inconsistent AHP matrix and a log of values <= 0 before any build."""
    from typer.testing import CliRunner

    from nqpf.cli import app

    fw = tmp_path / "fw.toml"
    fw.write_text('[framework]\nid = "f"\n[[node]]\nid = "I"\nparent = ""\n'
                  '[[indicator]]\nid = "a"\nparent = "I"\nderive = "series(rd_intensity)"\n'
                  '[[indicator]]\nid = "b"\nparent = "I"\nderive = "diff(rd_intensity, rd_intensity)"\n'
                  '[[indicator]]\nid = "c"\nparent = "I"\nderive = "series(gdp)"\n', encoding="utf-8")
    base = '[data]\nbundled = "province"\nyears = [2020, 2022]\n[framework]\npath = "fw.toml"\n'
    (tmp_path / "ahp.toml").write_text(base + '[weight]\nmethod = "ahp"\n[weight.ahp]\nI = [[1, 9, 0.1111111111], [0.1111111111, 1, 9], [9, 0.1111111111, 1]]\n',
                                       encoding="utf-8")
    (tmp_path / "log.toml").write_text(base + '[treat]\nmethod = "log"\n', encoding="utf-8")
    runner = CliRunner()
    r = runner.invoke(app, ["validate", str(tmp_path / "ahp.toml")])
    assert r.exit_code == 1 and "Error:" in r.output and "CR" in r.output and "'I'" in r.output, r.output
    r = runner.invoke(app, ["validate", str(tmp_path / "log.toml")])
    assert r.exit_code == 1 and "'b'" in r.output and "<= 0" in r.output.replace("≤", "<="), r.output


def test_two_inputs_with_the_same_key_are_refused(tmp_path):
    raw = _small_raw()
    part = raw[raw["indicator"] == "gdp"]
    cfg = {"data": {"bundled": "province", "years": [2021, 2022]}, "framework": {"path": "scitech_province"}}
    with pytest.raises(nqpf.DataError, match=r"bundled:province|DataFrame"):
        nqpf.build(cfg, data=part)
