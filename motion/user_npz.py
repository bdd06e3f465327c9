"""A user's own 3D joints in an npz file, mapped to H36M-17 by joint name.

Arrays: "joints" (or "positions") [T,J,3] float; "joint_names" [J] strings (any rig that
skeleton/joint_names.py knows: H36M, CMU, Mixamo, generic l_hip / left_knee ...); optional
"fps" (default 30), "up_axis" ("y" or "z", default "z") and "units" ("m", "cm" or "mm",
default "m"). Loaded with allow_pickle=False, so strings must be numpy string arrays, not
object arrays. Floor and contact labels follow motion/ground.py, as for BVH files.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Union

import numpy as np

from ..skeleton.errors import PoseDataError
from ..skeleton.joint_names import map_to_h36m
from .clip import MotionClip
from .ground import to_z_up, world_clip

DEFAULT_FPS = 30.0
NPZ_UNITS = {"m": 1.0, "cm": 0.01, "mm": 0.001}


def _text(value: np.ndarray, key: str, where: str) -> str:
    value = np.asarray(value)
    if value.size != 1 or value.dtype.kind not in "US":
        raise PoseDataError(f"{where}: {key!r} must be one string, got {value.dtype} {list(value.shape)}")
    item = value.reshape(()).item()
    return (item.decode("utf-8", "replace") if isinstance(item, bytes) else item).strip().lower()


def load_named_joints_npz(path: Union[str, Path]) -> MotionClip:
    """A user npz (see the module docstring) as a world-frame H36M-17 MotionClip [T,17,3]."""
    path = Path(path)
    where = path.name
    if not path.is_file():
        raise FileNotFoundError(f"no such npz file: {path}")
    if not zipfile.is_zipfile(path):  # np.load would take any other bytes for a pickle
        raise PoseDataError(f"{where}: not a readable npz file (not a zip archive)")
    try:
        with np.load(path, allow_pickle=False) as data:
            fields = {k: data[k] for k in data.files}
    except ValueError as exc:
        if "pickle" in str(exc).lower():
            raise PoseDataError(
                f"{where}: holds an object array that needs pickle, which is refused for safety; "
                "save joint_names as a numpy string array (np.array(names, dtype=str))"
            ) from None
        raise PoseDataError(f"{where}: not a readable npz file ({exc})") from None
    except OSError as exc:
        raise PoseDataError(f"{where}: not a readable npz file ({exc})") from None

    key = next((k for k in ("joints", "positions") if k in fields), None)
    if key is None:
        raise PoseDataError(f"{where}: npz lacks the array 'joints' (or 'positions') [T,J,3]; "
                            f"it holds {sorted(fields)}")
    if "joint_names" not in fields:
        raise PoseDataError(f"{where}: npz lacks the array 'joint_names' [J]")
    joints = np.asarray(fields[key])
    if joints.dtype.kind not in "fiu" or joints.ndim != 3 or joints.shape[2] != 3 or len(joints) == 0:
        raise PoseDataError(f"{where}: {key!r} must be a number array [T,J,3] with T > 0, "
                            f"got {joints.dtype} {list(joints.shape)}")
    joints = joints.astype(np.float64)
    if not np.isfinite(joints).all():
        frame = int(np.flatnonzero(~np.isfinite(joints).all(axis=(1, 2)))[0])
        raise PoseDataError(f"{where}: {key!r} holds NaN or inf (first at frame {frame})")
    names = np.asarray(fields["joint_names"])
    if names.dtype.kind not in "US" or names.ndim != 1 or len(names) != joints.shape[1]:
        raise PoseDataError(f"{where}: 'joint_names' must be {joints.shape[1]} strings, "
                            f"got {names.dtype} {list(names.shape)}")
    names = [n.decode("utf-8", "replace") if isinstance(n, bytes) else str(n) for n in names.tolist()]

    fps = DEFAULT_FPS
    if "fps" in fields:
        value = np.asarray(fields["fps"])
        if value.size != 1 or value.dtype.kind not in "fiu":
            raise PoseDataError(f"{where}: 'fps' must be one number, got {value.dtype} {list(value.shape)}")
        fps = float(value.reshape(()))
        if not (np.isfinite(fps) and fps > 0):
            raise PoseDataError(f"{where}: fps must be positive, got {fps}")
    up_axis = _text(fields["up_axis"], "up_axis", where) if "up_axis" in fields else "z"
    units = _text(fields["units"], "units", where) if "units" in fields else "m"
    if units not in NPZ_UNITS:
        raise PoseDataError(f"{where}: 'units' must be one of {list(NPZ_UNITS)}, got {units!r}")

    h36m = map_to_h36m(joints, names, where) * NPZ_UNITS[units]
    return world_clip(to_z_up(h36m, up_axis, where), fps, name=path.stem, source=str(path))
