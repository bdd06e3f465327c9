"""PhysNet from files, re-estimation of a real held-out clip's lift, the report, fusing and
projecting (original camera and new views), and clear errors for bad input."""
import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from finephys.evaluation.protocol import BENCH_CAMERAS, _camera_for
from finephys.motion.deepmimic import load_deepmimic_clip
from finephys.physnet.config import PhysNetConfig
from finephys.physnet.fuse import fuse, project_new_view, project_original
from finephys.physnet.inference import PhysNetRunner, load_physnet
from finephys.physnet.model import PhysNet
from finephys.skeleton.errors import PoseDataError
from finephys.skeleton.sequence import Pose3DSequence


def _tiny(tmp_path, name="tiny_physnet", **kwargs):
    config = PhysNetConfig(dim=16, local_dim=16, dilations=(1, 2), **kwargs)
    torch.manual_seed(0)
    model = PhysNet(config)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, tmp_path / f"{name}.safetensors")
    config.save(tmp_path / f"{name}.json")
    return tmp_path / f"{name}.safetensors"


@pytest.fixture(scope="module")
def spinkick():
    """The held-out spinkick (60 fps, 21 flight frames) as the bench's side camera sees it."""
    clip = load_deepmimic_clip("spinkick")
    _, azimuth, elevation = BENCH_CAMERAS[1]
    camera = _camera_for(clip, azimuth, elevation)
    return clip, camera, elevation, clip.to_camera(camera)


def test_reestimate_keeps_frames_frame_and_camera_info(tmp_path, spinkick):
    clip, camera, elevation, seq = spinkick
    seq = Pose3DSequence(seq.joints, seq.fps, seq.root, extras={"image_size": (1920, 1080)})
    runner = PhysNetRunner.from_files(_tiny(tmp_path))
    out, report = runner.reestimate(seq, elevation)
    assert out.num_frames == seq.num_frames and out.has_trajectory and out.fps == seq.fps
    assert out.extras["image_size"] == (1920, 1080)
    # an untrained PhysNet tracks its input: same place, same frame (camera), not wildly off
    assert np.abs(out.global_joints() - seq.global_joints()).mean() < 0.1
    summary = report.summary()
    assert summary["frames"] == seq.num_frames and np.isfinite(summary["flight_com_error_median_ms2"]["input"]) \
        or summary["flight_frames"] == 0
    image = report.plot(400, 200)
    assert image.shape == (200, 400, 3) and image.dtype == np.uint8 and image.std() > 0


def test_bad_inputs_are_clear(tmp_path, spinkick):
    runner = PhysNetRunner.from_files(_tiny(tmp_path))
    seq = spinkick[3]
    with pytest.raises(PoseDataError, match="at least 3 frames"):
        runner.reestimate(seq.slice(0, 2))
    with pytest.raises(PoseDataError, match="root trajectory"):
        runner.reestimate(Pose3DSequence(seq.joints, seq.fps))
    with pytest.raises(PoseDataError, match="elevation"):
        runner.reestimate(seq, 120.0)


def test_weights_errors_name_the_file(tmp_path):
    weights = _tiny(tmp_path)
    (tmp_path / "broken.safetensors").write_bytes(b"\0" * 64)
    (tmp_path / "broken.json").write_text(weights.with_suffix(".json").read_text())
    with pytest.raises(PoseDataError, match="broken.safetensors: not a readable safetensors"):
        load_physnet(tmp_path / "broken.safetensors")
    other = _tiny(tmp_path, "other", inverse_mass="symmetric", noise=False)
    (tmp_path / "mixed.safetensors").write_bytes(other.read_bytes())
    (tmp_path / "mixed.json").write_text(PhysNetConfig().to_json())
    with pytest.raises(PoseDataError, match="do not fit PhysNet"):
        load_physnet(tmp_path / "mixed.safetensors")
    (tmp_path / "lifterlike.json").write_text('{"kind": "icl", "window": 27}')
    (tmp_path / "lifterlike.safetensors").write_bytes(weights.read_bytes())
    with pytest.raises(PoseDataError, match="not a PhysNet config"):
        load_physnet(tmp_path / "lifterlike.safetensors")
    with pytest.raises(PoseDataError, match="missing.safetensors not found"):
        load_physnet(tmp_path / "missing.safetensors")


def test_fuse_weights_and_mismatches(spinkick):
    seq = spinkick[3]
    shifted = Pose3DSequence(seq.joints * 1.1, seq.fps, seq.root + 0.2)
    assert np.allclose(fuse(seq, shifted, 0.0).global_joints(), seq.global_joints(), atol=1e-5)
    assert np.allclose(fuse(seq, shifted, 1.0).global_joints(), shifted.global_joints(), atol=1e-5)
    half = fuse(seq, shifted, 0.5).global_joints()
    assert np.allclose(half, 0.5 * (seq.global_joints() + shifted.global_joints()), atol=1e-5)
    from finephys.skeleton.h36m import bone_lengths
    rigid = fuse(seq, Pose3DSequence(seq.joints[::-1].copy(), seq.fps, seq.root), 0.5, rigid_bones=True)
    assert bone_lengths(rigid.joints).std(axis=0).max() < 2e-5  # float32 storage
    assert np.allclose(rigid.root, seq.root, atol=1e-6)
    with pytest.raises(PoseDataError, match="cannot fuse 78 frames with 40"):
        fuse(seq, shifted.slice(0, 40))
    with pytest.raises(PoseDataError, match="fps"):
        fuse(seq, Pose3DSequence(seq.joints, 30.0, seq.root))
    with pytest.raises(PoseDataError, match="root trajectory"):
        fuse(seq, Pose3DSequence(seq.joints, seq.fps))
    with pytest.raises(PoseDataError, match="weight"):
        fuse(seq, shifted, 1.5)


def test_band_fusion_keeps_the_physics_detail_and_the_data_trend(spinkick):
    seq = spinkick[3]
    rng = np.random.default_rng(0)
    t = np.arange(seq.num_frames) / seq.fps
    trend = np.stack([0.1 * t, 0.05 * np.sin(t), 0.0 * t], axis=1)  # slow: the data is right about it
    jitter = rng.normal(0, 0.02, seq.joints.shape)  # frame-to-frame noise of a lift
    data = Pose3DSequence(seq.joints + jitter, seq.fps, seq.root + trend)
    physics = seq
    expected = physics.global_joints() + 0.5 * trend[:, None, :]
    plain = fuse(data, physics, 0.5).global_joints()
    band = fuse(data, physics, 0.5, data_band_s=0.5).global_joints()

    def accel(x):
        return np.abs(np.diff(x, 2, axis=0)).mean()

    # the plain average keeps half of the jitter; the band fusion keeps the trend without it
    assert accel(band - expected) < 0.25 * accel(plain - expected)
    assert np.abs(band - expected).mean() < 0.5 * np.abs(plain - expected).mean()
    assert np.allclose(fuse(data, physics, 1.0, data_band_s=0.5).global_joints(), physics.global_joints(), atol=1e-5)
    from finephys.detect.smoothing import savitzky_golay
    average = 0.5 * (data.global_joints().astype(np.float64) + physics.global_joints())
    smoothed = fuse(data, physics, 0.5, data_band_s=0.5, physics_detail=0.0).global_joints()
    assert np.allclose(smoothed, savitzky_golay(average, seq.fps, 0.5), atol=1e-5)  # detail 0: the smoothed average
    with pytest.raises(PoseDataError, match="physics detail"):
        fuse(data, physics, 0.5, data_band_s=0.5, physics_detail=2)
    with pytest.raises(PoseDataError, match="data band"):
        fuse(data, physics, 0.5, data_band_s=-1)


def test_flight_law_gives_the_fused_centre_of_mass_physnets_in_flight(tmp_path, spinkick):
    from finephys.physnet.constraints import com_weights
    from finephys.physnet.inference import FLIGHT_EXTRA

    seq = spinkick[3]
    runner = PhysNetRunner.from_files(_tiny(tmp_path))
    physics, report = runner.reestimate(seq, spinkick[2])
    assert np.array_equal(physics.extras[FLIGHT_EXTRA], report.flight)
    flight = np.zeros(seq.num_frames, bool)
    flight[30:50] = True  # whatever PhysNet marked, the fusion follows the mask it carries
    physics.extras[FLIGHT_EXTRA] = flight
    data = Pose3DSequence(seq.joints, seq.fps, seq.root + 0.3)
    fused = fuse(data, physics, 0.5, rigid_bones=True, flight_law=True)
    w = com_weights(torch.float64).numpy()

    def com(pose):
        return np.einsum("j,tjc->tc", w, pose.global_joints().astype(np.float64))

    gap = np.linalg.norm(com(fused) - com(physics), axis=-1)
    assert gap[flight].max() < 1e-5 and gap[~flight].min() > 0.1
    assert np.array_equal(fused.extras[FLIGHT_EXTRA], flight)
    with pytest.raises(PoseDataError, match="PhysNet's output as the physics input"):
        fuse(data, Pose3DSequence(seq.joints, seq.fps, seq.root), 0.5, flight_law=True)


def test_flight_ramp_hands_the_centre_of_mass_over_smoothly(tmp_path, spinkick):
    from finephys.physnet.constraints import com_weights
    from finephys.physnet.fuse import flight_share
    from finephys.physnet.inference import FLIGHT_EXTRA

    marks = np.zeros(12)
    marks[5:7] = 1
    share = flight_share(marks, 2)  # cosine ramp over 2 frames each side: 0.75, 0.25
    assert np.allclose(share, [0, 0, 0, 0.25, 0.75, 1, 1, 0.75, 0.25, 0, 0, 0])
    assert np.array_equal(flight_share(marks, 0), marks) and not flight_share(np.zeros(4), 3).any()

    seq = spinkick[3]
    physics, _ = PhysNetRunner.from_files(_tiny(tmp_path)).reestimate(seq, spinkick[2])
    flight = np.zeros(seq.num_frames, bool)
    flight[30:50] = True
    physics.extras[FLIGHT_EXTRA] = flight
    data = Pose3DSequence(seq.joints, seq.fps, seq.root + 0.3)
    w = com_weights(torch.float64).numpy()

    def gap(ramp_s):
        fused = fuse(data, physics, 0.5, rigid_bones=True, flight_law=True, flight_ramp_s=ramp_s)
        return np.linalg.norm(np.einsum("j,tjc->tc", w, (fused.global_joints() - physics.global_joints())), axis=-1)

    sudden, ramped = gap(0.0), gap(0.5)
    ramp_frames = round(0.5 * seq.fps)
    assert ramped[flight].max() < 1e-5  # the flight frames keep PhysNet's centre of mass exactly
    assert np.abs(np.diff(ramped)).max() < 0.25 * np.abs(np.diff(sudden)).max()  # no jump at take-off
    far = np.ones(seq.num_frames, bool)
    far[30 - ramp_frames:50 + ramp_frames] = False
    assert np.allclose(ramped[far], sudden[far])  # beyond the ramp nothing changes
    with pytest.raises(PoseDataError, match="flight ramp"):
        fuse(data, physics, 0.5, flight_law=True, flight_ramp_s=-0.1)


def test_projection_for_the_original_camera_matches_the_camera(spinkick):
    clip, camera, _, seq = spinkick
    pose2d = project_original(seq, camera.width, camera.height, camera.fx)
    expected, _ = camera.project_world(clip.joints)
    assert np.allclose(pose2d.keypoints, expected, atol=1e-2)


def test_new_views_keep_the_action_in_frame_and_turn_it(spinkick):
    clip, camera, elevation, seq = spinkick
    front, cam0, world = project_new_view(seq, elevation, 0.0, elevation, 0.0, 512, 512)
    behind, cam180, _ = project_new_view(seq, elevation, 180.0, elevation, 0.0, 512, 512)
    for pose in (front, behind):
        kp = pose.keypoints
        assert (kp >= 0).all() and (kp <= 512).all() and (pose.confidence > 0).all()
    # from behind, left and right swap sides in the picture (shoulders 11 = L, 14 = R)
    side_front = np.sign(front.keypoints[:, 11, 0] - front.keypoints[:, 14, 0])
    side_behind = np.sign(behind.keypoints[:, 11, 0] - behind.keypoints[:, 14, 0])
    assert (side_front != side_behind).mean() > 0.8
    # world heights survive the frame change (z up): same as the clip's, up to the floor
    assert np.allclose(np.ptp(world[..., 2]), np.ptp(clip.joints[..., 2]), atol=1e-3)
    _, fixed, world2 = project_new_view(seq, elevation, 45.0, 20.0, 12.0, 512, 512)
    centre = -fixed.rotation.T @ fixed.translation
    target = 0.5 * (world2.reshape(-1, 3).min(0) + world2.reshape(-1, 3).max(0))
    assert np.isclose(np.linalg.norm(centre - target), 12.0)
