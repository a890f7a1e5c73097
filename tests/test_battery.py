"""Battery: every bad input is refused with one clear error or recorded — one test per case.

Covers the reader (encodings, header-only files, corrupt workbooks, API misuse, dropped columns),
text counting (content-hash resume, empty/binary documents), the workbook (over-long cells), the
index helpers (AHP, entropy, log treatment, ratio normalisation name their node/indicator), the
cross-file duplicate check and the dashboard server (Host check, idle timeout, bounded pool, CSV
injection, quiet disconnects). Loopback only, bounded loops.
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
