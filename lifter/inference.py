"""Lifting a whole 2D sequence to 3D with a trained lifter.

Any length: the sequence is cut into overlapping windows (half-window stride), each lifted,
and the overlaps blended (lifter/windows.py); a sequence shorter than one window is padded
with its last frame (a documented fallback) and cut back. Each window gets the demonstration
the bank retrieves for it (or the one the user passed; or none), from the bank's windows at
the sequence's frame rate (DemoBank.for_frame_rate), so a demonstration shows its move at the
speed the query's window sees it. The root trajectory comes
from the camera: the lifted root-relative pose is placed, frame by frame, at the depth where
it projects onto the 2D (least squares, skeleton/camera.py), so jumps and saltos keep their
flight for the physics downstream. Last, the lifted sequence is fitted to the image
(lifter/image_fit.py): it then reprojects onto the keypoints it came from, keeps its bone
lengths and moves smoothly; `fit_to_image=False` returns the network's answer as it is.

Test-time flip (on by default when fitting): every window is also lifted mirrored (x negated,
left and right swapped, with its own demonstration), mirrored back and averaged with the
direct answer, as VideoPose3D does at test time, on the same overlapping windows: every frame
is lifted four times (twice the network time of one pass; the fit still takes most of the time).
The average is exactly mirror-symmetric and lowers the error on validation data
(BENCHMARKS.md). How much the four answers disagree on each bone tells the fit how firmly to
hold it (image_fit.bone_spread). The raw answer (`fit_to_image=False`) stays one pass unless
asked, because PhysNet was trained on that single-pass answer.
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Union

import numpy as np
import torch

from ..modelfiles import file_digest, load_safetensors_model
from ..skeleton.camera import PinholeCamera
from ..skeleton.errors import PoseDataError
from ..skeleton.h36m import mirror_joints
from ..skeleton.sequence import Pose2DSequence, Pose3DSequence
from .bank import DemoBank
from .image_fit import ImageFitSettings, bone_spread
from .image_fit import fit_to_image as fit_lift_to_image
from .model import LifterConfig, build_lifter
from .normalize import normalize_2d
from .windows import blend_windows, pad_to_window, window_starts

PACKAGE_WEIGHTS = Path(__file__).resolve().parent / "weights"
DEFAULT_NAME = "finephys_lifter_icl"
SHIPPED_WEIGHTS = PACKAGE_WEIGHTS / f"{DEFAULT_NAME}.safetensors"  # the ICL lifter we ship
# Bumped when lifting gives other answers with the same weights (2: demonstrations at the
# query's frame rate); caches of lifted sequences are keyed by it.
LIFT_VERSION = 2


def lift_cache_tag(weights: Union[str, Path]) -> str:
    """What a cache of sequences lifted with these weights is keyed by: the weights file's
    content and LIFT_VERSION, so neither new weights nor a new way of lifting reuse old lifts."""
    return f"{file_digest(weights)}v{LIFT_VERSION}"


def load_weights(weights: Union[str, Path], config: Optional[Union[str, Path]] = None) -> tuple[torch.nn.Module, LifterConfig]:
    """A lifter from <name>.safetensors and its <name>.json config (beside it by default).
    Errors name the file and say what is wrong (missing, not safetensors, other architecture)."""
    return load_safetensors_model(
        weights, config, "lifter", LifterConfig.from_json, build_lifter,
        lambda cfg, _: f"a {cfg.kind} lifter with window {cfg.window}, dim {cfg.dim}, depth {cfg.depth}")


class Lifter:
    """Pose2DSequence -> Pose3DSequence (root-relative joints + camera-frame root)."""

    def __init__(self, model: torch.nn.Module, config: LifterConfig, bank: Optional[DemoBank] = None,
                 use_demonstrations: bool = True, name: str = "",
                 image_fit: Optional[ImageFitSettings] = ImageFitSettings(),
                 test_time_flip: Optional[bool] = None) -> None:
        self.model = model
        self.image_fit = image_fit  # None: the network's answer, not fitted to the image
        # None: average with the mirrored lift when fitting to the image, one pass for the raw answer
        self.test_time_flip = test_time_flip
        self.config = config
        self.bank = bank
        self.use_demonstrations = use_demonstrations and config.kind == "icl"
        self.name = name or f"{config.kind} lifter"
        if bank is not None and bank.window != config.window:
            raise PoseDataError(f"the bank holds {bank.window}-frame windows, the lifter needs {config.window}")

    @classmethod
    def from_files(cls, weights: Union[str, Path], bank: Optional[Union[str, Path, DemoBank]] = None, **kwargs) -> "Lifter":
        model, config = load_weights(weights)
        if bank is not None and not isinstance(bank, DemoBank):
            bank = DemoBank.load(bank)
        return cls(model, config, bank, **kwargs)

    def with_bank(self, bank: Optional[DemoBank], use_demonstrations: bool = True, name: str = "") -> "Lifter":
        return Lifter(self.model, self.config, bank, use_demonstrations, name or self.name, self.image_fit,
                      self.test_time_flip)

    def with_image_fit(self, image_fit: Optional[ImageFitSettings], name: str = "") -> "Lifter":
        """The same lifter with other image-fit settings (None: no fit)."""
        return Lifter(self.model, self.config, self.bank, self.use_demonstrations, name or self.name, image_fit,
                      self.test_time_flip)

    def with_test_time_flip(self, test_time_flip: Optional[bool], name: str = "") -> "Lifter":
        """The same lifter with test-time flip on (True), off (False) or automatic (None: on when
        fitting to the image)."""
        return Lifter(self.model, self.config, self.bank, self.use_demonstrations, name or self.name,
                      self.image_fit, test_time_flip)

    def __call__(self, pose2d: Pose2DSequence) -> Pose3DSequence:
        return self.lift(pose2d)

    def lift(self, pose2d: Pose2DSequence, demonstration: Optional[DemoBank] = None,
             focal_length_px: Optional[float] = None, batch: int = 512,
             fit_to_image: bool = True) -> Pose3DSequence:
        """pose2d [T,17] pixels -> 3D [T,17,3] metres, root-relative, camera frame, with the root
        trajectory [T,3]. `fit_to_image` applies this lifter's image fit (if it has one)."""
        if not (pose2d.confidence > 0).any():
            raise PoseDataError("nothing to lift: every joint of every frame has confidence 0 "
                                "(no person was detected)")
        w = self.config.window
        t_len = pose2d.num_frames
        fitting = fit_to_image and self.image_fit is not None
        flip = fitting if self.test_time_flip is None else self.test_time_flip
        # Overlapping windows (half-window stride) lift every frame twice; with the flip each
        # window is also lifted mirrored, four answers per frame. (Windows side by side with the
        # flip, the earlier default, cost half the network time and score worse on validation;
        # the fit dominates the time either way: BENCHMARKS.md.)
        starts = window_starts(t_len, w, max(1, w // 2))
        kp = pad_to_window(pose2d.keypoints, w)
        conf = pad_to_window(pose2d.confidence, w)
        queries = np.stack([normalize_2d(kp[s:s + w], conf[s:s + w]) for s in starts])
        bank = demonstration if demonstration is not None else self.bank
        if self.use_demonstrations and bank is not None:
            if bank.window != w:
                raise PoseDataError(f"the demonstration holds {bank.window}-frame windows, the lifter needs {w}")
            bank = bank.for_frame_rate(pose2d.fps)
        if flip:  # one batch: the windows, then their mirror images
            both = self._lift_windows(np.concatenate([queries, mirror_joints(queries)]), bank, batch)
            answers = np.concatenate([both[:len(queries)], mirror_joints(both[len(queries):])])
            answer_starts = starts + starts
            outputs = 0.5 * (answers[:len(queries)] + answers[len(queries):])
        else:
            answers = outputs = self._lift_windows(queries, bank, batch)
            answer_starts = starts
        joints = blend_windows(outputs, starts, t_len)
        joints = joints - joints[:, :1]  # exactly root-relative
        camera = PinholeCamera.from_image_size(pose2d.width, pose2d.height, focal_length_px)
        root, _ = camera.fit_root_translation(joints, pose2d.keypoints, pose2d.confidence)
        if fitting:
            # where the answers disagree, the fit holds the lifter's bones more loosely
            spread = bone_spread(answers, answer_starts, joints)
            joints, root = fit_lift_to_image(joints, root, pose2d.keypoints, pose2d.confidence, camera, pose2d.fps,
                                             self.image_fit, spread)
        # The camera the trajectory was fitted for, so Fuse & Project can project back through it.
        camera_info = {"image_size": (pose2d.width, pose2d.height), "focal_length_px": float(camera.fx)}
        return Pose3DSequence(joints=joints, fps=pose2d.fps, root=root, confidence=pose2d.confidence,
                              source=f"{self.name}: {pose2d.source}", extras=camera_info)

    def _lift_windows(self, queries: np.ndarray, bank: Optional[DemoBank], batch: int) -> np.ndarray:
        """Normalised 2D windows [N,W,17,3] -> root-relative 3D windows [N,W,17,3], each with the
        demonstration the bank retrieves for it (when this lifter uses demonstrations)."""
        demo_2d = demo_3d = None
        if self.use_demonstrations and bank is not None:
            pick = bank.retrieve(queries)
            demo_2d, demo_3d = bank.clean_2d[pick], bank.target_3d[pick]
        outputs = []
        with torch.no_grad():
            for i in range(0, len(queries), batch):
                q = torch.from_numpy(np.ascontiguousarray(queries[i:i + batch], dtype=np.float32))
                d2 = torch.from_numpy(demo_2d[i:i + batch]) if demo_2d is not None else None
                d3 = torch.from_numpy(demo_3d[i:i + batch]) if demo_3d is not None else None
                outputs.append(self.model(q, d2, d3).numpy())
        return np.concatenate(outputs)
