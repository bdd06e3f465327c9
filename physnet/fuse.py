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

from ..detect.smoothing import savitzky_golay
from ..motion.cameras import joints_in_frame, orbit_camera
from ..skeleton.camera import PinholeCamera
from ..skeleton.errors import PoseDataError
from ..skeleton.sequence import Pose2DSequence, Pose3DSequence
from .constraints import com_weights, median_bone_lengths, project_bone_lengths
from .frames import GravityFrame
from .inference import FLIGHT_EXTRA

# Fuse & Project's defaults (with the paper's weight 0.5). Chosen on validation clips (the
# DeepMimic TRAINING clips and synthetic ones) seen by the bench's cameras, never on the
# held-out ones (benchmarks/fusion_settings.py): of the settings tried (band 0.25/0.5/1 s,
# detail 0/0.5/1), the one meeting the goals against Savitzky-Golay (lower
# acceleration error at equal or better MPJPE) with the lowest flight-law median; then the
# flight ramp with the lowest flight-law mean. Measured in BENCHMARKS.md ("PhysNet ... fusion");
# re-chosen on 2026-12-04 for the shipped 5000-step lifter and its PhysNet.
FUSION_DEFAULTS = dict(rigid_bones=True, data_band_s=0.25, flight_law=True, physics_detail=0.0,
                       flight_ramp_s=1.0)

VIEW_MARGIN = 0.05  # of the image kept free at each border by the automatic distance
MAX_AUTO_DISTANCE = 200.0  # m


def fuse(data: Pose3DSequence, physics: Pose3DSequence, weight: float = 0.5, rigid_bones: bool = False,
         data_band_s: float = 0.0, flight_law: bool = False, physics_detail: float = 1.0,
         flight_ramp_s: float = 0.0) -> Pose3DSequence:
    """Blend the data-driven and the physics estimate; weight = the physics share.

    data_band_s = 0: the paper's plain average A = (1 - w) S3D_dd + w S3D_pp (w = 0.5).
    data_band_s > 0: SG(A) + d (S3D_pp - SG(S3D_pp)), SG a Savitzky-Golay low-pass over that
    many seconds and d = physics_detail: the blend keeps its slow motion, and of the fast
    motion only PhysNet's (a share d of it), so the lift's frame-to-frame jitter does not come
    back (the plain average keeps half of it). d = 1 is S3D_pp + (1 - w) SG(S3D_dd - S3D_pp).
    rigid_bones: the blend's bones get the data's median lengths back (the average of two rigid
    skeletons is not rigid: its bones shrink where the two disagree in direction); the pelvis
    stays.
    flight_law: in the frames PhysNet marked as flight (its output's extras), the centre of
    mass is PhysNet's, which follows gravity's parabola there. flight_ramp_s > 0: in the
    unmarked frames within that many seconds of a flight run, the centre of mass moves towards
    PhysNet's with a cosine ramp, so it does not switch within one frame at take-off and
    landing.
    Root trajectories are blended too when both have one."""
    if not 0.0 <= weight <= 1.0:
        raise PoseDataError(f"fuse weight must lie in [0, 1], got {weight}")
    if data_band_s < 0:
        raise PoseDataError(f"the data band must be 0 (plain average) or a positive window in seconds, got {data_band_s}")
    if not 0.0 <= physics_detail <= 1.0:
        raise PoseDataError(f"physics detail must lie in [0, 1], got {physics_detail}")
    if flight_ramp_s < 0:
        raise PoseDataError(f"the flight ramp must be 0 (none) or a positive time in seconds, got {flight_ramp_s}")
    if data.num_frames != physics.num_frames:
        raise PoseDataError(f"cannot fuse {data.num_frames} frames with {physics.num_frames}: "
                            "both 3D inputs must come from the same clip")
    if abs(data.fps - physics.fps) > 1e-3 * data.fps:
        raise PoseDataError(f"cannot fuse sequences at {data.fps:g} and {physics.fps:g} fps")
    if data.has_trajectory != physics.has_trajectory:
        raise PoseDataError("one 3D input has a root trajectory and the other has none")
    flight = None
    if flight_law:
        flight = physics.extras.get(FLIGHT_EXTRA)
        if flight is None or len(flight) != physics.num_frames:
            raise PoseDataError("keeping the flight law needs PhysNet's output as the physics input "
                                "(it carries the flight phases PhysNet found); or turn flight_law off")
    if data.has_trajectory:
        d, p = data.global_joints().astype(np.float64), physics.global_joints().astype(np.float64)
    else:
        d, p = data.joints.astype(np.float64), physics.joints.astype(np.float64)
    blended = (1 - weight) * d + weight * p
    if data_band_s > 0:
        blended = savitzky_golay(blended, data.fps, data_band_s, 2) + physics_detail * (
            p - savitzky_golay(p, data.fps, data_band_s, 2))
    if rigid_bones:
        lengths = median_bone_lengths(data.joints.astype(np.float64), data.confidence)
        pelvis = blended[:, :1]
        blended = pelvis + project_bone_lengths(torch.from_numpy(blended - pelvis), torch.from_numpy(lengths)).numpy()
    if flight is not None:
        weights = com_weights(torch.float64).numpy()
        shift = np.einsum("j,tjc->tc", weights, p - blended)
        share = flight_share(np.asarray(flight, np.float64), round(flight_ramp_s * data.fps))
        blended = blended + (share[:, None] * shift)[:, None, :]
    root = blended[:, 0] if data.has_trajectory else None
    joints = blended - blended[:, :1]
    extras = dict(data.extras)
    if FLIGHT_EXTRA in physics.extras:
        extras[FLIGHT_EXTRA] = physics.extras[FLIGHT_EXTRA]
    how = f"physics weight {weight:g}" + (
        f", band {data_band_s:g} s, physics detail {physics_detail:g}" if data_band_s > 0 else "")
    return Pose3DSequence(joints=joints, fps=data.fps, root=root, confidence=data.confidence,
                          source=f"fused ({how})", extras=extras)


def flight_share(flight: np.ndarray, ramp_frames: int) -> np.ndarray:
    """[T] 0/1 flight marks -> [T] share of PhysNet's centre of mass: 1 in flight, a cosine
    ramp from 1 to 0 over ramp_frames frames on either side of each flight run, 0 elsewhere."""
    marked = flight > 0.5
    if ramp_frames <= 0 or not marked.any():
        return flight
    frames, flights = np.arange(len(flight)), np.flatnonzero(marked)
    # to the nearest flight frame, O(T log F) (no [T, F] matrix for long videos)
    after = np.minimum(np.searchsorted(flights, frames), len(flights) - 1)
    before = np.maximum(after - 1, 0)
    distance = np.minimum(np.abs(flights[after] - frames), np.abs(frames - flights[before]))
    ramp = 0.5 * (1 + np.cos(np.pi * np.minimum(distance, ramp_frames + 1) / (ramp_frames + 1)))
    return np.where(marked, 1.0, ramp)


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
