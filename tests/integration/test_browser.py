"""ComfyUI's real editor (comfyui-frontend-package) in headless Chromium, served by the test
server: each editor-format workflow is loaded the way a drag-and-drop loads it, and the editor
must know every node, flag none, show our nodes' widgets with the file's values, and queue
exactly the API-format twin. Screenshots go to test_artifacts/browser/."""
import json
from pathlib import Path

import pytest


from finephys.host.browser import Editor
from finephys.host.workflow_format import widget_names

from fp_testing import strip_meta

pytestmark = pytest.mark.integration

WORKFLOWS_DIR = Path(__file__).resolve().parents[2] / "workflows"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test_artifacts"
UI_NAMES = sorted(p.name for p in (WORKFLOWS_DIR / "ui").glob("*.json"))


@pytest.fixture(scope="module")
def editor(comfy_server):
    with Editor(comfy_server.url) as page:
        yield page


@pytest.fixture(scope="module")
def object_info(comfy_server):
    return comfy_server.client().object_info()


@pytest.mark.parametrize("name", UI_NAMES)
def test_editor_loads_the_workflow_with_every_node_known_and_our_widgets_shown(editor, object_info, name):
    workflow = json.loads((WORKFLOWS_DIR / "ui" / name).read_text())
    editor.drop_workflow(workflow, name)
    editor.fit_view()
    editor.screenshot(ARTIFACTS / "browser" / name.replace(".json", ".png"))
    report = editor.report()
    assert len(report["nodes"]) == len(workflow["nodes"])
    assert [n["type"] for n in report["nodes"] if not n["known"]] == []
    assert report["red"] == [] and report["node_errors"] == []
    assert not [d for d in report["dialogs"] if "missing" in d.lower()]
    ours = [n for n in report["nodes"] if n["type"].startswith("FinePhys_")]
    assert ours
    saved = {n["id"]: n for n in workflow["nodes"]}
    for node in ours:
        shown = [w["name"] for w in node["widgets"] if w["name"] != "control_after_generate"]
        assert shown == widget_names(object_info[node["type"]]), node["type"]
        values = [w["value"] for w in node["widgets"]]
        assert values == saved[node["id"]]["widgets_values"], node["type"]
    api = json.loads((WORKFLOWS_DIR / "api" / name).read_text())
    assert strip_meta(editor.graph_to_prompt()) == strip_meta(api)


def test_editor_flags_a_node_type_the_server_does_not_have(editor):
    workflow = json.loads((WORKFLOWS_DIR / "ui" / "pose_file_to_skeleton_video.json").read_text())
    workflow["nodes"][0]["type"] = "FinePhys_NoSuchNode"
    editor.drop_workflow(workflow, "broken.json")
    editor.screenshot(ARTIFACTS / "browser" / "missing_node_flagged.png")
    report = editor.report()
    assert [n["type"] for n in report["nodes"] if not n["known"]] == ["FinePhys_NoSuchNode"]
    assert any("FinePhys_NoSuchNode" in d for d in report["dialogs"])
    editor.close_dialogs()


@pytest.mark.parametrize("name", ["pose_to_physics_new_view.json", "pose_file_to_skeleton_video.json"])
def test_run_button_executes_the_loaded_workflow_with_no_node_turning_red(editor, comfy, name):
    comfy.free()  # no cached outputs: the workflow really runs
    editor.drop_workflow(json.loads((WORKFLOWS_DIR / "ui" / name).read_text()), name)
    entry = editor.click_run(timeout=600)
    assert entry is not None, editor.report()["dialogs"]
    assert entry["status"]["status_str"] == "success", entry["status"]
    videos = [f for out in entry["outputs"].values() for f in out.get("images", []) + out.get("videos", [])
              if f["filename"].endswith(".mp4")]
    assert videos  # Save Video wrote the skeleton video
    editor.fit_view()
    editor.screenshot(ARTIFACTS / "browser" / name.replace(".json", "_ran.png"))
    report = editor.report()
    assert report["red"] == [] and report["node_errors"] == []


def test_queueing_without_the_model_files_turns_exactly_those_nodes_red(editor, comfy):
    from finephys.host.validate import check_api_workflow

    name = "video_to_generation.json"
    editor.drop_workflow(json.loads((WORKFLOWS_DIR / "ui" / name).read_text()), name)
    assert editor.click_run(timeout=120) is None  # refused by the server's validation
    editor.screenshot(ARTIFACTS / "browser" / "missing_model_files_red.png")
    report = editor.report()
    api = json.loads((WORKFLOWS_DIR / "api" / name).read_text())
    files = set(check_api_workflow(api, comfy.object_info()).missing_files)
    assert files == {("your_video.mp4", "input"), ("v1-5-pruned-emaonly.safetensors", "models/checkpoints"),
                     ("mm_sd_v15_v2.safetensors", "models/animatediff_models"),
                     ("finephys_adapter.safetensors", "models/finephys")}
    # the nodes that load those four files, and no other
    assert sorted(report["red"]) == [1, 14, 20, 24]
    assert sorted(map(int, report["node_errors"])) == [1, 14, 20, 24]
    editor.close_dialogs()
    assert comfy.alive()
