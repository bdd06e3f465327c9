"""PhysNet (spec 1.2): networks estimate the terms of M(q) q'' = J(q, q') - C(q, q'), the
acceleration q'' = M^-1 (J - C) drives a Verlet integrator forward from the first frames and
backward from the last, the two are averaged and decoded to S3D_pp.

Parts, in the order data flows:
- global encoder E_g: dilated temporal convolutions over the whole sequence (pose, heights,
  velocities) -> per-frame features h_t; from them the data-driven states q^(g)_t (the input
  denoised), M^-1_t (physnet/inertia.py), the tracking gain k_t and foot/other contact logits;
- local encoder E_l: the three-frame window (q_{t-2}, q_{t-1}, q_t) of the states being
  integrated (the integrator's own in "rollout" mode, q^(g) in "teacher_forced" mode), in
  time order for the forward pass and reversed for the backward pass -> residual driving and
  constraint forces;
- J_t = g + k_t (a*_t - g) + J_res, with a*_t = (q^(g)_{t+1} - 2 q_t + q_{t-1}) / dt^2 the
  acceleration that would land exactly on the data: a tracking drive that is stable for any
  k in (0, 1) (error dynamics with |lambda|^2 = 1 - k), and pure gravity at k = 0;
  C_t = C_res (ground reaction and other constraint forces);
- q''_t = M^-1_t (J_t - C_t), softly limited, then Verlet (physnet/integrator.py), then the
  constraint projections (physnet/constraints.py): rigid bones, and in flight the centre of
  mass on the ballistic parabola (with config.floor_guard, only while nothing touches the floor);
- the pose decoder: the average of both directions, bones made rigid again, and the
  averaged centre of mass restored (an average of two parabolas with the same g is one).

The backward pass is the forward pass on the time-reversed sequence, batched with it.

Shapes: q [B,T,17,3] metres in the gravity frame (physnet/frames.py), dt [B] seconds,
bone lengths [B,16]. Any T >= 3.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .config import PhysNetConfig
from .constraints import GRAVITY_Z, ballistic_shift, centre_of_mass, com_weights, project_bone_lengths
from .inertia import STATE, InverseInertia
from .integrator import rollout, teacher_forced

J = 17
GLOBAL_FEATURES = 3 * J + J + 3 * J  # root-relative pose, heights, velocities
LOCAL_FEATURES = 4 * 3 * J + J  # pose, velocity, acceleration, offset to the data; heights
VELOCITY_SCALE = 0.1  # m/s -> about unit size
ACCEL_SCALE = 0.01  # m/s^2 -> about unit size
TARGET_SCALE = 0.1  # m per unit of the denoising head


@dataclass
class PhysNetOutput:
    pose: torch.Tensor  # [B,T,17,3] S3D_pp
    forward: torch.Tensor  # [B,T,17,3] forward estimate
    backward: torch.Tensor  # [B,T,17,3] backward estimate (in time order)
    data_states: torch.Tensor  # [B,T,17,3] q^(g), the encoder's denoised input
    contact_logits: torch.Tensor  # [2B,T,3] (L foot, R foot, other) for both passes, time order
    flight: torch.Tensor  # [B,T] flight weight used by the constraint (0/1 at inference)
    noise_norm: torch.Tensor  # [2B,T] ||N_t||_F


def _central_velocity(q: torch.Tensor, dt: torch.Tensor) -> torch.Tensor:
    """[N,T,D] -> [N,T,D] m/s, one-sided at the ends."""
    padded = torch.cat([2 * q[:, :1] - q[:, 1:2], q, 2 * q[:, -1:] - q[:, -2:-1]], 1)
    return (padded[:, 2:] - padded[:, :-2]) / (2 * dt[:, None, None])


class PhysNet(nn.Module):
    def __init__(self, config: PhysNetConfig) -> None:
        super().__init__()
        self.config = config
        d, dl = config.dim, config.local_dim
        self.inp = nn.Conv1d(GLOBAL_FEATURES, d, 1)
        self.blocks = nn.ModuleList(
            nn.Sequential(nn.Conv1d(d, d, 3, padding=k, dilation=k, padding_mode="replicate"), nn.GELU(),
                          nn.Conv1d(d, d, 1))
            for k in config.dilations
        )
        self.norm = nn.LayerNorm(d)
        self.target_head = nn.Linear(d, STATE)
        self.gain_head = nn.Linear(d, STATE)
        self.contact_head = nn.Linear(d, 3)
        self.inverse_mass = InverseInertia(d, config.inverse_mass, config.noise)
        self.local = nn.Sequential(nn.Linear(LOCAL_FEATURES, dl), nn.GELU(), nn.Linear(dl, dl), nn.GELU())
        self.global_to_local = nn.Linear(d, dl)
        self.force_head = nn.Linear(dl, 2 * STATE)  # J_res, C
        # Near-zero heads: the untrained network tracks its input under gravity; small (not
        # zero) weights so that gradients reach the local encoder from the first step.
        for head in (self.target_head, self.force_head):
            nn.init.normal_(head.weight, std=1e-3)
            nn.init.zeros_(head.bias)
        gravity = torch.zeros(J, 3)
        gravity[:, 2] = GRAVITY_Z
        self.register_buffer("gravity", gravity.reshape(STATE), persistent=False)
        self.register_buffer("com_weights", com_weights(), persistent=False)

    # -- global encoder -------------------------------------------------------------------
    def encode(self, q: torch.Tensor, dt: torch.Tensor) -> torch.Tensor:
        """q [N,T,17,3], dt [N] -> h [N,T,dim]."""
        n, t = q.shape[:2]
        rel = (q - q[:, :, :1]).reshape(n, t, STATE)
        vel = _central_velocity(q.reshape(n, t, STATE), dt) * VELOCITY_SCALE
        x = self.inp(torch.cat([rel, q[..., 2], vel], -1).transpose(1, 2))
        for block in self.blocks:
            x = x + block(x)
        return self.norm(x.transpose(1, 2))

    # -- one step of the dynamics ----------------------------------------------------------
    def acceleration(self, q_prev2, q_prev, q_t, target_next, gain, local_context, inverse_mass, dt):
        """q'' at t from the window (q_{t-2}, q_{t-1}, q_t) [...,51], the data state at t+1,
        gain [...,51], context [...,local_dim], M^-1 [...,51,51], dt [...] -> [...,51]."""
        dt_ = dt[..., None]
        vel = (q_t - q_prev) / dt_
        acc = (q_t - 2 * q_prev + q_prev2) / (dt_ * dt_)
        pose = q_t.reshape(*q_t.shape[:-1], J, 3)
        rel = (pose - pose[..., :1, :]).reshape(q_t.shape)
        feats = torch.cat([rel, vel * VELOCITY_SCALE, acc * ACCEL_SCALE, target_next - q_t, pose[..., 2]], -1)
        hidden = self.local(feats) + local_context
        drive, constraint = (self.force_head(hidden) * self.config.force_scale).chunk(2, -1)
        a_star = (target_next - 2 * q_t + q_prev) / (dt_ * dt_)
        j = self.gravity + gain * (a_star - self.gravity) + drive
        qdd = (inverse_mass @ (j - constraint).unsqueeze(-1)).squeeze(-1)
        limit = self.config.max_acceleration
        return limit * torch.tanh(qdd / limit)

    def _constrain(self, proposed, current, previous, flight, dt, lengths):
        """Rigid bones, then the ballistic COM in flight. Poses [N,51] -> [N,51]."""
        shape = (-1, J, 3)
        if not self.training and self.config.floor_guard:
            flight = flight * (current.reshape(shape)[..., 2].amin(-1) > 0).to(flight.dtype)
        pose = project_bone_lengths(proposed.reshape(shape), lengths)
        pose = ballistic_shift(pose, current.reshape(shape), previous.reshape(shape), flight, dt, self.com_weights)
        return pose.reshape(proposed.shape)

    # -- the whole re-estimation -----------------------------------------------------------
    def forward(self, q: torch.Tensor, dt: torch.Tensor, lengths: torch.Tensor) -> PhysNetOutput:
        b, t = q.shape[:2]
        if t < 3:
            raise ValueError(f"PhysNet needs at least 3 frames, got {t}")
        both = torch.cat([q, q.flip(1)])  # forward and time-reversed, one batch
        dt2, lengths2 = torch.cat([dt, dt]), torch.cat([lengths, lengths])
        h = self.encode(both, dt2)
        data = both.reshape(2 * b, t, STATE) + TARGET_SCALE * self.target_head(h)
        data = project_bone_lengths(data.reshape(2 * b, t, J, 3), lengths2[:, None]).reshape(2 * b, t, STATE)
        gain = torch.sigmoid(self.gain_head(h))
        logits = self.contact_head(h)
        p_flight = torch.prod(1 - torch.sigmoid(logits), -1)
        shared = 0.5 * (p_flight[:b] + p_flight[b:].flip(1))  # one flight mask for both passes
        if not self.training and self.config.hard_flight:
            shared = (shared > self.config.flight_threshold).to(shared.dtype)
        flight = torch.cat([shared, shared.flip(1)])
        inverse_mass, noise_norm = self.inverse_mass(h)
        context = self.global_to_local(h)

        if self.config.mode == "rollout":
            def step_acceleration(i, q2, q1, q0):
                return self.acceleration(q2, q1, q0, data[:, i + 1], gain[:, i], context[:, i], inverse_mass[:, i], dt2)

            def step_project(i, proposed, current, previous):
                return self._constrain(proposed, current, previous, flight[:, i], dt2, lengths2)

            states = rollout(data[:, 0], data[:, 1], t - 2, dt2[:, None], step_acceleration, step_project)
        else:
            idx = torch.arange(t)
            prev2 = data[:, (idx - 2).clamp(min=0)]
            prev = data[:, (idx - 1).clamp(min=0)]
            nxt = data[:, (idx + 1).clamp(max=t - 1)]
            acc = self.acceleration(prev2, prev, data, nxt, gain, context, inverse_mass, dt2[:, None])
            proposed = teacher_forced(data, acc, dt2)
            n = 2 * b * (t - 2)
            fixed = self._constrain(
                proposed[:, 2:].reshape(n, STATE), data[:, 1:-1].reshape(n, STATE), data[:, :-2].reshape(n, STATE),
                flight[:, 1:-1].reshape(n), dt2[:, None].expand(2 * b, t - 2).reshape(n),
                lengths2[:, None].expand(2 * b, t - 2, lengths2.shape[-1]).reshape(n, -1))
            states = torch.cat([proposed[:, :2], fixed.reshape(2 * b, t - 2, STATE)], 1)

        est = states.reshape(2 * b, t, J, 3)
        fwd, bwd = est[:b], est[b:].flip(1)
        average = 0.5 * (fwd + bwd)
        pose = project_bone_lengths(average, lengths[:, None])
        w = self.com_weights
        pose = pose + (centre_of_mass(average, w) - centre_of_mass(pose, w)).unsqueeze(-2)
        if not self.training and self.config.floor_guard:
            # report as flight only the marked frames the guard left ballistic (off the floor)
            shared = shared * (pose[..., 2].amin(-1) > 0).to(shared.dtype)
        return PhysNetOutput(
            pose=pose, forward=fwd, backward=bwd, data_states=data[:b].reshape(b, t, J, 3),
            contact_logits=torch.cat([logits[:b], logits[b:].flip(1)]), flight=shared, noise_norm=noise_norm,
        )
