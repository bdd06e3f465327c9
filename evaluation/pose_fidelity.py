"""Pose fidelity of a generated video (spec 3): detect the 2D pose on the generated frames
with our own detector and compare it with the guidance skeleton, per joint and frame.

PCK@a: the share of guidance joints (confidence > 0) whose detected position lies within
a * the guidance person's box size (the longer side of the box around its joints) of it; a
joint the detector missed counts as wrong. OKS: COCO's object keypoint similarity,
exp(-d^2 / (2 s^2 k^2)) with s^2 the box area and k the per-joint COCO constants (for H36M
joints without a COCO counterpart: pelvis/spine/thorax like the hips, head like the eyes)."""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..skeleton.errors import PoseDataError
from ..skeleton.sequence import Pose2DSequence

# COCO keypoint sigmas mapped to H36M-17 (hips .107, knees .087, ankles .089, shoulders .079,
# elbows .072, wrists .062, nose .026, eyes .025)
H36M_OKS_SIGMAS = np.array([.107, .107, .087, .089, .107, .087, .089, .107, .107, .026, .025,
                            .079, .072, .062, .079, .072, .062])


def _boxes(pose: Pose2DSequence) -> tuple[np.ndarray, np.ndarray]:
    """Per frame: (longer side, area) of the box around the confident joints."""
    sides, areas = np.zeros(pose.num_frames), np.zeros(pose.num_frames)
    for t in range(pose.num_frames):
        seen = pose.confidence[t] > 0
        if seen.sum() >= 2:
            size = pose.keypoints[t, seen].max(0) - pose.keypoints[t, seen].min(0)
            sides[t], areas[t] = size.max(), max(size[0] * size[1], 1.0)
    return sides, areas


def pose_fidelity(detected: Pose2DSequence, guidance: Pose2DSequence,
                  thresholds: tuple[float, ...] = (0.05, 0.1)) -> dict[str, float]:
    """{"pck@0.05", "pck@0.1", "oks", "detected_share"} of a detection against its guidance
    (both in the same image size; the detection is rescaled when the sizes differ)."""
    if detected.num_frames != guidance.num_frames:
        raise PoseDataError(f"the detection has {detected.num_frames} frames, the guidance {guidance.num_frames}")
    if detected.image_size != guidance.image_size:
        detected = detected.scaled_to(*guidance.image_size)
    valid = guidance.confidence > 0  # [T,17]
    if not valid.any():
        raise PoseDataError("the guidance has no visible joint")
    found = detected.confidence > 0
    dist = np.linalg.norm(detected.keypoints - guidance.keypoints, axis=-1)  # [T,17]
    sides, areas = _boxes(guidance)
    out = {}
    for a in thresholds:
        hit = found & (dist <= a * sides[:, None])
        out[f"pck@{a:g}"] = float(hit[valid].mean())
    k2 = (2 * H36M_OKS_SIGMAS) ** 2
    per_joint = np.exp(-dist ** 2 / (2 * areas[:, None] * k2[None]))
    per_joint = np.where(found, per_joint, 0.0)
    frames = valid.any(axis=1)
    oks = (per_joint * valid).sum(1)[frames] / valid.sum(1)[frames]
    out["oks"] = float(oks.mean())
    out["detected_share"] = float(found[valid].mean())
    return out


def pose_fidelity_of_frames(frames: np.ndarray, guidance: Pose2DSequence, fps: Optional[float] = None,
                            backend=None) -> dict[str, float]:
    """Detect the actor in generated frames [T,H,W,3] uint8 (MediaPipe + our tracker unless a
    backend is given) and score it against the guidance."""
    from ..detect.pipeline import detect_poses

    if len(frames) != guidance.num_frames:
        raise PoseDataError(f"{len(frames)} generated frames for {guidance.num_frames} guidance frames")
    own = backend is None
    if own:
        from ..detect.mediapipe_backend import MediaPipePoseBackend
        backend = MediaPipePoseBackend().__enter__()
    try:
        detected, _ = detect_poses(frames, backend, fps or guidance.fps)
    finally:
        if own:
            backend.__exit__(None, None, None)
    return pose_fidelity(detected, guidance)
