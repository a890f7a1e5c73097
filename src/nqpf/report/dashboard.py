"""``nqpf serve DIR``: a local, read-only web app to browse a run.

Standard library only (:class:`http.server.HTTPServer` with a bounded thread pool). The page is the HTML report in
dashboard mode (map with year and node selectors, unit profiles and path guides on click,
two-unit comparison) plus downloads of every table and file of the run.

Security model: binds ``127.0.0.1`` by default; only ``GET`` and ``HEAD`` (other methods get
405); request lines longer than :data:`MAX_URL` get 414, requests announcing a body get 413;
files are served only from inside the run directory — ``..`` segments, absolute paths,
backslashes, NUL bytes and symlinks that resolve outside the folder are refused (403/404).
Nothing is ever written. Requests whose ``Host`` header is not the bound address (or, on a loopback
bind, ``localhost``) get 403 — a web page cannot reach the server through DNS rebinding. A client
that sends nothing for :data:`IDLE_TIMEOUT` seconds is disconnected; at most :data:`MAX_THREADS`
requests are served at once (:data:`MAX_QUEUED` more wait; beyond that 503). Clients hanging up
(connection reset, broken pipe) are logged at debug level, never printed as tracebacks. Text cells
of CSV downloads that a spreadsheet would run as formulas (``= + - @``, tab, CR) are quoted
(:func:`nqpf.report.excel.quote_formula_cells`).

Routes
------
``/``                               the dashboard page
``/download/<stage>/<table>.csv``   a stage table (CSV as saved)
``/download/core/<name>.csv``       an index table (``scores_wide``, ``ranks_wide``, ``elements``, ``weights`` …)
``/download/unit/<code>.csv``       every score of one unit
``/files/<path>``                   any file of the run directory (figures, workbook, report.html …)
``/api/files``                      JSON list of the run's files
``/api/unit/<code>``                JSON profile of one unit (scores and ranks of every node and year)
"""
from __future__ import annotations

import io
import ipaddress
import json
import logging
import mimetypes
import re
import socket
import threading
from concurrent.futures import ThreadPoolExecutor
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pandas as pd

from .._errors import ConfigError, DataError

__all__ = ["DashboardApp", "DashboardServer", "make_server", "serve", "safe_path", "allowed_hosts_for", "formula_safe_csv", "MAX_URL", "MAX_FILE_BYTES",
           "IDLE_TIMEOUT", "MAX_THREADS", "MAX_QUEUED"]

#: longest accepted request target (bytes)
MAX_URL = 2048
#: largest file served (bytes); bigger files are refused with 413
MAX_FILE_BYTES = 512 * 1024 * 1024
#: seconds a connection may stay silent (half-sent request line or headers) before it is closed
IDLE_TIMEOUT = 10.0
#: worker threads serving requests
MAX_THREADS = 8
#: accepted connections waiting for a worker; more get 503 at once
MAX_QUEUED = 32
_DISCONNECTS = (ConnectionResetError, BrokenPipeError, ConnectionAbortedError, TimeoutError, socket.timeout)

_log = logging.getLogger("nqpf.serve")
_SAFE_SEGMENT = re.compile(r"^[^\x00/\\]+$")


def safe_path(root: Path, rel: str) -> Path | None:
    """The file ``rel`` inside ``root``, or ``None`` when the path would leave ``root``.

    Refuses empty paths, absolute paths, ``..`` and ``.`` segments, backslashes, NUL bytes and
    paths (including symlinks) that resolve outside ``root``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     root = pathlib.Path(d)
    ...     _ = (root / "a.csv").write_text("x")
    ...     (safe_path(root, "a.csv") is not None, safe_path(root, "../etc/passwd"), safe_path(root, "/etc/passwd"))
    (True, None, None)
    """
    if not rel or rel.startswith("/") or "\\" in rel or "\x00" in rel or len(rel) > MAX_URL:
        return None
    parts = rel.split("/")
    if any(p in ("", ".", "..") or not _SAFE_SEGMENT.match(p) for p in parts):
        return None
    base = root.resolve()
    target = (base / Path(*parts)).resolve()
    if target != base and base not in target.parents:
        return None
    return target


class DashboardApp:
    """The data behind the server: the run directory, its tables and the prebuilt page."""

    def __init__(self, run_dir: str | Path, *, lang: str = "zh", embed_font: bool = True):
        from .html import build_report_html
        from .tables import collect, core_tables

        self.root = Path(run_dir).resolve()
        if not self.root.is_dir():
            raise DataError(f"nqpf serve: the run directory does not exist; got {str(run_dir)!r}. "
                            "Give the --out folder of 'nqpf build' or 'nqpf demo'.")
        self.run = collect(self.root)
        self.core = core_tables(self.run.result, lang="zh" if lang == "zh" else "en")
        figures = _figure_records(self.root)
        page = build_report_html(self.run, figures=figures, lang=lang, mode="dashboard", embed_font=embed_font,
                                 download_prefix="download/")
        self.page = page.encode("utf-8")

    def files(self) -> list[dict[str, Any]]:
        out = []
        for p in sorted(self.root.rglob("*")):
            if p.is_file() and not p.is_symlink() and safe_path(self.root, p.relative_to(self.root).as_posix()):
                out.append({"path": p.relative_to(self.root).as_posix(), "bytes": p.stat().st_size})
        return out

    def unit_profile(self, code: str) -> dict[str, Any] | None:
        s = self.run.result.scores
        sub = s[s["unit"].astype(str) == code]
        if sub.empty:
            return None
        from .._results import json_safe

        return {"unit": code, "unit_name": str(sub["unit_name"].iloc[0]),
                "scores": json_safe(sub[["node", "year", "score", "rank"]].reset_index(drop=True))}

    def unit_csv(self, code: str) -> bytes | None:
        s = self.run.result.scores
        sub = s[s["unit"].astype(str) == code]
        return None if sub.empty else _csv_bytes(sub)


def _csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV of a table with formula-like text cells quoted (CSV injection)."""
    from .excel import quote_formula_cells

    return quote_formula_cells(df).to_csv(index=False).encode("utf-8")


def formula_safe_csv(path: Path) -> bytes:
    """A CSV file of the run as served: formula-like text cells quoted, everything else as written."""
    from .excel import quote_formula_cells

    raw = path.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    try:
        df = pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False, na_filter=False,
                         encoding="utf-8-sig")
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError):
        return raw  # not a table nqpf can parse: served as is
    q = quote_formula_cells(df)
    if q.equals(df) and list(q.columns) == list(df.columns):
        return raw
    return q.to_csv(index=False).encode("utf-8-sig" if bom else "utf-8")


def allowed_hosts_for(host: str, port: int) -> frozenset[str]:
    """``Host`` header values accepted for a server bound to ``host:port`` (lower case)."""
    names = {host.lower().strip("[]")}
    try:
        loop = ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        loop = host.lower() == "localhost"
    if loop:
        names |= {"localhost", "127.0.0.1", "::1"}
    out = set()
    for n in names:
        h = f"[{n}]" if ":" in n else n
        out |= {f"{h}:{port}"} | ({h} if port == 80 else set())
    return frozenset(out)


class DashboardServer(HTTPServer):
    """HTTP server with a bounded worker pool, idle timeouts and quiet handling of clients that hang up."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], *,
                 max_threads: int = MAX_THREADS, max_queued: int = MAX_QUEUED) -> None:
        super().__init__(address, handler)
        self._pool = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="nqpf-serve")
        self._slots = threading.BoundedSemaphore(max_threads + max_queued)
        self.allowed_hosts = allowed_hosts_for(address[0], self.server_address[1])

    def process_request(self, request, client_address) -> None:  # noqa: ANN001 - stdlib signature
        if not self._slots.acquire(blocking=False):
            try:
                request.sendall(b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            self._pool.submit(self._work, request, client_address)
        except RuntimeError:  # pool shut down
            self._slots.release()
            self.shutdown_request(request)

    def _work(self, request, client_address) -> None:  # noqa: ANN001
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 - reported by handle_error
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            self._slots.release()

    def handle_error(self, request, client_address) -> None:  # noqa: ANN001
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, _DISCONNECTS):
            _log.debug("nqpf serve: client %s hung up (%s)", client_address, type(exc).__name__)
            return
        _log.error("nqpf serve: error while serving %s: %s: %s", client_address, type(exc).__name__, exc)

    def server_close(self) -> None:
        super().server_close()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _figure_records(root: Path) -> list:
    from .figures import FigureRecord

    idx = root / "report" / "figures.csv"
    if not idx.exists():
        return []
    df = pd.read_csv(idx, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    out = []
    for r in df.itertuples(index=False):
        files = tuple(root / "figures" / f for f in str(r.files).split(";") if f)
        if any(f.suffix == ".png" and f.exists() for f in files):
            out.append(FigureRecord(r.name, r.section, r.title_zh, r.title_en, files, r.unit))
    return out


def _handler(app: DashboardApp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "nqpf-serve"
        sys_version = ""
        protocol_version = "HTTP/1.0"
        timeout = IDLE_TIMEOUT  # socket timeout: a half-sent request is dropped after this many seconds

        def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            _log.debug("%s - %s", self.address_string(), format % args)

        def handle(self) -> None:
            try:
                super().handle()
            except _DISCONNECTS as exc:
                _log.debug("nqpf serve: client %s hung up (%s)", self.client_address, type(exc).__name__)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            _log.info("%s - %s", self.address_string(), format % args)

        # ------------------------------------------------------------ refusals
        def _refuse(self, status: HTTPStatus, message: str) -> None:
            body = json.dumps({"error": message}).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _method_not_allowed(self) -> None:
            self.close_connection = True
            self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
            self.send_header("Allow", "GET, HEAD")
            self.send_header("Content-Length", "0")
            self.send_header("Connection", "close")
            self.end_headers()

        do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _method_not_allowed

        def _send(self, body: bytes, ctype: str, *, filename: str | None = None) -> None:
            self.send_response(HTTPStatus.OK)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Cache-Control", "no-store")
            if filename:
                self.send_header("Content-Disposition", f"attachment; filename=\"{filename}\"")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _send_file(self, path: Path | None) -> None:
            if path is None:
                self._refuse(HTTPStatus.FORBIDDEN, "path outside the run directory")
                return
            if not path.is_file():
                self._refuse(HTTPStatus.NOT_FOUND, "no such file in the run directory")
                return
            if path.stat().st_size > MAX_FILE_BYTES:
                self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "file too large to serve")
                return
            ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if ctype.startswith("text/") or ctype in ("application/json", "image/svg+xml"):
                ctype += "; charset=utf-8"
            attach = path.suffix in (".csv", ".xlsx", ".parquet", ".json", ".md")
            body = formula_safe_csv(path) if path.suffix.lower() == ".csv" else path.read_bytes()
            self._send(body, ctype, filename=path.name if attach else None)

        # ------------------------------------------------------------ GET
        def do_HEAD(self) -> None:
            self.do_GET()

        def _host_ok(self) -> bool:
            allowed = getattr(self.server, "allowed_hosts", None)
            if allowed is None:
                return True
            host = (self.headers.get("Host") or "").strip().lower()
            if host in allowed:
                return True
            self._refuse(HTTPStatus.FORBIDDEN, "Host header does not name this server; got "
                         f"{host[:100]!r}. Open the address nqpf serve printed")
            return False

        def do_GET(self) -> None:
            if not self._host_ok():
                return
            if len(self.path) > MAX_URL:
                self._refuse(HTTPStatus.REQUEST_URI_TOO_LONG, f"request target longer than {MAX_URL} bytes")
                return
            length = self.headers.get("Content-Length")
            if length not in (None, "0") or self.headers.get("Transfer-Encoding"):
                self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "request bodies are not accepted")
                return
            raw = urlsplit(self.path).path
            if "%2f" in raw.lower() or "%5c" in raw.lower() or "%00" in raw:
                self._refuse(HTTPStatus.FORBIDDEN, "encoded separators are not accepted")
                return
            path = unquote(raw)
            if ".." in path.split("/") or "\\" in path or "\x00" in path:
                self._refuse(HTTPStatus.FORBIDDEN, "path outside the run directory")
                return
            if path in ("/", "/index.html"):
                self._send(app.page, "text/html; charset=utf-8")
            elif path == "/api/files":
                self._send(json.dumps(app.files(), ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")
            elif path.startswith("/api/unit/"):
                prof = app.unit_profile(path[len("/api/unit/"):])
                if prof is None:
                    self._refuse(HTTPStatus.NOT_FOUND, "unknown unit")
                else:
                    self._send(json.dumps(prof, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")
            elif path.startswith("/download/core/") and path.endswith(".csv"):
                name = path[len("/download/core/"):-4]
                if name not in app.core:
                    self._refuse(HTTPStatus.NOT_FOUND, "unknown table")
                else:
                    self._send(_csv_bytes(app.core[name]), "text/csv; charset=utf-8", filename=f"{name}.csv")
            elif path.startswith("/download/unit/") and path.endswith(".csv"):
                body = app.unit_csv(path[len("/download/unit/"):-4])
                if body is None:
                    self._refuse(HTTPStatus.NOT_FOUND, "unknown unit")
                else:
                    self._send(body, "text/csv; charset=utf-8", filename=f"{path[len('/download/unit/'):]}")
            elif path.startswith("/download/"):
                self._send_file(safe_path(app.root, path[len("/download/"):]))
            elif path.startswith("/files/"):
                self._send_file(safe_path(app.root, path[len("/files/"):]))
            else:
                self._refuse(HTTPStatus.NOT_FOUND, "no such page")

    return Handler


def make_server(run_dir: str | Path, *, host: str = "127.0.0.1", port: int = 8765, lang: str = "zh",
                embed_font: bool = True) -> DashboardServer:
    """A ready (not yet serving) dashboard server; ``port=0`` picks a free port (``server.server_address``).

    Raises
    ------
    ConfigError
        When the port is out of range or cannot be bound.
    """
    if not (0 <= int(port) <= 65535):
        raise ConfigError(f"nqpf serve --port: must be in 0–65535; got {port}. Pick a free port such as 8765.")
    app = DashboardApp(run_dir, lang=lang, embed_font=embed_font)
    try:
        server = DashboardServer((host, int(port)), _handler(app))
    except OSError as exc:
        raise ConfigError(f"nqpf serve: cannot listen on {host}:{port}; got {exc.strerror or exc}. "
                          "Choose another --port or --host.") from None
    server.app = app  # type: ignore[attr-defined]
    return server


def serve(run_dir: str | Path, *, host: str = "127.0.0.1", port: int = 8765, lang: str = "zh") -> None:
    """Serve the dashboard until interrupted (Ctrl+C)."""
    server = make_server(run_dir, host=host, port=port, lang=lang)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        _log.info("nqpf serve: stopped")
    finally:
        server.server_close()
