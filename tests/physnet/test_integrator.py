"""The Verlet integrator: exact for constant acceleration in both directions (spec 1.2)."""
import torch

from finephys.physnet.integrator import bidirectional_average, reverse_time, rollout, teacher_forced

G = torch.tensor([0.0, 0.0, -9.81], dtype=torch.float64)


def _parabola(t_len=40, fps=30.0):
    t = torch.arange(t_len, dtype=torch.float64)[:, None] / fps
    q0 = torch.tensor([0.3, -1.0, 1.2], dtype=torch.float64)
    v0 = torch.tensor([1.5, 0.2, 4.0], dtype=torch.float64)
    return (q0 + v0 * t + 0.5 * G * t * t)[None], torch.tensor([[1.0 / fps]], dtype=torch.float64)


def _gravity(_t, _a, _b, q):
    return G.expand_as(q)


def test_forward_rollout_reproduces_a_parabola():
    path, dt = _parabola()
    out = rollout(path[:, 0], path[:, 1], path.shape[1] - 2, dt, _gravity)
    assert torch.allclose(out, path, atol=1e-12, rtol=0)


def test_backward_rollout_reproduces_a_parabola():
    path, dt = _parabola()
    rev = reverse_time(path)
    out = rollout(rev[:, 0], rev[:, 1], path.shape[1] - 2, dt, _gravity)
    assert torch.allclose(reverse_time(out), path, atol=1e-12, rtol=0)
    assert torch.allclose(bidirectional_average(rollout(path[:, 0], path[:, 1], path.shape[1] - 2, dt, _gravity), out),
                          path, atol=1e-12, rtol=0)


def test_teacher_forced_one_step_is_exact_too():
    path, dt = _parabola(12)
    acc = G.expand_as(path)
    assert torch.allclose(teacher_forced(path, acc, dt[:, 0]), path, atol=1e-12, rtol=0)


def test_rollout_window_at_the_first_step_repeats_the_first_state():
    path, dt = _parabola(5)
    seen = []

    def record(t, a, b, c):
        seen.append((t, a.clone(), b.clone(), c.clone()))
        return torch.zeros_like(c)

    rollout(path[:, 0], path[:, 1], 3, dt, record)
    t, a, b, _ = seen[0]
    assert t == 1 and torch.equal(a, b) and torch.equal(a, path[:, 0])
    assert [s[0] for s in seen] == [1, 2, 3]
