"""The ceiling of a demonstration: how close the best bank entry could come to the truth.

A demonstration can only tell the lifter something where it shows poses closer to the truth
than the lifter's own answer. These two measures pick bank entries with the ground truth in
hand (so no retrieval from 2D can do better) and report their error (P-MPJPE: each pose after
its best rotation, scale and translation, so the camera view does not matter):

  per-frame oracle  each true frame against the closest bank pose, from any clip and time;
  window oracle     each true window against the closest bank window of the same length and
                    timing (stride 1, never across a clip boundary): the best single
                    demonstration the lifter could be shown for it.

Used by benchmarks/lifter_demo_oracle.py.
"""
from __future__ import annotations

import numpy as np

from ..metrics.pose_error import procrustes_align

PAIRS_PER_CHUNK = 20_000  # pose pairs aligned per batch (memory: about 20 MB)


def pairwise_p_mpjpe(truth: np.ndarray, bank: np.ndarray) -> np.ndarray:
    """P-MPJPE (input units) of every bank pose against every true pose.
    truth [T,J,3], bank [N,J,3] -> [T,N]."""
    truth = np.asarray(truth, dtype=np.float64)
    bank = np.asarray(bank, dtype=np.float64)
    if truth.ndim != 3 or bank.ndim != 3 or truth.shape[1:] != bank.shape[1:]:
        raise ValueError(f"truth and bank must be [T,J,3] and [N,J,3]; got {list(truth.shape)} and {list(bank.shape)}")
    joints = truth.shape[1:]
    out = np.empty((len(truth), len(bank)))
    rows = max(1, PAIRS_PER_CHUNK // max(len(bank), 1))
    for start in range(0, len(truth), rows):
        t = truth[start:start + rows]
        pred = np.broadcast_to(bank[None], (len(t),) + bank.shape).reshape((-1,) + joints)
        gt = np.broadcast_to(t[:, None], (len(t), len(bank)) + joints).reshape((-1,) + joints)
        err = np.linalg.norm(procrustes_align(pred, gt) - gt, axis=-1).mean(-1)
        out[start:start + len(t)] = err.reshape(len(t), len(bank))
    return out


def per_frame_oracle(errors: np.ndarray) -> float:
    """Mean over true frames of the closest bank pose's error. errors [T,N] -> scalar."""
    return float(np.asarray(errors).min(axis=1).mean())


def window_oracle(errors: np.ndarray, clip_bounds: list[tuple[int, int]], window: int) -> float:
    """Mean over the truth's windows of the closest bank window's mean per-frame error.
    errors [T,N] from pairwise_p_mpjpe; clip_bounds: (first, end) bank rows of each clip. A
    truth shorter than the window is compared whole. NaN when no bank clip is long enough."""
    errors = np.asarray(errors, dtype=np.float64)
    t_len = errors.shape[0]
    w = min(window, t_len)
    best = np.full(t_len - w + 1, np.inf)
    for lo, hi in clip_bounds:
        if hi - lo < w:
            continue
        block = errors[:, lo:hi]
        cost = np.zeros((t_len - w + 1, hi - lo - w + 1))  # cost[s, b] = sum_i errors[s+i, lo+b+i]
        for i in range(w):
            cost += block[i:i + t_len - w + 1, i:i + hi - lo - w + 1]
        best = np.minimum(best, cost.min(axis=1) / w)
    return float(best.mean()) if np.isfinite(best).all() else float("nan")
