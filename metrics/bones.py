"""Bone-length consistency: a rigid skeleton keeps its bone lengths over time and its left and
right limbs equally long."""
from __future__ import annotations

import numpy as np

from ..skeleton.h36m import SYMMETRIC_BONES, bone_lengths


def bone_length_std(joints: np.ndarray) -> np.ndarray:
    """Standard deviation over time of each bone's length. [T,17,3] -> [16]."""
    return bone_lengths(np.asarray(joints, dtype=np.float64)).std(axis=0)


def bone_asymmetry(joints: np.ndarray) -> np.ndarray:
    """Mean over time of |left bone - right bone| for the 6 mirrored bone pairs. -> [6]."""
    lengths = bone_lengths(np.asarray(joints, dtype=np.float64))
    left = np.array([l for l, _ in SYMMETRIC_BONES])
    right = np.array([r for _, r in SYMMETRIC_BONES])
    return np.abs(lengths[:, left] - lengths[:, right]).mean(axis=0)
