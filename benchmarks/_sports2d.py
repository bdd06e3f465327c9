"""The real video the benchmarks share: the Sports2D demo (installed with the dev stack), and
its gymnast detected once by Pose Detect (MediaPipe + the tracker, native size)."""
from __future__ import annotations

import numpy as np
from _package import sports2d_demo_video as demo_video  # noqa: F401  (scripts/ is on sys.path)


def detect_demo():
    """(frames [T,H,W,3] uint8, fps, Pose2DSequence, found [T] bool)."""
    from finephys.detect.mediapipe_backend import MediaPipePoseBackend
    from finephys.detect.pipeline import detect_poses
    from finephys.detect.video import read_video

    frames, fps = read_video(demo_video())
    with MediaPipePoseBackend() as backend:
        pose2d, log = detect_poses(frames, backend, fps)
    return frames, fps, pose2d, np.array(log.found)
