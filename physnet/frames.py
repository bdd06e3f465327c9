"""The gravity frame PhysNet works in, and back.

The lifter's output lives in the camera frame (x right, y down, z forward), where "down" is
wherever the camera happened to point. Physics needs to know where gravity points, so the
sequence is rotated into a z-up frame first. An uncalibrated video does not tell the camera's
tilt, so it is an input: the camera's elevation (degrees above the subject, looking down;
0 = a level camera), roll assumed zero. The heading (yaw) of the frame is the camera's and
does not matter to the physics. The floor is estimated from the data (a low percentile of
the lowest joint), and the frame is shifted so that the floor is z = 0 and the first pelvis
is above the origin.

Shapes: points [...,3] metres.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..motion.cameras import orbit_camera
from ..skeleton.h36m import PELVIS

FLOOR_PERCENTILE = 5.0  # of the per-frame lowest joint height


def camera_rotation_for_elevation(elevation_deg: float) -> np.ndarray:
    """World->camera rotation [3,3] of a camera with zero roll looking down at elevation_deg
    (world z up). Rows are the camera axes in world coordinates."""
    if not np.isfinite(elevation_deg) or abs(elevation_deg) >= 89.0:
        raise ValueError(f"camera elevation must be within (-89, 89) degrees, got {elevation_deg}")
    return orbit_camera(np.zeros(3), 1.0, 0.0, float(elevation_deg), 64, 64, 64.0).rotation


@dataclass(frozen=True)
class GravityFrame:
    """camera frame -> gravity frame: p_g = (p_cam @ rotation) - offset, z up, floor z = 0.

    rotation [3,3] is the world->camera rotation (p_cam = R p_world), so p_cam @ R = R^T p_cam."""

    rotation: np.ndarray
    offset: np.ndarray  # [3]

    @classmethod
    def fit(cls, points_cam: np.ndarray, rotation: np.ndarray) -> "GravityFrame":
        """The frame for a sequence [T,17,3] (camera frame) seen by a camera of this rotation."""
        rotation = np.asarray(rotation, dtype=np.float64)
        upright = np.asarray(points_cam, dtype=np.float64) @ rotation
        floor = float(np.percentile(upright[..., 2].min(axis=-1), FLOOR_PERCENTILE))
        offset = np.array([upright[0, PELVIS, 0], upright[0, PELVIS, 1], floor])
        return cls(rotation=rotation, offset=offset)

    @classmethod
    def for_elevation(cls, points_cam: np.ndarray, elevation_deg: float) -> "GravityFrame":
        return cls.fit(points_cam, camera_rotation_for_elevation(elevation_deg))

    def to_gravity(self, points_cam: np.ndarray) -> np.ndarray:
        return np.asarray(points_cam, dtype=np.float64) @ self.rotation - self.offset

    def to_camera(self, points_g: np.ndarray) -> np.ndarray:
        return (np.asarray(points_g, dtype=np.float64) + self.offset) @ self.rotation.T
