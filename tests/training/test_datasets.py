"""Dataset readers on small files in the real layouts: a video folder with captions (every
file accounted for), FineGym (annotation JSON, element labels, categories; FX subsets), and
COCO-style image + skeleton pairs."""
import json

import av
import numpy as np
import pytest
from PIL import Image

from finephys.skeleton.errors import PoseDataError
from finephys.training.finegym import elements_to_clips, read_categories, read_elements, subset_of
from finephys.training.image_pairs import read_image_pairs
from finephys.training.video_dataset import fit_frames, read_captions, scan_video_folder


def _video(path, frames, fps=10, size=32):
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width = stream.height = size
        stream.pix_fmt = "yuv420p"
        for t in range(frames):
            img = np.full((size, size, 3), 10 * t % 255, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def test_video_folder_reports_every_file(tmp_path):
    _video(tmp_path / "a.mp4", 12)
    _video(tmp_path / "b.mp4", 4)
    (tmp_path / "c.mp4").write_bytes(b"")
    _video(tmp_path / "d.mp4", 12)
    (tmp_path / "captions.csv").write_text("video,caption\na.mp4,a back salto\nb.mp4,short one\nc.mp4,empty file\n"
                                           "d.mp4,\n../outside.mp4,sneaky\n")
    report = scan_video_folder(tmp_path, tmp_path / "captions.csv", clip_frames=8)
    assert [e.video.name for e in report.kept] == ["a.mp4"] and report.kept[0].caption == "a back salto"
    reasons = dict(report.skipped)
    assert reasons["b.mp4"] == "shorter than the clip (4 < 8 frames)"
    assert "empty" in reasons["c.mp4"] and reasons["d.mp4"] == "no caption"
    assert reasons["../outside.mp4"] == "outside the dataset folder"
    assert "1 clip(s) kept, 4 skipped" in report.text()
    (tmp_path / "captions.jsonl").write_text('{"video": "a.mp4", "caption": "x"}\n{"caption": "no video"}\n')
    with pytest.raises(PoseDataError, match="line 2: needs a \"video\" entry"):
        read_captions(tmp_path / "captions.jsonl")
    (tmp_path / "bad.csv").write_text("name,words\na.mp4,x\n")
    with pytest.raises(PoseDataError, match="'video' and 'caption' columns"):
        read_captions(tmp_path / "bad.csv")
    frames, scale, offset = fit_frames(np.zeros((2, 90, 160, 3), np.uint8), 64, 64)
    assert frames.shape == (2, 64, 64, 3) and offset[1] == 0 and offset[0] > 0


CATEGORIES = """Clabel: 0; set: 1; Glabel: 1; (VT) round-off, flic-flac with 0.5 turn on, stretched salto forward off
Clabel: 1; set: 21; Glabel: 60; (FX) switch leap with 0.5 turn
Clabel: 2; set: 22; Glabel: 70; (FX) 2 turn in tuck stand on one leg
Clabel: 3; set: 25; Glabel: 80; (FX) salto backward tucked with 1 turn
Clabel: 4; set: 31; Glabel: 90; (BB) split jump
"""


def test_finegym_subsets_and_clip_times(tmp_path):
    (tmp_path / "cats.txt").write_text(CATEGORIES)
    cats = read_categories(tmp_path / "cats.txt")
    assert [subset_of(cats[i]) for i in range(5)] == [None, "FX-JUMP", "FX-TURN", "FX-SALTO", None]
    annotation = {"vid1": {"E_000100_000160": {"event": 2, "timestamps": [[100.0, 160.0]], "segments": {
        "A_0002_0004": {"stages": 1, "timestamps": [[2.0, 4.0]]},
        "A_0010_0011": {"stages": 1, "timestamps": [[10.0, 10.5]]},
        "A_0020_0023": {"stages": 3, "timestamps": [[20.0, 21.0], [21.0, 22.0], [22.0, 23.0]]}}}}}
    (tmp_path / "ann.json").write_text(json.dumps(annotation))
    (tmp_path / "labels.txt").write_text("vid1_E_000100_000160_A_0002_0004 1\nvid1_E_000100_000160_A_0010_0011 2\n"
                                         "vid1_E_000100_000160_A_0020_0023 3\nvid2_E_000001_000002_A_0001_0002 4\n")
    jumps = read_elements(tmp_path / "ann.json", tmp_path / "labels.txt", cats, "FX-JUMP")
    assert len(jumps) == 1 and (jumps[0].start_s, jumps[0].end_s) == (102.0, 104.0)
    assert jumps[0].name == "switch leap with 0.5 turn"
    saltos = read_elements(tmp_path / "ann.json", tmp_path / "labels.txt", cats, "FX-SALTO")
    assert (saltos[0].start_s, saltos[0].end_s) == (120.0, 123.0)  # first stage's start to last stage's end
    with pytest.raises(PoseDataError, match="vid2_E_000001_000002_A_0001_0002: not found"):
        read_elements(tmp_path / "ann.json", tmp_path / "labels.txt", cats, sets=[31])
    with pytest.raises(PoseDataError, match="unknown FineGym subset"):
        read_elements(tmp_path / "ann.json", tmp_path / "labels.txt", cats, "FX-SPLITS")
    # videos: vid1 present (long enough for the jump at 10 fps, but too short for the salto end)
    videos = tmp_path / "videos"
    videos.mkdir()
    _video(videos / "vid1.mp4", 1210, fps=10)
    report = elements_to_clips(jumps + saltos, videos, clip_frames=8, caption_prefix="gymnast: ")
    assert len(report.kept) == 1
    clip = report.kept[0]
    assert (clip.start, clip.frames, clip.stride) == (1020, 8, 2) and clip.caption == "gymnast: switch leap with 0.5 turn"
    assert "ends past the video" in report.skipped[0][1]
    missing = elements_to_clips(jumps, tmp_path / "nowhere", clip_frames=8)
    assert "not in nowhere/" in missing.skipped[0][1]


def test_coco_style_image_pairs(tmp_path):
    Image.new("RGB", (100, 80)).save(tmp_path / "img1.png")
    kp_big = [0.0] * 51
    for j, (x, y) in enumerate([(50, 10), (48, 8), (52, 8), (45, 9), (55, 9), (40, 25), (60, 25), (35, 40), (65, 40),
                                (33, 55), (67, 55), (44, 55), (56, 55), (43, 65), (57, 65), (43, 75), (57, 75)]):
        kp_big[3 * j:3 * j + 3] = [x, y, 2]
    data = {"images": [{"id": 1, "file_name": "img1.png", "width": 100, "height": 80, "caption": "a dancer leaping"},
                       {"id": 2, "file_name": "img2.png", "width": 100, "height": 80},
                       {"id": 3, "file_name": "img3.png", "width": 100, "height": 80}],
            "annotations": [{"image_id": 1, "keypoints": [0.0] * 51, "bbox": [0, 0, 5, 5]},
                            {"image_id": 1, "keypoints": kp_big, "bbox": [30, 5, 40, 72]},
                            {"image_id": 2, "keypoints": kp_big, "bbox": [30, 5, 40, 72]}]}
    (tmp_path / "ann.json").write_text(json.dumps(data))
    pairs, skipped = read_image_pairs(tmp_path / "ann.json", tmp_path)
    assert len(pairs) == 1 and pairs[0].caption == "a dancer leaping"
    pose = pairs[0].pose
    assert pose.keypoints.shape == (1, 17, 2) and pose.image_size == (100, 80)
    assert pose.keypoints[0, 0].tolist() == pytest.approx([50.0, 55.0])  # pelvis = mid-hips
    assert dict(skipped) == {"img2.png": "image not found in " + tmp_path.name + "/", "img3.png": "no annotated person"}
    (tmp_path / "bad.json").write_text("{}")
    with pytest.raises(PoseDataError, match="not a COCO keypoint file"):
        read_image_pairs(tmp_path / "bad.json", tmp_path)


def test_demonstrations_paired_within_the_same_kind_of_move():
    """demonstration_table(same_family=True): another clip of the window's family first, even
    when a clip of another family looks closer; a family with one clip falls back to the
    nearest other clip; never the window's own clip."""
    from finephys.training.lifter_data import WindowSet, demonstration_table

    rng = np.random.default_rng(0)
    base = rng.normal(0, 1, (1, 9, 17, 3)).astype(np.float32)
    base[..., 2] = 1.0
    offsets = {0: 0.0, 1: 0.5, 2: 0.05, 3: 3.0}  # clip -> how far its windows are from clip 0's
    clips = np.repeat(np.arange(4), 3)
    clean = np.concatenate([base + np.float32(offsets[c]) * np.eye(3, dtype=np.float32)[0] for c in clips])
    clean[..., 2] = 1.0
    clean += rng.normal(0, 0.01, clean.shape).astype(np.float32) * np.array([1, 1, 0], np.float32)
    data = WindowSet(clean, clean, np.zeros_like(clean), family=np.array([0, 0, 1, 2]).repeat(3),
                     families=["a", "b", "c"], clip=clips)
    k = 2
    anywhere = demonstration_table(data, k=k)
    within = demonstration_table(data, k=k, same_family=True)
    assert (clips[anywhere[:3]] == 2).all()  # clip 2 (another family) is nearest to clip 0
    assert (clips[within[:3]] == 1).all()  # but clip 1 is clip 0's family
    assert (clips[within[9:]] != 3).all()  # clip 3 has no family mate: nearest other clip
    assert not (clips[within] == clips[:, None]).any()


def test_same_clip_demonstrations_are_other_windows_of_the_window_s_own_clip():
    """same_clip_table: the nearest other windows of the same clip, never the window itself;
    a clip with fewer than k others repeats its nearest; a clip of one window gets -1."""
    from finephys.training.lifter_data import WindowSet, same_clip_table

    rng = np.random.default_rng(1)
    clips = np.array([0, 0, 0, 0, 1, 1, 2])
    clean = rng.normal(0, 1, (len(clips), 9, 17, 3)).astype(np.float32)
    clean[..., 2] = 1.0
    data = WindowSet(clean, clean, np.zeros_like(clean), family=np.zeros(len(clips), int), families=["a"], clip=clips)
    table = same_clip_table(data, k=2)
    for i in range(6):
        assert (clips[table[i]] == clips[i]).all() and (table[i] != i).all()
    assert (table[4] == 5).all() and (table[5] == 4).all()  # one other window: repeated
    assert (table[6] == -1).all()  # alone in its clip
    # the nearest first: window 1 made a near copy of window 0
    data.clean_2d[1] = data.clean_2d[0] + 0.001
    assert 1 in same_clip_table(data, k=2)[0]
