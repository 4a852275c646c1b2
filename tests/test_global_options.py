"""Global options (--log-level, --config) mean the same before and after the subcommand."""

from __future__ import annotations

from pathlib import Path

import pytest

from posturewatch.cli.main import build_parser
from posturewatch.errors import ConfigError

COMMANDS = [["analyze", "clip.mp4"], ["calibrate", "--camera", "0"], ["config", "check"],
            ["guidance"], ["model", "verify"], ["model", "path"], ["model", "list"], ["rules"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_log_level_and_config_after_the_subcommand(command: list[str]) -> None:
    args = build_parser().parse_args([*command, "--log-level", "info", "--config", "my.toml"])
    assert args.log_level == "info" and args.config == Path("my.toml")


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_log_level_and_config_before_the_subcommand(command: list[str]) -> None:
    args = build_parser().parse_args(["--log-level", "error", "--config", "my.toml", *command])
    assert args.log_level == "error" and args.config == Path("my.toml")


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_defaults_when_not_given(command: list[str]) -> None:
    args = build_parser().parse_args(command)
    assert args.log_level == "warning" and args.config is None


def test_the_one_after_the_subcommand_wins() -> None:
    args = build_parser().parse_args(["--log-level", "error", "rules", "--log-level", "debug"])
    assert args.log_level == "debug"


@pytest.mark.parametrize("where", ["before", "after"])
def test_config_before_or_after_is_read(tmp_path: Path, where: str) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[reminders]\ndaily_cap = -1\n")
    option = ["--config", str(bad)]
    args = build_parser().parse_args(
        [*option, "rules"] if where == "before" else ["rules", *option])
    with pytest.raises(ConfigError, match="daily_cap"):
        args.func(args)
