"""``nqpf app``: the whole workflow in a local web application (data → framework → methods → run → results)."""
from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._common import handle_errors

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("app")
    @handle_errors
    def app_cmd(
        home: Optional[Path] = typer.Option(None, "--home", help="Folder for uploads and runs (default: $NQPF_APP_HOME "
                                            "or ~/.nqpf/app)."),
        port: int = typer.Option(0, "--port", "-p", help="TCP port (0 = a free port, printed)."),
        host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; anything but loopback needs --allow-remote."),
        allow_remote: bool = typer.Option(False, "--allow-remote", help="Allow a non-loopback --host; every request then "
                                          "needs the access token printed at start."),
        browser: bool = typer.Option(True, "--browser/--no-browser", help="Open the app in the default browser."),
        max_upload_mb: float = typer.Option(200.0, "--max-upload-mb", min=0.001, help="Largest accepted upload (MB)."),
    ) -> None:
        """Start the local web app: upload data (CSV/XLSX/XLS) or pick the bundled data, choose or upload the
        framework (指标体系), pick methods (熵值法, TOPSIS …) and analyses, run, and download the report, the
        workbooks and the run.toml that `nqpf build` replays. Works offline; runs are kept in the home folder.

        Example: nqpf app --no-browser --port 8800
        """
        from ..app import serve

        try:
            serve(home, host=host, port=port, open_browser=browser, allow_remote=allow_remote,
                  max_upload_mb=max_upload_mb, echo=typer.echo)
        except KeyboardInterrupt:
            typer.echo("nqpf app stopped")
