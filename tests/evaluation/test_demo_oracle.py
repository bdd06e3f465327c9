"""The demonstration oracles: P-MPJPE against every bank pose, and the best frame / window."""
import numpy as np
import pytest

from finephys.evaluation.demo_oracle import pairwise_p_mpjpe, per_frame_oracle, window_oracle
from finephys.metrics.pose_error import p_mpjpe


def _rotation(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def test_pairwise_matches_p_mpjpe_and_ignores_view_and_scale():
    rng = np.random.default_rng(0)
    truth = rng.normal(size=(5, 17, 3))
    other = rng.normal(size=(4, 17, 3))
    seen = 2.5 * truth[2] @ _rotation(1.1).T + np.array([3.0, -1.0, 7.0])  # truth[2] from another view
    bank = np.concatenate([other, seen[None]])
    errors = pairwise_p_mpjpe(truth, bank)
    assert errors.shape == (5, 5)
    assert errors[2, 4] == pytest.approx(0.0, abs=1e-9)
    for t in range(5):
        for n in range(5):
            assert errors[t, n] == pytest.approx(p_mpjpe(bank[n][None], truth[t][None]), rel=1e-9)
    assert per_frame_oracle(errors) == pytest.approx(errors.min(axis=1).mean())
    with pytest.raises(ValueError, match="truth and bank"):
        pairwise_p_mpjpe(truth, bank[:, :15])


def test_window_oracle_needs_the_same_timing_within_one_clip():
    """A bank clip holding the truth's frames in order scores 0; the same frames shuffled, or
    split across two clips, do not (the per-frame oracle would still be 0 for them)."""
    rng = np.random.default_rng(1)
    truth = rng.normal(size=(6, 17, 3))
    in_order = np.concatenate([rng.normal(size=(2, 17, 3)), truth])  # clip of 8 frames
    errors = pairwise_p_mpjpe(truth, in_order)
    assert window_oracle(errors, [(0, 8)], window=4) == pytest.approx(0.0, abs=1e-9)
    shuffled = truth[::-1]
    errors = pairwise_p_mpjpe(truth, shuffled)
    assert per_frame_oracle(errors) == pytest.approx(0.0, abs=1e-9)
    assert window_oracle(errors, [(0, 6)], window=4) > 0.1
    errors = pairwise_p_mpjpe(truth, truth)
    assert window_oracle(errors, [(0, 6)], window=4) == pytest.approx(0.0, abs=1e-9)
    assert np.isnan(window_oracle(errors, [(0, 3), (3, 6)], window=4))  # no bank clip long enough
    assert window_oracle(errors, [(0, 3), (3, 6)], window=3) > 0.1  # windows straddling the split are not allowed
    # a truth shorter than the window is compared whole
    assert window_oracle(pairwise_p_mpjpe(truth[:3], truth), [(0, 6)], window=27) == pytest.approx(0.0, abs=1e-9)
