"""Flight: the only external force is gravity.

Two consequences, both built in exactly rather than approximated:

1. Ballistic COM. The COM (the suite's own: joint_mass_weights() @ joints) moves on the parabola
   c(t) = c0 + v0 (t - t0) + g (t - t0)^2 / 2. We schedule the pose in the body frame, X_b(t)
   (pelvis at the origin), whose COM is c_b(t) = w @ X_b(t); with orientation R(t) the world
   joints are X(t) = c(t) + R(t) (X_b(t) - c_b(t)). The pelvis is then p = c - R c_b, and the
   COM of X is c(t) identically: see Flight.evaluate.

2. Conserved angular momentum about the COM. With point masses m_j = w_j (unit total mass) at
   the joints, r_j = X_b,j - c_b the body-frame offsets and omega_b the body-frame angular
   velocity, L = R (I_b omega_b + h_b), I_b = sum m_j (|r_j|^2 1 - r_j r_j^T) and
   h_b = sum m_j r_j x dr_j/dt the momentum of the shape change. L is constant in the world, so
        omega_b = I_b^-1 (R^T L - h_b),    dq/dt = q (0, omega_b) / 2,
   integrated with RK4 on the orientation quaternion (rk4_step). L itself is found by shooting
   (solve_momentum): Newton on the landing orientation error.

Take-off velocity: the flight time T and the landing COM fix it, v0 = (c1 - c0) / T - g T / 2.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import numpy as np

from ...metrics.com import GRAVITY, joint_mass_weights
from ..rotations import matrix_to_quat, quat_log, quat_mul, quat_to_matrix  # noqa: F401 (re-exported)
from .body import Body
from .curves import HermitePath

G = np.asarray(GRAVITY, dtype=np.float64)
STEPS_PER_SECOND = 240  # RK4 step 1/240 s: |omega| h <= ~0.08 rad; |dL|/|L| measured ~1e-7


# ---- inertia of the scheduled shape ----------------------------------------------------------
def shape_terms(body: Body, shape: HermitePath, t: np.ndarray) -> dict:
    """Body-frame quantities of the scheduled shape at times t [N]: body joints X [N,17,3], their
    COM c_b [N,3], inertia I [N,3,3] and its inverse, internal momentum h [N,3] (unit mass)."""
    w = joint_mass_weights()
    a, da = shape(t), shape.derivative(t)
    X = body.fk_body(a)
    # dX/dt as the directional derivative of FK along the angle velocity (central, eps 1e-6:
    # truncation ~1e-12, far below what the 1e-4 momentum tolerance needs).
    eps = 1e-6
    dX = (body.fk_body(a + eps * da) - body.fk_body(a - eps * da)) / (2 * eps)
    c = w @ X
    r = X - c[:, None]
    r2 = (r * r).sum(-1)
    inertia = np.einsum("j,nj->n", w, r2)[:, None, None] * np.eye(3) - np.einsum("j,nja,njb->nab", w, r, r)
    h = np.einsum("j,nja->na", w, np.cross(r, dX))
    return {"X": X, "c": c, "I": inertia, "Iinv": np.linalg.inv(inertia), "h": h}


def _qdot(q: np.ndarray, L: np.ndarray, Iinv: np.ndarray, h: np.ndarray) -> np.ndarray:
    """dq/dt for orientation q [...,4], world momentum L [...,3], body Iinv [...,3,3], h [...,3]:
    omega_b = I_b^-1 (R^T L - h_b). R is taken from q/|q| so that the vector field is defined
    off the unit sphere too (RK4 stages leave it slightly) and RK4 keeps its order."""
    R = quat_to_matrix(q / np.linalg.norm(q, axis=-1, keepdims=True))
    Lb = np.einsum("...ji,...j->...i", R, L)
    omega = np.einsum("...ij,...j->...i", Iinv, Lb - h)
    return 0.5 * quat_mul(q, np.concatenate([np.zeros(omega.shape[:-1] + (1,)), omega], -1))


def rk4_step(q, L, dt, terms0, terms_half, terms1) -> np.ndarray:
    """One RK4 step of the orientation, vectorised over [...]; terms* = (Iinv, h) at t, t + dt/2,
    t + dt. Renormalised like _rk4_scalar, which builds the grid: evaluating between grid points
    with this step continues the grid solution exactly (to rounding)."""
    dt = np.asarray(dt)[..., None]
    k1 = _qdot(q, L, *terms0)
    k2 = _qdot(q + 0.5 * dt * k1, L, *terms_half)
    k3 = _qdot(q + 0.5 * dt * k2, L, *terms_half)
    k4 = _qdot(q + dt * k3, L, *terms1)
    out = q + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
    return out / np.linalg.norm(out, axis=-1, keepdims=True)


def _qdot_scalar(q, L, Ii, hb):
    """_qdot on plain floats (the shooting loop runs thousands of tiny steps; numpy call overhead
    would dominate)."""
    w, x, y, z = q
    n = (w * w + x * x + y * y + z * z) ** 0.5
    a, b, c, d = w / n, x / n, y / n, z / n
    # R^T L with R from the unit quaternion (a, b, c, d).
    lx, ly, lz = L
    bx = (1 - 2 * (c * c + d * d)) * lx + 2 * (b * c + a * d) * ly + 2 * (b * d - a * c) * lz
    by = 2 * (b * c - a * d) * lx + (1 - 2 * (b * b + d * d)) * ly + 2 * (c * d + a * b) * lz
    bz = 2 * (b * d + a * c) * lx + 2 * (c * d - a * b) * ly + (1 - 2 * (b * b + c * c)) * lz
    ex, ey, ez = bx - hb[0], by - hb[1], bz - hb[2]
    ox = Ii[0] * ex + Ii[1] * ey + Ii[2] * ez
    oy = Ii[3] * ex + Ii[4] * ey + Ii[5] * ez
    oz = Ii[6] * ex + Ii[7] * ey + Ii[8] * ez
    return (0.5 * (-x * ox - y * oy - z * oz), 0.5 * (w * ox + y * oz - z * oy),
            0.5 * (w * oy - x * oz + z * ox), 0.5 * (w * oz + x * oy - y * ox))


def _rk4_scalar(q, L, dt, t0, th, t1):
    k1 = _qdot_scalar(q, L, *t0)
    k2 = _qdot_scalar([q[i] + 0.5 * dt * k1[i] for i in range(4)], L, *th)
    k3 = _qdot_scalar([q[i] + 0.5 * dt * k2[i] for i in range(4)], L, *th)
    k4 = _qdot_scalar([q[i] + dt * k3[i] for i in range(4)], L, *t1)
    out = [q[i] + dt / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]) for i in range(4)]
    n = sum(v * v for v in out) ** 0.5
    return [v / n for v in out]


@dataclass
class Flight:
    """One flight phase [start, start + duration]. Build with plan_flight, then set_com."""

    body: Body
    start: float
    duration: float
    shape: HermitePath  # [NUM_DOFS] joint angles over the flight
    q_grid: np.ndarray  # [N+1,4] orientation at the RK4 grid points
    grid: np.ndarray  # [N+1] RK4 grid times relative to start
    momentum: np.ndarray  # [3] world angular momentum about the COM per unit mass (m^2/s)
    c0: Optional[np.ndarray] = None  # [3] take-off COM
    v0: Optional[np.ndarray] = None  # [3] take-off COM velocity

    @property
    def end(self) -> float:
        return self.start + self.duration

    def set_com(self, c0: np.ndarray, c1: np.ndarray) -> None:
        """Take-off and landing COM fix the take-off velocity: c1 = c0 + v0 T + g T^2 / 2."""
        self.c0 = np.asarray(c0, dtype=np.float64)
        self.v0 = (np.asarray(c1) - self.c0) / self.duration - G * self.duration / 2

    def com(self, t: np.ndarray) -> np.ndarray:
        """The parabola. [N] -> [N,3]."""
        s = (np.asarray(t, dtype=np.float64) - self.start)[:, None]
        return self.c0 + self.v0 * s + 0.5 * G * s * s

    def com_velocity(self, t: np.ndarray) -> np.ndarray:
        s = (np.asarray(t, dtype=np.float64) - self.start)[:, None]
        return self.v0 + G * s

    def orientation(self, t: np.ndarray) -> np.ndarray:
        """Quaternion at any time of the flight [N] -> [N,4]: one RK4 step of length
        t - t_n from the grid point t_n below t (exactly the grid value at grid points)."""
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        n = np.clip(np.searchsorted(self.grid, t - self.start, side="right") - 1, 0, len(self.q_grid) - 2)
        tn = self.start + self.grid[n]
        dt = t - tn
        terms = [shape_terms(self.body, self.shape, x) for x in (tn, tn + dt / 2, t)]
        return rk4_step(self.q_grid[n], self.momentum, dt,
                        *[(m["Iinv"], m["h"]) for m in terms])

    def evaluate(self, t: np.ndarray) -> dict:
        """World pose at times t [N]: joints [N,17,3], angles, rotation, root, com."""
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        rotation = quat_to_matrix(self.orientation(t))
        terms = shape_terms(self.body, self.shape, t)
        com = self.com(t)
        # Ballistic placement: joints = c(t) + R (X_b - c_b), so w @ joints = c(t) exactly.
        joints = com[:, None] + np.einsum("nij,nkj->nki", rotation, terms["X"] - terms["c"][:, None])
        root = com - np.einsum("nij,nj->ni", rotation, terms["c"])
        return {"joints": joints, "angles": self.shape(t), "rotation": rotation, "root": root,
                "com": com, "contacts": np.zeros((len(t), 2), dtype=bool)}


def flight_grid(shape: HermitePath, start: float, duration: float) -> np.ndarray:
    """RK4 grid times [N+1]: uniform steps of at most 1/STEPS_PER_SECOND within each interval
    between shape keys, so that no step straddles a key (where the shape's acceleration jumps
    and RK4 would lose its order)."""
    knots = np.unique(np.clip(np.concatenate([[start, start + duration], shape.times]), start, start + duration))
    pieces = [np.linspace(a, b, max(2, int(np.ceil((b - a) * STEPS_PER_SECOND))) + 1)[:-1]
              for a, b in zip(knots[:-1], knots[1:]) if b - a > 1e-12]
    return np.concatenate(pieces + [[start + duration]])


def _stages(body: Body, shape: HermitePath, grid: np.ndarray) -> tuple[list, list]:
    """Step lengths and the (I^-1, h) pairs at every step's start, middle and end, as floats."""
    steps = np.diff(grid)
    times = np.empty(2 * len(grid) - 1)
    times[0::2] = grid
    times[1::2] = grid[:-1] + steps / 2
    terms = shape_terms(body, shape, times)
    return steps.tolist(), list(zip(terms["Iinv"].reshape(-1, 9).tolist(), terms["h"].tolist()))


def _integrate(steps: list, stage: list, q0: np.ndarray, L: np.ndarray, keep: bool) -> np.ndarray:
    """RK4 from the take-off orientation q0 [4] for a batch of momenta L [B,3]. Returns the grid
    orientations [N+1,B,4] when keep, else only the last ones [B,4]."""
    results = []
    for moment in np.atleast_2d(L).tolist():
        q = list(q0)
        path = [q]
        for i, h in enumerate(steps):
            q = _rk4_scalar(q, moment, h, stage[2 * i], stage[2 * i + 1], stage[2 * i + 2])
            if keep:
                path.append(q)
        results.append(path if keep else q)
    out = np.array(results)  # [B,N+1,4] or [B,4]
    return np.swapaxes(out, 0, 1) if keep else out


def plan_flight(
    body: Body, start: float, duration: float, shape: HermitePath, R0: np.ndarray,
    R_target: np.ndarray, body_turn: np.ndarray, tol: float = 1e-10,
) -> Flight:
    """Shoot for the angular momentum that takes the take-off orientation R0 [3,3] to the
    landing orientation R_target [3,3] in `duration` seconds with the scheduled shape.

    body_turn [3]: the intended turn about the take-off body axes (x roll, y pitch/salto,
    z twist/yaw) in radians, counting whole turns; it gives the initial guess
    L = R0 (turn_k / integral of dt / I_kk) and so picks the branch (1 salto, not 0 or 2).
    Raises RuntimeError when Newton does not converge (the caller resamples the move)."""
    q0 = matrix_to_quat(R0)
    grid = flight_grid(shape, start, duration)
    steps, stage = _stages(body, shape, grid)
    inertia = shape_terms(body, shape, grid)["I"]
    diag = np.stack([inertia[:, k, k] for k in range(3)], -1)
    integral = np.trapz(1.0 / diag, grid, axis=0)
    L = R0 @ (np.asarray(body_turn, dtype=np.float64) / integral)
    q_target_conj = matrix_to_quat(R_target) * np.array([1.0, -1.0, -1.0, -1.0])
    delta = 1e-6 * max(1.0, float(np.linalg.norm(L)))

    def error(moments: np.ndarray) -> np.ndarray:  # [B,3] -> orientation error [B,3] (rotvec)
        qT = _integrate(steps, stage, q0, moments, keep=False)
        return quat_log(quat_mul(q_target_conj, qT))

    # Newton with a finite-difference Jacobian, reused (chord steps, one integration each) while
    # the error keeps dropping fast; refreshed otherwise.
    J = None
    previous = np.inf
    converged = False
    for _ in range(40):
        fresh = J is None
        if fresh:
            F = error(L + np.vstack([np.zeros(3), delta * np.eye(3)]))
            J = (F[1:] - F[0]).T / delta
            F = F[0]
        else:
            F = error(L[None])[0]
        norm_f = float(np.linalg.norm(F))
        if norm_f < tol:
            converged = True
            break
        if not fresh and norm_f > 0.3 * previous:
            J = None  # the chord step stalled: new Jacobian here, then step
            continue
        previous = norm_f
        step = np.linalg.solve(J, -F)
        limit = 0.5 * max(1.0, float(np.linalg.norm(L)))  # damp far-off first steps
        size = np.linalg.norm(step)
        L = L + (step if size < limit else step * limit / size)
    if not converged:
        raise RuntimeError("flight: angular-momentum shooting did not converge")
    q_grid = _integrate(steps, stage, q0, L[None], keep=True)[:, 0]
    return Flight(body=body, start=start, duration=duration, shape=shape, q_grid=q_grid,
                  grid=grid - start, momentum=L)
