import io
import os
import pickle
import zipfile

import numpy as np
import pytest

from finephys.motion.ground import NOMINAL_JOINT_HEIGHT
from finephys.motion.h36m_npz import (
    H36M32_TO_17, H36M_IMAGE_SIZES, load_h36m_2d, load_h36m_3d, read_npz_safely,
)
from finephys.skeleton.errors import PoseDataError
from finephys.skeleton.h36m import L_ANKLE, L_WRIST, PELVIS, R_ANKLE, R_HIP

FLOOR = {"S1": 0.5, "S5": -0.2}  # where each subject's floor lies in the H36M world z


def _walk(standing_pose, frames=60, floor=0.5, lift_right_from=40):
    """A 17-joint clip in a z-up world whose floor is at z = floor; the right foot lifts."""
    joints = np.repeat(standing_pose[None], frames, axis=0).copy()
    joints[:, :, 0] += np.linspace(0, 0.3, frames)[:, None]  # slow drift, under contact speed
    joints[lift_right_from:, R_ANKLE, 2] += 0.2
    joints[:, :, 2] += floor
    return joints


def _to_32(joints17):
    out = np.full((len(joints17), 32, 3), 7.0)  # joints VideoPose3D drops hold junk
    out[:, list(H36M32_TO_17)] = joints17
    return out.astype(np.float32)


def _write_3d(path, standing_pose, **overrides):
    data = {
        "S1": {"Walking 1": _to_32(_walk(standing_pose, floor=FLOOR["S1"])),
               "Walking": _to_32(_walk(standing_pose, 30, floor=FLOOR["S1"])),
               "Directions": _to_32(_walk(standing_pose, 30, floor=FLOOR["S1"]))},
        "S5": {"Walking 1": _walk(standing_pose, floor=FLOOR["S5"])},  # 17 joints already
    }
    data.update(overrides)
    np.savez_compressed(path, positions_3d=data)
    return path


def _write_2d(path, positions, layout="h36m", num_joints=17):
    metadata = {"layout_name": layout, "num_joints": num_joints,
                "keypoints_symmetry": [[4, 5, 6, 11, 12, 13], [1, 2, 3, 14, 15, 16]]}
    np.savez_compressed(path, positions_2d=positions, metadata=metadata)
    return path


def test_3d_maps_joints_places_the_floor_and_labels_contacts(tmp_path, standing_pose):
    path = _write_3d(tmp_path / "data_3d_h36m.npz", standing_pose)
    clips = load_h36m_3d(path)
    names = [c.name for c in clips]
    assert names == ["S1/Directions", "S1/Walking", "S1/Walking 1", "S5/Walking 1"]
    clip = clips[2]
    assert clip.fps == 50.0 and clip.family == "Walking"
    assert clip.extras["subject"] == "S1" and clip.extras["action"] == "Walking 1"
    expected = _walk(standing_pose, floor=0.0)  # the same motion with its floor at z = 0
    np.testing.assert_allclose(clip.joints, expected, atol=1e-5)
    # standing ankles (4 cm above the floor in _walk) end up NOMINAL_JOINT_HEIGHT above z = 0
    floor = FLOOR["S1"] + 0.04 - NOMINAL_JOINT_HEIGHT
    assert clip.extras["floor_z"] == pytest.approx(floor, abs=1e-5)
    assert clip.joints[0, L_ANKLE, 2] == pytest.approx(NOMINAL_JOINT_HEIGHT, abs=1e-5)
    # both feet down while standing; the lifted right foot is not in contact
    assert clip.contacts[:35].all()
    assert clip.contacts[45:, 0].all() and not clip.contacts[45:, 1].any()
    # the subject with 17-joint arrays and another floor height
    np.testing.assert_allclose(clips[3].joints, expected, atol=1e-5)
    assert clips[3].extras["floor_z"] == pytest.approx(FLOOR["S5"], abs=1e-5)


def test_3d_filters(tmp_path, standing_pose):
    path = _write_3d(tmp_path / "data_3d_h36m.npz", standing_pose)
    clips = load_h36m_3d(path, subjects=["S1"], actions=["Walking"])  # a base name: both takes
    assert [c.name for c in clips] == ["S1/Walking", "S1/Walking 1"]
    names = [c.name for c in load_h36m_3d(path, actions="Walking 1")]
    assert names == ["S1/Walking 1", "S5/Walking 1"]
    # the floor does not depend on the action filter
    full = {c.name: c for c in load_h36m_3d(path)}
    np.testing.assert_array_equal(clips[1].joints, full["S1/Walking 1"].joints)
    with pytest.raises(PoseDataError, match="no subject 'S9'"):
        load_h36m_3d(path, subjects=["S9"])
    with pytest.raises(PoseDataError, match="no clip matches"):
        load_h36m_3d(path, actions=["Eating"])


def test_2d_h36m_layout_and_camera_sizes(tmp_path, standing_pose):
    rng = np.random.default_rng(0)
    cams = [rng.uniform(0, 1000, (25, 17, 2)).astype(np.float32) for _ in range(4)]
    path = _write_2d(tmp_path / "data_2d_h36m_gt.npz",
                     {"S1": {"Walking 1": cams, "Eating": cams[:2]}})
    out = load_h36m_2d(path)
    assert sorted(out) == [("S1", "Eating", 0), ("S1", "Eating", 1)] + [
        ("S1", "Walking 1", c) for c in range(4)]
    for c in range(4):
        seq = out[("S1", "Walking 1", c)]
        np.testing.assert_array_equal(seq.keypoints, cams[c])
        assert (seq.confidence == 1).all() and seq.fps == 50.0
        assert seq.image_size == H36M_IMAGE_SIZES[c]
    assert list(H36M_IMAGE_SIZES) == [(1000, 1002), (1000, 1000), (1000, 1000), (1000, 1002)]
    out = load_h36m_2d(path, actions=["Walking"], image_sizes=(640, 480), fps=25.0)
    assert len(out) == 4 and all(s.image_size == (640, 480) and s.fps == 25.0 for s in out.values())
    out = load_h36m_2d(path, actions=["Eating"], image_sizes=[(10, 20), (30, 40)])
    assert out[("S1", "Eating", 1)].image_size == (30, 40)


def test_2d_coco_layout_is_converted(tmp_path):
    rng = np.random.default_rng(1)
    coco = rng.uniform(0, 1000, (10, 17, 3)).astype(np.float32)
    coco[..., 2] = rng.uniform(0.2, 1.0, (10, 17))
    path = _write_2d(tmp_path / "data_2d_h36m_detectron_pt_coco.npz",
                     {"S9": {"Sitting 1": [coco]}}, layout="coco")
    seq = load_h36m_2d(path)[("S9", "Sitting 1", 0)]
    np.testing.assert_allclose(seq.keypoints[:, PELVIS], coco[:, [11, 12], :2].mean(axis=1),
                               rtol=1e-6)
    np.testing.assert_allclose(seq.keypoints[:, R_HIP], coco[:, 12, :2])
    np.testing.assert_allclose(seq.keypoints[:, R_ANKLE], coco[:, 16, :2])
    np.testing.assert_allclose(seq.keypoints[:, L_WRIST], coco[:, 9, :2])
    np.testing.assert_allclose(seq.confidence[:, L_WRIST], coco[:, 9, 2])
    np.testing.assert_allclose(seq.confidence[:, PELVIS], coco[:, [11, 12], 2].min(axis=1))


@pytest.mark.parametrize("case, message", [
    ("not_zip", "not a readable npz"),
    ("missing_key", "lacks 'positions_3d'"),
    ("not_dict", "must hold a non-empty dict"),
    ("bad_nesting", r"\['S1'\] must be a dict"),
    ("bad_shape", r"shape \[T,32,3\] or \[T,17,3\]"),
    ("nan", "NaN"),
    ("strings", "must be a number array"),
])
def test_3d_refuses_bad_files(tmp_path, standing_pose, case, message):
    path = tmp_path / "bad_3d.npz"
    good = _to_32(_walk(standing_pose))
    if case == "not_zip":
        path.write_text("positions_3d")
    elif case == "missing_key":
        np.savez(path, positions=good)
    elif case == "not_dict":
        np.savez(path, positions_3d=good)
    elif case == "bad_nesting":
        np.savez(path, positions_3d={"S1": [good]})
    elif case == "bad_shape":
        np.savez(path, positions_3d={"S1": {"Walking": good[:, :20]}})
    elif case == "nan":
        good[3, 5, 1] = np.nan
        np.savez(path, positions_3d={"S1": {"Walking": good}})
    elif case == "strings":
        np.savez(path, positions_3d={"S1": {"Walking": np.array(["a", "b"])}})
    with pytest.raises(PoseDataError, match=message) as info:
        load_h36m_3d(path)
    assert "bad_3d.npz" in str(info.value)


@pytest.mark.parametrize("case, message", [
    ("layout", "unknown keypoint layout 'openpose'"),
    ("joints", "metadata says 18"),
    ("shape", r"shape \[T,17,2\|3\]"),
    ("cameras", "list of per-camera arrays"),
    ("nan", "NaN"),
    ("camera_index", "not one of the four H36M cameras"),
])
def test_2d_refuses_bad_files(tmp_path, case, message):
    path = tmp_path / "bad_2d.npz"
    good = np.zeros((5, 17, 2), np.float32)
    if case == "layout":
        _write_2d(path, {"S1": {"A": [good]}}, layout="openpose")
    elif case == "joints":
        _write_2d(path, {"S1": {"A": [good]}}, num_joints=18)
    elif case == "shape":
        _write_2d(path, {"S1": {"A": [good[:, :16]]}})
    elif case == "cameras":
        _write_2d(path, {"S1": {"A": good}})
    elif case == "nan":
        good[0, 0, 0] = np.nan
        _write_2d(path, {"S1": {"A": [good]}})
    elif case == "camera_index":
        _write_2d(path, {"S1": {"A": [good] * 5}})
    with pytest.raises(PoseDataError, match=message) as info:
        load_h36m_2d(path)
    assert "bad_2d.npz" in str(info.value)
    if case == "camera_index":  # a size given for every camera makes the file usable
        assert len(load_h36m_2d(path, image_sizes=(100, 100))) == 5


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_pickle_is_refused_and_not_run(tmp_path):
    marker = tmp_path / "pwned"
    # a bare object-array member whose pickle calls os.system
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "|O", "fortran_order": False, "shape": ()})
    bare = tmp_path / "bare.npz"
    with zipfile.ZipFile(bare, "w") as archive:
        archive.writestr("positions_3d.npy",
                         header.getvalue() + pickle.dumps(_Exploit(marker), protocol=3))
    # the same payload hidden inside an otherwise valid VideoPose3D dict, saved by numpy
    nested = tmp_path / "nested.npz"
    payload = np.empty((), dtype=object)
    payload[()] = {"S1": {"Walking": _Exploit(marker)}}
    np.savez(nested, positions_3d=payload)
    # and a 2D file whose metadata reaches for builtins.eval
    evil_meta = tmp_path / "meta.npz"
    meta = np.empty((), dtype=object)
    meta[()] = {"layout_name": _EvalExploit(), "num_joints": 17}
    np.savez(evil_meta, positions_2d={"S1": {"A": [np.zeros((2, 17, 2))]}}, metadata=meta)

    for path in (bare, nested):
        with pytest.raises(PoseDataError, match=r"refuses to unpickle (posix|os|nt)\.system"):
            load_h36m_3d(path)
    with pytest.raises(PoseDataError, match=r"refuses to unpickle builtins\.eval"):
        load_h36m_2d(evil_meta)
    assert not marker.exists()


class _EvalExploit:
    def __reduce__(self):
        return (eval, ("__import__('os').getcwd()",))


def test_plain_numeric_members_are_read_without_pickle(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, a=np.arange(6, dtype=np.int16).reshape(2, 3))
    np.testing.assert_array_equal(read_npz_safely(path, ["a"])["a"], np.arange(6).reshape(2, 3))


def test_pickles_written_by_numpy_2_load(tmp_path, standing_pose):
    # numpy >= 2 names its array reconstructor numpy._core.multiarray._reconstruct.
    data = {"S1": {"Walking": _to_32(_walk(standing_pose, floor=0.0))}}
    member = io.BytesIO()
    np.save(member, np.array(data, dtype=object), allow_pickle=True)
    raw = member.getvalue()
    assert b"numpy.core.multiarray" in raw
    path = tmp_path / "numpy2.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("positions_3d.npy",
                         raw.replace(b"numpy.core.multiarray", b"numpy._core.multiarray"))
    (clip,) = load_h36m_3d(path)
    np.testing.assert_allclose(clip.joints, _walk(standing_pose, floor=0.0), atol=1e-5)
