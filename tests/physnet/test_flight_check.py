"""The flight-run check: a falling centre of mass passes, support above the floor does not."""
import numpy as np
import torch

from finephys.physnet.constraints import GRAVITY_Z
from finephys.physnet.flight_check import MIN_SECONDS, fitted_vertical_acceleration, keep_ballistic_runs

DT = 1.0 / 30


def _parabola(n, z0=1.0, v=2.5):
    t = np.arange(n) * DT
    return torch.tensor(z0 + v * t + 0.5 * GRAVITY_Z * t * t)


def test_fitted_acceleration_is_gravity_in_free_fall_and_zero_at_rest():
    assert abs(fitted_vertical_acceleration(_parabola(20), DT) - GRAVITY_Z) < 1e-6
    assert abs(fitted_vertical_acceleration(torch.full((15,), 1.2, dtype=torch.float64) + 0.3 * torch.arange(15) * DT, DT)) < 1e-6


def test_unmarks_only_the_runs_the_data_contradicts():
    rng = np.random.default_rng(0)
    height = torch.full((70,), 2.0) + torch.tensor(rng.normal(0, 0.01, 70))  # on a box, 2 m up
    height[30:50] = _parabola(20, z0=2.0) + torch.tensor(rng.normal(0, 0.01, 20))  # a true flight
    flight = torch.zeros(1, 70)
    flight[0, 2:17] = 1  # 0.5 s at rest, marked as flight
    flight[0, 30:50] = 1
    short = round(MIN_SECONDS / DT) - 1
    flight[0, 60:60 + short] = 1  # too short to test: kept
    kept = keep_ballistic_runs(flight, height[None], torch.tensor([DT]), max_accel=-3.0)
    assert kept[0, 2:17].sum() == 0
    assert torch.equal(kept[0, 17:], flight[0, 17:]) and torch.equal(kept[0, :2], flight[0, :2])


def test_one_wild_frame_does_not_bend_the_fit():
    """A lift's depth spike in the middle of a stand on a box looks like a hump (a negative
    curvature) to plain least squares; the robust fit still sees a body at rest."""
    rng = np.random.default_rng(1)
    height = torch.full((18,), 2.8, dtype=torch.float64) + torch.tensor(rng.normal(0, 0.02, 18))
    height[9] += 0.7
    assert abs(fitted_vertical_acceleration(height, DT)) < 2.0
    noisy_flight = _parabola(18) + torch.tensor(rng.normal(0, 0.02, 18))
    noisy_flight[4] -= 0.5
    assert abs(fitted_vertical_acceleration(noisy_flight, DT) - GRAVITY_Z) < 2.0
