"""Cutting sequences into the fixed-length windows the lifters work on, and blending back.

Training and inference use the same two functions, so a window means the same thing in both.
"""
from __future__ import annotations

import numpy as np


def window_starts(length: int, window: int, stride: int) -> list[int]:
    """Start frames covering [0, length): regular steps, plus a last window flush with the end.
    A sequence shorter than the window gets one start (0); callers pad it (pad_to_window)."""
    if length <= window:
        return [0]
    starts = list(range(0, length - window + 1, stride))
    if starts[-1] != length - window:
        starts.append(length - window)
    return starts


def pad_to_window(array: np.ndarray, window: int) -> np.ndarray:
    """Repeat the last frame until the first axis is `window` long (short sequences)."""
    if len(array) >= window:
        return array
    pad = np.repeat(array[-1:], window - len(array), axis=0)
    return np.concatenate([array, pad], axis=0)


def blend_windows(outputs: np.ndarray, starts: list[int], length: int) -> np.ndarray:
    """Per-window predictions [N,W,...] -> one sequence [length,...].

    Overlapping windows are averaged with triangular weights (highest mid-window), because a
    window's outer frames see one-sided context and are predicted worse."""
    window = outputs.shape[1]
    weights = 1.0 - np.abs(np.linspace(-1, 1, window)) * 0.9
    total = np.zeros((max(length, window),) + outputs.shape[2:])
    norm = np.zeros(max(length, window))
    for out, start in zip(outputs, starts):
        total[start:start + window] += out * weights.reshape((-1,) + (1,) * (out.ndim - 1))
        norm[start:start + window] += weights
    return (total / norm.reshape((-1,) + (1,) * (total.ndim - 1)))[:length]
