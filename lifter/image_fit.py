"""Fit the lifted 3D to the image: the lifter's answer made consistent with the 2D it came from.

A lifter maps normalised 2D to 3D in one pass, so its output does not reproject exactly onto
the keypoints, its bones stretch from frame to frame, and noise in the 2D turns into jitter in
depth. This stage solves for the global camera-frame joints X [T,17,3] that minimise one
energy (a maximum-a-posteriori estimate with the lifter as the prior):

    E(X) = sum_tj  c_tj * rho(|project(X_tj) - u_tj| / (s_t * reprojection_std))   image
         + sum_tb  |(X_child - X_parent) - (N_child - N_parent)|^2 / prior_std_b^2  lifter's pose
         + sum_t   |X_t0 - N_t0|^2 / root_prior_std^2                           lifter's root
         + sum_tb  (|X_child - X_parent| - L_b)^2 / bone_std^2                    rigid bones
         + sum_tj  |X_t+1 - 2 X_t + X_t-1|^2 / (accel_std / fps^2)^2              smooth motion

with N the lifted pose, u the keypoints, c their confidence (0 for missing joints, which the
image then does not pull), prior_std_b the tolerance of bone b (below), s_t the person's size
in frame t (pixels, so the reprojection tolerance is a share of the body whatever the
resolution), rho the pseudo-Huber function
(a left/right swap the detector reports with high confidence costs linearly, not
quadratically; with ImageFitSettings.noise_scale > 0, the default, the tolerance also grows
with the keypoints' jitter measured on the sequence itself, keypoint_noise, so exact 2D is
held tightly and a jittery detector loosely), and L the bone lengths: the median of the
lifted ones, left and right equal.
The lifter's pose is held bone by bone, not joint by joint: moving an upper arm to meet the
image then carries the forearm along instead of pulling the wrist back to where the lifter put
it (the joint-by-joint prior, |(X_tj - X_t0) - (N_tj - N_t0)|^2, remains as an option;
validation and held-out scores of both in BENCHMARKS.md). Each bone is held as firmly as the
lifter is sure of it: the lifter answers every frame several times (overlapping windows, each
also mirrored: lifter/inference.py), and a bone on which those answers disagree more gets a
looser tolerance, prior_std_b^2 proportional to the answers' spread on it (bone_spread), scaled
so that the bones' mean is prior_std_m^2 (ImageFitSettings.pose_tolerance_from_spread; one
tolerance for all, prior_std_m, when off or when the lift has a single answer per frame). A
forearm the lifter cannot decide about then yields to the image, and the spine it is sure of
does not.
Minimised with L-BFGS (analytic gradient), started from N with its bones set to L (directions
kept) and placed where it reprojects best: the stiff bone term is then satisfied from the first
step, and the iterations go to the image instead of to straightening bones (on the validation
sets this start in 60 iterations does what 100 from the lift do; BENCHMARKS.md). Each L-BFGS
step starts from a preconditioner that inverts the smooth-motion term in time and the skeleton's
priors across joints (lifter/fit_preconditioner.py): the slow motions in depth, which plain
L-BFGS took hundreds of iterations over, then settle in tens. It runs 50 iterations: the fewest
within 0.05 mm of converged on validation (benchmarks/lifter_fit_solver.py). The defaults were
chosen on the training clips and synthetic validation clips (benchmarks/lifter_fit_settings.py,
benchmarks/lifter_fit_solver.py), never on the held-out ones.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable, Optional

import numpy as np
import torch

from ..physnet.constraints import project_bone_lengths
from ..skeleton.camera import PinholeCamera
from ..skeleton.errors import PoseDataError
from ..skeleton.h36m import BONES, SYMMETRIC_BONES, bone_lengths, bone_vectors
from .fit_preconditioner import SmoothSkeletonPreconditioner
from .normalize import frame_sizes

_PARENT = np.array([p for p, _ in BONES])
_CHILD = np.array([c for _, c in BONES])
# [17,16] incidence of the skeleton: +1 at a bone's child, -1 at its parent. With the joints
# coordinate-major, [3*T,17], the bone vectors are joints @ _INCIDENCE and a bone gradient
# reaches the joints as gradient @ _INCIDENCE_T: one matrix product each for all frames,
# several times cheaper than fancy-indexed updates at this size.
_INCIDENCE = np.zeros((17, len(BONES)))
_INCIDENCE[_CHILD, np.arange(len(BONES))] = 1.0
_INCIDENCE[_PARENT, np.arange(len(BONES))] = -1.0
_INCIDENCE_T = np.ascontiguousarray(_INCIDENCE.T)
MIN_FIT_DEPTH = 0.05  # m: a joint is kept at least this far in front of the camera while fitting
MIN_RELATIVE_SPREAD = 0.1  # a bone's spread counts as at least this share of the bones' mean


@dataclass(frozen=True)
class ImageFitSettings:
    """Tolerances of the energy terms (one unit of cost each) and the solver's budget."""

    reprojection_std: float = 0.005  # share of the person's size (bounding-box diagonal)
    # > 0: the tolerance also grows with the keypoints' own jitter, estimated from the sequence
    # (keypoint_noise): sqrt(reprojection_std^2 + (noise_scale * noise)^2), so clean 2D is held
    # tightly and noisy 2D loosely. 0: reprojection_std alone, whatever the input.
    noise_scale: float = 1.0
    prior_std_m: float = 0.1  # each bone (child minus parent) may leave the lifter's by about this
    # True: each bone's tolerance follows the spread of the lifter's answers on it (bone_spread),
    # with prior_std_m as the bones' root-mean-square tolerance; False: prior_std_m for every bone.
    pose_tolerance_from_spread: bool = True
    prior_on_bones: bool = True  # False: each root-relative joint is held instead (the first design)
    root_prior_std_m: float = 0.8  # the root's position (its depth mostly) may move by about this
    bone_std_m: float = 0.01  # bone lengths stay within about this of their sequence length
    accel_std_si: float = 80.0  # m/s^2: joint accelerations beyond this cost
    robust: float = 2.0  # pseudo-Huber knee, in units of reprojection_std
    iterations: int = 50  # L-BFGS iterations (the speed budget: see BENCHMARKS.md)
    # True: L-BFGS starts each step from SmoothSkeletonPreconditioner (lifter/fit_preconditioner.py),
    # which reaches in 50 iterations what plain L-BFGS did in about 300; False: plain L-BFGS.
    precondition: bool = True
    rigid_start: bool = True  # start from the lift with the sequence's bone lengths (False: the lift as it is)

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if isinstance(value, bool):
                continue
            may_be_zero = name == "noise_scale"  # 0 turns the jitter term off
            if not (np.isfinite(value) and (value >= 0 if may_be_zero else value > 0)):
                wanted = "a number >= 0" if may_be_zero else "a positive number"
                raise PoseDataError(f"image fit setting {name} must be {wanted}, got {value!r}")


def sequence_bone_lengths(joints: np.ndarray) -> np.ndarray:
    """[T,17,3] -> [16] (BONES order): median over frames, left and right bones made equal."""
    lengths = np.median(bone_lengths(joints), axis=0)
    for left, right in SYMMETRIC_BONES:
        both = (lengths[left] + lengths[right]) / 2
        lengths[left] = lengths[right] = both
    return lengths


def person_sizes(keypoints: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """[T] pixels: each frame's bounding-box diagonal of the confident joints; frames without
    a measurable body take the median of the others."""
    sizes = frame_sizes(keypoints, confidence)
    measured = sizes > 1.0  # NaN (fewer than two joints seen) compares False
    fill = float(np.median(sizes[measured])) if measured.any() else 1.0
    return np.where(measured, sizes, fill)


def keypoint_noise(keypoints: np.ndarray, confidence: np.ndarray, sizes: Optional[np.ndarray] = None) -> float:
    """keypoints [T,17,2] pixels, confidence [T,17] -> the keypoints' jitter (Gaussian std per
    coordinate) as a share of the person's size, estimated from the sequence itself: the third
    difference u[t+1] - 3u[t] + 3u[t-1] - u[t-2] of every joint seen in all four frames has std
    sqrt(20) * jitter for independent jitter, while smooth motion barely reaches it; the median
    makes swaps and outliers count little. 0 when fewer than 20 such differences exist.
    sizes [T]: person_sizes(keypoints, confidence), passed when the caller has it already."""
    kp = np.asarray(keypoints, dtype=np.float64)
    confidence = np.asarray(confidence)
    seen = confidence > 0
    if kp.shape[0] < 4:
        return 0.0
    third = kp[3:] - 3 * kp[2:-1] + 3 * kp[1:-2] - kp[:-3]  # [T-3,17,2] pixels
    usable = seen[3:] & seen[2:-1] & seen[1:-2] & seen[:-3] & np.isfinite(third).all(axis=-1)
    if usable.sum() < 20:
        return 0.0
    # pixels -> share of the person: each difference by the size of its middle frames
    sizes = person_sizes(kp, confidence) if sizes is None else sizes
    scale = 0.5 * (sizes[1:-2] + sizes[2:-1])[:, None, None]
    share = np.abs(third / scale)[usable]
    return float(np.median(share) / 0.6745 / np.sqrt(20.0))


def reprojection_tolerance(settings: ImageFitSettings, keypoints: np.ndarray, confidence: np.ndarray,
                           sizes: Optional[np.ndarray] = None) -> float:
    """The reprojection tolerance (share of the person's size) the fit uses for this sequence."""
    if settings.noise_scale == 0:
        return settings.reprojection_std
    noise = settings.noise_scale * keypoint_noise(keypoints, confidence, sizes)
    return float(np.hypot(settings.reprojection_std, noise))


def bone_spread(answers: np.ndarray, starts: list[int], consensus: np.ndarray) -> np.ndarray:
    """How much the lifter's answers disagree on each bone: answers [N,W,17,3] (windows, each
    placed at its start frame in `starts`; mirrored answers mirrored back), consensus [T,17,3]
    (their blend) -> [16] mean squared distance (m^2) of an answer's bone vector from the
    consensus's, over every answer and frame (frames past T, a short sequence's padding, left
    out). All zeros when each frame has a single answer."""
    consensus_bones = bone_vectors(np.asarray(consensus, dtype=np.float64))  # [T,16,3]
    answer_bones = bone_vectors(np.asarray(answers, dtype=np.float64))  # [N,W,16,3]
    total = np.zeros(len(BONES))
    count = 0
    for bones, start in zip(answer_bones, starts):
        frames = min(len(bones), len(consensus_bones) - start)
        if frames <= 0:
            continue
        deviation = bones[:frames] - consensus_bones[start:start + frames]
        total += (deviation ** 2).sum(axis=(0, 2))
        count += frames
    return total / max(count, 1)


def pose_tolerances(settings: ImageFitSettings, spread: Optional[np.ndarray]) -> np.ndarray:
    """[16] the tolerance (m) of each bone of the lifter's pose: prior_std_m for all, or, with
    settings.pose_tolerance_from_spread and a spread [16] (bone_spread) that is not all zero,
    tolerance^2 proportional to the spread with mean prior_std_m^2. A bone's spread counts as at
    least MIN_RELATIVE_SPREAD of the bones' mean, so one the answers agree on exactly is held
    firmly but not frozen."""
    uniform = np.full(len(BONES), settings.prior_std_m)
    if not settings.pose_tolerance_from_spread or spread is None:
        return uniform
    spread = np.asarray(spread, dtype=np.float64)
    if spread.shape != (len(BONES),) or not np.isfinite(spread).all() or not spread.mean() > 0:
        return uniform
    relative = np.maximum(spread / spread.mean(), MIN_RELATIVE_SPREAD)
    relative /= relative.mean()
    return settings.prior_std_m * np.sqrt(relative)


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Sum of a * b over all entries, without the temporary (the solve is many small calls)."""
    return float(np.vdot(a, b))


class ImageFitEnergy:
    """The energy above and its gradient, written out by hand (numpy, float64): the solve is
    a few hundred small evaluations, where autograd's per-operation overhead would dominate.
    The unknowns are kept coordinate-major, [3,T,17] flattened (pack / unpack convert from and
    to joints [T,17,3]): x, y and depth are then contiguous planes, and the bone vectors of all
    frames one matrix product; twice as fast per evaluation as joints-major at these sizes.
    Call with pack(joints) [3*T*17] -> (energy, gradient [3*T*17], same layout).
    spread [16]: bone_spread of the lifter's answers (None: one tolerance for every bone)."""

    def __init__(self, lifted: np.ndarray, keypoints: np.ndarray, confidence: np.ndarray,
                 camera: PinholeCamera, fps: float, settings: ImageFitSettings,
                 spread: Optional[np.ndarray] = None) -> None:
        s = settings
        self.frames = lifted.shape[0]
        lifted_rel = lifted - lifted[:, :1]
        self.lengths = sequence_bone_lengths(lifted_rel)
        self.prior_on_bones = s.prior_on_bones
        self.lifted_rel = self.pack(lifted_rel).reshape(3, self.frames, 17)
        self.lifted_bones = np.ascontiguousarray(bone_vectors(lifted_rel).transpose(2, 0, 1))  # [3,T,16]
        self.lifted_root = np.ascontiguousarray(lifted[:, 0].T)  # [3,T]
        uv = np.nan_to_num(np.asarray(keypoints, dtype=np.float64))
        self.conf = np.clip(np.nan_to_num(np.asarray(confidence, dtype=np.float64)), 0.0, 1.0)
        # pixels of image error that cost one unit, per frame: a share of the person's size
        sizes = person_sizes(np.asarray(keypoints), np.asarray(confidence))
        tolerance_px = sizes[:, None] * reprojection_tolerance(s, keypoints, confidence, sizes)
        self.fx, self.fy = float(camera.fx), float(camera.fy)
        # the terms' constants, folded once
        self.centre_minus_u = camera.cx - uv[..., 0]  # [T,17]
        self.centre_minus_v = camera.cy - uv[..., 1]
        self.huber_scale = s.robust ** 2
        self.inv_huber_px2 = 1.0 / (tolerance_px * s.robust) ** 2
        self.conf_over_tol2 = self.conf / tolerance_px ** 2
        if s.prior_on_bones:  # [16]: one weight per bone
            self.pose_weight = 1.0 / pose_tolerances(s, spread) ** 2
        else:
            self.pose_weight = 1.0 / s.prior_std_m ** 2
        self.place_weight = 1.0 / s.root_prior_std_m ** 2
        self.bone_weight = 1.0 / s.bone_std_m ** 2
        accel_std = s.accel_std_si / float(fps) ** 2  # metres per frame^2
        self.accel_weight = 1.0 / accel_std ** 2

    @staticmethod
    def pack(joints: np.ndarray) -> np.ndarray:
        """joints [T,17,3] -> the energy's unknowns [3*T*17] (coordinate-major)."""
        return np.ascontiguousarray(np.asarray(joints, dtype=np.float64).transpose(2, 0, 1)).ravel()

    def unpack(self, flat: np.ndarray) -> np.ndarray:
        """The energy's unknowns [3*T*17] -> joints [T,17,3]."""
        return np.ascontiguousarray(flat.reshape(3, self.frames, 17).transpose(1, 2, 0))

    def joint_coupling(self) -> np.ndarray:
        """[17,17] the pose prior's, bone lengths' and root prior's curvature between joints (the
        same in every frame and coordinate): a weighted graph Laplacian of the skeleton (bone
        lengths counted in every direction, though they hold only along the bone), plus the
        root's prior. For the preconditioner."""
        bone_weights = self.bone_weight + (self.pose_weight if self.prior_on_bones else 0.0)
        coupling = 2 * (_INCIDENCE * bone_weights) @ _INCIDENCE.T
        if not self.prior_on_bones:  # each joint held relative to the root: a star around joint 0
            star = np.zeros((17, 16))
            star[0], star[np.arange(1, 17), np.arange(16)] = -1.0, 1.0
            coupling += 2 * self.pose_weight * star @ star.T
        coupling[0, 0] += 2 * self.place_weight
        return coupling

    def image_curvature(self, flat: np.ndarray) -> np.ndarray:
        """[3] the image term's Gauss-Newton curvature at the unknowns flat [3*T*17], averaged
        over frames and joints, per coordinate plane (x, y, depth). For the preconditioner."""
        x = flat.reshape(3, self.frames, 17)
        depth = np.maximum(x[2], MIN_FIT_DEPTH)
        along_x = self.conf_over_tol2 * (self.fx / depth) ** 2
        along_y = self.conf_over_tol2 * (self.fy / depth) ** 2
        along_depth = along_x * (x[0] / depth) ** 2 + along_y * (x[1] / depth) ** 2
        return np.array([along_x.mean(), along_y.mean(), along_depth.mean()])

    def preconditioner(self, flat: np.ndarray) -> SmoothSkeletonPreconditioner:
        """The preconditioner for a solve started at flat [3*T*17]."""
        accel_weight = self.accel_weight if self.frames > 2 else 0.0
        return SmoothSkeletonPreconditioner(self.frames, self.joint_coupling(), accel_weight, self.image_curvature(flat))

    def __call__(self, flat: np.ndarray) -> tuple[float, np.ndarray]:
        t_len = self.frames
        x = flat.reshape(3, t_len, 17)
        grad = np.empty_like(x)
        # image: pseudo-Huber of the reprojection error in units of the tolerance
        in_front = x[2] > MIN_FIT_DEPTH
        inv_depth = 1.0 / np.where(in_front, x[2], MIN_FIT_DEPTH)  # [T,17]
        error_u = x[0] * inv_depth
        error_u *= self.fx
        error_u += self.centre_minus_u  # px
        error_v = x[1] * inv_depth
        error_v *= self.fy
        error_v += self.centre_minus_v
        soft = np.sqrt(1 + (error_u * error_u + error_v * error_v) * self.inv_huber_px2)  # [T,17]
        total = _dot(self.conf, soft - 1) * self.huber_scale
        scale = self.conf_over_tol2 / soft
        d_u = scale * error_u  # dE/d(x/z), dE/d(y/z)
        d_u *= self.fx
        d_v = scale * error_v
        d_v *= self.fy
        np.multiply(d_u, inv_depth, out=grad[0])
        np.multiply(d_v, inv_depth, out=grad[1])
        np.multiply(-(d_u * x[0] + d_v * x[1]), inv_depth * inv_depth * in_front, out=grad[2])
        # the lifter's pose (bone by bone, or joint by joint), and its root
        bone = (x.reshape(3 * t_len, 17) @ _INCIDENCE).reshape(3, t_len, 16)  # child minus parent
        if self.prior_on_bones:
            pose = bone - self.lifted_bones
            weighted = pose * self.pose_weight
            total += _dot(weighted, pose)
            d_bone = 2 * weighted  # dE/d(bone vector) [3,T,16], added to the joints after the bone terms
        else:
            pose = x - x[:, :, :1] - self.lifted_rel
            total += _dot(pose, pose) * self.pose_weight
            pose *= 2 * self.pose_weight
            grad += pose
            grad[:, :, 0] -= pose.sum(2)
            d_bone = np.zeros_like(bone)
        place = x[:, :, 0] - self.lifted_root
        total += _dot(place, place) * self.place_weight
        grad[:, :, 0] += 2 * self.place_weight * place
        # rigid bones
        length = np.sqrt(bone[0] * bone[0] + bone[1] * bone[1] + bone[2] * bone[2]) + 1e-12  # [T,16]
        stretch = length - self.lengths
        total += _dot(stretch, stretch) * self.bone_weight
        d_bone += (2 * self.bone_weight * stretch / length) * bone
        # each bone's gradient to its child, negated to its parent
        grad += (d_bone.reshape(3 * t_len, 16) @ _INCIDENCE_T).reshape(3, t_len, 17)
        # smooth motion
        if t_len > 2:
            accel = x[:, 2:] - 2 * x[:, 1:-1] + x[:, :-2]
            total += _dot(accel, accel) * self.accel_weight
            accel *= 2 * self.accel_weight
            grad[:, 2:] += accel
            grad[:, 1:-1] -= 2 * accel
            grad[:, :-2] += accel
        return total, grad.ravel()


def minimize_lbfgs(energy, x: np.ndarray, iterations: int, memory: int = 5,
                   precondition: Optional[Callable[[np.ndarray], np.ndarray]] = None) -> np.ndarray:
    """L-BFGS (two-loop recursion, backtracking Armijo line search) on energy(x) -> (value,
    gradient): x [N] -> the best x found in `iterations` steps. Written here, in elementwise
    numpy, rather than SciPy's L-BFGS-B, whose BLAS threads contend with torch's on a small
    machine (4x slower on 2 cores) for a problem this size.
    precondition: v [N] -> H0 v, a symmetric positive definite approximation of the inverse
    Hessian that every step starts from (lifter/fit_preconditioner.py); None: the usual scalar
    H0 = s.y / y.y, and a first step of about 1 cm per coordinate."""
    def h0_without_history(v: np.ndarray) -> np.ndarray:  # at the start, and after a restart
        if precondition is not None:
            return precondition(v)
        return v * (0.01 / max(float(np.abs(v).max()), 1e-12))  # a step of about 1 cm per coordinate

    value, grad = energy(x)
    history: list[tuple[np.ndarray, np.ndarray, float]] = []  # (s, y, 1 / y.s)
    for _ in range(iterations):
        direction = -grad
        alphas = []
        for step, change, rho in reversed(history):
            alpha = rho * _dot(step, direction)
            direction = direction - alpha * change
            alphas.append(alpha)
        if history and precondition is None:
            step, change, rho = history[-1]
            direction = direction / (rho * _dot(change, change))  # H0 = s.y / y.y
        else:
            direction = h0_without_history(direction)
        for (step, change, rho), alpha in zip(history, reversed(alphas)):
            beta = rho * _dot(change, direction)
            direction = direction + (alpha - beta) * step
        slope = _dot(grad, direction)
        if not slope < 0:  # not a descent direction: start the memory afresh along -grad
            history.clear()
            direction = h0_without_history(-grad)
            slope = _dot(grad, direction)
            if not slope < 0:
                break  # the gradient vanished: converged
        length = 1.0
        for _ in range(20):  # Armijo backtracking
            candidate = x + length * direction
            new_value, new_grad = energy(candidate)
            if np.isfinite(new_value) and new_value <= value + 1e-4 * length * slope:
                break
            length *= 0.5
        else:
            break  # no decrease along the direction: as good as it gets
        step, change = candidate - x, new_grad - grad
        curvature = _dot(step, change)
        if curvature > 1e-12:
            history.append((step, change, 1.0 / curvature))
            del history[:-memory]
        x, value, grad = candidate, new_value, new_grad
    return x


def rigid_starting_point(joints: np.ndarray, root: np.ndarray, lengths: np.ndarray, keypoints: np.ndarray,
                         confidence: np.ndarray, camera: PinholeCamera) -> np.ndarray:
    """The fit's starting point: joints [T,17,3] root-relative with every bone set to its length
    in `lengths` [16] (BONES order; each bone's direction kept, forward kinematics from the
    pelvis), placed per frame where it reprojects best onto keypoints [T,17,2] -> [T,17,3]
    camera frame. Without a confident joint to place it by, it keeps `root` [T,3]."""
    rigid = project_bone_lengths(torch.from_numpy(np.asarray(joints, np.float64)),
                                 torch.from_numpy(np.asarray(lengths, np.float64))).numpy()
    rigid = rigid - rigid[:, :1]
    try:
        root, _ = camera.fit_root_translation(rigid, keypoints, confidence)
    except PoseDataError:  # no frame has two confident joints: the image cannot place it
        pass
    return rigid + np.asarray(root, np.float64)[:, None]


def fit_to_image(
    joints: np.ndarray, root: np.ndarray, keypoints: np.ndarray, confidence: np.ndarray,
    camera: PinholeCamera, fps: float, settings: ImageFitSettings = ImageFitSettings(),
    spread: Optional[np.ndarray] = None,
) -> tuple[np.ndarray, np.ndarray]:
    """joints [T,17,3] root-relative + root [T,3] (camera frame, metres), keypoints [T,17,2]
    pixels, confidence [T,17] -> (joints [T,17,3] root-relative, root [T,3]) fitted.
    spread [16]: bone_spread of the lifter's answers, for per-bone tolerances (None: one for all)."""
    joints = np.asarray(joints, dtype=np.float64)
    t_len = joints.shape[0]
    if joints.shape != (t_len, 17, 3) or np.shape(root) != (t_len, 3) or np.shape(keypoints) != (t_len, 17, 2) \
            or np.shape(confidence) != (t_len, 17):
        raise PoseDataError(
            f"fit_to_image needs joints [T,17,3], root [T,3], keypoints [T,17,2], confidence [T,17]; got "
            f"{list(np.shape(joints))}, {list(np.shape(root))}, {list(np.shape(keypoints))}, {list(np.shape(confidence))}")
    root = np.asarray(root, dtype=np.float64)
    lifted = joints + root[:, None]
    energy = ImageFitEnergy(lifted, keypoints, confidence, camera, fps, settings, spread)
    start = rigid_starting_point(joints, root, energy.lengths, keypoints, confidence, camera) \
        if settings.rigid_start else lifted
    x = energy.pack(start)
    precondition = energy.preconditioner(x) if settings.precondition else None
    fitted = energy.unpack(minimize_lbfgs(energy, x, settings.iterations, precondition=precondition))
    # A diverged solve, or one that put joints behind the camera (the depth bound is only held
    # in the reprojection term; it happens with nonsense lifts, e.g. untrained weights): keep
    # the lifter's answer, never NaN or a body behind the camera.
    if not np.isfinite(fitted).all() or (fitted[..., 2] < MIN_FIT_DEPTH).any():
        return joints, root
    new_root = fitted[:, 0].copy()
    return fitted - new_root[:, None], new_root
