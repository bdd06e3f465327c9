"""Checking PhysNet's flight runs against the data before the ballistic law is imposed.

In flight the centre of mass falls with gravity. A run of frames the contact head marks as
flight, over which the data-driven centre of mass (the encoder's denoised lift) does not
accelerate downwards, is support the head missed: standing on a box or a beam, which the
floor-based guard (config.floor_guard) cannot see because the body is above the floor there.
Imposing the law on such a run makes the body fall through its support (on the Sports2D demo,
with a PhysNet trained with the flight loss: the centre of mass bounced 0.6 m while the
gymnast stood on the box).

The test per run: the vertical acceleration of a robust least-squares parabola through the
data's COM heights; the run stays flight when it is at most max_accel (m/s^2, negative: downwards).
A true flight gives about -9.81, a body on a support about 0; lift noise spreads both, so
max_accel is chosen on validation clips (benchmarks/flight_check_tolerance.py).
"""
from __future__ import annotations

import torch

from .report import phases

MIN_SECONDS = 0.2  # shorter runs say too little about their curvature: kept as marked
MIN_FRAMES = 4


def fitted_vertical_acceleration(height: torch.Tensor, dt: float, iterations: int = 10) -> float:
    """The COM's vertical acceleration (m/s^2) over a run [n >= 3]: twice the quadratic
    coefficient of a robust parabola through the heights (iteratively reweighted least
    squares with Huber weights at 1.345 robust standard deviations), so that a single wild
    frame of the lift (a spike of the depth estimate) does not bend the fit."""
    n = height.shape[0]
    t = torch.arange(n, dtype=torch.float64) * dt
    t = t - t.mean()  # centred: a better-conditioned basis
    basis = torch.stack([torch.ones_like(t), t, t * t], -1)
    z = height.double()[:, None]
    weights = torch.ones_like(z)
    for _ in range(iterations):
        root = weights.sqrt()
        coeffs = torch.linalg.lstsq(basis * root, z * root).solution
        residual = (z - basis @ coeffs).abs()
        scale = 1.4826 * residual.median() + 1e-9
        weights = (1.345 * scale / residual.clamp(min=1e-12)).clamp(max=1.0)
    return float(2 * coeffs[2, 0])


def testable(start: int, stop: int, dt: float) -> bool:
    """Whether a run [start, stop) is long enough for the test."""
    return stop - start >= MIN_FRAMES and (stop - start) * dt >= MIN_SECONDS - 1e-9


def keep_ballistic_runs(flight: torch.Tensor, com_height: torch.Tensor, dt: torch.Tensor,
                        max_accel: float) -> torch.Tensor:
    """Unmark the flight runs the data contradicts.

    flight [B,T] 0/1 (the thresholded mask), com_height [B,T] metres (gravity frame, z up; the
    data's COM), dt [B] seconds, max_accel m/s^2 -> [B,T] 0/1. Runs too short to test are kept."""
    out = flight.clone()
    for b in range(flight.shape[0]):
        step = float(dt[b])
        for start, stop in phases((flight[b] > 0.5).cpu().numpy()):
            if testable(start, stop, step) and fitted_vertical_acceleration(com_height[b, start:stop], step) > max_accel:
                out[b, start:stop] = 0
    return out
