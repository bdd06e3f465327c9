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


def test_trajectory_mode_shows_the_body_moving_and_its_pelvis_trail(standing_pose):
    joints = np.stack([standing_pose - standing_pose[0]] * 5)
    root = np.zeros((5, 3))
    root[:, 0] = np.linspace(-1.0, 1.0, 5)  # walks 2 m to the right (camera x)
    pose = Pose3DSequence(joints=joints, fps=30, root=root)

    def centre_x(image):
        cols = np.nonzero(image[:, :96].max(axis=(0, 2)) > 0.5)[0]
        return cols.mean()

    still = render_3d_views(pose, panel=96)
    moving = render_3d_views(pose, panel=96, trajectory=True)
    assert abs(centre_x(still[0]) - centre_x(still[4])) < 1  # pelvis-centred: no motion
    assert centre_x(moving[4]) - centre_x(moving[0]) > 30  # world view: it moves right
    grey = (np.abs(moving[4] - 90 / 255) < 0.02).all(axis=-1).sum()
    assert grey > 10  # the trail
