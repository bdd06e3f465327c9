"""Pose Detect on real video through the real server: the Sports2D demo (a gymnast flips off a
box while a woman walks in front), bad videos, and a video with nobody in it."""
import importlib.util
import io
import uuid
from pathlib import Path

import av
import numpy as np
import pytest
from fp_testing import load_workflow

from finephys.host.client import execution_error, output_files
from finephys.skeleton.h36m import PELVIS
from finephys.skeleton.pose_files import load_pose_file

pytestmark = pytest.mark.integration

# Where the people are in the Sports2D demo (1768x994), read off its frames by eye and checked
# against plain MediaPipe, which follows the woman from frame ~168: the gymnast is on the box
# (pelvis y ~ 250-500) until he flips (frames ~168-185), lands right of x = 900 and walks out
# on the right at frame ~226; the woman walks right to left low in the frame (pelvis y > 700),
# left of x = 350 from frame 170 on.
GYMNAST_VISIBLE = range(0, 227)
ON_BOX_AND_FLIP = range(150, 186)
AFTER_LANDING = range(186, 227)


def _sports2d_video() -> bytes:
    spec = importlib.util.find_spec("Sports2D")
    if spec is None:
        pytest.fail("sports2d is part of the dev stack (scripts/bootstrap.sh installs it)")
    return (Path(list(spec.submodule_search_locations)[0]) / "Demo" / "demo.mp4").read_bytes()


def _graph(video: str, prefix: str, draw_overlay: bool = False, **detect) -> dict:
    return {
        "1": {"class_type": "FinePhys_LoadVideo", "inputs": {
            "video": video, "start_frame": 0, "frame_count": 0, "stride": 1, "max_side": 0}},
        "2": {"class_type": "FinePhys_PoseDetect", "inputs": {
            "images": ["1", 0], "fps": ["1", 1], "backend": "mediapipe", "target": "largest",
            "point_x": 0.5, "point_y": 0.5, "smoothing": "none", "draw_overlay": draw_overlay,
            "overlay_confidence": 0.3, **detect}},
        "3": {"class_type": "FinePhys_Save2DPose", "inputs": {
            "pose_2d": ["2", 0], "filename_prefix": prefix, "format": "npz"}},
    }


def _saved_pose(comfy, entry, tmp_path):
    files = output_files(entry)
    assert [f["filename"][-4:] for f in files] == [".npz"]
    path = tmp_path / files[0]["filename"]
    path.write_bytes(comfy.download(files[0]["filename"], files[0]["subfolder"], files[0]["type"]))
    return load_pose_file(path)


def test_sports2d_gymnast_is_tracked_through_the_flip(comfy, input_file, tmp_path):
    name = input_file("sports2d_demo.mp4", _sports2d_video())
    entry = comfy.run(_graph(name, f"test/{uuid.uuid4().hex[:8]}"), timeout=600)
    seq = _saved_pose(comfy, entry, tmp_path)
    assert seq.num_frames == 230 and seq.image_size == (1768, 994) and seq.fps == pytest.approx(30)
    found = seq.confidence.max(axis=1) > 0
    visible = np.array(GYMNAST_VISIBLE)
    assert found[visible].mean() >= 0.95, np.flatnonzero(~found[visible])
    pelvis = seq.keypoints[:, PELVIS]
    on_box = [t for t in ON_BOX_AND_FLIP if found[t]]
    landed = [t for t in AFTER_LANDING if found[t]]
    assert (pelvis[on_box, 1] < 600).all(), "switched to the woman walking below the box"
    assert (pelvis[landed, 0] > 800).all(), "switched to the woman after the landing"
    # continuous path: no jump between consecutive found frames
    steps = [np.linalg.norm(pelvis[t + 1] - pelvis[t]) for t in range(229) if found[t] and found[t + 1]]
    assert max(steps) < 150
    # the flip frames are there: found, or zero confidence with interpolated positions
    flip = np.arange(165, 186)
    assert np.isfinite(seq.keypoints[flip]).all()
    assert (seq.interpolated[flip][~found[flip]]).all() and found[flip].mean() > 0.6


def test_cancelling_stops_detection_and_the_server_keeps_serving(comfy, input_file):
    import time

    name = input_file("sports2d_cancel.mp4", _sports2d_video())
    prompt_id = comfy.submit(_graph(name, "test/cancelled"))
    time.sleep(5.0)  # decoding takes ~3 s, then detection runs for ~9 s
    comfy.interrupt()
    entry = comfy.wait(prompt_id, timeout=120)
    kinds = [kind for kind, _ in entry["status"]["messages"]]
    assert entry["status"]["status_str"] == "error" and "execution_interrupted" in kinds
    assert not output_files(entry)  # nothing was saved
    assert comfy.alive()


def _video_bytes(frames: int, size=(96, 64), colour=0) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=24)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for _ in range(frames):
            image = np.full((size[1], size[0], 3), colour, np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        container.mux(stream.encode())
    return buffer.getvalue()


def test_shipped_workflow_on_a_video_with_nobody_in_it(comfy, input_file, tmp_path):
    """workflows/api/video_to_pose.json as shipped, on a video of an empty scene: a valid
    all-zero-confidence pose file, an overlay video, no error."""
    name = input_file("empty_scene.mp4", _video_bytes(6, colour=40))
    graph = load_workflow("video_to_pose.json")
    graph["1"]["inputs"]["video"] = name
    prefix = f"test/{uuid.uuid4().hex[:8]}"
    graph["3"]["inputs"]["filename_prefix"] = prefix
    graph["5"]["inputs"]["filename_prefix"] = prefix + "_overlay"
    entry = comfy.run(graph, timeout=300)
    files = {f["filename"].rsplit(".", 1)[-1]: f for f in output_files(entry)}
    assert set(files) == {"npz", "json", "mp4"}
    path = tmp_path / files["npz"]["filename"]
    path.write_bytes(comfy.download(files["npz"]["filename"], files["npz"]["subfolder"], "output"))
    seq = load_pose_file(path)
    assert seq.num_frames == 6 and (seq.confidence == 0).all() and np.isfinite(seq.keypoints).all()
    overlay = comfy.download(files["mp4"]["filename"], files["mp4"]["subfolder"], "output")
    with av.open(io.BytesIO(overlay)) as container:
        assert sum(1 for _ in container.decode(video=0)) == 6


@pytest.mark.parametrize("content, message", [
    (b"", "the file is empty"),
    (b"not a video at all" * 20, "not a readable video"),
])
def test_bad_videos_fail_clearly_and_the_server_keeps_serving(comfy, input_file, content, message):
    name = input_file(f"bad_{uuid.uuid4().hex[:6]}.mp4", content)
    entry = comfy.wait(comfy.submit(_graph(name, "test/bad")), timeout=120)
    error = execution_error(entry)
    assert error and "FinePhys Load Video" in error["exception_message"] and message in error["exception_message"]
    assert comfy.alive()


@pytest.mark.parametrize("backend, expected", [
    ("openpose", ["body_pose_model.safetensors", "models/finephys/openpose"]),
    ("dwpose", ["onnxruntime", "yolox_l.onnx", "dw-ll_ucoco_384.onnx"]),
])
def test_backend_without_weights_names_the_files_and_folder(comfy, input_file, backend, expected):
    name = input_file("tiny_clip.mp4", _video_bytes(2))
    entry = comfy.wait(comfy.submit(_graph(name, "test/nobackend", backend=backend)), timeout=120)
    message = execution_error(entry)["exception_message"]
    assert "FinePhys Pose Detect" in message and all(e in message for e in expected), message
    assert comfy.alive()


def test_frame_range_beyond_the_end_is_an_error(comfy, input_file):
    name = input_file("short_clip.mp4", _video_bytes(5))
    graph = _graph(name, "test/short")
    graph["1"]["inputs"]["start_frame"] = 50
    entry = comfy.wait(comfy.submit(graph), timeout=120)
    assert "no frames in the range" in execution_error(entry)["exception_message"]
