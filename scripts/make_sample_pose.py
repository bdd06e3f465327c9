"""Make the shipped sample pose files from real video: MediaPipe BlazePose (the model bundled
in mediapipe==0.10.21, offline) on the Sports2D demo video (sports2d==0.8.34, BSD-3).

    .venv/bin/python scripts/make_sample_pose.py

Frames 0-159 only, cropped to the region of the man on the utility box: before the flip, a
fixed crop keeps the single-person detector on him (tracking through the flip is issue F3's
job). Writes samples/sports2d_box.json (POSE_KEYPOINT, OpenPose-18 pixels of the full
1768x994 frame) and samples/sports2d_box.npz (FinePhys format, with BlazePose visibilities as
confidences).
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _package import REPO_DIR, load_package  # noqa: E402

load_package()
from finephys.skeleton.convert import to_h36m  # noqa: E402
from finephys.skeleton.pose_files import save_pose_keypoint_json, save_pose_npz  # noqa: E402
from finephys.skeleton.sequence import Pose2DSequence  # noqa: E402

FRAMES = 160
CROP = (0.0, 0.0, 0.5, 0.62)  # x0, y0, x1, y1 as fractions of the frame


def main() -> None:
    import mediapipe as mp

    spec = importlib.util.find_spec("Sports2D")
    video = Path(list(spec.submodule_search_locations)[0]) / "Demo" / "demo.mp4"
    cap = cv2.VideoCapture(str(video))
    fps = cap.get(cv2.CAP_PROP_FPS)
    width, height = int(cap.get(3)), int(cap.get(4))
    x0, y0 = int(CROP[0] * width), int(CROP[1] * height)
    x1, y1 = int(CROP[2] * width), int(CROP[3] * height)
    points = np.zeros((FRAMES, 33, 2), np.float32)
    conf = np.zeros((FRAMES, 33), np.float32)
    with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1) as pose:
        for t in range(FRAMES):
            ok, frame = cap.read()
            if not ok:
                raise RuntimeError(f"could not read frame {t} of {video}")
            crop = cv2.cvtColor(frame[y0:y1, x0:x1], cv2.COLOR_BGR2RGB)
            result = pose.process(crop)
            if result.pose_landmarks is None:
                continue
            for j, lm in enumerate(result.pose_landmarks.landmark):
                points[t, j] = (x0 + lm.x * (x1 - x0), y0 + lm.y * (y1 - y0))
                conf[t, j] = lm.visibility
    kp, c = to_h36m(points, conf, "blazepose33")
    seq = Pose2DSequence(kp, c, (width, height), fps=fps, source="sports2d_box")
    out = REPO_DIR / "samples"
    out.mkdir(exist_ok=True)
    save_pose_keypoint_json(seq, out / "sports2d_box.json")
    save_pose_npz(seq, out / "sports2d_box.npz")
    detected = int((c.max(axis=1) > 0).sum())
    print(f"{detected}/{FRAMES} frames with a person; mean confidence {c.mean():.2f}")


if __name__ == "__main__":
    main()
