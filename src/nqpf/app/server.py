"""The ``nqpf app`` web application (Starlette): pages, JSON API, uploads, downloads, and the guard in front of them.

Guard (every request): the ``Host`` header must name the address the server is bound to (DNS rebinding,
as :mod:`nqpf.report.dashboard`); with a token (``--allow-remote``) every request carries it as the
``X-NQPF-Token`` header, the ``nqpf_token`` cookie or the ``token`` query parameter. Uploads are bounded in
size (413) and type (415); run files are addressed by the run id and a path checked with
:func:`nqpf.report.dashboard.safe_path`.
"""
from __future__ import annotations

import hmac
import io
import ipaddress
import json
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, QueryParams
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from .. import __version__
from .._errors import ConfigError, NqpfError
from ..framework import builtin_frameworks, load_framework
from ..report.dashboard import allowed_hosts_for, formula_safe_csv, safe_path
from .catalogue import ANALYSES, METHODS, PRESETS, SPATIAL_WEIGHTS, STAGES, sensitivity_defaults
from .inputs import bundled_preview, data_preview, framework_tree
from .project import (CONFIG_FILE, DATA_SUFFIXES, FRAMEWORK_SUFFIXES, RESULTS, Uploads, bundled_defaults, check_spec,
                      starter_defaults)
from .runs import RunQueue

__all__ = ["create_app", "is_loopback", "MAX_UPLOAD_BYTES", "TOKEN_HEADER", "TOKEN_COOKIE"]

#: default upload limit (bytes); ``nqpf app --max-upload-mb``
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
TOKEN_HEADER = "x-nqpf-token"
TOKEN_COOKIE = "nqpf_token"
STATIC = Path(__file__).parent / "static"
_MAGIC = {".xlsx": b"PK\x03\x04", ".xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"}
_DOWNLOADS = {"workbook": f"{RESULTS}/nqpf_results.xlsx", "journal": f"{RESULTS}/nqpf_journal_tables.xlsx",
              "config": CONFIG_FILE}
_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}
_PAGE_CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; font-src 'self'; script-src 'self'; frame-src 'self'; "
             "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is a loopback address (or ``localhost``).

    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, True, False)
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=_HEADERS)


class Guard:
    """ASGI middleware: Host header check and (when set) the access token."""

    def __init__(self, app, *, allowed_hosts: frozenset[str] | None, token: str | None):
        self.app = app
        self.allowed_hosts = allowed_hosts
        self.token = token

    def _token_ok(self, scope) -> tuple[bool, bool]:
        """``(accepted, came in the query)``."""
        if not self.token:
            return True, False
        headers = Headers(scope=scope)
        given = headers.get(TOKEN_HEADER)
        if given is None:
            for part in headers.get("cookie", "").split(";"):
                k, _, v = part.strip().partition("=")
                if k == TOKEN_COOKIE:
                    given = v
        from_query = False
        if given is None:
            given = QueryParams(scope.get("query_string", b"").decode("latin-1")).get("token")
            from_query = given is not None
        return (given is not None and hmac.compare_digest(given.encode(), self.token.encode())), from_query

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = Headers(scope=scope).get("host", "").lower()
        if self.allowed_hosts is not None and host not in self.allowed_hosts:
            return await _error(403, f"Host {host[:80]!r} is not this server's address; got a request for another host "
                                     "(refused against DNS rebinding). Open the address `nqpf app` printed.")(scope, receive, send)
        ok, from_query = self._token_ok(scope)
        if not ok:
            return await _error(401, "Access token missing or wrong; got a request without the token `nqpf app` printed. "
                                     "Open the full address it printed (with ?token=…).")(scope, receive, send)
        if from_query:  # remember the token in a cookie so links inside the app work without it
            async def send_cookie(message):
                if message["type"] == "http.response.start":
                    message.setdefault("headers", [])
                    message["headers"] = list(message["headers"]) + [
                        (b"set-cookie", f"{TOKEN_COOKIE}={self.token}; HttpOnly; SameSite=Strict; Path=/".encode())]
                await send(message)

            return await self.app(scope, receive, send_cookie)
        return await self.app(scope, receive, send)


def create_app(home: str | Path, *, host: str = "127.0.0.1", port: int = 8765, token: str | None = None,
               max_upload: int = MAX_UPLOAD_BYTES) -> "Guard":
    """The app for the home folder ``home`` (uploads and runs), served at ``host:port``.

    A non-loopback ``host`` needs a ``token`` (:class:`~nqpf.ConfigError` otherwise).
    """
    if not is_loopback(host) and not token:
        raise ConfigError(f"nqpf app: host {host!r} is not a loopback address; got no access token. "
                          "Serve on 127.0.0.1, or pass --allow-remote (which makes and prints a token).")
    home = Path(home).expanduser()
    home.mkdir(parents=True, exist_ok=True)
    uploads = Uploads(home / "uploads")
    runs = RunQueue(home, uploads)
    panels: "OrderedDict[str, Any]" = OrderedDict()

    def panel_of(source: str):
        """The long panel of a data source (for framework coverage), cached for the last few sources."""
        if source in panels:
            return panels[source]
        kind, _, ref = source.partition(":")
        if kind == "bundled":
            from ..datasets import province_panel

            data = province_panel()
        elif kind == "upload":
            from ..data import read_panel

            try:
                data = read_panel(uploads.path(ref, "data")).data
            except NqpfError:
                data = None
        else:
            data = None
        panels[source] = data
        while len(panels) > 4:
            panels.popitem(last=False)
        return data

    async def index(request: Request) -> Response:
        html = (STATIC / "index.html").read_text(encoding="utf-8").replace("{{version}}", __version__)
        return HTMLResponse(html, headers={**_HEADERS, "Content-Security-Policy": _PAGE_CSP, "Cache-Control": "no-store"})

    async def font(request: Request) -> Response:
        """The CJK font nqpf draws its figures with (so the page reads right where the system has none)."""
        from ..report.fonts import cjk_font

        try:
            path = (await run_in_threadpool(cjk_font)).path
        except NqpfError:
            return _error(404, "No CJK font installed; got none. Install one: pip install pylopdf-fonts-zh-cn.")
        return FileResponse(path, media_type="font/otf" if path.suffix.lower() == ".otf" else "font/ttf",
                            headers={**_HEADERS, "Cache-Control": "max-age=86400"})

    async def meta(request: Request) -> Response:
        fws = []
        for name, path in builtin_frameworks().items():
            fw = load_framework(path)
            fws.append({"name": name, "zh": fw.name_zh, "en": fw.name_en, "n": len(fw.indicators)})
        return JSONResponse({"version": __version__, "methods": METHODS, "presets": PRESETS, "analyses": ANALYSES,
                             "stages": STAGES, "frameworks": fws,
                             "spatial_weights": SPATIAL_WEIGHTS, "sensitivity": sensitivity_defaults(), "max_upload": max_upload,
                             "bundled": [{"id": "province", "zh": "内置省级数据（31省，官方统计）",
                                          "en": "Bundled provincial data (31 provinces, official statistics)"}]})

    async def upload(request: Request) -> Response:
        kind = request.query_params.get("kind", "data")
        if kind not in ("data", "framework"):
            return _error(400, f"Upload: unknown kind; got {kind[:20]!r}. Use kind=data or kind=framework.")
        length = request.headers.get("content-length")
        if length is None or not length.isdigit():
            return _error(411, "Upload: no Content-Length; got a request of unknown size. Send the file as a form upload.")
        if int(length) > max_upload:
            return _error(413, f"Upload: the file is too large; got {int(length) / 2**20:.1f} MB, the limit is "
                               f"{max_upload / 2**20:.0f} MB. Upload a smaller file or start the app with a larger --max-upload-mb.")
        form = await request.form(max_files=1, max_fields=4)
        try:
            f = form.get("file")
            if f is None or not hasattr(f, "filename") or not f.filename:
                return _error(400, "Upload: no file; got a form without a 'file' field. Choose a file to upload.")
            allowed = DATA_SUFFIXES if kind == "data" else FRAMEWORK_SUFFIXES
            suffix = Path(f.filename).suffix.lower()
            if suffix not in allowed:
                return _error(415, f"Upload {f.filename[:80]!r}: unsupported file type; got {suffix or 'no suffix'!r}. "
                                   f"Upload a {' / '.join(s.lstrip('.').upper() for s in allowed)} file.")
            head = await f.read(8192)
            if not _content_matches(suffix, head):
                return _error(415, f"Upload {f.filename[:80]!r}: the content is not a {suffix.lstrip('.').upper()} file; "
                                   "got other bytes. Save the file in that format and upload it again.")
            uid, path = uploads.new(kind, f.filename)
            with path.open("wb") as out:
                out.write(head)
                while chunk := await f.read(1 << 20):
                    out.write(chunk)
        finally:
            await form.close()
        body: dict[str, Any] = {"id": uid, "name": path.name, "kind": kind}
        if kind == "data":
            body["preview"] = await run_in_threadpool(data_preview, path)
            if body["preview"]["ok"] or body["preview"].get("years"):
                try:
                    body["defaults"] = await run_in_threadpool(starter_defaults, uploads, uid)
                except NqpfError as exc:
                    body["defaults_error"] = str(exc)
        else:
            try:
                fw = await run_in_threadpool(load_framework, path)
                body["tree"] = await run_in_threadpool(framework_tree, fw, None)
            except NqpfError as exc:
                body["error"] = str(exc)
        return JSONResponse(body, headers=_HEADERS)

    async def data_info(request: Request) -> Response:
        source = request.query_params.get("source", "")
        kind, _, ref = source.partition(":")
        if kind == "bundled" and ref == "province":
            return JSONResponse({"preview": await run_in_threadpool(bundled_preview), "defaults": bundled_defaults()})
        if kind == "upload":
            path = uploads.path(ref, "data")
            return JSONResponse({"preview": await run_in_threadpool(data_preview, path)})
        return _error(400, f"Data: unknown source; got {source[:40]!r}. Upload a file or pick the bundled data.")

    async def framework_info(request: Request) -> Response:
        source = request.query_params.get("source", "")
        data = request.query_params.get("data", "")
        kind, _, ref = source.partition(":")
        if kind == "builtin":
            if ref not in builtin_frameworks():
                return _error(400, f"Framework: unknown built-in framework; got {ref[:40]!r}. Choose one from the list.")
            fw_source: Any = ref
        elif kind == "upload":
            fw_source = uploads.path(ref, "framework")
        elif kind == "starter" and data.startswith("upload:"):
            fw_source = (await run_in_threadpool(uploads.starter, data.split(":", 1)[1])) / "framework.csv"
        else:
            return _error(400, f"Framework: unknown source; got {source[:40]!r}. Choose a built-in framework or upload a sheet.")
        fw = await run_in_threadpool(load_framework, fw_source)
        long = await run_in_threadpool(panel_of, data) if data else None
        return JSONResponse(await run_in_threadpool(framework_tree, fw, long))

    async def check(request: Request) -> Response:
        spec = await _json(request)
        return JSONResponse(await run_in_threadpool(check_spec, spec, uploads))

    async def start(request: Request) -> Response:
        spec = await _json(request)
        job = await run_in_threadpool(runs.submit, spec)
        return JSONResponse(job.public(), status_code=202)

    async def listing(request: Request) -> Response:
        return JSONResponse({"runs": runs.listing()})

    async def status(request: Request) -> Response:
        st = runs.status(request.path_params["rid"])
        if st is None:
            return _error(404, "Run not found; got an id of no run in this app's home folder. Pick a run from the list.")
        folder = runs.folder(st["id"]) if st.get("state") in ("done", "failed") else None
        if folder is not None:
            st = dict(st, files=_files(folder), command=f"nqpf build {CONFIG_FILE}",
                      toml=(folder / CONFIG_FILE).read_text(encoding="utf-8"))
        return JSONResponse(st)

    def _run_folder(request: Request) -> Path:
        folder = runs.folder(request.path_params["rid"])
        if folder is None:
            raise _NotFound()
        return folder

    async def report(request: Request) -> Response:
        p = _run_folder(request) / RESULTS / "report.html"
        if not p.is_file():
            return _error(404, "This run has no report.html; got a run without the report stage. Tick the report and run again.")
        return FileResponse(p, media_type="text/html; charset=utf-8", headers=_HEADERS)

    async def download(request: Request) -> Response:
        folder = _run_folder(request)
        what = request.path_params["what"]
        rid = folder.name
        if what in _DOWNLOADS:
            p = folder / _DOWNLOADS[what]
            if not p.is_file():
                return _error(404, f"This run has no {Path(_DOWNLOADS[what]).name}; got a run without it. "
                                   "Tick the report (workbooks) and run again.")
            return FileResponse(p, filename=p.name if what != "config" else CONFIG_FILE, headers=_HEADERS)
        if what in ("figures", "run"):
            root = folder / RESULTS / "figures" if what == "figures" else folder
            if not root.is_dir():
                return _error(404, "This run has no figures; got a run with figures switched off. Tick figures and run again.")
            data = await run_in_threadpool(_zip, root, rid if what == "run" else "figures")
            name = f"nqpf-{rid}-{what}.zip"
            return Response(data, media_type="application/zip",
                            headers={**_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'})
        return _error(404, f"Unknown download; got {what[:40]!r}. Use workbook, journal, config, figures or run.")

    async def run_file(request: Request) -> Response:
        folder = _run_folder(request)
        p = safe_path(folder, request.path_params["path"])
        if p is None:
            return _error(403, "Path refused; got a path that leaves the run folder. Use the links of the run page.")
        if not p.is_file():
            return _error(404, "File not found in this run.")
        if p.suffix.lower() == ".csv":
            return Response(await run_in_threadpool(formula_safe_csv, p), media_type="text/csv; charset=utf-8", headers=_HEADERS)
        return FileResponse(p, headers=_HEADERS)

    async def on_error(request: Request, exc: NqpfError) -> Response:
        return _error(400, str(exc))

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        from .._errors import unexpected_error_message

        return _error(500, unexpected_error_message(exc))

    async def on_not_found(request: Request, exc: Exception) -> Response:
        return _error(404, "Run not found; got an id of no finished run in this app's home folder. Pick a run from the list.")

    routes = [
        Route("/", index),
        Route("/api/meta", meta),
        Route("/font/cjk", font),
        Route("/api/upload", upload, methods=["POST"]),
        Route("/api/data", data_info),
        Route("/api/framework", framework_info),
        Route("/api/check", check, methods=["POST"]),
        Route("/api/runs", start, methods=["POST"]),
        Route("/api/runs", listing),
        Route("/api/runs/{rid}", status),
        Route("/runs/{rid}/report", report),
        Route("/runs/{rid}/download/{what}", download),
        Route("/runs/{rid}/files/{path:path}", run_file),
        Mount("/static", app=StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes, exception_handlers={NqpfError: on_error, _NotFound: on_not_found,
                                                          Exception: on_unexpected})
    # bound to every interface (0.0.0.0, ::) the server cannot know its names: the token alone guards it
    wildcard = host.strip("[]") in ("0.0.0.0", "::")
    guard = Guard(app, allowed_hosts=None if wildcard else allowed_hosts_for(host, port), token=token)
    guard.home, guard.runs, guard.uploads = home, runs, uploads
    return guard


class _NotFound(Exception):
    pass


async def _json(request: Request) -> dict[str, Any]:
    try:
        spec = json.loads(await request.body())
    except ValueError:
        raise ConfigError("Request: the body is not JSON; got unreadable choices. Reload the page.") from None
    if not isinstance(spec, dict):
        raise ConfigError("Request: the choices must be a JSON object; got another value. Reload the page.")
    return spec


def _content_matches(suffix: str, head: bytes) -> bool:
    """Whether the first bytes fit the suffix: the zip / OLE signature of XLSX / XLS, no NUL byte in text."""
    if suffix in _MAGIC:
        return head.startswith(_MAGIC[suffix])
    return b"\x00" not in head


def _files(folder: Path) -> list[dict[str, Any]]:
    """Files of a run folder (relative POSIX paths and sizes), outputs first."""
    out = []
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            out.append({"path": p.relative_to(folder).as_posix(), "bytes": p.stat().st_size})
    return out


def _zip(root: Path, prefix: str) -> bytes:
    """A zip of a folder, files in sorted order under ``prefix/``."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for p in sorted(root.rglob("*")):
            if p.is_file():
                z.write(p, f"{prefix}/{p.relative_to(root).as_posix()}")
    return buf.getvalue()
