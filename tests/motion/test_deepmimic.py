import json

import numpy as np
import pytest

from finephys.metrics import ballistic_error, centre_of_mass, foot_skate
from finephys.motion import deepmimic as dm
from finephys.skeleton import h36m as H
from finephys.skeleton.errors import PoseDataError


def test_split_is_fixed_and_covers_every_shipped_clip():
    assert dm.HELD_OUT_CLIPS == ("backflip", "cartwheel", "spinkick", "dance_b")
    assert set(dm.TRAIN_CLIPS).isdisjoint(dm.HELD_OUT_CLIPS)
    assert len(dm.TRAIN_CLIPS) == 11
    shipped = sorted(p.stem.removeprefix("humanoid3d_")
                     for p in (dm.pybullet_data_dir() / "data" / "motions").glob("humanoid3d_*.txt"))
    assert shipped == sorted(dm.ALL_CLIPS)
    assert [c.name for c in dm.load_split("eval")] == list(dm.HELD_OUT_CLIPS)
    with pytest.raises(ValueError, match="train"):
        dm.load_split("test")


def test_forward_kinematics_matches_pybullet():
    """Our numpy FK of the URDF against pybullet's own, on real frames of the backflip."""
    pybullet = pytest.importorskip("pybullet")
    frames, _ = dm.read_motion_file(dm.clip_path("backflip"))
    ours = dm.forward_kinematics(frames)
    client = pybullet.connect(pybullet.DIRECT)
    try:
        body = pybullet.loadURDF(
            str(dm.pybullet_data_dir() / "humanoid" / "humanoid.urdf"), globalScaling=dm.URDF_SCALE,
            physicsClientId=client,
        )
        index = {pybullet.getJointInfo(body, i, physicsClientId=client)[1].decode(): i
                 for i in range(pybullet.getNumJoints(body, physicsClientId=client))}
        for t in (0, 10, 15, 28):
            row = frames[t]
            wxyz = row[4:8]
            pybullet.resetBasePositionAndOrientation(
                body, row[1:4], [*wxyz[1:], wxyz[0]], physicsClientId=client)
            col = 8
            for name, dof in dm.MOTION_JOINTS:
                value = row[col:col + dof]
                target = [*value[1:], value[0]] if dof == 4 else [value[0]]
                pybullet.resetJointStateMultiDof(body, index[name], target, physicsClientId=client)
                col += dof
            for name, i in index.items():
                state = pybullet.getLinkState(body, i, computeForwardKinematics=True,
                                              physicsClientId=client)
                np.testing.assert_allclose(ours[name][t, :, 3], state[4], atol=1e-5, err_msg=name)
    finally:
        pybullet.disconnect(client)


def test_clip_frame_counts_rates_and_world_axes():
    expected = {"backflip": (29, 16.0), "jump": (107, 60.0), "walk": (39, 30.0), "spin": (107, 24.0)}
    for name, (frames, fps) in expected.items():
        clip = dm.load_deepmimic_clip(name)
        assert clip.num_frames == frames and clip.fps == fps  # 0.016666 s printed: exactly 60 fps
    walk = dm.load_deepmimic_clip("walk")
    first = walk.joints[0]
    assert first[H.HEAD, 2] > first[H.THORAX, 2] > first[H.PELVIS, 2] > first[H.L_KNEE, 2] > 0.0
    assert first[H.L_HIP, 1] > first[H.R_HIP, 1]  # faces +x, so its left is +y
    assert first[H.NECK_NOSE, 0] > first[H.THORAX, 0]  # the nose points forward
    assert np.ptp(walk.root[:, 0]) > 0.5  # it walks forward along +x
    assert 1.3 < first[H.HEAD, 2] < 1.8 and 0.8 < first[H.PELVIS, 2] < 1.0


@pytest.mark.parametrize("name", dm.ALL_CLIPS)
def test_every_clip_is_rigid_and_on_the_floor(name):
    clip = dm.load_deepmimic_clip(name)
    lengths = H.bone_lengths(clip.joints)
    assert lengths.std(axis=0).max() < 1e-9
    assert np.isfinite(clip.joints).all()
    assert clip.contacts.any()  # every clip touches the ground somewhere
    ankles = clip.joints[:, [H.L_ANKLE, H.R_ANKLE], 2]
    assert 0.0 < np.median(ankles[clip.contacts]) < 0.15


def test_jump_has_a_flight_phase_that_is_ballistic():
    clip = dm.load_deepmimic_clip("jump")
    flight = np.flatnonzero(clip.flight)
    assert 20 <= len(flight) <= 30 and np.all(np.diff(flight) == 1)  # one phase of ~0.4 s
    # Real mocap: the centre of mass falls at about g in flight (0.56 m/s^2 off, measured).
    assert ballistic_error(clip.joints, clip.fps, clip.flight, vertical_only=True) < 1.0
    com = centre_of_mass(clip.joints)
    assert com[flight, 2].max() > com[: flight[0], 2].max() + 0.15
    assert foot_skate(clip.joints, contacts=clip.contacts)["mean_slide"] < 0.005


def test_supported_frames_are_not_flight():
    roll = dm.load_deepmimic_clip("roll")
    assert roll.other_contact.sum() > 30 and not roll.flight.any()
    cartwheel = dm.load_deepmimic_clip("cartwheel")
    assert cartwheel.other_contact.any() and not cartwheel.flight.any()  # hands on the floor


def test_irregular_frame_durations_are_resampled():
    frames, _ = dm.read_motion_file(dm.clip_path("roll"))
    assert not np.allclose(frames[:-1, 0], frames[0, 0])
    clip = dm.load_deepmimic_clip("roll")
    total = frames[:-1, 0].sum()
    assert clip.fps == pytest.approx(60.0, rel=1e-3)
    assert abs(clip.duration - total) < 1.0 / clip.fps
    assert H.bone_lengths(clip.joints).std(axis=0).max() < 1e-9


def _write(tmp_path, content, name="humanoid3d_bad.txt"):
    path = tmp_path / name
    path.write_text(content)
    return path


def test_bad_clip_files_name_the_file_and_the_problem(tmp_path):
    good = json.loads(dm.clip_path("walk").read_text())
    row = good["Frames"][0]
    cases = {
        "truncated": (json.dumps(good)[:500], "not a readable"),
        "no_frames": (json.dumps({"Loop": "none"}), "no 'Frames'"),
        "short_row": (json.dumps({"Frames": [row, row[:30]]}), "frame 1 has 30 values"),
        "text_value": (json.dumps({"Frames": [row, row[:5] + ["x"] + row[6:]]}), "non-numeric"),
        "nan": (json.dumps({"Frames": [row, row]}).replace(str(row[2]), "NaN", 1), "NaN"),
        "one_frame": (json.dumps({"Frames": [row]}), "at least 2"),
        "zero_duration": (json.dumps({"Frames": [[0.0] + row[1:], row]}), "non-positive duration"),
    }
    for name, (content, message) in cases.items():
        path = _write(tmp_path, content, f"humanoid3d_{name}.txt")
        with pytest.raises(PoseDataError, match=message) as info:
            dm.load_deepmimic_clip(path)
        assert path.name in str(info.value), name
    with pytest.raises(PoseDataError, match="no such"):
        dm.load_deepmimic_clip(tmp_path / "humanoid3d_missing.txt")
