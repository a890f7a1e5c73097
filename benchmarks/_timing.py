"""Timing shared by the benchmarks: the best of a few calls of the same work, and its last result."""
from __future__ import annotations

import time
from typing import Any, Callable


def best_of(fn: Callable[[], Any], repeat: int = 2) -> tuple[float, Any]:
    """``(seconds, result)``: the shortest of ``repeat`` timed calls of ``fn`` and the result of the last one."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out
