"""What the background monitor costs: process CPU time as a share of one core, and peak
memory, for ``posturewatch run --headless --source CLIP`` replaying a clip of real webcam
frames in real time at the default sampling.

The clip (640x480, real frames from ../shared/testdata/frontal-webcam-1 and the covered-
lens frames of webcam-occluded) is a working stretch: upright, slouched, nobody, upright.
It is written at 2 frames a second, so replaying it decodes about what reading a webcam
once a second does (a replay must decode every frame it skips; a webcam does not).

Reported: the CPU share over the whole run (model loading included) and over the steady
part (from ``--warmup`` seconds on, read from /proc), and the peak resident memory.
Linux only (/proc).

    python bench/monitor_cpu.py [--seconds 300] [--warmup 20] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

SHARED = Path(__file__).resolve().parents[2] / "shared"
CLIP_FPS = 2.0


def frames() -> dict[str, list]:
    import csv

    folder = SHARED / "testdata" / "frontal-webcam-1"
    with open(folder / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    pick = {"upright": [], "slouched": []}
    for row in rows:
        key = "upright" if row["label"] == "upright" else "slouched"
        pick[key].append(cv2.resize(cv2.imread(str(folder / row["path"])), (640, 480)))
    capture = cv2.VideoCapture(str(SHARED / "testdata" / "webcam-occluded" / "demo.gif"))
    nobody = []
    while True:
        ok, bgr = capture.read()
        if not ok:
            break
        nobody.append(cv2.resize(bgr, (640, 480)))
    pick["nobody"] = nobody[-8:]
    return pick


def make_clip(path: Path, seconds: float) -> Path:
    pools = frames()
    shares = [("upright", 0.4), ("slouched", 0.2), ("nobody", 0.2), ("upright", 0.2)]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), CLIP_FPS, (640, 480))
    for name, share in shares:
        pool = pools[name]
        for i in range(round(seconds * share * CLIP_FPS)):
            writer.write(pool[i % len(pool)])
    writer.release()
    return path


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process, all threads, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--warmup", type=float, default=20.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clip = make_clip(folder / "work.mp4", args.seconds)
        env = dict(os.environ, XDG_RUNTIME_DIR=str(folder / "run"),
                   XDG_STATE_HOME=str(folder / "state"), XDG_DATA_HOME=str(folder / "data"))
        (folder / "run").mkdir(mode=0o700)
        env.setdefault("POSTUREWATCH_MODEL_DIR", str(SHARED / "models"))
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "posturewatch", "run", "--headless", "--source", str(clip)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(args.warmup)
        warm_cpu, warm_at = cpu_seconds(process.pid), time.monotonic()
        peak_kb = 0
        while process.poll() is None:
            try:
                end_cpu, end_at = cpu_seconds(process.pid), time.monotonic()
                for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        peak_kb = max(peak_kb, int(line.split()[1]))
            except (FileNotFoundError, ProcessLookupError):
                break
            time.sleep(0.5)
        _, err = process.communicate()
        wall = time.monotonic() - started
        if process.returncode != 0:
            print(err, file=sys.stderr)
            return 1
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        total_cpu = usage.ru_utime + usage.ru_stime
        peak_kb = max(peak_kb, usage.ru_maxrss)
    result = {
        "clip_s": args.seconds,
        "wall_s": round(wall, 1),
        "cpu_s": round(total_cpu, 2),
        "share_of_one_core_whole_run": round(total_cpu / wall, 4),
        "share_of_one_core_steady": round((end_cpu - warm_cpu) / (end_at - warm_at), 4),
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"run --headless, {args.seconds:.0f} s clip replayed in real time "
              f"({result['wall_s']} s wall):")
        print(f"  CPU, whole run (model loading included): "
              f"{100 * result['share_of_one_core_whole_run']:.2f} % of one core")
        print(f"  CPU, steady (after {args.warmup:.0f} s): "
              f"{100 * result['share_of_one_core_steady']:.2f} % of one core")
        print(f"  peak resident memory: {result['peak_rss_mb']} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
