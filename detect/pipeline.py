"""Frames -> one actor's Pose2DSequence: track, fill the gaps, optionally smooth."""
from __future__ import annotations

from typing import Callable, Iterable, Optional, Sequence

import numpy as np

from ..skeleton.errors import PoseDataError
from ..skeleton.sequence import Pose2DSequence
from .backend import PoseBackend
from .gaps import fill_gaps
from .smoothing import smooth_keypoints
from .tracker import TrackerOptions, TrackLog, track_frames


def detect_poses(
    frames: Sequence[np.ndarray] | Iterable[np.ndarray],
    backend: PoseBackend,
    fps: float,
    options: TrackerOptions = TrackerOptions(),
    smoothing: str = "none",
    on_frame: Optional[Callable[[int], None]] = None,
    source: str = "",
) -> tuple[Pose2DSequence, TrackLog]:
    """frames: [H,W,3] uint8 RGB, all one size. Returns the actor's H36M-17 2D sequence
    (missed joints: confidence 0, interpolated positions flagged) and the tracker's log."""
    if not np.isfinite(fps) or fps <= 0:
        raise PoseDataError(f"fps must be positive, got {fps}")
    first_shape: list = []

    def remember(stream):
        for frame in stream:
            if not first_shape:
                first_shape.append(np.shape(frame))
            yield frame

    keypoints, confidence, log = track_frames(remember(frames), backend, options, on_frame)
    height, width = first_shape[0][:2]
    filled, interpolated = fill_gaps(keypoints, confidence, (width, height))
    if smoothing != "none":
        filled = smooth_keypoints(filled, fps, smoothing).astype(np.float32)
    sequence = Pose2DSequence(
        keypoints=filled, confidence=confidence, image_size=(width, height), fps=fps,
        interpolated=interpolated, source=source or f"{backend.name} tracker",
    )
    return sequence, log
