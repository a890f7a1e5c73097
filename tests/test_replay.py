"""Exact replay of a whole run folder (index and stages), from a moved project folder."""
from __future__ import annotations

import filecmp
import json
import shutil
import warnings

import pandas as pd
import pytest

import nqpf
from nqpf.run import regenerate_run, run


def _project(root):
    raw = nqpf.datasets.load_province_raw()
    raw = raw[raw["year"].between(2016, 2022) & raw["series"].isin(["rd_intensity", "patent_grants_invention", "gdp",
                                                                     "resident_population_year_end"])]
    wide = raw.pivot_table(index=["unit", "year"], columns="series", values="value").reset_index()
    (root / "data").mkdir(parents=True)
    wide.to_csv(root / "data" / "panel.csv", index=False)
    (root / "fw.toml").write_text(
        '[framework]\nid = "mini"\nunit_level = "province"\n[[node]]\nid = "I"\nparent = ""\n'
        '[[indicator]]\nid = "rd"\nparent = "I"\nderive = "series(rd_intensity)"\n'
        '[[indicator]]\nid = "pat"\nparent = "I"\nderive = "per_capita(patent_grants_invention, resident_population_year_end)"\n'
        '[[indicator]]\nid = "gdppc"\nparent = "I"\nderive = "per_capita(gdp, resident_population_year_end)"\n',
        encoding="utf-8")
    (root / "run.toml").write_text(
        '[data]\npath = "data/panel.csv"\nlayout = "wide"\nunit = "unit"\nyear = "year"\n'
        '[framework]\npath = "fw.toml"\n[weight]\nmethod = "entropy"\n'
        '[analysis]\nrun = ["dagum", "markov", "moran"]\n'
        '[report]\nfigures = true\nembed_font = false\nunit_radars = false\n', encoding="utf-8")


def _files(d):
    return sorted(p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file())


@pytest.mark.slow
def test_regenerate_reproduces_the_whole_run_folder_after_the_project_moves(tmp_path):
    a = tmp_path / "proj"
    _project(a)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        run(a / "run.toml", out=a / "runs" / "first")
    m = json.loads((a / "runs" / "first" / "manifest.json").read_text(encoding="utf-8"))
    assert m["config"]["base_dir"] == "../.."  # no machine path in the manifest
    assert str(tmp_path) not in (a / "runs" / "first" / "manifest.json").read_text(encoding="utf-8")
    moved = tmp_path / "elsewhere" / "proj2"
    shutil.move(str(a), str(moved))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        regenerate_run(moved / "runs" / "first", moved / "runs" / "second")
    first, second = moved / "runs" / "first", moved / "runs" / "second"
    assert _files(first) == _files(second) and len(_files(first)) > 20
    differ = [f for f in _files(first) if not filecmp.cmp(first / f, second / f, shallow=False)]
    assert differ == []
    # a changed input after the move is still caught
    p = moved / "data" / "panel.csv"
    p.write_text(p.read_text(encoding="utf-8").replace(",", ",", 1) + "\n", encoding="utf-8")
    with pytest.raises(nqpf.DataError, match="changed since the manifest was written"):
        regenerate_run(first, moved / "runs" / "third")


def test_regenerate_refuses_missing_or_truncated_manifest(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(nqpf.ConfigError, match="no manifest.json at"):
        nqpf.regenerate(tmp_path / "empty")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "manifest.json").write_text('{"config": {"data": ', encoding="utf-8")
    with pytest.raises(nqpf.ConfigError, match="manifest.json is not a readable manifest; got JSONDecodeError"):
        nqpf.regenerate(bad)
