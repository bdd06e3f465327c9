"""Training windows for the lifters: 3D clips seen through random virtual cameras with
detector-like noise (spec: F2's cameras and noise), normalised as at inference.

Each window carries its query 2D (noisy or clean), the clean 2D of the same view (what a
demonstration bank holds), the 3D target (root-relative, camera frame, metres) and a family
label, so a demonstration of the same kind of move can be paired with it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from ..lifter.normalize import normalize_2d
from ..lifter.windows import window_starts
from ..motion.cameras import CameraRanges, project_clip, sample_camera_for_clip
from ..motion.clip import MotionClip
from ..motion.noise2d import NOISY, CLEAN, NoiseModel, corrupt
from ..skeleton.h36m import flip_permutation, mirror_joints

FLIP = flip_permutation()


@dataclass
class WindowSet:
    query_2d: np.ndarray  # [N,T,17,3] normalised, with noise
    clean_2d: np.ndarray  # [N,T,17,3] normalised, no noise (demonstration form)
    target_3d: np.ndarray  # [N,T,17,3] metres, root-relative, camera frame
    family: np.ndarray  # [N] int
    families: list[str]
    clip: np.ndarray  # [N] int: which clip a window comes from (demonstrations come from others)

    def __len__(self) -> int:
        return len(self.family)


def random_noise_model(rng: np.random.Generator, clean_share: float) -> NoiseModel:
    """Clean 2D with probability clean_share, else NOISY scaled by a random 0.5-1.5."""
    if rng.random() < clean_share:
        return CLEAN
    k = rng.uniform(0.5, 1.5)  # milder and harsher detectors than the benchmark's NOISY
    return NoiseModel(jitter=NOISY.jitter * k, dropout=min(NOISY.dropout * k, 0.5), swap=NOISY.swap * k,
                      loss=NOISY.loss * k, loss_length=NOISY.loss_length)


def make_windows(
    clips: Sequence[MotionClip], window: int, cameras_per_clip: int, seed: int,
    stride: int = 0, clean_share: float = 0.3, mirror: bool = True,
) -> WindowSet:
    """Windows from every clip under `cameras_per_clip` random cameras (more for short clips
    would only repeat frames; fewer for long ones would lose views). Mirroring (x -> -x with
    left and right swapped) doubles the set: people move both ways."""
    rng = np.random.default_rng(seed)
    stride = stride or max(1, window // 3)
    families = sorted({c.family or c.name for c in clips})
    index = {f: i for i, f in enumerate(families)}
    q, c2, t3, fam, clip_ids = [], [], [], [], []
    for clip_id, clip in enumerate(clips):
        for _ in range(cameras_per_clip):
            camera = sample_camera_for_clip(rng, clip, CameraRanges())
            clean = project_clip(clip, camera)
            noisy = corrupt(clean, random_noise_model(rng, clean_share), seed=rng)
            target = clip.to_camera(camera).joints.astype(np.float64)
            for start in window_starts(clip.num_frames, window, stride):
                stop = start + window
                if stop > clip.num_frames:
                    continue  # clips shorter than a window are skipped in training
                variants = [(noisy.keypoints, clean.keypoints, target, False)]
                if mirror:
                    variants.append((noisy.keypoints, clean.keypoints, target, True))
                for kp_noisy, kp_clean, tgt, flip in variants:
                    a = kp_noisy[start:stop].astype(np.float64)
                    b = kp_clean[start:stop].astype(np.float64)
                    ca = noisy.confidence[start:stop]
                    cb = clean.confidence[start:stop]
                    t = tgt[start:stop].copy()
                    if flip:
                        a, b, t = mirror_joints(a), mirror_joints(b), mirror_joints(t)
                        ca, cb = ca[:, FLIP], cb[:, FLIP]
                    q.append(normalize_2d(a, ca))
                    c2.append(normalize_2d(b, cb))
                    t3.append(t.astype(np.float32))
                    fam.append(index[clip.family or clip.name])
                    clip_ids.append(clip_id)
    return WindowSet(np.stack(q), np.stack(c2), np.stack(t3), np.array(fam), families, np.array(clip_ids))


# Added to the retrieval distance of a window of another family when pairing within families:
# larger than any feature distance, so another family is used only where the window's own has
# no other clip (each DeepMimic clip is its own family).
OTHER_FAMILY_PENALTY = 1e6


def _distance_rows(data: WindowSet, chunk: int):
    """Squared retrieval distances (features of the clean 2D, as the bank uses at inference)
    from every window to all windows, a chunk of rows at a time: yields (start, stop,
    [stop-start, N])."""
    from ..lifter.bank import window_features

    feats = window_features(data.clean_2d)
    norms = (feats * feats).sum(axis=1)
    for start in range(0, len(feats), chunk):
        stop = min(start + chunk, len(feats))
        yield start, stop, norms[None] - 2.0 * feats[start:stop] @ feats.T


def demonstration_table(data: WindowSet, k: int = 8, chunk: int = 2048, same_family: bool = False) -> np.ndarray:
    """For every window, its k nearest windows (retrieval features of the clean 2D, as the
    bank does at inference) among windows of *other* clips: training shows the lifter the
    kind of demonstration it will be given for an unseen clip. `same_family`: the nearest
    among other clips of the same kind of move first (another synthetic back salto for a back
    salto), as a bank holding that kind of move retrieves. [N] -> [N,k] indices."""
    table = np.empty((len(data), k), dtype=np.int64)
    for start, stop, dist in _distance_rows(data, chunk):
        if same_family:
            dist = dist + OTHER_FAMILY_PENALTY * (data.family[start:stop, None] != data.family[None])
        dist[data.clip[start:stop, None] == data.clip[None]] = np.inf
        table[start:stop] = np.argpartition(dist, k, axis=1)[:, :k]
    return table


def same_clip_table(data: WindowSet, k: int = 8, chunk: int = 2048) -> np.ndarray:
    """For every window, its k nearest *other* windows of the same clip (other cameras, nearby
    start frames): the same move, so a demonstration that is worth copying from. Trained with
    some of these, the lifter learns to read a demonstration when its 2D matches the query
    (--same-clip-share). A window whose clip has fewer than k others repeats its nearest; one
    with none gets -1. [N] -> [N,k] indices."""
    table = np.empty((len(data), k), dtype=np.int64)
    for start, stop, dist in _distance_rows(data, chunk):
        dist[data.clip[start:stop, None] != data.clip[None]] = np.inf
        dist[np.arange(stop - start), np.arange(start, stop)] = np.inf  # not the window itself
        order = np.argpartition(dist, k, axis=1)[:, :k]
        found = np.take_along_axis(dist, order, axis=1)
        nearest = order[np.arange(len(order)), found.argmin(axis=1)]
        order = np.where(np.isinf(found), nearest[:, None], order)
        order[np.isinf(found).all(axis=1)] = -1
        table[start:stop] = order
    return table
