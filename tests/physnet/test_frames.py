import numpy as np
import pytest

from finephys.motion.cameras import orbit_camera
from finephys.physnet.frames import GravityFrame, camera_rotation_for_elevation


@pytest.mark.parametrize("azimuth,elevation", [(0, 0), (90, 10), (225, 30), (40, -15)])
def test_gravity_frame_recovers_world_up_from_the_elevation(azimuth, elevation):
    rng = np.random.default_rng(1)
    world = rng.normal(0, 1, (20, 17, 3)) + np.array([0, 0, 2.0])
    world[..., 2] = np.abs(world[..., 2])
    camera = orbit_camera([0, 0, 1], 8.0, azimuth, elevation, 640, 480, 640.0)
    cam = camera.world_to_camera(world)
    frame = GravityFrame.for_elevation(cam, elevation)
    g = frame.to_gravity(cam)
    # heights differ only by the floor offset; horizontal distances are kept
    assert np.allclose(g[..., 2] - world[..., 2], (g[..., 2] - world[..., 2]).mean(), atol=1e-9)
    assert np.allclose(np.linalg.norm(g[..., :2] - g[:1, :1, :2], axis=-1),
                       np.linalg.norm(world[..., :2] - world[:1, :1, :2], axis=-1), atol=1e-9)
    assert np.allclose(frame.to_camera(g), cam, atol=1e-9)


def test_floor_is_zero_and_elevation_is_checked(standing_pose):
    pose = np.repeat(standing_pose[None], 10, 0)
    frame = GravityFrame.fit(pose, camera_rotation_for_elevation(0))
    g = frame.to_gravity(pose)
    assert abs(np.percentile(g[..., 2].min(-1), 5)) < 1e-9
    with pytest.raises(ValueError, match="elevation"):
        camera_rotation_for_elevation(95)
