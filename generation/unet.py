"""The SD1.5 UNet in diffusers form, from weights in the original (LDM) single-file layout:
the MODEL ComfyUI's Load Checkpoint gives (LoRA patches applied by the node wrapper), or an
SD1.5 .safetensors file. The architecture comes from the model's own description (ComfyUI's
unet_config) or from the SD1.5 config shipped in configs/; nothing is fetched."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import torch

from ..skeleton.errors import PoseDataError
from .motion_module import MotionModuleInfo, check_fits_unet

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
LDM_PREFIX = "model.diffusion_model."


def sd15_unet_config() -> dict:
    config = json.loads((CONFIG_DIR / "sd15_unet.json").read_text())
    config.pop("_class_name", None)
    return config


def _per_level(value, levels: int, what: str) -> list[int]:
    values = list(value) if isinstance(value, (list, tuple)) else [value] * levels
    if len(values) != levels:
        raise PoseDataError(f"the model's {what} {values} does not give one value per level")
    return [int(v) for v in values]


def unet_config_from_comfy(comfy: dict) -> dict:
    """A diffusers UNet2DConditionModel config from ComfyUI's unet_config of an SD1.5-family
    model (model_channels, channel_mult, num_res_blocks, transformer_depth, context_dim, ...).
    Anything that is not SD1.5-shaped (SDXL, SD2, video models) is refused by name."""
    context = comfy.get("context_dim")
    if context != 768 or comfy.get("in_channels", 4) != 4 or comfy.get("adm_in_channels") is not None \
            or comfy.get("use_linear_in_transformer", False) or comfy.get("use_temporal_attention", False):
        raise PoseDataError(
            f"this MODEL is not SD1.5 (text context {context}, input channels {comfy.get('in_channels')}, "
            f"extra conditioning {comfy.get('adm_in_channels')}): the AnimateDiff sampler needs an SD1.5 "
            "checkpoint (Load Checkpoint with an SD1.5 model)")
    mult = list(comfy["channel_mult"])
    levels = len(mult)
    res_blocks = _per_level(comfy["num_res_blocks"], levels, "res blocks")
    if len(set(res_blocks)) != 1:
        raise PoseDataError(f"uneven res blocks per level {res_blocks} are not supported")
    depth = list(comfy.get("transformer_depth", []))
    level_depth = [depth[sum(res_blocks[:i])] if depth else 1 for i in range(levels)]
    if any(d > 1 for d in level_depth):
        raise PoseDataError(f"transformer depth {level_depth} per level is not SD1.5's")
    heads = comfy.get("num_heads", 8)
    if heads in (None, -1):
        raise PoseDataError("the MODEL sets attention by head width (SD2 style), not SD1.5's 8 heads")
    config = sd15_unet_config()
    config.update(
        block_out_channels=[int(comfy["model_channels"]) * m for m in mult],
        layers_per_block=res_blocks[0],
        down_block_types=["CrossAttnDownBlock2D" if d else "DownBlock2D" for d in level_depth],
        up_block_types=["CrossAttnUpBlock2D" if d else "UpBlock2D" for d in reversed(level_depth)],
        attention_head_dim=int(heads), cross_attention_dim=768,
        out_channels=int(comfy.get("out_channels", 4)),
    )
    return config


def unet_from_ldm(state: dict[str, torch.Tensor], config: Optional[dict] = None, name: str = "MODEL"):
    """diffusers UNet2DConditionModel (fp32, CPU) from LDM-layout UNet weights (keys with or
    without 'model.diffusion_model.'); config: a diffusers UNet config (default SD1.5)."""
    from diffusers import UNet2DConditionModel
    from diffusers.loaders.single_file_utils import convert_ldm_unet_checkpoint

    config = dict(config or sd15_unet_config())
    prefixed = {(k if k.startswith(LDM_PREFIX) else LDM_PREFIX + k): v for k, v in state.items()
                if k.startswith(LDM_PREFIX) or not k.startswith(("first_stage_model.", "cond_stage_model."))}
    try:
        converted = convert_ldm_unet_checkpoint(prefixed, config)
    except (KeyError, IndexError, ValueError) as exc:
        raise PoseDataError(f"{name}: UNet weights are not in the SD1.5 layout ({exc!r})") from exc
    with torch.device("meta"):
        unet = UNet2DConditionModel.from_config(config)
    try:
        unet.load_state_dict({k: v.float() for k, v in converted.items()}, strict=True, assign=True)
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[0]
        raise PoseDataError(f"{name}: UNet weights do not fit the SD1.5 architecture ({first})") from exc
    return unet.eval()


def motion_unet(unet2d, adapter, info: MotionModuleInfo, name: str = "motion module"):
    """UNetMotionModel = the SD1.5 UNet + the motion module, after checking they fit."""
    from diffusers import UNetMotionModel

    widths = tuple(unet2d.config.block_out_channels)
    check_fits_unet(info, widths, int(unet2d.config.layers_per_block), name)
    return UNetMotionModel.from_unet2d(unet2d, adapter).eval()
