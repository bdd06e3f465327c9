"""Pose augmentation: new poses, the same bones, elbows and knees bending only their way."""
import numpy as np
import pytest

from finephys.motion.deepmimic import load_split
from finephys.skeleton.h36m import L_ANKLE, L_ELBOW, L_HIP, L_KNEE, L_SHOULDER, L_WRIST, bone_lengths
from finephys.training.pose_augmentation import (HINGE_RANGE, augment_clip, augment_joints, augmented_copies,
                                                 body_axes, rotate_about)


@pytest.fixture(scope="module")
def walk():
    return next(c for c in load_split("train") if c.name == "walk")


def _hinge(joints, upper, hinge, end):
    """Bend angle [T] and the hinge normal's component along the pelvis' lateral axis [T]."""
    a, b = joints[:, hinge] - joints[:, upper], joints[:, end] - joints[:, hinge]
    cos = (a * b).sum(-1) / np.linalg.norm(a, axis=-1) / np.linalg.norm(b, axis=-1)
    normal = np.cross(a, b)
    lateral = body_axes(joints)[0]
    return np.arccos(np.clip(cos, -1, 1)), (normal * lateral).sum(-1) / np.linalg.norm(normal, axis=-1)


def test_rotate_about_is_a_rotation_about_the_line():
    rng = np.random.default_rng(0)
    points, centre = rng.normal(size=(5, 3, 3)), rng.normal(size=(5, 3))
    axis = rng.normal(size=(5, 3))
    axis /= np.linalg.norm(axis, axis=-1, keepdims=True)
    turned = rotate_about(points, centre, axis, np.full(5, np.pi / 2))
    # distances to the centre and components along the axis are kept; four quarter turns are none
    assert np.allclose(np.linalg.norm(turned - centre[:, None], axis=-1), np.linalg.norm(points - centre[:, None], axis=-1))
    assert np.allclose(((turned - centre[:, None]) * axis[:, None]).sum(-1), ((points - centre[:, None]) * axis[:, None]).sum(-1))
    back = points
    for _ in range(4):
        back = rotate_about(back, centre, axis, np.full(5, np.pi / 2))
    assert np.allclose(back, points)
    assert not np.allclose(turned, points)


def test_augmented_poses_are_new_with_the_same_bones_and_hinges(walk):
    new = augment_joints(walk.joints, walk.fps, np.random.default_rng(3))
    assert np.abs(bone_lengths(new) - bone_lengths(walk.joints)).max() < 1e-9
    moved = np.linalg.norm(new - walk.joints, axis=-1).mean(axis=0)  # [17] metres
    assert moved[0] == 0.0 and moved[L_WRIST] > 0.05 and moved[L_KNEE] > 0.02  # pelvis stays; limbs move
    for upper, hinge, end in ((L_SHOULDER, L_ELBOW, L_WRIST), (L_HIP, L_KNEE, L_ANKLE)):
        bend, _ = _hinge(new, upper, hinge, end)
        assert (bend >= HINGE_RANGE[0] - 1e-6).all() and (bend <= HINGE_RANGE[1] + 1e-6).all()
    # knees turned only by flexion and abduction at the hip keep bending backwards: the hinge
    # normal stays on the same side of the pelvis' lateral axis as in the recording
    _, before = _hinge(walk.joints, L_HIP, L_KNEE, L_ANKLE)
    _, after = _hinge(new, L_HIP, L_KNEE, L_ANKLE)
    assert (np.sign(after) == np.sign(before)).mean() > 0.95
    # angles change slowly: frame-to-frame joint motion grows by little
    speed = lambda j: np.linalg.norm(np.diff(j, axis=0), axis=-1).mean()  # noqa: E731
    assert speed(new) < 2.0 * speed(walk.joints)


def test_augmented_clips_are_seeded_above_the_floor_and_named(walk):
    first = augmented_copies([walk], 2, seed=5)
    again = augmented_copies([walk], 2, seed=5)
    assert [c.name for c in first] == ["walk/aug0", "walk/aug1"] and first[0].family == walk.family
    assert np.array_equal(first[1].joints, again[1].joints) and not np.allclose(first[0].joints, first[1].joints)
    low = augment_clip(walk, np.random.default_rng(11))
    assert low.joints[..., 2].min() >= 0.0 and low.num_frames == walk.num_frames
