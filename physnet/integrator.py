"""The central-difference (position Verlet) update of spec 1.2, both directions.

    forward:   q_{t+1} = q''_t dt^2 + 2 q_t - q_{t-1}
    backward:  q_{t-1} = q''_t dt^2 + 2 q_t - q_{t+1}

With q'' constant (gravity) both are exact: a parabola is reproduced to float precision,
which tests/physnet/test_integrator.py relies on. The backward pass is the forward pass run
on the time-reversed sequence (reversing time leaves q'' unchanged and flips velocities), so
one rollout routine serves both directions.
"""
from __future__ import annotations

from typing import Callable, Optional

import torch

# (step index t, q_{t-2}, q_{t-1}, q_t) -> q''_t ; each [B,D]
AccelerationFn = Callable[[int, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]
# (step index t, q_{t+1} proposed, q_t, q_{t-1}) -> q_{t+1} corrected (constraints)
ProjectFn = Callable[[int, torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


def verlet_step(q_t: torch.Tensor, q_prev: torch.Tensor, acceleration: torch.Tensor, dt: torch.Tensor) -> torch.Tensor:
    """One step: the next state from the current and the previous one. dt broadcasts ([B,1])."""
    return acceleration * dt * dt + 2.0 * q_t - q_prev


def rollout(
    q0: torch.Tensor, q1: torch.Tensor, steps: int, dt: torch.Tensor, acceleration: AccelerationFn,
    project: Optional[ProjectFn] = None,
) -> torch.Tensor:
    """Integrate from two initial states. q0, q1 [B,D] -> [B,steps+2,D] (q0, q1 included).

    At step t (1 <= t <= steps) the acceleration sees the window (q_{t-2}, q_{t-1}, q_t); at
    t = 1 the missing q_{-1} is q0 repeated. `project` may correct each new state (constraints)."""
    states = [q0, q1]
    for t in range(1, steps + 1):
        q_prev2 = states[t - 2] if t >= 2 else states[0]
        acc = acceleration(t, q_prev2, states[t - 1], states[t])
        nxt = verlet_step(states[t], states[t - 1], acc, dt)
        if project is not None:
            nxt = project(t, nxt, states[t], states[t - 1])
        states.append(nxt)
    return torch.stack(states, 1)


def teacher_forced(states: torch.Tensor, accelerations: torch.Tensor, dt: torch.Tensor) -> torch.Tensor:
    """One-step predictions from given (data-driven) states: out[:, t+1] = verlet(states t, t-1).

    states [B,T,D], accelerations [B,T,D] (q''_t at each t) -> [B,T,D]; frames 0 and 1 are the
    states themselves (nothing predicts them)."""
    pred = verlet_step(states[:, 1:-1], states[:, :-2], accelerations[:, 1:-1], dt.reshape(-1, 1, 1))
    return torch.cat([states[:, :2], pred], 1)


def reverse_time(x: torch.Tensor) -> torch.Tensor:
    """[B,T,...] -> the same sequence backwards in time."""
    return torch.flip(x, dims=[1])


def bidirectional_average(forward: torch.Tensor, backward_reversed: torch.Tensor) -> torch.Tensor:
    """The average of the forward estimate and the backward one (given as computed, on the
    reversed sequence): q_hat = (q_fwd + q_bwd) / 2. [B,T,D] each."""
    return 0.5 * (forward + reverse_time(backward_reversed))
