import numpy as np
import pytest

from finephys.skeleton import h36m
from finephys.skeleton.convert import FORMATS, h36m_to_openpose18, to_h36m
from finephys.skeleton.errors import PoseDataError


def _coco_pose() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.uniform(0, 500, size=(3, 17, 2)).astype(np.float32)


def test_coco17_mapping_follows_mmpose():
    coco = _coco_pose()
    out, conf = to_h36m(coco, np.ones((3, 17)), "coco17")
    assert out.shape == (3, 17, 2) and conf.shape == (3, 17)
    np.testing.assert_allclose(out[:, 0], (coco[:, 11] + coco[:, 12]) / 2, rtol=1e-6)
    thorax = (coco[:, 5] + coco[:, 6]) / 2
    np.testing.assert_allclose(out[:, 8], thorax, rtol=1e-6)
    np.testing.assert_allclose(out[:, 7], (out[:, 0] + thorax) / 2, rtol=1e-5)
    np.testing.assert_allclose(out[:, 9], coco[:, 0])
    np.testing.assert_allclose(out[:, 10], (coco[:, 1] + coco[:, 2]) / 2, rtol=1e-6)
    h36m_idx = [1, 2, 3, 4, 5, 6, 11, 12, 13, 14, 15, 16]
    coco_idx = [12, 14, 16, 11, 13, 15, 5, 7, 9, 6, 8, 10]
    np.testing.assert_allclose(out[:, h36m_idx], coco[:, coco_idx])


def test_blazepose_mapping_uses_left_first_pairs():
    rng = np.random.default_rng(1)
    bp = rng.uniform(0, 100, size=(2, 33, 3)).astype(np.float32)
    out, _ = to_h36m(bp, np.ones((2, 33)), "blazepose33")
    assert out.shape == (2, 17, 3)
    np.testing.assert_allclose(out[:, h36m.R_ANKLE], bp[:, 28])
    np.testing.assert_allclose(out[:, h36m.L_WRIST], bp[:, 15])
    np.testing.assert_allclose(out[:, h36m.HEAD], (bp[:, 2] + bp[:, 5]) / 2, rtol=1e-6)


def test_body25_and_openpose18_agree_on_shared_joints():
    rng = np.random.default_rng(2)
    body25 = rng.uniform(0, 100, size=(1, 25, 2)).astype(np.float32)
    # OpenPose-18 is BODY_25 without mid-hip (8) and the feet (19-24)
    op18 = body25[:, [0, 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]]
    a, _ = to_h36m(body25, np.ones((1, 25)), "body25")
    b, _ = to_h36m(op18, np.ones((1, 18)), "openpose18")
    np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(b[0, h36m.THORAX], op18[0, 1])  # OpenPose's neck is the thorax


def test_derived_joint_takes_min_confidence_and_skips_missing_sources():
    coco = _coco_pose()
    conf = np.ones((3, 17), np.float32)
    conf[0, 11] = 0.0  # left hip missing in frame 0
    conf[1, 12] = 0.4
    out, c = to_h36m(coco, conf, "coco17")
    assert c[0, h36m.PELVIS] == 0.0 and c[0, h36m.L_HIP] == 0.0
    assert np.isclose(c[1, h36m.PELVIS], 0.4)
    # the placeholder position comes from the joint that is present, never NaN
    np.testing.assert_allclose(out[0, h36m.PELVIS], coco[0, 12])
    assert np.isfinite(out).all()


def test_nan_input_becomes_missing_not_nan():
    coco = _coco_pose()
    coco[2, 9] = np.nan  # left wrist
    out, c = to_h36m(coco, np.ones((3, 17)), "coco17")
    assert np.isfinite(out).all()
    assert c[2, h36m.L_WRIST] == 0.0 and c[2, h36m.R_WRIST] == 1.0


def test_round_trip_through_openpose18_keeps_every_joint(standing_pose):
    pose2d = standing_pose[None, :, [0, 2]] * 100 + 300
    conf = np.ones((1, 17))
    op, opc = h36m_to_openpose18(pose2d, conf)
    assert op.shape == (1, 18, 2)
    assert (opc[0, 16:] == 0).all()  # ears are unknown
    back, back_conf = to_h36m(op, opc, "openpose18")
    assert (back_conf == 1).all()
    # the spine is re-derived as mid(pelvis, thorax); everything else comes back exactly
    keep = [j for j in range(17) if j != h36m.SPINE]
    np.testing.assert_allclose(back[0, keep], pose2d[0, keep], atol=1e-4)
    mid = (pose2d[0, h36m.PELVIS] + pose2d[0, h36m.THORAX]) / 2
    np.testing.assert_allclose(back[0, h36m.SPINE], mid, atol=1e-4)


@pytest.mark.parametrize("shape, fmt", [((2, 18, 2), "coco17"), ((2, 17), "coco17"), ((2, 33, 4), "blazepose33")])
def test_wrong_shapes_are_rejected(shape, fmt):
    with pytest.raises(PoseDataError, match=r"\[T,"):
        to_h36m(np.zeros(shape), np.ones(shape[:2]), fmt)


def test_unknown_format_is_named():
    with pytest.raises(PoseDataError, match="unknown keypoint layout 'mpii'"):
        to_h36m(np.zeros((1, 16, 2)), np.ones((1, 16)), "mpii")
    assert set(FORMATS) >= {"coco17", "blazepose33", "openpose18", "body25"}
