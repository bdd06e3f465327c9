"""Against the real ComfyUI server: our nodes are registered, described, and the model folder
lists .safetensors only."""
import pytest

pytestmark = pytest.mark.integration

# Stable node IDs are a contract with saved workflows: never rename one.
NODE_IDS = [
    "FinePhys_Load2DPose", "FinePhys_PoseKeypointTo2DPose", "FinePhys_DrawSkeleton",
    "FinePhys_LoadVideo", "FinePhys_PoseDetect", "FinePhys_Save2DPose",
    "FinePhys_ICLLift3D", "FinePhys_BuildDemoBank", "FinePhys_PhysNetReestimate", "FinePhys_FuseProject",
    "FinePhys_Trim2DPose", "FinePhys_Draw3DSkeleton", "FinePhys_HeatmapEncoder", "FinePhys_AnimateDiffSampler", "FinePhys_TextExpand",
]


@pytest.mark.parametrize("node_id", NODE_IDS)
def test_node_is_registered_with_tooltips(comfy, node_id):
    info = comfy.object_info(node_id)
    assert info, f"{node_id} missing from /object_info (the package failed to import?)"
    node = info[node_id]
    assert node["category"] == "FinePhys"
    assert node["display_name"].startswith("FinePhys ")
    assert node["description"]
    inputs = {**node["input"].get("required", {}), **node["input"].get("optional", {})}
    assert inputs
    for name, (_, options) in inputs.items():
        assert options.get("tooltip"), f"{node_id}.{name} has no tooltip"


def test_custom_types_and_sample_in_dropdown(comfy):
    load = comfy.object_info("FinePhys_Load2DPose")["FinePhys_Load2DPose"]
    assert load["output"][:2] == ["FINEPHYS_POSE2D", "POSE_KEYPOINT"]
    files = load["input"]["required"]["pose_file"][1]["options"]
    assert "[sample] sports2d_box.json" in files and "[sample] sports2d_box.npz" in files


def test_model_folder_lists_safetensors_only(comfy_server, comfy):
    folder = comfy_server.models_dir / "finephys"
    (folder / "tiny.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    (folder / "unsafe.ckpt").write_bytes(b"pickle")
    (folder / "notes.txt").write_text("x")
    try:
        listed = comfy.get_json("/models/finephys")
        # other tests may have saved demonstration banks (banks/*.safetensors) in this server
        assert "tiny.safetensors" in listed and all(n.endswith(".safetensors") for n in listed)
    finally:
        for name in ("tiny.safetensors", "unsafe.ckpt", "notes.txt"):
            (folder / name).unlink()
