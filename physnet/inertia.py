"""Heads for the inverse inertia M^-1(q) of spec 1.2, in the two forms the spec names.

- "symmetric": M^-1 = I + S, S symmetric from its 1326 = 51*52/2 unique entries (the paper's
  "51x26"). Nothing keeps it positive definite; the identity offset makes the untrained head
  a unit mass per coordinate.
- "cholesky": M^-1 = L L^T + eps I, L lower-triangular with a softplus diagonal (Deep
  Lagrangian Networks): positive definite by construction, so the dynamics cannot turn a
  restoring force into a runaway one. Also starts at (about) the identity.

Either form may add the small asymmetric noise term N_t of the paper (a full 51x51 matrix)
that lets motion break the symmetry; its Frobenius norm is returned for L_noise.
Which form is better is measured (BENCHMARKS.md), not assumed.

Shapes: features [B,T,F] -> M^-1 [B,T,51,51], ||N||_F [B,T].
"""
from __future__ import annotations

import math

import torch
from torch import nn

STATE = 51  # 17 joints x 3
UNIQUE = STATE * (STATE + 1) // 2  # 1326
_SOFTPLUS_ONE = math.log(math.e - 1.0)  # softplus(x) = 1


class InverseInertia(nn.Module):
    def __init__(self, features: int, form: str = "cholesky", noise: bool = True, epsilon: float = 1e-3,
                 init_scale: float = 1e-2, output_scale: float = 1e-2) -> None:
        super().__init__()
        if form not in ("symmetric", "cholesky"):
            raise ValueError(f"unknown M^-1 form {form!r}: use 'symmetric' or 'cholesky'")
        # The heads' outputs are scaled down: one optimiser step on a 128-wide layer moves all
        # 1326 entries together, and an M^-1 that jumps far from the identity in one step makes
        # the rolled-out dynamics unstable (measured: the loss went from 2 to 90 in two steps).
        self.form, self.epsilon, self.output_scale = form, epsilon, output_scale
        self.entries = nn.Linear(features, UNIQUE)
        nn.init.normal_(self.entries.weight, std=init_scale)
        nn.init.zeros_(self.entries.bias)
        self.noise = nn.Linear(features, STATE * STATE) if noise else None
        if self.noise is not None:
            nn.init.normal_(self.noise.weight, std=init_scale)
            nn.init.zeros_(self.noise.bias)
        rows, cols = torch.tril_indices(STATE, STATE)
        self.register_buffer("rows", rows, persistent=False)
        self.register_buffer("cols", cols, persistent=False)
        self.register_buffer("diagonal", rows == cols, persistent=False)

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        lead = features.shape[:-1]
        values = self.entries(features) * self.output_scale
        eye = torch.eye(STATE, dtype=features.dtype, device=features.device)
        if self.form == "cholesky":
            values = torch.where(self.diagonal, nn.functional.softplus(values + _SOFTPLUS_ONE), values)
            lower = features.new_zeros(*lead, STATE, STATE)
            lower[..., self.rows, self.cols] = values
            inverse = lower @ lower.transpose(-1, -2) + self.epsilon * eye
        else:
            sym = features.new_zeros(*lead, STATE, STATE)
            sym[..., self.rows, self.cols] = values
            sym = sym + sym.transpose(-1, -2) - torch.diag_embed(torch.diagonal(sym, dim1=-2, dim2=-1))
            inverse = eye + sym
        if self.noise is None:
            return inverse, features.new_zeros(lead)
        noise = (self.noise(features) * self.output_scale).reshape(*lead, STATE, STATE)
        return inverse + noise, torch.linalg.matrix_norm(noise)
