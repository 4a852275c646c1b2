"""Subcommands. Each module has ``register(subparsers)`` that adds its parser and handler."""

from __future__ import annotations

from types import ModuleType

from posturewatch.commands import config_cmd

COMMANDS: tuple[ModuleType, ...] = (config_cmd,)
