import json

import numpy as np
import pytest

from finephys.skeleton import h36m
from finephys.skeleton.errors import PoseDataError
from finephys.skeleton.pose_files import load_pose_file, save_pose_keypoint_json, save_pose_npz
from finephys.skeleton.pose_keypoint import frames_to_sequence, sequence_to_frames
from finephys.skeleton.sequence import Pose2DSequence


def _op18_person(offset=0.0, scale=1.0):
    rng = np.random.default_rng(3)
    pts = rng.uniform(100, 300, size=(18, 2)) * scale + offset
    return [v for p in pts for v in (p[0], p[1], 1.0)], pts


def test_pose_keypoint_round_trip(standing_pose):
    kp = standing_pose[None, :, [0, 2]].repeat(3, axis=0) * np.array([200, -200]) + np.array([320, 400])
    conf = np.ones((3, 17))
    conf[1, h36m.L_WRIST] = 0.0
    seq = Pose2DSequence(kp, conf, (640, 480), fps=24)
    frames = sequence_to_frames(seq)
    assert frames[0]["canvas_width"] == 640 and len(frames[0]["people"][0]["pose_keypoints_2d"]) == 54
    # a missing joint is written as [0,0,0], as comfyui_controlnet_aux expects
    assert frames[1]["people"][0]["pose_keypoints_2d"][7 * 3 : 7 * 3 + 3] == [0.0, 0.0, 0.0]
    back = frames_to_sequence(json.loads(json.dumps(frames)), fps=24)
    present = back.confidence > 0
    keep = np.ones(17, bool)
    keep[h36m.SPINE] = False  # re-derived as mid(pelvis, thorax)
    np.testing.assert_allclose(back.keypoints[present & keep], seq.keypoints[present & keep], atol=0.01)
    assert present.sum() == 3 * 17 - 1
    assert back.confidence[1, h36m.L_WRIST] == 0 and back.confidence[0, h36m.L_WRIST] == 1


def test_normalised_coordinates_are_scaled_to_the_canvas():
    flat, pts = _op18_person(scale=1 / 400)
    frames = [{"people": [{"pose_keypoints_2d": flat}], "canvas_width": 800, "canvas_height": 600}]
    seq = frames_to_sequence(frames)
    np.testing.assert_allclose(seq.keypoints[0, h36m.NECK_NOSE], pts[0] * [800, 600], rtol=1e-5)


def test_person_choice_and_empty_frames():
    small, _ = _op18_person(scale=0.2)
    big, big_pts = _op18_person(scale=2.0)
    frames = [
        {"people": [{"pose_keypoints_2d": small}, {"pose_keypoints_2d": big}], "canvas_width": 900, "canvas_height": 900},
        {"people": [], "canvas_width": 900, "canvas_height": 900},
    ]
    first = frames_to_sequence(frames, person=0)
    largest = frames_to_sequence(frames, person="largest")
    np.testing.assert_allclose(largest.keypoints[0, h36m.NECK_NOSE], big_pts[0], rtol=1e-5)
    assert not np.allclose(first.keypoints[0], largest.keypoints[0])
    assert (first.confidence[1] == 0).all() and np.isfinite(first.keypoints).all()


@pytest.mark.parametrize(
    "frames, message",
    [
        ([], "zero frames"),
        ([{"people": []}], "no person in any"),
        ([{"nobody": 1}], "frame 0: no 'people'"),
        ([{"people": [{"pose_keypoints_2d": [1, 2, 3] * 10}], "canvas_width": 9, "canvas_height": 9}], "has 30 values"),
        ([{"people": [{"pose_keypoints_2d": [float("nan")] * 54}], "canvas_width": 9, "canvas_height": 9}], "NaN/inf value at position 0"),
        ([{"people": [{"pose_keypoints_2d": [1.0] * 54}], "canvas_width": 0, "canvas_height": 9}], "image size must be positive"),
        ([{"people": [{"pose_keypoints_2d": [1.0] * 54}]}], "no canvas size"),
    ],
)
def test_malformed_pose_keypoint_is_explained(frames, message):
    with pytest.raises(PoseDataError, match=message):
        frames_to_sequence(frames)


def test_openpose_folder_in_natural_order(tmp_path):
    folder = tmp_path / "clip"
    folder.mkdir()
    for t in (10, 2, 1):  # natural order: 1, 2, 10
        flat, _ = _op18_person(offset=t)
        (folder / f"clip_{t}_keypoints.json").write_text(json.dumps({"version": 1.3, "people": [{"pose_keypoints_2d": flat}]}))
    with pytest.raises(PoseDataError, match="no canvas size"):
        load_pose_file(folder)
    seq = load_pose_file(folder, fps=25, image_size=(640, 480))
    assert seq.num_frames == 3 and seq.fps == 25
    nose = seq.keypoints[:, h36m.NECK_NOSE, 0]
    assert nose[0] < nose[1] < nose[2]


def test_npz_round_trip_keeps_everything(tmp_path):
    rng = np.random.default_rng(4)
    interp = np.zeros((5, 17), bool)
    interp[2, 3] = True
    seq = Pose2DSequence(rng.uniform(0, 50, (5, 17, 2)), rng.uniform(0, 1, (5, 17)), (64, 48), fps=12.5, interpolated=interp)
    back = load_pose_file(save_pose_npz(seq, tmp_path / "p.npz"))
    np.testing.assert_array_equal(back.keypoints, seq.keypoints)
    np.testing.assert_array_equal(back.confidence, seq.confidence)
    np.testing.assert_array_equal(back.interpolated, interp)
    assert back.fps == 12.5 and back.image_size == (64, 48)


def test_bad_files_are_named(tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('[{"people": [}]')
    with pytest.raises(PoseDataError, match=r"broken.json: malformed JSON at line 1, column"):
        load_pose_file(bad)
    (tmp_path / "empty.json").write_text("")
    with pytest.raises(PoseDataError, match="empty.json: file is empty"):
        load_pose_file(tmp_path / "empty.json")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(PoseDataError, match="other.npz: npz format is 'missing'"):
        load_pose_file(tmp_path / "other.npz")
    (tmp_path / "pose.txt").write_text("x")
    with pytest.raises(PoseDataError, match="unsupported pose file type '.txt'"):
        load_pose_file(tmp_path / "pose.txt")
    with pytest.raises(PoseDataError, match="not found"):
        load_pose_file(tmp_path / "missing.json")
    (tmp_path / "garbage.npz").write_bytes(b"not a zip")
    with pytest.raises(PoseDataError, match="garbage.npz: not a readable npz"):
        load_pose_file(tmp_path / "garbage.npz")


def test_shipped_samples_load(repo_dir):
    js = load_pose_file(repo_dir / "samples" / "sports2d_box.json", fps=30)
    npz = load_pose_file(repo_dir / "samples" / "sports2d_box.npz")
    assert js.num_frames == npz.num_frames == 160 and js.image_size == (1768, 994)
    # the JSON keeps joints whose confidence passed 0.3, rounded to 0.01 px; derived joints
    # (spine) are re-derived from other rounded joints
    present = js.confidence > 0
    present[:, h36m.SPINE] = False
    assert present.mean() > 0.8
    assert np.abs(js.keypoints - npz.keypoints)[present].max() < 0.02
