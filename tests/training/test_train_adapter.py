"""training/train_adapter.py end to end on tiny models and generated clips: single-file
checkpoint in the SD1.5 layout (tiny widths, configs from a folder), a motion module in the
AnimateDiff layout, a folder of videos with captions (with broken, short and uncaptioned
ones that must be reported), cached poses; stop and resume; the evaluation loss falls; the
adapter and the LoRA it writes load into the sampler and change its output."""
import json
import sys

import av
import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

from fp_sd15_checkpoint import _comfy_vae_converter
from fp_tiny_models import TINY_TEXT_DIM, diffusers_unet_to_ldm, tiny_motion_adapter, tiny_unet2d, tiny_unet_config
from finephys.adapters.encoder import load_encoder
from finephys.adapters.guidance import HeatmapGuidance
from finephys.generation.lora import merge_kohya_lora
from finephys.generation.motion_module import to_original_layout
from finephys.generation.sampler import SamplerSettings, sample_video
from finephys.generation.unet import sd15_unet_config
from finephys.host.install import vendored_comfyui
from finephys.skeleton.pose_files import load_pose_npz, save_pose_npz
from finephys.skeleton.sequence import Pose2DSequence
from finephys.training.pose_cache import cache_path
from finephys.training.video_dataset import ClipEntry

SIZE, FRAMES = 64, 6


def _write_video(path, frames: int, shift: int):
    with av.open(str(path), "w") as container:
        stream = container.add_stream("mpeg4", rate=8)
        stream.width = stream.height = SIZE
        stream.pix_fmt = "yuv420p"
        for t in range(frames):
            img = np.zeros((SIZE, SIZE, 3), np.uint8)
            x = 10 + shift + 4 * t
            img[20:50, x:x + 8] = (200, 120, 60)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _pose(frames: int, shift: int) -> Pose2DSequence:
    base = np.array([[0, 0], [-3, 0], [-3, 9], [-3, 18], [3, 0], [3, 9], [3, 18], [0, -5], [0, -10], [0, -12],
                     [0, -15], [5, -10], [8, -4], [9, 1], [-5, -10], [-8, -4], [-9, 1]], np.float32)
    kp = np.stack([base + np.array([14 + shift + 4 * t, 34], np.float32) for t in range(frames)])
    return Pose2DSequence(kp, np.ones(kp.shape[:2], np.float32), (SIZE, SIZE), fps=8)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from diffusers import AutoencoderKL
    from transformers import CLIPTextConfig, CLIPTextModel

    root = tmp_path_factory.mktemp("train_adapter")
    configs = root / "configs"
    configs.mkdir()
    unet_config = dict(sd15_unet_config(), **tiny_unet_config())
    (configs / "unet.json").write_text(json.dumps(unet_config))
    vae_config = dict(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=[8, 16, 16, 16],
                      down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4,
                      layers_per_block=1, norm_num_groups=8, sample_size=SIZE, scaling_factor=0.18215)
    (configs / "vae.json").write_text(json.dumps(vae_config))
    text_config = dict(vocab_size=49408, hidden_size=TINY_TEXT_DIM, intermediate_size=64, num_hidden_layers=2,
                       num_attention_heads=2, max_position_embeddings=77, projection_dim=TINY_TEXT_DIM)
    (configs / "text_encoder.json").write_text(json.dumps(text_config))

    torch.manual_seed(0)
    state = diffusers_unet_to_ldm(tiny_unet2d().state_dict(), 2, (True, True, True, False))
    vae = AutoencoderKL(**{k: v for k, v in vae_config.items()})
    state.update({f"first_stage_model.{k}": v for k, v in _comfy_vae_converter(vendored_comfyui())(vae.state_dict()).items()})
    clip = CLIPTextModel(CLIPTextConfig(**text_config))
    state.update({f"cond_stage_model.transformer.{k}": v for k, v in clip.state_dict().items()})
    checkpoint = root / "tiny_sd15.safetensors"
    save_file({k: v.contiguous() for k, v in state.items()}, str(checkpoint))
    motion = root / "mm_tiny.safetensors"
    save_file({k: v.contiguous() for k, v in to_original_layout(tiny_motion_adapter().state_dict()).items()}, str(motion))

    data = root / "clips"
    data.mkdir()
    cache = root / "poses"
    captions = []
    for i in range(3):
        _write_video(data / f"clip{i}.mp4", 10, 3 * i)
        captions.append({"video": f"clip{i}.mp4", "caption": f"a gymnast, take {i}"})
        entry = ClipEntry((data / f"clip{i}.mp4").resolve(), "", 0, FRAMES, 1)
        target = cache_path(entry, cache)
        target.parent.mkdir(parents=True, exist_ok=True)
        save_pose_npz(_pose(FRAMES, 3 * i), target)  # as the pose pipeline would cache it
    _write_video(data / "short.mp4", 3, 0)
    captions.append({"video": "short.mp4", "caption": "too short"})
    (data / "broken.mp4").write_bytes(b"not a video at all")
    captions.append({"video": "broken.mp4", "caption": "broken"})
    captions.append({"video": "clip0.mp4", "caption": ""})  # a row without caption
    _write_video(data / "uncaptioned.mp4", 10, 0)
    (data / "captions.jsonl").write_text("\n".join(json.dumps(c) for c in captions))
    return dict(root=root, configs=configs, checkpoint=checkpoint, motion=motion, data=data, cache=cache)


def _argv(s, out, *extra):
    return ["--checkpoint", str(s["checkpoint"]), "--motion-module", str(s["motion"]), "--data", str(s["data"]),
            "--captions", str(s["data"] / "captions.jsonl"), "--config-dir", str(s["configs"]),
            "--pose-cache", str(s["cache"]), "--out", str(out), "--name", "tiny", "--frames", str(FRAMES),
            "--width", str(SIZE), "--height", str(SIZE), "--steps", "16", "--lr", "2e-3", "--lora-rank", "4",
            "--encoder-hidden", "8,8,16,16", "--eval-draws", "3", "--log-every", "4", "--save-every", "4", *extra]


def test_train_stop_resume_and_load_into_the_sampler(setup, tmp_path, capsys):
    sys.path.insert(0, str(setup["root"]))
    from finephys.training import train_adapter

    out = tmp_path / "run"
    train_adapter.main(_argv(setup, out, "--stop-after", "8"))
    printed = capsys.readouterr().out
    assert "3 clip(s) kept, 4 skipped" in printed
    for reason in ("short.mp4: shorter than the clip (3 < 6 frames)", "broken.mp4: ", "uncaptioned.mp4: no caption",
                   "clip0.mp4: no caption"):
        assert reason in printed, reason
    assert (out / "tiny.resume").is_dir() and not (out / "tiny_adapter.safetensors").exists()
    train_adapter.main(_argv(setup, out))
    printed = capsys.readouterr().out
    assert "resumed from step 8" in printed
    metrics = json.loads((out / "tiny_metrics.json").read_text())
    assert metrics["eval_loss_after"] < metrics["eval_loss_before"], metrics
    assert not (out / "tiny.resume").exists()

    # the files load into the sampler unchanged and change what it makes
    from fp_tiny_models import tiny_motion_unet
    encoder = load_encoder(out / "tiny_adapter.safetensors")
    lora = load_file(str(out / "tiny_lora.safetensors"))
    assert all(k.startswith("lora_unet_") for k in lora) and not any("motion_modules" in k for k in lora)
    unet = tiny_motion_unet()
    text = torch.randn(1, 77, TINY_TEXT_DIM)
    pose = load_pose_npz(cache_path(ClipEntry((setup["data"] / "clip1.mp4").resolve(), "", 0, FRAMES, 1),
                                    setup["cache"]))
    settings = SamplerSettings(steps=2, seed=0)
    plain = sample_video(unet, text, None, FRAMES, SIZE, SIZE, settings)
    guided = sample_video(unet, text, None, FRAMES, SIZE, SIZE, settings, HeatmapGuidance(pose, encoder, SIZE, SIZE))
    assert (guided - plain).abs().mean() > 1e-4
    assert merge_kohya_lora(unet, lora) > 0
    with_lora = sample_video(unet, text, None, FRAMES, SIZE, SIZE, settings, HeatmapGuidance(pose, encoder, SIZE, SIZE))
    assert (with_lora - guided).abs().mean() > 1e-5


def test_finegym_clips_with_expanded_labels(setup, tmp_path, capsys):
    from finephys.training import train_adapter

    gym = tmp_path / "finegym"
    (gym / "videos").mkdir(parents=True)
    import shutil
    shutil.copyfile(setup["data"] / "clip1.mp4", gym / "videos" / "vidA.mp4")
    (gym / "cats.txt").write_text("Clabel: 7; set: 21; Glabel: 60; (FX) switch leap with 0.5 turn\n")
    (gym / "labels.txt").write_text("vidA_E_000000_000001_A_0000_0001 7\n")
    (gym / "ann.json").write_text(json.dumps({"vidA": {"E_000000_000001": {"event": 2, "timestamps": [[0.0, 1.2]],
                                  "segments": {"A_0000_0001": {"stages": 1, "timestamps": [[0.0, 1.0]]}}}}}))
    entry = ClipEntry((gym / "videos" / "vidA.mp4").resolve(), "", 0, FRAMES, 1)
    save_pose_npz(_pose(FRAMES, 3), cache_path(entry, setup["cache"]))
    argv = _argv(setup, tmp_path / "out", "--steps", "2", "--expand-captions", "--finegym", str(gym / "ann.json"),
                 str(gym / "labels.txt"), str(gym / "cats.txt"), str(gym / "videos"), "--finegym-subset", "FX-JUMP")
    data_at = argv.index("--data")
    del argv[data_at:data_at + 4]  # FineGym alone: no --data / --captions
    train_adapter.main(argv)
    printed = capsys.readouterr().out
    assert "1 clip(s) kept, 0 skipped" in printed
    assert (tmp_path / "out" / "tiny_adapter.safetensors").is_file()


def test_image_pairs_pretrain_first_then_videos_and_pairs_alone(setup, tmp_path, capsys):
    from PIL import Image

    from finephys.training import train_adapter

    root = tmp_path / "pairs"
    root.mkdir()
    images, annotations = [], []
    for i in range(2):
        img = np.zeros((80, 96, 3), np.uint8)
        img[20:70, 30 + 10 * i:40 + 10 * i] = (180, 90, 40)
        Image.fromarray(img).save(root / f"p{i}.png")
        images.append({"id": i + 1, "file_name": f"p{i}.png", "width": 96, "height": 80, "caption": "a dancer"})
        kp = []
        for x, y in [(35, 20), (34, 19), (36, 19), (33, 20), (37, 20), (30, 30), (40, 30), (28, 40), (42, 40),
                     (27, 50), (43, 50), (32, 50), (38, 50), (32, 60), (38, 60), (32, 70), (38, 70)]:
            kp += [x + 10 * i, y, 2]
        annotations.append({"image_id": i + 1, "keypoints": kp, "bbox": [27, 19, 16, 51]})
    (root / "ann.json").write_text(json.dumps({"images": images, "annotations": annotations}))
    argv = _argv(setup, tmp_path / "both", "--steps", "2", "--pairs", str(root / "ann.json"), str(root),
                 "--pairs-steps", "3")
    train_adapter.main(argv)
    printed = capsys.readouterr().out
    assert "2 image pair(s) kept, 0 skipped" in printed and "3 clips and 2 image pairs ready" in printed
    metrics = json.loads((tmp_path / "both" / "tiny_metrics.json").read_text())
    assert metrics["steps"] == 5 and metrics["image_pairs"] == 2 and metrics["evaluated_on"] == "videos"

    alone = _argv(setup, tmp_path / "alone", "--steps", "0", "--pairs", str(root / "ann.json"), str(root),
                  "--pairs-steps", "3")
    data_at = alone.index("--data")
    del alone[data_at:data_at + 4]
    train_adapter.main(alone)
    metrics = json.loads((tmp_path / "alone" / "tiny_metrics.json").read_text())
    assert metrics["evaluated_on"] == "image pairs" and (tmp_path / "alone" / "tiny_lora.safetensors").is_file()
    with pytest.raises(SystemExit, match="--steps trains on videos"):
        train_adapter.main(alone + ["--steps", "4"])  # the last --steps wins
