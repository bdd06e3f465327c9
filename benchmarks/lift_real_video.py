"""Real video end to end: detect the Sports2D gymnast, lift him to 3D, measure and draw it.

    .venv/bin/python benchmarks/lift_real_video.py

Pose Detect (MediaPipe + tracker) on the Sports2D demo at native size, then the shipped ICL
lifter with the built-in synthetic bank and the TCN baseline, each fitted to the image (the
node's default) and as the network answers ("_raw"). Prints bone-length consistency
(std over time of each bone, mean and max over bones, frames where the gymnast was found) and
the lifting speed (median of five timed runs after a warm-up run); saves benchmarks/results/lift_real_video.json and a figure,
benchmarks/results/sports2d_lift.jpg: frames of the flip with the 2D skeleton, and the ICL
lift from the front, side and top.
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from _package import REPO_DIR, load_package  # noqa: E402

load_package()
from _sports2d import detect_demo  # noqa: E402
from finephys.lifter.bank import builtin_bank  # noqa: E402
from finephys.lifter.inference import PACKAGE_WEIGHTS, Lifter  # noqa: E402
from finephys.skeleton.h36m import bone_lengths  # noqa: E402
from finephys.skeleton.render import render_sequence  # noqa: E402
from finephys.skeleton.render3d import render_3d_views  # noqa: E402

FIGURE_FRAMES = (150, 162, 168, 172, 176, 180, 186, 195)
TIMED_RUNS = 5


def main() -> None:
    frames, fps, pose2d, found = detect_demo()
    results = {}
    lifted = {}
    for kind, fit in (("icl", True), ("icl_raw", False), ("tcn", True), ("tcn_raw", False)):
        if fit:  # each lifter loaded once, for its fitted and raw rows
            lifter = Lifter.from_files(PACKAGE_WEIGHTS / f"finephys_lifter_{kind}.safetensors")
            if kind == "icl":
                lifter = lifter.with_bank(builtin_bank(lifter.config.window))
        lifter.lift(pose2d, fit_to_image=fit)  # warm-up: first-call costs out of the timing
        timings = []
        for _ in range(TIMED_RUNS):  # the median: one run alone swings by 0.1 s on a shared machine
            began = time.perf_counter()
            pose3d = lifter.lift(pose2d, fit_to_image=fit)
            timings.append(time.perf_counter() - began)
        seconds = float(np.median(timings))
        std = bone_lengths(pose3d.joints[found]).std(axis=0)
        results[kind] = {"bone_std_mean_cm": 100 * float(std.mean()), "bone_std_max_cm": 100 * float(std.max()),
                         "lift_seconds": seconds, "frames_per_second": pose2d.num_frames / seconds,
                         "root_depth_range_m": [float(pose3d.root[found, 2].min()), float(pose3d.root[found, 2].max())]}
        lifted[kind] = pose3d
        print(kind, {k: (round(v, 3) if isinstance(v, float) else v) for k, v in results[kind].items()})

    picks = list(FIGURE_FRAMES)
    rows = []
    for t in picks:
        frame = frames[t].astype(np.float32) / 255.0
        drawn = render_sequence(pose2d.slice(t, t + 1), background=frame[None])[0]
        left = cv2.resize(drawn, (456, 256))
        cv2.putText(left, f"frame {t}", (8, 22), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (1, 1, 0), 2)
        views = render_3d_views(lifted["icl"].slice(t, t + 1), panel=256)[0]
        rows.append(np.concatenate([left, views], axis=1))
    figure = (np.concatenate(rows, axis=0) * 255).clip(0, 255).astype(np.uint8)
    out_png = REPO_DIR / "benchmarks" / "results" / "sports2d_lift.jpg"
    figure = cv2.resize(figure, (figure.shape[1] * 2 // 3, figure.shape[0] * 2 // 3), interpolation=cv2.INTER_AREA)
    cv2.imwrite(str(out_png), cv2.cvtColor(figure, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 80])
    out = REPO_DIR / "benchmarks" / "results" / "lift_real_video.json"
    out.write_text(json.dumps({"command": "benchmarks/lift_real_video.py", "frames": pose2d.num_frames,
                               "found_frames": int(found.sum()), "lifters": results}, indent=1))
    print(f"saved {out.relative_to(REPO_DIR)} and {out_png.relative_to(REPO_DIR)}")


if __name__ == "__main__":
    main()
