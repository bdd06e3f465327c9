import numpy as np
import pytest

from finephys.motion.noise2d import (
    CLEAN, JOINT_JITTER_SCALE, NOISY, SWAP_ARMS, SWAP_BODY, SWAP_LEGS, NoiseModel, body_sizes,
    corrupt, corrupt_with_log,
)
from finephys.skeleton.errors import PoseDataError
from finephys.skeleton.h36m import LEFT_JOINTS, RIGHT_JOINTS, flip_permutation
from finephys.skeleton.sequence import Pose2DSequence


def _pose(standing_pose, frames=200, missing=()):
    """A swaying standing person seen from the front, ~350 px tall, in a 640x480 image."""
    t = np.arange(frames)
    base = np.stack([320 + 200 * standing_pose[:, 0], 420 - 200 * standing_pose[:, 2]], axis=1)
    sway = np.stack([20 * np.sin(t / 15.0), 5 * np.cos(t / 7.0)], axis=1)
    kp = base[None] + sway[:, None, :]
    conf = np.ones((frames, 17))
    for f, j in missing:
        conf[f, j] = 0.0
    return Pose2DSequence(kp, conf, (640, 480), fps=30.0, source="test")


def test_clean_is_an_exact_identity(standing_pose):
    pose = _pose(standing_pose, missing=[(3, 5), (10, 16)])
    pose = Pose2DSequence(pose.keypoints, pose.confidence * 0.9, pose.image_size, 30.0,
                          interpolated=pose.confidence == 0, source="x")
    out = corrupt(pose, CLEAN, seed=123)
    np.testing.assert_array_equal(out.keypoints, pose.keypoints)
    np.testing.assert_array_equal(out.confidence, pose.confidence)
    np.testing.assert_array_equal(out.interpolated, pose.interpolated)
    assert out.image_size == pose.image_size and out.fps == pose.fps and out.source == "x"


def test_same_seed_same_output(standing_pose):
    pose = _pose(standing_pose, frames=300)
    a, log_a = corrupt_with_log(pose, NOISY, seed=7)
    b, log_b = corrupt_with_log(pose, NOISY, seed=7)
    np.testing.assert_array_equal(a.keypoints, b.keypoints)
    np.testing.assert_array_equal(a.confidence, b.confidence)
    np.testing.assert_array_equal(log_a.swaps, log_b.swaps)
    assert log_a.losses == log_b.losses
    c = corrupt(pose, NOISY, seed=np.random.default_rng(7))
    np.testing.assert_array_equal(a.keypoints, c.keypoints)
    d = corrupt(pose, NOISY, seed=8)
    assert not np.array_equal(a.keypoints, d.keypoints)


def test_output_is_valid(standing_pose):
    pose = _pose(standing_pose, frames=500, missing=[(f, 13) for f in range(0, 500, 3)])
    heavy = NoiseModel(jitter=0.2, dropout=0.3, swap=0.3, loss=0.1, confidence=(0.0, 1.0))
    for seed in range(3):
        out = corrupt(pose, heavy, seed)
        assert np.isfinite(out.keypoints).all() and np.isfinite(out.confidence).all()
        assert out.confidence.min() >= 0 and out.confidence.max() <= 1
        assert (out.confidence[pose.confidence == 0] == 0).all()


def test_body_size_is_the_bounding_box_diagonal(standing_pose):
    pose = _pose(standing_pose, frames=3)
    ext = pose.keypoints[0].max(axis=0) - pose.keypoints[0].min(axis=0)
    assert body_sizes(pose)[0] == pytest.approx(np.hypot(*ext), rel=1e-6)
    # a frame without confident joints takes the median of the others
    conf = pose.confidence.copy()
    conf[1] = 0
    sizes = body_sizes(Pose2DSequence(pose.keypoints, conf, pose.image_size))
    assert sizes[1] == pytest.approx(np.median(sizes[[0, 2]]))


def test_noisy_rates_match_the_configuration(standing_pose):
    frames = 6000
    pose = _pose(standing_pose, frames=frames)
    out, log = corrupt_with_log(pose, NOISY, seed=2024)
    observed = ~log.lost

    # dropout: a fraction of the joint-frames outside losses
    rate = log.dropped[observed].mean()
    assert rate == pytest.approx(NOISY.dropout, abs=0.006)
    assert (out.confidence[log.dropped] == 0).all()

    # swaps: a fraction of the observed frames, about half of them whole-body
    assert log.swapped[observed].mean() == pytest.approx(NOISY.swap, abs=0.006)
    assert not (log.swapped & log.lost).any()
    assert (log.swaps == SWAP_BODY).sum() / log.swapped.sum() == pytest.approx(0.5, abs=0.15)

    # tracking losses: started at ~1 % of observed frames, lengths in range, confidence 0
    starts = len(log.losses)
    assert starts / observed.sum() == pytest.approx(NOISY.loss, abs=0.004)
    lo, hi = NOISY.loss_length
    for start, length in log.losses:
        if start + length < frames:  # a loss cut at the end may be shorter
            assert lo <= length <= hi
        assert not log.lost[start - 1] if start > 0 else True
        assert (out.confidence[start:start + length] == 0).all()
    assert log.lost.sum() == sum(length for _, length in log.losses)

    # jitter: per-joint std of the displacement, relative to the body size, in clean frames
    clean = observed & ~log.swapped
    offset = (out.keypoints - pose.keypoints)[clean] / log.body_size[clean, None, None]
    std = offset.reshape(-1, 17, 2).std(axis=(0, 2))
    np.testing.assert_allclose(std, NOISY.jitter * np.array(JOINT_JITTER_SCALE), rtol=0.05)
    assert np.abs(offset.mean()) < 0.002

    # confidence of kept joints: in [0.6, 1.0], lower for larger displacements
    kept = clean[:, None] & ~log.dropped
    conf = out.confidence[kept]
    assert conf.min() >= 0.6 - 1e-6 and conf.max() <= 1.0
    err = np.linalg.norm(out.keypoints - pose.keypoints, axis=-1)[kept]
    assert np.corrcoef(err, conf)[0, 1] < -0.9
    # wrists (larger multiplier) are less confident on average than the pelvis
    assert out.confidence[clean & ~log.dropped[:, 16], 16].mean() < \
        out.confidence[clean & ~log.dropped[:, 0], 0].mean()


def test_whole_body_swaps_really_swap(standing_pose):
    pose = _pose(standing_pose, frames=50, missing=[(0, 13)])
    model = NoiseModel(swap=1.0, swap_whole_body=1.0)
    out, log = corrupt_with_log(pose, model, seed=0)
    assert (log.swaps == SWAP_BODY).all()
    np.testing.assert_array_equal(out.keypoints, pose.keypoints[:, flip_permutation()])
    # confidence travels with the joint and stays high, except where the input had none
    assert (out.confidence[1:] == 1.0).all()
    assert out.confidence[0, 13] == 0 and out.confidence[0, 16] == 0


def test_limb_swaps_exchange_only_arms_or_legs(standing_pose):
    pose = _pose(standing_pose, frames=200)
    out, log = corrupt_with_log(pose, NoiseModel(swap=1.0, swap_whole_body=0.0), seed=1)
    assert set(np.unique(log.swaps)) == {SWAP_ARMS, SWAP_LEGS}
    arms = [(l, r) for l, r in zip(LEFT_JOINTS, RIGHT_JOINTS) if l >= 11]
    legs = [(l, r) for l, r in zip(LEFT_JOINTS, RIGHT_JOINTS) if l < 11]
    for code, swapped, kept in ((SWAP_ARMS, arms, legs), (SWAP_LEGS, legs, arms)):
        f = log.swaps == code
        for l, r in swapped:
            np.testing.assert_array_equal(out.keypoints[f, l], pose.keypoints[f, r])
            np.testing.assert_array_equal(out.keypoints[f, r], pose.keypoints[f, l])
        for l, r in kept:
            np.testing.assert_array_equal(out.keypoints[f, l], pose.keypoints[f, l])
        np.testing.assert_array_equal(out.keypoints[f][:, [0, 7, 8, 9, 10]],
                                      pose.keypoints[f][:, [0, 7, 8, 9, 10]])


def test_tracking_loss_holds_the_last_seen_frame(standing_pose):
    pose = _pose(standing_pose, frames=400)
    model = NoiseModel(loss=0.1, loss_length=(2, 4))
    out, log = corrupt_with_log(pose, model, seed=5)
    assert len(log.losses) > 10
    for start, length in log.losses:
        source = start - 1 if start > 0 else start + length
        np.testing.assert_array_equal(out.keypoints[start:start + length],
                                      np.repeat(pose.keypoints[source][None], length, axis=0))
    observed = ~log.lost
    np.testing.assert_array_equal(out.keypoints[observed], pose.keypoints[observed])
    assert (out.confidence[observed] == 1).all() and (out.confidence[log.lost] == 0).all()


def test_model_validation():
    with pytest.raises(PoseDataError):
        NoiseModel(dropout=1.5)
    with pytest.raises(PoseDataError):
        NoiseModel(jitter=-0.1)
    with pytest.raises(PoseDataError):
        NoiseModel(loss_length=(0, 3))
    with pytest.raises(PoseDataError):
        NoiseModel(confidence=(0.9, 0.5))
    with pytest.raises(PoseDataError):
        NoiseModel(joint_jitter_scale=(1.0,) * 16)
    with pytest.raises(PoseDataError):
        corrupt_with_log(Pose2DSequence(np.zeros((2, 17, 2)), np.ones((2, 17)), (10, 10)),
                         NOISY, seed="abc")
