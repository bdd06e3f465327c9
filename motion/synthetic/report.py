"""Variety statistics of a set of clips: how much pose, speed, flight and rotation they cover."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ...metrics.pose_error import p_mpjpe
from ...skeleton.h36m import L_HIP, PELVIS, R_HIP, THORAX
from ..clip import MotionClip


def _yaw_normalised(joints: np.ndarray) -> np.ndarray:
    """Root-relative poses turned so the hip line is along y (facing +x). [T,17,3] -> same."""
    rel = joints - joints[:, PELVIS : PELVIS + 1]
    hips = rel[:, L_HIP] - rel[:, R_HIP]
    yaw = np.arctan2(hips[:, 1], hips[:, 0]) - np.pi / 2
    c, s = np.cos(-yaw), np.sin(-yaw)
    out = rel.copy()
    out[..., 0] = c[:, None] * rel[..., 0] - s[:, None] * rel[..., 1]
    out[..., 1] = s[:, None] * rel[..., 0] + c[:, None] * rel[..., 1]
    return out


def _trunk_pitch_turns(joints: np.ndarray, flight: np.ndarray) -> float:
    """Turns of the trunk (pelvis -> thorax) in the vertical plane of travel over the flight,
    signed (+ forward)."""
    if flight.sum() < 2:
        return 0.0
    idx = np.flatnonzero(flight)
    sel = np.arange(max(idx[0] - 1, 0), min(idx[-1] + 2, len(joints)))
    trunk = joints[sel, THORAX] - joints[sel, PELVIS]
    hips = joints[sel[0], L_HIP] - joints[sel[0], R_HIP]
    fwd = np.array([hips[1], -hips[0], 0.0])
    fwd /= np.linalg.norm(fwd)
    angle = np.unwrap(np.arctan2(trunk @ fwd, trunk[:, 2]))
    return float((angle[-1] - angle[0]) / (2 * np.pi))


def variety_report(clips: Sequence[MotionClip], pairs: int = 200, seed: int = 0) -> dict:
    """Spread of a clip set.

    pose_std: mean over joints and axes of the std (m) of root-relative, yaw-normalised poses
    across all frames; pairwise_p_mpjpe: mean P-MPJPE (m) between random frames of different
    clips; root speeds (m/s): mean and 95th percentile of the horizontal and vertical pelvis
    speed; clip length stats (s); per family: clip count, flight time (s), trunk pitch turns in
    flight, yaw turns over the clip."""
    if not clips:
        raise ValueError("variety_report needs at least one clip")
    poses = np.concatenate([_yaw_normalised(c.joints) for c in clips])
    rng = np.random.default_rng(seed)
    dists = []
    if len(clips) > 1:
        for _ in range(pairs):
            i, j = rng.choice(len(clips), 2, replace=False)
            a = clips[i].joints[rng.integers(clips[i].num_frames)]
            b = clips[j].joints[rng.integers(clips[j].num_frames)]
            dists.append(p_mpjpe(a[None], b[None]))
    horiz, vert = [], []
    for c in clips:
        v = np.diff(c.root, axis=0) * c.fps
        horiz.append(np.linalg.norm(v[:, :2], axis=-1))
        vert.append(np.abs(v[:, 2]))
    horiz, vert = np.concatenate(horiz), np.concatenate(vert)
    lengths = np.array([c.duration for c in clips])
    families: dict = {}
    for c in clips:
        f = families.setdefault(c.family or "?", {"clips": 0, "flight_time": [], "pitch_turns": [], "yaw_turns": []})
        f["clips"] += 1
        f["flight_time"].append(c.flight.sum() / c.fps)
        f["pitch_turns"].append(_trunk_pitch_turns(c.joints, c.flight))
        hips = c.joints[:, L_HIP] - c.joints[:, R_HIP]
        yaw = np.unwrap(np.arctan2(hips[:, 1], hips[:, 0]))
        f["yaw_turns"].append(float((yaw[-1] - yaw[0]) / (2 * np.pi)))
    per_family = {
        name: {
            "clips": f["clips"],
            "flight_time_mean": float(np.mean(f["flight_time"])),
            "flight_time_max": float(np.max(f["flight_time"])),
            "pitch_turns_mean_abs": float(np.mean(np.abs(f["pitch_turns"]))),
            "yaw_turns_mean_abs": float(np.mean(np.abs(f["yaw_turns"]))),
            "yaw_turns_max_abs": float(np.max(np.abs(f["yaw_turns"]))),
        }
        for name, f in sorted(families.items())
    }
    return {
        "clips": len(clips),
        "frames": int(poses.shape[0]),
        "pose_std": float(poses.std(axis=0).mean()),
        "pairwise_p_mpjpe": float(np.mean(dists)) if dists else 0.0,
        "root_speed_horizontal_mean": float(horiz.mean()),
        "root_speed_horizontal_p95": float(np.percentile(horiz, 95)),
        "root_speed_vertical_mean": float(vert.mean()),
        "root_speed_vertical_p95": float(np.percentile(vert, 95)),
        "clip_length_mean": float(lengths.mean()),
        "clip_length_min": float(lengths.min()),
        "clip_length_max": float(lengths.max()),
        "families": per_family,
    }
