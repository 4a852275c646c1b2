"""Shipped data, not code: installed as ``posturewatch.shipped_models`` (see pyproject.toml)
so the package reads the manifest through importlib.resources. Downloaded models are
git-ignored and never packaged."""
