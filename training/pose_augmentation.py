"""New poses from recorded ones: limbs and torso turned at their joints, bone lengths kept.

The lifter's remaining error on moves it never saw is mostly arms and legs turned the wrong
way in depth (BENCHMARKS.md, ICL Lift 3D): eleven recorded clips show few arm and leg poses.
Turning whole limbs at the shoulder and hip, bending elbows and knees further or less on their
own hinge, and bending or twisting the torso at the spine gives the lifter poses it has not
seen, in the spirit of PoseAug (Gong et al., CVPR 2021), while keeping what a body can do:
bone lengths exactly, and elbows and knees bending only the way they bend (a knee bent
backwards has the same 2D as one bent forwards, the very ambiguity the lifter must learn to
resolve, so it must never see one).

Every angle varies slowly in time (a constant plus a sine of period 0.6-3 s), so an augmented
clip still moves like a body. Shapes: joints [T,17,3] world metres (z up).
"""
from __future__ import annotations

import numpy as np

from ..motion.bvh import body_frame
from ..motion.clip import MotionClip
from ..skeleton.h36m import (L_ANKLE, L_ELBOW, L_HIP, L_KNEE, L_SHOULDER, L_WRIST, PELVIS, R_ANKLE, R_ELBOW,
                             R_HIP, R_KNEE, R_SHOULDER, R_WRIST, SPINE)

# (root joint, the joints it moves) for each limb turned as a whole
ARMS = ((L_SHOULDER, (L_ELBOW, L_WRIST)), (R_SHOULDER, (R_ELBOW, R_WRIST)))
LEGS = ((L_HIP, (L_KNEE, L_ANKLE)), (R_HIP, (R_KNEE, R_ANKLE)))
# (upper joint, hinge joint, end joint): elbows and knees
HINGES = ((L_SHOULDER, L_ELBOW, L_WRIST), (R_SHOULDER, R_ELBOW, R_WRIST),
          (L_HIP, L_KNEE, L_ANKLE), (R_HIP, R_KNEE, R_ANKLE))
UPPER_BODY = tuple(range(SPINE + 1, 17))  # everything the spine carries

ARM_TURN = np.radians(70.0)  # largest constant part of an arm's turn about the shoulder
LEG_FLEXION = np.radians(45.0)  # hip flexion / extension
LEG_ABDUCTION = np.radians(25.0)  # hip abduction / adduction
HINGE_CHANGE = np.radians(50.0)  # elbow or knee bend, added or taken away
HINGE_RANGE = (np.radians(2.0), np.radians(150.0))  # bend angle kept inside this
TORSO_BEND = np.radians(25.0)  # forwards, backwards or sideways at the spine
TORSO_TWIST = np.radians(35.0)
WOBBLE = 0.5  # the time-varying part, as a share of the constant part's range


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def rotate_about(points: np.ndarray, centre: np.ndarray, axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rodrigues: points [T,K,3] turned about the line through centre [T,3] along axis [T,3]
    (unit) by angle [T] radians."""
    p = points - centre[:, None]
    k = axis[:, None]
    cos, sin = np.cos(angle)[:, None, None], np.sin(angle)[:, None, None]
    dot = (p * k).sum(-1, keepdims=True)
    return centre[:, None] + p * cos + np.cross(k, p) * sin + k * dot * (1.0 - cos)


def body_axes(joints: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per frame unit axes of the pelvis: lateral (right hip -> left hip), up (pelvis -> spine,
    made orthogonal) and forward (lateral x up: the way the pelvis faces). [T,17,3] -> three
    [T,3]; the body frame the BVH retargeting uses (motion/bvh.py)."""
    frame = body_frame(joints[:, L_HIP], joints[:, R_HIP], joints[:, SPINE] - joints[:, PELVIS])
    return frame[..., 0], frame[..., 1], frame[..., 2]


def _angle_curve(rng: np.random.Generator, times: np.ndarray, limit: float) -> np.ndarray:
    """A slowly varying angle [T]: uniform constant in +-limit plus a sine of amplitude up to
    WOBBLE*limit and period 0.6-3 s."""
    amplitude = rng.uniform(0.0, WOBBLE * limit)
    period = rng.uniform(0.6, 3.0)
    return rng.uniform(-limit, limit) + amplitude * np.sin(2 * np.pi * times / period + rng.uniform(0, 2 * np.pi))


def _bend_hinge(joints: np.ndarray, upper: int, hinge: int, end: int, change: np.ndarray,
                fallback_axis: np.ndarray) -> None:
    """Change the bend at `hinge` by `change` [T] radians about its own hinge axis, kept inside
    HINGE_RANGE (in place). A straight limb has no hinge axis of its own; it bends about
    fallback_axis [T,3] then."""
    a = joints[:, hinge] - joints[:, upper]
    b = joints[:, end] - joints[:, hinge]
    normal = np.cross(a, b)
    straight = np.linalg.norm(normal, axis=-1) < 1e-6 * np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1)
    axis = np.where(straight[:, None], fallback_axis, _unit(normal))
    bend = np.arccos(np.clip((_unit(a) * _unit(b)).sum(-1), -1.0, 1.0))
    turn = np.clip(bend + change, *HINGE_RANGE) - bend  # > 0 for a straight limb: it only bends
    joints[:, end] = rotate_about(joints[:, end][:, None], joints[:, hinge], axis, turn)[:, 0]


def augment_joints(joints: np.ndarray, fps: float, rng: np.random.Generator) -> np.ndarray:
    """A new pose sequence from joints [T,17,3]: every elbow and knee bent more or less, every
    arm and leg turned at its shoulder or hip, the upper body bent and twisted at the spine,
    each by its own slowly varying angle. Bone lengths are exactly those of the input."""
    out = np.array(joints, dtype=np.float64, copy=True)
    times = np.arange(len(out)) / float(fps)
    lateral, up, forward = body_axes(out)
    for upper, hinge, end in HINGES:
        # Elbows bend towards the front of the body, knees towards the back: for a straight
        # limb, turning about +lateral or -lateral picks that side.
        fallback = -lateral if hinge in (L_ELBOW, R_ELBOW) else lateral
        _bend_hinge(out, upper, hinge, end, _angle_curve(rng, times, HINGE_CHANGE), fallback)
    for root, moved in ARMS:
        axis = _unit(rng.normal(size=3))  # in the body's frame, so the turn moves with it
        world = axis[0] * lateral + axis[1] * up + axis[2] * forward
        out[:, moved] = rotate_about(out[:, moved], out[:, root], world, _angle_curve(rng, times, ARM_TURN))
    for root, moved in LEGS:
        # flexion about the lateral axis, then abduction about the forward axis; never a twist
        # about the thigh, which would turn the knee's hinge sideways
        out[:, moved] = rotate_about(out[:, moved], out[:, root], lateral, _angle_curve(rng, times, LEG_FLEXION))
        out[:, moved] = rotate_about(out[:, moved], out[:, root], forward, _angle_curve(rng, times, LEG_ABDUCTION))
    spine = out[:, SPINE]
    out[:, UPPER_BODY] = rotate_about(out[:, UPPER_BODY], spine, lateral, _angle_curve(rng, times, TORSO_BEND))
    out[:, UPPER_BODY] = rotate_about(out[:, UPPER_BODY], spine, forward, _angle_curve(rng, times, TORSO_BEND))
    out[:, UPPER_BODY] = rotate_about(out[:, UPPER_BODY], spine, up, _angle_curve(rng, times, TORSO_TWIST))
    return out


def augment_clip(clip: MotionClip, rng: np.random.Generator, index: int = 0) -> MotionClip:
    """augment_joints on a clip, lifted so that no joint is below the floor. The contact
    labels are the input's (the lifter does not use them); same family, name '<name>/aug<i>'."""
    joints = augment_joints(clip.joints, clip.fps, rng)
    joints[..., 2] -= min(0.0, float(joints[..., 2].min()))
    return MotionClip(joints=joints, fps=clip.fps, contacts=clip.contacts, other_contact=clip.other_contact,
                      name=f"{clip.name}/aug{index}", source=f"pose augmentation of {clip.source or clip.name}",
                      family=clip.family)


def augmented_copies(clips, copies: int, seed: int) -> list[MotionClip]:
    """`copies` augmented versions of every clip, seeded."""
    rng = np.random.default_rng(seed)
    return [augment_clip(c, rng, i) for c in clips for i in range(copies)]
