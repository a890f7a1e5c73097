"""``nqpf app``: the whole nqpf workflow in a local web application, for people who do not write TOML.

Data → framework → methods → analyses → run → results, on the one run function of the CLI
(:func:`nqpf.workflow.run`): every run is a project folder holding the data, the framework and the
``run.toml`` that ``nqpf build`` replays to the same bytes. See docs/app.md.
"""
from __future__ import annotations

from .serve import default_home, serve
from .server import MAX_UPLOAD_BYTES, create_app, is_loopback

__all__ = ["create_app", "serve", "default_home", "is_loopback", "MAX_UPLOAD_BYTES"]
