import numpy as np
import pytest
from fp_testing import STANDING_POSE, rotation_z

from finephys.motion.clip import Y_UP_TO_Z_UP
from finephys.motion.ground import NOMINAL_JOINT_HEIGHT, contact_labels, floor_height, world_clip
from finephys.motion.user_npz import load_named_joints_npz
from finephys.skeleton import h36m
from finephys.skeleton.errors import PoseDataError

# Generic names for the 17 joints, in H36M order, plus two extra toe joints.
GENERIC = ["root", "R_Hip", "R_Knee", "R_Ankle", "L_Hip", "L_Knee", "L_Ankle", "spine", "chest",
           "nose", "head_top", "L_Shoulder", "L_Elbow", "L_Wrist", "R_Shoulder", "R_Elbow", "R_Wrist"]


def _walk(t=6):
    return np.stack([STANDING_POSE @ rotation_z(0.2 * i).T + [0.1 * i, 0, 0] for i in range(t)])


def test_h36m_names_default_fps_metres_z_up(tmp_path):
    motion = _walk() + [0, 0, 0.3]  # floating 30 cm: the loader puts it on the floor
    path = tmp_path / "mine.npz"
    np.savez(path, joints=motion.astype(np.float32), joint_names=np.array(h36m.JOINT_NAMES))
    clip = load_named_joints_npz(path)
    assert clip.fps == 30.0 and clip.name == "mine" and clip.num_frames == 6
    np.testing.assert_allclose(clip.joints, motion - [0, 0, 0.3], atol=1e-6)
    assert clip.joints[..., 2].min() == pytest.approx(NOMINAL_JOINT_HEIGHT, abs=1e-6)


def test_centimetres_y_up_generic_names_shuffled_with_extra_joints(tmp_path):
    motion = _walk()
    order = np.random.default_rng(1).permutation(17)
    names = [GENERIC[i] for i in order] + ["L_Toe", "R_Toe"]
    file_points = motion @ Y_UP_TO_Z_UP * 100  # y-up centimetres (Y_UP_TO_Z_UP maps y-up to z-up)
    toes = file_points[:, [h36m.L_ANKLE, h36m.R_ANKLE]] + [0, -4, 10]
    data = np.concatenate([file_points[:, order], toes], axis=1)
    path = tmp_path / "cm.npz"
    np.savez(path, positions=data, joint_names=np.array(names), fps=np.float64(50),
             up_axis=np.array("Y"), units=np.array("cm"))
    clip = load_named_joints_npz(path)
    assert clip.fps == 50.0
    np.testing.assert_allclose(clip.joints, motion, atol=1e-9)
    assert clip.contacts.shape == (6, 2)


def test_contacts_from_ankle_height_and_speed(tmp_path):
    t = 20
    motion = np.repeat(STANDING_POSE[None], t, axis=0)
    motion[10:, h36m.L_ANKLE, 2] += 0.3  # left foot lifted from frame 10 on
    motion[:, h36m.R_ANKLE, 0] += 0.05 * np.arange(t)  # right foot low but sliding at 1.5 m/s
    motion[15:, h36m.R_ANKLE, 0] = motion[15, h36m.R_ANKLE, 0]  # ...then it stops
    labels = contact_labels(motion, fps=30)
    assert labels[:9, 0].all() and not labels[10:, 0].any()
    assert not labels[:14, 1].any() and labels[16:, 1].all()
    # the same motion through the npz loader (its floor is the standing pose's floor)
    path = tmp_path / "step.npz"
    np.savez(path, joints=motion, joint_names=np.array(h36m.JOINT_NAMES), fps=30)
    assert np.array_equal(load_named_joints_npz(path).contacts, labels)
    assert floor_height(motion) == pytest.approx(0.0)  # standing ankles are 4 cm up


def test_world_clip_rejects_bad_fps():
    with pytest.raises(PoseDataError, match="fps must be positive"):
        world_clip(STANDING_POSE[None], fps=0.0, source="x.npz")


def _save(path, **arrays):
    np.savez(path, **arrays)
    return path


BAD = {
    "missing joints": (dict(joint_names=np.array(h36m.JOINT_NAMES)), "lacks the array 'joints'"),
    "missing names": (dict(joints=STANDING_POSE[None]), "lacks the array 'joint_names'"),
    "object names": (dict(joints=STANDING_POSE[None], joint_names=np.array(h36m.JOINT_NAMES, dtype=object)),
                     "needs pickle"),
    "nan": (dict(joints=np.where(np.arange(3)[:, None, None] == 2, np.nan, STANDING_POSE[None]),
                 joint_names=np.array(h36m.JOINT_NAMES)), "NaN or inf (first at frame 2)"),
    "2d joints": (dict(joints=STANDING_POSE[None, :, :2], joint_names=np.array(h36m.JOINT_NAMES)),
                  "must be a number array [T,J,3]"),
    "name count": (dict(joints=STANDING_POSE[None], joint_names=np.array(h36m.JOINT_NAMES[:-1])),
                   "'joint_names' must be 17 strings"),
    "unknown names": (dict(joints=STANDING_POSE[None, :3], joint_names=np.array(["a", "b", "c"])),
                      "found no joint for pelvis"),
    "bad units": (dict(joints=STANDING_POSE[None], joint_names=np.array(h36m.JOINT_NAMES),
                       units=np.array("ft")), "'units' must be one of"),
    "bad up axis": (dict(joints=STANDING_POSE[None], joint_names=np.array(h36m.JOINT_NAMES),
                         up_axis=np.array("x")), "up axis must be 'y' or 'z'"),
    "bad fps": (dict(joints=STANDING_POSE[None], joint_names=np.array(h36m.JOINT_NAMES),
                     fps=np.array([30, 60])), "'fps' must be one number"),
    "zero fps": (dict(joints=STANDING_POSE[None], joint_names=np.array(h36m.JOINT_NAMES),
                      fps=0.0), "fps must be positive"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_files_raise_pose_data_error_naming_the_file(tmp_path, case):
    arrays, expected = BAD[case]
    path = _save(tmp_path / "user_take.npz", **arrays)
    with pytest.raises(PoseDataError) as err:
        load_named_joints_npz(path)
    assert str(err.value).startswith("user_take.npz: ")
    assert expected in str(err.value)


def test_not_an_npz_file(tmp_path):
    path = tmp_path / "notes.npz"
    path.write_text("hello")
    with pytest.raises(PoseDataError, match="notes.npz: not a readable npz"):
        load_named_joints_npz(path)
