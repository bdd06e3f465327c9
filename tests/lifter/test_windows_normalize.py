import numpy as np
import pytest

from finephys.lifter.normalize import normalize_2d, window_scale
from finephys.lifter.windows import blend_windows, pad_to_window, window_starts


def test_normalised_2d_ignores_position_and_size(standing_pose):
    kp = standing_pose[None, :, :2].repeat(5, 0) * 300 + 400
    conf = np.ones((5, 17))
    a = normalize_2d(kp, conf)
    b = normalize_2d(kp * 0.25 + np.array([17.0, -90.0]), conf)
    np.testing.assert_allclose(a, b, atol=1e-5)
    assert np.allclose(a[:, 0, :2], 0) and (a[..., 2] == 1).all()
    conf[2, 5] = 0
    c = normalize_2d(kp, conf)
    assert (c[2, 5] == 0).all()  # a missing joint is zeroed, its confidence says so
    assert window_scale(kp, np.zeros((5, 17))) == 1.0


def test_windows_cover_and_blend_back():
    assert window_starts(10, 27, 13) == [0]
    assert window_starts(60, 27, 13) == [0, 13, 26, 33]
    signal = np.arange(60, dtype=float)[:, None]
    starts = window_starts(60, 27, 13)
    outputs = np.stack([signal[s:s + 27] for s in starts])
    np.testing.assert_allclose(blend_windows(outputs, starts, 60), signal)
    short = pad_to_window(signal[:5], 27)
    assert len(short) == 27 and (short[5:] == 4).all()
    np.testing.assert_allclose(blend_windows(short[None], [0], 5), signal[:5])
