"""PhysNet speed on the 2 CPU cores: frames/s of re-estimation alone (S3D_dd given), on the
held-out clips as the bench's cameras see them, and on one long sequence; the Savitzky-Golay
baseline on the same inputs in the same run.

    .venv/bin/python benchmarks/physnet_speed.py [--physnet WEIGHTS] [--repeats 3]

Saves benchmarks/results/physnet_speed.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from _package import REPO_DIR, load_package  # noqa: E402

load_package()
from finephys.evaluation.protocol import build_cases  # noqa: E402
from finephys.lifter.baselines import smooth_3d  # noqa: E402
from finephys.physnet.inference import PhysNetRunner  # noqa: E402
from finephys.skeleton.sequence import Pose3DSequence  # noqa: E402


def _best(fn, seqs, repeats):
    frames = sum(s.num_frames for s in seqs)
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        for s in seqs:
            fn(s)
        best = min(best, time.perf_counter() - began)
    return frames / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--physnet", default=None)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    runner = PhysNetRunner.from_files(args.physnet) if args.physnet else PhysNetRunner.default()
    cases = build_cases(noise_levels=("clean",))
    bench = [c.gt for c in cases]
    long = bench[-1]
    reps = int(np.ceil(1000 / long.num_frames))
    long = Pose3DSequence(np.concatenate([long.joints] * reps), long.fps, np.concatenate([long.root] * reps))
    runner.reestimate(bench[0])  # warm-up
    rows = {}
    for name, seqs in (("bench clips (12 sequences)", bench), (f"one {long.num_frames}-frame sequence", [long])):
        rows[name] = {"physnet": _best(lambda s: runner.reestimate(s, 10.0), seqs, args.repeats),
                      "savitzky_golay": _best(lambda s: smooth_3d(s, "savitzky_golay"), seqs, args.repeats),
                      "frames": sum(s.num_frames for s in seqs)}
    print(f"torch threads {torch.get_num_threads()} (PhysNet runs its rollout on 1)")
    print("| input | frames | PhysNet frames/s | Savitzky–Golay frames/s |")
    print("|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['frames']} | {r['physnet']:.0f} | {r['savitzky_golay']:.0f} |")
    out = REPO_DIR / "benchmarks" / "results" / "physnet_speed.json"
    out.write_text(json.dumps({"command": "benchmarks/physnet_speed.py" + (f" --physnet {args.physnet}" if args.physnet else ""),
                               "machine": {"platform": platform.platform(), "python": platform.python_version()},
                               "rows": rows}, indent=1))
    print(f"saved {out.relative_to(REPO_DIR)}")


if __name__ == "__main__":
    main()
