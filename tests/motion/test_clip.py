import numpy as np
import pytest

from finephys.motion.synthetic import generate_clip
from finephys.skeleton.errors import PoseDataError


def test_resampled_keeps_the_motion_and_its_duration():
    clip = generate_clip("back_salto", 3)  # 30 frames/s
    half = clip.resampled(15.0)
    assert half.fps == 15.0 and half.num_frames == (clip.num_frames - 1) // 2 + 1
    np.testing.assert_allclose(half.joints, clip.joints[::2][:half.num_frames], atol=1e-9)  # frames on old frames
    np.testing.assert_array_equal(half.contacts, clip.contacts[::2][:half.num_frames])
    double = clip.resampled(60.0)
    assert double.num_frames == 2 * (clip.num_frames - 1) + 1
    np.testing.assert_allclose(double.joints[1::2], 0.5 * (clip.joints[:-1] + clip.joints[1:]), atol=1e-9)
    assert abs(double.duration - clip.duration) < 1e-9
    # per-frame extras have no meaning between frames: dropped; scalar ones kept
    assert "phase" not in double.extras and double.extras["body"] == clip.extras["body"]
    assert clip.resampled(30.0).num_frames == clip.num_frames
    with pytest.raises(PoseDataError, match="resample"):
        clip.resampled(0.0)
