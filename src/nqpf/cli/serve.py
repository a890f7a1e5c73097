"""``nqpf serve DIR``: browse a run in a local, read-only web dashboard."""
from __future__ import annotations

from pathlib import Path

import typer

from ._common import console, handle_errors

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    @app.command("serve")
    @handle_errors
    def serve_cmd(
        run_dir: Path = typer.Argument(..., help="Run folder written by 'nqpf build --out DIR' or 'nqpf demo'."),
        port: int = typer.Option(8765, "--port", "-p", help="TCP port (0 = any free port)."),
        host: str = typer.Option("127.0.0.1", "--host", help="Address to bind; the default only accepts local connections."),
        lang: str = typer.Option("zh", "--lang", help="Initial page language: zh (中文) or en."),
    ) -> None:
        """Start the local dashboard (看板): pick a year and node (指标) on the China map, click a province for
        its profile and path guide (路径指南), compare two units, download any table. Read-only; GET only.

        Example: nqpf serve nqpf-demo-output --port 8765
        """
        from .._validation import check_option
        from ..report.dashboard import make_server
        from ..report.figures import Lang

        check_option(lang, Lang, param="lang", caller="nqpf serve")
        server = make_server(run_dir, host=host, port=port, lang=lang)
        h, p = server.server_address[:2]
        console().print(f"nqpf dashboard for {run_dir} at http://{h}:{p}/  (Ctrl+C to stop)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            console().print("nqpf dashboard stopped")
        finally:
            server.server_close()
