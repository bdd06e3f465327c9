"""The generation stage through the real server, with ComfyUI's own nodes around ours:
Load Checkpoint -> CLIP Text Encode -> FinePhys AnimateDiff Heatmap Sampler (guided by the
Multi-scale Heatmap Encoder on the real detection sample) -> VAE Decode -> Create Video ->
Save Video. The checkpoint is a random-weight file in the SD1.5 single-file layout that
ComfyUI detects as SD1.5 (tests/fp_sd15_checkpoint.py), the motion module a random file in
the original AnimateDiff layout; frames are tiny (64x64, 8 frames, 2 steps)."""
import io
import shutil
import uuid
from pathlib import Path

import av
import numpy as np
import pytest
import torch
from safetensors.torch import save_file

import fp_sd15_checkpoint as sd15
from finephys.adapters.encoder import HeatmapEncoderConfig, MultiScaleHeatmapEncoder, save_encoder
from finephys.host.client import PromptFailed, output_files
from finephys.host.install import vendored_comfyui

pytestmark = pytest.mark.integration

CACHE = Path(__file__).resolve().parents[2] / ".cache" / "finephys" / "test_models"
ADAPTER = "finephys_adapter_test.safetensors"
LORA = "finephys_test_lora.safetensors"
TRAINED_LORA = "finephys_trained_lora.safetensors"


@pytest.fixture(scope="module")
def models(comfy_server):
    """Checkpoint, motion module, heatmap adapter and a LoRA placed in the server's models/."""
    checkpoint, motion = sd15.build(CACHE, vendored_comfyui())
    root = comfy_server.models_dir
    placed = []
    for folder, source in (("checkpoints", checkpoint), ("animatediff_models", motion)):
        (root / folder).mkdir(parents=True, exist_ok=True)
        target = root / folder / source.name
        shutil.copyfile(source, target)
        placed.append(target)
    torch.manual_seed(0)
    encoder = MultiScaleHeatmapEncoder(HeatmapEncoderConfig(unet_widths=sd15.WIDTHS, hidden=(16, 32, 32, 32),
                                                            zero_init=False))
    (root / "finephys").mkdir(parents=True, exist_ok=True)
    adapter = save_encoder(encoder, root / "finephys" / ADAPTER)
    placed += [adapter, adapter.with_suffix(".json")]
    # a LoRA in the kohya naming ComfyUI's Load LoRA reads: self-attention of the first block
    (root / "loras").mkdir(parents=True, exist_ok=True)
    base = "lora_unet_input_blocks_1_1_transformer_blocks_0_attn1_to_q"
    lora = {f"{base}.lora_down.weight": torch.randn(4, 320) * 0.5, f"{base}.lora_up.weight": torch.randn(320, 4) * 0.5,
            f"{base}.alpha": torch.tensor(4.0)}
    save_file(lora, str(root / "loras" / LORA))
    placed.append(root / "loras" / LORA)
    # a LoRA as training/train_adapter.py writes it (peft on the spatial attention, kohya names)
    from diffusers import UNet2DConditionModel

    from finephys.generation.lora import add_spatial_lora, lora_state_kohya
    unet = UNet2DConditionModel(**sd15.narrow_unet_config())
    add_spatial_lora(unet, rank=4)
    with torch.no_grad():
        for name, p in unet.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)
    save_file(lora_state_kohya(unet), str(root / "loras" / TRAINED_LORA))
    placed.append(root / "loras" / TRAINED_LORA)
    yield checkpoint.name, motion.name
    for path in placed:
        path.unlink(missing_ok=True)


def _graph(ckpt, motion, prefix, guided=True, **sampler):
    inputs = {"model": ["1", 0], "positive": ["2", 0], "negative": ["3", 0], "motion_module": motion,
              "lora": "None", "lora_strength": 1.0, "seed": 5, "steps": 2, "cfg": 7.5, "scheduler": "ddim",
              "beta_schedule": "scaled_linear", "width": 0, "height": 0, "frames": 0, "guidance_strength": 1.0,
              "guidance_start": 0.0, "guidance_end": 1.0, "context_length": 16, "context_overlap": 4}
    if guided:
        inputs["guidance"] = ["6", 0]
    else:
        inputs.update(width=64, height=64, frames=8)
    inputs.update(sampler)
    return {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": ckpt}},
        "2": {"class_type": "CLIPTextEncode", "inputs": {"text": "a gymnast, back salto", "clip": ["1", 1]}},
        "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["1", 1]}},
        "4": {"class_type": "FinePhys_Load2DPose", "inputs": {
            "pose_file": "[sample] sports2d_box.npz", "fps": 30.0, "person": "first",
            "image_width": 0, "image_height": 0}},
        "5": {"class_type": "FinePhys_Trim2DPose", "inputs": {"pose_2d": ["4", 0], "start": 40, "frames": 8, "step": 1}},
        "6": {"class_type": "FinePhys_HeatmapEncoder", "inputs": {
            "pose_2d": ["5", 0], "adapter": ADAPTER, "width": 64, "height": 64, "sigma_scale": 0.025}},
        "7": {"class_type": "FinePhys_AnimateDiffSampler", "inputs": inputs},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["7", 0], "vae": ["1", 2]}},
        "9": {"class_type": "CreateVideo", "inputs": {"images": ["8", 0], "fps": 8.0}},
        "10": {"class_type": "SaveVideo", "inputs": {"video": ["9", 0], "filename_prefix": prefix,
                                                      "format": "mp4", "codec": "h264"}},
        "11": {"class_type": "PreviewImage", "inputs": {"images": ["6", 1]}},
    }


def _frames(comfy, entry) -> np.ndarray:
    video = [f for f in output_files(entry) if f["filename"].endswith(".mp4")]
    assert len(video) == 1
    data = comfy.download(video[0]["filename"], video[0]["subfolder"], "output")
    with av.open(io.BytesIO(data)) as container:
        return np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)]).astype(np.float32)


def test_guided_generation_through_core_nodes(comfy, models):
    ckpt, motion = models
    info = comfy.object_info("FinePhys_AnimateDiffSampler")["FinePhys_AnimateDiffSampler"]
    assert motion in info["input"]["required"]["motion_module"][1]["options"] or \
        motion in str(info["input"]["required"]["motion_module"])
    tag = uuid.uuid4().hex[:8]
    guided = _frames(comfy, comfy.run(_graph(ckpt, motion, f"gen_{tag}/guided"), timeout=900))
    assert guided.shape == (8, 64, 64, 3)
    plain = _frames(comfy, comfy.run(_graph(ckpt, motion, f"gen_{tag}/plain", guided=False), timeout=900))
    assert plain.shape == guided.shape
    assert np.abs(guided - plain).mean() > 1.0  # the skeleton guidance reaches the pixels
    with_lora = _frames(comfy, comfy.run(_graph(ckpt, motion, f"gen_{tag}/lora", lora=LORA), timeout=900))
    assert np.abs(with_lora - guided).mean() > 1.0  # the LoRA is applied to the UNet we sample with


def test_a_lora_in_the_training_scripts_format_loads_fully(comfy, models, comfy_server):
    """Every key of a LoRA written by lora_state_kohya (training/train_adapter.py) is taken up
    by ComfyUI's LoRA loader on an SD1.5 MODEL and changes the video."""
    ckpt, motion = models
    tag = uuid.uuid4().hex[:8]
    base = _frames(comfy, comfy.run(_graph(ckpt, motion, f"gen_{tag}/base"), timeout=900))
    trained = _frames(comfy, comfy.run(_graph(ckpt, motion, f"gen_{tag}/trained", lora=TRAINED_LORA), timeout=900))
    assert np.abs(trained - base).mean() > 1.0
    assert "lora key not loaded" not in comfy_server.log_tail(2000)


@pytest.mark.parametrize("override, message", [
    ({"frames": 12}, "guidance has 8 frames but 12"),
    ({"width": 60}, "multiples of 8"),
    ({"guidance_start": 0.8, "guidance_end": 0.2}, "guidance range"),
])
def test_bad_requests_fail_clearly(comfy, models, override, message):
    ckpt, motion = models
    with pytest.raises(PromptFailed, match=message) as failure:
        comfy.run(_graph(ckpt, motion, "gen_bad/x", **override), timeout=900)
    assert "FinePhys AnimateDiff Heatmap Sampler" in str(failure.value)


def test_guidance_without_an_adapter_says_where_to_put_one(comfy, models):
    ckpt, motion = models
    graph = _graph(ckpt, motion, "gen_bad/w")
    graph["6"]["inputs"]["adapter"] = "[none] heatmaps only"
    with pytest.raises(PromptFailed, match="no adapter .* models/finephys/"):
        comfy.run(graph, timeout=900)


def test_wrong_motion_module_files_fail_clearly_and_the_server_keeps_serving(comfy, models, comfy_server):
    ckpt, motion = models
    folder = comfy_server.models_dir / "animatediff_models"
    corrupt, lora_as_mm = folder / "mm_corrupt.safetensors", folder / "mm_is_a_lora.safetensors"
    corrupt.write_bytes(b"\x00" * 100)
    shutil.copyfile(comfy_server.models_dir / "loras" / LORA, lora_as_mm)
    try:
        with pytest.raises(PromptFailed, match="mm_corrupt.safetensors: not a readable weights file"):
            comfy.run(_graph(ckpt, corrupt.name, "gen_bad/y"), timeout=900)
        with pytest.raises(PromptFailed, match="not an AnimateDiff motion module"):
            comfy.run(_graph(ckpt, lora_as_mm.name, "gen_bad/z"), timeout=900)
    finally:
        corrupt.unlink(missing_ok=True)
        lora_as_mm.unlink(missing_ok=True)
    assert comfy.object_info("FinePhys_HeatmapEncoder")  # still serving


def test_text_expand_feeds_clip_text_encode(comfy, models):
    ckpt, motion = models
    graph = _graph(ckpt, motion, f"gen_{uuid.uuid4().hex[:8]}/text")
    graph["12"] = {"class_type": "FinePhys_TextExpand", "inputs": {
        "label": "switch leap with 0.5 turn", "mode": "offline vocabulary", "scene": "on a gym floor",
        "endpoint_url": "http://127.0.0.1:8000/v1", "endpoint_model": "", "api_key_env": "OPENAI_API_KEY"}}
    graph["2"]["inputs"]["text"] = ["12", 0]
    entry = comfy.run(graph, timeout=900)
    shown = " ".join(entry["outputs"]["12"]["text"])
    assert "switches legs in the air" in shown and shown.endswith("On a gym floor.")
    assert _frames(comfy, entry).shape == (8, 64, 64, 3)
    graph["12"]["inputs"].update(mode="OpenAI-compatible endpoint", endpoint_model="")
    with pytest.raises(PromptFailed, match="needs endpoint_model"):
        comfy.run(graph, timeout=900)


def test_files_from_train_adapter_load_into_the_nodes(comfy, models, comfy_server, tmp_path):
    """Round trip: training/train_adapter.py on the same SD1.5-layout checkpoint and motion
    module the server has, then its adapter and LoRA drive the Heatmap Encoder and Sampler."""
    import json as _json

    import av as _av

    from finephys.generation.unet import CONFIG_DIR
    from finephys.skeleton.pose_files import save_pose_npz
    from finephys.skeleton.sequence import Pose2DSequence
    from finephys.training import train_adapter
    from finephys.training.pose_cache import cache_path
    from finephys.training.video_dataset import ClipEntry

    ckpt, motion = models
    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "unet.json").write_text(_json.dumps(sd15.narrow_unet_config()))
    shutil.copyfile(CONFIG_DIR / "sd15_vae.json", configs / "vae.json")
    shutil.copyfile(CONFIG_DIR / "sd15_text_encoder.json", configs / "text_encoder.json")
    data = tmp_path / "clips"
    data.mkdir()
    with _av.open(str(data / "leap.mp4"), "w") as container:
        stream = container.add_stream("mpeg4", rate=8)
        stream.width = stream.height = 64
        stream.pix_fmt = "yuv420p"
        for t in range(8):
            frame = np.zeros((64, 64, 3), np.uint8)
            frame[16:56, 10 + 4 * t:18 + 4 * t] = (220, 200, 180)
            for packet in stream.encode(_av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    (data / "captions.jsonl").write_text(_json.dumps({"video": "leap.mp4", "caption": "a gymnast leaps"}))
    base = np.array([[0, 0], [-3, 0], [-3, 9], [-3, 18], [3, 0], [3, 9], [3, 18], [0, -5], [0, -10], [0, -12],
                     [0, -15], [5, -10], [8, -4], [9, 1], [-5, -10], [-8, -4], [-9, 1]], np.float32)
    pose = Pose2DSequence(np.stack([base + np.array([14 + 4 * t, 36], np.float32) for t in range(8)]),
                          np.ones((8, 17), np.float32), (64, 64), fps=8)
    cache = tmp_path / "poses"
    cache.mkdir()
    save_pose_npz(pose, cache_path(ClipEntry((data / "leap.mp4").resolve(), "", 0, 8, 1), cache))
    out = tmp_path / "trained"
    train_adapter.main([
        "--checkpoint", str(comfy_server.models_dir / "checkpoints" / ckpt),
        "--motion-module", str(comfy_server.models_dir / "animatediff_models" / motion),
        "--data", str(data), "--captions", str(data / "captions.jsonl"), "--config-dir", str(configs),
        "--pose-cache", str(cache), "--out", str(out), "--name", "roundtrip", "--frames", "8", "--width", "64",
        "--height", "64", "--steps", "2", "--lr", "1e-2", "--lora-rank", "4", "--encoder-hidden", "8,8,16,16",
        "--eval-draws", "1"])
    placed = []
    for source, folder in ((out / "roundtrip_adapter.safetensors", "finephys"), (out / "roundtrip_adapter.json", "finephys"),
                           (out / "roundtrip_lora.safetensors", "loras")):
        target = comfy_server.models_dir / folder / source.name
        shutil.copyfile(source, target)
        placed.append(target)
    try:
        tag = uuid.uuid4().hex[:8]
        graph = _graph(ckpt, motion, f"gen_{tag}/trained", lora="roundtrip_lora.safetensors")
        graph["6"]["inputs"]["adapter"] = "roundtrip_adapter.safetensors"
        trained = _frames(comfy, comfy.run(graph, timeout=900))
        plain = _frames(comfy, comfy.run(_graph(ckpt, motion, f"gen_{tag}/plain", guided=False), timeout=900))
        assert trained.shape == (8, 64, 64, 3)
        assert np.abs(trained - plain).mean() > 0.5  # the trained adapter + LoRA change the video
        assert "lora key not loaded" not in comfy_server.log_tail(3000)
    finally:
        for path in placed:
            path.unlink(missing_ok=True)


def test_shipped_generation_workflow_runs_with_test_files(comfy, models):
    """workflows/api/pose_file_to_generation.json as shipped, with only the model files, the
    size, the length and the steps swapped for the small test ones."""
    from fp_testing import load_workflow

    ckpt, motion = models
    graph = load_workflow("pose_file_to_generation.json")
    graph["20"]["inputs"]["ckpt_name"] = ckpt
    graph["24"]["inputs"].update(motion_module=motion, steps=2)
    graph["14"]["inputs"].update(adapter=ADAPTER, width=64, height=64)
    graph["13"]["inputs"]["frames"] = 8
    tag = uuid.uuid4().hex[:8]
    for node, key in (("12", "fused"), ("15", "heatmaps"), ("27", "video")):
        graph[node]["inputs"]["filename_prefix"] = f"wf_{tag}/{key}"
    entry = comfy.run(graph, timeout=900)
    frames = _frames(comfy, entry)
    assert frames.shape == (8, 64, 64, 3)
    pngs = [f for f in output_files(entry) if f["filename"].endswith(".png") and f["type"] == "output"]
    assert len(pngs) == 8  # the heatmap guidance, one image per frame
