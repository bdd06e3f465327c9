"""Context windows: clips longer than the motion module's window are denoised in overlapping
windows whose noise predictions are blended, so memory is bounded by the window, not the
clip. Each frame's prediction is a weighted mean over the windows that hold it; weights ramp
down towards a window's inner edges so the windows fade into each other."""
from __future__ import annotations

import torch


def context_windows(num_frames: int, length: int, overlap: int) -> list[tuple[int, int]]:
    """[(start, stop)] covering 0..num_frames with windows of `length` frames that overlap by
    at least `overlap`; one window when the clip fits. The last window ends at the clip's end."""
    if num_frames < 1:
        raise ValueError(f"need at least one frame, got {num_frames}")
    if length < 1:
        raise ValueError(f"context length must be at least 1, got {length}")
    if not 0 <= overlap < length:
        raise ValueError(f"context overlap must lie in [0, {length - 1}], got {overlap}")
    if num_frames <= length:
        return [(0, num_frames)]
    stride = length - overlap
    starts = list(range(0, num_frames - length, stride)) + [num_frames - length]
    return [(s, s + length) for s in starts]


def window_weights(start: int, stop: int, num_frames: int, overlap: int) -> torch.Tensor:
    """[stop - start] blend weights: 1 inside, a linear ramp over `overlap` frames at an edge
    that lies inside the clip (the clip's own first and last frames keep weight 1)."""
    n = stop - start
    weights = torch.ones(n)
    if overlap > 0:
        ramp = torch.arange(1, overlap + 1, dtype=torch.float32) / (overlap + 1)
        k = min(overlap, n)
        if start > 0:
            weights[:k] = torch.minimum(weights[:k], ramp[:k])
        if stop < num_frames:
            weights[n - k:] = torch.minimum(weights[n - k:], ramp[:k].flip(0))
    return weights
