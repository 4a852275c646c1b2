"""How fast the pure core goes through a working day: 8 h of observations at 1 Hz.

The synthetic days of ``tests/test_rules.py`` and ``tests/test_sitting.py`` (posture
phases, short and long absences, a lunch hour), fed to a fresh ``RuleEngine`` (default
settings) and a fresh ``SittingTracker``; the median of several runs, in the process's CPU
time (meaningful when other jobs share the cores):

    python bench/core_speed.py [--runs 5]

Targets: the rule engine under 0.5 s for the day, the sitting tracker under 0.3 s (the
monitor feeds them at most once a second, so a day costs well under a second of CPU).
These were timed tests; timings belong in a bench.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import test_rules  # noqa: E402
import test_sitting  # noqa: E402

from posturewatch.core.reminders.engine import RuleEngine  # noqa: E402


def cpu_median(work: Callable[[], object], runs: int) -> float:
    seconds = []
    for _ in range(runs):
        start = time.process_time()
        work()
        seconds.append(time.process_time() - start)
    return statistics.median(seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rules_day, sitting_day = test_rules.working_day(), test_sitting.working_day()
    cases = [
        ("rule engine", 0.5, lambda: test_rules.run(
            RuleEngine(test_rules.DEFAULTS, test_rules.CATALOG), rules_day)),
        ("sitting tracker", 0.3, lambda: test_sitting.feed(sitting_day)),
    ]
    met = True
    for name, target, work in cases:
        median = cpu_median(work, args.runs)
        ok = median < target
        met &= ok
        print(f"{name}, 8 h at 1 Hz: {median:.3f} s CPU (median of {args.runs}; "
              f"{median / target:.2f} of the {target} s target: {'met' if ok else 'NOT met'})")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
