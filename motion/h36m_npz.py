"""Human3.6M in the npz layout of VideoPose3D (3D ground truth and 2D keypoints).

Files (as VideoPose3D's data preparation writes them):

* data_3d_h36m.npz, key "positions_3d": a pickled 0-d object array holding
  {subject: {action: float array [T,32,3]}}, metres, H36M world frame (z up), 50 fps.
* data_2d_h36m_<name>.npz, keys "positions_2d": {subject: {action: [array [T,J,2] per
  camera]}} in pixels, and "metadata": {"layout_name": "h36m" | "coco", "num_joints": J,
  "keypoints_symmetry": ...}.

Safety: these dictionaries are stored as pickles, and a pickle can run any code when it is
loaded. np.load(allow_pickle=True) is therefore never used. The .npy members are read from the
zip here, and object arrays are unpickled by _RestrictedUnpickler, which only rebuilds numpy
arrays and dtypes (dicts, lists, strings and numbers need no class lookup in a pickle);
any other class or function in the pickle raises PoseDataError before anything is called.

Floor and contacts of the 3D clips: the H36M world's z = 0 is not where the ankles of a
subject stand, so the floor is estimated per subject from all of that subject's clips in the
file (whatever the subjects/actions filters): the 1st percentile of both ankles' heights over
all frames is taken as a standing ankle and put NOMINAL_JOINT_HEIGHT (4 cm) above z = 0, the
ankle height of the suite's other sources (motion/ground.py). A percentile, not the minimum, so
a few glitched frames cannot lower the floor. Contacts follow motion/ground.contact_labels:
ankle below 5 cm and slower than 0.5 m/s.
"""
from __future__ import annotations

import importlib
import pickle
import re
import zipfile
from pathlib import Path
from typing import Any, Iterable, Optional, Sequence, Union

import numpy as np
from numpy.lib import format as npy_format

from ..skeleton.convert import to_h36m
from ..skeleton.errors import PoseDataError
from ..skeleton.h36m import L_ANKLE, NUM_JOINTS, R_ANKLE
from ..skeleton.sequence import Pose2DSequence
from .clip import MotionClip
from .ground import NOMINAL_JOINT_HEIGHT, contact_labels

PathLike = Union[str, Path]

DEFAULT_FPS = 50.0  # VideoPose3D's H36M files are at the 50 Hz of the videos

# The 17 of the 32 H36M mocap joints that VideoPose3D keeps, already in H36M-17 order
# (pelvis, R hip, R knee, R ankle, L hip, ..., R wrist).
H36M32_TO_17: tuple[int, ...] = (0, 1, 2, 3, 6, 7, 8, 12, 13, 14, 15, 17, 18, 19, 25, 26, 27)

# The four H36M video cameras in the order of the per-camera lists, and their frame sizes
# (width, height) in pixels, from the published H36M camera parameters (as in VideoPose3D's
# h36m_dataset.py): cameras 0 and 3 record 1000x1002, cameras 1 and 2 1000x1000.
H36M_CAMERA_IDS: tuple[str, ...] = ("54138969", "55011271", "58860488", "60457274")
H36M_IMAGE_SIZES: tuple[tuple[int, int], ...] = (
    (1000, 1002), (1000, 1000), (1000, 1000), (1000, 1002),
)

FLOOR_PERCENTILE = 1.0  # percent; see the module docstring

# 2D layouts of VideoPose3D metadata -> skeleton.convert format names.
LAYOUTS = {"h36m": "h36m17", "coco": "coco17"}


def _multiarray_function(name: str) -> Any:
    # numpy >= 2 pickles name numpy._core, older numpy numpy.core; either may be installed.
    for module in ("numpy._core.multiarray", "numpy.core.multiarray"):
        try:
            return getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
    raise ImportError(f"numpy multiarray.{name} not found")  # pragma: no cover


def _frombuffer(buf: Any, dtype: Any, shape: Any, order: str) -> np.ndarray:
    # What numpy.(_)core.numeric._frombuffer does for protocol-5 pickles of arrays.
    return np.frombuffer(buf, dtype=dtype).reshape(shape, order=order)


# Everything a pickled numpy object array of dicts, lists, strings and arrays may refer to.
_ALLOWED: dict[tuple[str, str], Any] = {
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
}
for _module in ("numpy.core", "numpy._core"):
    _ALLOWED[(f"{_module}.multiarray", "_reconstruct")] = _multiarray_function("_reconstruct")
    _ALLOWED[(f"{_module}.multiarray", "scalar")] = _multiarray_function("scalar")  # np.int64 etc.
    _ALLOWED[(f"{_module}.numeric", "_frombuffer")] = _frombuffer


class _RestrictedUnpickler(pickle.Unpickler):
    """An Unpickler that resolves only the numpy names in _ALLOWED."""

    def __init__(self, file: Any, where: str) -> None:
        # latin1 lets arrays pickled by Python 2 numpy load (numpy's own advice).
        super().__init__(file, encoding="latin1")
        self._where = where

    def find_class(self, module: str, name: str) -> Any:
        try:
            return _ALLOWED[(module, name)]
        except KeyError:
            raise PoseDataError(
                f"{self._where}: refuses to unpickle {module}.{name}: only numpy arrays, dicts, "
                "lists, strings and numbers are allowed in these files (a pickle naming other "
                "classes or functions could run code)"
            ) from None

    def persistent_load(self, pid: Any) -> Any:
        raise PoseDataError(f"{self._where}: refuses to unpickle a persistent id")


def _read_member(archive: zipfile.ZipFile, member: str, where: str) -> Any:
    """One .npy member: a numeric array, or the object an object array pickles to (a 0-d
    object array gives its item)."""
    try:
        with archive.open(member) as stream:
            version = npy_format.read_magic(stream)
            if version == (1, 0):
                shape, _, dtype = npy_format.read_array_header_1_0(stream)
            else:  # 2.0 and 3.0 share the header layout (3.0 only allows UTF-8 names)
                shape, _, dtype = npy_format.read_array_header_2_0(stream)
            if dtype.hasobject:
                value = _RestrictedUnpickler(stream, where).load()
            else:
                value = None
        if value is None:
            with archive.open(member) as stream:
                return npy_format.read_array(stream, allow_pickle=False)
    except PoseDataError:
        raise
    except Exception as exc:  # a truncated or garbled member: zlib, struct, pickle errors ...
        raise PoseDataError(
            f"{where}: cannot read {member!r} ({type(exc).__name__}: {exc})"
        ) from None
    if isinstance(value, np.ndarray) and value.dtype.hasobject and value.shape == ():
        return value.item()
    if isinstance(value, np.ndarray) and tuple(value.shape) != tuple(shape):
        raise PoseDataError(f"{where}: {member!r} holds shape {list(value.shape)}, its header "
                            f"says {list(shape)}")
    return value


def read_npz_safely(path: PathLike, keys: Sequence[str]) -> dict[str, Any]:
    """The members `keys` of an npz file, with object arrays unpickled by the restricted
    unpickler (module docstring). Raises PoseDataError naming the file when it is no zip
    archive or lacks a key."""
    path = Path(path)
    where = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PoseDataError(f"{where}: not a readable npz (zip) file ({exc})") from None
    with archive:
        members = {name[:-4]: name for name in archive.namelist() if name.endswith(".npy")}
        missing = [key for key in keys if key not in members]
        if missing:
            raise PoseDataError(f"{where}: npz lacks {missing[0]!r}; it holds {sorted(members)}")
        return {key: _read_member(archive, members[key], where) for key in keys}


def _name_filter(values: Optional[Iterable[str]]) -> Optional[set[str]]:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    return {str(v) for v in values}


def _action_base(action: str) -> str:
    """'Walking 1' -> 'Walking' (H36M numbers the second take of an action)."""
    return re.sub(r"\s+\d+$", "", action)


def _action_selected(action: str, wanted: Optional[set[str]]) -> bool:
    return wanted is None or action in wanted or _action_base(action) in wanted


def _nested(value: Any, key: str, where: str) -> dict[str, dict[str, Any]]:
    """Check {subject: {action: value}} nesting."""
    if not isinstance(value, dict) or not value:
        raise PoseDataError(f"{where}: {key!r} must hold a non-empty dict {{subject: {{action: "
                            f"data}}}}, got {type(value).__name__}")
    for subject, actions in value.items():
        if not isinstance(subject, str) or not isinstance(actions, dict):
            raise PoseDataError(f"{where}: {key!r}[{subject!r}] must be a dict {{action: data}}, "
                                f"got {type(actions).__name__}")
        for action in actions:
            if not isinstance(action, str):
                raise PoseDataError(f"{where}: {key!r}[{subject!r}] has a non-string action "
                                    f"name {action!r}")
    return value


def _subjects(data: dict, wanted: Optional[set[str]], where: str) -> list[str]:
    if wanted is None:
        return sorted(data)
    unknown = sorted(wanted - set(data))
    if unknown:
        raise PoseDataError(f"{where}: no subject {unknown[0]!r}; the file holds {sorted(data)}")
    return sorted(wanted)


def _number_array(value: Any, label: str, where: str) -> np.ndarray:
    if not isinstance(value, np.ndarray) or value.dtype.kind not in "fiu":
        raise PoseDataError(f"{where}: {label} must be a number array, got "
                            f"{getattr(value, 'dtype', type(value).__name__)}")
    array = value.astype(np.float64)
    if not np.isfinite(array).all():
        raise PoseDataError(f"{where}: {label} holds {int((~np.isfinite(array)).sum())} NaN/inf "
                            "value(s)")
    return array


def _joints_17(value: Any, label: str, where: str) -> np.ndarray:
    array = _number_array(value, label, where)
    if array.ndim != 3 or array.shape[1] not in (32, NUM_JOINTS) or array.shape[2] != 3 \
            or array.shape[0] == 0:
        raise PoseDataError(f"{where}: {label} must have shape [T,32,3] or [T,17,3] with T > 0, "
                            f"got {list(array.shape)}")
    return array[:, list(H36M32_TO_17)] if array.shape[1] == 32 else array


def load_h36m_3d(
    path: PathLike,
    subjects: Optional[Iterable[str]] = None,
    actions: Optional[Iterable[str]] = None,
    fps: float = DEFAULT_FPS,
) -> list[MotionClip]:
    """VideoPose3D's data_3d_h36m.npz as world-frame MotionClips [T,17,3], z up, floor z = 0.

    subjects: e.g. ["S1", "S5"] (None: all; an unknown one is an error). actions: names such as
    "Walking 1", or a base name "Walking" that selects every take of it (None: all).
    Arrays of 32 joints are reduced to H36M-17 with H36M32_TO_17; 17-joint arrays are taken as
    H36M-17 already. Floor and contacts: module docstring. Clips come in subject, then action
    order, named "S1/Walking 1"; family is the action without its take number ("Walking"),
    extras hold "subject", "action" and "floor_z" (the H36M z of the floor, metres).
    """
    path = Path(path)
    where = path.name
    if not np.isfinite(fps) or fps <= 0:
        raise PoseDataError(f"{where}: fps must be positive, got {fps}")
    data = _nested(read_npz_safely(path, ["positions_3d"])["positions_3d"], "positions_3d", where)
    wanted_actions = _name_filter(actions)
    clips: list[MotionClip] = []
    for subject in _subjects(data, _name_filter(subjects), where):
        joints = {
            action: _joints_17(value, f"positions_3d[{subject!r}][{action!r}]", where)
            for action, value in data[subject].items()
        }
        if not joints:
            continue
        # Floor from every clip of the subject, so it does not depend on the actions filter.
        ankles = np.concatenate([j[:, [L_ANKLE, R_ANKLE], 2].reshape(-1) for j in joints.values()])
        floor_z = float(np.percentile(ankles, FLOOR_PERCENTILE)) - NOMINAL_JOINT_HEIGHT
        for action in sorted(joints):
            if not _action_selected(action, wanted_actions):
                continue
            placed = joints[action] - np.array([0.0, 0.0, floor_z])
            clips.append(MotionClip(
                joints=placed, fps=fps, contacts=contact_labels(placed, fps),
                name=f"{subject}/{action}", source=str(path), family=_action_base(action),
                extras={"subject": subject, "action": action, "floor_z": floor_z},
            ))
    if not clips:
        raise PoseDataError(f"{where}: no clip matches subjects={subjects!r}, actions={actions!r}")
    return clips


def _image_size(camera: int, image_sizes: Any, where: str) -> tuple[int, int]:
    if image_sizes is None:
        if camera >= len(H36M_IMAGE_SIZES):
            raise PoseDataError(f"{where}: camera {camera} is not one of the four H36M cameras; "
                                "pass image_sizes")
        return H36M_IMAGE_SIZES[camera]
    sizes = np.asarray(image_sizes)
    if sizes.shape == (2,):
        return int(sizes[0]), int(sizes[1])
    if sizes.ndim == 2 and sizes.shape[1] == 2 and camera < len(sizes):
        return int(sizes[camera, 0]), int(sizes[camera, 1])
    raise PoseDataError(f"{where}: image_sizes must be one (width, height) or one per camera; "
                        f"no size for camera {camera}")


def _layout(metadata: Any, where: str) -> tuple[str, int]:
    if not isinstance(metadata, dict):
        raise PoseDataError(f"{where}: 'metadata' must hold a dict, got {type(metadata).__name__}")
    name = metadata.get("layout_name")
    if name not in LAYOUTS:
        raise PoseDataError(f"{where}: unknown keypoint layout {name!r}; known: {sorted(LAYOUTS)}")
    joints = metadata.get("num_joints")
    try:
        joints = int(joints)
    except (TypeError, ValueError):
        raise PoseDataError(f"{where}: metadata 'num_joints' must be an integer, got {joints!r}") \
            from None
    if joints != 17:  # both known layouts have 17 joints
        raise PoseDataError(f"{where}: layout {name!r} has 17 joints, metadata says {joints}")
    return LAYOUTS[name], joints


def load_h36m_2d(
    path: PathLike,
    subjects: Optional[Iterable[str]] = None,
    actions: Optional[Iterable[str]] = None,
    fps: float = DEFAULT_FPS,
    image_sizes: Optional[Union[tuple[int, int], Sequence[tuple[int, int]]]] = None,
) -> dict[tuple[str, str, int], Pose2DSequence]:
    """VideoPose3D's data_2d_h36m_<name>.npz as H36M-17 Pose2DSequences.

    Returns {(subject, action, camera index): sequence}, keypoints [T,17,2] px. Layout "h36m"
    is taken as it is, "coco" is converted with skeleton.convert.to_h36m; arrays [T,J,3] carry
    a confidence in the last channel (clipped to [0,1]), [T,J,2] arrays get confidence 1.
    image_sizes: one (width, height) for all cameras or one per camera; None uses
    H36M_IMAGE_SIZES (cameras 0 and 3: 1000x1002, 1 and 2: 1000x1000). subjects/actions
    filter as in load_h36m_3d.
    """
    path = Path(path)
    where = path.name
    if not np.isfinite(fps) or fps <= 0:
        raise PoseDataError(f"{where}: fps must be positive, got {fps}")
    fields = read_npz_safely(path, ["positions_2d", "metadata"])
    fmt, num_joints = _layout(fields["metadata"], where)
    data = _nested(fields["positions_2d"], "positions_2d", where)
    wanted_actions = _name_filter(actions)
    out: dict[tuple[str, str, int], Pose2DSequence] = {}
    for subject in _subjects(data, _name_filter(subjects), where):
        for action in sorted(data[subject]):
            if not _action_selected(action, wanted_actions):
                continue
            cameras = data[subject][action]
            if isinstance(cameras, np.ndarray) and cameras.dtype.hasobject and cameras.ndim == 1:
                cameras = list(cameras)
            if not isinstance(cameras, (list, tuple)) or not cameras:
                raise PoseDataError(f"{where}: positions_2d[{subject!r}][{action!r}] must be a "
                                    f"list of per-camera arrays, got {type(cameras).__name__}")
            for camera, value in enumerate(cameras):
                label = f"positions_2d[{subject!r}][{action!r}][{camera}]"
                array = _number_array(value, label, where)
                if array.ndim != 3 or array.shape[1] != num_joints or array.shape[2] not in (2, 3) \
                        or array.shape[0] == 0:
                    raise PoseDataError(f"{where}: {label} must have shape [T,{num_joints},2|3] "
                                        f"with T > 0, got {list(array.shape)}")
                if array.shape[2] == 3:
                    conf = np.clip(array[..., 2], 0.0, 1.0)
                else:
                    conf = np.ones(array.shape[:2])
                keypoints, confidence = to_h36m(array[..., :2], conf, fmt)
                out[(subject, action, camera)] = Pose2DSequence(
                    keypoints=keypoints, confidence=confidence,
                    image_size=_image_size(camera, image_sizes, where), fps=fps,
                    source=f"{where}:{subject}/{action}/camera{camera}",
                )
    if not out:
        raise PoseDataError(
            f"{where}: no sequence matches subjects={subjects!r}, actions={actions!r}"
        )
    return out


__all__ = [
    "DEFAULT_FPS", "FLOOR_PERCENTILE", "H36M32_TO_17", "H36M_CAMERA_IDS", "H36M_IMAGE_SIZES",
    "LAYOUTS", "load_h36m_2d", "load_h36m_3d", "read_npz_safely",
]
