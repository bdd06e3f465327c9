"""FinePhys-Bench: the one evaluation protocol every 3D estimator in the suite is scored by.

Fixed and written down here only:
- clips: the DeepMimic held-out split (motion/deepmimic.py HELD_OUT_CLIPS), real mocap;
- cameras: BENCH_CAMERAS, three views aimed at each clip, 1920x1080, focal length = the
  longer image side (the assumption the nodes make for uncalibrated video), each moved back
  until every joint of every frame is in view;
- noise levels: "clean" (exact projections) and "noisy" (motion/noise2d.py NOISY, seeded per
  clip, camera and level).

An estimator is any callable Pose2DSequence -> Pose3DSequence (camera frame, root-relative
joints, optionally a root trajectory). One that sets `uses_camera_elevation = True` is also
told the camera's elevation (degrees, looking down; keyword elevation_deg): the one piece of
calibration PhysNet needs to know where gravity points, and the one a user sets on the node. Pose metrics compare root-relative joints in the
camera frame. Physics metrics need a trajectory: the estimate is mapped back to the world
with the (known) camera and measured against the floor with the ground truth's contact and
flight labels (so every row is judged on the same frames); estimators without a trajectory
get NaN there.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from ..metrics import (
    acceleration_error, ballistic_error, ballistic_errors, bone_asymmetry, bone_length_std, floating, foot_skate,
    ground_penetration, mpjpe, mpjve, n_mpjpe, p_mpjpe,
)
from ..motion.cameras import joints_in_frame, orbit_camera, project_clip
from ..motion.clip import MotionClip, camera_to_world
from ..motion.deepmimic import HELD_OUT_CLIPS, load_deepmimic_clip
from ..motion.noise2d import CLEAN, NOISY, NoiseModel, corrupt
from ..skeleton.camera import PinholeCamera
from ..skeleton.errors import PoseDataError
from ..skeleton.sequence import Pose2DSequence, Pose3DSequence

Estimator = Callable[[Pose2DSequence], Pose3DSequence]

IMAGE_SIZE = (1920, 1080)
# (name, azimuth deg, elevation deg): front, side, and a high view from behind-left.
BENCH_CAMERAS: tuple[tuple[str, float, float], ...] = (
    ("front", 0.0, 5.0),
    ("side", 90.0, 10.0),
    ("rear_high", 225.0, 30.0),
)
MIN_DISTANCE = 5.0  # m
AIM_HEIGHT = 1.0  # m above the floor
VIEW_MARGIN = 0.05  # fraction of the image kept free at each border
NOISE_LEVELS: dict[str, NoiseModel] = {"clean": CLEAN, "noisy": NOISY}
BASE_SEED = 20250513  # the FinePhys arXiv date; fixes the noisy 2D inputs

# The columns of the table, in order, with units. Pose errors are millimetres.
METRICS: tuple[tuple[str, str], ...] = (
    ("mpjpe", "mm"), ("p_mpjpe", "mm"), ("n_mpjpe", "mm"), ("mpjve", "mm/frame"),
    ("accel", "mm/frame^2"), ("accel_si", "m/s^2"), ("bone_std", "mm"), ("bone_asym", "mm"),
    ("foot_skate", "mm/frame"), ("skate_ratio", "share"), ("penetration", "mm"),
    ("floating", "mm"), ("flight_com", "m/s^2"), ("flight_com_median", "m/s^2"), ("fps", "frames/s"),
)


@dataclass(frozen=True)
class BenchCase:
    """One scored sequence: a held-out clip seen by one camera at one noise level."""

    clip: MotionClip
    camera_name: str
    camera: PinholeCamera
    noise: str
    pose2d: Pose2DSequence
    gt: Pose3DSequence  # the clip in this camera's frame (root-relative + root)
    elevation_deg: float = 0.0  # the camera's elevation (looking down), BENCH_CAMERAS

    @property
    def key(self) -> str:
        return f"{self.clip.name}/{self.camera_name}/{self.noise}"


def _camera_for(clip: MotionClip, azimuth: float, elevation: float) -> PinholeCamera:
    """A fixed-view camera aimed at the clip, pulled back until the whole motion is in view."""
    width, height = IMAGE_SIZE
    target = np.array([*clip.root[:, :2].mean(axis=0), AIM_HEIGHT])
    distance = MIN_DISTANCE
    while distance < 50.0:
        camera = orbit_camera(target, distance, azimuth, elevation, width, height, float(max(width, height)))
        if joints_in_frame(camera, clip.joints, VIEW_MARGIN).all():
            return camera
        distance += 0.25
    raise PoseDataError(f"clip {clip.name!r} does not fit in a {width}x{height} view")


def build_cases(
    clip_names: tuple[str, ...] = HELD_OUT_CLIPS, noise_levels: Optional[tuple[str, ...]] = None
) -> list[BenchCase]:
    """Every (clip, camera, noise level) of the protocol, deterministic."""
    return cases_for_clips([load_deepmimic_clip(name) for name in clip_names], noise_levels)


def cases_for_clips(clips: list[MotionClip], noise_levels: Optional[tuple[str, ...]] = None) -> list[BenchCase]:
    """The protocol's cameras and noise applied to any clips (synthetic validation clips, say)."""
    cases = []
    levels = tuple(NOISE_LEVELS) if noise_levels is None else noise_levels
    for ci, clip in enumerate(clips):
        for ki, (camera_name, azimuth, elevation) in enumerate(BENCH_CAMERAS):
            camera = _camera_for(clip, azimuth, elevation)
            clean = project_clip(clip, camera)
            gt = clip.to_camera(camera)
            for li, level in enumerate(levels):
                model = NOISE_LEVELS[level]
                pose2d = corrupt(clean, model, seed=BASE_SEED + 100 * ci + 10 * ki + li)
                cases.append(BenchCase(clip, camera_name, camera, level, pose2d, gt, elevation))
    return cases


def score(estimate: Pose3DSequence, case: BenchCase, seconds: float = float("nan")) -> dict[str, float]:
    """All metrics of one estimate against its case's ground truth."""
    if estimate.num_frames != case.gt.num_frames:
        raise PoseDataError(
            f"{case.key}: the estimate has {estimate.num_frames} frames, the input had "
            f"{case.gt.num_frames}"
        )
    pred, gt = estimate.joints.astype(np.float64), case.gt.joints.astype(np.float64)
    fps = case.clip.fps
    out = {
        "mpjpe": 1000 * mpjpe(pred, gt),
        "p_mpjpe": 1000 * p_mpjpe(pred, gt),
        "n_mpjpe": 1000 * n_mpjpe(pred, gt),
        "mpjve": 1000 * mpjve(pred, gt),
        "accel": 1000 * acceleration_error(pred, gt),
        "accel_si": acceleration_error(pred, gt, fps=fps),
        "bone_std": 1000 * float(bone_length_std(pred).mean()),
        "bone_asym": 1000 * float(bone_asymmetry(pred).mean()),
        "fps": case.gt.num_frames / seconds if seconds > 0 else float("nan"),
    }
    nan = float("nan")
    physics = dict(foot_skate=nan, skate_ratio=nan, penetration=nan, floating=nan, flight_com=nan,
                   flight_com_errors=np.zeros(0))
    if estimate.has_trajectory:
        world = camera_to_world(case.camera, estimate.global_joints())
        clip = case.clip
        skate = foot_skate(world, contacts=clip.contacts)
        supported = clip.contacts.any(axis=1) | clip.other_contact
        physics = {
            "foot_skate": 1000 * skate["mean_slide"],
            "skate_ratio": skate["slide_ratio"],
            "penetration": 1000 * ground_penetration(world),
            "floating": 1000 * floating(world, supported=supported),
            "flight_com": ballistic_error(world, fps, clip.flight, vertical_only=True),
            # per-frame |c''_z + 9.81|, pooled over cases for the median column (aggregate)
            "flight_com_errors": ballistic_errors(world, fps, clip.flight, vertical_only=True),
        }
    out.update(physics)
    return out


def aggregate(per_case: list[tuple[BenchCase, dict[str, float]]]) -> dict[str, dict[str, float]]:
    """Frame-weighted means per noise level (NaN entries skipped; NaN when all are)."""
    levels: dict[str, list[tuple[BenchCase, dict[str, float]]]] = {}
    for case, values in per_case:
        levels.setdefault(case.noise, []).append((case, values))
    table = {}
    for level, items in levels.items():
        row = {}
        for metric, _ in METRICS:
            if metric == "flight_com_median":  # over every flight frame of every case
                pooled = [v["flight_com_errors"] for _, v in items if "flight_com_errors" in v]
                pooled = np.concatenate(pooled) if pooled else np.zeros(0)
                row[metric] = float(np.median(pooled)) if pooled.size else float("nan")
                continue
            if metric == "fps":
                frames = sum(c.gt.num_frames for c, _ in items)
                seconds = sum(c.gt.num_frames / v["fps"] for c, v in items if v["fps"] > 0)
                row[metric] = frames / seconds if seconds > 0 else float("nan")
                continue
            pairs = [(v[metric], c.gt.num_frames) for c, v in items if np.isfinite(v[metric])]
            if metric == "flight_com":  # weighted by the frames it is measured on
                pairs = [(v[metric], int(c.clip.flight.sum())) for c, v in items if np.isfinite(v[metric])]
            weight = sum(w for _, w in pairs)
            row[metric] = sum(x * w for x, w in pairs) / weight if weight else float("nan")
        table[level] = row
    return table


def _estimate(estimator: Estimator, case: BenchCase) -> Pose3DSequence:
    if getattr(estimator, "uses_camera_elevation", False):
        return estimator(case.pose2d, elevation_deg=case.elevation_deg)
    return estimator(case.pose2d)


def evaluate(
    estimator: Estimator, cases: list[BenchCase], ground_truth: bool = False, warmup: bool = False
) -> tuple[dict[str, dict[str, float]], list[dict]]:
    """Run and score an estimator on every case. With ground_truth=True the case's own ground
    truth is scored instead (the sanity row; the estimator is not called).
    warmup=True: the estimator first runs every case once untimed, so the speed measured is the
    steady state of a batch (the first calls of a freshly loaded model cost up to ten times
    more: allocation, torch's kernel choice for each new input shape); the scores come from the
    timed pass.

    Returns (table {noise level: {metric: value}}, per-case records)."""
    if warmup and not ground_truth:
        for case in cases:
            _estimate(estimator, case)
    per_case = []
    for case in cases:
        if ground_truth:
            estimate, seconds = case.gt, float("nan")
        else:
            start = time.perf_counter()
            estimate = _estimate(estimator, case)
            seconds = time.perf_counter() - start
            if not isinstance(estimate, Pose3DSequence):
                raise TypeError(f"an estimator must return a Pose3DSequence, got {type(estimate).__name__}")
        per_case.append((case, score(estimate, case, seconds)))
    records = [{"case": c.key, **{k: x for k, x in v.items() if k != "flight_com_errors"}} for c, v in per_case]
    return aggregate(per_case), records
