import numpy as np
import pytest

from finephys.skeleton.render3d import render_3d_views
from finephys.skeleton.sequence import Pose3DSequence


def test_three_views_per_frame(standing_pose):
    joints = np.stack([standing_pose - standing_pose[0]] * 3)
    pose = Pose3DSequence(joints=joints, fps=30)
    images = render_3d_views(pose, panel=96)
    assert images.shape == (3, 96, 288, 3) and images.dtype == np.float32
    for k in range(3):  # every panel has a drawn skeleton
        assert (images[0, :, k * 96:(k + 1) * 96].max(axis=-1) > 0.5).sum() > 50
    with pytest.raises(ValueError, match="front"):
        render_3d_views(pose, views=("back",))
