"""Pose Detect on real video: speed, detection rate, identity and 2D jitter.

    .venv/bin/python benchmarks/pose_detect.py [--max-side 0]

Video: the Sports2D demo (sports2d==0.8.34, 1768x994, 30 fps, 230 frames): a gymnast flips
off a box while a woman walks in front of the camera. Rows, measured in the same run:
  plain MediaPipe   the baseline: mp.solutions.pose on whole frames with its own frame-to-
                    frame tracking (static_image_mode=False), the usual way to run it;
  FinePhys tracker  detect/tracker.py around the same MediaPipe model.
Columns: detection frames/s (decoding excluded, frames already in memory), share of the
frames where the gymnast is visible (0-226) with a detection, frames on the wrong person
(scene annotations as in tests/integration/test_detect_workflow.py), and 2D jitter (mean
|second difference| of confident keypoints over consecutive detected frames, px/frame^2)
raw and after each smoother. Prints a table, saves benchmarks/results/pose_detect.json.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from _package import REPO_DIR, load_package  # noqa: E402

load_package()
from _sports2d import demo_video  # noqa: E402
from finephys.detect.mediapipe_backend import MediaPipePoseBackend  # noqa: E402
from finephys.detect.pipeline import detect_poses  # noqa: E402
from finephys.detect.smoothing import smooth_keypoints  # noqa: E402
from finephys.detect.video import read_video  # noqa: E402
from finephys.skeleton.convert import to_h36m  # noqa: E402
from finephys.skeleton.h36m import PELVIS  # noqa: E402

VISIBLE = np.arange(0, 227)
ON_BOX_AND_FLIP = np.arange(150, 186)  # gymnast's pelvis y < 600 (full-size pixels)
AFTER_LANDING = np.arange(186, 227)  # gymnast's pelvis x > 800


def plain_mediapipe(frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import mediapipe as mp

    height, width = frames.shape[1:3]
    points = np.zeros((len(frames), 33, 2))
    conf = np.zeros((len(frames), 33))
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1) as pose:
        for t, frame in enumerate(frames):
            result = pose.process(frame)
            if result.pose_landmarks is not None:
                values = np.array([(lm.x, lm.y, lm.visibility) for lm in result.pose_landmarks.landmark])
                points[t] = values[:, :2] * (width, height)
                conf[t] = values[:, 2]
    return to_h36m(points, conf, "blazepose33")


def jitter(keypoints: np.ndarray, confidence: np.ndarray, found: np.ndarray, threshold: float = 0.5) -> float:
    """Mean |x_{t-1} - 2x_t + x_{t+1}| over joints confident in all three found frames."""
    ok = found[:-2] & found[1:-1] & found[2:]
    good = (confidence[:-2] > threshold) & (confidence[1:-1] > threshold) & (confidence[2:] > threshold)
    acc = np.linalg.norm(keypoints[:-2] - 2 * keypoints[1:-1] + keypoints[2:], axis=-1)
    mask = ok[:, None] & good
    return float(acc[mask].mean())


def score(keypoints, confidence, scale: float, seconds: float, frames: int) -> dict:
    found = confidence.max(axis=1) > 0
    pelvis = keypoints[:, PELVIS] * scale
    wrong = int(((pelvis[ON_BOX_AND_FLIP, 1] >= 600) & found[ON_BOX_AND_FLIP]).sum()
                + ((pelvis[AFTER_LANDING, 0] <= 800) & found[AFTER_LANDING]).sum())
    row = {
        "fps": frames / seconds,
        "detected_visible": float(found[VISIBLE].mean()),
        "wrong_person_frames": wrong,
        "jitter_raw": jitter(keypoints, confidence, found),
    }
    for method in ("one_euro", "savitzky_golay"):
        row[f"jitter_{method}"] = jitter(smooth_keypoints(keypoints, 30.0, method), confidence, found)
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-side", type=int, default=0, help="resize frames (0 = native 1768x994)")
    args = parser.parse_args()
    video = demo_video()
    began = time.perf_counter()
    frames, fps = read_video(video, max_side=args.max_side)
    decode = time.perf_counter() - began
    height, width = frames.shape[1:3]
    scale = 1768 / width  # annotations are in full-size pixels
    print(f"{len(frames)} frames {width}x{height} @ {fps:g} fps decoded in {decode:.2f} s "
          f"({len(frames) / decode:.0f} frames/s)")

    rows = {}
    began = time.perf_counter()
    kp, conf = plain_mediapipe(frames)
    rows["plain MediaPipe (whole frames, own tracking)"] = score(kp, conf, scale, time.perf_counter() - began, len(frames))
    with MediaPipePoseBackend() as backend:
        began = time.perf_counter()
        seq, log = detect_poses(frames, backend, fps)
        seconds = time.perf_counter() - began
    row = score(seq.keypoints, seq.confidence, scale, seconds, len(frames))
    row["detector_calls_per_frame"] = log.detector_calls / len(frames)
    rows["FinePhys tracker (crops, gate, masks, turned crops)"] = row

    print("| method | detection frames/s | detected (visible frames) | wrong-person frames | "
          "jitter raw | jitter one-euro | jitter Savitzky-Golay |")
    print("|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['fps']:.1f} | {100 * r['detected_visible']:.1f} % | {r['wrong_person_frames']} | "
              f"{r['jitter_raw']:.2f} | {r['jitter_one_euro']:.2f} | {r['jitter_savitzky_golay']:.2f} |")
    out = REPO_DIR / "benchmarks" / "results" / "pose_detect.json"
    out.write_text(json.dumps({
        "command": f"benchmarks/pose_detect.py --max-side {args.max_side}",
        "machine": {"platform": platform.platform(), "python": platform.python_version()},
        "video": {"frames": len(frames), "width": width, "height": height, "fps": fps,
                  "decode_seconds": decode},
        "rows": rows,
    }, indent=1))
    print(f"saved {out.relative_to(REPO_DIR)}")


if __name__ == "__main__":
    main()
