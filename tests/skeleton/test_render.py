import numpy as np
import pytest

from finephys.skeleton import h36m
from finephys.skeleton.errors import PoseDataError
from finephys.skeleton.render import OPENPOSE18_COLOURS, render_sequence
from finephys.skeleton.sequence import Pose2DSequence


def _seq(standing_pose, t=2, size=(256, 256)):
    kp = standing_pose[None, :, [0, 2]].repeat(t, axis=0) * np.array([80, -80]) + np.array([128, 220])
    return Pose2DSequence(kp, np.ones((t, 17)), size)


def test_renders_openpose_colours_on_black(standing_pose):
    out = render_sequence(_seq(standing_pose))
    assert out.shape == (2, 256, 256, 3) and out.dtype == np.float32
    assert out.min() >= 0 and out.max() <= 1
    assert (out[0, 0, 0] == 0).all()  # background stays black
    # the right-shoulder joint dot (OpenPose index 2) has its OpenPose colour
    x, y = _seq(standing_pose).keypoints[0, h36m.R_SHOULDER].round().astype(int)
    np.testing.assert_allclose(out[0, y, x] * 255, OPENPOSE18_COLOURS[2], atol=2)


def test_missing_joints_are_not_drawn(standing_pose):
    seq = _seq(standing_pose, t=1)
    conf = seq.confidence.copy()
    conf[0, h36m.L_WRIST] = 0.1
    dim = Pose2DSequence(seq.keypoints, conf, seq.image_size)
    full = render_sequence(seq)
    part = render_sequence(dim, threshold=0.3)
    x, y = seq.keypoints[0, h36m.L_WRIST].round().astype(int)
    assert full[0, y, x].sum() > 0 and part[0, y, x].sum() == 0


def test_overlay_and_resize(standing_pose):
    seq = _seq(standing_pose, t=2)
    bg = np.full((1, 128, 128, 3), 0.5, np.float32)
    out = render_sequence(seq, 128, 128, background=bg)
    assert out.shape == (2, 128, 128, 3)
    assert np.isclose(out[0, 0, 0], 0.5, atol=1 / 255).all()  # background kept
    with pytest.raises(PoseDataError, match="background has 3 frames"):
        render_sequence(seq, 128, 128, background=np.zeros((3, 128, 128, 3)))
    with pytest.raises(PoseDataError, match="output size must be positive"):
        render_sequence(seq, 0, 10)


def test_progress_callback_per_frame(standing_pose):
    seen = []
    render_sequence(_seq(standing_pose, t=3), on_frame=seen.append)
    assert seen == [0, 1, 2]
