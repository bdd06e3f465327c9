"""The Human3.6M 17-joint skeleton that every module of the suite shares.

Joint order (spec section 2): 0 pelvis, 1 R hip, 2 R knee, 3 R ankle, 4 L hip, 5 L knee,
6 L ankle, 7 spine, 8 thorax, 9 neck/nose, 10 head, 11 L shoulder, 12 L elbow, 13 L wrist,
14 R shoulder, 15 R elbow, 16 R wrist.
"""
from __future__ import annotations

import numpy as np

NUM_JOINTS = 17

JOINT_NAMES: tuple[str, ...] = (
    "pelvis", "right_hip", "right_knee", "right_ankle",
    "left_hip", "left_knee", "left_ankle",
    "spine", "thorax", "neck_nose", "head",
    "left_shoulder", "left_elbow", "left_wrist",
    "right_shoulder", "right_elbow", "right_wrist",
)

PARENTS: tuple[int, ...] = (-1, 0, 1, 2, 0, 4, 5, 0, 7, 8, 9, 8, 11, 12, 8, 14, 15)

ROOT = 0
PELVIS, R_HIP, R_KNEE, R_ANKLE, L_HIP, L_KNEE, L_ANKLE = 0, 1, 2, 3, 4, 5, 6
SPINE, THORAX, NECK_NOSE, HEAD = 7, 8, 9, 10
L_SHOULDER, L_ELBOW, L_WRIST, R_SHOULDER, R_ELBOW, R_WRIST = 11, 12, 13, 14, 15, 16

LEFT_JOINTS: tuple[int, ...] = (4, 5, 6, 11, 12, 13)
RIGHT_JOINTS: tuple[int, ...] = (1, 2, 3, 14, 15, 16)
CENTRE_JOINTS: tuple[int, ...] = (0, 7, 8, 9, 10)

# Bones as (parent, child), in child order 1..16.
BONES: tuple[tuple[int, int], ...] = tuple((PARENTS[c], c) for c in range(1, NUM_JOINTS))

# Index of each bone in BONES for the left/right mirrored bones: (left bone, right bone).
SYMMETRIC_BONES: tuple[tuple[int, int], ...] = tuple(
    (BONES.index((PARENTS[lc], lc)), BONES.index((PARENTS[rc], rc)))
    for lc, rc in zip(LEFT_JOINTS, RIGHT_JOINTS)
)


def flip_permutation() -> np.ndarray:
    """Joint permutation that swaps left and right: flipped = joints[..., perm, :]."""
    perm = np.arange(NUM_JOINTS)
    for left, right in zip(LEFT_JOINTS, RIGHT_JOINTS):
        perm[left], perm[right] = right, left
    return perm


_FLIP = flip_permutation()


def mirror_joints(joints: np.ndarray) -> np.ndarray:
    """The mirror image of poses about the vertical image axis: x negated, left and right
    joints swapped. [...,17,C] (x, y[, z or confidence]) -> a new array of the same shape.
    Exact for root-relative or centred coordinates; its own inverse."""
    out = np.array(np.asarray(joints)[..., _FLIP, :], copy=True)
    out[..., 0] *= -1
    return out


def bone_vectors(joints: np.ndarray) -> np.ndarray:
    """Child minus parent for every bone. joints [...,17,D] -> [...,16,D]."""
    parents = np.array([p for p, _ in BONES])
    children = np.array([c for _, c in BONES])
    return joints[..., children, :] - joints[..., parents, :]


def bone_lengths(joints: np.ndarray) -> np.ndarray:
    """Length of every bone. joints [...,17,D] -> [...,16]."""
    return np.linalg.norm(bone_vectors(joints), axis=-1)
