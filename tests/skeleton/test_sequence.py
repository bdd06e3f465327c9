import numpy as np
import pytest

from finephys.skeleton.errors import PoseDataError
from finephys.skeleton.sequence import Pose2DSequence, Pose3DSequence


def _seq2d(t=4, **kw):
    kp = np.random.default_rng(0).uniform(0, 100, (t, 17, 2))
    return Pose2DSequence(kp, np.ones((t, 17)), (640, 480), **kw)


def test_valid_2d_sequence_normalises_types():
    seq = _seq2d(fps=25)
    assert seq.keypoints.dtype == np.float32 and seq.num_frames == 4
    assert seq.interpolated.shape == (4, 17) and not seq.interpolated.any()
    assert (seq.width, seq.height) == (640, 480)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(keypoints=np.zeros((0, 17, 2)), confidence=np.zeros((0, 17))), "zero frames"),
        (dict(keypoints=np.zeros((3, 16, 2)), confidence=np.zeros((3, 16))), r"\[T,17,2\]"),
        (dict(confidence=np.ones((3, 17)) * 2), r"\[0,1\]"),
        (dict(image_size=(0, 480)), "image size must be positive"),
        (dict(fps=0.0), "fps must be positive"),
    ],
)
def test_bad_2d_input_says_what_is_wrong(kwargs, message):
    args = dict(keypoints=np.zeros((3, 17, 2)), confidence=np.ones((3, 17)), image_size=(640, 480))
    args.update(kwargs)
    with pytest.raises(PoseDataError, match=message):
        Pose2DSequence(**args)


def test_nan_is_reported_with_its_position():
    kp = np.zeros((3, 17, 2))
    kp[2, 5, 1] = np.nan
    with pytest.raises(PoseDataError, match=r"non-finite.*\(2, 5, 1\)"):
        Pose2DSequence(kp, np.ones((3, 17)), (10, 10))


def test_slice_and_scale():
    seq = _seq2d(t=10, fps=30)
    half = seq.slice(0, None, 2)
    assert half.num_frames == 5 and half.fps == 15
    big = seq.scaled_to(1280, 240)
    np.testing.assert_allclose(big.keypoints[..., 0], seq.keypoints[..., 0] * 2, rtol=1e-6)
    np.testing.assert_allclose(big.keypoints[..., 1], seq.keypoints[..., 1] / 2, rtol=1e-6)


def test_3d_sequence_global_joints_add_the_root(standing_pose):
    joints = np.repeat((standing_pose - standing_pose[0])[None], 5, axis=0)
    root = np.stack([np.zeros(5), np.zeros(5), np.linspace(3, 4, 5)], axis=1)
    seq = Pose3DSequence(joints, fps=50, root=root)
    assert seq.has_trajectory
    np.testing.assert_allclose(seq.global_joints()[:, 0], root, atol=1e-6)
    with pytest.raises(PoseDataError, match=r"root trajectory must have shape \[5,3\]"):
        Pose3DSequence(joints, root=root[:4])
    with pytest.raises(PoseDataError, match="non-finite"):
        Pose3DSequence(np.where(joints > 0, np.inf, joints))
