"""MotionClip: one 3D motion in world coordinates, the unit every data source produces.

World axes (one convention for all motion data in the suite): right-handed, metres,
**z up**, the floor is the plane z = 0, gravity is (0, 0, -9.81). Loaders rotate their
source data into this frame (DeepMimic and BVH are y-up). Cameras (skeleton/camera.py)
map these world points into the OpenCV camera frame (x right, y down, z forward).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Optional

import numpy as np

from ..skeleton.camera import PinholeCamera
from ..skeleton.errors import PoseDataError
from ..skeleton.h36m import NUM_JOINTS, PELVIS
from ..skeleton.sequence import Pose3DSequence

# Rotation taking y-up coordinates (x, y, z) to our z-up world (x, -z, y); det = +1.
Y_UP_TO_Z_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


@dataclass(frozen=True)
class MotionClip:
    """A world-frame H36M-17 motion with ground-contact labels.

    joints    [T,17,3] float64, world metres (z up, floor at z = 0).
    fps       frames per second; frames are uniformly spaced in time.
    contacts  [T,2] bool, (left foot, right foot) on the ground, the order of
              metrics.contact.FEET.
    other_contact  [T] bool, optional: some other body part (hands, knees, back) touches the
              ground, so the body is supported although no foot is down.
    name      short identifier ("backflip", "synthetic/salto_0007").
    source    where it came from (file path or generator and seed).
    family    the kind of move ("salto", "split_leap", ...; the clip name for mocap).
    extras    anything else a source wants to carry (per-frame arrays keep T first).
    """

    joints: np.ndarray
    fps: float
    contacts: np.ndarray
    other_contact: Optional[np.ndarray] = None
    name: str = ""
    source: str = ""
    family: str = ""
    extras: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        joints = np.asarray(self.joints, dtype=np.float64)
        if joints.ndim != 3 or joints.shape[1:] != (NUM_JOINTS, 3) or joints.shape[0] == 0:
            raise PoseDataError(
                f"motion clip {self.name!r}: joints must have shape [T,17,3] with T > 0, "
                f"got {list(joints.shape)}"
            )
        if not np.isfinite(joints).all():
            raise PoseDataError(f"motion clip {self.name!r}: joints hold NaN or inf")
        if not np.isfinite(self.fps) or self.fps <= 0:
            raise PoseDataError(f"motion clip {self.name!r}: fps must be positive, got {self.fps}")
        contacts = np.asarray(self.contacts, dtype=bool)
        if contacts.shape != (joints.shape[0], 2):
            raise PoseDataError(
                f"motion clip {self.name!r}: contacts must have shape [{joints.shape[0]},2], "
                f"got {list(contacts.shape)}"
            )
        other = self.other_contact
        other = np.zeros(joints.shape[0], bool) if other is None else np.asarray(other, dtype=bool)
        if other.shape != (joints.shape[0],):
            raise PoseDataError(
                f"motion clip {self.name!r}: other_contact must have shape [{joints.shape[0]}], "
                f"got {list(other.shape)}"
            )
        object.__setattr__(self, "joints", joints)
        object.__setattr__(self, "contacts", contacts)
        object.__setattr__(self, "other_contact", other)
        object.__setattr__(self, "fps", float(self.fps))

    @property
    def num_frames(self) -> int:
        return int(self.joints.shape[0])

    @property
    def duration(self) -> float:
        """Seconds from the first to the last frame."""
        return (self.num_frames - 1) / self.fps

    @property
    def flight(self) -> np.ndarray:
        """[T] bool: frames where nothing touches the ground (gravity is the only force)."""
        return ~self.contacts.any(axis=1) & ~self.other_contact

    @property
    def root(self) -> np.ndarray:
        """[T,3] world pelvis trajectory."""
        return self.joints[:, PELVIS]

    def slice(self, start: int, stop: Optional[int] = None) -> "MotionClip":
        """Frames [start, stop) as a new clip; per-frame extras (first axis T) are sliced too."""
        stop = self.num_frames if stop is None else stop
        extras = {
            k: (v[start:stop] if isinstance(v, np.ndarray) and v.shape[:1] == (self.num_frames,) else v)
            for k, v in self.extras.items()
        }
        return replace(
            self, joints=self.joints[start:stop], contacts=self.contacts[start:stop],
            other_contact=self.other_contact[start:stop], extras=extras,
        )

    def resampled(self, fps: float) -> "MotionClip":
        """The same motion at another frame rate: joints linearly interpolated at the new frame
        times (same start, as many frames as fit in the clip's duration), contact labels from
        the nearest original frame. Per-frame extras are dropped (they have no meaning between
        frames); scalar extras are kept."""
        if not np.isfinite(fps) or fps <= 0:
            raise PoseDataError(f"motion clip {self.name!r}: cannot resample to {fps} frames/s")
        if float(fps) == self.fps or self.num_frames == 1:
            return replace(self, fps=float(fps))
        position = np.arange(int(np.floor(self.duration * fps + 1e-9)) + 1) * (self.fps / fps)  # in old frames
        low = np.minimum(np.floor(position).astype(int), self.num_frames - 2)
        frac = (position - low)[:, None, None]
        joints = self.joints[low] * (1.0 - frac) + self.joints[low + 1] * frac
        near = np.minimum(np.round(position).astype(int), self.num_frames - 1)
        extras = {k: v for k, v in self.extras.items()
                  if not (isinstance(v, np.ndarray) and v.shape[:1] == (self.num_frames,))}
        return replace(self, joints=joints, fps=float(fps), contacts=self.contacts[near],
                       other_contact=self.other_contact[near], extras=extras)

    def to_camera(self, camera: PinholeCamera) -> Pose3DSequence:
        """The clip as the camera sees it: root-relative joints in the camera frame plus the
        camera-frame pelvis trajectory (Pose3DSequence.global_joints() gives them back)."""
        cam = camera.world_to_camera(self.joints)
        root = cam[:, PELVIS]
        return Pose3DSequence(
            joints=cam - root[:, None], fps=self.fps, root=root, source=self.name or self.source
        )

    def __repr__(self) -> str:
        return (
            f"MotionClip({self.name!r}, T={self.num_frames}, fps={self.fps:g}, "
            f"flight_frames={int(self.flight.sum())})"
        )


def camera_to_world(camera: PinholeCamera, points_cam: np.ndarray) -> np.ndarray:
    """Inverse of PinholeCamera.world_to_camera: [...,3] camera frame -> [...,3] world."""
    p = np.asarray(points_cam, dtype=np.float64)
    return (p - camera.translation) @ camera.rotation
