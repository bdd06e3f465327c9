"""Support phases: feet planted exactly, the centre of mass on a prescribed smooth path.

A GroundSegment schedules, over [start, end]: the centre of mass (a Hermite path, so its
velocity can be matched to a flight's take-off or landing state), the pelvis orientation, the
trunk / head / arm angles, and for each foot a sequence of modes:

  stance  the ankle is fixed at a world point (contact): the leg is solved by analytic IK, so
          the planted ankle cannot skate;
  angles  the leg is free and follows key-framed joint angles (a kick, passé);
  swing   the ankle follows a world path (a step, or a free foot coming down to touch the floor
          exactly where its next stance begins), the leg again by IK.

The pelvis position is not scheduled: it is solved at every instant so that the COM of the whole
pose (metrics.com.joint_mass_weights, the suite's own COM) lies on the COM path. The legs depend
on the pelvis through IK, so this is a fixed point, p <- p + (c_desired - com(p)); it contracts
because only the legs (about 30 % of the mass, and only partly) fail to follow the pelvis.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import numpy as np

from ...metrics.com import joint_mass_weights
from .body import ANKLES, LEG, Body, euler_to_matrix
from .curves import HermitePath

UPPER = slice(0, 14)  # trunk, neck, arms: everything but the legs


@dataclass
class FootMode:
    """One interval [start, end) of a foot's schedule (see the module docstring)."""

    kind: str  # "stance" | "angles" | "swing"
    start: float
    end: float
    position: Optional[np.ndarray] = None  # stance: world ankle [3]
    angles: Optional[HermitePath] = None  # angles: (hip flex, abd, rot, knee) over time
    path: Optional[HermitePath] = None  # swing: world ankle [3] over time
    hip_rot: Optional[HermitePath] = None  # stance / swing: hip rotation (knee swivel) over time


@dataclass
class GroundSegment:
    body: Body
    start: float
    end: float
    com: HermitePath  # [3] world COM
    orientation: HermitePath  # [3] pelvis (yaw, pitch, roll)
    upper: HermitePath  # [14] trunk, neck and arm angles
    feet: tuple[list[FootMode], list[FootMode]]  # left, right
    phases: list[tuple[float, str]] = field(default_factory=list)  # (start time, label)

    def _modes(self, foot: int, t: np.ndarray) -> np.ndarray:
        starts = np.array([m.start for m in self.feet[foot]])
        return np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(starts) - 1)

    def pose(self, t: np.ndarray, root: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Pose with a given pelvis position. t [N], root [N,3] -> joints [N,17,3],
        angles [N,NUM_DOFS], rotation [N,3,3]."""
        n = len(t)
        rotation = euler_to_matrix(self.orientation(t))
        angles = np.zeros((n, 22))
        angles[:, UPPER] = self.upper(t)
        for foot in (0, 1):
            which = self._modes(foot, t)
            for i, mode in enumerate(self.feet[foot]):
                sel = which == i
                if not sel.any():
                    continue
                ts = t[sel]
                if mode.kind == "angles":
                    angles[sel, LEG[foot]] = mode.angles(ts)
                    continue
                if mode.kind == "stance":
                    target = np.broadcast_to(mode.position, (len(ts), 3))
                else:
                    target = mode.path(ts)
                rot = mode.hip_rot(ts)[:, 0] if mode.hip_rot is not None else np.zeros(len(ts))
                angles[sel, LEG[foot]] = self.body.leg_ik(foot, root[sel], rotation[sel], target, rot)
        return self.body.fk(root, rotation, angles), angles, rotation

    def solve(self, t: np.ndarray, iterations: int = 60) -> dict:
        """Pelvis position putting the COM on its path. t [N] -> dict of joints [N,17,3],
        angles [N,NUM_DOFS], rotation [N,3,3], root [N,3], com [N,3], contacts [N,2],
        com_error (max |com - path| in metres; ~1e-15 when converged)."""
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        w = joint_mass_weights()
        target = self.com(t)
        rotation = euler_to_matrix(self.orientation(t))
        # Start from the pelvis under the COM with the legs straight down.
        root = target - np.einsum("nij,j->ni", rotation, np.array([0.0, 0.0, 0.1]))
        for _ in range(iterations):
            joints, angles, rotation = self.pose(t, root)
            err = target - w @ joints
            root = self._reachable(t, root + err, rotation)
            if np.abs(err).max() < 1e-14:
                break
        joints, angles, rotation = self.pose(t, root)
        com = w @ joints
        contacts = np.zeros((len(t), 2), dtype=bool)
        for foot in (0, 1):
            kinds = np.array([m.kind == "stance" for m in self.feet[foot]])
            contacts[:, foot] = kinds[self._modes(foot, t)]
        return {
            "joints": joints, "angles": angles, "rotation": rotation, "root": root, "com": com,
            "contacts": contacts, "com_error": float(np.abs(com - target).max()) if len(t) else 0.0,
        }

    def _reachable(self, t: np.ndarray, root: np.ndarray, rotation: np.ndarray) -> np.ndarray:
        """Lower the pelvis where a planted (or swinging) leg would have to be longer than the
        leg: there the COM leaves its path (the pose stays valid). Take-off and landing states
        are reachable by construction, so the joins with flights stay exact."""
        reach = (self.body.thigh + self.body.shank) * (1.0 - 1e-4)
        root = root.copy()
        for foot in (0, 1):
            which = self._modes(foot, t)
            for i, mode in enumerate(self.feet[foot]):
                sel = which == i
                if mode.kind == "angles" or not sel.any():
                    continue
                target = mode.position[None] if mode.kind == "stance" else mode.path(t[sel])
                hip = root[sel] + np.einsum("nij,j->ni", rotation[sel], self.body.hip(foot))
                d = hip - target
                dxy2 = (d[:, :2] ** 2).sum(-1)
                too_far = (d ** 2).sum(-1) > reach**2
                height = np.sqrt(np.maximum(reach**2 - dxy2, 0.0))
                drop = np.where(too_far, d[:, 2] - height, 0.0)
                rows = np.flatnonzero(sel)
                root[rows, 2] -= np.maximum(drop, 0.0)
        return root

    def labels(self, t: np.ndarray) -> np.ndarray:
        """Phase label of every time. [N] -> [N] str."""
        starts = np.array([s for s, _ in self.phases])
        names = np.array([name for _, name in self.phases])
        return names[np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(names) - 1)]

    def ankle(self, foot: int, t: float) -> np.ndarray:
        """World ankle of a foot at one instant (for handing a free leg over to a swing)."""
        return self.solve(np.array([t]))["joints"][0, ANKLES[foot]]
