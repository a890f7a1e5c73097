"""The Python examples of the README run as written (on bundled data)."""
import re
import warnings

from _shared import REPO


def test_readme_python_examples_run(capsys):
    text = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README has no python examples"
    runnable = [b for b in blocks if "import nqpf" in b and "examples/" not in b]
    assert runnable
    ns: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for b in runnable:
            exec(compile(b, "README.md", "exec"), ns)
    out = capsys.readouterr().out
    g, total = out.splitlines()[0].split()
    assert g == total  # G = Gw + Gnb + Gt
    assert 0 < float(g) < 1
    assert ns["cc"].to_frame()["D"].between(0, 1).all()
    assert len(ns["by_year"]) == 10
