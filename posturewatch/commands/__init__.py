"""Subcommands. Each module has ``register(subparsers)`` that adds its parser and handler."""

from __future__ import annotations

from types import ModuleType

from posturewatch.commands import (
    analyze_cmd,
    calibrate_cmd,
    config_cmd,
    guidance_cmd,
    model_cmd,
    rules_cmd,
)

COMMANDS: tuple[ModuleType, ...] = (
    analyze_cmd, calibrate_cmd, config_cmd, guidance_cmd, model_cmd, rules_cmd,
)
