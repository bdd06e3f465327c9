"""PhysNet Re-estimate and Fuse & Project through the real server, on the shipped real
detection sample: physics report and COM plot, the fused 2D from a new view drawn as video
frames, a BVH for Blender, and bad input that fails clearly while the server keeps serving."""
import io
import shutil
import uuid

import av
import pytest

from finephys.host.client import execution_error, output_files
from fp_testing import load_workflow
from finephys.lifter.inference import SHIPPED_WEIGHTS as LIFTER
from finephys.physnet.inference import SHIPPED_WEIGHTS as PHYSNET

pytestmark = pytest.mark.integration


def _graph(view="new view", save_bvh=True, weight=0.5):
    return {
        "1": {"class_type": "FinePhys_Load2DPose", "inputs": {
            "pose_file": "[sample] sports2d_box.npz", "fps": 30.0, "person": "first",
            "image_width": 0, "image_height": 0}},
        "2": {"class_type": "FinePhys_ICLLift3D", "inputs": {
            "pose_2d": ["1", 0], "weights": "[default] finephys_lifter_icl", "demonstrations": "bank",
            "focal_length_px": 0.0, "preview": False}},
        "3": {"class_type": "FinePhys_PhysNetReestimate", "inputs": {
            "pose_3d": ["2", 0], "weights": "[default] finephys_physnet", "camera_elevation": 0.0}},
        "4": {"class_type": "PreviewImage", "inputs": {"images": ["3", 2]}},
        "5": {"class_type": "FinePhys_FuseProject", "inputs": {
            "pose_3d_data": ["2", 0], "pose_3d_physics": ["3", 0], "physics_weight": weight, "rigid_bones": False, "view": view,
            "camera_elevation": 0.0, "view_azimuth": 90.0, "view_elevation": 10.0, "view_distance": 0.0,
            "width": 256, "height": 256, "save_bvh": save_bvh, "filename_prefix": "finephys_test/fused"}},
        "6": {"class_type": "FinePhys_DrawSkeleton", "inputs": {
            "pose_2d": ["5", 1], "width": 0, "height": 0, "confidence_threshold": 0.3, "line_width": 0}},
        "7": {"class_type": "PreviewImage", "inputs": {"images": ["6", 0]}},
    }


def test_shipped_workflow_writes_plot_video_and_bvh(comfy):
    """workflows/api/pose_to_physics_new_view.json as shipped."""
    graph = load_workflow("pose_to_physics_new_view.json")
    prefix = f"test_{uuid.uuid4().hex[:8]}"
    for node, key in (("4", "plot"), ("5", "fused"), ("8", "video")):
        graph[node]["inputs"]["filename_prefix"] = f"{prefix}/{key}"
    files = {f["filename"].rsplit(".", 1)[-1]: f for f in output_files(comfy.run(graph, timeout=600))}
    assert set(files) == {"png", "bvh", "mp4"}
    video = comfy.download(files["mp4"]["filename"], files["mp4"]["subfolder"], "output")
    with av.open(io.BytesIO(video)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) == 160 and frames[0].shape == (512, 512, 3)
    assert max(f.max() for f in frames) > 100  # the skeleton is drawn


def test_physics_then_new_view_and_bvh(comfy):
    entry = comfy.run(_graph(), timeout=600)
    outputs = entry["outputs"]
    assert len(outputs["4"]["images"]) == 1  # the COM plot
    assert "flight COM law" in outputs["3"]["text"][0]
    assert len(outputs["7"]["images"]) == 160  # one 256x256 skeleton frame per input frame
    bvh = [f for f in outputs["5"]["files"] if f["filename"].endswith(".bvh")]
    assert len(bvh) == 1
    text = comfy.download(bvh[0]["filename"], bvh[0]["subfolder"]).decode()
    assert text.startswith("HIERARCHY") and "Frames: 160" in text


@pytest.mark.parametrize("kind, message", [
    ("corrupt", "not a readable safetensors file"),
    ("lifter", "do not fit PhysNet"),
])
def test_bad_weights_fail_clearly_and_the_server_keeps_serving(comfy, comfy_server, kind, message):
    folder = comfy_server.models_dir / "finephys"
    folder.mkdir(parents=True, exist_ok=True)
    name = f"bad_{kind}_physnet"
    weights = folder / f"{name}.safetensors"
    if kind == "corrupt":
        weights.write_bytes(b"\x00" * 100)
    else:  # a real safetensors file of another model under a PhysNet config
        shutil.copy(LIFTER, weights)
    shutil.copy(PHYSNET.with_suffix(".json"), folder / f"{name}.json")
    try:
        comfy.object_info()  # the new file shows up in the dropdown
        graph = _graph(save_bvh=False)
        graph["3"]["inputs"]["weights"] = f"{name}.safetensors"
        error = execution_error(comfy.wait(comfy.submit(graph), timeout=600))
        assert "FinePhys PhysNet Re-estimate" in error["exception_message"]
        assert message in error["exception_message"] and f"{name}.safetensors" in error["exception_message"]
        assert comfy.alive()
    finally:
        weights.unlink(missing_ok=True)
        (folder / f"{name}.json").unlink(missing_ok=True)
