"""Reading and writing 2D pose files: POSE_KEYPOINT JSON, OpenPose per-frame JSON folders, and
the suite's own npz.

Our npz (format "finephys_pose2d_v1") holds: keypoints [T,17,2] float32 pixels, confidence
[T,17] float32, interpolated [T,17] bool, image_size [2] int (width, height), fps scalar,
joint_names [17] str, format str. It loads with allow_pickle=False.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Union

import numpy as np

from .errors import PoseDataError
from .h36m import JOINT_NAMES
from .pose_keypoint import PersonChoice, frames_to_sequence, sequence_to_frames
from .sequence import Pose2DSequence

NPZ_FORMAT = "finephys_pose2d_v1"
MAX_JSON_BYTES = 256 * 1024 * 1024

PathLike = Union[str, Path]


def _read_json(path: Path):
    if path.stat().st_size > MAX_JSON_BYTES:
        raise PoseDataError(f"{path.name}: file is larger than {MAX_JSON_BYTES >> 20} MB")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PoseDataError(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    if not text.strip():
        raise PoseDataError(f"{path.name}: file is empty")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise PoseDataError(
            f"{path.name}: malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None


def _natural_key(path: Path) -> list:
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def load_pose_npz(path: PathLike) -> Pose2DSequence:
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            fields = {k: data[k] for k in data.files}
    except (ValueError, OSError) as exc:
        raise PoseDataError(f"{path.name}: not a readable npz file ({exc})") from None
    fmt = str(fields.get("format", ""))
    if fmt != NPZ_FORMAT:
        raise PoseDataError(
            f"{path.name}: npz format is {fmt or 'missing'!r}, expected {NPZ_FORMAT!r} "
            "(arrays keypoints [T,17,2], confidence [T,17], image_size [2], fps)"
        )
    for key in ("keypoints", "confidence", "image_size", "fps"):
        if key not in fields:
            raise PoseDataError(f"{path.name}: npz lacks the array {key!r}")
    size = np.asarray(fields["image_size"]).reshape(-1)
    if size.size != 2:
        raise PoseDataError(f"{path.name}: image_size must hold 2 numbers, got {size.size}")
    try:
        return Pose2DSequence(
            fields["keypoints"], fields["confidence"], (int(size[0]), int(size[1])),
            fps=float(fields["fps"]), interpolated=fields.get("interpolated"), source=path.name,
        )
    except PoseDataError as exc:
        raise PoseDataError(f"{path.name}: {exc}") from None


def save_pose_npz(sequence: Pose2DSequence, path: PathLike) -> Path:
    path = Path(path)
    np.savez_compressed(
        path,
        format=np.array(NPZ_FORMAT),
        keypoints=sequence.keypoints,
        confidence=sequence.confidence,
        interpolated=sequence.interpolated,
        image_size=np.array(sequence.image_size, dtype=np.int64),
        fps=np.array(sequence.fps, dtype=np.float64),
        joint_names=np.array(JOINT_NAMES),
    )
    return path


def save_pose_keypoint_json(sequence: Pose2DSequence, path: PathLike) -> Path:
    """Write POSE_KEYPOINT JSON (OpenPose-18, pixels), loadable by comfyui_controlnet_aux."""
    path = Path(path)
    path.write_text(json.dumps(sequence_to_frames(sequence)), encoding="utf-8")
    return path


def load_pose_file(
    path: PathLike,
    fps: float = 30.0,
    person: PersonChoice = 0,
    image_size: tuple[int, int] | None = None,
) -> Pose2DSequence:
    """Load a 2D pose sequence from a file or folder, by what it is:

    - `*.npz`: our format (its own fps and image size win over the arguments);
    - `*.json`: POSE_KEYPOINT (a list of frames) or one OpenPose frame;
    - a folder: OpenPose per-frame `*.json` files, in natural name order.
    `image_size` (width, height) is needed only when the JSON carries no canvas size.
    """
    path = Path(path)
    if not path.exists():
        raise PoseDataError(f"pose file not found: {path.name}")
    if path.is_dir():
        files = sorted(path.glob("*.json"), key=_natural_key)
        if not files:
            raise PoseDataError(f"folder {path.name} holds no .json pose files")
        frames = []
        for f in files:
            data = _read_json(f)
            if not isinstance(data, dict):
                raise PoseDataError(f"{f.name}: an OpenPose frame file must hold one object")
            frames.append(data)
        return frames_to_sequence(frames, fps=fps, person=person, image_size=image_size, source=path.name)
    suffix = path.suffix.lower()
    if suffix == ".npz":
        return load_pose_npz(path)
    if suffix == ".json":
        return frames_to_sequence(
            _read_json(path), fps=fps, person=person, image_size=image_size, source=path.name
        )
    raise PoseDataError(
        f"{path.name}: unsupported pose file type {suffix or '(none)'!r}; use .json "
        "(POSE_KEYPOINT or OpenPose), .npz (FinePhys) or a folder of OpenPose .json files"
    )
