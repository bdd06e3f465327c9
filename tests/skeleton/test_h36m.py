import numpy as np

from finephys.skeleton import h36m


def test_definition_is_consistent():
    assert len(h36m.JOINT_NAMES) == len(h36m.PARENTS) == h36m.NUM_JOINTS == 17
    assert h36m.PARENTS[0] == -1
    # every parent precedes its child, so one forward pass over joints is a valid FK order
    assert all(0 <= p < c for c, p in enumerate(h36m.PARENTS) if c > 0)
    assert len(h36m.BONES) == 16
    assert set(h36m.LEFT_JOINTS).isdisjoint(h36m.RIGHT_JOINTS)
    for left, right in zip(h36m.LEFT_JOINTS, h36m.RIGHT_JOINTS):
        assert h36m.JOINT_NAMES[left].replace("left", "right") == h36m.JOINT_NAMES[right]


def test_flip_permutation_is_an_involution_swapping_sides():
    perm = h36m.flip_permutation()
    assert (perm[perm] == np.arange(17)).all()
    assert perm[h36m.L_WRIST] == h36m.R_WRIST and perm[h36m.PELVIS] == h36m.PELVIS


def test_symmetric_bones_pair_left_with_right(standing_pose):
    lengths = h36m.bone_lengths(standing_pose)
    for left, right in h36m.SYMMETRIC_BONES:
        assert np.isclose(lengths[left], lengths[right])
    assert len(h36m.SYMMETRIC_BONES) == 6


def test_mirror_joints_negates_x_swaps_sides_and_is_its_own_inverse():
    rng = np.random.default_rng(0)
    joints = rng.normal(size=(4, 17, 3))
    mirrored = h36m.mirror_joints(joints)
    np.testing.assert_array_equal(mirrored[:, h36m.R_WRIST, 0], -joints[:, h36m.L_WRIST, 0])
    np.testing.assert_array_equal(mirrored[:, h36m.R_WRIST, 1:], joints[:, h36m.L_WRIST, 1:])
    np.testing.assert_array_equal(mirrored[:, h36m.PELVIS, 0], -joints[:, h36m.PELVIS, 0])
    np.testing.assert_array_equal(h36m.mirror_joints(mirrored), joints)
    assert not np.shares_memory(mirrored, joints)
