"""OpenPose-style JSON: comfyui_controlnet_aux's POSE_KEYPOINT and OpenPose's per-frame files.

POSE_KEYPOINT (as comfyui_controlnet_aux passes it between nodes, and as users save it) is a
list with one dict per frame:
    {"people": [{"pose_keypoints_2d": [x, y, c] * 18, ...}, ...],
     "canvas_width": W, "canvas_height": H}
OpenPose writes one file per frame with the same "people" list (18 or 25 body joints) and no
canvas size. Coordinates are pixels; some tools write them normalised to [0,1], which the
reader detects (every present coordinate within [0,1]) and scales by the canvas size.
Consumers in comfyui_controlnet_aux treat a confidence below 1.0 as "missing", so the writer
can binarise confidence (the default) to stay compatible.
"""
from __future__ import annotations

from typing import Any, Sequence, Union

import numpy as np

from .convert import h36m_to_openpose18, to_h36m
from .errors import PoseDataError
from .sequence import Pose2DSequence

PersonChoice = Union[int, str]  # an index into "people", or "largest"

_LAYOUT_BY_LENGTH = {18 * 3: ("openpose18", 18), 25 * 3: ("body25", 25), 17 * 3: ("coco17", 17)}


def _person_array(person: Any, where: str) -> tuple[np.ndarray, str]:
    """One person's flat keypoint list -> ([J,3] array, layout name)."""
    if not isinstance(person, dict):
        raise PoseDataError(f"{where}: a person must be an object, got {type(person).__name__}")
    flat = person.get("pose_keypoints_2d")
    if flat is None:
        raise PoseDataError(f"{where}: person has no 'pose_keypoints_2d'")
    try:
        arr = np.asarray(flat, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise PoseDataError(f"{where}: pose_keypoints_2d is not a list of numbers ({exc})") from None
    if arr.ndim != 1 or arr.size not in _LAYOUT_BY_LENGTH:
        raise PoseDataError(
            f"{where}: pose_keypoints_2d has {arr.size} values; expected 54 (OpenPose-18), "
            "75 (BODY_25) or 51 (COCO-17) — three numbers (x, y, confidence) per joint"
        )
    if not np.isfinite(arr).all():
        bad = int(np.argmax(~np.isfinite(arr)))
        raise PoseDataError(
            f"{where}: pose_keypoints_2d holds a NaN/inf value at position {bad} "
            f"(joint {bad // 3})"
        )
    layout, joints = _LAYOUT_BY_LENGTH[arr.size]
    return arr.reshape(joints, 3), layout


def _bbox_area(kp: np.ndarray) -> float:
    present = kp[:, 2] > 0
    if present.sum() < 2:
        return 0.0
    span = kp[present, :2].max(axis=0) - kp[present, :2].min(axis=0)
    return float(span[0] * span[1])


def _choose(people: list[np.ndarray], choice: PersonChoice) -> np.ndarray | None:
    if not people:
        return None
    if choice == "largest":
        return max(people, key=_bbox_area)
    if isinstance(choice, int) and not isinstance(choice, bool):
        return people[choice] if 0 <= choice < len(people) else None
    raise PoseDataError(f"person must be an index >= 0 or 'largest', got {choice!r}")


def frames_to_sequence(
    frames: Sequence[Any],
    fps: float = 30.0,
    person: PersonChoice = 0,
    image_size: tuple[int, int] | None = None,
    source: str = "",
) -> Pose2DSequence:
    """OpenPose-style frame dicts (POSE_KEYPOINT list, or loaded per-frame files) -> H36M-17.

    The image size comes from canvas_width/height when present, else from `image_size`.
    Frames where the chosen person is absent get confidence 0 throughout.
    """
    if isinstance(frames, dict):
        frames = [frames]
    if not isinstance(frames, (list, tuple)):
        raise PoseDataError(
            f"{source or 'pose data'}: expected a list of frames, got {type(frames).__name__}"
        )
    if len(frames) == 0:
        raise PoseDataError(f"{source or 'pose data'}: zero frames")
    rows: list[np.ndarray | None] = []
    layout: str | None = None
    sizes: set[tuple[int, int]] = set()
    for t, frame in enumerate(frames):
        where = f"{source or 'pose data'} frame {t}"
        if not isinstance(frame, dict):
            raise PoseDataError(f"{where}: a frame must be an object, got {type(frame).__name__}")
        people_raw = frame.get("people")
        if people_raw is None:
            raise PoseDataError(f"{where}: no 'people' list")
        if not isinstance(people_raw, list):
            raise PoseDataError(f"{where}: 'people' must be a list")
        people = []
        for i, p in enumerate(people_raw):
            arr, lay = _person_array(p, f"{where} person {i}")
            if layout is not None and lay != layout:
                raise PoseDataError(f"{where} person {i}: layout {lay} differs from {layout}")
            layout = lay
            people.append(arr)
        rows.append(_choose(people, person))
        if "canvas_width" in frame or "canvas_height" in frame:
            try:
                sizes.add((int(frame["canvas_width"]), int(frame["canvas_height"])))
            except (KeyError, TypeError, ValueError):
                raise PoseDataError(f"{where}: canvas_width/canvas_height must be integers") from None
    if layout is None or all(r is None for r in rows):
        raise PoseDataError(f"{source or 'pose data'}: no person in any of {len(frames)} frames")
    if len(sizes) > 1:
        raise PoseDataError(f"{source or 'pose data'}: frames have different canvas sizes {sorted(sizes)}")
    if sizes:
        size = sizes.pop()
    elif image_size is not None:
        size = (int(image_size[0]), int(image_size[1]))
    else:
        raise PoseDataError(
            f"{source or 'pose data'}: the frames carry no canvas size; give the image width and height"
        )
    if size[0] <= 0 or size[1] <= 0:
        raise PoseDataError(f"{source or 'pose data'}: image size must be positive, got {size[0]}x{size[1]}")
    joints = rows[next(i for i, r in enumerate(rows) if r is not None)].shape[0]
    data = np.stack([r if r is not None else np.zeros((joints, 3)) for r in rows])
    present = data[..., 2] > 0
    if present.any() and np.abs(data[..., :2][present]).max() <= 1.0 and max(size) > 2:
        data[..., 0] *= size[0]
        data[..., 1] *= size[1]
    keypoints, confidence = to_h36m(data[..., :2], data[..., 2], layout)
    return Pose2DSequence(keypoints, confidence, size, fps=fps, source=source)


def sequence_to_frames(
    sequence: Pose2DSequence, binary_confidence: bool = True, threshold: float = 0.3
) -> list[dict]:
    """Pose2DSequence -> POSE_KEYPOINT (one dict per frame, one person, OpenPose-18 pixels).

    With binary_confidence, joints at or above `threshold` are written with confidence 1.0
    and the others as [0, 0, 0], which is what comfyui_controlnet_aux's renderers expect.
    """
    op_pos, op_conf = h36m_to_openpose18(sequence.keypoints, sequence.confidence)
    frames = []
    for t in range(sequence.num_frames):
        flat: list[float] = []
        for j in range(op_pos.shape[1]):
            c = float(op_conf[t, j])
            if binary_confidence:
                c = 1.0 if c >= threshold and c > 0 else 0.0
            if c > 0:
                flat += [round(float(op_pos[t, j, 0]), 2), round(float(op_pos[t, j, 1]), 2), c]
            else:
                flat += [0.0, 0.0, 0.0]
        frames.append({
            "people": [{
                "pose_keypoints_2d": flat,
                "face_keypoints_2d": None,
                "hand_left_keypoints_2d": None,
                "hand_right_keypoints_2d": None,
            }],
            "canvas_width": sequence.width,
            "canvas_height": sequence.height,
        })
    return frames
