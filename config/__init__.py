"""Shipped data, not code: installed as ``posturewatch.shipped_config`` (see pyproject.toml)
so the package reads these TOML files through importlib.resources."""
