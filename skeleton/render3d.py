"""Pictures of 3D poses: each frame drawn from a few orthographic views side by side.

Views of the camera-frame skeleton (x right, y down, z away from the camera): "front" is what
the camera sees (x, y), "side" looks from the right (z, y), "top" looks down (x, z). The body
is centred on its pelvis and every panel uses one scale for the whole sequence, so size and
depth changes stay visible. Colours follow the OpenPose convention: left limbs blue, right
limbs red/orange, trunk and head green.
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence

import cv2
import numpy as np

from .h36m import BONES, LEFT_JOINTS, RIGHT_JOINTS
from .sequence import Pose3DSequence

VIEWS = {"front": (0, 1), "side": (2, 1), "top": (0, 2)}
_LEFT, _RIGHT, _CENTRE = (60, 120, 255), (255, 90, 40), (60, 200, 80)


def _colour(child: int) -> tuple[int, int, int]:
    if child in LEFT_JOINTS:
        return _LEFT
    if child in RIGHT_JOINTS:
        return _RIGHT
    return _CENTRE


def render_3d_views(
    pose: Pose3DSequence, panel: int = 256, views: Sequence[str] = ("front", "side", "top"),
    on_frame: Optional[Callable[[int], None]] = None, trajectory: bool = False,
) -> np.ndarray:
    """[T,panel,panel*len(views),3] float32 in 0..1: every frame from every view.

    trajectory: draw the body where it is (pelvis trajectory included, centred on its mean,
    with the pelvis path so far as a grey trail), so jumps and flight show; without it, or
    without a trajectory in `pose`, the body stays centred on its pelvis."""
    unknown = [v for v in views if v not in VIEWS]
    if unknown:
        raise ValueError(f"unknown views {unknown}; choose from {list(VIEWS)}")
    joints = pose.joints.astype(np.float64)  # root-relative
    trail = None
    if trajectory and pose.root is not None:
        offset = pose.root.astype(np.float64) - pose.root.astype(np.float64).mean(axis=0)
        joints = joints + offset[:, None, :]
        trail = offset
    # One scale per view for the whole sequence, from that view's two axes: a noisy depth
    # track must not shrink the front view. The 99th percentile keeps one wild frame from
    # shrinking every other.
    scales = {}
    for view in views:
        a, b = VIEWS[view]
        extent = max(float(np.percentile(np.abs(joints[..., [a, b]]), 99)), 0.5)
        scales[view] = 0.45 * panel / extent
    out = np.zeros((pose.num_frames, panel, panel * len(views), 3), dtype=np.uint8)
    width = max(2, panel // 96)
    for t in range(pose.num_frames):
        for k, view in enumerate(views):
            a, b = VIEWS[view]
            canvas = out[t, :, k * panel:(k + 1) * panel]
            cv2.putText(canvas, view, (6, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (160, 160, 160), 1, cv2.LINE_AA)
            scale = scales[view]
            uv = joints[t][:, [a, b]] * scale + panel / 2
            if trail is not None and t > 0:
                path = (trail[: t + 1][:, [a, b]] * scale + panel / 2).astype(np.int32)
                cv2.polylines(canvas, [path.reshape(-1, 1, 2)], False, (90, 90, 90), 1, cv2.LINE_AA)
            for parent, child in BONES:
                p, c = uv[parent].astype(int), uv[child].astype(int)
                cv2.line(canvas, tuple(p), tuple(c), _colour(child), width, cv2.LINE_AA)
            for point in uv.astype(int):
                cv2.circle(canvas, tuple(point), width, (255, 255, 255), -1, cv2.LINE_AA)
            if k:
                canvas[:, 0] = 70  # a thin divider between panels
        if on_frame is not None:
            on_frame(t)
    return out.astype(np.float32) / 255.0
