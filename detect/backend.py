"""What a 2D pose detector looks like to the tracker.

A backend finds people in one RGB image and reports their keypoints in its own layout
(BlazePose-33, COCO-17, OpenPose-18, BODY_25; skeleton/convert.py maps each to H36M-17).
The tracker (detect/tracker.py) calls it on crops around the actor, so a backend never has
to know about time or identity. Single-person backends (MediaPipe) return at most one
person; the tracker copes by masking out a rejected person and asking again.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..skeleton.errors import PoseDataError


class DetectorUnavailable(PoseDataError):
    """A backend cannot run here: its package or its weight files are missing. The message
    names what is missing and where it belongs."""


@dataclass(frozen=True)
class PersonDetection:
    """One person in one image. keypoints [K,2] pixels of that image (x right, y down);
    confidence [K] in [0,1], 0 = not found."""

    keypoints: np.ndarray
    confidence: np.ndarray


class PoseBackend(Protocol):
    name: str
    keypoint_format: str  # a format skeleton.convert.to_h36m knows
    single_person: bool  # True: returns the most prominent person only

    def detect(self, image: np.ndarray) -> list[PersonDetection]:
        """image [H,W,3] uint8 RGB, C-contiguous -> the people found (maybe none)."""
        ...

    def close(self) -> None:
        ...


def check_image(image: np.ndarray) -> np.ndarray:
    """A frame as backends want it: [H,W,3] uint8, C-contiguous."""
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[2] != 3 or image.shape[0] < 1 or image.shape[1] < 1:
        raise PoseDataError(f"a frame must be an RGB image [H,W,3], got shape {list(image.shape)}")
    if image.dtype != np.uint8:
        raise PoseDataError(f"a frame must be uint8 RGB, got {image.dtype}")
    return np.ascontiguousarray(image)
