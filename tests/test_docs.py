"""Documentation that is generated from code stays in sync."""
from nqpf.index.config import config_reference
from _shared import REPO


def test_config_reference_is_current():
    text = (REPO / "docs" / "config.md").read_text(encoding="utf-8")
    assert text.strip() == config_reference().strip(), "docs/config.md is stale: run python -c 'from nqpf.index.config import config_reference; print(config_reference())' > docs/config.md"


def test_cli_reference_is_current_and_every_command_documented():
    from nqpf.cli.reference import cli_reference

    text = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    assert text.strip() == cli_reference().strip(), "docs/cli.md is stale: run python -m nqpf.cli.reference > docs/cli.md"
    import typer

    from nqpf.cli import app

    root = typer.main.get_command(app)
    for name, cmd in root.commands.items():
        assert f"## `nqpf {name}" in text
        subs = getattr(cmd, "commands", {}) or {name: cmd}
        for sub in subs.values():
            assert (sub.help or "").strip(), f"command {name} {sub.name} has no help"
