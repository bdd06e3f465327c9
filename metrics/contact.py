"""Ground contact metrics: foot contact, foot skate, penetration and floating (spec section 3).

Positions are world coordinates in metres with a known `up` direction (default +z, the
DeepMimic / gravity convention (0,0,-9.81)) and a floor at height `floor`.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from ..skeleton.h36m import L_ANKLE, R_ANKLE

CONTACT_HEIGHT = 0.05  # m: an ankle lower than this is on the ground
SLIDE_THRESHOLD = 0.025  # m per frame: a contact frame moving more than this slides

FEET = (L_ANKLE, R_ANKLE)


def _unit(up: Sequence[float]) -> np.ndarray:
    up = np.asarray(up, dtype=np.float64)
    return up / np.linalg.norm(up)


def heights(joints: np.ndarray, up: Sequence[float] = (0, 0, 1), floor: float = 0.0) -> np.ndarray:
    """Height above the floor of every joint. [T,J,3] -> [T,J]."""
    return np.asarray(joints, dtype=np.float64) @ _unit(up) - floor


def foot_contacts(
    joints: np.ndarray, up: Sequence[float] = (0, 0, 1), floor: float = 0.0,
    threshold: float = CONTACT_HEIGHT,
) -> np.ndarray:
    """Per-frame contact of each foot (ankle below `threshold`). [T,17,3] -> [T,2] bool
    (left, right)."""
    return heights(joints, up, floor)[:, list(FEET)] < threshold


def flight_mask(
    joints: np.ndarray, up: Sequence[float] = (0, 0, 1), floor: float = 0.0,
    threshold: float = CONTACT_HEIGHT,
) -> np.ndarray:
    """Frames where no foot is in contact. [T,17,3] -> [T] bool."""
    return ~foot_contacts(joints, up, floor, threshold).any(axis=1)


def foot_skate(
    joints: np.ndarray, up: Sequence[float] = (0, 0, 1), floor: float = 0.0,
    contacts: Optional[np.ndarray] = None, slide_threshold: float = SLIDE_THRESHOLD,
) -> dict[str, float]:
    """Horizontal ankle motion while the foot is on the ground.

    For each foot and each pair of consecutive frames where it is in contact in both, the
    horizontal displacement of the ankle. Returns mean_slide (m/frame) and slide_ratio (share
    of those pairs sliding more than `slide_threshold`); both 0 when there is no contact.
    `contacts` [T,2] overrides the height-based contact labels.
    """
    x = np.asarray(joints, dtype=np.float64)
    u = _unit(up)
    if contacts is None:
        contacts = foot_contacts(x, up, floor)
    contacts = np.asarray(contacts, dtype=bool)
    feet = x[:, list(FEET)]  # [T,2,3]
    step = np.diff(feet, axis=0)
    horizontal = step - (step @ u)[..., None] * u
    slide = np.linalg.norm(horizontal, axis=-1)  # [T-1,2]
    both = contacts[1:] & contacts[:-1]
    if not both.any():
        return {"mean_slide": 0.0, "slide_ratio": 0.0, "contact_pairs": 0}
    values = slide[both]
    return {
        "mean_slide": float(values.mean()),
        "slide_ratio": float((values > slide_threshold).mean()),
        "contact_pairs": int(both.sum()),
    }


def ground_penetration(joints: np.ndarray, up: Sequence[float] = (0, 0, 1), floor: float = 0.0) -> float:
    """Mean over frames of how far the lowest joint is below the floor (0 when above)."""
    lowest = heights(joints, up, floor).min(axis=1)
    return float(np.maximum(-lowest, 0.0).mean())


def floating(
    joints: np.ndarray, up: Sequence[float] = (0, 0, 1), floor: float = 0.0,
    supported: Optional[np.ndarray] = None,
) -> float:
    """Mean height of the lowest joint above the floor over the frames where the body should
    touch the ground (`supported` [T] bool; every frame by default). 0 when there are none."""
    lowest = heights(joints, up, floor).min(axis=1)
    if supported is not None:
        lowest = lowest[np.asarray(supported, dtype=bool)]
    if lowest.size == 0:
        return 0.0
    return float(np.maximum(lowest, 0.0).mean())
