"""Virtual cameras around a world-frame motion, and the 2D poses they see.

The world is the MotionClip frame (right-handed, metres, z up, floor z = 0); cameras are
skeleton.camera.PinholeCamera objects (OpenCV axes: x right, y down, z forward, with
p_cam = R @ p_world + t). A camera built here is level: its image x axis is horizontal in
the world and world "up" points up in the image (unless it looks straight up or down).

Sampling (CameraRanges, sample_camera, sample_camera_for_clip) draws from a numpy
Generator in a fixed order, so the same generator state always gives the same camera.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence, Union

import numpy as np

from ..skeleton.camera import MIN_DEPTH, PinholeCamera
from ..skeleton.errors import PoseDataError
from ..skeleton.h36m import PELVIS
from ..skeleton.sequence import Pose2DSequence
from .clip import MotionClip

ArrayLike = Union[Sequence[float], np.ndarray]

# A sampled camera is never placed lower than this above the floor (metres): a camera with a
# negative elevation moved far away along its view ray would otherwise end up underground.
MIN_CAMERA_HEIGHT = 0.1

# Default margin of sample_camera_for_clip, as a fraction of the image width (left/right)
# and height (top/bottom): joints stay this far inside the border, like a framed shot.
DEFAULT_FRAME_MARGIN = 0.05

_DISTANCE_STEP = 1.05  # sample_camera_for_clip moves the camera back 5 % at a time
_MAX_DISTANCE_STEPS = 400  # 1.05**400 ~ 3e8: more means the clip cannot be framed at all


def _vector(value: ArrayLike, size: int, name: str) -> np.ndarray:
    v = np.asarray(value, dtype=np.float64).reshape(-1)
    if v.shape != (size,) or not np.isfinite(v).all():
        raise PoseDataError(f"{name} must be {size} finite numbers, got {value!r}")
    return v


def _intrinsics_ok(width: int, height: int, focal_px: float) -> None:
    if int(width) <= 0 or int(height) <= 0:
        raise PoseDataError(f"image size must be positive, got {width}x{height}")
    if not np.isfinite(focal_px) or focal_px <= 0:
        raise PoseDataError(f"focal length must be positive, got {focal_px}")


def look_at_camera(
    position: ArrayLike,
    target: ArrayLike,
    width: int,
    height: int,
    focal_px: float,
    up: ArrayLike = (0.0, 0.0, 1.0),
) -> PinholeCamera:
    """A camera at world `position` [3] whose optical axis passes through world `target` [3].

    Square pixels (fx = fy = focal_px), principal point at the image centre. The camera z
    axis points from position to target; its x axis (image right) is forward x up, so it is
    horizontal; its y axis (image down) is forward x right, so `up` points up in the image.
    When the view is (nearly) parallel to `up` (straight down or up), world +y and then +x
    are tried as the up hint instead, so the result is always a proper rotation, never NaN.
    """
    _intrinsics_ok(width, height, focal_px)
    pos = _vector(position, 3, "camera position")
    tgt = _vector(target, 3, "camera target")
    forward = tgt - pos
    norm = np.linalg.norm(forward)
    if norm < 1e-9:
        raise PoseDataError("camera position and target coincide; the view direction is undefined")
    forward /= norm
    right = None
    for hint in (_vector(up, 3, "up hint"), np.array([0.0, 1.0, 0.0]), np.array([1.0, 0.0, 0.0])):
        cross = np.cross(forward, hint)
        length = np.linalg.norm(cross)
        # Normalise by the hint length, so a tiny but valid hint is not taken as degenerate.
        if length > 1e-6 * max(np.linalg.norm(hint), 1e-12):
            right = cross / length
            break
    assert right is not None  # +y and +x cannot both be parallel to one direction
    down = np.cross(forward, right)  # x right, y down, z forward is right-handed: x * y = z
    rotation = np.stack([right, down, forward])  # rows: camera axes in world coordinates
    translation = -rotation @ pos
    return PinholeCamera(
        float(focal_px), float(focal_px), width / 2.0, height / 2.0, int(width), int(height),
        rotation=rotation, translation=translation,
    )


def orbit_direction(azimuth_deg: float, elevation_deg: float) -> np.ndarray:
    """Unit vector [3] from the target to an orbiting camera:
    (cos el * cos az, cos el * sin az, sin el).

    Azimuth 0 puts the camera on the +x side of the target (looking toward -x), 90 on the +y
    side (looking toward -y); elevation > 0 is above the target, looking down.
    """
    az, el = np.radians(float(azimuth_deg)), np.radians(float(elevation_deg))
    return np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])


def orbit_camera(
    target: ArrayLike,
    distance: float,
    azimuth_deg: float,
    elevation_deg: float,
    width: int,
    height: int,
    focal_px: float,
) -> PinholeCamera:
    """A camera at target + distance * orbit_direction(azimuth, elevation), looking at target.

    target [3] world metres; azimuth measured counter-clockwise about +z from the +x axis
    (azimuth 0: camera on the +x axis of the target looking back toward -x; 90: on +y);
    elevation above the horizontal through the target (positive: looking down).
    """
    if not np.isfinite(distance) or distance <= 0:
        raise PoseDataError(f"orbit distance must be positive, got {distance}")
    if not (np.isfinite(azimuth_deg) and np.isfinite(elevation_deg)):
        raise PoseDataError("orbit azimuth and elevation must be finite")
    tgt = _vector(target, 3, "camera target")
    position = tgt + float(distance) * orbit_direction(azimuth_deg, elevation_deg)
    return look_at_camera(position, tgt, width, height, focal_px)


def focal_from_hfov(width: int, hfov_deg: float) -> float:
    """Focal length in pixels that gives a horizontal field of view of hfov_deg across width."""
    if not 0 < hfov_deg < 180:
        raise PoseDataError(f"field of view must lie in (0, 180) degrees, got {hfov_deg}")
    return (width / 2.0) / np.tan(np.radians(hfov_deg) / 2.0)


def _check_range(name: str, bounds: tuple[float, float], low: float = -np.inf,
                 high: float = np.inf) -> None:
    lo, hi = (float(b) for b in bounds)
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo > hi or lo < low or hi > high:
        raise PoseDataError(f"CameraRanges.{name} must be (low, high) with {low} <= low <= high "
                            f"<= {high}, got {bounds}")


@dataclass(frozen=True)
class CameraRanges:
    """Uniform ranges a virtual camera is drawn from; every bound is inclusive.

    distance      (3.0, 8.0) m from the target: a person filmed from across a room or a gym.
    target_height (0.8, 1.2) m above the floor: the point the camera aims at, around the hips
                  of a standing adult.
    azimuth       (0, 360) deg, the full circle (orbit_camera convention: 0 = on +x).
    elevation     (-5, 30) deg: from slightly below the aim point (a low tripod) to a raised
                  camera looking down, the usual range of hand-held and broadcast video.
    hfov          (40, 75) deg horizontal field of view, converted to focal_px with
                  focal_from_hfov: a short telephoto to a phone's wide lens.
    image_sizes   (width, height) pairs drawn uniformly: 1080p, 720p, square and portrait.
    """

    distance: tuple[float, float] = (3.0, 8.0)
    target_height: tuple[float, float] = (0.8, 1.2)
    azimuth: tuple[float, float] = (0.0, 360.0)
    elevation: tuple[float, float] = (-5.0, 30.0)
    hfov: tuple[float, float] = (40.0, 75.0)
    image_sizes: tuple[tuple[int, int], ...] = (
        (1920, 1080), (1280, 720), (1080, 1080), (720, 1280),
    )

    def __post_init__(self) -> None:
        _check_range("distance", self.distance, low=1e-3)
        _check_range("target_height", self.target_height)
        _check_range("azimuth", self.azimuth)
        _check_range("elevation", self.elevation, low=-89.0, high=89.0)
        _check_range("hfov", self.hfov, low=1.0, high=170.0)
        if not self.image_sizes or any(
            len(s) != 2 or int(s[0]) <= 0 or int(s[1]) <= 0 for s in self.image_sizes
        ):
            raise PoseDataError(f"CameraRanges.image_sizes must be (width, height) pairs, got "
                                f"{self.image_sizes!r}")


@dataclass(frozen=True)
class _Draw:
    """One set of sampled camera parameters (before any distance fitting)."""

    width: int
    height: int
    focal_px: float
    distance: float
    target_height: float
    azimuth: float
    elevation: float


def _draw(rng: np.random.Generator, ranges: CameraRanges) -> _Draw:
    # Always the same number of draws in the same order: the camera depends only on the
    # generator state, and later draws from the caller's generator are reproducible too.
    size_index = int(rng.integers(len(ranges.image_sizes)))
    hfov = float(rng.uniform(*ranges.hfov))
    distance = float(rng.uniform(*ranges.distance))
    target_height = float(rng.uniform(*ranges.target_height))
    azimuth = float(rng.uniform(*ranges.azimuth))
    elevation = float(rng.uniform(*ranges.elevation))
    width, height = (int(v) for v in ranges.image_sizes[size_index])
    return _Draw(width, height, focal_from_hfov(width, hfov), distance, target_height,
                 azimuth, elevation)


def _place(draw: _Draw, target: np.ndarray, distance: float) -> PinholeCamera:
    position = target + distance * orbit_direction(draw.azimuth, draw.elevation)
    position[2] = max(position[2], MIN_CAMERA_HEIGHT)  # see MIN_CAMERA_HEIGHT
    return look_at_camera(position, target, draw.width, draw.height, draw.focal_px)


def sample_camera(
    rng: np.random.Generator,
    ranges: CameraRanges = CameraRanges(),
    centre_xy: ArrayLike = (0.0, 0.0),
) -> PinholeCamera:
    """A random level camera aiming at (centre_xy [2], target_height) from `ranges`.

    The camera sits at the orbit position of the drawn distance, azimuth and elevation
    (raised to MIN_CAMERA_HEIGHT if that would be lower). Deterministic for a generator state.
    """
    draw = _draw(rng, ranges)
    xy = _vector(centre_xy, 2, "centre_xy")
    target = np.array([xy[0], xy[1], draw.target_height])
    return _place(draw, target, draw.distance)


def joints_in_frame(
    camera: PinholeCamera, points_world: np.ndarray, margin: float = 0.0
) -> np.ndarray:
    """[...] bool: world points [...,3] in front of the camera and inside the image shrunk by
    `margin` (a fraction of the width at the left and right, of the height at top and bottom)."""
    uv, in_front = camera.project_world(points_world)
    mx, my = margin * camera.width, margin * camera.height
    return (
        in_front
        & (uv[..., 0] >= mx) & (uv[..., 0] <= camera.width - mx)
        & (uv[..., 1] >= my) & (uv[..., 1] <= camera.height - my)
    )


def sample_camera_for_clip(
    rng: np.random.Generator,
    clip: MotionClip,
    ranges: CameraRanges = CameraRanges(),
    margin: float = DEFAULT_FRAME_MARGIN,
) -> PinholeCamera:
    """A random camera (as sample_camera) that keeps the whole clip in view.

    It aims at the clip's mean pelvis xy at the drawn target height; starting from the drawn
    distance it moves back along its view ray, 5 % at a time, until every joint of every frame
    is in front of the camera and at least `margin` (default 5 %) of the image width / height
    inside the border. The drawn distance is thus a lower bound. Deterministic for a generator
    state (the same draws as sample_camera). Raises PoseDataError when no distance frames the
    clip (only possible for margin close to 0.5).
    """
    if not 0 <= margin < 0.5:
        raise PoseDataError(f"frame margin must lie in [0, 0.5), got {margin}")
    draw = _draw(rng, ranges)
    xy = clip.joints[:, PELVIS, :2].mean(axis=0)
    target = np.array([xy[0], xy[1], draw.target_height])
    distance = draw.distance
    for _ in range(_MAX_DISTANCE_STEPS):
        camera = _place(draw, target, distance)
        if joints_in_frame(camera, clip.joints, margin).all():
            return camera
        distance *= _DISTANCE_STEP
    raise PoseDataError(
        f"cannot frame motion clip {clip.name!r} with a {margin:.0%} margin at any distance"
    )


def project_clip(clip: MotionClip, camera: PinholeCamera) -> Pose2DSequence:
    """What `camera` sees of `clip`: a Pose2DSequence of every joint's pixels [T,17,2].

    Confidence [T,17] is 1 where the joint is in front of the camera (depth > MIN_DEPTH) and
    inside the image (0 <= u <= width, 0 <= v <= height), else 0; the keypoints are the true
    projections everywhere (finite: points behind the camera are projected at MIN_DEPTH).
    fps comes from the clip, image_size from the camera, source is the clip name.
    """
    uv, _ = camera.project_world(clip.joints)
    visible = joints_in_frame(camera, clip.joints)
    return Pose2DSequence(
        keypoints=uv.astype(np.float32),
        confidence=visible.astype(np.float32),
        image_size=(camera.width, camera.height),
        fps=clip.fps,
        source=clip.name,
    )


__all__ = [
    "CameraRanges", "DEFAULT_FRAME_MARGIN", "MIN_CAMERA_HEIGHT", "focal_from_hfov",
    "joints_in_frame", "look_at_camera", "orbit_camera", "orbit_direction", "project_clip",
    "sample_camera", "sample_camera_for_clip",
]
