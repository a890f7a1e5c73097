"""Documentation that is generated from code stays in sync."""
from nqpf.index.config import config_reference
from _shared import REPO


def test_config_reference_is_current():
    text = (REPO / "docs" / "config.md").read_text(encoding="utf-8")
    assert text.strip() == config_reference().strip(), "docs/config.md is stale: run python -c 'from nqpf.index.config import config_reference; print(config_reference())' > docs/config.md"
