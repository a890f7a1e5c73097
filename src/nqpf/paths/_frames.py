"""Small table functions of the paths package."""
from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["records"]


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """``df.to_dict(orient="records")`` — the same dicts, built column-wise (``tolist`` gives Python scalars), which is
    many times faster on small frames with text columns than pandas' row iterator.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"path": ["a", "b"], "n": [1, 2], "x": [0.5, 2.0]})
    >>> records(df)
    [{'path': 'a', 'n': 1, 'x': 0.5}, {'path': 'b', 'n': 2, 'x': 2.0}]
    >>> records(df) == df.to_dict(orient="records")
    True
    """
    cols = list(df.columns)
    return [dict(zip(cols, row)) for row in zip(*(df[c].tolist() for c in cols))]
