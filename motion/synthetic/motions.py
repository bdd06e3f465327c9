"""The move families of floor exercise as phase timelines.

Every builder takes (rng, body) and returns a Plan. Jumps share one structure:
stand -> prep (dip, arm swing) -> push (uniform COM acceleration to the take-off state) ->
flight (plan_jump: exact ballistics, conserved angular momentum) -> absorb (uniform COM
deceleration from the landing state) -> recover -> balance. Angles are designed in degrees and
clamped one degree inside the body's sampled limits.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .body import LEG, Body
from .plan import (
    GroundBuilder, Jump, Plan, floor_point, forward, full_pose, key_pose_com, left_of, plan_jump,
    rad, upper_pose,
)

STAND_KNEE = np.radians(12.0)  # soft knees: room for the COM path between key poses


def _u(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(rng.uniform(lo, hi))


def clamp(body: Body, pose: np.ndarray, margin_deg: float = 1.0) -> np.ndarray:
    """Keep a designed pose [NUM_DOFS] one degree inside the joint limits."""
    m = np.radians(margin_deg)
    return np.clip(pose, body.limits[:, 0] + m, body.limits[:, 1] - m)


def _clamp_upper(body: Body, upper: np.ndarray) -> np.ndarray:
    m = np.radians(1.0)
    return np.clip(upper, body.limits[:14, 0] + m, body.limits[:14, 1] - m)


def _clamp_leg(body: Body, foot: int, leg) -> np.ndarray:
    lim = body.limits[LEG[foot]]
    m = np.radians(1.0)
    return np.clip(np.asarray(leg, dtype=np.float64), lim[:, 0] + m, lim[:, 1] - m)


def _arm(rng, flex, abd, elbow, rot=(0.0, 0.0)) -> tuple:
    return (_u(rng, *flex), _u(rng, *abd), _u(rng, *rot), _u(rng, *elbow))


def stand_upper(rng, body: Body) -> np.ndarray:
    return _clamp_upper(body, upper_pose(
        trunk=(_u(rng, -3, 3), 0, 0), neck=(_u(rng, -5, 10), 0, 0),
        left=_arm(rng, (-5, 10), (6, 14), (5, 20)), right=_arm(rng, (-5, 10), (6, 14), (5, 20))))


def present_upper(rng, body: Body) -> np.ndarray:
    """Arms up or to the side: the finishing 'presentation' / balance position."""
    if rng.random() < 0.5:
        arms = _arm(rng, (150, 175), (5, 25), (0, 15))
        return _clamp_upper(body, upper_pose(trunk=(_u(rng, -5, 0), 0, 0), left=arms, right=arms))
    return _clamp_upper(body, upper_pose(left=_arm(rng, (0, 30), (75, 100), (0, 20)),
                                         right=_arm(rng, (0, 30), (75, 100), (0, 20))))


def hip_width_feet(body: Body, centre_xy, yaw: float, scale: float = 1.0) -> dict:
    half = body.hip_offset[1] * scale
    return {0: floor_point(np.asarray(centre_xy)[:2] + half * left_of(yaw)[:2]),
            1: floor_point(np.asarray(centre_xy)[:2] - half * left_of(yaw)[:2])}


def _mid(feet: dict) -> np.ndarray:
    return np.mean(list(feet.values()), axis=0)


# ---- take-off and landing on two feet --------------------------------------------------------
def two_foot_prep(rng, body: Body, jump: Jump) -> tuple[GroundBuilder, float]:
    """Stand, dip with the arms swung back, push. Returns the builder (keys up to take-off) and
    the take-off time; the caller shifts the flight to it."""
    feet = jump.takeoff_feet
    yaw = jump.takeoff_ypr[0]
    t_hold = _u(rng, 0.15, 0.45)
    t_dip = t_hold + _u(rng, 0.35, 0.55)
    s_up = stand_upper(rng, body)
    s_ypr = (yaw, 0.0, 0.0)
    c_s, _ = key_pose_com(body, s_ypr, s_up, feet, STAND_KNEE, _mid(feet))
    d_ypr = (yaw, float(np.radians(_u(rng, 15, 30))), 0.0)
    back = _arm(rng, (-55, -30), (5, 20), (5, 30))
    d_up = _clamp_upper(body, upper_pose(trunk=(_u(rng, 15, 35), 0, 0), neck=(_u(rng, 0, 15), 0, 0),
                                         left=back, right=back))
    c_d, _ = key_pose_com(body, d_ypr, d_up, feet, np.radians(_u(rng, 70, 95)), _mid(feet))
    # Uniform acceleration from rest to (c0, v0): the push lasts D = 2 dz / v0z and starts
    # v0 D / 2 behind the take-off COM, so the cubic COM path is exactly that parabola.
    dz = jump.c0[2] - c_d[2]
    push = 2 * dz / jump.v0[2]
    c_d = np.array([*(jump.c0[:2] - jump.v0[:2] * push / 2), c_d[2]])
    t0 = t_dip + push
    g = GroundBuilder(body)
    g.key(0.0, c_s, s_ypr, s_up, phase="stand")
    g.key(t_hold, c_s, s_ypr, s_up, phase="prep")
    g.key(t_dip, c_d, d_ypr, d_up, phase="push")
    g.key(t0, jump.c0, jump.takeoff_ypr, jump.takeoff_pose[:14], vel=jump.v0)
    g.ypr_end_slope = jump.ypr_rate0
    for foot, pos in feet.items():
        g.stance(foot, 0.0, pos, hip_rot=jump.takeoff_pose[LEG[foot]][2])
    return g, t0


def landing_absorb(rng, body: Body, jump: Jump, stance: dict, free: dict, knee_deg) -> tuple:
    """Absorb key after landing: COM decelerated uniformly from (c1, v1) to rest.
    Returns (time, com, ypr, upper)."""
    yaw = jump.landing_ypr[0]
    a_ypr = (yaw, float(np.radians(_u(rng, 10, 25))), 0.0)
    arms = _arm(rng, (50, 100), (10, 60), (5, 30))
    a_up = _clamp_upper(body, upper_pose(trunk=(_u(rng, 10, 30), 0, 0), left=arms, right=arms))
    c_a, _ = key_pose_com(body, a_ypr, a_up, stance, np.radians(_u(rng, *knee_deg)), _mid(stance), free)
    dz = jump.c1[2] - c_a[2]
    absorb = 2 * dz / -jump.v1[2]
    c_a = np.array([*(jump.c1[:2] + jump.v1[:2] * absorb / 2), c_a[2]])
    return jump.t1 + absorb, c_a, a_ypr, a_up


def two_foot_recover(rng, body: Body, jump: Jump) -> GroundBuilder:
    feet = jump.landing_feet
    yaw = jump.landing_ypr[0]
    g = GroundBuilder(body)
    g.key(jump.t1, jump.c1, jump.landing_ypr, jump.landing_pose[:14], vel=jump.v1, phase="absorb")
    t_a, c_a, a_ypr, a_up = landing_absorb(rng, body, jump, feet, {}, (55, 85))
    g.key(t_a, c_a, a_ypr, a_up, phase="recover")
    s_ypr = (yaw, 0.0, 0.0)
    p_up = present_upper(rng, body)
    c_s, _ = key_pose_com(body, s_ypr, p_up, feet, STAND_KNEE, _mid(feet))
    t_r = t_a + _u(rng, 0.4, 0.7)
    g.key(t_r, c_s, s_ypr, p_up, phase="balance")
    s_up = stand_upper(rng, body)
    c_e, _ = key_pose_com(body, s_ypr, s_up, feet, STAND_KNEE, _mid(feet))
    g.key(t_r + _u(rng, 0.3, 0.6), c_e, s_ypr, s_up)
    for foot, pos in feet.items():
        g.stance(foot, jump.t1, pos)
    return g


def _two_foot_jump(rng, body: Body, T: float, times, poses, ypr0, ypr1, body_turn, travel, info) -> Plan:
    anchor = rng.uniform(-2, 2, 2)
    jump = plan_jump(body, 0.0, T, times, poses, ypr0, ypr1, body_turn, (0, 1), (0, 1), anchor, travel)
    pre, t0 = two_foot_prep(rng, body, jump)
    jump.shift(t0)
    post = two_foot_recover(rng, body, jump)
    info.update(flight_time=T, takeoff_velocity=jump.v0.tolist())
    return Plan(body, [pre.segment(), jump.flight, post.segment()], info)


def _legs(flex, abd, rot, knee) -> np.ndarray:
    return rad(flex, abd, rot, knee)


# ---- families ------------------------------------------------------------------------------
def vertical_jump(rng: np.random.Generator, body: Body) -> Plan:
    """Straight / tuck / pike / straddle jump, the straight and tuck ones with 0, 1/2 or 1 turn."""
    variant = str(rng.choice(["straight", "tuck", "pike", "straddle"]))
    turns = float(rng.choice([0.0, 0.5, 1.0])) if variant in ("straight", "tuck") else 0.0
    spin = 1.0 if rng.random() < 0.5 else -1.0
    T = _u(rng, 0.40, 0.55)
    yaw0 = _u(rng, -np.pi, np.pi)
    up = _arm(rng, (150, 175), (0, 20), (0, 15))
    leg0 = _legs(_u(rng, 0, 4), 0, 0, _u(rng, 3, 8))
    pose0 = clamp(body, full_pose(upper_pose(trunk=(_u(rng, -5, 5), 0, 0), left=up, right=up), leg0, leg0))
    if variant == "tuck":
        leg = _legs(_u(rng, 100, 125), _u(rng, 0, 10), 0, _u(rng, 110, 135))
        arms = _arm(rng, (40, 70), (5, 20), (40, 90))
        trunk = _u(rng, 10, 30)
    elif variant == "pike":
        leg = _legs(_u(rng, 90, 125), 0, 0, _u(rng, 0, 5))
        arms = _arm(rng, (60, 95), (0, 15), (0, 15))
        trunk = _u(rng, 15, 35)
    elif variant == "straddle":
        leg = _legs(_u(rng, 70, 100), _u(rng, 35, 60), _u(rng, 0, 20), _u(rng, 0, 5))
        arms = _arm(rng, (60, 95), (20, 50), (0, 15))
        trunk = _u(rng, 10, 25)
    else:
        leg = _legs(_u(rng, 0, 5), _u(rng, 0, 5), 0, _u(rng, 0, 5))
        arms = _arm(rng, (20, 40), (-20, 0), (110, 135)) if turns else _arm(rng, (150, 175), (0, 20), (0, 15))
        trunk = _u(rng, -5, 5)
    peak = clamp(body, full_pose(upper_pose(trunk=(trunk, 0, 0), left=arms, right=arms), leg, leg))
    leg1 = _legs(_u(rng, 20, 35), 0, 0, _u(rng, 25, 40))
    arms1 = _arm(rng, (90, 150), (10, 30), (5, 20))
    pose1 = clamp(body, full_pose(upper_pose(trunk=(_u(rng, 5, 15), 0, 0), left=arms1, right=arms1), leg1, leg1))
    a, b = _u(rng, 0.3, 0.4) * T, _u(rng, 0.55, 0.65) * T
    pitch0, pitch1 = np.radians(_u(rng, -3, 3)), np.radians(_u(rng, 0, 8))
    turn = 2 * np.pi * turns * spin
    ypr0, ypr1 = (yaw0, pitch0, 0.0), (yaw0 + turn, pitch1, 0.0)
    travel = forward(yaw0)[:2] * _u(rng, 0.0, 0.3)
    info = {"variant": variant, "turns": turns * spin, "salto_turns": 0.0, "twists": 0.0}
    return _two_foot_jump(rng, body, T, [0, a, b, T], [pose0, peak, peak, pose1], ypr0, ypr1,
                          (0.0, pitch1 - pitch0, turn), travel, info)


def _salto(rng: np.random.Generator, body: Body, direction: float, twists: float) -> Plan:
    """direction -1 back, +1 front; twists in turns about the long axis."""
    if twists:
        variant = "straight" if twists > 1 or rng.random() < 0.6 else "tuck"
        T = _u(rng, 0.80, 0.95)
    else:
        variant = str(rng.choice(["tuck", "pike", "straight"]))
        T = _u(rng, 0.75, 0.92) if direction < 0 else _u(rng, 0.72, 0.85)
    yaw0 = _u(rng, -np.pi, np.pi)
    up = _arm(rng, (150, 175), (0, 20), (0, 15))
    leg0 = _legs(_u(rng, 0, 5), 0, 0, _u(rng, 3, 8))
    trunk0 = _u(rng, -10, 0) if direction < 0 else _u(rng, 0, 10)
    pose0 = clamp(body, full_pose(upper_pose(trunk=(trunk0, 0, 0), left=up, right=up), leg0, leg0))
    if variant == "tuck":
        leg = _legs(_u(rng, 105, 130), _u(rng, 0, 10), 0, _u(rng, 115, 138))
        arms = _arm(rng, (40, 70), (5, 20), (50, 100))
        trunk = _u(rng, 15, 35)
    elif variant == "pike":
        leg = _legs(_u(rng, 100, 130), 0, 0, _u(rng, 0, 5))
        arms = _arm(rng, (50, 90), (0, 15), (0, 20))
        trunk = _u(rng, 15, 35)
    else:
        leg = _legs(_u(rng, -8, 0), 0, 0, _u(rng, 0, 5))
        trunk = _u(rng, -15, -3) if direction < 0 else _u(rng, 0, 10)
        arms = _arm(rng, (20, 40), (-20, 0), (110, 135)) if twists else _arm(rng, (0, 20), (5, 20), (0, 15))
    if twists and variant == "tuck":
        arms = _arm(rng, (20, 40), (-20, 0), (110, 135))
    peak = clamp(body, full_pose(upper_pose(trunk=(trunk, 0, 0), left=arms, right=arms), leg, leg))
    leg1 = _legs(_u(rng, 25, 40), 0, 0, _u(rng, 25, 45))
    arms1 = _arm(rng, (110, 170), (10, 40), (5, 20))
    pose1 = clamp(body, full_pose(upper_pose(trunk=(_u(rng, 10, 25), 0, 0), left=arms1, right=arms1), leg1, leg1))
    a, b = _u(rng, 0.15, 0.25) * T, _u(rng, 0.65, 0.78) * T
    pitch0 = np.radians(_u(rng, -10, 0) if direction < 0 else _u(rng, 0, 10))
    pitch1 = np.radians(_u(rng, 0, 12))
    twist = 2 * np.pi * twists
    ypr0, ypr1 = (yaw0, pitch0, 0.0), (yaw0 + twist, pitch1, 0.0)
    dist = _u(rng, 0.5, 1.2) if direction > 0 else -_u(rng, 0.3, 0.9)
    info = {"variant": variant, "turns": 0.0, "salto_turns": float(direction), "twists": twists}
    return _two_foot_jump(rng, body, T, [0, a, b, T], [pose0, peak, peak, pose1], ypr0, ypr1,
                          (0.0, pitch1 - pitch0 + 2 * np.pi * direction, twist),
                          forward(yaw0)[:2] * dist, info)


def back_salto(rng: np.random.Generator, body: Body) -> Plan:
    return _salto(rng, body, -1.0, 0.0)


def front_salto(rng: np.random.Generator, body: Body) -> Plan:
    return _salto(rng, body, 1.0, 0.0)


def twisting_salto(rng: np.random.Generator, body: Body) -> Plan:
    twists = float(rng.choice([0.5, 1.0, 1.5, 2.0])) * (1.0 if rng.random() < 0.5 else -1.0)
    return _salto(rng, body, -1.0, twists)


def _leap(rng: np.random.Generator, body: Body, switch: bool) -> Plan:
    """One-foot take-off, front-back split in flight, landing on the other foot. switch: the
    free leg kicks forward, then the legs swap so the split has the take-off leg in front."""
    s = int(rng.integers(2))  # take-off foot
    lead = 1 - s
    half = float(rng.random() < 0.3)
    T = _u(rng, 0.45, 0.6)
    yaw0 = _u(rng, -np.pi, np.pi)
    pitch0 = _u(rng, 5, 12)
    # World inclination of the take-off leg (foot behind) = pelvis pitch - hip flexion.
    stance0 = _legs(pitch0 - _u(rng, 15, 25), 0, 0, _u(rng, 5, 12))
    kick = _legs(_u(rng, 50, 80), _u(rng, 0, 10), 0, _u(rng, 20, 60) if not switch else _u(rng, 10, 40))
    fwd_arm = _arm(rng, (70, 110), (0, 20), (5, 25))
    side_arm = _arm(rng, (0, 30), (60, 90), (5, 25))
    arms_l, arms_r = (side_arm, fwd_arm) if lead == 0 else (fwd_arm, side_arm)
    legs = {s: stance0, lead: kick}
    pose0 = clamp(body, full_pose(upper_pose(trunk=(_u(rng, -5, 5), 0, 0), left=arms_l, right=arms_r), legs[0], legs[1]))
    front, rear = (s, lead) if switch else (lead, s)
    split = {front: _legs(_u(rng, 0.75, 0.95) * np.degrees(body.limits[LEG[front]][0, 1]), _u(rng, 0, 8), 0, _u(rng, 0, 8)),
             rear: _legs(_u(rng, 0.7, 0.95) * np.degrees(body.limits[LEG[rear]][0, 0]), _u(rng, 0, 8), 0, _u(rng, 0, 10))}
    if rng.random() < 0.5:
        sa = _arm(rng, (0, 30), (80, 110), (0, 20))
        sb = _arm(rng, (0, 30), (80, 110), (0, 20))
    else:
        sa = sb = _arm(rng, (150, 175), (5, 25), (0, 20))
    peak = clamp(body, full_pose(upper_pose(trunk=(_u(rng, -20, -5), 0, 0), left=sa, right=sb), split[0], split[1]))
    if switch:
        land = {lead: _legs(_u(rng, -5, 10), 0, 0, _u(rng, 10, 25)), s: _legs(_u(rng, 30, 60), 0, 0, _u(rng, 10, 40))}
    else:
        land = {lead: _legs(_u(rng, 15, 30), 0, 0, _u(rng, 10, 25)), s: _legs(-_u(rng, 20, 40), 0, 0, _u(rng, 20, 50))}
    arms1 = _arm(rng, (20, 60), (50, 90), (5, 25))
    pose1 = clamp(body, full_pose(upper_pose(trunk=(_u(rng, 0, 10), 0, 0), left=arms1, right=arms1), land[0], land[1]))
    if switch:
        passing = {lead: _legs(_u(rng, 0, 15), 0, 0, _u(rng, 20, 50)), s: _legs(_u(rng, 0, 15), 0, 0, _u(rng, 20, 50))}
        mid = clamp(body, full_pose(0.5 * (pose0[:14] + peak[:14]), passing[0], passing[1]))
        times = [0, 0.22 * T, _u(rng, 0.45, 0.55) * T, _u(rng, 0.6, 0.7) * T, T]
        poses = [pose0, mid, peak, peak, pose1]
    else:
        times = [0, _u(rng, 0.35, 0.45) * T, _u(rng, 0.55, 0.65) * T, T]
        poses = [pose0, peak, peak, pose1]
    pitch1 = _u(rng, 0, 10)
    turn = np.pi * half * (1.0 if rng.random() < 0.5 else -1.0)
    ypr0 = (yaw0, np.radians(pitch0), 0.0)
    ypr1 = (yaw0 + turn, np.radians(pitch1), 0.0)
    travel = forward(yaw0)[:2] * _u(rng, 0.8, 1.4)
    anchor = rng.uniform(-2, 2, 2)
    jump = plan_jump(body, 0.0, T, times, poses, ypr0, ypr1, (0.0, np.radians(pitch1 - pitch0), turn),
                     (s,), (lead,), anchor, travel)

    # Before: standing with the free (lead) foot a step behind, weight onto the take-off foot,
    # the lead leg swings through, a dip on the take-off leg and the push.
    stance_pos = jump.takeoff_feet[s]
    side = left_of(yaw0) * body.hip_offset[1] * (1.0 if lead == 0 else -1.0)
    rear_pos = floor_point(stance_pos[:2] - forward(yaw0)[:2] * _u(rng, 0.45, 0.65) + 2 * side[:2])
    feet = {s: stance_pos, lead: rear_pos}
    s_ypr = (yaw0, 0.0, 0.0)
    s_up = stand_upper(rng, body)
    c_s, _ = key_pose_com(body, s_ypr, s_up, feet, STAND_KNEE, _mid(feet))
    t_hold = _u(rng, 0.15, 0.4)
    t_lift = t_hold + _u(rng, 0.35, 0.5)
    shift_up = _clamp_upper(body, upper_pose(left=_arm(rng, (-10, 20), (20, 50), (5, 30)), right=_arm(rng, (-10, 20), (20, 50), (5, 30))))
    c_l, _ = key_pose_com(body, s_ypr, shift_up, feet, STAND_KNEE, 0.3 * rear_pos + 0.7 * stance_pos)
    swing_leg = _clamp_leg(body, lead, _legs(_u(rng, -10, 10), 0, 0, _u(rng, 60, 90)))
    d_ypr = (yaw0, np.radians(_u(rng, 10, 20)), 0.0)
    back = _arm(rng, (-40, -10), (10, 30), (5, 30))
    d_up = _clamp_upper(body, upper_pose(trunk=(_u(rng, 5, 20), 0, 0), left=back, right=back))
    c_d, _ = key_pose_com(body, d_ypr, d_up, {s: stance_pos}, np.radians(_u(rng, 35, 55)), stance_pos, {lead: swing_leg})
    # The take-off leg is inclined at take-off, so the dip is set as a COM drop (at least
    # 8-15 cm) rather than taken from the key pose alone.
    dz = max(jump.c0[2] - c_d[2], _u(rng, 0.08, 0.15))
    push = 2 * dz / jump.v0[2]
    c_d = np.array([*(jump.c0[:2] - jump.v0[:2] * push / 2), jump.c0[2] - dz])
    t_dip = t_lift + _u(rng, 0.2, 0.3)
    t0 = t_dip + push
    jump.shift(t0)
    pre = GroundBuilder(body)
    pre.key(0.0, c_s, s_ypr, s_up, phase="stand")
    pre.key(t_hold, c_s, s_ypr, s_up, phase="prep")
    pre.key(t_lift, c_l, s_ypr, shift_up)
    pre.key(t_dip, c_d, d_ypr, d_up, phase="push")
    pre.key(t0, jump.c0, jump.takeoff_ypr, jump.takeoff_pose[:14], vel=jump.v0)
    pre.ypr_end_slope = jump.ypr_rate0
    pre.stance(s, 0.0, stance_pos, hip_rot=jump.takeoff_pose[LEG[s]][2])
    pre.stance(lead, 0.0, rear_pos)
    # The free foot leaves the floor on a world path (so it clears the floor while the pelvis
    # dips), passing beside the take-off foot, then kicks forward on joint angles.
    pass_pos = stance_pos + np.array([0.0, 0.0, _u(rng, 0.12, 0.2)]) + 2 * side
    pre.swing(lead, t_lift, t_dip, pass_pos, lift=0.04, land=False)
    # Knee kept bent while the thigh passes the vertical, or the foot would scrape the floor.
    through = _clamp_leg(body, lead, _legs(_u(rng, 15, 30), 0, 0, _u(rng, 85, 100)))
    pre.free(lead, t_dip, [0.5 * (t_dip + t0), t0], [through, jump.takeoff_pose[LEG[lead]]])

    # After: absorb on the landing foot, the free leg comes down to the floor, both feet.
    land_pos = jump.landing_feet[lead]
    yaw1 = jump.landing_ypr[0]
    post = GroundBuilder(body)
    post.key(jump.t1, jump.c1, jump.landing_ypr, jump.landing_pose[:14], vel=jump.v1, phase="absorb")
    lower = _clamp_leg(body, s, _legs(_u(rng, 40, 60), 0, 0, _u(rng, 50, 80)) if switch
                       else _legs(-_u(rng, 10, 25), 0, 0, _u(rng, 50, 80)))
    t_a, c_a, a_ypr, a_up = landing_absorb(rng, body, jump, {lead: land_pos}, {s: lower}, (30, 50))
    post.key(t_a, c_a, a_ypr, a_up, phase="recover")
    t_td = t_a + _u(rng, 0.25, 0.4)
    side1 = left_of(yaw1) * body.hip_offset[1] * (1.0 if s == 0 else -1.0)
    step = _u(rng, 0.25, 0.45) * (1.0 if switch else -1.0)
    td_pos = floor_point(land_pos[:2] + forward(yaw1)[:2] * step + 2 * side1[:2])
    post.key(t_td, c_a, a_ypr, a_up)
    feet1 = {lead: land_pos, s: td_pos}
    e_ypr = (yaw1, 0.0, 0.0)
    p_up = present_upper(rng, body)
    c_r, _ = key_pose_com(body, e_ypr, p_up, feet1, STAND_KNEE, _mid(feet1))
    t_r = t_td + _u(rng, 0.4, 0.6)
    post.key(t_r, c_r, e_ypr, p_up, phase="balance")
    e_up = stand_upper(rng, body)
    c_e, _ = key_pose_com(body, e_ypr, e_up, feet1, STAND_KNEE, _mid(feet1))
    post.key(t_r + _u(rng, 0.3, 0.5), c_e, e_ypr, e_up)
    post.stance(lead, jump.t1, land_pos)
    post.free(s, jump.t1, [t_a], [lower], start=jump.landing_pose[LEG[s]])
    post.swing(s, t_a, t_td, td_pos)
    info = {"variant": "switch" if switch else "split", "turns": turn / (2 * np.pi), "salto_turns": 0.0,
            "twists": 0.0, "flight_time": T, "takeoff_velocity": jump.v0.tolist(),
            "takeoff_foot": "left" if s == 0 else "right"}
    return Plan(body, [pre.segment(), jump.flight, post.segment()], info)


def split_leap(rng: np.random.Generator, body: Body) -> Plan:
    return _leap(rng, body, switch=False)


def switch_leap(rng: np.random.Generator, body: Body) -> Plan:
    return _leap(rng, body, switch=True)


def turn(rng: np.random.Generator, body: Body) -> Plan:
    """Pirouette: weight onto one foot, free leg to passé, 1-3 turns about the planted stance
    foot, free leg down beside it."""
    s = int(rng.integers(2))
    f = 1 - s
    n = int(rng.integers(1, 4))
    direction = 1.0 if rng.random() < 0.5 else -1.0
    yaw0 = _u(rng, -np.pi, np.pi)
    feet = hip_width_feet(body, rng.uniform(-2, 2, 2), yaw0, _u(rng, 1.0, 1.5))
    g = GroundBuilder(body)
    s_ypr = (yaw0, 0.0, 0.0)
    s_up = stand_upper(rng, body)
    c_s, _ = key_pose_com(body, s_ypr, s_up, feet, STAND_KNEE, _mid(feet))
    t_hold = _u(rng, 0.2, 0.4)
    t_shift = t_hold + _u(rng, 0.3, 0.5)
    prep = _clamp_upper(body, upper_pose(left=_arm(rng, (10, 60), (40, 80), (10, 40)), right=_arm(rng, (10, 60), (40, 80), (10, 40))))
    c_l, _ = key_pose_com(body, s_ypr, prep, feet, np.radians(_u(rng, 10, 25)), feet[s])
    passe = _clamp_leg(body, f, _legs(_u(rng, 60, 80), _u(rng, 25, 45), _u(rng, 25, 40), _u(rng, 120, 140)))
    t_passe = t_shift + _u(rng, 0.25, 0.4)
    if rng.random() < 0.5:
        arms = _arm(rng, (60, 80), (15, 30), (50, 80))
    else:
        arms = _arm(rng, (160, 175), (5, 15), (10, 30))
    t_up = _clamp_upper(body, upper_pose(trunk=(_u(rng, -3, 3), 0, 0), left=arms, right=arms))
    c_t, _ = key_pose_com(body, s_ypr, t_up, {s: feet[s]}, np.radians(_u(rng, 2, 6)), feet[s], {f: passe})
    t_start = t_passe + _u(rng, 0.02, 0.1)
    t_end = t_start + n * _u(rng, 0.35, 0.5)
    yaw1 = yaw0 + direction * 2 * np.pi * n
    t_down = t_end + _u(rng, 0.15, 0.25)
    t_td = t_down + _u(rng, 0.2, 0.3)
    side = left_of(yaw1) * body.hip_offset[1] * (1.0 if f == 0 else -1.0) * _u(rng, 2.0, 2.8)
    td_pos = floor_point(feet[s][:2] + side[:2])
    feet1 = {s: feet[s], f: td_pos}
    e_ypr = (yaw1, 0.0, 0.0)
    p_up = present_upper(rng, body)
    c_r, _ = key_pose_com(body, e_ypr, p_up, feet1, STAND_KNEE, _mid(feet1))
    t_r = t_td + _u(rng, 0.35, 0.6)
    e_up = stand_upper(rng, body)
    c_e, _ = key_pose_com(body, e_ypr, e_up, feet1, STAND_KNEE, _mid(feet1))
    g.key(0.0, c_s, s_ypr, s_up, phase="stand")
    g.key(t_hold, c_s, s_ypr, s_up, phase="prep")
    g.key(t_shift, c_l, s_ypr, prep)
    g.key(t_passe, c_t, s_ypr, t_up)
    g.key(t_start, c_t, s_ypr, t_up, phase="turn")
    g.key(t_end, c_t, (yaw1, 0.0, 0.0), t_up, phase="recover")
    g.key(t_down, c_t, (yaw1, 0.0, 0.0), t_up)
    g.key(t_td, c_t, (yaw1, 0.0, 0.0), p_up)
    g.key(t_r, c_r, e_ypr, p_up, phase="balance")
    g.key(t_r + _u(rng, 0.3, 0.5), c_e, e_ypr, e_up)
    g.stance(s, 0.0, feet[s])
    g.stance(f, 0.0, feet[f])
    down = _clamp_leg(body, f, _legs(_u(rng, 10, 25), _u(rng, 5, 10), 0, _u(rng, 30, 50)))
    g.free(f, t_shift, [t_passe, t_end, t_down], [passe, passe, down])
    g.swing(f, t_down, t_td, td_pos)
    info = {"variant": f"{n}_turns", "turns": direction * n, "salto_turns": 0.0, "twists": 0.0,
            "flight_time": 0.0, "stance_foot": "left" if s == 0 else "right"}
    return Plan(body, [g.segment()], info)


def standing(rng: np.random.Generator, body: Body) -> Plan:
    """Standing transitions without flight: arm waves, plié, weight shifts, trunk bends and a
    lunge step, chained."""
    yaw = _u(rng, -np.pi, np.pi)
    feet = hip_width_feet(body, rng.uniform(-2, 2, 2), yaw, _u(rng, 1.0, 1.8))
    g = GroundBuilder(body)
    ypr = (yaw, 0.0, 0.0)
    up = stand_upper(rng, body)
    c, _ = key_pose_com(body, ypr, up, feet, STAND_KNEE, _mid(feet))
    t = 0.0
    g.key(t, c, ypr, up, phase="stand")
    moves = list(rng.choice(["arms", "plie", "shift", "bend", "lunge"], size=int(rng.integers(3, 6))))
    swings = []
    used = []
    for move in moves:
        dt = _u(rng, 0.5, 0.9)
        if move == "arms":
            up = _clamp_upper(body, upper_pose(left=_arm(rng, (-30, 175), (0, 160), (0, 120), (-30, 30)),
                                               right=_arm(rng, (-30, 175), (0, 160), (0, 120), (-30, 30))))
            c, _ = key_pose_com(body, ypr, up, feet, STAND_KNEE, _mid(feet))
        elif move == "plie":
            up = _clamp_upper(body, upper_pose(left=_arm(rng, (0, 90), (40, 90), (10, 40)), right=_arm(rng, (0, 90), (40, 90), (10, 40))))
            c, _ = key_pose_com(body, ypr, up, feet, np.radians(_u(rng, 30, 60)), _mid(feet))
        elif move == "shift":
            ypr = (yaw + np.radians(_u(rng, -20, 20)), 0.0, 0.0)
            w = _u(rng, 0.15, 0.85)
            c, _ = key_pose_com(body, ypr, up, feet, np.radians(_u(rng, 3, 15)), w * feet[0] + (1 - w) * feet[1])
        elif move == "bend":
            up = up.copy()
            if rng.random() < 0.5:
                up[0] = np.radians(_u(rng, 20, 60))
            else:
                up[1] = np.radians(_u(rng, 15, 25) * (1 if rng.random() < 0.5 else -1))
            up = _clamp_upper(body, up)
            c, _ = key_pose_com(body, ypr, up, feet, STAND_KNEE, _mid(feet))
        else:  # lunge: weight on the back foot, step forward, sink, come back
            k = int(rng.integers(2))
            ypr = (yaw, 0.0, 0.0)
            c_b, _ = key_pose_com(body, ypr, up, feet, STAND_KNEE, feet[1 - k])
            g.key(t + 0.4, c_b, ypr, up)
            step_to = floor_point(feet[k][:2] + forward(yaw)[:2] * _u(rng, 0.3, 0.45))
            t_land = t + 0.4 + _u(rng, 0.3, 0.45)
            g.key(t_land, c_b, ypr, up)
            lunge_feet = {1 - k: feet[1 - k], k: step_to}
            arms = _arm(rng, (60, 175), (0, 60), (0, 30))
            l_up = _clamp_upper(body, upper_pose(trunk=(_u(rng, 0, 15), 0, 0), left=arms, right=arms))
            c_l, _ = key_pose_com(body, ypr, l_up, lunge_feet, np.radians(_u(rng, 5, 15)), 0.35 * feet[1 - k] + 0.65 * step_to)
            t_low = t_land + _u(rng, 0.4, 0.6)
            g.key(t_low, c_l, ypr, l_up)
            g.key(t_low + _u(rng, 0.2, 0.4), c_l, ypr, l_up)
            t_back = t_low + _u(rng, 0.8, 1.0)
            g.key(t_back, c_b, ypr, up)
            t_home = t_back + _u(rng, 0.3, 0.45)
            g.key(t_home, c_b, ypr, up)
            swings.append((k, t + 0.4, t_land, step_to))
            swings.append((k, t_back, t_home, feet[k]))
            t = t_home
            c, _ = key_pose_com(body, ypr, up, feet, STAND_KNEE, _mid(feet))
            dt = _u(rng, 0.4, 0.6)
        t += dt
        g.key(t, c, ypr, up, phase=None)
        used.append(str(move))
    up = stand_upper(rng, body)
    ypr = (yaw, 0.0, 0.0)
    c, _ = key_pose_com(body, ypr, up, feet, STAND_KNEE, _mid(feet))
    g.key(t + _u(rng, 0.5, 0.8), c, ypr, up)
    g.phases = [(0.0, "stand")]
    g.stance(0, 0.0, feet[0])
    g.stance(1, 0.0, feet[1])
    for foot, a, b, target in swings:
        g.swing(foot, a, b, target)
    info = {"variant": "+".join(used), "turns": 0.0, "salto_turns": 0.0, "twists": 0.0, "flight_time": 0.0}
    return Plan(body, [g.segment()], info)


BUILDERS: dict[str, Callable[[np.random.Generator, Body], Plan]] = {
    "standing": standing,
    "vertical_jump": vertical_jump,
    "split_leap": split_leap,
    "switch_leap": switch_leap,
    "turn": turn,
    "back_salto": back_salto,
    "front_salto": front_salto,
    "twisting_salto": twisting_salto,
}
