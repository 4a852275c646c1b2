"""What a new user reads and runs first: the README's first screen is commands they can
type as written (no placeholder), with the way to get the model without internet; the
virtual environment it has them make inside the clone is ignored by git; its picture is
made with the default reminder settings."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from posturewatch.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FIRST_SCREEN = "\n".join(README.splitlines()[:45])


def test_the_install_commands_have_no_placeholder() -> None:
    blocks = re.findall(r"```sh\n(.*?)```", README, re.S)
    assert blocks
    for block in blocks:
        assert not re.search(r"<[^>\n]*>", block), block  # `<this URL>` is a redirection in sh


def test_the_first_screen_says_what_to_do_without_internet() -> None:
    assert "No internet" in FIRST_SCREEN
    commands = re.findall(r"`([^`]*posturewatch model fetch[^`]*)`",
                          FIRST_SCREEN.replace("\n", " "))
    assert any("POSTUREWATCH_MODEL_URL_BASE=" in c for c in commands), commands
    carried = [c for c in commands if c.startswith("posturewatch model fetch /")]
    assert carried, commands
    for command in commands:  # each is a command line the real parser takes
        argv = [word for word in shlex.split(command) if "=" not in word]
        args = build_parser().parse_args(argv[1:])
        assert (args.command, args.action) == ("model", "fetch")
    # the carried file is named as the manifest pins it, and linked at its pinned URL
    manifest = tomllib.loads((ROOT / "models" / "manifest.toml").read_text())["full"]
    assert carried[0].endswith(manifest["file"]) and manifest["url"] in FIRST_SCREEN


def test_the_venv_the_readme_makes_is_ignored_by_git() -> None:
    assert "python3 -m venv .venv" in README
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "--no-index", "-q",
                              ".venv/bin/python"], check=False)
    assert ignored.returncode == 0


def test_the_pictured_reminder_comes_with_the_default_settings() -> None:
    """The README's bubble is made by docs/images/generate.py: it may switch other reminders
    off and widen the active hours, but the posture reminder's timing is the default one."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("generate", ROOT / "docs/images/generate.py")
    assert spec and spec.loader
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    settings = tomllib.loads(generate.POSTURE_ONLY)
    assert "posture" not in settings and "min_gap_min" not in settings.get("reminders", {})
