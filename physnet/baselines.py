"""What users do about jitter today, as benchmark rows beside PhysNet: smooth the lifted 3D
(root trajectory included) over time with Savitzky-Golay or the One Euro filter
(detect/smoothing.py, the same filters the 2D option uses)."""
from __future__ import annotations

from typing import Callable

import numpy as np

from ..detect.smoothing import one_euro, savitzky_golay
from ..skeleton.sequence import Pose2DSequence, Pose3DSequence

# One Euro in metres: 1 Hz base cut-off, rising by 0.5 Hz per m/s of joint speed.
ONE_EURO_3D = {"min_cutoff": 1.0, "beta": 0.5}
SAVGOL_WINDOW_S = 0.25


def smooth_3d(pose: Pose3DSequence, method: str) -> Pose3DSequence:
    """Smooth the global joints [T,17,3] over time; 'savitzky_golay' or 'one_euro'."""
    world = pose.global_joints().astype(np.float64)
    if method == "savitzky_golay":
        out = savitzky_golay(world, pose.fps, window_s=SAVGOL_WINDOW_S, order=2)
    elif method == "one_euro":
        out = one_euro(world, pose.fps, **ONE_EURO_3D)
    else:
        raise ValueError(f"unknown 3D smoothing {method!r}")
    root = out[:, 0] if pose.has_trajectory else None
    return Pose3DSequence(joints=out - out[:, :1], fps=pose.fps, root=root, confidence=pose.confidence,
                          source=f"{pose.source} + {method}")


class Smoothed3D:
    """An estimator (Pose2DSequence -> Pose3DSequence) followed by 3D smoothing."""

    def __init__(self, estimator: Callable[[Pose2DSequence], Pose3DSequence], method: str) -> None:
        self.estimator, self.method = estimator, method

    def __call__(self, pose2d: Pose2DSequence) -> Pose3DSequence:
        return smooth_3d(self.estimator(pose2d), self.method)
