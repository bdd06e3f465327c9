"""Joint-position error metrics (spec section 3), the one protocol every model is scored by.

Inputs are [T,J,3] (or [T,J,2]) arrays in metres; results are in the input unit (multiply by
1000 for mm). `root` names the joint subtracted from both sequences before comparing (the
pelvis, 0, by default); None compares positions as given.
"""
from __future__ import annotations

from typing import Optional

import numpy as np


def _pair(pred: np.ndarray, gt: np.ndarray, root: Optional[int]) -> tuple[np.ndarray, np.ndarray]:
    pred = np.asarray(pred, dtype=np.float64)
    gt = np.asarray(gt, dtype=np.float64)
    if pred.shape != gt.shape or pred.ndim != 3:
        raise ValueError(f"pred and gt must both be [T,J,D]; got {list(pred.shape)} and {list(gt.shape)}")
    if root is not None:
        pred = pred - pred[:, root : root + 1]
        gt = gt - gt[:, root : root + 1]
    return pred, gt


def mpjpe(pred: np.ndarray, gt: np.ndarray, root: Optional[int] = 0) -> float:
    """Mean per-joint position error after aligning the root joints."""
    p, g = _pair(pred, gt, root)
    return float(np.linalg.norm(p - g, axis=-1).mean())


def procrustes_align(pred: np.ndarray, gt: np.ndarray) -> np.ndarray:
    """Per-frame similarity transform (scale, rotation with reflection fix, translation) that
    best maps pred onto gt in the least-squares sense. [T,J,D] -> aligned pred [T,J,D]."""
    pred = np.asarray(pred, dtype=np.float64)
    gt = np.asarray(gt, dtype=np.float64)
    mu_p = pred.mean(axis=1, keepdims=True)
    mu_g = gt.mean(axis=1, keepdims=True)
    p0 = pred - mu_p
    g0 = gt - mu_g
    norm_p = np.sqrt((p0**2).sum(axis=(1, 2), keepdims=True))
    norm_g = np.sqrt((g0**2).sum(axis=(1, 2), keepdims=True))
    norm_p = np.maximum(norm_p, 1e-12)
    norm_g = np.maximum(norm_g, 1e-12)
    p0 = p0 / norm_p
    g0 = g0 / norm_g
    h = np.einsum("tji,tjk->tik", p0, g0)  # [T,D,D]
    u, s, vt = np.linalg.svd(h)
    v = np.swapaxes(vt, 1, 2)
    # Reflection fix: flip the last singular vector where det(V U^T) < 0.
    sign = np.sign(np.linalg.det(v @ np.swapaxes(u, 1, 2)))
    sign = np.where(sign == 0, 1.0, sign)
    v[:, :, -1] *= sign[:, None]
    s[:, -1] *= sign
    rot = v @ np.swapaxes(u, 1, 2)  # maps p0 -> g0: g0 ~ p0 @ rot^T
    trace = s.sum(axis=1)[:, None, None]
    scale = trace * norm_g / norm_p
    return scale * np.einsum("tjk,tik->tji", pred - mu_p, rot) + mu_g


def p_mpjpe(pred: np.ndarray, gt: np.ndarray) -> float:
    """MPJPE after a per-frame similarity Procrustes fit (P-MPJPE)."""
    p, g = _pair(pred, gt, None)
    return float(np.linalg.norm(procrustes_align(p, g) - g, axis=-1).mean())


def n_mpjpe(pred: np.ndarray, gt: np.ndarray, root: Optional[int] = 0) -> float:
    """MPJPE after root alignment and a per-frame least-squares scale (N-MPJPE)."""
    p, g = _pair(pred, gt, root)
    num = (p * g).sum(axis=(1, 2), keepdims=True)
    den = np.maximum((p * p).sum(axis=(1, 2), keepdims=True), 1e-12)
    return float(np.linalg.norm(num / den * p - g, axis=-1).mean())


def mpjve(pred: np.ndarray, gt: np.ndarray, root: Optional[int] = 0) -> float:
    """Mean per-joint velocity error: first differences, per frame (unit/frame)."""
    p, g = _pair(pred, gt, root)
    if p.shape[0] < 2:
        raise ValueError("MPJVE needs at least 2 frames")
    return float(np.linalg.norm(np.diff(p, axis=0) - np.diff(g, axis=0), axis=-1).mean())


def second_difference(x: np.ndarray) -> np.ndarray:
    """x_{t-1} - 2 x_t + x_{t+1} along axis 0: [T,...] -> [T-2,...]."""
    return x[:-2] - 2.0 * x[1:-1] + x[2:]


def acceleration_error(
    pred: np.ndarray, gt: np.ndarray, root: Optional[int] = 0, fps: Optional[float] = None
) -> float:
    """Mean per-joint acceleration error. unit/frame^2, or unit/s^2 when fps is given."""
    p, g = _pair(pred, gt, root)
    if p.shape[0] < 3:
        raise ValueError("acceleration error needs at least 3 frames")
    err = float(np.linalg.norm(second_difference(p) - second_difference(g), axis=-1).mean())
    return err * fps**2 if fps is not None else err
