"""Public entry points: one clip from (family, seed), a dataset from (count, seed).

A sampled move is checked before it is returned (joint limits, floor, exact stance, converged
COM solve, continuous pose at take-off and landing); a sample that fails is redrawn from the
same random stream, so the result is still a pure function of the seed.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from ..clip import MotionClip
from .body import ANKLE_HEIGHT, ANKLES, sample_body
from .flight import Flight
from .motions import BUILDERS
from .plan import Plan

FAMILIES: tuple[str, ...] = tuple(BUILDERS)
MAX_ATTEMPTS = 20


def _family_index(family: str) -> int:
    if family not in BUILDERS:
        raise ValueError(f"unknown synthetic family {family!r}; valid families: {', '.join(FAMILIES)}")
    return FAMILIES.index(family)


def check_motion(plan: Plan, out: dict) -> Optional[str]:
    """Why a sampled motion is unusable, or None. out = plan.evaluate(frame times)."""
    lim = plan.body.limits
    a = out["angles"]
    if (a < lim[:, 0] - 1e-9).any() or (a > lim[:, 1] + 1e-9).any():
        return "joint limits"
    joints = out["joints"]
    if joints[..., 2].min() < 0.0:
        return "below the floor"
    for foot, joint in enumerate(ANKLES):
        on = out["contacts"][:, foot]
        z = joints[:, joint, 2]
        if on.any() and np.abs(z[on] - ANKLE_HEIGHT).max() > 1e-9:
            return "stance ankle not at ankle height (leg out of reach)"
        if (~on).any() and z[~on].min() < 0.75 * ANKLE_HEIGHT:
            return "free foot through the floor"
        both = on[1:] & on[:-1]
        step = np.linalg.norm(np.diff(joints[:, joint], axis=0), axis=-1)[both]
        if step.size and step.max() > 1e-9:
            return "stance foot moves"
    # Joins between segments: the same pose from both sides.
    for left, right in zip(plan.segments[:-1], plan.segments[1:]):
        t = np.array([left.end])
        a_left = left.evaluate(t) if isinstance(left, Flight) else left.solve(t)
        a_right = right.evaluate(t) if isinstance(right, Flight) else right.solve(t)
        if np.abs(a_left["joints"] - a_right["joints"]).max() > 1e-6:
            return "pose jumps at a take-off or landing"
        for res in (a_left, a_right):
            if res.get("com_error", 0.0) > 1e-9:
                return "COM solve did not converge"
    return None


def plan_clip(family: str, seed: int, fps: float = 30.0) -> tuple[Plan, dict]:
    """The continuous-time plan of a clip and its evaluation at the frame times."""
    index = _family_index(family)
    rng = np.random.default_rng([int(seed), index])
    last = "no attempt"
    for _ in range(MAX_ATTEMPTS):
        body = sample_body(rng)
        try:
            plan = BUILDERS[family](rng, body)
        except RuntimeError as err:  # shooting failed to converge: draw another move
            last = str(err)
            continue
        times = np.arange(int(np.floor(plan.duration * fps + 1e-9)) + 1) / fps
        out = plan.evaluate(times)
        reason = check_motion(plan, out)
        if reason is None:
            out["times"] = times
            return plan, out
        last = reason
    raise RuntimeError(f"synthetic {family} seed {seed}: no valid motion in {MAX_ATTEMPTS} draws ({last})")


def generate_clip(family: str, seed: int, fps: float = 30.0) -> MotionClip:
    """One synthetic move. joints [T,17,3] world metres (z up, floor z = 0), contacts [T,2]
    (left, right); extras: body parameters, per-frame phase labels [T], joint angles [T,22],
    COM [T,3] and the move's parameters (variant, turns, twists, flight time)."""
    plan, out = plan_clip(family, seed, fps)
    return MotionClip(
        joints=out["joints"], fps=fps, contacts=out["contacts"],
        name=f"synthetic/{family}/{int(seed):06d}", source=f"finephys.synthetic seed={int(seed)}",
        family=family,
        extras={"body": plan.body.as_dict(), "phase": out["phase"], "angles": out["angles"],
                "com": out["com"], "move": dict(plan.info)},
    )


def generate_dataset(count: int, seed: int, fps: float = 30.0,
                     families: Optional[Sequence[str]] = None) -> list[MotionClip]:
    """`count` clips, the families cycled in order, each with its own seed drawn from `seed`."""
    families = tuple(FAMILIES if families is None else families)
    if not families:
        raise ValueError("families must not be empty")
    for family in families:
        _family_index(family)
    seeds = np.random.default_rng(int(seed)).integers(0, 1_000_000, size=count)
    return [generate_clip(families[i % len(families)], int(seeds[i]), fps) for i in range(count)]
