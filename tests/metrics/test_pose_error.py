import numpy as np
import pytest
from fp_testing import rotation_z

from finephys.metrics import acceleration_error, mpjpe, mpjve, n_mpjpe, p_mpjpe, procrustes_align


def _motion(standing_pose, t=8):
    rng = np.random.default_rng(0)
    return standing_pose[None] + rng.normal(0, 0.05, (t, 17, 3))


def test_identical_sequences_score_zero(standing_pose):
    gt = _motion(standing_pose)
    for metric in (mpjpe, p_mpjpe, n_mpjpe, mpjve, acceleration_error):
        assert metric(gt, gt) == pytest.approx(0.0, abs=1e-12)


def test_mpjpe_by_hand(standing_pose):
    gt = _motion(standing_pose, t=3)
    pred = gt.copy()
    pred[:, 5] += [0.03, 0.04, 0.0]  # one joint off by 5 cm
    assert mpjpe(pred, gt) == pytest.approx(0.05 / 17)
    # a global offset disappears after root alignment but not without it
    assert mpjpe(gt + 1.0, gt) == pytest.approx(0.0, abs=1e-12)
    assert mpjpe(gt + [0.3, 0.4, 0.0], gt, root=None) == pytest.approx(0.5)


def test_rigid_similarity_motion_has_zero_p_mpjpe(standing_pose):
    gt = _motion(standing_pose)
    pred = 1.7 * gt @ rotation_z(0.8).T + np.array([3.0, -2.0, 0.5])
    assert mpjpe(pred, gt) > 0.1
    assert p_mpjpe(pred, gt) == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(procrustes_align(pred, gt), gt, atol=1e-9)


def test_p_mpjpe_does_not_undo_a_reflection(standing_pose):
    gt = _motion(standing_pose)
    mirrored = gt * np.array([-1.0, 1.0, 1.0])
    assert p_mpjpe(mirrored, gt) > 0.01


def test_n_mpjpe_removes_scale_only(standing_pose):
    gt = _motion(standing_pose)
    assert n_mpjpe(2.5 * gt, gt) == pytest.approx(0.0, abs=1e-9)
    assert n_mpjpe(gt @ rotation_z(0.5).T, gt) > 0.01


def test_velocity_and_acceleration_by_hand(standing_pose):
    t = 6
    gt = np.repeat(standing_pose[None], t, axis=0)
    pred = gt.copy()
    pred[:, 3, 0] += 0.01 * np.arange(t)  # R ankle drifts 1 cm per frame: constant velocity
    assert mpjve(pred, gt) == pytest.approx(0.01 / 17)
    assert acceleration_error(pred, gt) == pytest.approx(0.0, abs=1e-12)
    pred[:, 3, 0] += 0.5 * 0.002 * np.arange(t) ** 2  # plus a constant 2 mm/frame^2
    assert acceleration_error(pred, gt) == pytest.approx(0.002 / 17)
    assert acceleration_error(pred, gt, fps=50) == pytest.approx(0.002 / 17 * 2500)


def test_shape_mismatch_and_short_sequences(standing_pose):
    gt = _motion(standing_pose, t=2)
    with pytest.raises(ValueError, match="pred and gt"):
        mpjpe(gt[:1], gt)
    with pytest.raises(ValueError, match="at least 3 frames"):
        acceleration_error(gt, gt)
