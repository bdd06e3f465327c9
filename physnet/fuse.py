"""Fuse & Project (spec 1.1-1.3): S3D = (1 - w) S3D_dd + w S3D_pp, then 2D for the original
camera or for a new view, ready for the heatmap encoder.

The new view orbits the action in the gravity frame (physnet/frames.py): azimuth 0 with the
input's elevation is the original camera's side, 90 a quarter turn around, 180 behind.
Distance 0 places the camera automatically: pulled back until every joint of every frame is
in view.
"""
from __future__ import annotations

from typing import Optional

import numpy as np
import torch

from ..motion.cameras import joints_in_frame, orbit_camera
from ..skeleton.camera import PinholeCamera
from ..skeleton.errors import PoseDataError
from ..skeleton.sequence import Pose2DSequence, Pose3DSequence
from .constraints import median_bone_lengths, project_bone_lengths
from .frames import GravityFrame

VIEW_MARGIN = 0.05  # of the image kept free at each border by the automatic distance
MAX_AUTO_DISTANCE = 200.0  # m


def fuse(data: Pose3DSequence, physics: Pose3DSequence, weight: float = 0.5, rigid_bones: bool = False) -> Pose3DSequence:
    """Blend the data-driven and the physics estimate; weight = the physics share (0.5: the
    paper's average). Root trajectories are blended too when both have one. With rigid_bones
    the blend's bones get the data's median lengths back (the average of two rigid skeletons
    is not rigid: its bones shrink where the two disagree in direction); the pelvis stays."""
    if not 0.0 <= weight <= 1.0:
        raise PoseDataError(f"fuse weight must lie in [0, 1], got {weight}")
    if data.num_frames != physics.num_frames:
        raise PoseDataError(f"cannot fuse {data.num_frames} frames with {physics.num_frames}: "
                            "both 3D inputs must come from the same clip")
    if abs(data.fps - physics.fps) > 1e-3 * data.fps:
        raise PoseDataError(f"cannot fuse sequences at {data.fps:g} and {physics.fps:g} fps")
    if data.has_trajectory != physics.has_trajectory:
        raise PoseDataError("one 3D input has a root trajectory and the other has none")
    if data.has_trajectory:
        blended = (1 - weight) * data.global_joints() + weight * physics.global_joints()
        root = blended[:, 0]
        joints = blended - root[:, None]
    else:
        joints, root = (1 - weight) * data.joints + weight * physics.joints, None
    if rigid_bones:
        lengths = median_bone_lengths(data.joints.astype(np.float64), data.confidence)
        joints = project_bone_lengths(torch.from_numpy(np.asarray(joints, np.float64)),
                                      torch.from_numpy(lengths)).numpy()
    return Pose3DSequence(joints=joints, fps=data.fps, root=root, confidence=data.confidence,
                          source=f"fused (physics weight {weight:g})", extras=dict(data.extras))


def _to_2d(points_cam: np.ndarray, camera: PinholeCamera, pose: Pose3DSequence, source: str) -> Pose2DSequence:
    uv, in_front = camera.project(points_cam)
    conf = np.ones(uv.shape[:2], np.float32) if pose.confidence is None else pose.confidence.copy()
    conf = np.where(in_front, conf, 0.0)
    return Pose2DSequence(keypoints=uv, confidence=conf, image_size=(camera.width, camera.height), fps=pose.fps,
                          source=source)


def project_original(pose: Pose3DSequence, width: int, height: int, focal_length_px: Optional[float] = None) -> Pose2DSequence:
    """2D as the original camera saw it (the intrinsics the lifter assumed)."""
    if not pose.has_trajectory:
        raise PoseDataError("projecting needs a root trajectory (the 3D sequence has none)")
    camera = PinholeCamera.from_image_size(width, height, focal_length_px)
    return _to_2d(pose.global_joints(), camera, pose, f"{pose.source} -> original view")


def new_view_camera(world: np.ndarray, azimuth_deg: float, elevation_deg: float, distance: float,
                    width: int, height: int, focal_length_px: Optional[float] = None) -> PinholeCamera:
    """An orbit camera around a motion [T,17,3] (gravity frame), aimed at the middle of its
    bounding box; distance 0: the nearest that keeps the whole motion in view."""
    focal = float(focal_length_px or max(width, height))
    low, high = world.reshape(-1, 3).min(0), world.reshape(-1, 3).max(0)
    target = 0.5 * (low + high)
    if distance > 0:
        return orbit_camera(target, distance, azimuth_deg, elevation_deg, width, height, focal)
    d = max(1.0, float(np.linalg.norm(high - low)))
    while d < MAX_AUTO_DISTANCE:
        camera = orbit_camera(target, d, azimuth_deg, elevation_deg, width, height, focal)
        if joints_in_frame(camera, world, VIEW_MARGIN).all():
            return camera
        d *= 1.05
    raise PoseDataError("could not place a camera that sees the whole motion")


def project_new_view(pose: Pose3DSequence, input_elevation_deg: float, azimuth_deg: float, elevation_deg: float,
                     distance: float, width: int, height: int,
                     focal_length_px: Optional[float] = None) -> tuple[Pose2DSequence, PinholeCamera, np.ndarray]:
    """2D from a new camera. Returns (2D, the camera, the motion in the gravity frame [T,17,3])."""
    if not pose.has_trajectory:
        raise PoseDataError("a new view needs a root trajectory (the 3D sequence has none)")
    if abs(elevation_deg) >= 89.0:
        raise PoseDataError(f"view elevation must be within (-89, 89) degrees, got {elevation_deg}")
    try:
        frame = GravityFrame.for_elevation(pose.global_joints(), input_elevation_deg)
    except ValueError as exc:
        raise PoseDataError(str(exc)) from exc
    world = frame.to_gravity(pose.global_joints())
    camera = new_view_camera(world, azimuth_deg, elevation_deg, distance, width, height, focal_length_px)
    pose2d = _to_2d(camera.world_to_camera(world), camera, pose,
                    f"{pose.source} -> view az {azimuth_deg:g} el {elevation_deg:g}")
    return pose2d, camera, world
