"""Smooth schedules in continuous time: key-framed values (angles, orientations) and Hermite
paths with prescribed velocities (the centre of mass on the ground)."""
from __future__ import annotations

import numpy as np


def _hermite_basis(s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    s2, s3 = s * s, s * s * s
    return 2 * s3 - 3 * s2 + 1, s3 - 2 * s2 + s, -2 * s3 + 3 * s2, s3 - s2


class HermitePath:
    """Piecewise cubic through knots with given values and derivatives: C1 by construction.

    times [K] increasing, values [K,D], slopes [K,D] (units per second). Outside the knots the
    path holds the end value (slope is then zero, so only use it inside)."""

    def __init__(self, times, values, slopes) -> None:
        self.times = np.asarray(times, dtype=np.float64)
        self.values = np.asarray(values, dtype=np.float64)
        self.slopes = np.asarray(slopes, dtype=np.float64)
        if self.values.ndim == 1:
            self.values = self.values[:, None]
            self.slopes = self.slopes[:, None]
        if np.any(np.diff(self.times) <= 0):
            raise ValueError(f"knot times must increase: {self.times}")

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """[N] -> [N,D]."""
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        k = np.clip(np.searchsorted(self.times, t, side="right") - 1, 0, len(self.times) - 2)
        t0, t1 = self.times[k], self.times[k + 1]
        dt = t1 - t0
        s = np.clip((t - t0) / dt, 0.0, 1.0)[:, None]
        h00, h10, h01, h11 = _hermite_basis(s)
        return (h00 * self.values[k] + h10 * dt[:, None] * self.slopes[k]
                + h01 * self.values[k + 1] + h11 * dt[:, None] * self.slopes[k + 1])

    def derivative(self, t: np.ndarray) -> np.ndarray:
        """d/dt of the path. [N] -> [N,D] (zero outside the knots)."""
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        k = np.clip(np.searchsorted(self.times, t, side="right") - 1, 0, len(self.times) - 2)
        t0, t1 = self.times[k], self.times[k + 1]
        dt = t1 - t0
        raw = (t - t0) / dt
        s = np.clip(raw, 0.0, 1.0)[:, None]
        s2 = s * s
        d00, d10, d01, d11 = 6 * s2 - 6 * s, 3 * s2 - 4 * s + 1, -6 * s2 + 6 * s, 3 * s2 - 2 * s
        out = (d00 * self.values[k] / dt[:, None] + d10 * self.slopes[k]
               + d01 * self.values[k + 1] / dt[:, None] + d11 * self.slopes[k + 1])
        inside = ((raw >= 0.0) & (raw <= 1.0))[:, None]
        return np.where(inside, out, 0.0)

    @property
    def span(self) -> tuple[float, float]:
        return float(self.times[0]), float(self.times[-1])


def keyframes(times, values) -> HermitePath:
    """Shape-preserving (PCHIP, Fritsch-Carlson) interpolation with zero slope at both ends.

    PCHIP never overshoots between keys, so if every key respects the joint limits so does the
    whole curve; the zero end slopes make consecutive schedules join with continuous velocity.
    times [K], values [K,D]."""
    t = np.asarray(times, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    if v.ndim == 1:
        v = v[:, None]
    h = np.diff(t)
    delta = np.diff(v, axis=0) / h[:, None]
    m = np.zeros_like(v)
    if len(t) > 2:
        d0, d1 = delta[:-1], delta[1:]
        w1 = (2 * h[1:] + h[:-1])[:, None]
        w2 = (h[1:] + 2 * h[:-1])[:, None]
        same = d0 * d1 > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            harmonic = (w1 + w2) / (w1 / d0 + w2 / d1)
        m[1:-1] = np.where(same, harmonic, 0.0)
    return HermitePath(t, v, m)
