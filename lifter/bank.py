"""The demonstration bank: 2D-3D window pairs the in-context lifter can be shown.

Adding clips of a new kind of move adapts the lifter without retraining (spec 1.1). Entries
are windows of 3D clips seen from fixed views around the body (8 azimuths, 2 elevations),
stored normalised as the lifter sees them. Retrieval is by view-normalised 2D similarity:
both sides are root-relative and scale-normalised (lifter/normalize.py), and the distance is
the confidence-weighted mean joint distance, so the best demonstration is the same move from
a similar view, wherever and however large it is in the image.

Windows are counted in frames, so a demonstration only shows the same move at the same speed
when it is at the query's frame rate: a 27-frame window of a 16 frames/s video spans 1.7 s, of
a 30 frames/s clip 0.9 s. A bank built from clips keeps them and is rebuilt at the query's
frame rate on demand (`for_frame_rate`, cached; about a second for the built-in bank); the
lifter does so for every sequence it lifts. Banks without their clips (a user's 2D-3D pair, a
bank file of the first format) are used at the rate they were built.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional, Sequence, Union

import numpy as np

from ..motion.cameras import orbit_camera, project_clip
from ..motion.clip import MotionClip
from ..motion.synthetic import FAMILIES, generate_dataset
from ..skeleton.errors import PoseDataError
from ..skeleton.sequence import Pose2DSequence, Pose3DSequence
from .normalize import normalize_2d
from .windows import pad_to_window, window_starts

BANK_FORMAT = "finephys_demo_bank_v2"  # v2 adds the source clips (for other frame rates)
READABLE_FORMATS = ("finephys_demo_bank_v1", BANK_FORMAT)
# A bank within this relative difference of the query's frame rate is used as it is.
FRAME_RATE_TOLERANCE = 0.05
MAX_CACHED_RATES = 4  # rebuilt banks kept per bank (the built-in one is ~40 MB per rate)
BANK_CLIPS_PER_FAMILY = 4
BANK_SEED = 7  # not the lifter's training seed: the bank's synthetic clips are new motions
FEATURE_FRAMES = 7  # frames of a window compared in retrieval (evenly spaced)


def window_features(windows_2d: np.ndarray) -> np.ndarray:
    """Retrieval features of normalised 2D windows [N,W,17,3] -> [N, FEATURE_FRAMES*34]:
    x, y of evenly spaced frames, times the confidence (a missing joint counts as unknown,
    not as being at the pelvis). Squared distances between features rank demonstrations."""
    w = np.asarray(windows_2d, dtype=np.float32)
    frames = np.linspace(0, w.shape[1] - 1, min(FEATURE_FRAMES, w.shape[1])).round().astype(int)
    picked = w[:, frames]
    return (picked[..., :2] * picked[..., 2:3]).reshape(len(w), -1)


def nearest(query: np.ndarray, keys: np.ndarray, key_norms: Optional[np.ndarray] = None) -> np.ndarray:
    """Index of the nearest key (squared L2) for every query feature. [Q,F], [N,F] -> [Q]."""
    if key_norms is None:
        key_norms = (keys * keys).sum(axis=1)
    return np.argmin(key_norms[None] - 2.0 * query @ keys.T, axis=1)
VIEWS: tuple[tuple[float, float], ...] = tuple((az, el) for el in (5.0, 25.0) for az in range(0, 360, 45))


@dataclass
class DemoBank:
    clean_2d: np.ndarray  # [N,W,17,3] normalised 2D (x, y, confidence)
    target_3d: np.ndarray  # [N,W,17,3] metres, root-relative, camera frame
    names: list[str] = field(default_factory=list)  # per entry: "clip@start/view"
    families: list[str] = field(default_factory=list)
    # the 3D clips the windows were cut from, at their own rates (empty: not known), and the
    # frame rate of the windows (None: mixed or not known)
    clips: list[MotionClip] = field(default_factory=list)
    frame_rate: Optional[float] = None
    stride: int = 0  # the windows' stride and views, to rebuild them at another frame rate
    views: tuple[tuple[float, float], ...] = VIEWS
    _by_rate: dict = field(default_factory=dict, init=False, repr=False)  # frame rate -> rebuilt bank
    # retrieval features of clean_2d and their squared norms, computed on first retrieval
    _features: Optional[np.ndarray] = field(default=None, init=False, repr=False)
    _norms: Optional[np.ndarray] = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.clean_2d = np.asarray(self.clean_2d, dtype=np.float32)
        self.target_3d = np.asarray(self.target_3d, dtype=np.float32)
        if self.clean_2d.ndim != 4 or self.clean_2d.shape[2:] != (17, 3) or self.clean_2d.shape != self.target_3d.shape:
            raise PoseDataError(
                f"a demonstration bank needs 2D and 3D windows of the same shape [N,W,17,3], got "
                f"{list(self.clean_2d.shape)} and {list(self.target_3d.shape)}")
        if len(self.names) != len(self) or len(self.families) != len(self):
            raise PoseDataError("a demonstration bank needs one name and one family per entry")

    def __len__(self) -> int:
        return int(self.clean_2d.shape[0])

    @property
    def window(self) -> int:
        return int(self.clean_2d.shape[1])

    # ------------------------------------------------------------------ building
    @classmethod
    def from_clips(cls, clips: Sequence[MotionClip], window: int, stride: int = 0,
                   views: Sequence[tuple[float, float]] = VIEWS, frame_rate: Optional[float] = None) -> "DemoBank":
        """Windows of every clip under every view (1920x1080, focal 1920 px, 6 m away), each
        clip resampled to `frame_rate` first when one is given (else at its own rate)."""
        source = list(clips)
        if frame_rate is not None:
            clips = [clip.resampled(frame_rate) for clip in source]
        rates = {clip.fps for clip in clips}
        stride = stride or max(1, window // 2)
        two, three, names, families = [], [], [], []
        for clip in clips:
            target = np.array([*clip.root[:, :2].mean(axis=0), 1.0])
            for az, el in views:
                camera = orbit_camera(target, 6.0, az, el, 1920, 1080, 1920.0)
                pose2d = project_clip(clip, camera)
                joints = clip.to_camera(camera).joints
                for start in window_starts(clip.num_frames, window, stride):
                    kp = pad_to_window(pose2d.keypoints[start:start + window], window)
                    conf = pad_to_window(pose2d.confidence[start:start + window], window)
                    two.append(normalize_2d(kp, np.ones_like(conf)))
                    three.append(pad_to_window(joints[start:start + window], window))
                    names.append(f"{clip.name}@{start}/az{az:g}el{el:g}")
                    families.append(clip.family or clip.name)
        if not two:
            raise PoseDataError("no clips to build a demonstration bank from")
        return cls(np.stack(two), np.stack(three), names, families, clips=source,
                   frame_rate=rates.pop() if len(rates) == 1 else None, stride=stride, views=tuple(views))

    @classmethod
    def from_pair(cls, pose2d: Pose2DSequence, pose3d: Pose3DSequence, window: int, name: str = "demonstration") -> "DemoBank":
        """A user's own demonstration (its 2D and its 3D, same frames) as a bank of its windows."""
        if pose2d.num_frames != pose3d.num_frames:
            raise PoseDataError(
                f"the demonstration's 2D has {pose2d.num_frames} frames and its 3D "
                f"{pose3d.num_frames}: they must be the same frames")
        two, three, names = [], [], []
        for start in window_starts(pose2d.num_frames, window, max(1, window // 2)):
            kp = pad_to_window(pose2d.keypoints[start:start + window], window)
            conf = pad_to_window(pose2d.confidence[start:start + window], window)
            two.append(normalize_2d(kp, conf))
            three.append(pad_to_window(pose3d.joints[start:start + window], window))
            names.append(f"{name}@{start}")
        return cls(np.stack(two), np.stack(three), names, [name] * len(names), frame_rate=pose2d.fps)

    def merged(self, other: "DemoBank") -> "DemoBank":
        if other.window != self.window:
            raise PoseDataError(f"cannot merge banks of {self.window}- and {other.window}-frame windows")
        # Re-rating needs every entry's clip: a merge with a bank that lacks them has none.
        rebuildable = bool(self.clips) and bool(other.clips) and (self.stride, self.views) == (other.stride, other.views)
        return DemoBank(np.concatenate([self.clean_2d, other.clean_2d]), np.concatenate([self.target_3d, other.target_3d]),
                        self.names + other.names, self.families + other.families,
                        clips=self.clips + other.clips if rebuildable else [],
                        frame_rate=self.frame_rate if self.frame_rate == other.frame_rate else None,
                        stride=self.stride, views=self.views)

    def for_frame_rate(self, fps: float) -> "DemoBank":
        """This bank's demonstrations at `fps` frames/s: itself when its windows are at that
        rate (within FRAME_RATE_TOLERANCE) or it has no clips to rebuild them from; otherwise
        the bank rebuilt from its clips resampled to `fps` (kept for the next call)."""
        if not self.clips or not np.isfinite(fps) or fps <= 0:
            return self
        if self.frame_rate is not None and abs(fps / self.frame_rate - 1.0) <= FRAME_RATE_TOLERANCE:
            return self
        key = round(float(fps), 3)
        if key not in self._by_rate:
            if len(self._by_rate) >= MAX_CACHED_RATES:  # tens of MB each: keep the latest few
                del self._by_rate[next(iter(self._by_rate))]
            self._by_rate[key] = DemoBank.from_clips(self.clips, self.window, self.stride, self.views, frame_rate=key)
        return self._by_rate[key]

    # ------------------------------------------------------------------ retrieval
    def retrieve(self, query_2d: np.ndarray) -> np.ndarray:
        """Index of the best entry for each query window. query_2d [Q,W,17,3] -> [Q] int."""
        if self._features is None:
            self._features = window_features(self.clean_2d)
            self._norms = (self._features * self._features).sum(axis=1)
        return nearest(window_features(query_2d), self._features, self._norms)

    # ------------------------------------------------------------------ files
    def save(self, path: Union[str, Path]) -> None:
        """The windows, and the clips they came from (so a loaded bank can be rebuilt at
        another frame rate), as one safetensors file."""
        from safetensors.numpy import save_file

        arrays = {"clean_2d": self.clean_2d, "target_3d": self.target_3d}
        clip_meta = [{"name": c.name, "family": c.family, "source": c.source, "fps": c.fps, "frames": c.num_frames}
                     for c in self.clips]
        if self.clips:
            arrays["clip_joints"] = np.concatenate([c.joints for c in self.clips]).astype(np.float32)
            arrays["clip_contacts"] = np.concatenate([c.contacts for c in self.clips]).astype(np.uint8)
            arrays["clip_other_contact"] = np.concatenate([c.other_contact for c in self.clips]).astype(np.uint8)
        meta = {"format": BANK_FORMAT, "names": json.dumps(self.names), "families": json.dumps(self.families),
                "clips": json.dumps(clip_meta), "frame_rate": json.dumps(self.frame_rate),
                "stride": str(self.stride), "views": json.dumps(self.views)}
        save_file(arrays, str(path), metadata=meta)

    @classmethod
    def load(cls, path: Union[str, Path]) -> "DemoBank":
        from safetensors import safe_open

        path = Path(path)
        try:
            with safe_open(str(path), framework="numpy") as f:
                meta = f.metadata() or {}
                if meta.get("format") not in READABLE_FORMATS:
                    raise PoseDataError(f"{path.name}: not a FinePhys demonstration bank (format {meta.get('format')!r})")
                arrays = {k: f.get_tensor(k) for k in f.keys()}
            clips, first = [], 0
            for info in json.loads(meta.get("clips", "[]")):
                end = first + int(info["frames"])
                clips.append(MotionClip(
                    joints=arrays["clip_joints"][first:end], fps=float(info["fps"]),
                    contacts=arrays["clip_contacts"][first:end].astype(bool),
                    other_contact=arrays["clip_other_contact"][first:end].astype(bool),
                    name=info["name"], source=info["source"], family=info["family"]))
                first = end
            views = tuple(tuple(v) for v in json.loads(meta["views"])) if "views" in meta else VIEWS
            return cls(arrays["clean_2d"], arrays["target_3d"], json.loads(meta["names"]), json.loads(meta["families"]),
                       clips=clips, frame_rate=json.loads(meta.get("frame_rate", "null")),
                       stride=int(meta.get("stride", 0)), views=views)
        except PoseDataError:
            raise
        except Exception as exc:  # safetensors raises several types for damaged files
            raise PoseDataError(f"{path.name}: cannot read the demonstration bank ({exc})") from exc


def synthetic_bank_clips(families: Sequence[str] = FAMILIES) -> list[MotionClip]:
    """The built-in bank's motions: BANK_CLIPS_PER_FAMILY new synthetic clips of each family."""
    return generate_dataset(BANK_CLIPS_PER_FAMILY * len(families), seed=BANK_SEED, families=list(families))


@lru_cache(maxsize=4)
def builtin_bank(window: int) -> DemoBank:
    """The bank used when no other is given: synthetic_bank_clips() from 16 views. Built once
    per process and window (about 15 s), the same every time (seeded)."""
    return DemoBank.from_clips(synthetic_bank_clips(), window)
