"""Drawing skeletons into images, in the OpenPose colour scheme ControlNet users know.

H36M-17 poses are converted to OpenPose-18 and drawn as coloured limbs and joint dots; the
result is an RGB float array in 0..1, the layout of a ComfyUI IMAGE batch [T,H,W,3].
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from .convert import h36m_to_openpose18
from .errors import PoseDataError
from .sequence import Pose2DSequence

# OpenPose-18 limbs (joint index pairs) and the standard OpenPose RGB colours.
OPENPOSE18_LIMBS: tuple[tuple[int, int], ...] = (
    (1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10),
    (1, 11), (11, 12), (12, 13), (1, 0), (0, 14), (14, 16), (0, 15), (15, 17),
)
OPENPOSE18_COLOURS: tuple[tuple[int, int, int], ...] = (
    (255, 0, 0), (255, 85, 0), (255, 170, 0), (255, 255, 0), (170, 255, 0), (85, 255, 0),
    (0, 255, 0), (0, 255, 85), (0, 255, 170), (0, 255, 255), (0, 170, 255), (0, 85, 255),
    (0, 0, 255), (85, 0, 255), (170, 0, 255), (255, 0, 255), (255, 0, 170), (255, 0, 85),
)
LIMB_ALPHA = 0.6
MAX_PIXELS = 4096 * 4096


def draw_openpose18(
    canvas: np.ndarray, positions: np.ndarray, present: np.ndarray, stick_width: int
) -> np.ndarray:
    """Draw one OpenPose-18 pose on an RGB uint8 canvas [H,W,3] (in place; returned).

    positions [18,2] pixels, present [18] bool.
    """
    import cv2

    limbs = canvas.copy()
    for k, (a, b) in enumerate(OPENPOSE18_LIMBS):
        if present[a] and present[b]:
            pa = tuple(int(round(v)) for v in positions[a])
            pb = tuple(int(round(v)) for v in positions[b])
            cv2.line(limbs, pa, pb, OPENPOSE18_COLOURS[k], 2 * stick_width, cv2.LINE_AA)
    cv2.addWeighted(limbs, LIMB_ALPHA, canvas, 1 - LIMB_ALPHA, 0, dst=canvas)
    for j in range(positions.shape[0]):
        if present[j]:
            centre = tuple(int(round(v)) for v in positions[j])
            cv2.circle(canvas, centre, stick_width, OPENPOSE18_COLOURS[j], -1, cv2.LINE_AA)
    return canvas


def render_sequence(
    sequence: Pose2DSequence,
    width: Optional[int] = None,
    height: Optional[int] = None,
    background: Optional[np.ndarray] = None,
    threshold: float = 0.3,
    stick_width: Optional[int] = None,
    on_frame: Optional[Callable[[int], None]] = None,
) -> np.ndarray:
    """Render a 2D pose sequence to images [T,H,W,3] float32 in 0..1.

    The poses are scaled from the sequence's image size to width x height (default: the
    sequence's own size). `background` [T|1,H,W,3] in 0..1 draws over existing frames
    (an overlay); otherwise the canvas is black, as ControlNet pose maps are. Joints with
    confidence below `threshold` are not drawn. `on_frame(t)` is called after each frame
    (progress reporting and cancellation).
    """
    width = sequence.width if width is None else int(width)
    height = sequence.height if height is None else int(height)
    if width <= 0 or height <= 0:
        raise PoseDataError(f"output size must be positive, got {width}x{height}")
    if width * height > MAX_PIXELS:
        raise PoseDataError(f"output size {width}x{height} exceeds {MAX_PIXELS} pixels")
    seq = sequence if (width, height) == sequence.image_size else sequence.scaled_to(width, height)
    t_len = seq.num_frames
    if background is not None:
        background = np.asarray(background)
        if background.ndim != 4 or background.shape[1:] != (height, width, 3):
            raise PoseDataError(
                f"background must be [T,{height},{width},3], got {list(background.shape)}"
            )
        if background.shape[0] not in (1, t_len):
            raise PoseDataError(
                f"background has {background.shape[0]} frames but the pose sequence has {t_len}"
            )
    if stick_width is None:
        stick_width = max(1, int(round(4 * min(width, height) / 512)))
    positions, conf = h36m_to_openpose18(seq.keypoints, seq.confidence)
    present = (conf >= threshold) & (conf > 0)
    out = np.empty((t_len, height, width, 3), dtype=np.float32)
    for t in range(t_len):
        if background is None:
            canvas = np.zeros((height, width, 3), dtype=np.uint8)
        else:
            frame = background[t if background.shape[0] > 1 else 0]
            canvas = (np.clip(frame, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        draw_openpose18(canvas, positions[t], present[t], stick_width)
        out[t] = canvas.astype(np.float32) / 255.0
        if on_frame is not None:
            on_frame(t)
    return out
