"""Trivial 2D->3D baselines that every learned lifter must beat on FinePhys-Bench.

MeanPoseLifter: the mean training pose placed where the 2D says. Per frame, the root
translation is fitted so the mean pose projects onto the detected joints (least squares,
skeleton/camera.py), then every joint is back-projected along its own camera ray at the depth
the mean pose gives it. So x and y follow the 2D exactly, at the right scale, and only the
relative depth comes from the prior: the "mean pose scaled to the 2D".
"""
from __future__ import annotations

from dataclasses import replace
from typing import Optional, Sequence

import numpy as np

from ..detect.smoothing import one_euro, savitzky_golay
from ..motion.cameras import orbit_camera
from ..motion.clip import MotionClip
from ..skeleton.camera import PinholeCamera
from ..skeleton.h36m import PELVIS, bone_lengths
from ..skeleton.sequence import Pose2DSequence, Pose3DSequence


def mean_camera_pose(clips: Sequence[MotionClip], azimuths_deg: Sequence[float] = tuple(range(0, 360, 30))) -> np.ndarray:
    """The average root-relative pose as cameras around the body see it. [17,3] metres,
    camera axes. Views at every azimuth (level cameras) so no facing direction is favoured."""
    total, count = np.zeros((17, 3)), 0
    for clip in clips:
        target = np.array([*clip.root[:, :2].mean(axis=0), 1.0])
        for az in azimuths_deg:
            camera = orbit_camera(target, 6.0, float(az), 0.0, 1920, 1080, 1920.0)
            cam = camera.world_to_camera(clip.joints)
            total += (cam - cam[:, PELVIS:PELVIS + 1]).sum(axis=0)
            count += clip.num_frames
    mean = total / count
    # Averaging over views and over lying, crouching and standing frames shrinks the pose
    # (limbs pointing different ways cancel); give it back the data's mean bone lengths so
    # that fitting it to the 2D puts the body at the right distance.
    true_length = np.mean([bone_lengths(c.joints).sum(axis=1).mean() for c in clips])
    return mean * (true_length / bone_lengths(mean).sum())


class MeanPoseLifter:
    """Pose2DSequence -> Pose3DSequence with a trajectory; see the module docstring.

    mean_pose [17,3] root-relative metres in camera axes; focal_length_px None assumes the
    longer image side (PinholeCamera.from_image_size), as the nodes do for unknown cameras.
    """

    name = "mean pose (back-projected)"

    def __init__(self, mean_pose: np.ndarray, focal_length_px: Optional[float] = None) -> None:
        self.mean_pose = np.asarray(mean_pose, dtype=np.float64)
        self.focal_length_px = focal_length_px

    def camera_for(self, pose2d: Pose2DSequence) -> PinholeCamera:
        return PinholeCamera.from_image_size(pose2d.width, pose2d.height, self.focal_length_px)

    def __call__(self, pose2d: Pose2DSequence) -> Pose3DSequence:
        camera = self.camera_for(pose2d)
        t_len = pose2d.num_frames
        prior = np.broadcast_to(self.mean_pose, (t_len, 17, 3))
        root, _ = camera.fit_root_translation(prior, pose2d.keypoints, pose2d.confidence)
        root = root.astype(np.float64)
        depth = root[:, None, 2] + prior[..., 2]  # [T,17]
        uv = pose2d.keypoints.astype(np.float64)
        ray = np.stack([(uv[..., 0] - camera.cx) / camera.fx, (uv[..., 1] - camera.cy) / camera.fy], -1)
        back = np.concatenate([ray * depth[..., None], depth[..., None]], axis=-1)
        # Joints the detector missed keep the prior at the fitted root.
        seen = pose2d.confidence > 0
        points = np.where(seen[..., None], back, prior + root[:, None])
        pelvis = points[:, PELVIS]
        return Pose3DSequence(
            joints=points - pelvis[:, None], fps=pose2d.fps, root=pelvis,
            confidence=pose2d.confidence, source=f"{self.name}: {pose2d.source}",
        )


# One Euro in metres: 1 Hz base cut-off, rising by 0.5 Hz per m/s of joint speed.
ONE_EURO_3D = {"min_cutoff": 1.0, "beta": 0.5}
SMOOTHING_3D = ("savitzky_golay", "one_euro")


def smooth_3d(pose: Pose3DSequence, method: str, window_s: float = 0.25, order: int = 2) -> Pose3DSequence:
    """Smooth the global joints [T,17,3] (root trajectory included) over time with
    Savitzky-Golay (window in seconds, so clips at 16 and 60 fps are smoothed over the same
    time span) or the One Euro filter: what users do about jitter today."""
    world = pose.global_joints().astype(np.float64)
    if method == "savitzky_golay":
        smooth = savitzky_golay(world, pose.fps, window_s, order)
    elif method == "one_euro":
        smooth = one_euro(world, pose.fps, **ONE_EURO_3D)
    else:
        raise ValueError(f"unknown 3D smoothing {method!r}; choose one of {', '.join(SMOOTHING_3D)}")
    root = smooth[:, PELVIS] if pose.has_trajectory else None
    return replace(pose, joints=smooth - smooth[:, PELVIS:PELVIS + 1], root=root,
                   source=f"{pose.source} + {method}")


class Smoothed3D:
    """Any estimator (Pose2DSequence -> Pose3DSequence) followed by smooth_3d."""

    def __init__(self, estimator, method: str = "savitzky_golay") -> None:
        if method not in SMOOTHING_3D:
            raise ValueError(f"unknown 3D smoothing {method!r}; choose one of {', '.join(SMOOTHING_3D)}")
        self.estimator, self.method = estimator, method
        self.name = f"{getattr(estimator, 'name', 'estimator')} + {method}"

    def __call__(self, pose2d: Pose2DSequence) -> Pose3DSequence:
        return smooth_3d(self.estimator(pose2d), self.method)
