"""A small random-weight checkpoint in the SD1.5 single-file layout that ComfyUI's Load
Checkpoint detects as SD1.5 (model_channels 320, text context 768), with a motion module
that fits it, for integration tests. The UNet is narrow (320 channels at every level, one
layer per block); the VAE and the CLIP text encoder have SD1.5's real shapes, as ComfyUI
builds those from fixed configs. About 0.5 GB in fp16; built once and cached."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import torch

from fp_tiny_models import diffusers_unet_to_ldm

WIDTHS = (320, 320, 320, 320)
LAYERS = 1
ATTENTION_LEVELS = (True, True, True, False)
CHECKPOINT_NAME = "finephys_test_sd15_narrow.safetensors"
MOTION_NAME = "finephys_test_mm_narrow.safetensors"
VERSION = "1"  # bump when the layout changes so cached files are rebuilt


def _comfy_vae_converter(comfy_dir: Path):
    """ComfyUI's own diffusers->LDM VAE key conversion (the host's file, used as a library)."""
    spec = importlib.util.spec_from_file_location("_fp_diffusers_convert", comfy_dir / "comfy" / "diffusers_convert.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.convert_vae_state_dict


def narrow_unet_config() -> dict:
    return dict(sample_size=64, in_channels=4, out_channels=4, layers_per_block=LAYERS, block_out_channels=WIDTHS,
                down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
                up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
                cross_attention_dim=768, attention_head_dim=8)


def build(folder: Path, comfy_dir: Path) -> tuple[Path, Path]:
    """(checkpoint, motion module) in folder, built unless the cached ones are current."""
    from diffusers import AutoencoderKL, MotionAdapter, UNet2DConditionModel
    from safetensors.torch import save_file
    from transformers import CLIPTextConfig, CLIPTextModel

    from finephys.generation.motion_module import to_original_layout

    folder.mkdir(parents=True, exist_ok=True)
    checkpoint, motion, stamp = folder / CHECKPOINT_NAME, folder / MOTION_NAME, folder / "finephys_test_models.json"
    if checkpoint.is_file() and motion.is_file() and stamp.is_file() and json.loads(stamp.read_text()) == VERSION:
        return checkpoint, motion
    torch.manual_seed(0)
    unet = UNet2DConditionModel(**narrow_unet_config())
    state = diffusers_unet_to_ldm(unet.state_dict(), LAYERS, ATTENTION_LEVELS)
    vae = AutoencoderKL(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=(128, 256, 512, 512),
                        down_block_types=("DownEncoderBlock2D",) * 4, up_block_types=("UpDecoderBlock2D",) * 4,
                        layers_per_block=2, sample_size=512)
    convert_vae = _comfy_vae_converter(comfy_dir)
    state.update({f"first_stage_model.{k}": v for k, v in convert_vae(vae.state_dict()).items()})
    clip = CLIPTextModel(CLIPTextConfig(vocab_size=49408, hidden_size=768, intermediate_size=3072,
                                        num_hidden_layers=12, num_attention_heads=12, max_position_embeddings=77,
                                        hidden_act="quick_gelu", projection_dim=768))
    state.update({f"cond_stage_model.transformer.{k}": v for k, v in clip.state_dict().items()})
    save_file({k: v.detach().to(torch.float16).contiguous() for k, v in state.items()}, str(checkpoint))

    adapter = MotionAdapter(block_out_channels=WIDTHS, motion_layers_per_block=LAYERS, motion_num_attention_heads=8,
                            motion_norm_num_groups=32, motion_max_seq_length=32, use_motion_mid_block=True)
    original = to_original_layout(adapter.state_dict())
    save_file({k: v.detach().to(torch.float16).contiguous() for k, v in original.items()}, str(motion))
    stamp.write_text(json.dumps(VERSION))
    return checkpoint, motion
