"""The ``posturewatch`` command, one module per subcommand."""

from posturewatch.cli.main import main

__all__ = ["main"]
