"""Seeded, detector-like corruption of clean 2D poses (for training and testing on
projected motion as if it came from a real 2D keypoint detector).

What a detector does wrong, and how it is simulated, in the order applied per frame:

1. jitter: every joint moves by Gaussian noise, std = jitter * joint multiplier * body size
   (body size: see `body_sizes`); extremities get larger multipliers than the torso.
2. left/right swap: a whole frame's left and right joints (or only the arms, or only the
   legs) trade places, positions and confidences together, so the swapped joints keep a
   high confidence, as real detectors report them.
3. dropout: single joint-frames get confidence 0; their position stays the jittered guess,
   a plausible placeholder near the truth.
4. tracking loss: a run of frames where the person is not found: every joint has
   confidence 0 and the positions hold the last frame seen before the loss (the first one
   after it for a loss at the start).

Confidence of a kept joint is its input confidence times a factor that falls linearly from
confidence[1] (no displacement) to confidence[0] (a displacement of 3 * jitter * body size or
more), so noisier joints look less certain. A joint with input confidence 0 stays 0 (also
when a swap brings another joint's detection to it).

The same seed always gives the same output: every random number is drawn up front in a fixed
order and amount, whatever the model, so two models with one seed share their randomness.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Union

import numpy as np

from ..skeleton.errors import PoseDataError
from ..skeleton.h36m import LEFT_JOINTS, NUM_JOINTS, RIGHT_JOINTS, flip_permutation
from ..skeleton.sequence import Pose2DSequence

# Per-joint jitter multipliers (H36M-17 order): the torso is steadiest, wrists and ankles
# wobble most, as in the per-joint errors of common 2D detectors.
JOINT_JITTER_SCALE: tuple[float, ...] = (
    0.8,             # pelvis
    0.8, 1.0, 1.4,   # right hip, knee, ankle
    0.8, 1.0, 1.4,   # left hip, knee, ankle
    0.8, 0.8,        # spine, thorax
    1.0, 1.0,        # neck/nose, head
    0.9, 1.1, 1.5,   # left shoulder, elbow, wrist
    0.9, 1.1, 1.5,   # right shoulder, elbow, wrist
)

# Codes of CorruptionLog.swaps.
SWAP_NONE, SWAP_BODY, SWAP_ARMS, SWAP_LEGS = 0, 1, 2, 3

# Body size of a frame with too few confident joints when no frame has a size either:
# a quarter of the image diagonal, a person of moderate size in the shot.
_FALLBACK_BODY_FRACTION = 0.25
_MIN_BODY_SIZE = 1.0  # px: a bounding box smaller than this is no measure of the body


def _swap_permutation(pairs: list[tuple[int, int]]) -> np.ndarray:
    perm = np.arange(NUM_JOINTS)
    for a, b in pairs:
        perm[a], perm[b] = b, a
    return perm


_ARM_PAIRS = [(l, r) for l, r in zip(LEFT_JOINTS, RIGHT_JOINTS) if l >= 11]
_LEG_PAIRS = [(l, r) for l, r in zip(LEFT_JOINTS, RIGHT_JOINTS) if l < 11]
_PERMUTATIONS = {
    SWAP_BODY: flip_permutation(),
    SWAP_ARMS: _swap_permutation(_ARM_PAIRS),
    SWAP_LEGS: _swap_permutation(_LEG_PAIRS),
}


def _probability(name: str, value: float) -> None:
    if not (np.isfinite(value) and 0.0 <= value <= 1.0):
        raise PoseDataError(f"NoiseModel.{name} must be a probability in [0, 1], got {value}")


@dataclass(frozen=True)
class NoiseModel:
    """Parameters of `corrupt`; the defaults corrupt nothing (see CLEAN).

    jitter             Gaussian std of every coordinate, as a fraction of the frame's body
                       size (body_sizes), before the joint multiplier.
    joint_jitter_scale [17] multiplier of `jitter` per joint (JOINT_JITTER_SCALE).
    dropout            probability that one joint in one frame is missed (confidence 0).
    swap               probability per frame of a left/right swap.
    swap_whole_body    share of swaps that exchange all left and right joints; the other swaps
                       exchange the arms only or the legs only, with equal chance.
    loss               probability per observed frame that a tracking loss starts there.
    loss_length        (min, max) frames of one loss, inclusive; losses never touch (at least
                       one observed frame between two), and a loss is cut at the last frame.
    confidence         (low, high) confidence factor range for kept joints: high for no
                       displacement down to low at 3 * jitter * body size.
    """

    jitter: float = 0.0
    joint_jitter_scale: tuple[float, ...] = JOINT_JITTER_SCALE
    dropout: float = 0.0
    swap: float = 0.0
    swap_whole_body: float = 0.5
    loss: float = 0.0
    loss_length: tuple[int, int] = (3, 8)
    confidence: tuple[float, float] = (1.0, 1.0)

    def __post_init__(self) -> None:
        if not (np.isfinite(self.jitter) and self.jitter >= 0):
            raise PoseDataError(f"NoiseModel.jitter must be >= 0, got {self.jitter}")
        scale = tuple(float(s) for s in self.joint_jitter_scale)
        if len(scale) != NUM_JOINTS or not all(np.isfinite(s) and s >= 0 for s in scale):
            raise PoseDataError("NoiseModel.joint_jitter_scale must be 17 numbers >= 0")
        object.__setattr__(self, "joint_jitter_scale", scale)
        for name in ("dropout", "swap", "swap_whole_body", "loss"):
            _probability(name, getattr(self, name))
        lo, hi = (int(v) for v in self.loss_length)
        if not 1 <= lo <= hi:
            raise PoseDataError(f"NoiseModel.loss_length must be (min, max) with 1 <= min <= max, "
                                f"got {self.loss_length}")
        object.__setattr__(self, "loss_length", (lo, hi))
        clo, chi = (float(v) for v in self.confidence)
        if not 0.0 <= clo <= chi <= 1.0:
            raise PoseDataError(f"NoiseModel.confidence must be (low, high) with 0 <= low <= high "
                                f"<= 1, got {self.confidence}")
        object.__setattr__(self, "confidence", (clo, chi))


# No corruption at all: corrupt(pose, CLEAN, seed) equals pose exactly.
CLEAN = NoiseModel()

# A typical off-the-shelf detector on clear video: 2 % body-size jitter, 5 % missed joints,
# a left/right swap in 2 % of frames, a 3-8 frame tracking loss starting in 1 % of frames,
# kept-joint confidence 0.6-1.0.
NOISY = NoiseModel(
    jitter=0.02, dropout=0.05, swap=0.02, swap_whole_body=0.5, loss=0.01, loss_length=(3, 8),
    confidence=(0.6, 1.0),
)


@dataclass(frozen=True)
class CorruptionLog:
    """What `corrupt_with_log` did, for tests and for weighting training losses.

    body_size [T] px, the size the jitter was scaled by (body_sizes).
    swaps     [T] int8, SWAP_NONE / SWAP_BODY / SWAP_ARMS / SWAP_LEGS per frame.
    dropped   [T,17] bool, joints set to confidence 0 by dropout (outside losses, only
              joints that had a confidence above 0).
    lost      [T] bool, frames inside a tracking loss.
    losses    ((start, length), ...) of every tracking loss, in frame order.
    """

    body_size: np.ndarray
    swaps: np.ndarray
    dropped: np.ndarray
    lost: np.ndarray
    losses: tuple[tuple[int, int], ...] = field(default_factory=tuple)

    @property
    def swapped(self) -> np.ndarray:
        """[T] bool: frames with any left/right swap."""
        return self.swaps != SWAP_NONE


def body_sizes(pose: Pose2DSequence) -> np.ndarray:
    """Body size per frame [T] in pixels: the diagonal of the 2D bounding box of the joints
    with confidence > 0. Frames with fewer than two such joints, or a box under 1 px, take the
    median size of the other frames (a quarter of the image diagonal if there are none)."""
    kp = pose.keypoints.astype(np.float64)
    seen = pose.confidence > 0
    big = np.where(seen[..., None], kp, -np.inf).max(axis=1)  # [T,2]
    small = np.where(seen[..., None], kp, np.inf).min(axis=1)
    with np.errstate(invalid="ignore"):
        size = np.linalg.norm(big - small, axis=-1)
    valid = (seen.sum(axis=1) >= 2) & np.isfinite(size) & (size >= _MIN_BODY_SIZE)
    if valid.any():
        fallback = float(np.median(size[valid]))
    else:
        fallback = _FALLBACK_BODY_FRACTION * float(np.hypot(pose.width, pose.height))
    return np.where(valid, size, fallback)


def _generator(seed: Union[int, np.random.Generator]) -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, (bool, float)) or not isinstance(seed, (int, np.integer)):
        raise PoseDataError(f"seed must be an int or a numpy Generator, got {seed!r}")
    return np.random.default_rng(int(seed))


def _plan_losses(start_u: np.ndarray, lengths: np.ndarray, p: float) -> list[tuple[int, int]]:
    losses = []
    t, total = 0, len(start_u)
    while t < total:
        if start_u[t] < p:
            length = int(min(lengths[t], total - t))
            losses.append((t, length))
            t += length + 1  # one observed frame at least, so losses do not merge
        else:
            t += 1
    return losses


def corrupt_with_log(
    pose: Pose2DSequence, model: NoiseModel, seed: Union[int, np.random.Generator]
) -> tuple[Pose2DSequence, CorruptionLog]:
    """`corrupt`, also returning the CorruptionLog of what was done."""
    rng = _generator(seed)
    t_len = pose.num_frames
    # All draws up front, always the same amount and order (see the module docstring).
    normal = rng.standard_normal((t_len, NUM_JOINTS, 2))
    drop_u = rng.random((t_len, NUM_JOINTS))
    swap_u = rng.random(t_len)
    swap_kind_u = rng.random(t_len)
    limb_u = rng.random(t_len)
    loss_u = rng.random(t_len)
    loss_len = rng.integers(model.loss_length[0], model.loss_length[1] + 1, size=t_len)

    kp = pose.keypoints.copy()
    conf_in = pose.confidence
    conf = conf_in.copy()
    interpolated = pose.interpolated.copy()
    size = body_sizes(pose)

    if model.jitter > 0:
        sigma = model.jitter * size[:, None] * np.asarray(model.joint_jitter_scale)[None, :]
        offset = normal * sigma[..., None]  # [T,17,2] px
        kp = (kp.astype(np.float64) + offset).astype(np.float32)
        # Confidence falls with the displacement measured against the *base* jitter, so joints
        # with a larger multiplier (wrists, ankles) are less certain on average.
        ratio = np.linalg.norm(offset, axis=-1) / (3.0 * model.jitter * size[:, None])
        lo, hi = model.confidence
        factor = hi - (hi - lo) * np.minimum(ratio, 1.0)
    else:
        factor = np.full(conf.shape, model.confidence[1])
    if model.confidence != (1.0, 1.0):
        conf = (conf_in * factor).astype(np.float32)  # input zeros stay zero

    losses = _plan_losses(loss_u, loss_len, model.loss) if model.loss > 0 else []
    lost = np.zeros(t_len, dtype=bool)
    for start, length in losses:
        lost[start:start + length] = True

    swaps = np.zeros(t_len, dtype=np.int8)
    if model.swap > 0:
        happen = (swap_u < model.swap) & ~lost
        body = swap_kind_u < model.swap_whole_body
        swaps[happen & body] = SWAP_BODY
        swaps[happen & ~body & (limb_u < 0.5)] = SWAP_ARMS
        swaps[happen & ~body & (limb_u >= 0.5)] = SWAP_LEGS
        for code, perm in _PERMUTATIONS.items():
            frames = swaps == code
            kp[frames] = kp[frames][:, perm]
            conf[frames] = conf[frames][:, perm]
            interpolated[frames] = interpolated[frames][:, perm]

    dropped = np.zeros((t_len, NUM_JOINTS), dtype=bool)
    if model.dropout > 0:
        dropped = (drop_u < model.dropout) & ~lost[:, None] & (conf > 0)
        conf[dropped] = 0.0

    for start, length in losses:
        conf[start:start + length] = 0.0
        before, after = start - 1, start + length
        source = before if before >= 0 else (after if after < t_len else None)
        if source is not None:  # hold the nearest observed frame: a tracker's stale box
            kp[start:start + length] = kp[source]

    # A swap can move a detection onto a joint the input had no confidence for; the input's
    # zeros win, so a joint missing in the input (out of the image, say) stays missing.
    conf[conf_in == 0] = 0.0
    out = replace(pose, keypoints=kp, confidence=np.clip(conf, 0.0, 1.0), interpolated=interpolated)
    log = CorruptionLog(body_size=size, swaps=swaps, dropped=dropped, lost=lost,
                        losses=tuple(losses))
    return out, log


def corrupt(
    pose: Pose2DSequence, model: NoiseModel, seed: Union[int, np.random.Generator]
) -> Pose2DSequence:
    """A detector-like corrupted copy of `pose` (module docstring): keypoints [T,17,2] px,
    confidence [T,17] in [0,1], never NaN; same image size, fps and source. The same
    seed (int) or generator state gives the same output; CLEAN returns the input exactly."""
    return corrupt_with_log(pose, model, seed)[0]


__all__ = [
    "CLEAN", "CorruptionLog", "JOINT_JITTER_SCALE", "NOISY", "NoiseModel", "SWAP_ARMS",
    "SWAP_BODY", "SWAP_LEGS", "SWAP_NONE", "body_sizes", "corrupt", "corrupt_with_log",
]
