"""What the lifters see: 2D made independent of where the person is in the image and how big.

2D (per window): every frame's keypoints minus that frame's pelvis, divided by one scale for
the window (the median over frames of the diagonal of the confident joints' bounding box), so
the same pose gives the same input in a 4K frame or a thumbnail, anywhere in the image.
Missing joints (confidence 0) are zeroed; the confidence rides along as a third channel, so
the network can tell a missing joint from one at the pelvis.

3D targets are root-relative joints in metres in the camera frame; the depth of the root is
recovered afterwards from the 2D and the camera (lifter/trajectory.py), not predicted.
"""
from __future__ import annotations

import numpy as np

from ..skeleton.h36m import PELVIS

MIN_SCALE = 1e-3  # px: below this the window has no measurable body


def frame_sizes(keypoints: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """Each frame's bounding-box diagonal of the confident joints. keypoints [T,17,2],
    confidence [T,17] -> [T] pixels (float64), NaN where fewer than two joints are seen."""
    kp = np.asarray(keypoints)
    seen = np.asarray(confidence) > 0
    low = np.where(seen[..., None], kp, np.inf).min(axis=1)
    high = np.where(seen[..., None], kp, -np.inf).max(axis=1)
    enough = seen.sum(axis=1) >= 2
    sizes = np.full(len(kp), np.nan)
    sizes[enough] = np.linalg.norm(high[enough] - low[enough], axis=-1)
    return sizes


def window_scale(keypoints: np.ndarray, confidence: np.ndarray) -> float:
    """Median over frames of the bounding-box diagonal of the confident joints.
    keypoints [T,17,2], confidence [T,17] -> scale in pixels (1.0 when nothing is seen)."""
    sizes = frame_sizes(keypoints, confidence)
    if np.isnan(sizes).all():
        return 1.0
    return max(float(np.nanmedian(sizes)), MIN_SCALE)


def normalize_2d(keypoints: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """[T,17,2] pixels + [T,17] -> [T,17,3] float32 (x, y root-relative / scale, confidence).

    The pelvis of a frame where it is missing is the mean of the frame's seen joints (the
    confidence channel tells the network)."""
    kp = np.asarray(keypoints, dtype=np.float64)
    conf = np.clip(np.asarray(confidence, dtype=np.float64), 0.0, 1.0)
    seen = conf > 0
    root = kp[:, PELVIS].copy()
    for t in np.flatnonzero(~seen[:, PELVIS]):
        root[t] = kp[t, seen[t]].mean(axis=0) if seen[t].any() else 0.0
    scale = window_scale(kp, conf)
    rel = (kp - root[:, None]) / scale
    rel[~seen] = 0.0
    return np.concatenate([rel, conf[..., None]], axis=-1).astype(np.float32)
