"""Subcommands. Each module has ``register(subparsers)`` that adds its parser and handler."""

from __future__ import annotations

from types import ModuleType

from posturewatch.cli import analyze, calibrate, config, guidance, model, rules

COMMANDS: tuple[ModuleType, ...] = (analyze, calibrate, config, guidance, model, rules)
