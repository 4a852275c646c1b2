"""The saved calibration: a versioned JSON file in the user's data folder."""

from __future__ import annotations

import json
import math
from pathlib import Path

from posturewatch.core.baseline import Baseline, CalibrationError
from posturewatch.storage.atomic import write_atomic
from posturewatch.storage.paths import user_data_dir


def default_path() -> Path:
    return user_data_dir() / "baseline.json"


def save_baseline(baseline: Baseline, path: Path) -> None:
    write_atomic(path, json.dumps(baseline.to_json(), indent=2) + "\n")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):  # 1e999 parses as inf
        raise ValueError(f"{text} is not a finite number")
    return value


def _no_constant(name: str) -> None:
    """NaN and Infinity are not JSON numbers; Python accepts them unless told not to, and
    a NaN baseline would judge every frame upright (every comparison with it is false)."""
    raise ValueError(f"{name} is not a number")


def load_baseline(path: Path) -> Baseline:
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=_finite,
                          parse_constant=_no_constant)
        return Baseline.from_json(data)
    except FileNotFoundError:
        raise CalibrationError(
            f"no baseline file at {path}", "run `posturewatch calibrate` or fix --baseline"
        ) from None
    except RecursionError:  # [[[[... nested thousands deep: no baseline is
        raise CalibrationError(f"baseline {path} is not a posturewatch baseline (nested "
                               "too deeply to read)",
                               "run `posturewatch calibrate` to record a new one") from None
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise CalibrationError(
            f"baseline {path} is not a posturewatch baseline ({exc})",
            "run `posturewatch calibrate` to record a new one",
        ) from None


def find_baseline(explicit: Path | None) -> Baseline | None:
    """``--baseline FILE``, else the saved calibration, else None (population defaults)."""
    if explicit is not None:
        return load_baseline(explicit)
    saved = default_path()
    return load_baseline(saved) if saved.is_file() else None
