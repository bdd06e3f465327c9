import numpy as np
import pytest
from fp_testing import rotation_z

from finephys.metrics import (
    ballistic_error, bone_asymmetry, bone_length_std, centre_of_mass, floating, flight_mask,
    foot_contacts, foot_skate, ground_penetration, joint_mass_weights,
)
from finephys.skeleton import h36m


def test_rigid_motion_keeps_bone_lengths(standing_pose):
    frames = np.stack([standing_pose @ rotation_z(a).T + [a, 0, 0] for a in np.linspace(0, 3, 10)])
    assert bone_length_std(frames).max() == pytest.approx(0.0, abs=1e-12)
    assert bone_asymmetry(frames).max() == pytest.approx(0.0, abs=1e-12)


def test_stretching_bone_by_hand(standing_pose):
    frames = np.repeat(standing_pose[None], 2, axis=0)
    frames[1, h36m.L_WRIST, 2] -= 0.1  # forearm 0.25 m then 0.35 m
    forearm = h36m.BONES.index((h36m.L_ELBOW, h36m.L_WRIST))
    std = bone_length_std(frames)
    assert std[forearm] == pytest.approx(0.05)
    assert np.delete(std, forearm).max() == pytest.approx(0.0, abs=1e-12)
    assert bone_asymmetry(frames).max() == pytest.approx(0.05)  # |0.25-0.25| and |0.35-0.25|


def test_known_slide_gives_known_skate(standing_pose):
    t = 5
    frames = np.repeat(standing_pose[None], t, axis=0)
    frames[:, h36m.L_ANKLE, 0] += 0.03 * np.arange(t)  # 3 cm per frame on the ground
    frames[:, h36m.L_ANKLE, 2] += 0.002 * np.arange(t)  # vertical motion is not skate
    out = foot_skate(frames)
    assert out["contact_pairs"] == 2 * (t - 1)
    assert out["mean_slide"] == pytest.approx(0.03 / 2)  # right foot still, left slides
    assert out["slide_ratio"] == pytest.approx(0.5)


def test_no_contact_no_skate(standing_pose):
    frames = np.repeat(standing_pose[None], 3, axis=0) + [0, 0, 1.0]
    assert foot_skate(frames)["contact_pairs"] == 0
    assert flight_mask(frames).all()


def test_penetration_and_floating(standing_pose):
    below = standing_pose - [0, 0, 0.09]  # ankles 5 cm under the floor
    above = standing_pose + [0, 0, 0.16]  # ankles 20 cm over it
    frames = np.stack([below, above])
    assert ground_penetration(frames) == pytest.approx(0.05 / 2)
    assert floating(frames) == pytest.approx(0.20 / 2)
    assert floating(frames, supported=np.array([True, False])) == pytest.approx(0.0)
    assert foot_contacts(frames).tolist() == [[True, True], [False, False]]


def test_y_down_camera_axes(standing_pose):
    cam = np.stack([standing_pose[:, 0], -standing_pose[:, 2], standing_pose[:, 1]], axis=1)[None]
    assert foot_contacts(cam, up=(0, -1, 0)).all()


def test_com_weights_follow_de_leva(standing_pose):
    w = joint_mass_weights()
    assert w.sum() == pytest.approx(1.0) and (w >= 0).all()
    # mirror symmetric body -> COM on the mid-plane
    assert centre_of_mass(standing_pose)[0] == pytest.approx(0.0, abs=1e-12)
    # thigh .1416 with COM at .4095 from the hip: hip gets .1416*.5905, knee .1416*.4095
    # (+ shank .0433 * (1 - .4459))
    assert w[h36m.L_KNEE] == pytest.approx(0.1416 * 0.4095 + 0.0433 * (1 - 0.4459))


def test_parabola_under_gravity_has_zero_ballistic_error(standing_pose):
    fps = 60.0
    t = np.arange(30) / fps
    traj = np.stack([1.5 * t, 0.2 * t, 2.0 + 3.0 * t - 0.5 * 9.81 * t**2], axis=1)
    frames = standing_pose[None] + traj[:, None]
    flight = np.ones(30, bool)
    assert ballistic_error(frames, fps, flight) == pytest.approx(0.0, abs=1e-6)
    # a body hanging in the air (no acceleration) is 9.81 m/s^2 off
    still = np.repeat(standing_pose[None], 30, axis=0) + [0, 0, 2.0]
    assert ballistic_error(still, fps, flight) == pytest.approx(9.81)
    assert ballistic_error(still, fps, flight, vertical_only=True) == pytest.approx(9.81)
    assert np.isnan(ballistic_error(still, fps, np.zeros(30, bool)))
