"""What the background monitor costs: process CPU time as a share of one core, and peak
memory, for ``posturewatch run --headless --source CLIP`` replaying a clip of real webcam
frames in real time at the default sampling.

The clip (640x480, real frames from ../shared/testdata/frontal-webcam-1 and the covered-
lens frames of webcam-occluded) is a working stretch that changes state every one to two
minutes: upright 2 min, slouched 75 s, nobody 1 min, upright 75 s (5.5 min). A person at a
desk holds a pose for a few seconds, then shifts: each real frame is held for 2 to 8 s
(``--hold``; seeded, so every run writes the same clip), and every written frame gets
fresh sensor noise (Gaussian, ``--noise`` grey levels per pixel), so no two frames are
equal. ``--hold 0`` moves to another real frame on every written frame: the worst case for
the unchanged-picture check (capture/steady_scene.py). It is written at 2 frames a second,
so replaying it decodes about what reading a webcam once a second does (a replay must
decode every frame it skips; a webcam does not).

Reported, for the monitor's processes together (the monitor and the pose worker it
starts): the CPU share over the steady part (from ``--warmup`` seconds on, read from
/proc), the peak resident memory (RSS and PSS
summed every half second, and the sum of each process's own high-water mark), the
seconds per state the monitor stored against the clip's own (so a cheaper sampling that
blurred the timeline would show), and the share of the time the recording (which stands
in for the camera) was open: seen from outside, in ``/proc/PID/fd`` every 50 ms, over the
steady part and over its last 60 % (the stretch settled by then), with the opens counted,
and as the monitor itself says it in its log.
Linux only (/proc).

With ``--against OTHER/bin/python`` a second monitor (another checkout's, in its own
venv) replays the same clip at the same time, in folders of its own: the two are measured
side by side in one run, each printed on its own.

    python bench/monitor_cpu.py [--seconds 330] [--warmup 20] [--hold 5] [--noise 3]
                                [--against OTHER/bin/python] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

SHARED = Path(__file__).resolve().parents[2] / "shared"
TESTDATA = Path(os.environ.get("POSTUREWATCH_TESTDATA") or SHARED / "testdata")
CLIP_FPS = 2.0
STRETCH = [("upright", 120 / 330), ("slouched", 75 / 330), ("nobody", 60 / 330),
           ("upright", 75 / 330)]  # the working stretch: states and shares of the clip


def frames() -> dict[str, list]:
    import csv

    folder = TESTDATA / "frontal-webcam-1"
    with open(folder / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    pick = {"upright": [], "slouched": []}
    for row in rows:
        key = "upright" if row["label"] == "upright" else "slouched"
        pick[key].append(cv2.resize(cv2.imread(str(folder / row["path"])), (640, 480)))
    capture = cv2.VideoCapture(str(TESTDATA / "webcam-occluded" / "demo.gif"))
    nobody = []
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        nobody.append(cv2.resize(bgr, (640, 480)))
    pick["nobody"] = nobody[-8:]
    return pick


def make_clip(path: Path, seconds: float, hold_s: float, noise: float) -> Path:
    """The working stretch; each real frame held ``hold_s`` on average (0: none held)."""
    import numpy as np

    pools = frames()
    rng = np.random.default_rng(12)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), CLIP_FPS, (640, 480))
    for name, share in STRETCH:
        pool, index, left = pools[name], 0, 0
        for _ in range(round(seconds * share * CLIP_FPS)):
            if left <= 0:
                index += 1
                left = round(rng.uniform(0.4, 1.6) * hold_s * CLIP_FPS) if hold_s > 0 else 1
            left -= 1
            frame = pool[index % len(pool)].astype(np.float32)
            frame += rng.normal(0.0, noise, frame.shape).astype(np.float32)
            writer.write(np.clip(frame, 0, 255).astype(np.uint8))
    writer.release()
    return path


def truth_seconds(seconds: float) -> dict[str, float]:
    """Seconds per stored state the clip holds (nobody in view is stored as away)."""
    truth = {"upright": 0.0, "slouched": 0.0, "away": 0.0}
    for name, share in STRETCH:
        truth["away" if name == "nobody" else name] += share * seconds
    return {state: round(value, 1) for state, value in truth.items()}


def stored_seconds(store: Path) -> dict[str, float]:
    """Seconds per state the monitor wrote to its history store."""
    import sqlite3

    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        row = db.execute("SELECT sum(upright_s), sum(slouched_s), sum(away_s), "
                         "sum(unknown_s), sum(unseen_s) FROM intervals").fetchone()
    return {name: round(value or 0.0, 1)
            for name, value in zip(("upright", "slouched", "away", "unknown", "unseen"), row)}


def stored_minutes(store: Path) -> list[str]:
    """Each stored interval's seconds per state, in brief (upright/slouched/away)."""
    import sqlite3

    with sqlite3.connect(f"file:{store}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT upright_s, slouched_s, away_s FROM intervals "
                          "ORDER BY start_utc").fetchall()
    return ["/".join(f"{value or 0:.0f}" for value in row) for row in rows]


def family(pid: int) -> list[int]:
    """``pid`` and every process under it (the pose worker, a launcher), from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo += children.get(found[-1], [])
    return found


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the processes, all threads, and of their children that ended and
    were waited for (cutime + cstime), from /proc/PID/stat."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += sum(int(value) for value in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def resident_kb(pids: list[int], high: dict[int, int]) -> tuple[int, int]:
    """The processes' resident memory together: RSS (a page shared by two counted twice)
    and PSS (each shared page split between its sharers), in kB; ``high`` keeps each
    one's own high-water mark (VmHWM)."""
    rss = pss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    high[pid] = max(high.get(pid, 0), int(line.split()[1]))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return rss, pss


def clip_open(pids: list[int], clip: str) -> bool:
    """Whether any of the processes has the clip open now."""
    for pid in pids:
        try:
            if any(os.readlink(fd) == clip for fd in Path(f"/proc/{pid}/fd").iterdir()):
                return True
        except OSError:
            continue
    return False


class Watched:
    """One monitor replaying the clip, and what is read of it from outside."""

    def __init__(self, python: str, clip: Path, folder: Path, config: Path | None) -> None:
        self.python, self.clip, self.folder = python, clip, folder
        env = dict(os.environ, XDG_RUNTIME_DIR=str(folder / "run"),
                   XDG_STATE_HOME=str(folder / "state"), XDG_DATA_HOME=str(folder / "data"))
        (folder / "run").mkdir(mode=0o700, parents=True)
        env.setdefault("POSTUREWATCH_MODEL_DIR", str(SHARED / "models"))
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [python, "-m", "posturewatch", *(["--config", str(config)] if config else []),
             "run", "--headless", "--source", str(clip)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            cwd=folder)  # not this checkout: `-m` would import its package first
        self.warm_cpu = self.end_cpu = 0.0
        self.warm_at = self.end_at = 0.0
        self.peak_rss = self.peak_pss = self.most = 0
        self.high: dict[int, int] = {}
        self.held: list[bool] = []  # the clip open, every 50 ms
        self.wall = 0.0
        self.err = ""

    def warm(self) -> None:
        self.warm_cpu = self.end_cpu = cpu_seconds(family(self.process.pid))
        self.warm_at = self.end_at = time.monotonic()

    def sample(self, memory: bool) -> bool:
        """One look from outside; False once it has stopped."""
        if self.process.poll() is not None:
            if not self.wall:
                self.wall = time.monotonic() - self.started
            return False
        pids = family(self.process.pid)
        self.held.append(clip_open(pids, str(self.clip.resolve())))
        if memory:
            self.end_cpu, self.end_at = cpu_seconds(pids), time.monotonic()
            rss, pss = resident_kb(pids, self.high)
            self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
            self.most = max(self.most, len(pids))
        return True

    def result(self, args: argparse.Namespace) -> dict | None:
        _, self.err = self.process.communicate()
        if self.process.returncode != 0:
            print(self.err, file=sys.stderr)
            return None
        lines = [line for log in self.folder.rglob("monitor.log*")
                 for line in log.read_text().splitlines()]
        runs = [line.split("pose model: ", 1)[1] for line in lines
                if "pose model: " in line and " runs, " in line]
        said = [line.split("camera open ", 1)[1] for line in lines if "camera open " in line]
        held = self.held
        settled = held[len(held) * 2 // 5:]
        return {
            "python": self.python,
            "wall_s": round(self.wall, 1),
            "share_of_one_core_steady": round((self.end_cpu - self.warm_cpu)
                                              / max(1e-9, self.end_at - self.warm_at), 4),
            "cpu_s_steady": round(self.end_cpu - self.warm_cpu, 2),
            "processes": self.most,
            "peak_rss_mb": round(self.peak_rss / 1024, 1),
            "peak_pss_mb": round(self.peak_pss / 1024, 1),
            "high_water_mb": round(sum(self.high.values()) / 1024, 1),
            "model": runs[-1] if runs else None,
            "source_open_share": round(sum(held) / max(1, len(held)), 3),
            "source_open_share_settled": round(sum(settled) / max(1, len(settled)), 3),
            "source_opens": sum(1 for a, b in zip(held, held[1:]) if b and not a)
            + held[:1].count(True),
            "monitor_says": said[-1] if said else None,
            "stored_s": stored_seconds(self.folder / "data" / "posturewatch"
                                       / "history.sqlite3"),
            "stored_minutes": stored_minutes(self.folder / "data" / "posturewatch"
                                             / "history.sqlite3"),
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=330.0)
    parser.add_argument("--hold", type=float, default=5.0,
                        help="mean seconds each real frame is held (0: none)")
    parser.add_argument("--noise", type=float, default=3.0,
                        help="sensor noise, grey levels per pixel (standard deviation)")
    parser.add_argument("--warmup", type=float, default=20.0)
    parser.add_argument("--config", type=Path, help="a config file passed to `run`")
    parser.add_argument("--against", help="another checkout's Python, run side by side")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clip = make_clip(folder / "work.mp4", args.seconds, args.hold, args.noise)
        pythons = [sys.executable] + ([args.against] if args.against else [])
        # each its own copy of the clip: a monitor takes another process holding its
        # recording for an app that has the camera, and would not look
        runs = [Watched(python, Path(shutil.copy(clip, folder / f"work-{i}.mp4")),
                        folder / f"m{i}", args.config) for i, python in enumerate(pythons)]
        time.sleep(args.warmup)
        for run in runs:
            run.warm()
        next_memory = 0.0
        while True:
            memory = time.monotonic() >= next_memory
            going = [run.sample(memory) for run in runs]
            if memory:
                next_memory = time.monotonic() + 0.5
            if not any(going):
                break
            time.sleep(0.05)
        results = [run.result(args) for run in runs]
    if any(r is None for r in results):
        return 1
    summary = {"clip_s": args.seconds, "hold_s": args.hold, "noise": args.noise,
               "clip_truth_s": truth_seconds(args.seconds), "runs": results}
    if args.json:
        print(json.dumps(summary, indent=2))
        return 0
    truth = summary["clip_truth_s"]
    print(f"run --headless, {args.seconds:.0f} s clip replayed in real time"
          f"{', side by side' if len(results) > 1 else ''}:")
    for result in results:
        assert result is not None
        print(f"- {result['python']} ({result['wall_s']} s wall):")
        print(f"  CPU, steady (after {args.warmup:.0f} s): "
              f"{100 * result['share_of_one_core_steady']:.2f} % of one core "
              f"({result['cpu_s_steady']} s)")
        print(f"  peak resident memory, its {result['processes']} processes together: "
              f"{result['peak_rss_mb']} MB RSS, {result['peak_pss_mb']} MB PSS "
              f"(their high-water marks: {result['high_water_mb']} MB)")
        if result["model"]:
            print(f"  pose model: {result['model']}")
        print(f"  the recording (the camera) open: {100 * result['source_open_share']:.1f} % "
              f"of the run, {100 * result['source_open_share_settled']:.1f} % of its last "
              f"60 %, {result['source_opens']} opens seen; the monitor says "
              f"{result['monitor_says']}")
        print("  stored seconds per state (the clip's own): " + ", ".join(
            f"{state} {seconds:g}" + (f" ({truth[state]:g})" if state in truth else "")
            for state, seconds in result["stored_s"].items()))
        print("  per stored minute, upright/slouched/away s: "
              + " ".join(result["stored_minutes"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
