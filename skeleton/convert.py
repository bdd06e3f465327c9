"""Converters between common 2D keypoint layouts and H36M-17 (spec section 2).

Every converter takes positions [T,J,D] (D = 2 pixels, or 3) and confidences [T,J] and
returns H36M-17 positions [T,17,D] and confidences [T,17]. A derived joint (the pelvis as the
mid-hip, say) gets the *minimum* confidence of the joints it is made from, so a joint built
from one missing source joint is itself missing; its position is the mean of the source
joints that are present, and 0 when none is (missing joints carry confidence 0, never NaN).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .errors import PoseDataError
from .h36m import NUM_JOINTS

# For each H36M joint, the source joints whose mean it is.
_Recipe = Sequence[Sequence[int]]

# COCO-17: 0 nose, 1/2 L/R eye, 3/4 L/R ear, 5/6 L/R shoulder, 7/8 elbow, 9/10 wrist,
# 11/12 hip, 13/14 knee, 15/16 ankle. Spine = mid(pelvis, thorax) = mean of hips+shoulders.
COCO17_TO_H36M: _Recipe = (
    (11, 12), (12,), (14,), (16,), (11,), (13,), (15,),
    (11, 12, 5, 6), (5, 6), (0,), (1, 2),
    (5,), (7,), (9,), (6,), (8,), (10,),
)

# MediaPipe BlazePose-33 (left first in each pair): 0 nose, 2/5 L/R eye, 11/12 shoulders,
# 13/14 elbows, 15/16 wrists, 23/24 hips, 25/26 knees, 27/28 ankles.
BLAZEPOSE33_TO_H36M: _Recipe = (
    (23, 24), (24,), (26,), (28,), (23,), (25,), (27,),
    (23, 24, 11, 12), (11, 12), (0,), (2, 5),
    (11,), (13,), (15,), (12,), (14,), (16,),
)

# OpenPose-18 / COCO-18 (comfyui_controlnet_aux POSE_KEYPOINT): 0 nose, 1 neck, 2-4 R arm,
# 5-7 L arm, 8-10 R leg, 11-13 L leg, 14/15 R/L eye, 16/17 R/L ear. OpenPose's neck (the
# mid-shoulder point) is the thorax; the spine is mid(pelvis, neck), hence the neck twice.
OPENPOSE18_TO_H36M: _Recipe = (
    (8, 11), (8,), (9,), (10,), (11,), (12,), (13,),
    (8, 11, 1, 1), (1,), (0,), (14, 15),
    (5,), (6,), (7,), (2,), (3,), (4,),
)

# OpenPose BODY_25: 0 nose, 1 neck, 2-4 R arm, 5-7 L arm, 8 mid-hip, 9-11 R leg,
# 12-14 L leg, 15/16 R/L eye, 17/18 ears, 19-24 feet.
BODY25_TO_H36M: _Recipe = (
    (9, 12), (9,), (10,), (11,), (12,), (13,), (14,),
    (9, 12, 1, 1), (1,), (0,), (15, 16),
    (5,), (6,), (7,), (2,), (3,), (4,),
)

# H36M -> OpenPose-18 for drawing and for ControlNet interop. The thorax is the neck. H36M has
# no eyes or ears: both eyes are placed on the head joint and the ears are left missing, so
# OpenPose-18 -> H36M gives the pose back exactly, except a spine that was not midway between
# pelvis and thorax.
H36M_TO_OPENPOSE18: Sequence[Sequence[int]] = (
    (9,), (8,), (14,), (15,), (16,), (11,), (12,), (13,),
    (1,), (2,), (3,), (4,), (5,), (6,), (10,), (10,), (), (),
)

FORMATS: dict[str, tuple[int, _Recipe]] = {
    "coco17": (17, COCO17_TO_H36M),
    "blazepose33": (33, BLAZEPOSE33_TO_H36M),
    "openpose18": (18, OPENPOSE18_TO_H36M),
    "body25": (25, BODY25_TO_H36M),
    "h36m17": (17, tuple((j,) for j in range(NUM_JOINTS))),
}


def _apply_recipe(
    positions: np.ndarray, confidence: np.ndarray, recipe: _Recipe
) -> tuple[np.ndarray, np.ndarray]:
    t, _, d = positions.shape
    out_pos = np.zeros((t, len(recipe), d), dtype=np.float32)
    out_conf = np.zeros((t, len(recipe)), dtype=np.float32)
    for k, sources in enumerate(recipe):
        if not sources:
            continue
        src = list(sources)
        conf = confidence[:, src]  # [T,S]
        present = conf > 0
        count = present.sum(axis=1, keepdims=True)  # [T,1]
        summed = (positions[:, src, :] * present[..., None]).sum(axis=1)
        out_pos[:, k] = np.where(count > 0, summed / np.maximum(count, 1), 0.0)
        out_conf[:, k] = conf.min(axis=1)
    return out_pos, out_conf


def _check(positions: np.ndarray, confidence: np.ndarray, joints: int, fmt: str) -> None:
    if positions.ndim != 3 or positions.shape[1] != joints or positions.shape[2] not in (2, 3):
        raise PoseDataError(
            f"{fmt} keypoints must have shape [T,{joints},2|3], got {list(positions.shape)}"
        )
    if confidence.shape != positions.shape[:2]:
        raise PoseDataError(
            f"{fmt} confidence must have shape {list(positions.shape[:2])}, "
            f"got {list(confidence.shape)}"
        )


def to_h36m(
    positions: np.ndarray, confidence: np.ndarray, fmt: str
) -> tuple[np.ndarray, np.ndarray]:
    """Convert keypoints of layout `fmt` to H36M-17.

    positions [T,J,D], confidence [T,J] -> ([T,17,D], [T,17]).
    `fmt` is one of coco17, blazepose33, openpose18, body25, h36m17.
    Non-finite positions are treated as missing (confidence 0).
    """
    if fmt not in FORMATS:
        raise PoseDataError(f"unknown keypoint layout {fmt!r}; known: {sorted(FORMATS)}")
    joints, recipe = FORMATS[fmt]
    positions = np.asarray(positions, dtype=np.float32)
    confidence = np.asarray(confidence, dtype=np.float32)
    _check(positions, confidence, joints, fmt)
    finite = np.isfinite(positions).all(axis=-1)
    confidence = np.where(finite & np.isfinite(confidence), np.clip(confidence, 0.0, 1.0), 0.0)
    positions = np.where(finite[..., None], positions, 0.0)
    return _apply_recipe(positions, confidence, recipe)


def h36m_to_openpose18(
    positions: np.ndarray, confidence: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """H36M-17 [T,17,D], [T,17] -> OpenPose-18 [T,18,D], [T,18] (ears missing)."""
    positions = np.asarray(positions, dtype=np.float32)
    confidence = np.asarray(confidence, dtype=np.float32)
    _check(positions, confidence, NUM_JOINTS, "h36m17")
    return _apply_recipe(positions, confidence, H36M_TO_OPENPOSE18)
