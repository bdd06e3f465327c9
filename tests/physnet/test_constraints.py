import numpy as np
import torch

from finephys.metrics.com import centre_of_mass as com_np
from finephys.physnet.constraints import (
    GRAVITY_Z, ballistic_shift, bone_lengths, bone_vectors, centre_of_mass, com_weights, median_bone_lengths,
    project_bone_lengths,
)


def _poses(standing_pose, n=6, seed=0):
    rng = np.random.default_rng(seed)
    return torch.tensor(standing_pose[None] + rng.normal(0, 0.03, (n, 17, 3)), dtype=torch.float64)


def test_bone_projection_sets_lengths_keeps_pelvis_and_directions(standing_pose):
    pose = _poses(standing_pose)
    target = torch.linspace(0.1, 0.5, 16, dtype=torch.float64)
    out = project_bone_lengths(pose, target)
    assert torch.allclose(bone_lengths(out), target.expand(6, 16), atol=1e-5)
    assert torch.equal(out[:, 0], pose[:, 0])
    cos = torch.nn.functional.cosine_similarity(bone_vectors(out), bone_vectors(pose), dim=-1)
    assert (cos > 1 - 1e-9).all()


def test_com_matches_the_metric(standing_pose):
    pose = _poses(standing_pose)
    assert np.allclose(centre_of_mass(pose, com_weights(torch.float64)).numpy(), com_np(pose.numpy()))


def test_ballistic_shift_puts_the_com_on_the_parabola_in_flight_only(standing_pose):
    pose = _poses(standing_pose, 3)
    w = com_weights(torch.float64)
    prev, cur, proposed = pose[0:1], pose[1:2], pose[2:3]
    dt = torch.tensor([1 / 30], dtype=torch.float64)
    flown = ballistic_shift(proposed, cur, prev, torch.ones(1, dtype=torch.float64), dt, w)
    expected = 2 * centre_of_mass(cur, w) - centre_of_mass(prev, w) + torch.tensor([0, 0, GRAVITY_Z]) * dt**2
    assert torch.allclose(centre_of_mass(flown, w), expected, atol=1e-12)
    assert torch.allclose(bone_lengths(flown), bone_lengths(proposed))  # a rigid shift
    grounded = ballistic_shift(proposed, cur, prev, torch.zeros(1, dtype=torch.float64), dt, w)
    assert torch.equal(grounded, proposed)


def test_median_bone_lengths_ignore_unseen_frames(standing_pose):
    pose = np.repeat(standing_pose[None], 5, 0)
    pose[0, 3] += 1.0  # a wild ankle, unseen
    conf = np.ones((5, 17))
    conf[0, 3] = 0.0
    lengths = median_bone_lengths(pose, conf)
    assert np.allclose(lengths, median_bone_lengths(pose[1:]))
