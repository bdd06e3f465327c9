import numpy as np
import pytest

from finephys.motion.cameras import (
    MIN_CAMERA_HEIGHT, CameraRanges, focal_from_hfov, joints_in_frame, look_at_camera,
    orbit_camera, project_clip, sample_camera, sample_camera_for_clip,
)
from finephys.motion.clip import MotionClip
from finephys.skeleton.errors import PoseDataError
from finephys.skeleton.h36m import HEAD, L_ANKLE, PELVIS


def _clip(pose, frames=20, step=(0.05, 0.0, 0.0), name="walk"):
    t = np.arange(frames)[:, None, None]
    joints = pose[None] + t * np.asarray(step)[None, None, :]
    return MotionClip(joints=joints, fps=25.0, contacts=np.ones((frames, 2), bool), name=name)


def _assert_rotation(rot):
    np.testing.assert_allclose(rot @ rot.T, np.eye(3), atol=1e-12)
    assert np.linalg.det(rot) == pytest.approx(1.0)


def test_look_at_puts_the_target_at_the_principal_point_and_depth():
    position, target = np.array([3.0, -4.0, 2.0]), np.array([0.5, 1.0, 1.0])
    cam = look_at_camera(position, target, 640, 480, 500.0)
    _assert_rotation(cam.rotation)
    assert (cam.fx, cam.fy, cam.cx, cam.cy) == (500.0, 500.0, 320.0, 240.0)
    p_cam = cam.world_to_camera(target)
    np.testing.assert_allclose(p_cam, [0, 0, np.linalg.norm(target - position)], atol=1e-12)
    np.testing.assert_allclose(cam.world_to_camera(position), 0, atol=1e-12)
    uv, ok = cam.project_world(target[None])
    np.testing.assert_allclose(uv[0], [320, 240], atol=1e-9)
    assert ok.all()


def test_look_at_is_level_and_world_up_points_up_in_the_image():
    cam = look_at_camera((4.0, 0.0, 1.5), (0.0, 0.0, 1.0), 640, 480, 500.0)
    # image x axis (first row) is horizontal: no world z component
    assert cam.rotation[0, 2] == pytest.approx(0.0, abs=1e-12)
    uv, _ = cam.project_world(np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 2.0]]))
    assert uv[1, 1] < uv[0, 1] - 50  # higher in the world -> smaller v (higher in the image)
    assert uv[1, 0] == pytest.approx(uv[0, 0])


def test_look_at_right_handed_image_x():
    # Camera on +x looking toward -x: the world +y side is on the viewer's right.
    cam = look_at_camera((5.0, 0.0, 1.0), (0.0, 0.0, 1.0), 100, 100, 100.0)
    np.testing.assert_allclose(cam.rotation, [[0, 1, 0], [0, 0, -1], [-1, 0, 0]], atol=1e-12)
    uv, _ = cam.project_world(np.array([[0.0, 1.0, 1.0]]))
    assert uv[0, 0] > 50


@pytest.mark.parametrize("position", [(0.0, 0.0, 10.0), (0.0, 0.0, -10.0)])
def test_look_at_straight_down_or_up_is_finite(position):
    cam = look_at_camera(position, (0.0, 0.0, 0.0), 640, 480, 500.0)
    assert np.isfinite(cam.rotation).all()
    _assert_rotation(cam.rotation)
    uv, ok = cam.project_world(np.zeros((1, 3)))
    np.testing.assert_allclose(uv[0], [320, 240], atol=1e-9)
    assert ok.all()


def test_look_at_rejects_a_degenerate_view():
    with pytest.raises(PoseDataError):
        look_at_camera((1.0, 1.0, 1.0), (1.0, 1.0, 1.0), 640, 480, 500.0)
    with pytest.raises(PoseDataError):
        look_at_camera((1.0, 1.0, np.nan), (0.0, 0.0, 0.0), 640, 480, 500.0)


def test_orbit_geometry_by_hand():
    target = np.array([1.0, 2.0, 1.0])
    cam = orbit_camera(target, 4.0, 0.0, 0.0, 640, 480, 500.0)
    centre = -cam.rotation.T @ cam.translation  # camera position in the world
    np.testing.assert_allclose(centre, [5.0, 2.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(cam.rotation[2], [-1, 0, 0], atol=1e-12)  # looks toward -x

    cam = orbit_camera(target, 4.0, 90.0, 30.0, 640, 480, 500.0)
    centre = -cam.rotation.T @ cam.translation
    np.testing.assert_allclose(centre, target + 4.0 * np.array([0, np.cos(np.pi / 6), 0.5]),
                               atol=1e-12)
    # looking down by 30 degrees toward -y
    np.testing.assert_allclose(cam.rotation[2], [0, -np.cos(np.pi / 6), -0.5], atol=1e-12)
    np.testing.assert_allclose(cam.world_to_camera(target), [0, 0, 4.0], atol=1e-12)
    with pytest.raises(PoseDataError):
        orbit_camera(target, 0.0, 0.0, 0.0, 640, 480, 500.0)


def test_focal_from_field_of_view():
    assert focal_from_hfov(1000, 90.0) == pytest.approx(500.0)
    with pytest.raises(PoseDataError):
        focal_from_hfov(1000, 180.0)


def test_camera_ranges_validate():
    with pytest.raises(PoseDataError):
        CameraRanges(distance=(5.0, 2.0))
    with pytest.raises(PoseDataError):
        CameraRanges(image_sizes=((0, 10),))


def test_sample_camera_respects_ranges_and_is_deterministic():
    ranges = CameraRanges()
    for seed in range(30):
        cam = sample_camera(np.random.default_rng(seed), ranges, centre_xy=(2.0, -1.0))
        again = sample_camera(np.random.default_rng(seed), ranges, centre_xy=(2.0, -1.0))
        np.testing.assert_array_equal(cam.rotation, again.rotation)
        np.testing.assert_array_equal(cam.translation, again.translation)
        assert (cam.width, cam.height) in ranges.image_sizes
        hfov = np.degrees(2 * np.arctan(cam.width / 2 / cam.fx))
        assert ranges.hfov[0] - 1e-9 <= hfov <= ranges.hfov[1] + 1e-9
        centre = -cam.rotation.T @ cam.translation
        # the optical axis passes through the aim point above (2, -1)
        aim_dir = cam.rotation[2]
        axis = 0 if abs(aim_dir[0]) > 1e-6 else 1
        s = ((2.0, -1.0)[axis] - centre[axis]) / aim_dir[axis]
        aim = centre + s * aim_dir
        np.testing.assert_allclose(aim[:2], [2.0, -1.0], atol=1e-9)
        assert ranges.target_height[0] - 1e-9 <= aim[2] <= ranges.target_height[1] + 1e-9
        assert ranges.distance[0] - 1e-9 <= s <= ranges.distance[1] + 1e-9
        assert centre[2] >= MIN_CAMERA_HEIGHT - 1e-12
    a = sample_camera(np.random.default_rng(1))
    b = sample_camera(np.random.default_rng(2))
    assert not np.allclose(a.translation, b.translation)


def test_sample_camera_for_clip_keeps_every_joint_in_view(standing_pose):
    clip = _clip(standing_pose, frames=40, step=(0.1, 0.05, 0.0))  # walks 4 m
    ranges = CameraRanges(distance=(1.0, 2.0))  # too close on purpose: must back off
    for seed in range(10):
        cam = sample_camera_for_clip(np.random.default_rng(seed), clip, ranges, margin=0.05)
        assert joints_in_frame(cam, clip.joints, margin=0.05).all()
        uv, ok = cam.project_world(clip.joints)
        assert ok.all()
        assert (uv[..., 0] >= 0.05 * cam.width).all() and (uv[..., 0] <= 0.95 * cam.width).all()
        assert (uv[..., 1] >= 0.05 * cam.height).all() and (uv[..., 1] <= 0.95 * cam.height).all()
        again = sample_camera_for_clip(np.random.default_rng(seed), clip, ranges, margin=0.05)
        np.testing.assert_array_equal(cam.translation, again.translation)
        # aimed at the mean pelvis xy
        centre = -cam.rotation.T @ cam.translation
        direction = cam.rotation[2]
        mean_xy = clip.joints[:, PELVIS, :2].mean(axis=0)
        horiz = np.array([direction[0], direction[1]])
        s = np.dot(mean_xy - centre[:2], horiz) / np.dot(horiz, horiz)
        np.testing.assert_allclose(centre[:2] + s * horiz, mean_xy, atol=1e-9)
    with pytest.raises(PoseDataError):
        sample_camera_for_clip(np.random.default_rng(0), clip, ranges, margin=0.5)


def test_project_clip_confidence_marks_visible_joints(standing_pose):
    clip = _clip(standing_pose, frames=5, step=(0.0, 0.0, 0.0), name="stand")
    cam = orbit_camera((0.0, 0.0, 1.0), 4.0, -90.0, 0.0, 640, 480, 500.0)  # on -y, facing +y
    pose = project_clip(clip, cam)
    assert pose.keypoints.shape == (5, 17, 2) and pose.image_size == (640, 480)
    assert pose.fps == 25.0 and pose.source == "stand"
    assert (pose.confidence == 1.0).all()
    uv, _ = cam.project_world(clip.joints)
    np.testing.assert_allclose(pose.keypoints, uv, atol=1e-3)
    assert pose.keypoints[0, HEAD, 1] < pose.keypoints[0, L_ANKLE, 1]  # head above the feet
    # Facing the person from the front (-y side): the person's left (+x) is on image right.
    assert pose.keypoints[0, L_ANKLE, 0] > pose.keypoints[0, PELVIS, 0]

    # Camera 0.5 m from the pelvis at hip height: feet and head leave the image; a joint
    # behind the camera is never visible, and every keypoint stays finite.
    near = look_at_camera((0.0, -0.5, 1.0), (0.0, 1.0, 1.0), 640, 480, 500.0)
    pose = project_clip(clip, near)
    assert pose.confidence[0, PELVIS] == 1.0 and pose.confidence[0, HEAD] == 0.0
    behind = look_at_camera((0.0, 0.5, 1.0), (0.0, 2.0, 1.0), 640, 480, 500.0)
    pose = project_clip(clip, behind)
    assert (pose.confidence == 0).all() and np.isfinite(pose.keypoints).all()
