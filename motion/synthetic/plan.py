"""Building blocks shared by the move families: pose vectors, key poses with a known COM, the
ground-segment builder (with free-leg hand-overs), and the take-off -> flight -> landing link.

The joins are exact by construction: a flight starts from the pose, COM and COM velocity the
ground segment ends with, and the next ground segment starts from the flight's last pose with
the feet planted where the flight put them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional, Union

import numpy as np

from ...metrics.com import joint_mass_weights
from .body import ANKLES, ANKLE_HEIGHT, LEG, NUM_DOFS, Body, euler_to_matrix, matrix_to_euler
from .curves import HermitePath, keyframes
from .flight import Flight, plan_flight, quat_to_matrix
from .ground import UPPER, FootMode, GroundSegment

W = joint_mass_weights()
Segment = Union[GroundSegment, Flight]


def rad(*deg: float) -> np.ndarray:
    return np.radians(np.asarray(deg, dtype=np.float64))


def upper_pose(trunk=(0.0, 0.0, 0.0), neck=(0.0, 0.0, 0.0), left=(0.0, 10.0, 0.0, 10.0),
               right=None) -> np.ndarray:
    """Trunk (flex, lat, twist), neck (same), arms (flex, abd, rot, elbow), all in degrees ->
    the 14 upper-body angles in radians. right defaults to left."""
    right = left if right is None else right
    return rad(*trunk, *neck, *left, *right)


def full_pose(upper: np.ndarray, left_leg, right_leg) -> np.ndarray:
    """Upper [14] rad + legs (hip flex, abd, rot, knee) in radians -> [NUM_DOFS]."""
    out = np.zeros(NUM_DOFS)
    out[UPPER] = upper
    out[LEG[0]] = left_leg
    out[LEG[1]] = right_leg
    return out


def forward(yaw: float) -> np.ndarray:
    return np.array([np.cos(yaw), np.sin(yaw), 0.0])


def left_of(yaw: float) -> np.ndarray:
    return np.array([-np.sin(yaw), np.cos(yaw), 0.0])


def floor_point(xy: np.ndarray) -> np.ndarray:
    return np.array([xy[0], xy[1], ANKLE_HEIGHT])


def key_pose_com(body: Body, ypr, upper: np.ndarray, stance: dict, knee: float, com_xy,
                 free: Optional[dict] = None) -> tuple[np.ndarray, np.ndarray]:
    """COM and pelvis of an intended key pose: the stance feet {foot: world ankle} planted with
    the straightest stance leg at knee flexion `knee`, free legs {foot: angles [4]}, and the
    pelvis shifted so the COM is over com_xy. Returns (com [3], root [3])."""
    free = free or {}
    R = euler_to_matrix(np.asarray(ypr, dtype=np.float64))
    length = body.leg_length(knee)
    pxy = np.asarray(com_xy, dtype=np.float64)[:2].copy()
    for _ in range(6):
        zs = []
        for foot, pos in stance.items():
            hip = R @ body.hip(foot)
            dxy = np.linalg.norm(pos[:2] - pxy - hip[:2])
            zs.append(pos[2] + np.sqrt(max(length**2 - dxy**2, 1e-6)) - hip[2])
        root = np.array([pxy[0], pxy[1], min(zs)])
        angles = np.zeros(NUM_DOFS)
        angles[UPPER] = upper
        for foot, pos in stance.items():
            angles[LEG[foot]] = body.leg_ik(foot, root[None], R[None], pos[None], np.zeros(1))[0]
        for foot, leg in free.items():
            angles[LEG[foot]] = leg
        com = W @ body.fk(root, R, angles)
        pxy = pxy + (np.asarray(com_xy)[:2] - com[:2])
    return com, root


@dataclass
class GroundBuilder:
    """Collects COM / orientation / upper-body keys and per-foot modes, then builds the
    GroundSegment. Add all keys first, then the foot modes in time order (hand-overs evaluate the
    segment, so its COM path must already exist)."""

    body: Body
    times: list = field(default_factory=list)
    com: list = field(default_factory=list)
    vel: list = field(default_factory=list)
    ypr: list = field(default_factory=list)
    upper: list = field(default_factory=list)
    phases: list = field(default_factory=list)
    feet: tuple = field(default_factory=lambda: ([], []))
    ypr_end_slope: Optional[np.ndarray] = None

    def key(self, t: float, com, ypr, upper, vel=(0.0, 0.0, 0.0), phase: Optional[str] = None) -> None:
        self.times.append(float(t))
        self.com.append(np.asarray(com, dtype=np.float64))
        self.vel.append(np.asarray(vel, dtype=np.float64))
        self.ypr.append(np.asarray(ypr, dtype=np.float64))
        self.upper.append(np.asarray(upper, dtype=np.float64))
        if phase is not None:
            self.phases.append((float(t), phase))

    def segment(self) -> GroundSegment:
        orientation = keyframes(self.times, self.ypr)
        if self.ypr_end_slope is not None:
            # Match the flight's take-off rotation rate: no jump in angular velocity at take-off.
            orientation.slopes[-1] = self.ypr_end_slope
        feet = tuple([FootMode(**{**m.__dict__}) for m in modes] for modes in self.feet)
        for modes in feet:
            for a, b in zip(modes[:-1], modes[1:]):
                a.end = b.start
            if modes:
                modes[-1].end = self.times[-1]
        return GroundSegment(
            body=self.body, start=self.times[0], end=self.times[-1],
            com=HermitePath(self.times, self.com, self.vel), orientation=orientation,
            upper=keyframes(self.times, self.upper), feet=feet,
            phases=self.phases or [(self.times[0], "ground")],
        )

    def stance(self, foot: int, t: float, position, hip_rot: float = 0.0) -> None:
        self.feet[foot].append(FootMode("stance", float(t), np.inf, position=np.asarray(position, float),
                                        hip_rot=keyframes([0.0, 1.0], [[hip_rot], [hip_rot]])))

    def _state(self, foot: int, t: float) -> tuple[np.ndarray, np.ndarray]:
        """World ankle [3] and leg angles [4] of a foot at t under the modes added so far."""
        out = self.segment().solve(np.array([t]))
        return out["joints"][0, ANKLES[foot]], out["angles"][0, LEG[foot]]

    def free(self, foot: int, t: float, times, legs, start: Optional[np.ndarray] = None) -> None:
        """From t the leg follows key angles (times after t, legs [K,4] rad), starting from the
        angles it has at t (or `start`, for a leg that is already in the air at the segment's
        start): the pose is continuous at the hand-over."""
        if start is None:
            _, start = self._state(foot, t)
        path = keyframes([t, *times], np.vstack([start, np.asarray(legs, dtype=np.float64)]))
        self.feet[foot].append(FootMode("angles", float(t), np.inf, angles=path))

    def swing(self, foot: int, t0: float, t1: float, target, lift: float = 0.06, land: bool = True) -> None:
        """From t0 the ankle travels to `target` [3], arriving at t1 (then, with land, stance
        there: target must be a floor point). Starts where the foot is at t0, so the pose is
        continuous."""
        start, leg = self._state(foot, t0)
        target = np.asarray(target, dtype=np.float64)
        mid = 0.5 * (start + target)
        mid[2] = max(start[2], target[2]) + lift
        path = keyframes([t0, 0.5 * (t0 + t1), t1], [start, mid, target])
        rot = keyframes([t0, t1], [[leg[2]], [0.0]])
        self.feet[foot].append(FootMode("swing", float(t0), np.inf, path=path, hip_rot=rot))
        if land:
            self.stance(foot, t1, target)


@dataclass
class Jump:
    """A flight with its take-off and landing states."""

    flight: Flight
    takeoff_pose: np.ndarray  # [NUM_DOFS]
    takeoff_ypr: np.ndarray  # [3]
    takeoff_feet: dict  # foot -> world ankle [3]
    landing_pose: np.ndarray  # [NUM_DOFS]
    landing_ypr: np.ndarray  # [3] (yaw unwrapped near the target)
    landing_feet: dict  # foot -> world ankle [3]
    c0: np.ndarray
    v0: np.ndarray
    c1: np.ndarray
    v1: np.ndarray
    ypr_rate0: np.ndarray  # [3] Euler-angle rates at take-off

    @property
    def t0(self) -> float:
        return self.flight.start

    def shift(self, dt: float) -> None:
        """Move the flight in time (its shape schedule with it); the states are unchanged."""
        self.flight.start += dt
        self.flight.shape.times = self.flight.shape.times + dt

    @property
    def t1(self) -> float:
        return self.flight.end


def plan_jump(body: Body, t0: float, duration: float, shape_times, shape_poses, ypr0, ypr1,
              body_turn, takeoff_feet: tuple, landing_feet: tuple, anchor_xy, travel) -> Jump:
    """Take-off at t0 with pose shape_poses[0] and orientation ypr0, the stance feet
    `takeoff_feet` planted with their mean at anchor_xy; flight of `duration` through the key
    shapes (shape_times relative to t0, the last = duration); land with orientation ypr1 on
    `landing_feet`, the COM moved horizontally by `travel` [2]."""
    ypr0 = np.asarray(ypr0, dtype=np.float64)
    ypr1 = np.asarray(ypr1, dtype=np.float64)
    poses = np.asarray(shape_poses, dtype=np.float64)
    R0 = euler_to_matrix(ypr0)
    X0 = body.fk_body(poses[0])
    # Pelvis so that the take-off feet are on the floor (ankle at 4 cm) around anchor_xy.
    ankles = np.mean([R0 @ X0[ANKLES[f]] for f in takeoff_feet], axis=0)
    root0 = floor_point(anchor_xy) - ankles
    joints0 = root0 + X0 @ R0.T
    feet0 = {f: joints0[ANKLES[f]].copy() for f in takeoff_feet}
    c0 = W @ joints0
    shape = keyframes(t0 + np.asarray(shape_times, dtype=np.float64), poses)
    flight = plan_flight(body, t0, duration, shape, R0, euler_to_matrix(ypr1), body_turn)
    # Landing COM: the landing feet at ankle height, the horizontal travel as asked.
    R1 = quat_to_matrix(flight.q_grid[-1])
    X1 = body.fk_body(poses[-1])
    c_b = W @ X1
    offsets = {f: R1 @ (X1[ANKLES[f]] - c_b) for f in landing_feet}
    c1 = np.array([c0[0] + travel[0], c0[1] + travel[1],
                   ANKLE_HEIGHT - np.mean([o[2] for o in offsets.values()])])
    flight.set_com(c0, c1)
    feet1 = {f: floor_point(c1[:2] + o[:2]) for f, o in offsets.items()}
    # Euler angles at landing, yaw unwrapped towards the target (turns and twists).
    e1 = matrix_to_euler(R1)
    e1[0] += 2 * np.pi * np.round((ypr1[0] - e1[0]) / (2 * np.pi))
    eps = 1e-6
    ea = matrix_to_euler(quat_to_matrix(flight.orientation(np.array([t0 + eps]))[0]))
    diff = ea - ypr0
    diff[0] = (diff[0] + np.pi) % (2 * np.pi) - np.pi
    rate = diff / eps
    return Jump(flight=flight, takeoff_pose=poses[0], takeoff_ypr=ypr0, takeoff_feet=feet0,
                landing_pose=poses[-1], landing_ypr=e1, landing_feet=feet1, c0=c0, v0=flight.v0.copy(),
                c1=c1, v1=flight.com_velocity(np.array([flight.end]))[0], ypr_rate0=rate)


@dataclass
class Plan:
    """A whole move: time-ordered segments covering [0, duration]."""

    body: Body
    segments: list
    info: dict = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return self.segments[-1].end

    def evaluate(self, t: np.ndarray) -> dict:
        """Continuous-time motion at times t [N]: joints [N,17,3], angles [N,NUM_DOFS],
        root [N,3], com [N,3], contacts [N,2], phase [N] str."""
        t = np.atleast_1d(np.asarray(t, dtype=np.float64))
        n = len(t)
        out = {"joints": np.zeros((n, 17, 3)), "angles": np.zeros((n, NUM_DOFS)),
               "root": np.zeros((n, 3)), "com": np.zeros((n, 3)),
               "contacts": np.zeros((n, 2), dtype=bool), "phase": np.empty(n, dtype=object)}
        ends = np.array([s.end for s in self.segments])
        which = np.clip(np.searchsorted(ends, t, side="right"), 0, len(self.segments) - 1)
        for i, seg in enumerate(self.segments):
            sel = which == i
            if not sel.any():
                continue
            if isinstance(seg, Flight):
                res = seg.evaluate(t[sel])
                out["phase"][sel] = "flight"
            else:
                res = seg.solve(t[sel])
                out["phase"][sel] = seg.labels(t[sel])
            for k in ("joints", "angles", "root", "com", "contacts"):
                out[k][sel] = res[k]
        out["phase"] = out["phase"].astype(str)
        return out
