"""Starting the app: a free port on the chosen address, the address printed, the browser opened, uvicorn serving."""
from __future__ import annotations

import os
import secrets
import socket
import threading
import webbrowser
from pathlib import Path
from typing import Callable

from .._errors import ConfigError
from .server import MAX_UPLOAD_BYTES, create_app, is_loopback

__all__ = ["serve", "default_home", "bind"]


def default_home() -> Path:
    """``$NQPF_APP_HOME``, else ``~/.nqpf/app``: where uploads and runs are kept."""
    env = os.environ.get("NQPF_APP_HOME")
    return Path(env).expanduser() if env else Path.home() / ".nqpf" / "app"


def bind(host: str, port: int = 0) -> socket.socket:
    """A listening socket on ``host:port`` (port 0: a free port chosen by the system)."""
    family = socket.AF_INET6 if ":" in host.strip("[]") else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as exc:
        sock.close()
        raise ConfigError(f"nqpf app: cannot listen on {host}:{port}; got {exc.strerror or exc}. "
                          "Choose another --port (or 0 for any free port).") from None
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def serve(home: str | Path | None = None, *, host: str = "127.0.0.1", port: int = 0, open_browser: bool = True,
          allow_remote: bool = False, max_upload_mb: float = MAX_UPLOAD_BYTES / 2**20,
          echo: Callable[[str], None] = print) -> None:
    """Serve the app until interrupted; prints the address (with the token when serving beyond loopback)."""
    import uvicorn

    if not is_loopback(host) and not allow_remote:
        raise ConfigError(f"nqpf app: host {host!r} is not a loopback address; got no --allow-remote. Serve on 127.0.0.1, "
                          "or pass --allow-remote to serve on the network with an access token.")
    token = secrets.token_urlsafe(24) if allow_remote else None
    sock = bind(host, port)
    real_port = sock.getsockname()[1]
    app = create_app(home or default_home(), host=host, port=real_port, token=token,
                     max_upload=int(max_upload_mb * 2**20))
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else shown}:{real_port}/" + (f"?token={token}" if token else "")
    echo(f"nqpf app: {url}")
    echo(f"  home folder: {app.home}")
    if token:
        echo(f"  access token: {token} (needed by every request; the address above carries it)")
    echo("  press Ctrl+C to stop")
    if open_browser:
        threading.Timer(0.8, webbrowser.open, args=(url,)).start()
    config = uvicorn.Config(app, log_level="warning", timeout_keep_alive=10, limit_concurrency=64, lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        app.runs.close()
        sock.close()
