"""Battery: every bad input is refused with one clear error or recorded — one test per case.

Covers the reader (encodings, header-only files, corrupt workbooks, API misuse, dropped columns),
text counting (content-hash resume, empty/binary documents), the workbook (over-long cells), the
index helpers (AHP, entropy, log treatment, ratio normalisation name their node/indicator), the
cross-file duplicate check, the dashboard server (Host check, idle timeout, bounded pool, CSV
injection, quiet disconnects), config files and output folders (GBK TOML, a folder as config, misspelt
sections and keys, unwritable --out checked first), the percent option, the one number parser of files and
the API, partial-coverage scores (flagged in partial.csv, the manifest and the report), structured list
columns of quality findings and formula-safe run CSVs. Loopback only, bounded loops.

Other cases of the same battery live beside the code they test: tests/test_fresh_install.py (misspelt
sections in the API, given weights, out folder clearing, undefined derivations, API data errors, validate),
tests/test_replay.py (byte-for-byte regenerate after a move, missing/truncated manifest) and
tests/test_report_figures.py (identical SVG bytes).
"""
from __future__ import annotations

import http.client
import logging
import socket
import threading
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nqpf._errors import DataError, DataWarning, MethodError, NqpfError
from nqpf.data import read_panel
from nqpf.data.numbers import parse_number_series
from nqpf.data.validate import check_across_files

PROVINCES_TRAD = ["北京市", "廣東省", "江蘇省", "浙江省", "福建省", "湖南省"]


# ----------------------------------------------------------------------------- encodings
def test_big5_file_is_refused_with_likely_encoding(tmp_path):
    f = tmp_path / "big5.csv"
    lines = ["地區,年份,gdp"] + [f"{p},2020,{i}" for i, p in enumerate(PROVINCES_TRAD, 1)]
    f.write_bytes(("\n".join(lines) + "\n").encode("big5"))
    with pytest.raises(DataError) as err:
        read_panel(f)
    msg = str(err.value)
    assert msg.startswith("big5.csv: the text decoded as 'gb18030' looks garbled (mojibake); got ")
    assert "The file is probably 'big5'-encoded: pass encoding='big5'" in msg
    p = read_panel(f, encoding="big5", unit="地區", units="raw")  # the advice works
    assert p.units[0] == "北京市" and "廣東省" in p.units


def test_utf8_read_as_gbk_is_refused_with_likely_encoding(tmp_path):
    f = tmp_path / "u.csv"
    f.write_bytes("地区,年份,gdp\n北京市,2020,1\n上海市,2020,2\n广东省,2020,3\n".encode("utf-8"))
    with pytest.raises(DataError) as err:
        read_panel(f, encoding="gbk")
    msg = str(err.value)
    assert msg.startswith("u.csv: ")
    assert "'utf-8'" in msg and "encoding='utf-8'" in msg


def test_header_only_file_says_so(tmp_path):
    f = tmp_path / "h.csv"
    f.write_text("unit,year,x\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_panel(f)
    assert str(err.value) == (
        "h.csv, row 1: the table has a header but no data rows; got only the column names ['unit', 'year', 'x']. "
        "Add the data below the header (or check that the right file and sheet were given).")


def test_corrupt_xlsx_is_one_error(tmp_path):
    f = tmp_path / "c.xlsx"
    f.write_bytes(b"PK\x03\x04" + b"garbage" * 20)
    with pytest.raises(DataError) as err:
        read_panel(f)
    msg = str(err.value)
    assert msg.startswith("c.xlsx: not a readable Excel workbook (.xlsx); got BadZipFile")
    assert "re-save it in Excel/WPS" in msg


# ----------------------------------------------------------------------------- API misuse
@pytest.mark.parametrize("source", [[{"unit": "a"}], {"unit": ["a"]}, None, 3])
def test_non_dataframe_source_is_one_error(source):
    with pytest.raises(DataError) as err:
        read_panel(source)
    assert str(err.value).startswith(f"read_panel: source must be a file path or a pandas DataFrame; got "
                                     f"{type(source).__name__}.")


def test_text_value_none_unit_and_nian_years():
    with pytest.raises(DataError) as err:
        read_panel(pd.DataFrame({"unit": ["北京", "上海"], "year": [2020, 2020], "x": [1, "abc"]}), units="raw")
    assert "row 3, column 'x': not a number; got 'abc'" in str(err.value)
    with pytest.raises(DataError) as err:
        read_panel(pd.DataFrame({"unit": [None, "北京"], "year": [2020, 2020], "x": [1, 2]}))
    assert str(err.value).startswith("<DataFrame>, column 'unit': empty unit key; got 1 row(s) without a unit (row 2)")
    p = read_panel(pd.DataFrame({"unit": ["北京", "上海"], "year": ["2020年", "2021年"], "x": [1, 2]}))
    assert p.years == [2020, 2021]


def test_extra_column_is_recorded_as_dropped():
    df = pd.DataFrame({"unit": ["北京", "上海"], "year": [2020, 2020], "indicator": ["x", "x"], "value": [1, 2],
                       "note": ["a", "b"]})
    with pytest.warns(DataWarning, match=r"columns not used by the panel were dropped: \['note'\]"):
        p = read_panel(df)
    assert p.source.dropped_columns == ("note",)
    assert "columns not used: ['note']" in p.source.notes
    assert p.source.to_dict()["dropped_columns"] == ["note"]


def test_percent_advice_names_no_rejected_option():
    with pytest.raises(DataError) as err:
        parse_number_series(pd.Series(["12%"]), file="p.csv", column="share")
    msg = str(err.value)
    assert "remove the % signs in the file" in msg and "nqpf.read_panel(..., percent='divide')" in msg


def test_cross_file_duplicate_names_files_and_rows():
    a = pd.DataFrame({"unit": ["x", "y"], "year": [2020, 2020], "indicator": ["gdp", "gdp"], "value": [1.0, 2.0]})
    b = pd.DataFrame({"unit": ["z", "y"], "year": [2020, 2020], "indicator": ["gdp", "gdp"], "value": [1.0, 2.0]})
    with pytest.raises(DataError) as err:
        check_across_files([("a.csv", a), ("b.csv", b)])
    assert str(err.value) == (
        "a.csv, b.csv: 1 (unit, year, indicator) key is given by more than one input file; got ('y', 2020, 'gdp') in "
        "a.csv row 3 and b.csv row 3. Keep each series in one file (delete it from the others).")
    check_across_files([("a.csv", a)])  # one file: nothing to compare


# ----------------------------------------------------------------------------- index helpers
def test_ahp_errors_name_the_node_and_check_is_pure():
    from nqpf.index.weights import check_ahp_matrices

    bad = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    with pytest.raises(MethodError) as err:
        check_ahp_matrices({"innovation": bad}, children={"innovation": ["a", "b", "c"]})
    assert str(err.value).startswith("ahp_weights (node 'innovation'): the pairwise matrix is inconsistent; got CR = ")
    with pytest.raises(MethodError) as err:
        check_ahp_matrices({"innovation": [[1, 2], [0.5, 1]]}, children={"innovation": ["a", "b", "c"]})
    assert str(err.value).startswith("[weight.ahp] innovation: the matrix must be 3×3 (components ['a', 'b', 'c'])")
    with pytest.raises(MethodError) as err:
        check_ahp_matrices({"root": [[1, 2], [3, 1]]}, children={"root": ["a", "b"]})
    assert "got violations at ('a', 'b'), ('b', 'a')" in str(err.value)
    ok = check_ahp_matrices({"root": [[1, 2], [0.5, 1]]}, children={"root": ["a", "b"]})
    assert ok["root"].CR == 0.0


def test_log_of_non_positive_names_indicator_unit_year():
    from nqpf.index.treat import check_log_positive, treat_panel

    X = np.full((2, 5, 2), 2.0)
    X[1, 3, 1] = -1.0
    with pytest.raises(MethodError) as err:
        check_log_positive(X, ["gdp", "profit"], units=list("abcde"), years=[2020, 2021])
    assert str(err.value) == (
        "treat(method='log'), indicator 'profit': the logarithm needs raw values > 0; got 1 value(s) <= 0, e.g. -1 "
        "(unit 'd', year 2021). Use method='log_ct' (shifted log), treat only positive indicators ([treat] "
        "indicators), or correct the values.")
    with pytest.raises(MethodError, match=r"^treat\(method='log'\), year 2021, indicator 'profit': the logarithm"):
        treat_panel(X, method="log", names=["gdp", "profit"], year_labels=[2020, 2021])
    check_log_positive(np.abs(X), ["gdp", "profit"])  # nothing to refuse


def test_entropy_and_ratio_errors_name_the_indicator_and_say_raw():
    from nqpf.index.normalise import normalise_panel
    from nqpf.index.weights import entropy_weights

    with pytest.raises(MethodError) as err:
        entropy_weights(np.array([[1.0, -1.0], [2.0, 3.0]]), names=["x", "y"])
    assert str(err.value).startswith("entropy_weights, indicator 'y': the entropy method needs non-negative values; "
                                     "got a minimum of -1.")
    assert "normalised" not in str(err.value).split(";")[0]
    X = np.ones((1, 3, 2))
    X[0, 1, 0] = 0.0
    with pytest.raises(MethodError, match=r"^normalise\(method='ratio_max'\), indicator 'rd': ratios to the best "
                                          r"value need raw values > 0; got a minimum of 0"):
        normalise_panel(X, np.array([1.0, 1.0]), method="ratio_max", indicator_names=["rd", "gdp"])


# ----------------------------------------------------------------------------- text counting
def _corpus(tmp_path):
    c = tmp_path / "corpus"
    c.mkdir()
    (c / "000001_2019.txt").write_text("云计算与大数据", encoding="utf-8")
    (c / "000002_2019.txt").write_text("区块链", encoding="utf-8")
    return c


def test_text_resume_recounts_edited_and_drops_deleted(tmp_path):
    from nqpf.text import count_corpus

    c, out = _corpus(tmp_path), tmp_path / "out"
    r = count_corpus(c, out=out, workers=1, semantics="overlapping")
    assert r.wide()[["unit", "total"]].values.tolist() == [["000001", 2.0], ["000002", 1.0]]
    (c / "000001_2019.txt").write_text("区块链", encoding="utf-8")  # edited: 2 terms → 1
    (c / "000002_2019.txt").unlink()  # deleted
    r = count_corpus(c, out=out, workers=1, semantics="overlapping")
    assert r.wide()[["unit", "total"]].values.tolist() == [["000001", 1.0]]
    docs = r.documents.set_index("doc_id")["status"].to_dict()
    assert docs == {"000001_2019.txt": "ok", "000002_2019.txt": "removed"}
    assert r.params["documents_resumed"] == 0 and r.params["documents_removed"] == 1
    assert any("no longer in the corpus" in n for n in r.notes)
    r = count_corpus(c, out=out, workers=1, semantics="overlapping")  # unchanged: resumed, not recounted
    assert r.params["documents_resumed"] == 1 and r.params["documents_this_run"] == 0


def test_empty_and_binary_documents_are_errors_not_zeros(tmp_path):
    from nqpf.text import count_corpus

    c = _corpus(tmp_path)
    (c / "000003_2019.txt").write_text("  \n", encoding="utf-8")
    (c / "000004_2019.txt").write_bytes(b"\x00\x01\x02PK\x03\x04" * 50)
    r = count_corpus(c, workers=1, semantics="overlapping")
    d = r.documents.set_index("doc_id")
    assert d.loc["000003_2019.txt", "status"] == "error"
    assert d.loc["000003_2019.txt", "warnings"].startswith("DataError: 000003_2019.txt: the document is empty; got no "
                                                           "text after extraction.")
    assert d.loc["000004_2019.txt", "status"] == "error"
    assert "the document is binary, not text" in d.loc["000004_2019.txt", "warnings"]
    assert set(r.panel["unit"]) == {"000001", "000002"}


# ----------------------------------------------------------------------------- workbook
def test_workbook_cuts_overlong_cells_with_a_record(tmp_path, monkeypatch):
    import openpyxl

    from nqpf.report import excel

    long_name = "很长的单位名" * 6000  # 36,000 characters > 32,767
    df = pd.DataFrame({"unit": ["a", "b"], "unit_name": [long_name, "短"], "score": [0.5, 0.25]})
    monkeypatch.setattr(excel, "_workbook_entries", lambda run, lang: [("scores", "scores", df)])
    monkeypatch.setattr(excel, "readme_rows", lambda run, lang="zh": [("x", "y")])
    with pytest.warns(DataWarning, match=r"1 cells longer than Excel's 32767 characters were cut \(e\.g\. sheet "
                                         r"'scores', row 2, column 'unit_name': 36000 characters\)"):
        path = excel.write_workbook(object(), tmp_path / "r.xlsx", lang="en")
    wb = openpyxl.load_workbook(path)
    cell = wb["scores"]["B2"].value
    assert len(cell) == excel.MAX_CELL_CHARS and cell.endswith("…[truncated]")
    readme = [[c for c in r if c] for r in wb["README"].iter_rows(values_only=True)]
    assert ["Truncated cells", "1 cells exceed Excel's 32767-character limit; cut and ended with '…[truncated]'. "
            "The CSV outputs hold the full text."] in readme
    assert ["scores!unit_name row 2", "36000 → 32767 characters"] in readme


def test_quote_formula_cells():
    from nqpf.report.excel import quote_formula_cells

    df = pd.DataFrame({"unit": ["=1+2", "+cmd", "-1.5", "@SUM(A1)", "\tx", "\rx", "北京"], "v": np.arange(7.0)})
    q = quote_formula_cells(df)
    assert q["unit"].tolist() == ["'=1+2", "'+cmd", "-1.5", "'@SUM(A1)", "'\tx", "'\rx", "北京"]
    assert q["v"].tolist() == df["v"].tolist() and df["unit"].iloc[0] == "=1+2"  # input untouched


def test_run_csv_reads_back_exactly_what_was_written(tmp_path):
    """write_csv quotes formula-like text; read_run_csv undoes exactly that: ``-0.223*`` comes back without the
    apostrophe, while an apostrophe that was in the data (``'=x``, ``'plain``) is kept."""
    from nqpf.index.result import read_run_csv, write_csv

    cells = ["-0.223*", "=1+2", "'=x", "'plain", "-1.5", "北京", "@a", "''-y"]
    df = pd.DataFrame({"coef": cells, "v": np.arange(8.0)})
    write_csv(df, tmp_path / "t.csv")
    raw = (tmp_path / "t.csv").read_text(encoding="utf-8-sig").splitlines()
    assert raw[1] == "'-0.223*,0.0" and raw[3] == "''=x,2.0" and raw[4] == "'plain,3.0" and raw[8] == "'''-y,7.0"
    back = read_run_csv(tmp_path / "t.csv", dtype={"coef": str})
    assert back["coef"].tolist() == cells and back["v"].tolist() == list(np.arange(8.0))


# ----------------------------------------------------------------------------- dashboard
class _FakeApp:
    def __init__(self, root: Path):
        self.root = root.resolve()
        self.page = b"<html>ok</html>"
        self.core = {"scores_wide": pd.DataFrame({"unit": ["=HYPERLINK(\"http://x\")", "110000"], "2020": [0.5, 0.4]})}

    def files(self):
        return []

    def unit_profile(self, code):
        return None

    def unit_csv(self, code):
        return None


@pytest.fixture()
def server(tmp_path, monkeypatch):
    from nqpf.report import dashboard

    monkeypatch.setattr(dashboard, "IDLE_TIMEOUT", 0.5)
    (tmp_path / "analysis").mkdir()
    (tmp_path / "analysis" / "t.csv").write_text("unit,x\n@evil,1\nok,2\n", encoding="utf-8")
    handler = dashboard._handler(_FakeApp(tmp_path))
    srv = dashboard.DashboardServer(("127.0.0.1", 0), handler, max_threads=2, max_queued=1)
    th = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    th.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    th.join(5)


def _get(srv, path, host=None):
    c = http.client.HTTPConnection(*srv.server_address[:2], timeout=10)
    c.putrequest("GET", path, skip_host=host is not None)
    if host is not None:
        c.putheader("Host", host)
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body


def test_dashboard_refuses_foreign_host(server):
    port = server.server_address[1]
    assert _get(server, "/")[0] == 200
    assert _get(server, "/", host=f"localhost:{port}")[0] == 200
    st, body = _get(server, "/", host=f"evil.example:{port}")
    assert st == 403 and b"Host header does not name this server" in body
    assert _get(server, "/", host="127.0.0.1:1")[0] == 403


def test_dashboard_quotes_formula_cells_in_csv(server):
    st, body = _get(server, "/download/core/scores_wide.csv")
    assert st == 200 and body.decode().splitlines()[1].startswith("\"'=HYPERLINK(")
    st, body = _get(server, "/download/analysis/t.csv")
    assert st == 200 and body.decode().splitlines() == ["unit,x", "'@evil,1", "ok,2"]


def test_dashboard_drops_half_sent_requests_and_keeps_serving(server):
    s = socket.create_connection(server.server_address[:2], timeout=5)
    s.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1")  # never finished
    t0 = time.monotonic()
    data = s.recv(1024)  # the server closes the idle connection
    assert data == b"" and time.monotonic() - t0 < 4
    s.close()
    assert _get(server, "/")[0] == 200


def test_dashboard_bounded_pool_answers_503(server):
    port = server.server_address[:2]
    idle = [socket.create_connection(port, timeout=5) for _ in range(3)]  # 2 workers + 1 queued, all silent
    try:
        time.sleep(0.1)
        s = socket.create_connection(port, timeout=5)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        assert s.recv(100).startswith(b"HTTP/1.0 503")
        s.close()
    finally:
        for c in idle:
            c.close()
    for _ in range(50):  # the slots free up once the idle clients are gone
        if _get(server, "/")[0] == 200:
            break
        time.sleep(0.05)
    else:
        pytest.fail("server did not recover")


def test_dashboard_is_quiet_when_clients_hang_up(server, capfd, caplog):
    caplog.set_level(logging.DEBUG, logger="nqpf.serve")
    for _ in range(5):
        s = socket.create_connection(server.server_address[:2], timeout=5)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.sendall(b"GET /download/core/scores_wide.csv HTTP/1.0\r\n\r\n")
        s.close()  # RST before the answer is read
        time.sleep(0.05)
    for _ in range(50):
        if _get(server, "/")[0] == 200:
            break
        time.sleep(0.05)
    else:
        pytest.fail("server did not recover")
    time.sleep(0.2)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "ConnectionResetError" not in err and "BrokenPipeError" not in err
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_errors_are_nqpf_errors():
    assert issubclass(DataError, NqpfError) and issubclass(MethodError, NqpfError)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(NqpfError):
            read_panel(pd.DataFrame({"unit": ["a"], "year": ["twenty"], "x": [1]}))


# ----------------------------------------------------------------------------- config files and output folders
def _cli(args):
    from typer.testing import CliRunner

    from nqpf.cli import app

    return CliRunner().invoke(app, args)


def test_gbk_run_toml_and_framework_toml_are_one_line(tmp_path):
    (tmp_path / "run.toml").write_bytes('[data]\nbundled = "省份"\n'.encode("gbk"))
    r = _cli(["build", str(tmp_path / "run.toml"), "--quiet"])
    assert r.exit_code == 1 and r.output.strip().splitlines()[-1] == (
        "Error: Config file run.toml, line 2: not UTF-8 text (it looks GBK/GB18030-encoded); got byte b'\\xb7' at "
        "position 20. Save the file as UTF-8 (in Notepad/WPS: Save As → encoding UTF-8); TOML files are always UTF-8.")
    (tmp_path / "fw.toml").write_bytes('[framework]\nid = "f"\nname_zh = "框架"\n'.encode("gbk"))
    (tmp_path / "c.toml").write_text('[data]\nbundled = "province"\n[framework]\npath = "fw.toml"\n', encoding="utf-8")
    for cmd in (["build", str(tmp_path / "c.toml"), "--quiet", "--no-stages"], ["validate", str(tmp_path / "c.toml")]):
        r = _cli(cmd)
        assert r.exit_code == 1 and r.output.strip().splitlines()[-1].startswith(
            "Error: Framework file fw.toml, line 3: not UTF-8 text (it looks GBK/GB18030-encoded)"), r.output


def test_build_of_a_folder_is_one_line(tmp_path):
    (tmp_path / "proj").mkdir()
    (tmp_path / "proj" / "run.toml").write_text("", encoding="utf-8")
    r = _cli(["build", str(tmp_path / "proj"), "--quiet"])
    assert r.exit_code == 1
    assert r.output.strip().splitlines()[-1] == (
        f"Error: Config file {str(tmp_path / 'proj')!r}: is a folder, not a config file; got a directory holding "
        f"['run.toml']. Give the run config (e.g. {str(tmp_path / 'proj' / 'run.toml')!r}) or a saved manifest.json.")


def test_misspelt_section_and_key_are_refused_by_the_cli(tmp_path):
    base = '[data]\nbundled = "province"\n[framework]\npath = "scitech_province"\n'
    (tmp_path / "s.toml").write_text(base + '[wieght]\nmethod = "equal"\n', encoding="utf-8")
    (tmp_path / "k.toml").write_text(base + '[weight]\nmetod = "equal"\n', encoding="utf-8")
    for cmd in ("build", "validate"):
        r = _cli([cmd, str(tmp_path / "s.toml")] + (["--quiet", "--out", str(tmp_path / "o")] if cmd == "build" else []))
        assert r.exit_code == 1 and r.output.strip().splitlines()[-1].startswith(
            "Error: s.toml: unknown section [wieght] (did you mean [weight]?); got it at the top level."), r.output
        r = _cli([cmd, str(tmp_path / "k.toml")] + (["--quiet", "--out", str(tmp_path / "o")] if cmd == "build" else []))
        assert r.exit_code == 1 and r.output.strip().splitlines()[-1] == (
            "Error: k.toml: invalid configuration — weight.metod: Extra inputs are not permitted; got 'equal'. "
            "See docs/config.md for every option."), r.output
    assert not (tmp_path / "o").exists()


def test_unwritable_out_is_refused_before_computing(tmp_path, monkeypatch):
    """--out that cannot be written is refused first (nothing is built); permissions are simulated because the
    tests may run as a user who can write anywhere."""
    import importlib

    b = importlib.import_module("nqpf.index.build")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[data]\nbundled = "province"\n[framework]\npath = "scitech_province"\n', encoding="utf-8")
    target = tmp_path / "ro" / "run"
    real_write = Path.write_bytes

    def deny(self, data):
        if self.parent == target:
            raise PermissionError(13, "Permission denied", str(self))
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", deny)
    monkeypatch.setattr(b, "build_from_frames", lambda *a, **k: pytest.fail("built before checking --out"))
    for extra in (["--no-stages"], []):
        r = _cli(["build", str(cfg), "--out", str(target), "--quiet", *extra])
        assert r.exit_code == 1, r.output
        assert r.output.strip().splitlines()[-1] == (
            f"Error: Output folder {str(target)!r}: cannot be written; got Permission denied. "
            "Choose a folder you can write to.")
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    r = _cli(["build", str(cfg), "--out", str(tmp_path / "afile" / "sub"), "--quiet"])
    assert r.exit_code == 1 and "afile is a file; got a path that cannot hold a run folder" in r.output


def test_version_option_prints_the_version():
    import nqpf

    r = _cli(["--version"])
    assert r.exit_code == 0 and r.output.strip() == f"nqpf {nqpf.__version__}"


# ----------------------------------------------------------------------------- percent signs
def _percent_project(tmp_path, extra: str) -> Path:
    (tmp_path / "d.csv").write_text("unit,year,share,gdp\na,2020,12.5%,1\nb,2020,3%,2\nc,2020,40%,3\n", encoding="utf-8")
    (tmp_path / "fw.toml").write_text('[framework]\nid = "f"\n[[node]]\nid = "I"\nparent = ""\n'
                                      '[[indicator]]\nid = "share"\nparent = "I"\n[[indicator]]\nid = "gdp"\nparent = "I"\n',
                                      encoding="utf-8")
    cfg = tmp_path / "c.toml"
    cfg.write_text(f'[data]\npath = "d.csv"\nunits = "raw"\n{extra}[framework]\npath = "fw.toml"\n'
                   '[weight]\nmethod = "equal"\n', encoding="utf-8")
    return cfg


def test_percent_advice_names_the_config_option_and_it_works(tmp_path):
    import nqpf

    with pytest.raises(DataError) as err:
        nqpf.build(_percent_project(tmp_path, ""))
    msg = str(err.value)
    assert msg.startswith("d.csv: 3 cells are not numbers; got row 2, column 'share': '12.5%' (percent sign)")
    assert 'set percent = "divide" (12.5% → 0.125) or percent = "keep" (12.5% → 12.5) in the [data] section' in msg
    divide = nqpf.build(_percent_project(tmp_path, 'percent = "divide"\n'))
    raw = divide.raw.set_index(["unit", "indicator"])["value"]
    assert raw[("a", "share")] == 0.125 and raw[("b", "share")] == 0.03 and raw[("c", "share")] == 0.4
    keep = nqpf.build(_percent_project(tmp_path, 'percent = "keep"\n'))
    raw = keep.raw.set_index(["unit", "indicator"])["value"]
    assert raw[("a", "share")] == 12.5 and raw[("b", "share")] == 3.0
    assert keep.manifest["config"]["data"]["files"][0]["percent"] == "keep"
    assert any("3 cells with a percent sign read with percent='keep'" in n for n in keep.manifest["inputs"][0]["notes"])
    with pytest.raises(nqpf.ConfigError, match=r"data\.files\.0\.percent: Input should be 'error', 'divide' or 'keep'"):
        nqpf.build(_percent_project(tmp_path, "percent = true\n"))


# ----------------------------------------------------------------------------- one number parser for files and the API
def test_api_values_use_the_reader_number_parser():
    import nqpf

    raw = nqpf.datasets.load_province_raw().rename(columns={"series": "indicator"})
    raw = raw[raw["year"].between(2021, 2022)].reset_index(drop=True)
    cfg = {"data": {"years": [2021, 2022]}, "framework": {"path": "scitech_province"}, "weight": {"method": "equal"}}
    text = raw.assign(value=raw["value"].map(lambda v: f"{v:,.6f}" if np.isfinite(v) else ""))  # 1,234.5 as text
    a = nqpf.build(cfg, data=text)
    b = nqpf.build(cfg, data=raw.assign(value=raw["value"].round(6)))
    pd.testing.assert_frame_equal(a.scores, b.scores)
    bad = raw.assign(value=raw["value"].astype(object))
    bad.loc[4, "value"] = "1 234"
    bad.loc[9, "value"] = float("inf")
    with pytest.raises(DataError) as err:
        nqpf.build(cfg, data=bad)
    assert str(err.value).startswith(
        "build(data=...): the long table has text values in rows [4] (e.g. '1 234'); infinite values in rows [9] "
        f"(indicator {raw.loc[9, 'indicator']!r}, unit {raw.loc[9, 'unit']!r}); got values that cannot be used.")
    with pytest.raises(DataError, match=r"years that are not whole numbers in rows \[0\] \(e\.g\. 2021\.5\)"):
        nqpf.build(cfg, data=raw.assign(year=raw["year"].astype(float).where(raw.index != 0, 2021.5)))


# ----------------------------------------------------------------------------- partial coverage is flagged
def test_one_missing_cell_with_min_coverage_0_is_flagged_in_outputs_and_report(tmp_path):
    """北京 2022 without rd_expenditure_total: three indicators are undefined, the weights of the others are
    re-normalised and 北京 moves from rank 3 to rank 1 on innovation_system. The score is flagged, not silent."""
    import json

    import nqpf
    from nqpf.report.sections import quality_section_html
    from nqpf.report.tables import RunTables

    raw = nqpf.datasets.load_province_raw().rename(columns={"series": "indicator"})
    cfg = {"data": {"years": [2021, 2022]}, "framework": {"path": "nqpf_province"}, "aggregate": {"min_coverage": 0}}
    cell = (raw["unit"] == "110000") & (raw["year"] == 2022) & (raw["indicator"] == "rd_expenditure_total")
    assert cell.sum() == 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full = nqpf.build(cfg, data=raw)
    with pytest.warns(DataWarning, match=r"Partial coverage: \d+ unit-year\(s\) have an index score computed from fewer "
                                         r"than all indicators .*Every case, with the missing indicators, is in partial\.csv"):
        res = nqpf.build(cfg, data=raw[~cell])

    def rank(r, node):
        s = r.scores
        return int(s.loc[(s.unit == "110000") & (s.year == 2022) & (s.node == node), "rank"].iloc[0])

    assert rank(full, "innovation_system") == 3 and rank(res, "innovation_system") == 1  # the silent change
    assert not ((full.partial.unit == "110000") & (full.partial.year == 2022)).any()
    bj = res.partial[(res.partial.unit == "110000") & (res.partial.year == 2022)].set_index("node")
    missing3 = ["rd_expenditure_intensity", "enterprise_rd_share", "invention_grants_per_rd"]
    got = {n: (r.n_used, r.n_indicators, json.loads(r.missing)) for n, r in bj.iterrows()}
    assert got == {
        "NQPF": (18, 21, missing3),
        "means_of_labour": (4, 5, ["rd_expenditure_intensity"]),
        "st_input_output": (2, 3, ["rd_expenditure_intensity"]),
        "optimal_combination": (5, 7, ["enterprise_rd_share", "invention_grants_per_rd"]),
        "innovation_system": (1, 2, ["enterprise_rd_share"]),
        "combined_efficiency": (2, 3, ["invention_grants_per_rd"]),
        "type:基础:科技创新": (9, 12, missing3),
    }
    # the weight share is the share of the node's effective indicator weight that entered the score
    w = res.weights[res.weights.node.isin(res.framework.leaves_under("innovation_system"))].set_index("node")["effective_weight"]
    assert len(w) == 2 and bj.loc["innovation_system", "weight_share"] == pytest.approx(1 - w["enterprise_rd_share"] / w.sum(),
                                                                                         rel=1e-9)
    # saved with the run (CSV), counted in the manifest, read back
    res.save(tmp_path / "run")
    text = (tmp_path / "run" / "partial.csv").read_text(encoding="utf-8-sig").splitlines()
    assert text[0] == "unit,year,node,n_used,n_indicators,weight_share,missing"
    assert any(ln.startswith("110000,2022,NQPF,18,21,") and ln.endswith(
        '"[""rd_expenditure_intensity"",""enterprise_rd_share"",""invention_grants_per_rd""]"') for ln in text)
    m = json.loads((tmp_path / "run" / "manifest.json").read_text(encoding="utf-8"))
    assert m["counts"]["partial"] == len(res.partial) and m["counts"]["partial_unit_years"] == int((res.partial.node == "NQPF").sum())
    assert {"unit": "110000", "year": 2022, "n_used": 18, "n_indicators": 21, "missing": missing3} in m["partial"]["root_examples"]
    back = nqpf.load_result(tmp_path / "run")
    pd.testing.assert_frame_equal(back.partial, res.partial, check_dtype=False)
    # shown in the report's data-quality section
    html = quality_section_html(RunTables.from_outputs(back, {}, tmp_path / "run"))
    assert "Scores from partial coverage" in html and "部分覆盖" in html
    assert "北京 2022（18/21，缺 rd_expenditure_intensity、enterprise_rd_share、invention_grants_per_rd）" in html
    assert ("<td class=\"txt\"><code>rd_expenditure_intensity</code>, <code>enterprise_rd_share</code>, "
            "<code>invention_grants_per_rd</code></td>") in html


def test_complete_unit_years_are_not_flagged():
    import nqpf

    res = nqpf.build({"data": {"bundled": "province", "years": [2021, 2022]}, "framework": {"path": "scitech_province"},
                      "weight": {"method": "equal"}})
    assert res.partial.empty and list(res.partial.columns) == ["unit", "year", "node", "n_used", "n_indicators",
                                                               "weight_share", "missing"]
    assert res.manifest["counts"]["partial"] == 0 and res.manifest["partial"]["summary"] == []


# ----------------------------------------------------------------------------- structured list columns of findings
def test_quality_list_columns_are_json_in_csv_and_lists_in_the_manifest(tmp_path):
    import json

    import nqpf
    from nqpf.index.quality import decode_list_columns

    rows = []
    for i in range(8):
        for t in range(10):
            v = round((10 + i) * (1.05 + 0.01 * i) ** t, 3) if not (i == 3 and t >= 5) else round(13 * 1.08 ** 5, 3)
            rows.append({"unit": f"u{i}", "year": 2010 + t, "indicator": "x", "value": v})
            rows.append({"unit": f"u{i}", "year": 2010 + t, "indicator": "y", "value": round(5 + i + 0.7 * t + 0.1 * ((i * t) % 3), 3)})
    fw = {"framework": {"id": "t"}, "node": [{"id": "I", "parent": ""}],
          "indicator": [{"id": "x", "parent": "I"}, {"id": "y", "parent": "I"}]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = nqpf.build({"weight": {"method": "equal"}}, data=pd.DataFrame(rows), framework=fw)
    cf = res.quality[(res.quality.unit == "u3") & (res.quality.rule == "carry_forward")].iloc[0]
    years = json.loads(cf["year_list"])
    assert cf["year_list"] == "[2016,2017,2018,2019]" and years == [2016, 2017, 2018, 2019]
    cells = json.loads(cf["cells"])
    assert cf["cells"] == json.dumps(cells, separators=(",", ":")) and cells == [["u3", 2016], ["u3", 2017], ["u3", 2018], ["u3", 2019]]
    dec = decode_list_columns(res.quality)
    assert dec.loc[cf.name, "year_list"] == years and all(isinstance(c, tuple) for c in dec.loc[cf.name, "cells"])
    res.save(tmp_path / "run")
    back = nqpf.load_result(tmp_path / "run")
    assert back.quality.loc[cf.name, "year_list"] == cf["year_list"] and back.quality.loc[cf.name, "cells"] == cf["cells"]
    m = json.loads((tmp_path / "run" / "manifest.json").read_text(encoding="utf-8"))
    hi = [h for h in m["quality"]["high_severity"] if h["unit"] == "u3" and h["rule"] == "carry_forward"][0]
    assert hi["year_list"] == years and hi["cells"] == json.loads(cf["cells"])


# ----------------------------------------------------------------------------- CSV outputs are formula-safe
def test_run_csv_outputs_quote_formula_cells(tmp_path):
    import nqpf

    raw = nqpf.datasets.load_province_raw().rename(columns={"series": "indicator"})
    raw = raw[raw["year"].between(2021, 2022) & raw["indicator"].isin(["gdp", "rd_intensity"])]
    raw = raw.assign(unit=raw["unit"].map(lambda u: "=HYPERLINK(\"x\")" if u == "110000" else u))
    fw = {"framework": {"id": "t"}, "node": [{"id": "I", "parent": ""}],
          "indicator": [{"id": "gdp", "parent": "I"}, {"id": "rd_intensity", "parent": "I"}]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = nqpf.build({"weight": {"method": "equal"}}, data=raw, framework=fw)
    res.save(tmp_path / "run", formats=("csv",))
    scores = (tmp_path / "run" / "scores.csv").read_text(encoding="utf-8-sig")
    assert "\"'=HYPERLINK(\"\"x\"\")\"" in scores and "\n=HYPERLINK" not in scores
    # every table quotes it, whatever the column's dtype (the long tables' key columns are categorical), and none
    # loses the cell: the unit reads back as it was
    for name in ("scores", "raw", "treated", "normalised"):
        text = (tmp_path / "run" / f"{name}.csv").read_text(encoding="utf-8-sig")
        assert "\"'=HYPERLINK(\"\"x\"\")\"" in text and "\n=HYPERLINK" not in text, name
        assert "\n,," not in text and "\n,20" not in text, name  # no row without its unit
    back = nqpf.load_result(tmp_path / "run")
    for name in ("scores", "raw", "normalised"):
        units = set(getattr(back, name)["unit"].astype(str))
        assert "=HYPERLINK(\"x\")" in units and len(units) == 31, name
