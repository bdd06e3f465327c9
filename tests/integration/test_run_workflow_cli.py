"""scripts/run_workflow.py, the headless runner, as a user runs it: against the running test
server (--server) and on its own embedded server; success, a failing node, a workflow that
does not fit, bad overrides."""
import json
import subprocess
import sys

import pytest

from fp_testing import REPO_DIR

pytestmark = pytest.mark.integration

SCRIPT = REPO_DIR / "scripts" / "run_workflow.py"
UI = REPO_DIR / "workflows" / "ui"
API = REPO_DIR / "workflows" / "api"


def run_cli(*args, timeout=600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO_DIR)


def test_ui_workflow_with_an_uploaded_pose_file_streams_progress_and_collects_outputs(comfy_server, comfy, tmp_path):
    out = tmp_path / "out"
    done = run_cli(UI / "pose_to_physics_new_view.json", "--server", comfy_server.url,
                   "--pose-file", REPO_DIR / "samples" / "sports2d_box.json", "--set", "5.view_azimuth=45",
                   "--set", "8.filename_prefix=finephys/cli_test/new_view", "--output", out)
    assert done.returncode == 0, done.stderr
    log = done.stdout
    assert "node 1 (FinePhys_Load2DPose).pose_file = 'sports2d_box.json'" in log  # uploaded over HTTP
    assert "node 5 (FinePhys_FuseProject).view_azimuth = 45" in log
    for step in range(1, 9):
        assert f"[{step}/8]" in log  # one line per node as it starts
    assert (comfy_server.input_dir / "sports2d_box.json").is_file()
    videos = list(out.rglob("new_view_*.mp4"))
    assert len(videos) == 1 and videos[0].parent == out / "finephys" / "cli_test"
    assert videos[0].read_bytes()[4:8] == b"ftyp"
    assert len(list(out.rglob("com_plot_*.png"))) == 1 and len(list(out.rglob("fused_*.bvh"))) == 1
    report = (out / "node3_FinePhys_PhysNetReestimate.txt").read_text()
    assert "frames at 30 fps" in report and "flight COM law" in report


def test_a_failing_node_exits_1_with_its_message(comfy_server, comfy, tmp_path):
    broken = tmp_path / "broken_pose.json"
    broken.write_text('{"not": "a pose"}')
    done = run_cli(API / "pose_to_physics_new_view.json", "--server", comfy_server.url, "--pose-file", broken,
                   "--output", tmp_path / "out")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "node 1 (FinePhys_Load2DPose) failed" in done.stderr
    assert "broken_pose.json" in done.stderr
    assert comfy.alive()  # the server keeps serving


def test_a_workflow_that_does_not_fit_exits_2_listing_every_problem(comfy_server, tmp_path):
    done = run_cli(API / "pose_file_to_generation.json", "--server", comfy_server.url, "--set", "24.steps=0",
                   "--output", tmp_path / "out")
    assert done.returncode == 2
    for expected in ("steps = 0 is outside",
                     "missing file v1-5-pruned-emaonly.safetensors: place it in ComfyUI's models/checkpoints/ folder",
                     "missing file mm_sd_v15_v2.safetensors: place it in ComfyUI's models/animatediff_models/ folder"):
        assert expected in done.stderr
    bad_override = run_cli(API / "video_to_guidance.json", "--server", comfy_server.url, "--seed", "3")
    assert bad_override.returncode == 2 and "no seed input" in bad_override.stderr
    not_json = tmp_path / "x.json"
    not_json.write_text("{")
    assert run_cli(not_json, "--server", comfy_server.url).returncode == 2
    assert "not JSON" in run_cli(not_json, "--server", comfy_server.url).stderr
    not_a_workflow = tmp_path / "y.json"
    not_a_workflow.write_text(json.dumps({"a": 1}))
    assert "not a ComfyUI workflow" in run_cli(not_a_workflow, "--server", comfy_server.url).stderr
    nobody = run_cli(API / "video_to_guidance.json", "--server", "http://127.0.0.1:9")
    assert nobody.returncode == 3 and "no ComfyUI answers" in nobody.stderr


def test_embedded_server_run(tmp_path):
    out = tmp_path / "out"
    done = run_cli(UI / "pose_file_to_skeleton_video.json", "--set", "2.width=320", "--set", "2.height=180",
                   "--output", out)
    assert done.returncode == 0, done.stderr
    assert "embedded ComfyUI started" in done.stdout
    videos = list(out.rglob("skeleton_*.mp4"))
    assert len(videos) == 1 and videos[0].stat().st_size > 1000
