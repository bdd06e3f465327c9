"""Every shipped API-format workflow checked against the live server's /object_info
(host/validate.py): known node types, required inputs, links of the right type, widget values
in range; files they name that a user must supply are listed, and only those."""
from pathlib import Path

import pytest

from finephys.host.validate import check_api_workflow
from fp_testing import load_workflow

pytestmark = pytest.mark.integration

WORKFLOWS = sorted(p.name for p in (Path(__file__).resolve().parents[2] / "workflows" / "api").glob("*.json"))
GENERATION_FILES = {("v1-5-pruned-emaonly.safetensors", "models/checkpoints"),
                    ("mm_sd_v15_v2.safetensors", "models/animatediff_models"),
                    ("finephys_adapter.safetensors", "models/finephys")}
EXPECTED_FILES = {
    "pose_file_to_skeleton_video.json": set(),
    "pose_to_physics_new_view.json": set(),
    "video_to_pose.json": {("your_video.mp4", "input")},
    "video_to_guidance.json": {("your_video.mp4", "input")},
    "pose_file_to_generation.json": GENERATION_FILES,
    "video_to_generation.json": GENERATION_FILES | {("your_video.mp4", "input")},
}


def test_every_workflow_is_listed():
    assert set(WORKFLOWS) == set(EXPECTED_FILES)


@pytest.mark.parametrize("name", WORKFLOWS)
def test_shipped_workflow_is_valid_against_the_live_server(comfy, name):
    check = check_api_workflow(load_workflow(name), comfy.object_info())
    assert check.problems == []
    assert set(check.missing_files) == EXPECTED_FILES[name]


def test_the_checker_finds_broken_workflows(comfy):
    info = comfy.object_info()
    graph = load_workflow("pose_file_to_generation.json")
    graph["24"]["inputs"]["steps"] = 0  # below min
    graph["24"]["inputs"]["scheduler"] = "plms"  # not offered
    graph["22"]["inputs"]["clip"] = ["20", 0]  # MODEL into a CLIP input
    graph["25"]["inputs"]["vae"] = ["99", 0]  # no such node
    del graph["13"]["inputs"]["frames"]
    graph["30"] = {"class_type": "NoSuchNode", "inputs": {}}
    problems = "\n".join(check_api_workflow(graph, info).problems)
    for expected in ("steps = 0 is outside", "scheduler = 'plms' is not one of", "wants CLIP", "node 99",
                     "required input 'frames' is missing", "NoSuchNode"):
        assert expected in problems, expected
