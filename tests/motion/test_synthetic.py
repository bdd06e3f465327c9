"""Synthetic gymnastics: exact flight physics, planted feet, limits, determinism, variety."""
from functools import lru_cache

import numpy as np
import pytest

from finephys.metrics.bones import bone_length_std
from finephys.metrics.com import ballistic_error, centre_of_mass, joint_mass_weights
from finephys.metrics.contact import foot_skate
from finephys.motion.synthetic import FAMILIES, generate_clip, generate_dataset, plan_clip, variety_report
from finephys.motion.synthetic.flight import Flight
from finephys.skeleton.h36m import L_ANKLE, PELVIS, R_ANKLE, THORAX

SEEDS = (0, 1)
CASES = [(f, s) for f in FAMILIES for s in SEEDS]
FLYING = ("vertical_jump", "split_leap", "switch_leap", "back_salto", "front_salto", "twisting_salto")
SALTOS = ("back_salto", "front_salto", "twisting_salto")


@lru_cache(maxsize=None)
def planned(family: str, seed: int):
    return plan_clip(family, seed)


def test_families_cover_floor_exercise():
    assert set(FAMILIES) == {"standing", "vertical_jump", "split_leap", "switch_leap", "turn",
                             "back_salto", "front_salto", "twisting_salto"}
    with pytest.raises(ValueError, match="back_salto"):
        generate_clip("cartwheel", 0)


@pytest.mark.parametrize("family,seed", CASES)
def test_flight_com_is_exactly_ballistic(family, seed):
    _, out = planned(family, seed)
    flight = ~out["contacts"].any(axis=1)
    if family not in FLYING:
        assert not flight.any()
        return
    assert flight.sum() >= 8  # at least ~0.27 s of flight at 30 fps
    assert ballistic_error(out["joints"], 30.0, flight) / 9.81 < 1e-6


@pytest.mark.parametrize("family,seed", CASES)
def test_bones_rigid_feet_planted_floor_limits(family, seed):
    plan, out = planned(family, seed)
    joints, contacts = out["joints"], out["contacts"]
    assert bone_length_std(joints).max() < 1e-9
    skate = foot_skate(joints, contacts=contacts)
    assert skate["contact_pairs"] > 0 and skate["mean_slide"] < 1e-9
    for foot, ankle in enumerate((L_ANKLE, R_ANKLE)):
        on = contacts[:, foot]
        assert np.abs(joints[on, ankle, 2] - 0.04).max() < 1e-9  # flat foot: ankle 4 cm up
    assert joints[..., 2].min() > -1e-3
    lim = plan.body.limits
    assert (out["angles"] >= lim[:, 0] - 1e-9).all() and (out["angles"] <= lim[:, 1] + 1e-9).all()


@pytest.mark.parametrize("family", FLYING)
def test_angular_momentum_constant_in_flight(family):
    plan, _ = planned(family, 0)
    flight = next(s for s in plan.segments if isinstance(s, Flight))
    w = joint_mass_weights()
    t = np.linspace(flight.start + 1e-4, flight.end - 1e-4, 25)
    h = 1e-5  # central differences of the continuous-time motion: error ~h^2, far below 1e-4
    x = plan.evaluate(t)["joints"]
    v = (plan.evaluate(t + h)["joints"] - plan.evaluate(t - h)["joints"]) / (2 * h)
    c, vc = centre_of_mass(x)[:, None], centre_of_mass(v)[:, None]
    L = np.einsum("j,tjk->tk", w, np.cross(x - c, v - vc))
    scale = max(np.linalg.norm(L, axis=1).max(), 0.05)  # m^2/s per kg; a still body has ~0
    assert np.abs(L - L[0]).max() / scale < 1e-4
    assert np.abs(L - flight.momentum).max() / scale < 1e-4


@pytest.mark.parametrize("family", FLYING)
def test_com_velocity_continuous_at_takeoff_and_landing(family):
    plan, _ = planned(family, 0)
    h = 1e-6
    for seg in plan.segments:
        if not isinstance(seg, Flight):
            continue
        for t in (seg.start, seg.end):
            c = plan.evaluate(np.array([t - h, t, t + h]))["com"]
            before, after = (c[1] - c[0]) / h, (c[2] - c[1]) / h
            # One-sided differences differ by ~a h (a up to ~30 m/s^2): 1e-3 m/s is a real jump.
            assert np.linalg.norm(after - before) < 1e-3


@pytest.mark.parametrize("family,seed", [(f, s) for f in SALTOS for s in SEEDS])
def test_saltos_rotate_once_and_land_upright(family, seed):
    plan, out = planned(family, seed)
    j = out["joints"]
    flight = ~out["contacts"].any(axis=1)
    idx = np.flatnonzero(flight)
    sel = np.arange(idx[0] - 1, idx[-1] + 2)  # take-off frame to landing frame
    trunk = j[sel, THORAX] - j[sel, PELVIS]
    travel = plan.info["salto_turns"]
    # Salto plane: vertical plane containing the take-off facing (hips -> forward).
    hips = j[sel[0], 4] - j[sel[0], 1]
    fwd = np.array([hips[1], -hips[0], 0.0]) / np.linalg.norm(hips[:2])
    pitch = np.unwrap(np.arctan2(trunk @ fwd, trunk[:, 2]))
    turns = (pitch[-1] - pitch[0]) / (2 * np.pi)
    assert turns == pytest.approx(travel, abs=0.2)  # one full salto, back (-1) or front (+1)
    last = j[-1, THORAX] - j[-1, PELVIS]
    assert np.degrees(np.arccos(last[2] / np.linalg.norm(last))) < 15  # finishes upright
    landing = trunk[-1]
    assert np.degrees(np.arccos(landing[2] / np.linalg.norm(landing))) < 45  # lands on its feet


def test_same_seed_same_clip_different_seed_different():
    a, b = generate_clip("split_leap", 7), generate_clip("split_leap", 7)
    assert np.array_equal(a.joints, b.joints) and np.array_equal(a.contacts, b.contacts)
    assert a.name == "synthetic/split_leap/000007" and a.family == "split_leap"
    assert a.source == "finephys.synthetic seed=7"
    c = generate_clip("split_leap", 8)
    assert a.joints.shape != c.joints.shape or not np.allclose(a.joints, c.joints)
    assert a.extras["phase"].shape == (a.num_frames,)


def test_dataset_and_variety_report():
    clips = generate_dataset(8, seed=3)
    assert [c.family for c in clips] == list(FAMILIES)
    again = generate_dataset(2, seed=3)  # the first clips again: determinism of the dataset
    assert all(np.array_equal(x.joints, y.joints) for x, y in zip(clips, again))
    rep = variety_report(clips)
    # Thresholds: a fixed pose gives pose_std 0 and P-MPJPE 0; standing-only clips give
    # pose_std ~0.03 m. Saltos (inverted, tucked) and split leaps push the spread well above.
    assert rep["pose_std"] > 0.06
    assert rep["pairwise_p_mpjpe"] > 0.05
    assert rep["root_speed_vertical_p95"] > 1.0  # take-offs and landings reach > 1 m/s
    assert rep["families"]["back_salto"]["pitch_turns_mean_abs"] == pytest.approx(1.0, abs=0.2)
    assert rep["families"]["turn"]["yaw_turns_max_abs"] >= 0.9
    assert rep["families"]["standing"]["flight_time_max"] == 0.0
    with pytest.raises(ValueError):
        generate_dataset(2, 0, families=["nope"])
