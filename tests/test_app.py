"""``nqpf app``: the web application's API, served by uvicorn on a free loopback port and called over HTTP.

Inputs are built from the bundled provincial data (:mod:`nqpf.datasets`): a wide GBK CSV with full province
names (北京市, 河北省, 广西壮族自治区), 「—」 for every missing value, and an indicator sheet
(一级指标 / 二级指标 / 指标 / 属性) over its columns.
"""
from __future__ import annotations

import io
import json
import shutil
import threading
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import uvicorn
from typer.testing import CliRunner

from nqpf import datasets
from nqpf._errors import ConfigError
from nqpf.app import create_app
from nqpf.app.serve import bind, serve
from nqpf.data import registry
from nqpf.index.config import config_from_dict
from nqpf.workflow import validate_stage_sections

#: data column → bundled series (ASCII brackets: the data reader folds full-width brackets, the sheet reader does not)
COLUMNS = {"R&D经费投入强度(%)": "rd_intensity", "R&D人员全时当量(人年)": "rd_personnel_fte_total",
           "发明专利授权数(件)": "patent_grants_invention", "SCI论文数(篇)": "papers_sci_count",
           "人均宽带接口(个)": "broadband_ports_per_capita", "高技术产业营业收入(亿元)": "hightech_industry_revenue",
           "二氧化碳排放总量(万吨)": "co2_total_apparent"}
BAD_ROW, BAD_COL = 6, "R&D人员全时当量(人年)"  # spreadsheet row 6 = the 5th data row


def panel_table(years=(2013, 2022)) -> pd.DataFrame:
    """The wide table as text cells: 地区 (full names with 省/市/自治区), 年份, one column per indicator, 「—」 = missing."""
    raw = datasets.load_province_raw()
    raw = raw[raw["series"].isin(list(COLUMNS.values())) & raw["year"].between(*years)]
    w = raw.pivot_table(index=["unit", "year"], columns="series", values="value", aggfunc="first").reset_index()
    out = pd.DataFrame({"地区": [registry.full_name(u) for u in w["unit"]], "年份": w["year"].astype(int).astype(str)})
    for col, series in COLUMNS.items():
        out[col] = ["—" if pd.isna(v) else repr(float(v)) for v in w[series]]
    return out


def framework_sheet() -> pd.DataFrame:
    c = list(COLUMNS)
    return pd.DataFrame([["科技创新", "研发投入", c[0], "正向"], ["", "", c[1], "正向"], ["", "创新产出", c[2], "正向"],
                         ["", "", c[3], "正向"], ["数字与产业", "数字基础", c[4], "正向"], ["", "产业升级", c[5], "正向"],
                         ["绿色发展", "碳排放", c[6], "负向"]], columns=["一级指标", "二级指标", "指标", "属性"])


def write_inputs(folder: Path) -> dict[str, Path]:
    """``good`` (GBK CSV), ``bad`` (one cell '12.5万'), ``sheet`` (UTF-8 CSV with BOM) in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    t = panel_table()
    good = folder / "省级面板.csv"
    t.to_csv(good, index=False, encoding="gbk")
    bad_t = t.copy()
    bad_t.loc[BAD_ROW - 2, BAD_COL] = "12.5万"
    bad = folder / "bad.csv"
    bad_t.to_csv(bad, index=False, encoding="gbk")
    sheet = folder / "指标体系.csv"
    framework_sheet().to_csv(sheet, index=False, encoding="utf-8-sig")
    return {"good": good, "bad": bad, "sheet": sheet}


# ------------------------------------------------------------------------------------------- a live server
class Server:
    """The app served by uvicorn on a free loopback port in a thread; ``call`` makes one HTTP request."""

    def __init__(self, home: Path, **kw):
        self.sock = bind("127.0.0.1", 0)
        self.port = self.sock.getsockname()[1]
        self.app = create_app(home, port=self.port, **kw)
        self.base = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                break
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.app.runs.close()
        self.sock.close()

    def call(self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None):
        req = urllib.request.Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def json(self, method: str, path: str, payload=None, **kw):
        body = None if payload is None else json.dumps(payload).encode()
        status, _, data = self.call(method, path, body=body, headers={"Content-Type": "application/json"} if body else {}, **kw)
        return status, json.loads(data)

    def upload(self, kind: str, path: Path, *, name: str | None = None, content: bytes | None = None):
        boundary = uuid.uuid4().hex
        fname = name or path.name
        payload = content if content is not None else path.read_bytes()
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{fname}\"\r\n"
                "Content-Type: application/octet-stream\r\n\r\n").encode() + payload + f"\r\n--{boundary}--\r\n".encode()
        status, _, data = self.call("POST", f"/api/upload?kind={kind}", body=body,
                                    headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        return status, json.loads(data)

    def wait(self, rid: str, timeout: float = 300) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            _, st = self.json("GET", f"/api/runs/{rid}")
            if st["state"] in ("done", "failed"):
                return st
            time.sleep(0.2)
        raise TimeoutError(rid)


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    return write_inputs(tmp_path_factory.mktemp("app-inputs"))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("app-home"))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def uploaded(server, inputs) -> dict[str, str]:
    _, d = server.upload("data", inputs["good"])
    _, f = server.upload("framework", inputs["sheet"])
    return {"data": d["id"], "framework": f["id"], "data_body": d, "fw_body": f}


def spec_for(ids: dict[str, str], **changes) -> dict:
    spec = {"title": "省级面板 entropy TOPSIS",
            "data": {"source": f"upload:{ids['data']}", "years": [2013, 2022]},
            "framework": {"source": f"upload:{ids['framework']}", "edits": {}, "exclude": []},
            "methods": {"impute": {"method": "linear"}, "normalise": {"method": "minmax", "scope": "pooled"},
                        "weight": {"method": "entropy", "scope": "pooled"}, "aggregate": {"method": "topsis"}},
            "stages": {"analysis": {"run": ["dagum", "sigma", "obstacle"]}, "report": {"figures": False}}}
    spec.update(changes)
    return spec


# ------------------------------------------------------------------------------------------- data
def test_gbk_csv_preview_names_layout_units_years_and_every_dash_cell(uploaded, inputs):
    p = uploaded["data_body"]["preview"]
    table = panel_table()
    assert p["ok"] is True and p["error"] is None
    assert (p["format"], p["encoding"], p["layout"], p["units_mode"]) == ("csv", "gb18030", "wide", "province")
    assert p["n_units"] == 31 and p["years"] == list(range(2013, 2023))
    units = {u["key"]: (u["unit"], u["unit_name"]) for u in p["units"]}
    assert units["北京市"] == ("110000", "北京") and units["广西壮族自治区"] == ("450000", "广西")
    assert units["河北省"] == ("130000", "河北")
    # every 「—」 cell is listed as missing, with its spreadsheet row and column
    dashes = [(i + 2, c) for c in COLUMNS for i, v in enumerate(table[c]) if v == "—"]
    assert p["n_missing"] == len(dashes) > 0
    assert sorted((m["row"], m["column"]) for m in p["missing_cells"]) == sorted(dashes)
    assert {i["id"]: i["missing"] for i in p["indicators"]} == {c: sum(1 for _, cc in dashes if cc == c) for c in COLUMNS}
    # the starter config nqpf init guesses for these data
    d = uploaded["data_body"]["defaults"]
    assert d["methods"]["weight"] == {"method": "entropy", "scope": "pooled"} and "analysis" in d["stages"]


def test_bad_cell_is_reported_with_its_row_and_column(server, inputs):
    status, body = server.upload("data", inputs["bad"])
    p = body["preview"]
    assert status == 200 and p["ok"] is False
    assert p["error"] == (f"bad.csv, row {BAD_ROW}, column {BAD_COL!r}: not a number; got '12.5万'. "
                          "Replace the text by a number or leave the cell empty.")
    assert p["cells"] == [{"row": BAD_ROW, "column": BAD_COL, "value": "12.5万", "reason": "not a number"}]


def test_bundled_data_preview_and_demo_defaults(server):
    status, body = server.json("GET", "/api/data?source=bundled:province")
    p = body["preview"]
    assert status == 200 and p["ok"] and p["n_units"] == 31 and {2013, 2022} <= set(p["years"])
    demo = datasets.demo_config(stages=["analysis", "report"])
    assert body["defaults"]["methods"]["weight"] == demo["weight"] and body["defaults"]["years"] == list(datasets.DEMO_YEARS)
    status, tree = server.json("GET", "/api/framework?source=builtin:nqpf_province&data=bundled:province")
    nodes = {n["id"]: n for n in tree["nodes"]}
    assert status == 200 and tree["id"] == "nqpf_province" and 0.5 < nodes["NQPF"]["coverage"] <= 1
    assert all(n["missing_series"] == [] for n in tree["nodes"])


# ------------------------------------------------------------------------------------------- framework
def test_framework_sheet_tree_with_tags_directions_and_coverage(server, uploaded):
    tree = uploaded["fw_body"]["tree"]
    ids = [(n["id"], n["depth"], n["name_zh"]) for n in tree["nodes"]]
    assert ids[:4] == [("INDEX", 0, "综合指数"), ("L1_01", 1, "科技创新"), ("L2_01", 2, "研发投入"), ("X01", 3, "R&D经费投入强度(%)")]
    assert {n["id"]: n["direction"] for n in tree["nodes"] if n["kind"] == "indicator"}["X07"] == -1
    status, cov = server.json("GET", f"/api/framework?source=upload:{uploaded['framework']}&data=upload:{uploaded['data']}")
    assert status == 200
    by_id = {n["id"]: n for n in cov["nodes"]}
    table = panel_table()
    for n in cov["nodes"]:
        if n["kind"] == "indicator":
            assert n["coverage"] == pytest.approx((table[n["name_zh"]] != "—").mean()), n["id"]
    leaves = ["X05", "X06"]  # 数字与产业
    assert by_id["L1_02"]["coverage"] == pytest.approx(sum(by_id[i]["coverage"] for i in leaves) / 2)
    assert by_id["X06"]["coverage"] < 1.0


def test_edits_change_direction_and_weight_in_the_run_framework(server, uploaded, tmp_path):
    spec = spec_for(uploaded, framework={"source": f"upload:{uploaded['framework']}",
                                         "edits": {"X07": {"direction": 1}, "X01": {"weight": 2.5}}, "exclude": ["X04"]})
    status, body = server.json("POST", "/api/check", spec)
    assert status == 200
    assert 'path = "framework.csv"' in body["toml"] and 'exclude = [\n    "X04",\n]' in body["toml"]
    status, body = server.json("POST", "/api/check", dict(spec, framework=dict(spec["framework"], edits={"X07": {"direction": 3}})))
    assert status == 400
    assert body["error"] == ("Framework 'sheet', node 'X07': the direction must be 1 (正向) or -1 (负向); got 3. "
                             "Choose 正向 or 负向.")
    from nqpf.app.project import write_project
    from nqpf.framework import load_framework

    cfg = write_project(spec, server.app.uploads, tmp_path / "p")
    fw = load_framework(cfg.parent / "framework.csv")
    assert (fw.by_id["X07"].direction, fw.by_id["X01"].weight, fw.by_id["X02"].weight) == (1, 2.5, None)
    assert fw.indicators == ["X01", "X02", "X03", "X04", "X05", "X06", "X07"]


# ------------------------------------------------------------------------------------------- methods
@pytest.mark.parametrize("section,change", [("normalise", {"method": "minmax", "scope": "decade"}),
                                            ("weight", {"method": "entropy", "entropy_shift": 0})])
def test_choices_that_cannot_combine_are_refused_with_the_library_message(server, uploaded, section, change):
    spec = spec_for(uploaded)
    spec["methods"][section] = change
    status, body = server.json("POST", "/api/check", spec)
    assert status == 400
    cfg = {"data": {"path": "x.csv"}, section: change}
    with pytest.raises(ConfigError) as exc:
        validate_stage_sections(config_from_dict(cfg, source="the app's choices"))
    assert body["error"] == str(exc.value)


def test_stage_options_are_checked_by_the_stage_model(server, uploaded):
    spec = spec_for(uploaded, stages={"analysis": {"markov_k": 1}})
    status, body = server.json("POST", "/api/check", spec)
    assert status == 400 and body["error"].startswith("Config [analysis]: invalid") and "markov_k" in body["error"]


# ------------------------------------------------------------------------------------------- runs
def _unzip(data: bytes, to: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        z.extractall(to)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_entropy_topsis_run_workbook_and_cli_replay_byte_identical(server, uploaded, tmp_path):
    status, job = server.json("POST", "/api/runs", spec_for(uploaded))
    assert status == 202 and job["state"] in ("queued", "running")
    st = server.wait(job["id"])
    assert st["state"] == "done", st.get("error")
    stages = list(dict.fromkeys(s["stage"] for s in st["steps"]))
    assert stages[0] == "read" and stages[-2:] == ["analysis", "report"]
    folder = server.app.runs.folder(st["id"])
    # the workbook, downloaded and read back cell by cell against the run folder's file
    status, headers, wb_bytes = server.call("GET", f"/runs/{st['id']}/download/workbook")
    assert status == 200 and "nqpf_results.xlsx" in headers["content-disposition"]
    local = tmp_path / "dl.xlsx"
    local.write_bytes(wb_bytes)
    got, want = openpyxl.load_workbook(local), openpyxl.load_workbook(folder / "results" / "nqpf_results.xlsx")
    assert got.sheetnames == want.sheetnames and len(got.sheetnames) > 3
    n = 0
    for name in want.sheetnames:
        for r1, r2 in zip(got[name].iter_rows(values_only=True), want[name].iter_rows(values_only=True), strict=True):
            assert r1 == r2
            n += len(r1)
    assert n > 1000
    scores = pd.read_csv(folder / "results" / "scores.csv")
    root = scores[scores["node"] == "INDEX"]["score"]
    assert root.between(0, 1).all() and root.std() > 0.05  # TOPSIS closeness
    # the exact config, and the whole run folder, downloaded; `nqpf build run.toml` replays it byte for byte
    status, _, toml = server.call("GET", f"/runs/{st['id']}/download/config")
    assert toml == (folder / "run.toml").read_bytes() and 'method = "topsis"' in toml.decode()
    assert st["command"] == "nqpf build run.toml"
    status, _, zipped = server.call("GET", f"/runs/{st['id']}/download/run")
    _unzip(zipped, tmp_path / "zip")
    replay = tmp_path / "zip" / st["id"]
    original = _files(replay / "results")
    shutil.rmtree(replay / "results")
    assert (replay / "run.toml").read_bytes() == toml
    from nqpf.cli import app as cli

    res = CliRunner().invoke(cli, ["build", str(replay / "run.toml"), "--quiet"])
    assert res.exit_code == 0, res.output
    replayed = _files(replay / "results")
    assert sorted(replayed) == sorted(original) and len(original) > 30
    differ = [k for k in original if original[k] != replayed[k]]
    assert differ == []
    assert original == _files(folder / "results")
    # past runs are listed; the run reopens with the choices it was made with
    _, listing = server.json("GET", "/api/runs")
    assert st["id"] in [r["id"] for r in listing["runs"]]
    _, again = server.json("GET", f"/api/runs/{st['id']}")
    assert again["spec"] == spec_for(uploaded)


@pytest.mark.slow
def test_failing_run_shows_the_one_line_error_and_keeps_its_inputs(server, uploaded):
    spec = spec_for(uploaded, stages={})
    spec["methods"]["weight"] = {"method": "given"}
    _, job = server.json("POST", "/api/runs", spec)
    st = server.wait(job["id"])
    assert st["state"] == "failed"
    assert st["error"] == ("weight(method='given'): node 'INDEX' has components without a weight; got none for "
                           "['X01', 'X02', 'X03', 'X04', 'X05', 'X06', 'X07']. Set 'weight' on every node and indicator "
                           "in the framework or in [weight] given.")
    folder = server.app.runs.folder(st["id"])
    assert sorted(p.name for p in folder.iterdir()) == ["app.json", "framework.csv", "run.toml", "省级面板.csv"]
    assert st["spec"] == spec


@pytest.mark.slow
def test_concurrent_runs_are_queued_not_interleaved(server, uploaded):
    spec = spec_for(uploaded, stages={})
    ids = [server.json("POST", "/api/runs", dict(spec, title=f"q{i}"))[1]["id"] for i in range(3)]
    done = [server.wait(i) for i in ids]
    assert [d["state"] for d in done] == ["done"] * 3
    for a, b in zip(done, done[1:]):
        assert b["started_at"] >= a["finished_at"]  # one after the other, in submission order
    firsts = [server.app.runs.folder(d["id"]) / "results" / "scores.csv" for d in done]
    assert firsts[0].read_bytes() == firsts[1].read_bytes() == firsts[2].read_bytes()


def test_killed_server_loses_no_finished_run_and_shows_no_half_run(tmp_path, inputs):
    from nqpf.app.project import Uploads
    from nqpf.app.runs import META_FILE, RunQueue

    home = tmp_path / "home"
    finished = home / "runs" / "20260101-000000-aaaaaa"
    finished.mkdir(parents=True)
    (finished / META_FILE).write_text(json.dumps({"id": finished.name, "title": "t", "state": "done"}), encoding="utf-8")
    half = home / "runs" / ".partial" / "20260101-000001-bbbbbb"
    (half / "results").mkdir(parents=True)
    q = RunQueue(home, Uploads(home / "uploads"))
    try:
        assert [r["id"] for r in q.listing()] == [finished.name]
        assert not half.exists() and q.folder(".partial") is None
    finally:
        q.close()


# ------------------------------------------------------------------------------------------- refusals
def test_oversized_upload_is_refused_413(tmp_path, inputs):
    s = Server(tmp_path / "home", max_upload=1000)
    try:
        status, body = s.upload("data", inputs["good"])
        assert status == 413 and body["error"].startswith("Upload: the file is too large;")
        assert not any((tmp_path / "home" / "uploads").iterdir())
    finally:
        s.stop()


@pytest.mark.parametrize("kind,name,content", [("data", "x.txt", b"a,b\n1,2\n"), ("data", "fake.xlsx", b"a,b\n1,2\n"),
                                               ("framework", "fw.exe", b"MZ"), ("data", "x.csv", b"a\x00b")])
def test_wrong_file_type_is_refused_415(server, kind, name, content):
    status, body = server.upload(kind, Path(name), content=content)
    assert status == 415 and name in body["error"]


@pytest.mark.parametrize("path", ["/runs/{rid}/files/..%2F..%2Fuploads", "/runs/{rid}/files/%2Fetc%2Fpasswd",
                                  "/runs/..%2F..%2F..%2Fetc/report", "/runs/{rid}/files/results%2F..%2F..%2F..%2Fapp.json",
                                  "/runs/.partial/report", "/static/..%2F..%2Fserver.py"])
def test_traversal_is_refused(server, uploaded, path):
    _, listing = server.json("GET", "/api/runs")
    done = [r["id"] for r in listing["runs"]] or ["20260101-000000-aaaaaa"]
    status, _, body = server.call("GET", path.format(rid=done[0]))
    assert status in (403, 404), path
    assert b"import" not in body and b"root:" not in body


def test_upload_ids_are_checked(server):
    status, body = server.json("GET", "/api/data?source=upload:..%2F..%2Fetc")
    assert status == 400 and body["error"].startswith("Upload '../../etc': not found")


def test_wrong_host_header_is_refused_403(server):
    status, _, body = server.call("GET", "/api/meta", headers={"Host": "attacker.example:80"})
    assert status == 403 and b"DNS rebinding" in body
    assert server.call("GET", "/api/meta", headers={"Host": f"localhost:{server.port}"})[0] == 200


def test_non_loopback_host_needs_a_token(tmp_path):
    with pytest.raises(ConfigError, match="^nqpf app: host '0.0.0.0' is not a loopback address; got no access token"):
        create_app(tmp_path / "h", host="0.0.0.0")
    with pytest.raises(ConfigError, match="got no --allow-remote"):
        serve(tmp_path / "h", host="0.0.0.0", open_browser=False)
    res = CliRunner().invoke(__import__("nqpf.cli", fromlist=["app"]).app, ["app", "--host", "0.0.0.0", "--no-browser",
                                                                           "--home", str(tmp_path / "h")])
    assert res.exit_code == 1 and "is not a loopback address" in res.output


def test_token_is_required_from_every_request(tmp_path):
    s = Server(tmp_path / "home", token="s3cret-token")
    try:
        assert s.call("GET", "/api/meta")[0] == 401
        assert s.call("GET", "/api/meta", headers={"X-NQPF-Token": "wrong"})[0] == 401
        assert s.call("GET", "/api/meta", headers={"X-NQPF-Token": "s3cret-token"})[0] == 200
        assert s.call("GET", "/api/meta", headers={"Cookie": "nqpf_token=s3cret-token"})[0] == 200
        status, headers, _ = s.call("GET", "/?token=s3cret-token")
        assert status == 200 and "nqpf_token=s3cret-token" in headers["set-cookie"]
    finally:
        s.stop()


def test_page_and_assets_are_served_from_the_package(server):
    status, headers, html = server.call("GET", "/")
    assert status == 200 and "default-src 'self'" in headers["content-security-policy"]
    text = html.decode()
    assert "http://" not in text and "https://" not in text  # no CDN: every asset from this server
    for asset in ("/static/app.js", "/static/app.css"):
        status, _, body = server.call("GET", asset)
        assert status == 200 and b"http://" not in body and b"https://" not in body
    status, meta = server.json("GET", "/api/meta")
    assert [p["id"] for p in meta["presets"]][0] == "typical"
    assert meta["presets"][0]["methods"]["normalise"] == {"method": "minmax", "scope": "year", "shift": 0.0001}
    weight = {o["value"]: o for o in meta["methods"]["weight"]["options"]}
    assert weight["entropy"]["zh"] == "熵值法" and weight["entropy"]["formula"].startswith("p_ij = z_ij")
