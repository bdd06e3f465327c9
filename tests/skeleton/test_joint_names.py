import numpy as np
import pytest

from finephys.skeleton import h36m
from finephys.skeleton.errors import PoseDataError
from finephys.skeleton.joint_names import (
    h36m_sources_from_names, h36m_weights_from_names, map_to_h36m, normalize_name,
)

CMU = [
    "Hips", "LHipJoint", "LeftUpLeg", "LeftLeg", "LeftFoot", "LeftToeBase",
    "RHipJoint", "RightUpLeg", "RightLeg", "RightFoot", "RightToeBase",
    "LowerBack", "Spine", "Spine1", "Neck", "Neck1", "Head",
    "LeftShoulder", "LeftArm", "LeftForeArm", "LeftHand", "LThumb",
    "RightShoulder", "RightArm", "RightForeArm", "RightHand", "RThumb",
    "Head_End", "LeftToeBase_End", "RightToeBase_End",
]
CMU_EXPECTED = {
    "pelvis": "Hips", "right_hip": "RightUpLeg", "right_knee": "RightLeg", "right_ankle": "RightFoot",
    "left_hip": "LeftUpLeg", "left_knee": "LeftLeg", "left_ankle": "LeftFoot", "spine": "Spine",
    "thorax": "Neck", "neck_nose": "Head", "head": "Head_End",
    "left_shoulder": "LeftArm", "left_elbow": "LeftForeArm", "left_wrist": "LeftHand",
    "right_shoulder": "RightArm", "right_elbow": "RightForeArm", "right_wrist": "RightHand",
}
MIXAMO = [
    "mixamorig1:" + n for n in (
        "Hips", "Spine", "Spine1", "Spine2", "Neck", "Head", "HeadTop_End",
        "LeftShoulder", "LeftArm", "LeftForeArm", "LeftHand", "LeftHandIndex1",
        "RightShoulder", "RightArm", "RightForeArm", "RightHand",
        "LeftUpLeg", "LeftLeg", "LeftFoot", "LeftToeBase", "LeftToe_End",
        "RightUpLeg", "RightLeg", "RightFoot", "RightToeBase", "RightToe_End",
    )
]
MIXAMO_EXPECTED = dict(CMU_EXPECTED, spine="Spine1", head="HeadTop_End")


def _mapped(names):
    """H36M joint name -> the one source name that defines it."""
    sources = h36m_sources_from_names(names)
    assert all(len(s) == 1 for s in sources), sources
    return {h36m.JOINT_NAMES[j]: names[s[0]] for j, s in enumerate(sources)}


def test_cmu_names_map_hip_knee_shoulder_traps_correctly():
    assert _mapped(CMU) == CMU_EXPECTED


def test_mixamo_names_with_numbered_prefix():
    got = _mapped(MIXAMO)
    assert got == {k: "mixamorig1:" + v for k, v in MIXAMO_EXPECTED.items()}
    assert _mapped([n.replace("mixamorig1:", "mixamorig:") for n in MIXAMO])["thorax"] == "mixamorig:Neck"


def test_exact_h36m_names_map_to_themselves_in_any_order():
    names = list(h36m.JOINT_NAMES)
    assert h36m_sources_from_names(names) == [(j,) for j in range(17)]
    shuffled = names[::-1]
    assert _mapped(shuffled) == {n: n for n in names}


@pytest.mark.parametrize("style", [
    lambda side, part: f"{side[0]}_{part}",          # l_hip
    lambda side, part: f"{side}_{part}",             # left_hip
    lambda side, part: f"{part}_{side[0]}",          # hip_l
    lambda side, part: f"{side[0].upper()}_{part.title()}",  # L_Hip
    lambda side, part: f"{side.title()} {part.upper()}",     # Left HIP
    lambda side, part: f"{part}.{side[0].upper()}",  # hip.L
    lambda side, part: f"{side[0]}{part}",           # lhip
])
def test_generic_sided_names(style):
    parts = ["hip", "knee", "ankle", "shoulder", "elbow", "wrist"]
    names = ["Pelvis", "spine", "Thorax", "nose", "head"]
    names += [style(side, p) for side in ("left", "right") for p in parts]
    got = _mapped(names)
    for side in ("left", "right"):
        for p in parts:
            assert got[f"{side}_{p}"] == style(side, p)
    assert got["neck_nose"] == "nose" and got["head"] == "head" and got["thorax"] == "Thorax"


def test_generic_neck_head_top_and_root():
    limbs = [f"{s}_{p}" for s in "lr" for p in ("hip", "knee", "ankle", "shoulder", "elbow", "wrist")]
    got = _mapped(["root"] + limbs + ["chest", "neck", "head", "head_top", "spine"])
    assert (got["pelvis"], got["thorax"], got["neck_nose"], got["head"]) == ("root", "chest", "head", "head_top")
    got = _mapped(["hip"] + limbs + ["thorax", "neck", "head", "spine"])
    assert (got["pelvis"], got["thorax"], got["neck_nose"], got["head"]) == ("hip", "thorax", "neck", "head")


def test_missing_centre_joints_are_derived_by_averaging():
    names = [f"{s}_{p}" for s in ("left", "right") for p in ("hip", "knee", "ankle", "shoulder", "elbow", "wrist")]
    names += ["head_top"]
    w = h36m_weights_from_names(names)
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    lh, rh = names.index("left_hip"), names.index("right_hip")
    ls, rs = names.index("left_shoulder"), names.index("right_shoulder")
    assert sorted(h36m_sources_from_names(names)[h36m.PELVIS]) == sorted([lh, rh])
    # spine = mean(pelvis, thorax) = a quarter of each hip and shoulder
    assert w[h36m.SPINE, [lh, rh, ls, rs]].tolist() == [0.25] * 4
    pts = np.random.default_rng(0).normal(size=(4, len(names), 3))
    out = map_to_h36m(pts, names)
    assert out.shape == (4, 17, 3)
    np.testing.assert_allclose(out[:, h36m.THORAX], (pts[:, ls] + pts[:, rs]) / 2)
    np.testing.assert_allclose(out[:, h36m.NECK_NOSE], (out[:, h36m.THORAX] + pts[:, -1]) / 2)


def test_missing_joints_error_names_them_and_the_given_names():
    names = [n for n in CMU if n not in ("LeftLeg", "RightForeArm")]
    with pytest.raises(PoseDataError) as err:
        h36m_sources_from_names(names, source="walk.bvh")
    msg = str(err.value)
    assert msg.startswith("walk.bvh:")
    assert "left_knee" in msg and "right_elbow" in msg and "right_knee" not in msg
    assert "'LeftFoot'" in msg and "'Hips'" in msg


def test_normalize_name():
    assert normalize_name("mixamorig:Left_Up-Leg") == "leftupleg"
    assert normalize_name("Armature|Hip.L") == "hipl"
    assert normalize_name("Bip01 L Thigh") == "lthigh"
