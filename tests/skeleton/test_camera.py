import numpy as np
import pytest

from finephys.skeleton.camera import PinholeCamera
from finephys.skeleton.errors import PoseDataError


def _camera_frame_pose(standing_pose):
    # world z-up -> camera y-down, facing the camera: (x, y, z)_cam = (x, -z, y)
    rel = standing_pose - standing_pose[0]
    return np.stack([rel[:, 0], -rel[:, 2], rel[:, 1]], axis=1)


def test_intrinsics_from_image_size():
    cam = PinholeCamera.from_image_size(1920, 1080)
    assert cam.fx == cam.fy == 1920 and (cam.cx, cam.cy) == (960, 540)
    cam = PinholeCamera.from_image_size(640, 480, focal_length_px=500)
    np.testing.assert_allclose(cam.intrinsic_matrix, [[500, 0, 320], [0, 500, 240], [0, 0, 1]])
    with pytest.raises(PoseDataError):
        PinholeCamera.from_image_size(0, 480)


def test_projection_of_known_points():
    cam = PinholeCamera(1000, 1000, 500, 400, 1000, 800)
    uv, ok = cam.project(np.array([[0, 0, 5.0], [1, -0.5, 2.0], [0, 0, -1.0]]))
    np.testing.assert_allclose(uv[:2], [[500, 400], [1000, 150]])
    assert ok.tolist() == [True, True, False]
    assert np.isfinite(uv).all()


def test_extrinsics_map_world_to_camera():
    rot = np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]], float)  # z-up world to y-down camera
    cam = PinholeCamera(800, 800, 320, 240, 640, 480, rotation=rot, translation=np.array([0, 1.0, 4.0]))
    uv, _ = cam.project_world(np.array([[0, 0, 1.0]]))  # 1 m up, 4 m in front of the camera
    np.testing.assert_allclose(uv, [[320, 240]])


def test_root_fit_recovers_the_translation(standing_pose):
    cam = PinholeCamera.from_image_size(1280, 720, focal_length_px=1100)
    rel = _camera_frame_pose(standing_pose)
    t = 6
    truth = np.stack([np.linspace(-1, 1, t), np.linspace(0.2, -0.3, t), np.linspace(4, 7, t)], axis=1)
    joints = np.repeat(rel[None], t, axis=0)
    uv, _ = cam.project(joints + truth[:, None])
    conf = np.ones((t, 17))
    root, fitted = cam.fit_root_translation(joints, uv, conf)
    assert fitted.all()
    np.testing.assert_allclose(root, truth, atol=1e-4)


def test_root_fit_fills_frames_without_joints(standing_pose):
    cam = PinholeCamera.from_image_size(640, 480)
    rel = _camera_frame_pose(standing_pose)
    truth = np.stack([np.zeros(5), np.zeros(5), np.array([3.0, 3.5, 4.0, 4.5, 5.0])], axis=1)
    joints = np.repeat(rel[None], 5, axis=0)
    uv, _ = cam.project(joints + truth[:, None])
    conf = np.ones((5, 17))
    conf[2] = 0  # a missed frame
    root, fitted = cam.fit_root_translation(joints, uv, conf)
    assert fitted.tolist() == [True, True, False, True, True]
    np.testing.assert_allclose(root[2], truth[2], atol=1e-4)  # linear in between
    with pytest.raises(PoseDataError, match="cannot fit"):
        cam.fit_root_translation(joints, uv, np.zeros((5, 17)))
