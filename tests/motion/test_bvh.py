import numpy as np
import pytest
from fp_testing import STANDING_POSE, rotation_z

from finephys.motion.bvh import (
    Bvh, BvhJoint, bvh_to_h36m, format_bvh, h36m_to_bvh, load_bvh_clip, parse_bvh, read_bvh,
    resolve_scale, save_h36m_bvh, write_bvh,
)
from finephys.motion.clip import Y_UP_TO_Z_UP
from finephys.skeleton import h36m
from finephys.skeleton.errors import PoseDataError
from finephys.skeleton.joint_names import h36m_sources_from_names

# Root with its position channels, a Chest with a position channel and X-Y-Z rotation order,
# a Hand with a single Y rotation and an End Site.
THREE_JOINTS = """HIERARCHY
ROOT Hips
{
  OFFSET 0.5 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Chest
  {
    OFFSET 0 10 0
    CHANNELS 4 Yposition Xrotation Yrotation Zrotation
    JOINT Hand
    {
      OFFSET 0 4 0
      CHANNELS 1 Yrotation
      End Site
      {
        OFFSET 1 0 0
      }
    }
  }
}
MOTION
Frames: 3
Frame Time: 0.04
0 0 0 0 0 0 0 0 0 0 0
1 2 3 90 90 0 1 90 0 90 90
1 2 3 90 0 0 0 0 0 0 0
"""


def test_forward_kinematics_by_hand_for_two_rotation_orders():
    bvh = parse_bvh(THREE_JOINTS)
    assert bvh.joint_names(end_sites=True) == ["Hips", "Chest", "Hand", "Hand_End"]
    assert bvh.fps == pytest.approx(25.0)
    pos = bvh.global_positions(end_sites=True)
    assert pos.shape == (3, 4, 3)
    # rest: offsets add up
    np.testing.assert_allclose(pos[0], [[0.5, 0, 0], [0.5, 10, 0], [0.5, 14, 0], [1.5, 14, 0]], atol=1e-12)
    # Frame 1 by hand, with Rz90: (x,y,z)->(-y,x,z), Rx90: (x,y,z)->(x,-z,y), Ry90: (x,y,z)->(z,y,-x).
    # Hips (ZXY) R = Rz90 Rx90, at offset + channels = (1.5, 2, 3).
    # Chest local translation (0, 10 + 1, 0): Rz90 Rx90 (0,11,0) = Rz90 (0,0,11) = (0,0,11).
    # Chest (XYZ) local Rx90 Rz90, so G = Rz90 Rx90 Rx90 Rz90; Hand: G (0,4,0) = (0,-4,0).
    # (the other order, Rz90 Rx90 for the chest, would put the hand at +4 x instead)
    # Hand G' = G Ry90; End Site: Ry90 (1,0,0) = (0,0,-1), then G (0,0,-1) = (0,0,1).
    np.testing.assert_allclose(
        pos[1], [[1.5, 2, 3], [1.5, 2, 14], [1.5, -2, 14], [1.5, -2, 15]], atol=1e-12)
    # Frame 2: only the root turns 90 degrees about z: everything above it swings to -x.
    np.testing.assert_allclose(
        pos[2], [[1.5, 2, 3], [-8.5, 2, 3], [-12.5, 2, 3], [-12.5, 3, 3]], atol=1e-12)
    assert bvh.global_positions().shape == (3, 3, 3)


def test_read_write_read_round_trip_is_identical(tmp_path):
    src = tmp_path / "three.bvh"
    src.write_text(THREE_JOINTS.replace("\n", "\r\n"))  # Windows line ends read too
    first = read_bvh(src)
    assert first.source == "three.bvh"
    out = write_bvh(tmp_path / "copy.bvh", first)
    second = read_bvh(out)
    assert [j.name for j in second.joints] == [j.name for j in first.joints]
    assert [j.parent for j in second.joints] == [-1, 0, 1]
    assert [j.channels for j in second.joints] == [j.channels for j in first.joints]
    for a, b in zip(first.joints, second.joints):
        assert np.array_equal(a.offset, b.offset)
    assert np.array_equal(second.joints[2].end_site, [1, 0, 0]) and second.joints[0].end_site is None
    assert second.frame_time == first.frame_time
    assert np.array_equal(second.motion, first.motion)
    assert format_bvh(second) == out.read_text()


def test_writer_puts_joints_depth_first_with_their_columns():
    # joints listed breadth first (legal for a Bvh object, not for a file): columns follow
    joints = [
        BvhJoint("Root", -1, np.zeros(3), ("Xrotation",)),
        BvhJoint("A", 0, np.array([1.0, 0, 0]), ("Yrotation",)),
        BvhJoint("B", 0, np.array([0, 1.0, 0]), ("Zrotation",)),
        BvhJoint("A2", 1, np.array([1.0, 0, 0]), ("Xrotation",)),
    ]
    bvh = Bvh(joints, 0.1, np.array([[10.0, 20.0, 30.0, 40.0]]))
    back = parse_bvh(format_bvh(bvh))
    assert [j.name for j in back.joints] == ["Root", "A", "A2", "B"]
    assert back.motion.tolist() == [[10.0, 20.0, 40.0, 30.0]]
    np.testing.assert_allclose(
        back.global_positions()[:, [0, 1, 3, 2]], bvh.global_positions(), atol=1e-12)


def _test_motion():
    """Standing pose turned and moved over frames, with bent knees, arms and a leaning trunk:
    constant bone lengths and rigid hips/shoulders, so the export must reproduce it."""
    def turn(points, centre, axis, angle):
        axis = np.asarray(axis, float) / np.linalg.norm(axis)
        k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
        r = np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k
        return (points - centre) @ r.T + centre

    frames = []
    for t in range(12):
        pose = STANDING_POSE.copy()
        lower_r = [h36m.R_KNEE, h36m.R_ANKLE]
        pose[[h36m.R_ANKLE]] = turn(pose[[h36m.R_ANKLE]], pose[h36m.R_KNEE], [1, 0, 0], 0.1 * t)
        pose[lower_r] = turn(pose[lower_r], pose[h36m.R_HIP], [1, 0.3, 0], -0.05 * t)
        arm = [h36m.L_ELBOW, h36m.L_WRIST]
        pose[[h36m.L_WRIST]] = turn(pose[[h36m.L_WRIST]], pose[h36m.L_ELBOW], [0, 1, 0], 0.15 * t)
        pose[arm] = turn(pose[arm], pose[h36m.L_SHOULDER], [0, 1, 0.2], 0.12 * t)
        upper = [h36m.THORAX, h36m.NECK_NOSE, h36m.HEAD] + list(range(11, 17))
        pose[upper] = turn(pose[upper], pose[h36m.SPINE], [1, 0, 0], 0.03 * t)  # lean
        pose[[h36m.HEAD]] = turn(pose[[h36m.HEAD]], pose[h36m.NECK_NOSE], [0, 1, 0], 0.04 * t)
        frames.append(pose @ rotation_z(0.4 * t).T + [0.05 * t, -0.02 * t, 0.01 * t])
    frames.append(frames[-1] @ rotation_z(3.0).T)  # a half turn between frames: Euler wraps
    pose = STANDING_POSE.copy()
    # right knee folded completely (shin back along the thigh: a half-turn swing) and left
    # leg raised straight forward (hip at 90 degrees about X: the ZXY gimbal lock)
    pose[h36m.R_ANKLE] = pose[h36m.R_KNEE] + [0, 0, 0.51]
    pose[h36m.L_KNEE] = pose[h36m.L_HIP] + [0, -0.45, 0]
    pose[h36m.L_ANKLE] = pose[h36m.L_KNEE] + [0, -0.51, 0]
    frames.append(pose @ rotation_z(0.7).T)
    return np.stack(frames)


def test_h36m_export_reads_back_to_the_same_positions(tmp_path):
    motion = _test_motion()
    path = save_h36m_bvh(tmp_path / "take.bvh", motion, fps=30)
    bvh = read_bvh(path)
    # Blender-ready layout: Hips root with 6 channels, the rest 3 rotations, leaves end sites
    assert bvh.joints[0].name == "Hips" and bvh.joints[0].channels == (
        "Xposition", "Yposition", "Zposition", "Zrotation", "Xrotation", "Yrotation")
    assert all(j.channels == ("Zrotation", "Xrotation", "Yrotation") for j in bvh.joints[1:])
    leaves = {bvh.joints[i].name for i in range(len(bvh.joints))} - {
        bvh.joints[j.parent].name for j in bvh.joints if j.parent >= 0}
    assert leaves == {"RightFoot", "LeftFoot", "Head", "LeftHand", "RightHand"}
    assert all(bvh.joints[i].end_site is not None for i in range(len(bvh.joints))
               if bvh.joints[i].name in leaves)
    # Y-up metres in the file: the pelvis is about 1 m up the y axis
    assert bvh.motion[0, 1] == pytest.approx(1.0)
    # rest pose is T-pose like: legs straight down, left arm out along +x
    offsets = {j.name: j.offset for j in bvh.joints}
    np.testing.assert_allclose(offsets["LeftLeg"], [0, -0.45, 0], atol=1e-6)
    np.testing.assert_allclose(offsets["LeftForeArm"], [0.28, 0, 0], atol=1e-6)
    back = bvh_to_h36m(bvh, scale="auto")
    np.testing.assert_allclose(back, motion, atol=1e-5)
    assert np.abs(back - motion).max() < 1e-5


def test_load_bvh_clip_floor_fps_units_and_contacts(tmp_path):
    motion = _test_motion()
    clip = load_bvh_clip(save_h36m_bvh(tmp_path / "take.bvh", motion, fps=30))
    assert clip.fps == 30.0 and clip.name == "take" and clip.extras["bvh_scale"] == 1.0
    # floor: the lowest joint of the clip sits 4 cm above z = 0; nothing else moves
    assert clip.joints[..., 2].min() == pytest.approx(0.04, abs=1e-6)
    shift = clip.joints - motion
    np.testing.assert_allclose(shift, np.broadcast_to(shift[0, 0], shift.shape), atol=1e-5)
    assert shift[0, 0, :2] == pytest.approx([0, 0], abs=1e-5)

    # the same file in centimetres, and a z-up file, give the same clip
    bvh = h36m_to_bvh(motion, fps=30)
    bvh.motion[:, :3] *= 100
    for j in bvh.joints:
        j.offset = j.offset * 100
        j.end_site = None if j.end_site is None else j.end_site * 100
    cm = load_bvh_clip(write_bvh(tmp_path / "cm.bvh", bvh))
    assert cm.extras["bvh_scale"] == 0.01
    np.testing.assert_allclose(cm.joints, clip.joints, atol=1e-5)


def test_auto_scale_picks_units_by_leg_length():
    legs = np.repeat(STANDING_POSE[None], 2, axis=0)  # 0.96 m hip-knee-ankle
    assert resolve_scale("auto", legs) == 1.0
    assert resolve_scale("auto", legs * 100) == 0.01
    assert resolve_scale("auto", legs / 0.0254) == 0.0254
    assert resolve_scale("auto", legs / 0.056444) == pytest.approx(0.0254 / 0.45)  # CMU units
    assert resolve_scale("auto", legs * 1000) == 0.001
    assert resolve_scale("auto", legs * 0.4) == 1.0  # a child: nearest to an adult leg
    assert resolve_scale("cm", legs) == 0.01 and resolve_scale(0.5, legs) == 0.5
    for bad in ("feet", -1.0, 0.0):
        with pytest.raises(PoseDataError):
            resolve_scale(bad, legs)


CMU_FILE = """HIERARCHY
ROOT Hips
{
\tOFFSET 0 0 0
\tCHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation Xrotation
\tJOINT LHipJoint
\t{
\t\tOFFSET 0 0 0
\t\tCHANNELS 3 Zrotation Yrotation Xrotation
\t\tJOINT LeftUpLeg
\t\t{
\t\t\tOFFSET 1.4 -1.8 0.8
\t\t\tCHANNELS 3 Zrotation Yrotation Xrotation
\t\t\tJOINT LeftLeg
\t\t\t{
\t\t\t\tOFFSET 2.4 -6.7 0
\t\t\t\tCHANNELS 3 Zrotation Yrotation Xrotation
\t\t\t\tJOINT LeftFoot
\t\t\t\t{
\t\t\t\t\tOFFSET 2.5 -7.0 0
\t\t\t\t\tCHANNELS 3 Zrotation Yrotation Xrotation
\t\t\t\t\tEnd Site
\t\t\t\t\t{
\t\t\t\t\t\tOFFSET 0 -0.4 2.1
\t\t\t\t\t}
\t\t\t\t}
\t\t\t}
\t\t}
\t}
RIGHT_LEG
\tJOINT LowerBack
\t{
\t\tOFFSET 0 0 0
\t\tCHANNELS 3 Zrotation Yrotation Xrotation
\t\tJOINT Spine
\t\t{
\t\t\tOFFSET 0 2.0 0
\t\t\tCHANNELS 3 Zrotation Yrotation Xrotation
\t\t\tJOINT Spine1
\t\t\t{
\t\t\t\tOFFSET 0 2.1 0
\t\t\t\tCHANNELS 3 Zrotation Yrotation Xrotation
\t\t\t\tJOINT Neck
\t\t\t\t{
\t\t\t\t\tOFFSET 0 0 0
\t\t\t\t\tCHANNELS 3 Zrotation Yrotation Xrotation
\t\t\t\t\tJOINT Neck1
\t\t\t\t\t{
\t\t\t\t\t\tOFFSET 0 1.6 0
\t\t\t\t\t\tCHANNELS 3 Zrotation Yrotation Xrotation
\t\t\t\t\t\tJOINT Head
\t\t\t\t\t\t{
\t\t\t\t\t\t\tOFFSET 0 1.6 0
\t\t\t\t\t\t\tCHANNELS 3 Zrotation Yrotation Xrotation
\t\t\t\t\t\t\tEnd Site
\t\t\t\t\t\t\t{
\t\t\t\t\t\t\t\tOFFSET 0 1.7 0
\t\t\t\t\t\t\t}
\t\t\t\t\t\t}
\t\t\t\t\t}
\t\t\t\t}
LEFT_ARM
RIGHT_ARM
\t\t\t}
\t\t}
\t}
}
MOTION
Frames: 2
Frame Time: 0.008333
"""
_ARM = """\t\t\t\tJOINT LeftShoulder
\t\t\t\t{
\t\t\t\t\tOFFSET 0 0 0
\t\t\t\t\tCHANNELS 3 Zrotation Yrotation Xrotation
\t\t\t\t\tJOINT LeftArm
\t\t\t\t\t{
\t\t\t\t\t\tOFFSET 3.0 1.0 0
\t\t\t\t\t\tCHANNELS 3 Zrotation Yrotation Xrotation
\t\t\t\t\t\tJOINT LeftForeArm
\t\t\t\t\t\t{
\t\t\t\t\t\t\tOFFSET 5.0 0 0
\t\t\t\t\t\t\tCHANNELS 3 Zrotation Yrotation Xrotation
\t\t\t\t\t\t\tJOINT LeftHand
\t\t\t\t\t\t\t{
\t\t\t\t\t\t\t\tOFFSET 4.0 0 0
\t\t\t\t\t\t\t\tCHANNELS 3 Zrotation Yrotation Xrotation
\t\t\t\t\t\t\t\tEnd Site
\t\t\t\t\t\t\t\t{
\t\t\t\t\t\t\t\t\tOFFSET 1.0 0 0
\t\t\t\t\t\t\t\t}
\t\t\t\t\t\t\t}
\t\t\t\t\t\t}
\t\t\t\t\t}
\t\t\t\t}
"""


def _cmu_text(frames=2):
    right_leg = CMU_FILE[CMU_FILE.index("\tJOINT LHipJoint"):CMU_FILE.index("RIGHT_LEG")]
    right_leg = right_leg.replace("LHip", "RHip").replace("Left", "Right").replace("OFFSET 1.4", "OFFSET -1.4")
    right_leg = right_leg.replace("OFFSET 2.4", "OFFSET -2.4").replace("OFFSET 2.5", "OFFSET -2.5")
    right_arm = _ARM.replace("Left", "Right").replace("OFFSET 3.0", "OFFSET -3.0")
    right_arm = right_arm.replace("OFFSET 5.0", "OFFSET -5.0").replace("OFFSET 4.0", "OFFSET -4.0")
    right_arm = right_arm.replace("OFFSET 1.0 0 0", "OFFSET -1.0 0 0")
    text = CMU_FILE.replace("RIGHT_LEG\n", right_leg).replace("LEFT_ARM\n", _ARM).replace("RIGHT_ARM\n", right_arm)
    channels = text.count("CHANNELS 3") * 3 + 6
    rows = [" ".join(["0"] * channels)] * frames
    rows = [("10 17 -3 " + " ".join(["0"] * (channels - 3)))] + rows[1:]
    return text + "\n".join(rows) + "\n"


def test_cmu_style_file_maps_to_the_right_h36m_joints(tmp_path):
    path = tmp_path / "cmu_02_01.bvh"
    path.write_text(_cmu_text())
    bvh = read_bvh(path)
    names = bvh.joint_names(end_sites=True)
    pos = bvh.global_positions(end_sites=True)
    sources = h36m_sources_from_names(names)
    picked = {h36m.JOINT_NAMES[j]: names[s[0]] for j, s in enumerate(sources)}
    assert picked["left_hip"] == "LeftUpLeg" and picked["left_shoulder"] == "LeftArm"
    assert picked["thorax"] == "Neck" and picked["neck_nose"] == "Head" and picked["head"] == "Head_End"
    assert picked["right_elbow"] == "RightForeArm" and picked["spine"] == "Spine"
    # CMU units are 1/0.45 inch: the 14.6-unit leg is 0.83 m
    clip = load_bvh_clip(path)
    assert clip.extras["bvh_scale"] == pytest.approx(0.0254 / 0.45)
    assert clip.fps == 120.0
    u = clip.extras["bvh_scale"]
    world = pos[0] * u @ Y_UP_TO_Z_UP.T
    lift = clip.joints[0, h36m.PELVIS] - world[names.index("Hips")]
    for joint, name in picked.items():
        np.testing.assert_allclose(clip.joints[0, h36m.JOINT_NAMES.index(joint)],
                                   world[names.index(name)] + lift, atol=1e-9)
    # y-up file, +x offsets are the left side: the left hip has larger world x than the right
    assert clip.joints[0, h36m.L_HIP, 0] > clip.joints[0, h36m.R_HIP, 0]
    assert clip.joints[0, h36m.HEAD, 2] > clip.joints[0, h36m.PELVIS, 2] > clip.joints[0, h36m.L_ANKLE, 2]
    assert clip.joints[..., 2].min() == pytest.approx(0.04)


def test_mixamo_named_file_maps_to_the_right_h36m_joints(tmp_path):
    spec = [  # name, parent, offset (cm, y up)
        ("Hips", -1, (0, 0, 0)), ("Spine", 0, (0, 10, 0)), ("Spine1", 1, (0, 12, 0)),
        ("Spine2", 2, (0, 13, 0)), ("Neck", 3, (0, 15, 0)), ("Head", 4, (0, 10, 3)),
        ("HeadTop_End", 5, (0, 18, 2)),
        ("LeftShoulder", 3, (6, 10, 0)), ("LeftArm", 7, (12, 0, 0)), ("LeftForeArm", 8, (27, 0, 0)),
        ("LeftHand", 9, (26, 0, 0)),
        ("RightShoulder", 3, (-6, 10, 0)), ("RightArm", 11, (-12, 0, 0)),
        ("RightForeArm", 12, (-27, 0, 0)), ("RightHand", 13, (-26, 0, 0)),
        ("LeftUpLeg", 0, (9, -7, 0)), ("LeftLeg", 15, (0, -42, 0)), ("LeftFoot", 16, (0, -40, 0)),
        ("LeftToeBase", 17, (0, -6, 12)),
        ("RightUpLeg", 0, (-9, -7, 0)), ("RightLeg", 19, (0, -42, 0)), ("RightFoot", 20, (0, -40, 0)),
        ("RightToeBase", 21, (0, -6, 12)),
    ]
    joints = [BvhJoint("mixamorig:" + n, p, np.array(o, float),
                       (("Xposition", "Yposition", "Zposition") if p < 0 else ()) + ("Zrotation", "Xrotation", "Yrotation"))
              for n, p, o in spec]
    motion = np.zeros((3, 3 + 3 * len(spec)))
    motion[:, 1] = 95.0
    path = write_bvh(tmp_path / "mixamo.bvh", Bvh(joints, 1 / 30, motion))
    bvh = read_bvh(path)
    names = bvh.joint_names(end_sites=True)
    picked = {h36m.JOINT_NAMES[j]: names[s[0]] for j, s in enumerate(h36m_sources_from_names(names))}
    assert picked == {
        "pelvis": "mixamorig:Hips", "right_hip": "mixamorig:RightUpLeg",
        "right_knee": "mixamorig:RightLeg", "right_ankle": "mixamorig:RightFoot",
        "left_hip": "mixamorig:LeftUpLeg", "left_knee": "mixamorig:LeftLeg",
        "left_ankle": "mixamorig:LeftFoot", "spine": "mixamorig:Spine1", "thorax": "mixamorig:Neck",
        "neck_nose": "mixamorig:Head", "head": "mixamorig:HeadTop_End",
        "left_shoulder": "mixamorig:LeftArm", "left_elbow": "mixamorig:LeftForeArm",
        "left_wrist": "mixamorig:LeftHand", "right_shoulder": "mixamorig:RightArm",
        "right_elbow": "mixamorig:RightForeArm", "right_wrist": "mixamorig:RightHand",
    }
    clip = load_bvh_clip(path)
    assert clip.extras["bvh_scale"] == 0.01  # an 82 cm leg
    # lowest joint is the ankle (the toes are not H36M joints): 95 - 7 - 42 - 40 = 6 cm up
    np.testing.assert_allclose(clip.joints[0, h36m.PELVIS], [0, 0, 0.89 + 0.04], atol=1e-9)
    np.testing.assert_allclose(clip.joints[0, h36m.HEAD], [0, -0.05, 0.93 + 0.78], atol=1e-9)
    assert clip.contacts.all()


BAD_FILES = {
    "no MOTION section": (lambda t: t[: t.index("MOTION")], "no MOTION section"),
    "empty": (lambda t: "", "empty"),
    "too few values": (lambda t: t.replace("0 0 0 0 0 0 0 0 0 0 0\n", "0 0 0 0 0 0 0 0 0 0\n"), "line 24: 10 values"),
    "too many values": (lambda t: t.replace("0 0 0 0 0 0 0 0 0 0 0\n", "0 0 0 0 0 0 0 0 0 0 0 0\n"), "line 24: 12 values"),
    "unknown channel": (lambda t: t.replace("1 Yrotation", "1 Yrot"), "unknown channel name 'Yrot'"),
    "non-numeric value": (lambda t: t.replace("1 2 3 90 0 0", "1 2 x 90 0 0"), "line 26: 'x' is not a number"),
    "nan value": (lambda t: t.replace("1 2 3 90 0 0", "1 2 nan 90 0 0"), "line 26: non-finite"),
    "bad offset": (lambda t: t.replace("OFFSET 0 4 0", "OFFSET 0 four 0"), "line 12: OFFSET must be 3 numbers"),
    "frames more than lines": (lambda t: t.replace("Frames: 3", "Frames: 5"), "Frames says 5 but the file holds 3"),
    "frames fewer than lines": (lambda t: t.replace("Frames: 3", "Frames: 2"), "Frames says 2 but the file holds 3"),
    "truncated frames": (lambda t: t[: t.rindex("1 2 3 90")], "Frames says 3 but the file holds 2"),
    "frames not a number": (lambda t: t.replace("Frames: 3", "Frames: three"), "Frames must be a whole number"),
    "missing brace": (lambda t: t.replace("      }\n    }\n  }\n}", "      }\n    }\n  }"), "unbalanced braces: joint 'Hips'"),
    "extra brace": (lambda t: t.replace("  }\n}\n", "  }\n}\n}\n"), "unbalanced braces: extra '}'"),
    "zero frame time": (lambda t: t.replace("Frame Time: 0.04", "Frame Time: 0"), "Frame Time must be positive"),
    "negative frame time": (lambda t: t.replace("Frame Time: 0.04", "Frame Time: -0.04"), "Frame Time must be positive"),
    "no frame time": (lambda t: t.replace("Frame Time: 0.04", "FrameRate 25"), "expected 'Frame Time: <number>'"),
    "no hierarchy": (lambda t: t.replace("HIERARCHY", "HIERARCHIE"), "expected 'HIERARCHY'"),
    "stray word": (lambda t: t.replace("  JOINT Chest", "  JIONT Chest"), "line 6: unexpected 'JIONT'"),
    "no root": (lambda t: "HIERARCHY\n" + t[t.index("MOTION"):], "no ROOT joint"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_malformed_files_raise_pose_data_error_naming_the_file(tmp_path, case):
    mutate, expected = BAD_FILES[case]
    text = mutate(THREE_JOINTS)
    assert text != THREE_JOINTS
    path = tmp_path / "bad_take.bvh"
    path.write_text(text)
    with pytest.raises(PoseDataError) as err:
        read_bvh(path)
    assert str(err.value).startswith("bad_take.bvh: ")
    assert expected in str(err.value)


def test_unmappable_bvh_and_bad_export_input(tmp_path):
    path = tmp_path / "arm_only.bvh"
    path.write_text(THREE_JOINTS)
    with pytest.raises(PoseDataError, match=r"arm_only.bvh: cannot map .*left_knee.*'Chest'"):
        load_bvh_clip(path)
    exported = h36m_to_bvh(STANDING_POSE[None], fps=30)
    with pytest.raises(PoseDataError, match="up axis must be 'y' or 'z'"):
        bvh_to_h36m(exported, up_axis="x")
    with pytest.raises(PoseDataError, match=r"\[T,17,3\]"):
        h36m_to_bvh(np.zeros((4, 16, 3)), fps=30)
    with pytest.raises(PoseDataError, match="NaN"):
        h36m_to_bvh(np.full((2, 17, 3), np.nan), fps=30)
    with pytest.raises(PoseDataError, match="fps"):
        h36m_to_bvh(STANDING_POSE[None], fps=0)
