"""Tiny SD1.5-shaped models for fast tests: the real block layout (4 down blocks, cross
attention in the first three, a motion module after every layer) at small widths."""
from __future__ import annotations

import torch

TINY_WIDTHS = (32, 64, 64, 64)
TINY_TEXT_DIM = 32


def tiny_unet_config() -> dict:
    return dict(
        sample_size=8, in_channels=4, out_channels=4, layers_per_block=2,
        block_out_channels=TINY_WIDTHS,
        down_block_types=("CrossAttnDownBlock2D",) * 3 + ("DownBlock2D",),
        up_block_types=("UpBlock2D",) + ("CrossAttnUpBlock2D",) * 3,
        cross_attention_dim=TINY_TEXT_DIM, attention_head_dim=8, norm_num_groups=8,
    )


def tiny_motion_adapter_config() -> dict:
    return dict(block_out_channels=TINY_WIDTHS, motion_layers_per_block=2, motion_mid_block_layers_per_block=1,
                motion_num_attention_heads=2, motion_norm_num_groups=8, motion_max_seq_length=32,
                use_motion_mid_block=True)


def tiny_unet2d(seed: int = 0):
    from diffusers import UNet2DConditionModel

    torch.manual_seed(seed)
    return UNet2DConditionModel(**tiny_unet_config()).eval()


def tiny_motion_adapter(seed: int = 1):
    from diffusers import MotionAdapter

    torch.manual_seed(seed)
    return MotionAdapter(**tiny_motion_adapter_config()).eval()


def tiny_motion_unet(seed: int = 0):
    from diffusers import UNetMotionModel

    return UNetMotionModel.from_unet2d(tiny_unet2d(seed), tiny_motion_adapter(seed + 1)).eval()


_RESNET_TO_LDM = {"norm1": "in_layers.0", "conv1": "in_layers.2", "time_emb_proj": "emb_layers.1",
                  "norm2": "out_layers.0", "conv2": "out_layers.3", "conv_shortcut": "skip_connection"}


def _resnet_key(rest: str) -> str:
    part, tail = rest.split(".", 1)
    return f"{_RESNET_TO_LDM[part]}.{tail}"


def diffusers_unet_to_ldm(state: dict, layers_per_block: int, attention_levels: tuple[bool, ...]) -> dict:
    """A diffusers UNet2DConditionModel state dict in the original SD (LDM) single-file layout,
    'model.diffusion_model.' keys, as SD1.5 checkpoints are written: used to make test files."""
    import re

    lpb = layers_per_block
    top = {"time_embedding.linear_1": "time_embed.0", "time_embedding.linear_2": "time_embed.2",
           "conv_in": "input_blocks.0.0", "conv_norm_out": "out.0", "conv_out": "out.2"}
    out = {}
    for key, value in state.items():
        head, _, param = key.rpartition(".")
        ldm = None
        if head in top:
            ldm = f"{top[head]}.{param}"
        elif m := re.match(r"down_blocks\.(\d+)\.resnets\.(\d+)\.(.+)", key):
            x, i = int(m[1]), int(m[2])
            ldm = f"input_blocks.{1 + (lpb + 1) * x + i}.0.{_resnet_key(m[3])}"
        elif m := re.match(r"down_blocks\.(\d+)\.attentions\.(\d+)\.(.+)", key):
            x, i = int(m[1]), int(m[2])
            ldm = f"input_blocks.{1 + (lpb + 1) * x + i}.1.{m[3]}"
        elif m := re.match(r"down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.+)", key):
            ldm = f"input_blocks.{(lpb + 1) * (int(m[1]) + 1)}.0.op.{m[2]}"
        elif m := re.match(r"mid_block\.resnets\.(\d+)\.(.+)", key):
            ldm = f"middle_block.{2 * int(m[1])}.{_resnet_key(m[2])}"
        elif m := re.match(r"mid_block\.attentions\.0\.(.+)", key):
            ldm = f"middle_block.1.{m[1]}"
        elif m := re.match(r"up_blocks\.(\d+)\.resnets\.(\d+)\.(.+)", key):
            ldm = f"output_blocks.{(lpb + 1) * int(m[1]) + int(m[2])}.0.{_resnet_key(m[3])}"
        elif m := re.match(r"up_blocks\.(\d+)\.attentions\.(\d+)\.(.+)", key):
            ldm = f"output_blocks.{(lpb + 1) * int(m[1]) + int(m[2])}.1.{m[3]}"
        elif m := re.match(r"up_blocks\.(\d+)\.upsamplers\.0\.conv\.(.+)", key):
            x = int(m[1])
            level = len(attention_levels) - 1 - x  # up block x mirrors down level (levels-1-x)
            index = 2 if attention_levels[level] else 1
            ldm = f"output_blocks.{(lpb + 1) * x + lpb}.{index}.conv.{m[2]}"
        if ldm is None:
            raise KeyError(f"no LDM name for {key}")
        out["model.diffusion_model." + ldm] = value
    return out
