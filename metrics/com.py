"""Centre of mass from de Leva (1996) segment masses, and the flight-phase ballistic check.

In flight the only external force is gravity, so the centre of mass accelerates at exactly g:
|c'' - g| over flight frames is a physics check that needs no ground truth.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ..skeleton import h36m as H

# (proximal joint, distal joint, fraction along the bone from proximal, mass fraction).
# de Leva 1996, male. H36M has no hands or toes: hand and foot mass sit at wrist and ankle.
# Head: the midpoint of nose and head top. Trunk: the midpoint of pelvis and thorax.
DE_LEVA_SEGMENTS: tuple[tuple[int, int, float, float], ...] = (
    (H.NECK_NOSE, H.HEAD, 0.5, 0.0694),
    (H.PELVIS, H.THORAX, 0.5, 0.4346),
    (H.L_SHOULDER, H.L_ELBOW, 0.5772, 0.0271),
    (H.R_SHOULDER, H.R_ELBOW, 0.5772, 0.0271),
    (H.L_ELBOW, H.L_WRIST, 0.4574, 0.0162),
    (H.R_ELBOW, H.R_WRIST, 0.4574, 0.0162),
    (H.L_WRIST, H.L_WRIST, 0.0, 0.0061),
    (H.R_WRIST, H.R_WRIST, 0.0, 0.0061),
    (H.L_HIP, H.L_KNEE, 0.4095, 0.1416),
    (H.R_HIP, H.R_KNEE, 0.4095, 0.1416),
    (H.L_KNEE, H.L_ANKLE, 0.4459, 0.0433),
    (H.R_KNEE, H.R_ANKLE, 0.4459, 0.0433),
    (H.L_ANKLE, H.L_ANKLE, 0.0, 0.0137),
    (H.R_ANKLE, H.R_ANKLE, 0.0, 0.0137),
)

GRAVITY = (0.0, 0.0, -9.81)


def joint_mass_weights() -> np.ndarray:
    """The COM as a fixed linear combination of joints: weights [17] summing to 1, so that
    com = weights @ joints."""
    w = np.zeros(H.NUM_JOINTS)
    for proximal, distal, along, mass in DE_LEVA_SEGMENTS:
        w[proximal] += mass * (1.0 - along)
        w[distal] += mass * along
    return w / w.sum()


def centre_of_mass(joints: np.ndarray) -> np.ndarray:
    """[...,17,3] -> [...,3]."""
    return np.einsum("j,...jd->...d", joint_mass_weights(), np.asarray(joints, dtype=np.float64))


def ballistic_errors(
    joints: np.ndarray,
    fps: float,
    flight: np.ndarray,
    gravity: Sequence[float] = GRAVITY,
    vertical_only: bool = False,
) -> np.ndarray:
    """|c'' - g| (m/s^2) at every frame t whose neighbours t-1, t, t+1 are all in flight
    (empty when none is). joints [T,17,3] world metres; flight [T] bool. With vertical_only
    the error is taken along g only (|c''_z + 9.81| for the default g)."""
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    com = centre_of_mass(joints)
    flight = np.asarray(flight, dtype=bool)
    if com.shape[0] < 3:
        return np.zeros(0)
    acc = (com[:-2] - 2 * com[1:-1] + com[2:]) * fps**2  # at frames 1..T-2
    valid = flight[:-2] & flight[1:-1] & flight[2:]
    g = np.asarray(gravity, dtype=np.float64)
    diff = acc[valid] - g
    if vertical_only:
        return np.abs(diff @ (g / np.linalg.norm(g)))
    return np.linalg.norm(diff, axis=-1)


def ballistic_error(
    joints: np.ndarray,
    fps: float,
    flight: np.ndarray,
    gravity: Sequence[float] = GRAVITY,
    vertical_only: bool = False,
) -> float:
    """Mean of ballistic_errors (m/s^2); NaN when no frame qualifies."""
    errors = ballistic_errors(joints, fps, flight, gravity, vertical_only)
    return float(errors.mean()) if errors.size else float("nan")
