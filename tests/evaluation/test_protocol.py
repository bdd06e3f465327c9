import time
from dataclasses import replace

import numpy as np
import pytest

from finephys.evaluation import protocol as P
from finephys.lifter.baselines import MeanPoseLifter, Smoothed3D, mean_camera_pose
from finephys.motion.deepmimic import HELD_OUT_CLIPS, load_deepmimic_clip
from finephys.skeleton.errors import PoseDataError


@pytest.fixture(scope="module")
def cases():
    return P.build_cases()


@pytest.fixture(scope="module")
def lifter():
    return MeanPoseLifter(mean_camera_pose([load_deepmimic_clip("walk"), load_deepmimic_clip("jump")]))


def test_protocol_is_fixed_and_complete(cases):
    assert len(cases) == len(HELD_OUT_CLIPS) * len(P.BENCH_CAMERAS) * len(P.NOISE_LEVELS)
    assert {c.clip.name for c in cases} == set(HELD_OUT_CLIPS)
    again = P.build_cases(clip_names=("backflip",))
    for a, b in zip([c for c in cases if c.clip.name == "backflip"], again):
        assert a.key == b.key
        np.testing.assert_array_equal(a.pose2d.keypoints, b.pose2d.keypoints)
        np.testing.assert_array_equal(a.pose2d.confidence, b.pose2d.confidence)


def test_every_joint_is_in_view_and_clean_is_exact(cases):
    for case in cases:
        if case.noise != "clean":
            continue
        assert (case.pose2d.confidence == 1).all(), case.key
        uv, _ = case.camera.project_world(case.clip.joints)
        np.testing.assert_allclose(case.pose2d.keypoints, uv, atol=1e-3)
        # the camera-frame ground truth maps back onto the world clip
        world = P.camera_to_world(case.camera, case.gt.global_joints())
        np.testing.assert_allclose(world, case.clip.joints, atol=1e-5)


def test_noisy_inputs_differ_from_clean(cases):
    by_key = {c.key: c for c in cases}
    for case in cases:
        if case.noise == "noisy":
            clean = by_key[case.key.replace("/noisy", "/clean")]
            error = np.linalg.norm(case.pose2d.keypoints - clean.pose2d.keypoints, axis=-1)
            assert np.median(error) > 0.5 and (case.pose2d.confidence < 1).any()


def test_ground_truth_row_scores_zero_pose_error(cases):
    table, records = P.evaluate(None, cases, ground_truth=True)
    for level in P.NOISE_LEVELS:
        row = table[level]
        for metric in ("mpjpe", "p_mpjpe", "n_mpjpe", "mpjve", "accel", "bone_std"):
            assert row[metric] == pytest.approx(0.0, abs=1e-3), metric
        assert np.isfinite(row["flight_com"]) and row["flight_com"] > 0  # real mocap's floor
        assert np.isfinite(row["foot_skate"])
    assert len(records) == len(cases)


def test_scores_by_hand_and_without_trajectory(cases):
    case = cases[0]
    shifted = case.gt.joints.copy()
    shifted[:, 3] += np.array([0.0, 0.0, 0.017])  # right ankle 17 mm deeper, every frame
    values = P.score(replace(case.gt, joints=shifted), case)
    assert values["mpjpe"] == pytest.approx(17.0 / 17, rel=1e-4)
    assert values["mpjve"] == pytest.approx(0.0, abs=1e-6)
    no_root = P.score(replace(case.gt, root=None), case)
    assert np.isnan(no_root["foot_skate"]) and np.isnan(no_root["flight_com"])
    assert no_root["mpjpe"] == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(PoseDataError, match="frames"):
        P.score(case.gt.__class__(joints=case.gt.joints[:-1], fps=case.gt.fps), case)


def test_mean_pose_baseline_follows_the_2d(cases, lifter):
    clean = [c for c in cases if c.noise == "clean"]
    table, _ = P.evaluate(lifter, clean)
    # The same prior without back-projection: the pose never moves.
    static = lambda pose2d: replace(lifter(pose2d), joints=np.broadcast_to(lifter.mean_pose, (pose2d.num_frames, 17, 3)))
    static_table, _ = P.evaluate(static, clean)
    assert table["clean"]["mpjpe"] < static_table["clean"]["mpjpe"]
    assert table["clean"]["fps"] > 100
    for case in clean[:3]:
        estimate = lifter(case.pose2d)
        uv, _ = case.camera.project(estimate.global_joints())
        np.testing.assert_allclose(uv, case.pose2d.keypoints, atol=1e-3)  # it reprojects exactly


def test_warmup_times_the_steady_state_only(cases, lifter):
    """With warmup, every case runs once untimed first: an estimator whose first call on a case
    is slow (a cold start) is timed at its steady speed, and scored on the timed pass."""
    clean = [c for c in cases if c.noise == "clean"][:3]

    def cold_start_estimator(calls: dict):
        def estimate(pose2d):
            calls[id(pose2d)] = calls.get(id(pose2d), 0) + 1
            if calls[id(pose2d)] == 1:
                time.sleep(0.2)
            return lifter(pose2d)
        return estimate

    cold_calls, warm_calls = {}, {}
    cold, _ = P.evaluate(cold_start_estimator(cold_calls), clean)
    warm, _ = P.evaluate(cold_start_estimator(warm_calls), clean, warmup=True)
    assert set(cold_calls.values()) == {1} and set(warm_calls.values()) == {2}
    frames = sum(c.gt.num_frames for c in clean)
    assert cold["clean"]["fps"] < frames / 0.6  # the three cold starts are timed
    assert warm["clean"]["fps"] > 5 * cold["clean"]["fps"]
    assert warm["clean"]["mpjpe"] == cold["clean"]["mpjpe"]


def test_savitzky_golay_smooths_noisy_input(cases, lifter):
    noisy = [c for c in cases if c.noise == "noisy"]
    raw, _ = P.evaluate(lifter, noisy)
    smooth, _ = P.evaluate(Smoothed3D(lifter), noisy)
    assert smooth["noisy"]["accel"] < 0.5 * raw["noisy"]["accel"]
    assert smooth["noisy"]["mpjpe"] < raw["noisy"]["mpjpe"]


def test_the_protocol_applies_to_any_clip():
    """cases_for_clips: the bench's cameras and noise on other clips (synthetic validation)."""
    from finephys.motion.synthetic import generate_clip

    clips = [generate_clip("back_salto", 9001), generate_clip("turn", 9002, fps=60.0)]
    cases = P.cases_for_clips(clips)
    assert len(cases) == 2 * len(P.BENCH_CAMERAS) * len(P.NOISE_LEVELS)
    width, height = P.IMAGE_SIZE
    for case in cases:
        uv, _ = case.camera.project_world(case.clip.joints)
        assert (uv >= 0).all() and (uv[..., 0] <= width).all() and (uv[..., 1] <= height).all(), case.key
        assert case.pose2d.num_frames == case.gt.num_frames == case.clip.num_frames
    again = P.cases_for_clips(clips)
    assert all(np.array_equal(a.pose2d.keypoints, b.pose2d.keypoints) for a, b in zip(cases, again))
