"""Subcommands. Each module has ``register(subparsers)`` that adds its parser and handler."""

from __future__ import annotations

from types import ModuleType

from posturewatch.cli import (
    analyze,
    autostart,
    calibrate,
    config,
    guidance,
    model,
    pause,
    resume,
    rules,
    run,
    snooze,
    status,
)

COMMANDS: tuple[ModuleType, ...] = (
    analyze, autostart, calibrate, config, guidance, model, pause, resume, rules, run, snooze,
    status,
)
