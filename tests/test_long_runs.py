"""`analyze` over hours keeps memory flat: frames go to --json as they settle and totals
are added up as they pass; the JSON text and the totals are what they were.
(Memory itself is measured by bench/long_run_memory.py, not by a test.)"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from posturewatch.app import analysis
from posturewatch.app.analysis import FrameResult, Totals
from posturewatch.cli import analyze
from posturewatch.cli.main import build_parser
from posturewatch.cli.report_json import ReportStream
from posturewatch.core.metrics import PostureMetrics
from posturewatch.core.observation import Posture

from conftest import write_clip

STATES = list(Posture)


def reference_totals(results: list[FrameResult], interval: float, *, still: bool,
                     end: float | None = None) -> dict[str, Any]:
    """The whole-list computation totals replaced (a frame counts until the next one, at
    most three typical steps; the last one step), kept here to hold the new one to it."""
    seconds = {s: 0.0 for s in Posture}
    counts = {s: 0 for s in Posture}
    if still or not results:
        spans = [0.0] * len(results)
    else:
        steps = sorted(b.t - a.t for a, b in zip(results, results[1:]) if b.t > a.t)
        step = max(interval, steps[len(steps) // 2] if steps else 0.0)
        spans = [min(b.t - a.t, 3.0 * step) for a, b in zip(results, results[1:])]
        spans.append(step if end is None else max(0.0, min(step, end - results[-1].t)))
    for result, span in zip(results, spans):
        seconds[result.state] += span
        counts[result.state] += 1
    out: dict[str, Any] = {f"{s.value}_s": round(v, 3) for s, v in seconds.items()}
    out["frames"] = {s.value: n for s, n in counts.items()}
    return out


def timeline(rng: random.Random, n: int, step: float, jitter: float) -> list[FrameResult]:
    """States in runs, steps of ``step`` +- ``jitter``, now and then a stall of seconds."""
    results, t, state = [], 0.0, Posture.UPRIGHT
    for _ in range(n):
        results.append(FrameResult(t, state, None, None, None, None))
        if rng.random() < 0.05:
            state = rng.choice(STATES)
        t += rng.uniform(2, 30) if rng.random() < 0.01 else step + rng.uniform(-jitter, jitter)
    return results


def added_up(results: list[FrameResult], interval: float, still: bool,
             end: float | None) -> dict[str, Any]:
    tally = Totals(interval, still=still)
    for result in results:
        tally.add(result)
    return tally.result(end)


@pytest.mark.parametrize("seed", range(6))
def test_totals_added_up_match_the_whole_list(seed: int) -> None:
    rng = random.Random(seed)
    # a video: the same step every time (its own clock), exactly the old figures
    video = timeline(rng, 500, 0.2, 0.0)
    for end in (None, video[-1].t + 0.1, video[-1].t + 5):
        assert added_up(video, 0.2, False, end) == reference_totals(video, 0.2, still=False,
                                                                    end=end)
    assert added_up(video, 0.2, True, None) == reference_totals(video, 0.2, still=True)
    # a camera: jittered steps; the median step is known to 1 ms, so within 2 ms a state
    camera = timeline(rng, 500, 0.2, 0.03)
    new, old = added_up(camera, 0.0, False, None), reference_totals(camera, 0.0, still=False)
    assert new["frames"] == old["frames"]
    for state in Posture:
        assert new[f"{state.value}_s"] == pytest.approx(old[f"{state.value}_s"], abs=0.002)


def test_totals_of_nothing_and_of_one_frame() -> None:
    one = [FrameResult(0.0, Posture.AWAY, None, None, None, None)]
    assert added_up([], 0.2, False, None) == reference_totals([], 0.2, still=False)
    assert added_up(one, 0.2, False, 1.0) == reference_totals(one, 0.2, still=False, end=1.0)


METRICS = PostureMetrics("front", 0.98, 0.31, 0.12, 1.5, -2.25, 0.65, 0.43)
HEAD = {"source": "clip.mp4", "model": "/m/pose.task", "baseline": None, "still": False,
        "interval_s": 0.2}


def report(n: int, **tail: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    frames = [FrameResult(i / 5, STATES[i % 4], METRICS if i % 3 else None, 0.5, i % 2 == 0,
                          1.01, None).to_json() for i in range(n)]
    return frames, {"totals": {"upright_s": 1.0, "frames": {"upright": n}}, **tail}


@pytest.mark.parametrize("sizes", [[3], [0], [2, 0, 4]], ids=["one", "empty", "several"])
def test_streamed_text_is_exactly_json_dumps(sizes: list[int]) -> None:
    reports = [report(n, skipped=["a.jpg"], sitting={"breaks": 0}, reminders=[])
               for n in sizes]
    out = io.StringIO()
    stream = ReportStream(out, many=len(reports) > 1)
    for frames, tail in reports:
        stream.begin(HEAD)
        for frame in frames:
            stream.frame(frame)
        stream.end(tail)
    stream.close()
    whole = [{**HEAD, "frames": frames, **tail} for frames, tail in reports]
    assert out.getvalue() == json.dumps(whole[0] if len(whole) == 1 else whole, indent=2) + "\n"


@pytest.mark.usefixtures("model")
def test_each_frame_is_written_before_the_next_is_judged(
    tmp_path: Path, pools: dict[str, list[np.ndarray]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real pipeline on a real-frame clip: when frame i leaves judge_source, the
    frames before it are already in the JSON stream, so none is held back to the end."""
    clip = write_clip(tmp_path / "clip.mp4", [(pools["upright"], 2.0), (pools["nobody"], 3.0), (pools["upright"], 1.0)],
                      fps=5)
    written: list[int] = []
    in_flight: list[int] = []

    class Counting(ReportStream):
        def frame(self, frame: dict[str, Any]) -> None:
            super().frame(frame)
            written.append(1)

    def watched(*args: Any, **kwargs: Any) -> Iterator[FrameResult]:
        for result in analysis.judge_source(*args, **kwargs):
            in_flight.append(len(written))
            yield result

    monkeypatch.setattr(analyze, "ReportStream", Counting)
    monkeypatch.setattr(analyze, "judge_source", watched)
    out = tmp_path / "out.json"
    args = build_parser().parse_args(["analyze", str(clip), "--json", str(out), "--fps", "5"])
    assert args.func(args) == 0
    assert in_flight == list(range(len(in_flight))) and len(in_flight) >= 15
    data = json.loads(out.read_text())
    assert len(data["frames"]) == len(in_flight)
    assert data["totals"]["frames"]["upright"] > 5 and data["totals"]["frames"]["away"] > 5
