"""Putting loaded H36M-17 motion into the world frame: axes, units, floor and contact labels.

One set of rules for every file loader (BVH, user npz), so that the same motion gives the
same MotionClip whatever file it came in:

* axes: a y-up source is rotated by clip.Y_UP_TO_Z_UP ((x, y, z) -> (x, -z, y)); a z-up
  source is kept as it is (both are taken to be right-handed).
* floor: z = 0 is put NOMINAL_JOINT_HEIGHT (4 cm) below the lowest joint of the whole clip.
  Joint centres never touch the ground: a standing ankle (or a wrist in a handstand) sits
  about 4 cm above it, as in the suite's DeepMimic clips.
* contacts: a foot is on the ground when its ankle is lower than
  metrics.contact.CONTACT_HEIGHT (5 cm) and moves slower than CONTACT_SPEED (0.5 m/s,
  central differences), so that a foot swinging low through a step is not in contact.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..metrics.contact import CONTACT_HEIGHT, FEET
from ..skeleton.errors import PoseDataError
from .clip import Y_UP_TO_Z_UP, MotionClip

NOMINAL_JOINT_HEIGHT = 0.04  # m: height of the lowest joint centre above the floor
CONTACT_SPEED = 0.5  # m/s: a foot moving faster than this is not in contact

UNIT_SCALES = {"m": 1.0, "cm": 0.01, "mm": 0.001, "in": 0.0254, "inch": 0.0254}


def to_z_up(points: np.ndarray, up_axis: str, source: str = "") -> np.ndarray:
    """Points [...,3] with `up_axis` "y" or "z" up -> the same points in our z-up world."""
    up = str(up_axis).strip().lower()
    points = np.asarray(points, dtype=np.float64)
    if up == "z":
        return points.copy()
    if up == "y":
        return points @ Y_UP_TO_Z_UP.T
    raise PoseDataError(f"{source + ': ' if source else ''}up axis must be 'y' or 'z', got {up_axis!r}")


def floor_height(joints: np.ndarray) -> float:
    """Height of the floor under a z-up clip [T,J,3]: lowest joint minus NOMINAL_JOINT_HEIGHT."""
    return float(np.asarray(joints)[..., 2].min()) - NOMINAL_JOINT_HEIGHT


def place_on_floor(joints: np.ndarray) -> np.ndarray:
    """Shift a z-up clip [T,J,3] vertically so that its floor (floor_height) is z = 0."""
    joints = np.asarray(joints, dtype=np.float64)
    return joints - np.array([0.0, 0.0, floor_height(joints)])


def contact_labels(joints: np.ndarray, fps: float) -> np.ndarray:
    """Foot contacts of a floor-placed H36M clip [T,17,3] -> [T,2] bool (left, right)."""
    feet = np.asarray(joints, dtype=np.float64)[:, list(FEET)]  # [T,2,3]
    if len(feet) > 1:
        speed = np.linalg.norm(np.gradient(feet, axis=0), axis=-1) * fps  # [T,2] m/s
    else:
        speed = np.zeros(feet.shape[:2])
    return (feet[..., 2] < CONTACT_HEIGHT) & (speed < CONTACT_SPEED)


def world_clip(
    joints: np.ndarray, fps: float, name: str = "", source: str = "",
    extras: Optional[dict] = None,
) -> MotionClip:
    """A MotionClip from z-up metre joints [T,17,3]: floor placed, contacts labelled."""
    if not np.isfinite(fps) or fps <= 0:
        raise PoseDataError(f"{source + ': ' if source else ''}fps must be positive, got {fps}")
    placed = place_on_floor(joints)
    return MotionClip(
        joints=placed, fps=fps, contacts=contact_labels(placed, fps), name=name, source=source,
        family=name, extras=dict(extras or {}),
    )
