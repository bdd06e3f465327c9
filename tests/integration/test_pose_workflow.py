"""The first real workflow end to end: pose file -> skeleton video, and bad input through the
same server (clear execution_error payloads; the server keeps serving)."""
import io
import json
import uuid

import numpy as np
import pytest
from fp_testing import load_workflow

from finephys.host.client import ComfyAPIError, execution_error, output_files

pytestmark = pytest.mark.integration


def _decode_video(raw: bytes) -> np.ndarray:
    import av

    with av.open(io.BytesIO(raw)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])


def test_pose_file_to_skeleton_video(comfy):
    graph = load_workflow("pose_file_to_skeleton_video.json")
    graph["4"]["inputs"]["filename_prefix"] = f"test/{uuid.uuid4().hex[:8]}"
    entry = comfy.run(graph, timeout=300)
    files = output_files(entry)
    assert len(files) == 1 and files[0]["filename"].endswith(".mp4")
    frames = _decode_video(comfy.download(files[0]["filename"], files[0]["subfolder"], files[0]["type"]))
    assert frames.shape == (160, 496, 884, 3)
    # a skeleton on black: most pixels dark, some brightly coloured in every frame
    bright = (frames.max(axis=-1) > 128).reshape(160, -1).sum(axis=1)
    assert (bright > 200).all() and frames.mean() < 20


def _load_and_draw(pose_file: str, **load_inputs) -> dict:
    return {
        "1": {"class_type": "FinePhys_Load2DPose", "inputs": {
            "pose_file": pose_file, "fps": 30.0, "person": "first", "image_width": 0,
            "image_height": 0, **load_inputs}},
        "2": {"class_type": "FinePhys_DrawSkeleton", "inputs": {
            "pose_2d": ["1", 0], "width": 64, "height": 64, "confidence_threshold": 0.3,
            "line_width": 0}},
        "3": {"class_type": "PreviewImage", "inputs": {"images": ["2", 0]}},
    }


def _person(values):
    return {"people": [{"pose_keypoints_2d": values}], "canvas_width": 64, "canvas_height": 64}


GOOD = [10.0, 10.0, 1.0] * 18

BAD_FILES = {
    "malformed.json": ('[{"people": [}]', "malformed JSON at line 1, column 14"),
    "wrong_joints.json": (json.dumps([_person([1.0, 2.0, 1.0] * 20)]), "frame 0 person 0: pose_keypoints_2d has 60 values"),
    "zero_frames.json": ("[]", "zero frames"),
    "nan_values.json": ('[{"people": [{"pose_keypoints_2d": [NaN' + ", 1.0" * 53 + ']}], "canvas_width": 64, "canvas_height": 64}]',
                        "NaN/inf value at position 0"),
    "zero_size.json": (json.dumps([{**_person(GOOD), "canvas_width": 0}]), "image size must be positive, got 0x64"),
    "nobody.json": (json.dumps([{"people": [], "canvas_width": 64, "canvas_height": 64}]), "no person in any of 1 frames"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_pose_file_gives_a_clear_execution_error(comfy, input_file, name):
    content, message = BAD_FILES[name]
    input_file(name, content)
    entry = comfy.wait(comfy.submit(_load_and_draw(name)), timeout=120)
    error = execution_error(entry)
    assert error is not None, f"{name} was accepted"
    assert error["node_type"] == "FinePhys_Load2DPose" and error["node_id"] == "1"
    assert error["exception_type"] == "ValueError"
    assert "FinePhys Load 2D Pose" in error["exception_message"]
    assert name in error["exception_message"] or name == "zero_frames.json"
    assert message in error["exception_message"], error["exception_message"]
    assert comfy.alive()


def test_server_keeps_serving_after_errors(comfy, input_file):
    input_file("broken.json", "{")
    assert execution_error(comfy.wait(comfy.submit(_load_and_draw("broken.json")), timeout=120))
    name = input_file("fine.json", json.dumps([_person(GOOD)] * 3))
    entry = comfy.run(_load_and_draw(name), timeout=120)
    assert entry["status"]["status_str"] == "success"
    assert len(output_files(entry)) == 3


def test_openpose_folder_needs_a_size_and_then_loads(comfy, input_file):
    for t in range(4):
        input_file(f"op_clip/frame_{t:03d}_keypoints.json", json.dumps({"people": [{"pose_keypoints_2d": GOOD}]}))
    error = execution_error(comfy.wait(comfy.submit(_load_and_draw("op_clip/")), timeout=120))
    assert "no canvas size; give the image width and height" in error["exception_message"]
    entry = comfy.run(_load_and_draw("op_clip/", image_width=64, image_height=48), timeout=120)
    assert len(output_files(entry)) == 4


@pytest.mark.parametrize("inputs, message", [
    (dict(pose_file="../../../etc/passwd"), "pose_file: '../../../etc/passwd' is not one of"),
    (dict(pose_file="[sample] ../../__init__.py"), "is not one of"),
    (dict(person="tallest"), "person: 'tallest' is not one of ['first', 'largest']"),
])
def test_values_outside_dropdowns_are_refused(comfy, inputs, message):
    graph = _load_and_draw("[sample] sports2d_box.npz")
    graph["1"]["inputs"].update(inputs)
    with pytest.raises(ComfyAPIError) as err:
        comfy.submit(graph)
    assert err.value.status == 400
    assert err.value.payload["error"]["type"] == "prompt_outputs_failed_validation"
    assert message in json.dumps(err.value.payload["node_errors"]["1"]).replace('\\"', "'")


def test_unknown_node_type_is_rejected(comfy):
    with pytest.raises(ComfyAPIError) as err:
        comfy.submit({"1": {"class_type": "FinePhys_DoesNotExist", "inputs": {}}})
    assert err.value.status == 400 and err.value.payload["error"]["type"] == "invalid_prompt"


def test_pose_keypoint_interop_and_overlay_mismatch(comfy):
    graph = {
        "1": {"class_type": "FinePhys_Load2DPose", "inputs": {
            "pose_file": "[sample] sports2d_box.npz", "fps": 30.0, "person": "first",
            "image_width": 0, "image_height": 0}},
        "2": {"class_type": "FinePhys_PoseKeypointTo2DPose", "inputs": {
            "pose_keypoint": ["1", 1], "fps": 30.0, "person": "largest"}},
        "3": {"class_type": "EmptyImage", "inputs": {"width": 96, "height": 64, "batch_size": 2, "color": 0}},
        "4": {"class_type": "FinePhys_DrawSkeleton", "inputs": {
            "pose_2d": ["2", 0], "width": 0, "height": 0, "confidence_threshold": 0.3,
            "line_width": 0, "background": ["3", 0]}},
        "5": {"class_type": "PreviewImage", "inputs": {"images": ["4", 0]}},
    }
    error = execution_error(comfy.wait(comfy.submit(graph), timeout=120))
    assert error["node_type"] == "FinePhys_DrawSkeleton"
    assert "background has 2 frames but the pose sequence has 160" in error["exception_message"]
    graph["3"]["inputs"]["batch_size"] = 1
    entry = comfy.run(graph, timeout=300)
    assert len(output_files(entry)) == 160
