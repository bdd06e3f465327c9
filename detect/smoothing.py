"""Temporal smoothing of 2D keypoints: an explicit option, off by default in the data path
(smoothing hides the fast motion physics cares about; the user decides).

one_euro: the One Euro filter (Casiez et al., CHI 2012), an adaptive low-pass whose cut-off
rises with speed: steady joints are calmed, fast ones lag little. savitzky_golay: a local
polynomial fit over a fixed window in seconds.
"""
from __future__ import annotations

import numpy as np
from scipy.signal import savgol_filter

METHODS = ("none", "one_euro", "savitzky_golay")


def _alpha(cutoff: np.ndarray, fps: float) -> np.ndarray:
    tau = 1.0 / (2 * np.pi * cutoff)
    return 1.0 / (1.0 + tau * fps)


def one_euro(
    points: np.ndarray, fps: float, min_cutoff: float = 1.5, beta: float = 0.02, d_cutoff: float = 1.0
) -> np.ndarray:
    """[T,...,D] positions (pixels) sampled at fps -> filtered, same shape. min_cutoff in Hz;
    beta scales the cut-off with speed (pixels/s)."""
    x = np.asarray(points, dtype=np.float64)
    out = np.empty_like(x)
    out[0] = x[0]
    derivative = np.zeros_like(x[0])
    a_d = _alpha(np.asarray(d_cutoff), fps)
    for t in range(1, len(x)):
        raw_derivative = (x[t] - out[t - 1]) * fps
        derivative = a_d * raw_derivative + (1 - a_d) * derivative
        speed = np.linalg.norm(derivative, axis=-1, keepdims=True)
        a = _alpha(min_cutoff + beta * speed, fps)
        out[t] = a * x[t] + (1 - a) * out[t - 1]
    return out


def savitzky_golay(points: np.ndarray, fps: float, window_s: float = 0.2, order: int = 2) -> np.ndarray:
    """[T,...] -> same shape; the window (seconds) is made odd and cut to the sequence."""
    x = np.asarray(points, dtype=np.float64)
    window = int(round(window_s * fps)) | 1
    window = min(window, len(x) if len(x) % 2 else len(x) - 1)
    if window <= order:
        return x.copy()
    return savgol_filter(x, window, order, axis=0, mode="interp")


def smooth_keypoints(points: np.ndarray, fps: float, method: str) -> np.ndarray:
    """Apply one of METHODS to [T,J,2] keypoints."""
    if method == "none":
        return np.asarray(points, dtype=np.float64).copy()
    if method == "one_euro":
        return one_euro(points, fps)
    if method == "savitzky_golay":
        return savitzky_golay(points, fps)
    raise ValueError(f"unknown smoothing {method!r}; choose one of {', '.join(METHODS)}")
