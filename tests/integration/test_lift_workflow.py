"""ICL Lift 3D through the real server: the shipped lifter on the shipped real-detection sample,
with and without demonstrations, a bank built from BVH files, and bad input."""
import json
import uuid

import numpy as np
import pytest

from finephys.host.client import ComfyAPIError, execution_error
from finephys.motion.bvh import format_bvh, h36m_to_bvh
from finephys.motion.synthetic import generate_clip

pytestmark = pytest.mark.integration


def _lift_graph(demonstrations="none", bank=None, pose_file="[sample] sports2d_box.npz"):
    graph = {
        "1": {"class_type": "FinePhys_Load2DPose", "inputs": {
            "pose_file": pose_file, "fps": 30.0, "person": "first", "image_width": 0, "image_height": 0}},
        "2": {"class_type": "FinePhys_ICLLift3D", "inputs": {
            "pose_2d": ["1", 0], "weights": "[default] finephys_lifter_icl",
            "demonstrations": demonstrations, "focal_length_px": 0.0, "preview": True}},
        "3": {"class_type": "PreviewImage", "inputs": {"images": ["2", 1]}},
    }
    if bank is not None:
        graph["2"]["inputs"]["bank"] = bank
    return graph


def test_lift_the_real_sample_with_a_preview(comfy):
    entry = comfy.run(_lift_graph("none"), timeout=300)
    images = entry["outputs"]["3"]["images"]
    assert len(images) == 160  # one front/side/top picture per frame


def test_lift_without_the_image_fit(comfy):
    graph = _lift_graph("none")
    graph["2"]["inputs"]["fit_to_image"] = False  # the optional switch: the network's raw answer
    entry = comfy.run(graph, timeout=300)
    assert len(entry["outputs"]["3"]["images"]) == 160
    graph["2"]["inputs"]["test_time_flip"] = "on"  # the raw answer averaged with the mirrored lift
    assert len(comfy.run(graph, timeout=300)["outputs"]["3"]["images"]) == 160
    graph["2"]["inputs"]["test_time_flip"] = "sideways"
    with pytest.raises(ComfyAPIError) as err:
        comfy.submit(graph)
    assert "test_time_flip: 'sideways' is not one of" in json.dumps(err.value.payload["node_errors"]["2"]).replace('\\"', "'")


def test_bank_from_bvh_files_feeds_the_lifter(comfy, input_file):
    folder = f"bvh_{uuid.uuid4().hex[:6]}"
    for family in ("vertical_jump", "back_salto"):
        clip = generate_clip(family, 11)
        input_file(f"{folder}/{family}.bvh", format_bvh(h36m_to_bvh(clip.joints, clip.fps)))
    comfy.object_info()  # refresh: the new folder appears in the dropdown on the next schema read
    graph = _lift_graph("bank", bank=["4", 0])
    graph["4"] = {"class_type": "FinePhys_BuildDemoBank", "inputs": {
        "source": f"{folder}/", "name": f"test_{folder}", "window": 27}}
    entry = comfy.run(graph, timeout=300)
    assert "entries from 2 clips" in entry["outputs"]["4"]["text"][0]
    assert len(entry["outputs"]["3"]["images"]) == 160


def test_bank_window_mismatch_and_bad_names_are_clear(comfy, input_file):
    folder = f"bvh_{uuid.uuid4().hex[:6]}"
    clip = generate_clip("turn", 2)
    input_file(f"{folder}/turn.bvh", format_bvh(h36m_to_bvh(clip.joints, clip.fps)))
    graph = _lift_graph("bank", bank=["4", 0])
    graph["4"] = {"class_type": "FinePhys_BuildDemoBank", "inputs": {
        "source": f"{folder}/", "name": "w9", "window": 9}}
    message = execution_error(comfy.wait(comfy.submit(graph), timeout=300))["exception_message"]
    assert "FinePhys ICL Lift 3D" in message and "9-frame windows" in message
    graph["4"]["inputs"].update(window=27, name="../escape")
    message = execution_error(comfy.wait(comfy.submit(graph), timeout=300))["exception_message"]
    assert "bad bank name" in message
    assert comfy.alive()
