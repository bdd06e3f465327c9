"""Filling the frames where the actor was not found.

Missing joints are data, not errors (spec section 2): they keep confidence 0 and get a
position interpolated linearly in time between the nearest frames where that joint was seen
(held at the ends), flagged `interpolated` so nothing downstream mistakes them for
observations. A joint never seen at all sits on the mean of the joints seen in that frame,
or at the image centre when there are none; never NaN.
"""
from __future__ import annotations

import numpy as np


def fill_gaps(
    keypoints: np.ndarray, confidence: np.ndarray, image_size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """keypoints [T,J,2], confidence [T,J] (0 = missing) -> (filled keypoints [T,J,2] float32,
    interpolated [T,J] bool). Confidences are not changed."""
    kp = np.asarray(keypoints, dtype=np.float64).copy()
    seen = np.asarray(confidence) > 0
    t_len, j_len = seen.shape
    frames = np.arange(t_len)
    for j in range(j_len):
        have = seen[:, j]
        if have.all() or not have.any():
            continue
        for axis in range(2):
            kp[~have, j, axis] = np.interp(frames[~have], frames[have], kp[have, j, axis])
    never = ~seen.any(axis=0)
    if never.any():
        centre = np.array(image_size, dtype=np.float64) / 2
        for t in range(t_len):
            present = ~never
            kp[t, never] = kp[t, present].mean(axis=0) if present.any() else centre
    return kp.astype(np.float32), ~seen
