"""Training sequences for PhysNet: the lifter's own output (S3D_dd) on 3D clips seen through
random virtual cameras with detector-like noise, paired with the ground truth, both in the
gravity frame PhysNet works in (physnet/frames.py; in training the camera is known).

Per sequence: dd and gt [T,17,3] (metres, z up), contacts [T,3] (left foot, right foot,
anything else), fps, and the bone lengths PhysNet keeps ([16], measured on dd as at
inference). Windows are cut at random and yawed at random (gravity does not care).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Optional, Sequence

import numpy as np
import torch

from ..motion.cameras import CameraRanges, project_clip, sample_camera_for_clip
from ..motion.clip import MotionClip
from ..motion.noise2d import corrupt
from ..physnet.constraints import median_bone_lengths
from ..physnet.frames import GravityFrame
from ..skeleton.sequence import Pose3DSequence
from .lifter_data import random_noise_model

Lift = Callable[..., Pose3DSequence]


@dataclass
class PhysSequence:
    dd: np.ndarray  # [T,17,3] lifted, gravity frame
    gt: np.ndarray  # [T,17,3] ground truth, same frame
    contacts: np.ndarray  # [T,3] float (L foot, R foot, other)
    fps: float
    lengths: np.ndarray  # [16]
    name: str


def build_sequences(
    clips: Sequence[MotionClip], lift: Lift, cameras_per_clip: int, seed: int, clean_share: float = 0.3,
    min_frames: int = 3, on_clip: Optional[Callable[[int], None]] = None,
) -> list[PhysSequence]:
    """Every clip under `cameras_per_clip` random cameras, lifted by `lift` (Pose2DSequence ->
    Pose3DSequence with a root trajectory)."""
    rng = np.random.default_rng(seed)
    out = []
    for i, clip in enumerate(clips):
        if clip.num_frames < min_frames:
            continue
        contacts = np.concatenate([clip.contacts, clip.other_contact[:, None]], 1).astype(np.float32)
        for _ in range(cameras_per_clip):
            camera = sample_camera_for_clip(rng, clip, CameraRanges())
            pose2d = corrupt(project_clip(clip, camera), random_noise_model(rng, clean_share), seed=rng)
            lifted = lift(pose2d)
            dd_cam = lifted.global_joints()
            frame = GravityFrame.fit(dd_cam, camera.rotation)
            gt_cam = camera.world_to_camera(clip.joints)
            out.append(PhysSequence(
                dd=frame.to_gravity(dd_cam).astype(np.float32), gt=frame.to_gravity(gt_cam).astype(np.float32),
                contacts=contacts, fps=float(clip.fps),
                lengths=median_bone_lengths(lifted.joints, lifted.confidence).astype(np.float32),
                name=clip.name))
        if on_clip:
            on_clip(i)
    return out


def _yaw(angle: np.ndarray) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    rot = np.zeros((len(angle), 3, 3), dtype=np.float32)
    rot[:, 0, 0], rot[:, 0, 1], rot[:, 1, 0], rot[:, 1, 1], rot[:, 2, 2] = c, -s, s, c, 1.0
    return rot


def sample_batch(sequences: Sequence[PhysSequence], window: int, batch: int, rng: np.random.Generator,
                 raise_share: float = 0.0, raise_max: float = 2.5) -> dict:
    """A batch of random windows: dd, gt [B,W,17,3] (xy recentred on the first dd pelvis,
    random yaw), contacts [B,W,3], dt [B], lengths [B,16].

    raise_share: that share of the windows is lifted by a random height in [0.3, raise_max] m
    (dd and gt alike, contact labels kept): the move as done on a box or a beam, whose top the
    floor estimate cannot know, so the contact head learns support from the feet's motion
    rather than from their height above the lowest point of the video (the shipped weights:
    0.3). 0: off, and nothing more is drawn from rng, so batches of earlier runs reproduce."""
    usable = [s for s in sequences if len(s.dd) >= window]
    if not usable:
        raise ValueError(f"no training sequence has {window} frames")
    dd, gt, con, dt, lengths = [], [], [], [], []
    for k in rng.integers(0, len(usable), batch):
        seq = usable[k]
        start = int(rng.integers(0, len(seq.dd) - window + 1))
        a, b = seq.dd[start:start + window].copy(), seq.gt[start:start + window].copy()
        shift = np.array([a[0, 0, 0], a[0, 0, 1], 0.0], dtype=np.float32)
        if raise_share > 0 and rng.random() < raise_share:
            shift[2] = -rng.uniform(0.3, raise_max)
        dd.append(a - shift)
        gt.append(b - shift)
        con.append(seq.contacts[start:start + window])
        dt.append(1.0 / seq.fps)
        lengths.append(seq.lengths)
    rot = torch.from_numpy(_yaw(rng.uniform(0, 2 * np.pi, batch)))
    turn = lambda x: torch.einsum("bij,btkj->btki", rot, torch.from_numpy(np.stack(x)))  # noqa: E731
    return {"dd": turn(dd), "gt": turn(gt), "contacts": torch.from_numpy(np.stack(con)),
            "dt": torch.tensor(dt, dtype=torch.float32), "lengths": torch.from_numpy(np.stack(lengths))}
