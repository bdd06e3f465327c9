"""PhysNet's network: any length, both modes and M^-1 forms, no NaN on degenerate input,
gradients to every head, and the flight law exact in its output."""
import numpy as np
import pytest
import torch

from finephys.physnet.config import PhysNetConfig
from finephys.physnet.constraints import bone_lengths, centre_of_mass, com_weights
from finephys.physnet.model import PhysNet

SMALL = dict(dim=16, local_dim=16, dilations=(1, 2))


def _sequence(standing_pose, t_len, seed=0, fps=30.0):
    rng = np.random.default_rng(seed)
    base = standing_pose.copy()
    base[..., 2] -= base[..., 2].min()  # feet on the floor
    moves = np.cumsum(rng.normal(0, 0.01, (t_len, 17, 3)), 0)
    q = torch.tensor(base[None] + moves, dtype=torch.float32)[None]
    return q, torch.tensor([1.0 / fps]), bone_lengths(q[0]).median(0).values[None]


@pytest.mark.parametrize("mode", ["rollout", "teacher_forced"])
@pytest.mark.parametrize("form", ["cholesky", "symmetric"])
@pytest.mark.parametrize("t_len", [3, 4, 11])
def test_any_length_both_modes_and_forms(standing_pose, mode, form, t_len):
    torch.manual_seed(0)
    model = PhysNet(PhysNetConfig(mode=mode, inverse_mass=form, **SMALL)).eval()
    q, dt, lengths = _sequence(standing_pose, t_len)
    out = model(q, dt, lengths)
    for x in (out.pose, out.forward, out.backward, out.data_states):
        assert x.shape == (1, t_len, 17, 3) and torch.isfinite(x).all()
    assert out.contact_logits.shape == (2, t_len, 3) and out.flight.shape == (1, t_len)
    assert torch.allclose(bone_lengths(out.pose), lengths[:, None].expand(1, t_len, 16), atol=1e-4)


def test_too_short_is_an_error(standing_pose):
    model = PhysNet(PhysNetConfig(**SMALL))
    q, dt, lengths = _sequence(standing_pose, 2)
    with pytest.raises(ValueError, match="at least 3 frames"):
        model(q, dt, lengths)


@pytest.mark.parametrize("case", ["static", "missing_joints", "t3"])
def test_no_nan_on_degenerate_input(standing_pose, case):
    torch.manual_seed(0)
    model = PhysNet(PhysNetConfig(**SMALL))
    q, dt, lengths = _sequence(standing_pose, 3 if case == "t3" else 12)
    if case == "static":
        q = q[:, :1].expand_as(q).clone()
    if case == "missing_joints":  # lost joints collapse onto the pelvis: zero-length bones
        q[:, :, 11:17] = q[:, :, :1]
        lengths = lengths.clone()
        lengths[:, 10:] = 0.0
    out = model(q, dt, lengths)
    loss = out.pose.square().mean() + out.noise_norm.mean() + out.contact_logits.square().mean()
    loss.backward()
    assert torch.isfinite(out.pose).all()
    assert all(torch.isfinite(p.grad).all() for p in model.parameters() if p.grad is not None)


@pytest.mark.parametrize("mode", ["rollout", "teacher_forced"])
def test_gradients_reach_every_head(standing_pose, mode):
    torch.manual_seed(0)
    model = PhysNet(PhysNetConfig(mode=mode, **SMALL)).train()
    q, dt, lengths = _sequence(standing_pose, 10)
    target = q + 0.05
    out = model(q, dt, lengths)
    loss = (out.pose - target).square().mean() + 0.5 * (out.forward - target).square().mean() \
        + out.noise_norm.mean() + torch.nn.functional.binary_cross_entropy_with_logits(
            out.contact_logits, torch.ones_like(out.contact_logits))
    loss.backward()
    silent = [n for n, p in model.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert not silent, f"no gradient reaches {silent}"


def test_inverse_mass_forms():
    torch.manual_seed(0)
    h = torch.randn(4, 16)
    chol = PhysNet(PhysNetConfig(inverse_mass="cholesky", noise=False, **SMALL)).inverse_mass
    sym = PhysNet(PhysNetConfig(inverse_mass="symmetric", noise=False, **SMALL)).inverse_mass
    with torch.no_grad():
        for layer in (chol.entries, sym.entries):
            layer.weight.normal_(0, 5.0)  # far from the identity
        m_chol, _ = chol(h)
        m_sym, _ = sym(h)
    assert torch.allclose(m_sym, m_sym.transpose(-1, -2))
    assert (torch.linalg.eigvalsh(m_chol) > 0).all()
    assert torch.allclose(m_chol, m_chol.transpose(-1, -2), atol=1e-5)
    noisy = PhysNet(PhysNetConfig(noise=True, **SMALL)).inverse_mass
    _, norm = noisy(h)
    assert norm.shape == (4,) and (norm > 0).all()


def test_flight_law_holds_exactly_in_the_output(standing_pose):
    """Contact head forced to 'no support': every frame is flight, so the decoded COM must be
    a parabola with g, whatever the (random) networks do to the pose."""
    torch.manual_seed(0)
    model = PhysNet(PhysNetConfig(**SMALL)).eval()
    with torch.no_grad():
        model.contact_head.bias.fill_(-30.0)
        model.force_head.weight.normal_(0, 0.1)  # forces that would bend the path
    q, dt, lengths = _sequence(standing_pose, 25, fps=30.0)
    q = q.double()
    model = model.double()
    out = model(q, dt.double(), lengths.double())
    assert out.flight.min() == 1.0
    com = centre_of_mass(out.pose[0], com_weights(torch.float64))
    acc = (com[2:] - 2 * com[1:-1] + com[:-2]) / dt.double() ** 2
    assert torch.allclose(acc[:, 2], torch.full_like(acc[:, 2], -9.81), atol=1e-6)
    assert torch.allclose(acc[:, :2], torch.zeros_like(acc[:, :2]), atol=1e-6)


def test_flight_threshold_decides_which_frames_are_flight(standing_pose):
    """P(no support) is the same for every frame when the contact head is a constant; the
    threshold alone then decides: below it every frame is flight, above it none is."""
    torch.manual_seed(0)
    q, dt, lengths = _sequence(standing_pose, 9)
    marked = {}
    for threshold in (0.2, 0.8):
        model = PhysNet(PhysNetConfig(flight_threshold=threshold, **SMALL)).eval()
        with torch.no_grad():
            model.contact_head.weight.zero_()
            model.contact_head.bias.fill_(-1.0)  # P(no support) = (1 - sigmoid(-1))^3 = 0.39
            out = model(q, dt, lengths)
        marked[threshold] = out.flight[0]
    assert marked[0.2].min() == 1.0 and marked[0.8].max() == 0.0
    with pytest.raises(ValueError, match="flight_threshold"):
        PhysNetConfig(flight_threshold=1.0)


def test_floor_guard_stops_a_false_flight_at_the_floor(standing_pose):
    """Every frame of a standing second marked as flight (the contact head forced): without the
    guard the centre of mass falls freely, metres through the floor; with it the ballistic
    constraint lets go as soon as the body touches the floor, and the frames on the floor are
    not reported as flight."""
    torch.manual_seed(0)
    q, dt, lengths = _sequence(standing_pose, 30)
    lowest, reported = {}, {}
    for guard in (False, True):
        model = PhysNet(PhysNetConfig(floor_guard=guard, **SMALL)).eval()
        with torch.no_grad():
            model.contact_head.weight.zero_()
            model.contact_head.bias.fill_(-10.0)  # P(no support) ~ 1 everywhere
            out = model(q, dt, lengths)
        lowest[guard] = out.pose[0, ..., 2].amin().item()
        reported[guard] = out.flight[0]
    assert lowest[False] < -1.0, lowest  # free fall through the floor
    assert lowest[True] > -0.15, lowest
    assert reported[False].min() == 1.0
    assert reported[True].mean() < 0.5, reported[True]
