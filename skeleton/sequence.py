"""Pose sequences that travel between nodes (custom ComfyUI types FINEPHYS_POSE2D / _POSE3D).

Both containers validate on construction, so a node that receives one can trust its shapes
and that it holds no NaN. Arrays are numpy float32; the containers are immutable in spirit
(methods return new objects).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

import numpy as np

from .errors import PoseDataError
from .h36m import NUM_JOINTS


def _finite(name: str, array: np.ndarray) -> None:
    bad = ~np.isfinite(array)
    if bad.any():
        where = np.argwhere(bad)[0]
        raise PoseDataError(
            f"{name} holds {int(bad.sum())} non-finite value(s) (NaN/inf); first at index "
            f"{tuple(int(i) for i in where)}"
        )


@dataclass(frozen=True)
class Pose2DSequence:
    """A 2D H36M-17 pose sequence of one person.

    keypoints   [T,17,2] pixels (x right, y down), origin at the top-left image corner.
    confidence  [T,17] in [0,1]; 0 means missing (its position is a placeholder).
    image_size  (width, height) in pixels of the frames the keypoints refer to.
    fps         frames per second.
    interpolated [T,17] bool: True where the position was filled in, not observed.
    """

    keypoints: np.ndarray
    confidence: np.ndarray
    image_size: tuple[int, int]
    fps: float = 30.0
    interpolated: Optional[np.ndarray] = None
    source: str = ""

    def __post_init__(self) -> None:
        kp = np.asarray(self.keypoints, dtype=np.float32)
        conf = np.asarray(self.confidence, dtype=np.float32)
        if kp.ndim != 3 or kp.shape[1:] != (NUM_JOINTS, 2):
            raise PoseDataError(f"2D keypoints must have shape [T,17,2], got {list(kp.shape)}")
        if kp.shape[0] == 0:
            raise PoseDataError("2D pose sequence has zero frames")
        if conf.shape != kp.shape[:2]:
            raise PoseDataError(
                f"confidence must have shape {list(kp.shape[:2])}, got {list(conf.shape)}"
            )
        _finite("2D keypoints", kp)
        _finite("2D confidence", conf)
        if conf.min() < 0 or conf.max() > 1:
            raise PoseDataError(
                f"confidence must lie in [0,1], got range [{conf.min():.3g}, {conf.max():.3g}]"
            )
        width, height = (int(v) for v in self.image_size)
        if width <= 0 or height <= 0:
            raise PoseDataError(f"image size must be positive, got {width}x{height}")
        if not np.isfinite(self.fps) or self.fps <= 0:
            raise PoseDataError(f"fps must be positive, got {self.fps}")
        interp = self.interpolated
        if interp is None:
            interp = np.zeros(kp.shape[:2], dtype=bool)
        interp = np.asarray(interp, dtype=bool)
        if interp.shape != kp.shape[:2]:
            raise PoseDataError(
                f"interpolated mask must have shape {list(kp.shape[:2])}, got {list(interp.shape)}"
            )
        object.__setattr__(self, "keypoints", kp)
        object.__setattr__(self, "confidence", conf)
        object.__setattr__(self, "image_size", (width, height))
        object.__setattr__(self, "fps", float(self.fps))
        object.__setattr__(self, "interpolated", interp)

    @property
    def num_frames(self) -> int:
        return int(self.keypoints.shape[0])

    @property
    def width(self) -> int:
        return self.image_size[0]

    @property
    def height(self) -> int:
        return self.image_size[1]

    def slice(self, start: int, stop: Optional[int] = None, step: int = 1) -> "Pose2DSequence":
        """Frames [start:stop:step] (fps divided by step)."""
        s = np.s_[start:stop:step]
        return replace(
            self, keypoints=self.keypoints[s], confidence=self.confidence[s],
            interpolated=self.interpolated[s], fps=self.fps / step,
        )

    def scaled_to(self, width: int, height: int) -> "Pose2DSequence":
        """The same poses in an image of another size (each axis scaled independently)."""
        if width <= 0 or height <= 0:
            raise PoseDataError(f"image size must be positive, got {width}x{height}")
        factor = np.array([width / self.width, height / self.height], dtype=np.float32)
        return replace(self, keypoints=self.keypoints * factor, image_size=(width, height))

    def __repr__(self) -> str:  # shown in ComfyUI's debug output; keep it short
        return (
            f"Pose2DSequence(T={self.num_frames}, image={self.width}x{self.height}, "
            f"fps={self.fps:g}, mean_conf={float(self.confidence.mean()):.2f}, "
            f"source={self.source!r})"
        )


@dataclass(frozen=True)
class Pose3DSequence:
    """A 3D H36M-17 pose sequence of one person.

    joints      [T,17,3] metres, root-relative (pelvis at the origin), camera axes
                (x right, y down, z forward, as OpenCV).
    root        [T,3] optional global pelvis position in the camera frame (metres); with it
                the sequence has a trajectory (flight, jumps) and not only a pose.
    confidence  [T,17] optional per-joint confidence carried over from the 2D input.
    fps         frames per second.
    """

    joints: np.ndarray
    fps: float = 30.0
    root: Optional[np.ndarray] = None
    confidence: Optional[np.ndarray] = None
    source: str = ""
    extras: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        joints = np.asarray(self.joints, dtype=np.float32)
        if joints.ndim != 3 or joints.shape[1:] != (NUM_JOINTS, 3):
            raise PoseDataError(f"3D joints must have shape [T,17,3], got {list(joints.shape)}")
        if joints.shape[0] == 0:
            raise PoseDataError("3D pose sequence has zero frames")
        _finite("3D joints", joints)
        if not np.isfinite(self.fps) or self.fps <= 0:
            raise PoseDataError(f"fps must be positive, got {self.fps}")
        root = self.root
        if root is not None:
            root = np.asarray(root, dtype=np.float32)
            if root.shape != (joints.shape[0], 3):
                raise PoseDataError(
                    f"root trajectory must have shape [{joints.shape[0]},3], got {list(root.shape)}"
                )
            _finite("root trajectory", root)
        conf = self.confidence
        if conf is not None:
            conf = np.asarray(conf, dtype=np.float32)
            if conf.shape != joints.shape[:2]:
                raise PoseDataError(
                    f"confidence must have shape {list(joints.shape[:2])}, got {list(conf.shape)}"
                )
            _finite("3D confidence", conf)
        object.__setattr__(self, "joints", joints)
        object.__setattr__(self, "root", root)
        object.__setattr__(self, "confidence", conf)
        object.__setattr__(self, "fps", float(self.fps))

    @property
    def num_frames(self) -> int:
        return int(self.joints.shape[0])

    @property
    def has_trajectory(self) -> bool:
        return self.root is not None

    def slice(self, start: int, stop: Optional[int] = None, step: int = 1) -> "Pose3DSequence":
        """Frames [start:stop:step] (fps divided by step); root and confidence follow."""
        s = np.s_[start:stop:step]
        return replace(
            self, joints=self.joints[s], fps=self.fps / step,
            root=None if self.root is None else self.root[s],
            confidence=None if self.confidence is None else self.confidence[s],
        )

    def global_joints(self) -> np.ndarray:
        """Joints in the camera frame [T,17,3]: root-relative joints plus the root trajectory
        (root-relative joints alone when there is no trajectory)."""
        if self.root is None:
            return self.joints.copy()
        return self.joints + self.root[:, None, :]

    def __repr__(self) -> str:
        return (
            f"Pose3DSequence(T={self.num_frames}, fps={self.fps:g}, "
            f"trajectory={self.has_trajectory}, source={self.source!r})"
        )
