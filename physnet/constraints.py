"""Constraint projections: the C term of M q'' = J - C realised as position corrections.

Two laws hold exactly in PhysNet's output instead of being hoped for:
- rigid bones: every bone keeps its length (the sequence's median length, measured on the
  input), enforced by walking the tree from the pelvis outwards and keeping each bone's
  direction (position-based dynamics; the pelvis stays where the dynamics put it);
- flight: with no support, the only external force is gravity, so the centre of mass moves on
  the parabola c_{t+1} = 2 c_t - c_{t-1} + g dt^2; the whole pose is shifted (rigidly, so bone
  lengths are untouched) onto it, weighted by the flight probability. Internal forces are free
  to change the pose, as a gymnast's muscles do.

Shapes: poses [B,17,3] (or [B,T,17,3]) in the gravity frame, metres, z up.
"""
from __future__ import annotations

import numpy as np
import torch

from ..metrics.com import joint_mass_weights
from ..skeleton.h36m import BONES, PARENTS

GRAVITY_Z = -9.81


def _path_matrix() -> np.ndarray:
    """[17,16]: entry (j, b) is 1 when bone b lies on the path from the pelvis to joint j, so
    that joints = pelvis + path @ bone_vectors (forward kinematics as one product)."""
    path = np.zeros((len(PARENTS), len(BONES)))
    for j in range(1, len(PARENTS)):
        k = j
        while k > 0:
            path[j, BONE_INDEX[k]] = 1.0
            k = PARENTS[k]
    return path


BONE_INDEX = {child: i for i, (_, child) in enumerate(BONES)}
_PARENT_IDX = torch.tensor([p for p, _ in BONES])
_CHILD_IDX = torch.tensor([c for _, c in BONES])
_PATH = torch.tensor(_path_matrix(), dtype=torch.float32)


def com_weights(dtype=torch.float32) -> torch.Tensor:
    """[17] de Leva weights (metrics/com.py), summing to 1."""
    return torch.tensor(joint_mass_weights(), dtype=dtype)


def centre_of_mass(pose: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    """[...,17,3] -> [...,3]."""
    return (pose.transpose(-1, -2) @ weights.to(pose.dtype)).contiguous()


def bone_vectors(pose: torch.Tensor) -> torch.Tensor:
    """[...,17,3] -> [...,16,3] child minus parent, BONES order."""
    return pose[..., _CHILD_IDX, :] - pose[..., _PARENT_IDX, :]


def bone_lengths(pose: torch.Tensor) -> torch.Tensor:
    """[...,17,3] -> [...,16] in BONES order."""
    return torch.linalg.norm(bone_vectors(pose), dim=-1)


def project_bone_lengths(pose: torch.Tensor, lengths: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Give every bone its target length, keeping its direction and the pelvis.

    pose [...,17,3], lengths [...,16] (BONES order; broadcast over time) -> [...,17,3]."""
    vec = bone_vectors(pose)
    bones = vec * (lengths.unsqueeze(-1) / (torch.linalg.norm(vec, dim=-1, keepdim=True) + eps))
    return pose[..., :1, :] + _PATH.to(pose.dtype) @ bones


def ballistic_shift(
    proposed: torch.Tensor, current: torch.Tensor, previous: torch.Tensor, flight: torch.Tensor,
    dt: torch.Tensor, weights: torch.Tensor,
) -> torch.Tensor:
    """Shift the proposed next pose so that its COM lies on the ballistic parabola, by the
    flight weight. proposed/current/previous [B,17,3], flight [B] in [0,1], dt [B]."""
    c_next = centre_of_mass(proposed, weights)
    g = torch.zeros_like(c_next)
    g[..., 2] = GRAVITY_Z
    target = 2 * centre_of_mass(current, weights) - centre_of_mass(previous, weights) + g * (dt * dt)[:, None]
    return proposed + (flight[:, None] * (target - c_next))[:, None, :]


def median_bone_lengths(pose: np.ndarray, confidence: np.ndarray | None = None) -> np.ndarray:
    """The length each bone should keep: the median over frames [T,17,3] -> [16], over frames
    where both of its joints were seen when a confidence [T,17] is given."""
    vec = pose[:, [c for _, c in BONES]] - pose[:, [p for p, _ in BONES]]
    lengths = np.linalg.norm(vec, axis=-1)
    if confidence is None:
        return np.median(lengths, axis=0)
    out = np.empty(len(BONES))
    for i, (p, c) in enumerate(BONES):
        seen = (confidence[:, p] > 0) & (confidence[:, c] > 0)
        out[i] = np.median(lengths[seen, i]) if seen.any() else np.median(lengths[:, i])
    return out
